"""Notebook chores for authors and CI.

    python scripts/notebooks.py execute [book/NN_name.py ...]  # twin -> executed .ipynb
    python scripts/notebooks.py check-sync  # every .ipynb matches its .py twin
    python scripts/notebooks.py check-myst  # only MyST that JupyterLab renders too
    python scripts/notebooks.py student-edition OUT_DIR [book/NN_name.py ...]
    python scripts/notebooks.py check-student-edition  # CI: its checks fail, its notebooks run
    python scripts/notebooks.py check-filled-edition   # CI: every task written, it all runs
    python scripts/notebooks.py repository-url [URL]  # print (or set) _config.yml's address
    python scripts/notebooks.py check-url  # CI: no file but _config.yml hard-codes the address

Chapters are written as jupytext ``py:percent`` twins (reviewable diffs) and
committed as executed ``.ipynb`` (what the book renders and nbval checks).

``execute`` keeps no ipywidgets state in the notebook: a widget lives in a kernel,
and saved state would only make the HTML book fetch a widget manager from a CDN
(``book/_ext/static_widgets.py`` shows a one-line note in place of widget outputs).

``student-edition`` writes a complete repository for students (see ``student_repository``):
ppn with every task's body replaced by a stub, the task checks, and, for each chapter, a
notebook for students to work in: every output and execution count cleared, and every
**solution cell** removed. A solution cell is any cell, code or markdown, tagged
``solution``; in a twin::

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

import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
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
STUDENT_SETUP = f"""{SETUP_FIRST_LINE} Figures are drawn inline whatever MPLBACKEND says.
# ppn is the student edition's own (pip install -r requirements.txt in its folder).
%matplotlib inline"""
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
# A cross-reference, its target (the part in <…> when the role gives its own text), and the
# labels jupyterlab-myst can resolve: those given in the chapter's Markdown.
REFERENCE = re.compile(r"\{(?:numref|ref)\}`(?:[^`<]*<)?([^`>]+)>?`")
LABEL = re.compile(r"^[ \t]*(?::label:|:name:)[ \t]*(\S+)|^\(([^)\s]+)\)=[ \t]*$", re.MULTILINE)
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The course's repository, from the one ``repository: url:`` setting of the book."""
    url = (yaml.safe_load(config.read_text()).get("repository") or {}).get("url")
    if not url:
        raise SystemExit(f"{config}: no repository url (set repository: url: in it)")
    return url


def setup_cell(config: Path = ROOT / "_config.yml"):
    """The first cell of every chapter notebook (see the module's docstring)."""
    source = SETUP_TEMPLATE.replace("{url}", repository_url(config).rstrip("/") + ".git")
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
    """The .py twins of the chapters, in order, then those of the appendices."""
    return sorted(book.glob("[0-9][0-9]_*.py")) + sorted(book.glob("appendix_*.py"))


def run_notebook(nb, folder: Path) -> None:
    """Run ``nb`` top to bottom in a fresh kernel started in ``folder`` (in place).

    Rarely a new kernel never answers (seen about once in 20 starts on a busy machine), or a
    cell never finishes with the kernel idle (a lost message, seen with several kernels
    started at once on one machine): the notebook then runs once more in a fresh kernel,
    rather than fail. Any other error is raised (a cell's CellExecutionError among them).
    """
    from jupyter_client.manager import KernelManager

    pristine = copy.deepcopy(nb)
    for attempt in (1, 2):
        # The kernel talks over Unix sockets in a folder of its own, not TCP ports: ports
        # are picked free and then bound, and a kernel started at the same moment by
        # another process (CI runs nbval beside this) can take one in between.
        sockets = tempfile.mkdtemp(prefix="ppn-kernel-")
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/k")
        client = NotebookClient(
            nb,
            km=manager,
            timeout=300,  # per cell; the longest takes about a minute on a loaded machine
            startup_timeout=60,  # a kernel that has not answered by then never will
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        )
        try:
            client.execute()
            return
        except (TimeoutError, RuntimeError) as error:
            lost = isinstance(error, TimeoutError) or "didn't respond" in str(error)
            if attempt == 2 or not lost:
                raise
            print(f"  {error}: running the notebook again in a fresh kernel", flush=True)
            nb.cells = copy.deepcopy(pristine.cells)
        finally:
            if manager.has_kernel:  # nbclient leaves a kernel it was handed running
                manager.shutdown_kernel(now=True)
            shutil.rmtree(sockets, ignore_errors=True)


def execute(paths: list[Path]) -> None:
    """Write each twin's notebook and run it top to bottom in a fresh kernel, in its folder."""
    for path in paths:
        notebook = path.with_suffix(".ipynb")
        print(f"executing {path.name} -> {notebook.name}", flush=True)
        nb = read_chapter(path)
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        run_notebook(nb, path.parent)
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


def unresolved_references(markdown: list[str]) -> list[str]:
    """The {numref} and {ref} targets of a chapter that no Markdown cell of it labels.

    The book also resolves labels kept in a code cell's metadata (myst-nb's ``figure:
    name:``) and in other chapters; jupyterlab-myst sees only the open notebook's Markdown,
    and shows such a reference as an error ("… Not Found").
    """
    labels = {a or b for text in markdown for a, b in LABEL.findall(text)}
    return [
        f"{{numref}}/{{ref}} `{target}` has no label in this chapter's Markdown, so JupyterLab "
        "cannot resolve it; refer to it in words (the figure above), or label it in Markdown"
        for text in markdown
        for target in REFERENCE.findall(text)
        if target not in labels
    ]


def check_myst(book: Path = BOOK) -> int:
    """0 if the chapters and pages use only MyST that JupyterLab renders, else 1 with where."""
    found = []
    for twin in chapters(book):
        markdown = [c.source for c in jupytext.read(twin).cells if c.cell_type == "markdown"]
        for text in markdown:
            first = text.strip().splitlines()[:1] or [""]
            found += [f"{twin.name} ({first[0][:40]}…) {p}" for p in unrendered_myst(text)]
            if not text.strip():
                # JupyterLab shows an empty Markdown cell as an open editor, not as text.
                found.append(f"{twin.name}: an empty Markdown cell (delete it)")
        found += [f"{twin.name} {p}" for p in unresolved_references(markdown)]
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
        if is_setup(cell):
            # The reference repository holds the solutions: a student's kernel never clones it.
            cell.source = STUDENT_SETUP
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


# --- The student edition: ppn with stubs, the task checks, the notebooks, a README ---------

TASK_MARKER = re.compile(r"^(?P<indent>[ ]*)# task (?P<key>\d+\.\d+): (?P<edge>begin|end)$")
FAST_MARKER = re.compile(r"^(?P<indent>[ ]*)# (?P<key>fast path): (?P<edge>begin|end)$")
FAST_PATH_NOTE = "# (the reference's fast path, left out: every operation runs the tasks' code)"
HELPER_START = "# Added by the student edition: what a stubbed row of a rule table calls."
HELPER = f"""


{HELPER_START}
def _unfinished(task: str):
    from .tasks import unfinished

    unfinished(task)
"""
# The book's own tools are not needed to work through the notebooks, nor is the schema
# check of the course's GitHub workflows.
BOOK_ONLY_REQUIREMENTS = ("jupyter-book", "sphinx", "# The book:", "check-jsonschema",
                          "# GitHub's workflow schema")  # fmt: skip


def marked_regions(text: str, marker: re.Pattern, name: str = "") -> list[tuple[str, int, int]]:
    """(key, begin, end) for every region between a begin and an end marker: line indices."""
    regions, open_region = [], None
    for number, line in enumerate(text.split("\n")):
        found = marker.match(line)
        if found is None:
            continue
        key, edge = found["key"], found["edge"]
        if edge == "begin":
            if open_region is not None:
                raise ValueError(f"{name}:{number + 1}: {key} begins inside {open_region[0]}")
            open_region = (key, number)
        else:
            if open_region is None or open_region[0] != key:
                raise ValueError(f"{name}:{number + 1}: the end of {key} has no begin before it")
            regions.append((key, open_region[1], number))
            open_region = None
    if open_region is not None:
        raise ValueError(f"{name}:{open_region[1] + 1}: {open_region[0]} has no end marker")
    return regions


def _is_statements(lines: list[str]) -> bool:
    try:
        ast.parse(textwrap.dedent("\n".join(lines)))
    except SyntaxError:
        return False  # rows of a table (dict entries), not a function's body
    return True


def _body_stub(indent: str, task: str) -> list[str]:
    from ppn.tasks import message

    pieces = textwrap.wrap(message(task), 76, drop_whitespace=False, break_on_hyphens=False)
    return [f"{indent}raise NotImplementedError(",
            *(f"{indent}    {piece!r}" for piece in pieces), f"{indent})"]  # fmt: skip


def _rows_stub(text: str, lines: list[str], task: str, begin: int, end: int, name: str):
    """The rows begin+1 … end−1 with each lambda's body replaced by _unfinished(task)."""
    rows = {number: lines[number].encode() for number in range(begin + 1, end)}
    lambdas = [node for node in ast.walk(ast.parse(text))
               if isinstance(node, ast.Lambda) and begin < node.lineno - 1 < end]  # fmt: skip
    if not lambdas:
        raise ValueError(f"{name}:{begin + 1}: task {task} marks neither statements nor lambdas")
    for node in sorted(lambdas, key=lambda n: n.body.col_offset, reverse=True):
        body = node.body
        if body.lineno != body.end_lineno:
            raise ValueError(f"{name}:{body.lineno}: a stubbed lambda must fit on one line")
        row = rows[body.lineno - 1]  # ast counts columns in UTF-8 bytes
        call = f'_unfinished("{task}")'.encode()
        rows[body.lineno - 1] = row[: body.col_offset] + call + row[body.end_col_offset :]
    return [rows[number].decode() for number in range(begin + 1, end)]


def stub_module(text: str, name: str = "") -> str:
    """The student edition of a module: each task's body a stub, each fast path left out."""
    lines = text.split("\n")
    regions = marked_regions(text, TASK_MARKER, name) + marked_regions(text, FAST_MARKER, name)
    regions.sort(key=lambda region: region[1])
    for (key, _, end), (other, begin, _) in zip(regions, regions[1:]):  # noqa: B905
        if begin < end:
            raise ValueError(f"{name}:{begin + 1}: {other} overlaps {key}")
    uses_helper = False
    for key, begin, end in reversed(regions):
        indent = re.match(r"[ ]*", lines[begin])[0]
        if key == "fast path":
            lines[begin : end + 1] = [indent + FAST_PATH_NOTE]
        elif _is_statements(lines[begin + 1 : end]):
            lines[begin + 1 : end] = _body_stub(indent, key)
        else:
            lines[begin + 1 : end] = _rows_stub(text, lines, key, begin, end, name)
            uses_helper = True
    stubbed = "\n".join(lines)
    return stubbed.rstrip("\n") + HELPER if uses_helper else stubbed


def strip_fast_paths(text: str) -> str:
    """The reference module as the student edition has it once every task is written."""
    lines = text.split("\n")
    for _, begin, end in reversed(marked_regions(text, FAST_MARKER)):
        lines[begin : end + 1] = [re.match(r"[ ]*", lines[begin])[0] + FAST_PATH_NOTE]
    return "\n".join(lines)


def fill_stubs(student: str, reference: str) -> str:
    """The student module with every task's stub replaced by the reference's body."""
    ours, theirs = marked_regions(student, TASK_MARKER), marked_regions(reference, TASK_MARKER)
    if [key for key, _, _ in ours] != [key for key, _, _ in theirs]:
        raise ValueError("the two modules mark different tasks")
    lines, source = student.split("\n"), reference.split("\n")
    for (_, begin, end), (_, ref_begin, ref_end) in reversed(list(zip(ours, theirs))):  # noqa: B905
        lines[begin + 1 : end] = source[ref_begin + 1 : ref_end]
    filled = "\n".join(lines)
    if HELPER_START in filled:
        filled = filled[: filled.index(HELPER_START)].rstrip("\n") + "\n"
    return filled


def marked_tasks(package: Path = ROOT / "ppn") -> dict[str, list[str]]:
    """Task number -> the modules that mark it."""
    found: dict[str, list[str]] = {}
    for module in sorted(package.glob("*.py")):
        for key, _, _ in marked_regions(module.read_text(), TASK_MARKER, module.name):
            found.setdefault(key, []).append(module.name)
    return found


def student_repository(out_dir: Path, twins: list[Path]) -> None:
    """Write the student edition of the course: a repository a class works in.

    ``ppn/`` with each task stubbed (and its fast paths left out); ``tests/tasks``, the
    checks (the rest of ``tests/`` checks the finished library, so it is left out: most of
    it would fail until the last task is done); ``book/``, the notebooks without solutions;
    the benchmarks' results that chapter 11 and the appendices read; ``book/_static`` (the
    digit pad's JavaScript, listed in chapter 12); requirements without the book's tools;
    pyproject.toml testing ``tests/`` only; the licence; a README for students; and
    ``.github/workflows/classroom.yml``, the autograder of GitHub Classroom (one point a task).
    """
    from ppn.tasks import TASKS

    marked = marked_tasks()
    if set(marked) != set(TASKS):
        raise SystemExit(
            f"ppn/ marks tasks {sorted(marked)} but ppn.tasks.TASKS lists {sorted(TASKS)}: "
            "make them agree"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.rmtree(out_dir / "ppn", ignore_errors=True)
    shutil.copytree(ROOT / "ppn", out_dir / "ppn", ignore=ignore)
    for module in sorted((out_dir / "ppn").glob("*.py")):
        module.write_text(stub_module(module.read_text(), f"ppn/{module.name}"))
    shutil.rmtree(out_dir / "tests", ignore_errors=True)
    shutil.copytree(ROOT / "tests" / "tasks", out_dir / "tests" / "tasks", ignore=ignore)
    shutil.copytree(ROOT / "benchmarks" / "results", out_dir / "benchmarks" / "results",
                    dirs_exist_ok=True)  # fmt: skip
    # book/_static: the digit pad's JavaScript, which chapter 12 shows beside its Python twin
    shutil.copytree(BOOK / "_static", out_dir / "book" / "_static", dirs_exist_ok=True)
    # The pages the chapters link to (notation, glossary, bibliography, …) and the references
    # the bibliography lists: a link in the edition must open something.
    for page in BOOK.glob("*.md"):
        shutil.copy(page, out_dir / "book" / page.name)
    shutil.copy(ROOT / "references.bib", out_dir / "references.bib")
    for name in ("LICENSE.md", ".gitignore"):
        shutil.copy(ROOT / name, out_dir / name)
    requirements = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
                    if not line.startswith(BOOK_ONLY_REQUIREMENTS)]  # fmt: skip
    (out_dir / "requirements.txt").write_text("\n".join(requirements) + "\n")
    pyproject = (ROOT / "pyproject.toml").read_text()
    for old, new in (('testpaths = ["tests", "book"]', 'testpaths = ["tests"]'),
                     ('addopts = "-p no:cacheprovider --nbval-current-env"',
                      'addopts = "-p no:cacheprovider"')):  # fmt: skip
        if old not in pyproject:
            raise SystemExit(f"pyproject.toml: no line {old!r} to adapt for the student edition")
        pyproject = pyproject.replace(old, new)
    (out_dir / "pyproject.toml").write_text(pyproject)
    (out_dir / "README.md").write_text(student_readme(TASKS))
    write_classroom_workflow(out_dir, TASKS)
    student_edition(out_dir / "book", twins)
    print(f"student edition in {out_dir}: {len(TASKS)} tasks stubbed")


def student_readme(tasks) -> str:
    """The README of the student edition: how to start, the tasks, how to check them."""
    rows = "\n".join(
        f"| {t.number} | {t.title} | `{t.code}` | {t.chapter}, {t.section} |"
        for t in tasks.values()
    )
    return f"""# Build ppn yourself: the student edition

This is the course "a neural network from first principles" with the engine left for you
to write. The chapters (`book/`) explain every piece; `ppn/` is the library they import,
complete except for {len(tasks)} tasks, each a function body small enough for one sitting.
Each unwritten task raises `NotImplementedError` saying which task it is and which section
of which chapter explains it. The solutions of the chapters' exercises are not in this
edition either.

## Two commands

Python 3.11 or newer; `PPN_DATA_DIR` names the folder holding the four MNIST files (without
it, the chapters download MNIST once, into `~/.cache/ppn/mnist`).

```bash
# 1. Set up once: the library (editable: your code is what the chapters import), JupyterLab, pytest
python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt

# 2. Check your tasks: every check of every task (after `. .venv/bin/activate`)
pytest tests/tasks
```

Read and run the chapters with `jupyter lab book/`, in the order of their numbers.

## Working on a task

Find the task's markers in `ppn/`, for example in `ppn/tape.py`:

```python
        # task 4.1: begin
        raise NotImplementedError(...)
        # task 4.1: end
```

Replace the `raise` by your code, between the two marker lines, and check it: in a notebook,
`import ppn.tasks` and `ppn.tasks.check("4.1")` print which checks pass and a hint for the
first one that fails (it runs them in a new process, so it sees your saved files); in a
terminal, `pytest tests/tasks -k TestTask4_1`, or `python -m ppn.tasks` for one line per
task. The checks of a task do not need the other tasks, except where a check says which
earlier task it needs. A chapter's notebook runs up to the first place where it needs an
unwritten task; restart its kernel after you change `ppn/`.

## Your points on GitHub

When this repository is a GitHub Classroom assignment, every push runs the checks of every
task on GitHub (`.github/workflows/classroom.yml`): one point per task whose checks all pass.
The run's log, in the *Actions* tab, shows each task's points and the total; your teacher sees
the total in GitHub Classroom. The same checks run here with `pytest tests/tasks`.

## The tasks

| task | what you write | where | chapter, section |
|---|---|---|---|
{rows}
"""


# --- GitHub: the edition's autograder, and the one repository address ---------------------

CLASSROOM_WORKFLOW = Path(".github") / "workflows" / "classroom.yml"
GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


def grading_id(task) -> str:
    """The step id of a task's grader: task 2.1 -> task0201, task 10.1 -> task1001.

    Letters and digits only: the reporter reads ``<ID>_RESULTS`` and, when anything fails,
    blames a runner list that is not plain alphanumeric before it shows the real error."""
    chapter, index = task.number.split(".")
    return f"task{int(chapter):02d}{int(index):02d}"


def classroom_workflow(tasks) -> str:
    """``.github/workflows/classroom.yml`` of the student edition, from ``ppn.tasks``.

    GitHub Classroom's autograding: one command-grader step per task, running that task's
    checks for one point (all of them pass, or none), then the reporter, which shows each
    task's points in the run's log and sends the total to Classroom."""
    quote = lambda text: json.dumps(text, ensure_ascii=False)  # a YAML double-quoted string
    ids = [grading_id(t) for t in tasks.values()]
    graders = "".join(
        f"""\
      - name: {quote(f"task {t.number}: {t.title}")}
        id: {step}
        uses: {GRADER}
        with:
          test-name: {quote(f"task {t.number}: {t.title}")}
          command: {quote(f"pytest {t.node_id}")}
          timeout: 5
          max-score: 1
"""
        for t, step in zip(tasks.values(), ids, strict=True)
    )
    results = "".join(
        f'\n          {step.upper()}_RESULTS: "${{{{ steps.{step}.outputs.result }}}}"'
        for step in ids
    )
    return f"""# The autograder of the student edition, one point per task. Written by
# `python scripts/notebooks.py student-edition` from ppn.tasks: regenerate it, do not edit it.
# On every push, each task's checks run (`pytest tests/tasks/...::TestTaskN_M`, as a student
# runs them); the reporter shows the points per task and sends the total to GitHub Classroom.
name: Autograding
on:
  push:
  workflow_dispatch:
  repository_dispatch:
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  autograding:
    name: the tasks' checks
    runs-on: ubuntu-24.04
    timeout-minutes: 60
    # GitHub Classroom's own commit, which creates the student's repository, is no work yet.
    if: github.actor != 'github-classroom[bot]'
    steps:
      - uses: actions/checkout@v5
      - uses: actions/setup-python@v6
        with:
          python-version: "3.11"
          cache: pip
      - name: Install the edition (its README's first command, without the venv)
        run: pip install -r requirements.txt
{graders}      - name: Autograding Reporter
        uses: {REPORTER}
        env:{results}
        with:
          runners: {",".join(ids)}
"""


def write_classroom_workflow(out_dir: Path, tasks) -> Path:
    """Write the edition's autograder into ``out_dir``; its path."""
    path = out_dir / CLASSROOM_WORKFLOW
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(classroom_workflow(tasks))
    return path


def repository_address(url: str) -> str:
    """``owner/name`` of a GitHub URL (``https://github.com/owner/name[.git][/]``)."""
    found = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url.strip())
    if found is None:
        raise SystemExit(f"{url!r} is not a repository's address: https://github.com/OWNER/NAME")
    return f"{found[1]}/{found[2]}"


UNTRACKED = {".git", ".venv", "venv", "_build", "runs", "__pycache__", ".hypothesis",
             ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache"}  # fmt: skip


def course_files(root: Path = ROOT) -> list[str]:
    """The course's files, relative to ``root``: git's list, or, in a copy without git's
    folder (an exported tarball), every file outside the folders that git ignores."""
    if (root / ".git").exists():
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True,
                                capture_output=True, text=True).stdout  # fmt: skip
        return sorted(filter(None, listed.split("\0")))
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file()
        and not UNTRACKED.intersection(path.relative_to(root).parts)
        and not any(part.endswith(".egg-info") for part in path.parts)
    )


def hard_coded_url(root: Path = ROOT) -> list[str]:
    """Where a tracked file other than _config.yml names the repository: one line each.

    The address may appear as ``owner/name`` (a URL, a clone, ``github.repository == ...``)
    or as the Pages site ``owner.github.io/name``. A chapter notebook's setup cell holds it
    too, written from _config.yml: there it must be exactly what ``setup_cell`` writes."""
    config = root / "_config.yml"
    owner, name = repository_address(repository_url(config)).split("/")
    found = re.compile(
        rf"(?<![\w.-])(?:{re.escape(owner)}/{re.escape(name)}"
        rf"|{re.escape(owner)}\.github\.io/{re.escape(name)})(?![\w-])",
        re.IGNORECASE,
    )
    expected = setup_cell(config).source
    problems = []
    for path in course_files(root):
        file = root / path
        if path == "_config.yml" or not file.is_file():
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # an image
        if path.endswith(".ipynb") and path.startswith("book/"):
            nb = nbformat.reads(text, as_version=4)
            if any(is_setup(cell) and cell.source != expected for cell in nb.cells):
                problems.append(
                    f"{path}: its setup cell names another address than _config.yml "
                    "(python scripts/notebooks.py repository-url URL rewrites it)"
                )
            nb.cells = [cell for cell in nb.cells if not is_setup(cell)]
            text = nbformat.writes(nb)
        for match in found.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(
                f"{path}:{line}: names the repository ({match[0]}); derive it from "
                "_config.yml's repository: url, or on GitHub from github.repository"
            )
    return problems


def set_repository_url(url: str, root: Path = ROOT) -> list[Path]:
    """Point the course at another repository (a fork): _config.yml's ``repository: url``,
    and the setup cell of every chapter notebook, which clones it on Colab. Nothing is
    executed: the setup cell has no outputs. The files changed."""
    owner_name = repository_address(url)
    config = root / "_config.yml"
    text = config.read_text()
    # The line itself, so that the file's comments stay.
    line = re.compile(r"^(repository:\n(?:[ \t]+.*\n)*?[ \t]+url:[ \t]*)\S+$", re.MULTILINE)
    if line.search(text) is None:
        raise SystemExit(f"{config}: no `url:` line under `repository:` to set")
    config.write_text(line.sub(lambda m: m[1] + f"https://github.com/{owner_name}", text, 1))
    changed = [config]
    setup = setup_cell(config)
    for notebook in sorted((root / "book").glob("*.ipynb")):
        nb = nbformat.read(notebook, as_version=4)
        cells = [cell for cell in nb.cells if is_setup(cell) and cell.source != setup.source]
        for cell in cells:
            cell.source = setup.source
        if cells:
            nbformat.write(nb, notebook)
            changed.append(notebook)
    return changed


def run_until_first_task(notebook: Path, env: dict[str, str]) -> str:
    """Run ``notebook`` top to bottom until a cell raises; what stopped it (or "completed").

    Anything but the end or an unwritten task's NotImplementedError is an error."""
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    saved = dict(os.environ)
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        run_notebook(nb, notebook.parent)
    except CellExecutionError as error:
        found = re.search(r"task (\d+\.\d+) is yours to write", str(error))
        if error.ename != "NotImplementedError" or found is None:
            raise RuntimeError(f"{notebook.name} fails before its first task:\n{error}") from None
        ran = sum(1 for c in nb.cells if c.cell_type == "code" and c.get("execution_count"))
        return f"stopped at task {found[1]} after {ran} code cells"
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return "completed (no task in its way)"


# Chapters that reach no task: the edition's copy differs from the reference's, which CI runs
# whole, only by its solution cells, so running it again here would cost half a minute.
NO_TASK_IN_THE_WAY = {"01_linear_regression.ipynb"}


def check_student_edition(out_dir: Path | None = None) -> int:
    """CI: in a fresh student edition, ppn imports, every task's checks fail naming it, and
    every notebook runs up to its first task. 0 if all holds, else 1."""
    from ppn.tasks import PYTEST, TASKS, environment, parse_report

    with tempfile.TemporaryDirectory() as scratch:
        edition = Path(out_dir or Path(scratch) / "ppn-student").resolve()
        student_repository(edition, chapters())
        env = environment(edition)
        problems = []
        where = subprocess.run([sys.executable, "-c", "import ppn; print(ppn.__file__)"],
                               env=env, cwd=scratch, capture_output=True, text=True)  # fmt: skip
        if where.returncode or not Path(where.stdout.strip()).is_relative_to(edition):
            problems.append(f"import ppn does not find the edition's: {where.stdout}{where.stderr}")
        report = Path(scratch) / "tasks.xml"
        run = subprocess.run([*PYTEST, "tests/tasks", f"--junitxml={report}"], cwd=edition,
                             env=env, capture_output=True, text=True)  # fmt: skip
        outcomes = parse_report(report.read_text()) if report.exists() else []
        if run.returncode == 0 or not outcomes:
            problems.append(f"pytest tests/tasks did not fail there:\n{run.stdout[-2000:]}")
        for number in TASKS:
            failures = [o for o in outcomes if o.task == number and not o.passed]
            named = [o for o in failures if f"task {number}" in o.message]
            print(f"task {number}: {len(failures)} of "
                  f"{sum(o.task == number for o in outcomes)} checks fail, "
                  f"{len(named)} naming the task")  # fmt: skip
            if not named:
                problems.append(f"task {number}: no check fails with a message naming it")
        for notebook in sorted((edition / "book").glob("*.ipynb")):
            if notebook.name in NO_TASK_IN_THE_WAY:
                print(f"{notebook.name}: not run (no task; the reference's CI runs it whole)")
                continue
            try:
                print(f"{notebook.name}: {run_until_first_task(notebook, env)}", flush=True)
            except RuntimeError as error:
                problems.append(str(error))
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


# A Markdown link to a file of the course: [text](target) or [text](target#anchor).
LOCAL_LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)\s#]+)(?:#[^)\s]*)?\)")


def dead_links(book: Path) -> list[str]:
    """Each relative link of a notebook or page in ``book`` whose target is not there."""
    dead = []
    for page in sorted([*book.glob("*.ipynb"), *book.glob("*.md")]):
        if page.suffix == ".ipynb":
            cells = nbformat.read(page, as_version=4).cells
            text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        else:
            text = page.read_text()
        for target in LOCAL_LINK.findall(text):
            if not (page.parent / target).exists():
                dead.append(f"{page.name}: [..]({target}) names no file of the edition")
    return dead


def check_filled_edition(out_dir: Path | None = None) -> int:
    """CI: the student edition with every task written (here, by the reference's bodies) runs:
    its task checks pass, every notebook executes top to bottom, and every link resolves.
    A notebook may rely on nothing the reference has beyond the tasks (its fast paths, say)."""
    from ppn.tasks import PYTEST, environment

    with tempfile.TemporaryDirectory() as scratch:
        edition = Path(out_dir or Path(scratch) / "ppn-student").resolve()
        student_repository(edition, chapters())
        for module in sorted((edition / "ppn").glob("*.py")):
            reference = (ROOT / "ppn" / module.name).read_text()
            module.write_text(fill_stubs(module.read_text(), reference))
        env = environment(edition)
        problems = dead_links(edition / "book")
        run = subprocess.run([*PYTEST, "tests/tasks"], cwd=edition, env=env,
                             capture_output=True, text=True)  # fmt: skip
        print(f"tests/tasks, every task written: {run.stdout.strip().splitlines()[-1]}")
        if run.returncode:
            problems.append(f"the task checks fail with every task written:\n{run.stdout[-3000:]}")
        for notebook in sorted((edition / "book").glob("*.ipynb")):
            try:
                outcome = run_until_first_task(notebook, env)
            except RuntimeError as error:
                problems.append(str(error))
                continue
            print(f"{notebook.name}: {outcome}", flush=True)
            if outcome != "completed (no task in its way)":
                problems.append(f"{notebook.name}: {outcome}, with every task written")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    commands = {"execute", "check-sync", "check-myst", "student-edition", "check-student-edition",
                "repository-url", "check-url", "check-filled-edition"}  # fmt: skip
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    if argv[0] == "repository-url":
        if len(argv) > 1:
            for path in set_repository_url(argv[1]):
                print(f"{path.relative_to(ROOT)}: {repository_url()}")
            return 0
        print(f"https://github.com/{repository_address(repository_url())}")
        return 0
    if argv[0] == "check-url":
        problems = hard_coded_url()
        for problem in problems:
            print(problem)
        return 1 if problems else 0
    if argv[0] == "check-sync":
        return check_sync()
    if argv[0] == "check-filled-edition":
        return check_filled_edition(Path(argv[1]) if len(argv) > 1 else None)
    if argv[0] == "check-student-edition":
        return check_student_edition(Path(argv[1]) if len(argv) > 1 else None)
    if argv[0] == "check-myst":
        return check_myst()
    if argv[0] == "student-edition":
        if len(argv) < 2:
            print("usage: scripts/notebooks.py student-edition OUT_DIR [book/NN_name.py ...]")
            return 2
        student_repository(Path(argv[1]), [Path(a).resolve() for a in argv[2:]] or chapters())
        return 0
    execute([Path(a).resolve() for a in argv[1:]] or chapters())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
