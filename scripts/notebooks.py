"""Notebook chores for authors and CI.

    python scripts/notebooks.py execute [book/NN_name.py ...]  # twin -> executed .ipynb
    python scripts/notebooks.py check-sync  # every .ipynb matches its .py twin
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
``remove-cell``: the HTML book does not show it.
"""

from __future__ import annotations

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
import sys
from pathlib import Path

if importlib.util.find_spec("ppn") is None:
    course = Path("ppn-course")
    if not course.exists():
        clone = ["git", "clone", "--quiet", "--depth", "1", "{{url}}", str(course)]
        subprocess.run(clone, check=True)
    sys.path.insert(0, str(course.resolve()))"""
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


def read_chapter(twin: Path):
    """The notebook of a ``.py`` twin: the setup cell, then the twin's cells."""
    nb = jupytext.read(twin)
    nb.cells = [setup_cell()] + [cell for cell in nb.cells if not is_setup(cell)]
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
        nbformat.write(nb, notebook)


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
    if not argv or argv[0] not in {"execute", "check-sync", "student-edition"}:
        print(__doc__)
        return 2
    if argv[0] == "check-sync":
        return check_sync()
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
