"""Listings: the library's real source, shown as the output of a code cell.

A chapter that explains ``Tape.backward`` shows it with ``listing(ppn.Tape.backward)``
rather than a copy or a Sphinx ``literalinclude``: the listing is read from the code
itself (``inspect``), so the book and Jupyter show the same thing, and ``pytest
--nbval`` fails when the code changes and the chapter was not re-executed.

The output is Markdown (a fenced, highlighted block, under a line naming the file and
the object), with the plain source as its text fallback.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

# The repository's top folder: listings of files name them relative to it.
ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = {".py": "python", ".js": "javascript", ".css": "css", ".md": "markdown"}


class Listing:
    """Source text to show: ``source`` in ``language``, from ``origin`` (a caption)."""

    def __init__(self, source: str, language: str, origin: str):
        self.source = source
        self.language = language
        self.origin = origin

    def _repr_markdown_(self) -> str:
        # A fence longer than any run of backticks in the source cannot be closed by it.
        longest = max((len(run) for run in _backtick_runs(self.source)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{self.origin}\n\n{fence}{self.language}\n{self.source}\n{fence}\n"

    def __repr__(self) -> str:
        return f"{self.origin}\n\n{self.source}"


def listing(
    what,
    *,
    start_at: str | None = None,
    start_after: str | None = None,
    end_at: str | None = None,
    end_before: str | None = None,
) -> Listing:
    """The source of a function, class or method, or of a file (``"ppn/tensor.py"``).

    For a file, ``start_at``/``start_after`` and ``end_at``/``end_before`` cut out the
    lines from the first line containing the start marker to the first later line
    containing the end marker (the ``literalinclude`` options of the same names).
    """
    if isinstance(what, str | Path):
        path = ROOT / what
        if not path.is_file():
            raise FileNotFoundError(
                f"listing: no file {what!r} under {ROOT} (name it relative to the repository)"
            )
        text = _cut(path.read_text(), start_at, start_after, end_at, end_before, str(what))
        origin = f"`{Path(what).as_posix()}`"
        return Listing(text, LANGUAGES.get(path.suffix, ""), origin)
    if any(m is not None for m in (start_at, start_after, end_at, end_before)):
        raise TypeError("listing: the start/end markers cut files; an object is shown whole")
    what = inspect.unwrap(what)
    try:
        source = textwrap.dedent(inspect.getsource(what)).rstrip("\n")
        file = Path(inspect.getsourcefile(what)).resolve()
    except (TypeError, OSError) as error:
        raise TypeError(f"listing: cannot read the source of {what!r} ({error})") from None
    name = getattr(what, "__qualname__", getattr(what, "__name__", repr(what)))
    try:
        where = file.relative_to(ROOT).as_posix()
    except ValueError:
        where = file.name
    return Listing(source, "python", f"`{where}`: `{name}`")


def _cut(text, start_at, start_after, end_at, end_before, name) -> str:
    if start_at is not None and start_after is not None:
        raise TypeError("listing: give start_at or start_after, not both")
    if end_at is not None and end_before is not None:
        raise TypeError("listing: give end_at or end_before, not both")
    lines = text.splitlines()
    first, last = 0, len(lines)
    start = start_at if start_at is not None else start_after
    if start is not None:
        first = _find(lines, start, 0, name) + (start_after is not None)
    end = end_at if end_at is not None else end_before
    if end is not None:
        last = _find(lines, end, first, name) + (end_at is not None)
    return textwrap.dedent("\n".join(lines[first:last])).strip("\n")


def _find(lines: list[str], marker: str, begin: int, name: str) -> int:
    for number in range(begin, len(lines)):
        if marker in lines[number]:
            return number
    raise ValueError(f"listing: {name} has no line containing {marker!r} (was it renamed?)")


def _backtick_runs(text: str):
    run = 0
    for char in text + "\n":
        if char == "`":
            run += 1
        elif run:
            yield "`" * run
            run = 0
