"""Notebook chores for authors and CI.

    python scripts/notebooks.py execute [book/NN_name.py ...]  # twin -> executed .ipynb
    python scripts/notebooks.py check-sync  # every .ipynb matches its .py twin

Chapters are written as jupytext ``py:percent`` twins (reviewable diffs) and
committed as executed ``.ipynb`` (what the book renders and nbval checks).
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

BOOK = Path(__file__).resolve().parent.parent / "book"


def chapters() -> list[Path]:
    """The .py twins of the chapters, in order."""
    return sorted(p for p in BOOK.glob("[0-9][0-9]_*.py"))


def execute(paths: list[Path]) -> None:
    """Write each twin's notebook and run it top to bottom in a fresh kernel, in book/."""
    for path in paths:
        notebook = path.with_suffix(".ipynb")
        print(f"executing {path.name} -> {notebook.name}", flush=True)
        nb = jupytext.read(path)
        nb.metadata["kernelspec"] = {
            "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3",
        }  # fmt: skip
        NotebookClient(nb, timeout=1200, kernel_name="python3", resources={
            "metadata": {"path": str(BOOK)}}).execute()  # fmt: skip
        nbformat.write(nb, notebook)


def check_sync() -> int:
    """0 if every notebook's code and text equal its twin's, else 1 with the names."""
    stale = []
    for twin in chapters():
        notebook = twin.with_suffix(".ipynb")
        if not notebook.exists():
            stale.append(f"{notebook.name} is missing (run: python scripts/notebooks.py execute)")
            continue
        from_twin = jupytext.read(twin)
        from_notebook = jupytext.read(notebook)
        if _cells(from_twin) != _cells(from_notebook):
            stale.append(f"{notebook.name} and {twin.name} differ (re-execute the twin)")
    for notebook in sorted(BOOK.glob("*.ipynb")):
        if not notebook.with_suffix(".py").exists():
            stale.append(f"{notebook.name} has no .py twin")
    for line in stale:
        print(line)
    return 1 if stale else 0


def _cells(notebook) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in notebook.cells]


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"execute", "check-sync"}:
        print(__doc__)
        return 2
    if argv[0] == "check-sync":
        return check_sync()
    execute([Path(a).resolve() for a in argv[1:]] or chapters())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
