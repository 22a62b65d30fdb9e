"""Notebook chores for authors and CI.

    python scripts/notebooks.py execute [book/NN_name.py ...]  # twin -> executed .ipynb
    python scripts/notebooks.py check-sync  # every .ipynb matches its .py twin
    python scripts/notebooks.py check-myst  # only MyST that JupyterLab renders too
    python scripts/notebooks.py student-edition OUT_DIR [book/NN_name.py ...]

Chapters are written as jupytext ``py:percent`` twins (reviewable diffs) and
committed as executed ``.ipynb`` (what the book renders and nbval checks).

``execute`` keeps no ipywidgets state in the notebook: a widget lives in a kernel,
and saved state would only make the HTML book fetch a widget manager from a CDN
(``book/_ext/static_widgets.py`` shows a one-line note in place of widget outputs).

``student-edition`` writes, for each chapter, a notebook for students to work in:
every output and execution count cleared, and every **solution cell** removed. A
solution cell is any cell, code or markdown, tagged ``solution``; in a twin::

    # %% tags=["solution"]
    answer = ...

    # %% [markdown] tags=["solution"]
    # The answer is ...

The student notebooks carry no jupytext pairing, so saving one in Jupyter writes no
``.py`` file beside it.

Every notebook starts with a **setup cell** that the twins do not carry: ``read_chapter``
puts it first, written from the one repository setting in ``_config.yml``. It draws
figures inline whatever ``MPLBACKEND`` says (so a CI that exports ``MPLBACKEND=Agg``
gets the same outputs), and on Colab, or any kernel where ``ppn`` cannot be imported,
clones the course's repository and imports ``ppn`` from it. It is tagged
``remove-cell``: the HTML book does not show it. A **front-matter cell** follows it, read
by jupyterlab-myst (which takes a notebook's front matter from its first markdown cell):
``numbering: equation: false``, so that a display equation shows only the number its
``\\tag{}`` gives it (the source's), as in the book, not a second one of its own. The
book drops it (``remove-cell``).

``check-myst`` fails on MyST that JupyterLab (with jupyterlab-myst) does not render: any
directive or role outside ``RENDERED_DIRECTIVES`` and ``RENDERED_ROLES``, the forms checked
in both JupyterLab and the book (``tests/browser/test_jupyterlab.py`` opens a chapter in
JupyterLab). README "Reading the chapters in JupyterLab" gives the replacements.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
SOLUTION_TAG = "solution"
SETUP_FIRST_LINE = "# Setup (hidden in the book)."
SETUP_TEMPLATE = f"""{SETUP_FIRST_LINE} Figures are drawn inline whatever MPLBACKEND says.
# On Colab, or in any kernel where ppn cannot be imported, it fetches the course first.
%matplotlib inline
import importlib.util
import subprocess
import re
import sys
from pathlib import Path

if importlib.util.find_spec("ppn") is None:
    course = Path("ppn-course")
    if not course.exists():
        clone = ["git", "clone", "--quiet", "--depth", "1", "{{url}}", str(course)]
        subprocess.run(clone, check=True)
    sys.path.insert(0, str(course.resolve()))"""
FRONT_MATTER = "---\nnumbering:\n  equation: false\n---"
# MyST that renders in JupyterLab with jupyterlab-myst 2.7 and in the Jupyter Book 1 build,
# as seen in both (README, "Reading the chapters in JupyterLab").
RENDERED_DIRECTIVES = {
    "exercise", "solution-start", "solution-end", "solution",
    "note", "warning", "tip", "important", "admonition", "dropdown", "figure", "math",
}  # fmt: skip
RENDERED_ROLES = {"numref", "ref", "term", "eq", "math"}
# What a form that JupyterLab does not render becomes instead.
REPLACEMENTS = {
    "cite:t": "a Markdown link to the bibliography: [Baydin et al. (2018)](bibliography.md)",
    "cite:p": "a Markdown link to the bibliography: ([He et al., 2015](bibliography.md))",
    "cite": "a Markdown link to the bibliography: ([He et al., 2015](bibliography.md))",
    "doc": "a Markdown link: [chapter 2](02_neural_networks.ipynb), [Notation](notation.md)",
    "literalinclude": "a code cell tagged remove-input: listing(ppn.Tape.backward)",
    "glue": "a printed sentence, or an assert beside the number",
}
# Pages the book alone shows: the bibliography is built from references.bib by Sphinx.
BOOK_ONLY = {"bibliography.md": {"bibliography"}, "glossary.md": {"glossary"}}
DIRECTIVE = re.compile(r"^[ \t]*(?:`{3,}|~{3,}|:{3,})\{([^}\s]+)\}", re.MULTILINE)
ROLE = re.compile(r"\{([A-Za-z][\w:.-]*)\}`")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The course's repository, from the one ``repository: url:`` setting of the book."""
    url = (yaml.safe_load(config.read_text()).get("repository") or {}).get("url")
    if not url:
        raise SystemExit(f"{config}: no repository url (set repository: url: in it)")
    return url


def setup_cell():
    """The first cell of every chapter notebook (see the module's docstring)."""
    source = SETUP_TEMPLATE.replace("{url}", repository_url().rstrip("/") + ".git")
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["remove-cell"]})


def is_setup(cell) -> bool:
    """True for the generated setup cell."""
    return cell.cell_type == "code" and cell.source.startswith(SETUP_FIRST_LINE)


def front_matter_cell():
    """The second cell of every chapter notebook (see the module's docstring)."""
    return nbformat.v4.new_markdown_cell(FRONT_MATTER, metadata={"tags": ["remove-cell"]})


def is_front_matter(cell) -> bool:
    """True for the generated front-matter cell."""
    return cell.cell_type == "markdown" and cell.source.strip() == FRONT_MATTER


def read_chapter(twin: Path):
    """The notebook of a ``.py`` twin: the setup and front-matter cells, then the twin's."""
    nb = jupytext.read(twin)
    own = [cell for cell in nb.cells if not (is_setup(cell) or is_front_matter(cell))]
    nb.cells = [setup_cell(), front_matter_cell(), *own]
    return nb


def chapters(book: Path = BOOK) -> list[Path]:
    """The .py twins of the chapters, in order."""
    return sorted(p for p in book.glob("[0-9][0-9]_*.py"))


def execute(paths: list[Path]) -> None:
    """Write each twin's notebook and run it top to bottom in a fresh kernel, in its folder."""
    for path in paths:
        notebook = path.with_suffix(".ipynb")
        print(f"executing {path.name} -> {notebook.name}", flush=True)
        for attempt in (1, 2):
            nb = read_chapter(path)
            nb.metadata["kernelspec"] = dict(KERNELSPEC)
            client = NotebookClient(
                nb,
                timeout=1200,
                startup_timeout=60,  # a kernel that has not answered by then never will
                kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            )
            try:
                client.execute()
                break
            except RuntimeError as error:
                # Rarely a new kernel never answers (seen about once in 20 starts on a
                # busy machine): start a fresh one once, rather than fail the chapter.
                if attempt == 2 or "didn't respond" not in str(error):
                    raise
                print(f"  the kernel did not start ({error}); trying a fresh one", flush=True)
        # Not store_widget_state=False: nbclient 0.11 then fails on an Output widget
        # (its output hook writes into the state it did not keep). Drop the state instead.
        nb.metadata.pop("widgets", None)
        unpair(nb)
        nbformat.write(nb, notebook)


def unpair(nb) -> None:
    """Drop the twin's jupytext pairing from a notebook, in place.

    With the pairing, JupyterLab's jupytext extension opens the notebook from the twin and
    refuses it ("File Load Error ... is more recent than") when the two differ, as they
    do by the generated cells. Without it, JupyterLab opens the notebook as it is.
    """
    nb.metadata.get("jupytext", {}).pop("formats", None)


def check_sync(book: Path = BOOK) -> int:
    """0 if every notebook's code and text equal its twin's, else 1 with the names."""
    stale = []
    for twin in chapters(book):
        notebook = twin.with_suffix(".ipynb")
        if not notebook.exists():
            stale.append(f"{notebook.name} is missing (run: python scripts/notebooks.py execute)")
            continue
        from_twin = read_chapter(twin)
        from_notebook = jupytext.read(notebook)
        if _cells(from_twin) != _cells(from_notebook):
            stale.append(f"{notebook.name} and {twin.name} differ (re-execute the twin)")
    for notebook in sorted(book.glob("*.ipynb")):
        if not notebook.with_suffix(".py").exists():
            stale.append(f"{notebook.name} has no .py twin")
    for line in stale:
        print(line)
    return 1 if stale else 0


def unrendered_myst(text: str, allowed: set[str] = frozenset()) -> list[str]:
    """The directives and roles in ``text`` that JupyterLab would not render, one line each."""
    problems = []
    for kind, pattern, rendered in (
        ("directive", DIRECTIVE, RENDERED_DIRECTIVES),
        ("role", ROLE, RENDERED_ROLES),
    ):
        for match in pattern.finditer(text):
            name = match.group(1)
            if name in rendered or name in allowed:
                continue
            line = text.count("\n", 0, match.start()) + 1
            fix = REPLACEMENTS.get(name, "a form README lists as rendered, or plain Markdown")
            problems.append(
                f"line {line}: {kind} {{{name}}} is not one JupyterLab renders; use {fix}"
            )
    return problems


def check_myst(book: Path = BOOK) -> int:
    """0 if the chapters and pages use only MyST that JupyterLab renders, else 1 with where."""
    found = []
    for twin in chapters(book):
        for cell in jupytext.read(twin).cells:
            if cell.cell_type == "markdown":
                first = cell.source.strip().splitlines()[:1] or [""]
                found += [
                    f"{twin.name} ({first[0][:40]}…) {p}" for p in unrendered_myst(cell.source)
                ]
    for page in sorted(book.glob("*.md")):
        allowed = BOOK_ONLY.get(page.name, set())
        found += [f"{page.name} {p}" for p in unrendered_myst(page.read_text(), allowed)]
    for line in found:
        print(line)
    return 1 if found else 0


def _cells(notebook) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in notebook.cells]


def is_solution(cell) -> bool:
    """True for a cell tagged ``solution``."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def student_notebook(nb):
    """A copy of ``nb`` without solution cells, outputs, execution counts or pairing."""
    nb = nbformat.from_dict(nb)  # a deep copy
    nb.cells = [cell for cell in nb.cells if not is_solution(cell)]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    for key in ("jupytext", "widgets"):
        nb.metadata.pop(key, None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return nb


def student_edition(out_dir: Path, paths: list[Path]) -> list[Path]:
    """Write each twin's student notebook to ``out_dir``; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        source = read_chapter(path)
        nb = student_notebook(source)
        removed = sum(is_solution(cell) for cell in source.cells)
        target = out_dir / path.with_suffix(".ipynb").name
        nbformat.validate(nb)
        nbformat.write(nb, target)
        print(f"{path.name} -> {target} ({removed} solution cells removed)", flush=True)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"execute", "check-sync", "check-myst", "student-edition"}:
        print(__doc__)
        return 2
    if argv[0] == "check-sync":
        return check_sync()
    if argv[0] == "check-myst":
        return check_myst()
    if argv[0] == "student-edition":
        if len(argv) < 2:
            print("usage: scripts/notebooks.py student-edition OUT_DIR [book/NN_name.py ...]")
            return 2
        student_edition(Path(argv[1]), [Path(a).resolve() for a in argv[2:]] or chapters())
        return 0
    execute([Path(a).resolve() for a in argv[1:]] or chapters())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
