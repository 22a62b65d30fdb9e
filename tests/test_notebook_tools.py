"""scripts/notebooks.py: the student edition, the twin check, and execution without widget state."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebooks", ROOT / "scripts" / "notebooks.py")
notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks)

TWIN = """# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A chapter
#
# ## Exercises
#
# 1. Compute six times seven.

# %%
question = "six times seven"
print(question)

# %% tags=["solution"]
answer = 6 * 7
print(answer)

# %% [markdown] tags=["solution"]
# The answer is 42.

# %% tags=["raises-exception"]
raise ValueError("kept: only solution cells go")
"""


@pytest.fixture
def book(tmp_path):
    """A book folder with one chapter twin, 01_chapter.py, and its executed-looking notebook."""
    folder = tmp_path / "book"
    folder.mkdir()
    twin = folder / "01_chapter.py"
    twin.write_text(TWIN)
    nb = notebooks.read_chapter(twin)
    for count, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = count + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="output\n")]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(nb, folder / "01_chapter.ipynb")
    return folder


def test_solution_cells_are_recognised_by_their_tag(book):
    cells = jupytext.read(book / "01_chapter.py").cells
    assert [notebooks.is_solution(c) for c in cells] == [False, False, True, True, False]


def test_student_edition_removes_solutions_and_outputs(book, tmp_path):
    out = tmp_path / "students"
    written = notebooks.student_edition(out, [book / "01_chapter.py"])
    assert written == [out / "01_chapter.ipynb"]
    nb = nbformat.read(written[0], as_version=4)
    nbformat.validate(nb)
    sources = [c.source for c in nb.cells]
    assert len(nb.cells) == 5
    assert notebooks.is_setup(nb.cells[0])  # inline figures whatever MPLBACKEND says
    assert "git" not in nb.cells[0].source  # and no clone of the reference, with its solutions
    assert notebooks.is_front_matter(nb.cells[1])  # and is read in JupyterLab
    assert not any("answer" in s or "42" in s for s in sources)
    assert any("six times seven" in s for s in sources)  # the exercise itself stays
    assert any(s.startswith("raise ValueError") for s in sources)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert "jupytext" not in nb.metadata and "widgets" not in nb.metadata
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[-1].metadata["tags"] == ["raises-exception"]  # other tags are kept


def test_every_notebook_starts_with_the_setup_cell_from_the_repository_setting(book):
    nb = notebooks.read_chapter(book / "01_chapter.py")
    first = nb.cells[0]
    assert notebooks.is_setup(first) and first.metadata["tags"] == ["remove-cell"]
    assert "%matplotlib inline" in first.source  # whatever MPLBACKEND a CI exports
    url = notebooks.repository_url()
    assert url.startswith("https://") and f'"{url.rstrip("/")}.git"' in first.source
    assert [notebooks.is_setup(c) for c in nb.cells].count(True) == 1
    # A twin that already carries a setup cell (saved from Jupyter) does not get two.
    twin = book / "01_chapter.py"
    jupytext.write(nb, twin, fmt="py:percent")
    again = notebooks.read_chapter(twin)
    assert [notebooks.is_setup(c) for c in again.cells].count(True) == 1
    assert notebooks.check_sync(book) == 0


def test_the_setup_cell_imports_ppn_from_a_clone_when_it_is_not_installed(tmp_path):
    """What a Colab kernel runs: no ppn importable, so the cell clones and imports it."""
    clone = tmp_path / "ppn-course"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{ROOT}", str(clone)], check=True
    )
    source = notebooks.setup_cell().source.replace("%matplotlib inline", "")
    source = source.replace(f'"{notebooks.repository_url()}.git"', f'"file://{ROOT}"')
    # Hide the editable install of this checkout, as if ppn had never been installed.
    hide = (
        "import sys\nsys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"
    )
    script = hide + source + "\nimport ppn\nprint(ppn.__file__)\n"
    result = subprocess.run(
        [sys.executable, "-I", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert Path(result.stdout.strip()).is_relative_to(clone)


def test_student_notebook_leaves_its_input_alone(book):
    nb = nbformat.read(book / "01_chapter.ipynb", as_version=4)
    before = json.dumps(nb, sort_keys=True)
    notebooks.student_notebook(nb)
    assert json.dumps(nb, sort_keys=True) == before


def test_student_edition_command(book, tmp_path, capsys):
    out = tmp_path / "students"
    assert notebooks.main(["student-edition", str(out), str(book / "01_chapter.py")]) == 0
    assert (out / "book" / "01_chapter.ipynb").exists()  # in a whole repository
    assert (out / "ppn" / "tape.py").exists() and (out / "tests" / "tasks").is_dir()
    assert "2 solution cells removed" in capsys.readouterr().out
    assert notebooks.main(["student-edition"]) == 2  # no OUT_DIR: usage


def test_check_sync_passes_when_twin_and_notebook_agree(book, capsys):
    assert notebooks.check_sync(book) == 0
    assert capsys.readouterr().out == ""


def test_check_sync_names_a_stale_notebook(book, capsys):
    twin = book / "01_chapter.py"
    twin.write_text(TWIN.replace("answer = 6 * 7", "answer = 7 * 6"))
    assert notebooks.check_sync(book) == 1
    assert "01_chapter.ipynb and 01_chapter.py differ" in capsys.readouterr().out


def test_check_sync_names_a_missing_notebook_and_a_missing_twin(book, capsys):
    (book / "01_chapter.ipynb").rename(book / "02_orphan.ipynb")
    assert notebooks.check_sync(book) == 1
    out = capsys.readouterr().out
    assert "01_chapter.ipynb is missing" in out
    assert "02_orphan.ipynb has no .py twin" in out


def test_the_appendices_are_notebooks_too(book, capsys):
    """Their twins come after the numbered chapters', and check-sync compares them too."""
    for name in ("appendix_b.py", "appendix_a.py", "02_second.py", "notes.py"):
        (book / name).write_text(TWIN)
    names = [twin.name for twin in notebooks.chapters(book)]
    assert names == ["01_chapter.py", "02_second.py", "appendix_a.py", "appendix_b.py"]
    assert notebooks.check_sync(book) == 1
    assert "appendix_a.ipynb is missing" in capsys.readouterr().out


WIDGET_TWIN = """# %%
from ipywidgets import IntSlider, interact


def show(value):
    print(value * 2)


_ = interact(show, value=IntSlider(min=0, max=3, value=1))
"""


def test_execute_keeps_no_widget_state(tmp_path):
    """A notebook with an interact() slider runs, and stores no widget state (no CDN later)."""
    twin = tmp_path / "01_widget.py"
    twin.write_text(WIDGET_TWIN)
    # In a child process: a kernel started here must not outlive the test in pytest's
    # process, and a kernel that hangs fails the test in bounded time.
    script = Path(notebooks.__file__)
    subprocess.run([sys.executable, str(script), "execute", str(twin)], check=True, timeout=300)
    nb = nbformat.read(twin.with_suffix(".ipynb"), as_version=4)
    assert "widgets" not in nb.metadata
    # Not paired with its twin: JupyterLab's jupytext would refuse the notebook (newer, differs).
    assert "formats" not in nb.metadata.get("jupytext", {})
    mimes = {m for c in nb.cells for o in c.get("outputs", []) for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes  # the view, for Jupyter


def test_every_notebook_has_the_front_matter_cell_once_after_the_setup_cell(book):
    """jupyterlab-myst reads it: equations keep only their \\tag numbers, as in the book."""
    nb = notebooks.read_chapter(book / "01_chapter.py")
    assert notebooks.is_front_matter(nb.cells[1]) and nb.cells[1].metadata["tags"] == [
        "remove-cell"
    ]
    assert "equation: false" in nb.cells[1].source
    twin = book / "01_chapter.py"
    jupytext.write(nb, twin, fmt="py:percent")  # saved from Jupyter, with both cells
    again = notebooks.read_chapter(twin)
    assert [notebooks.is_front_matter(c) for c in again.cells].count(True) == 1
    assert not notebooks.is_front_matter(again.cells[2])


RENDERED = """Text {numref}`ex-a`, a {term}`learning rate`, [He et al., 2015](bibliography.md).

```{exercise} Title
:label: ex-a
```

:::{note}
A note.
:::
"""


def test_check_myst_passes_the_forms_jupyterlab_renders(book):
    assert notebooks.unrendered_myst(RENDERED) == []
    assert notebooks.check_myst(book) == 0


@pytest.mark.parametrize(
    ("markdown", "named", "fix"),
    [
        ("as {cite:t}`baydin2018` show", "role {cite:t}", "bibliography.md"),
        ("({cite:p}`he2015`)", "role {cite:p}", "bibliography.md"),
        ("see {doc}`2 <02_neural_networks>`", "role {doc}", "02_neural_networks.ipynb"),
        ("```{literalinclude} ../ppn/tape.py\n```", "directive {literalinclude}", "listing("),
        ("the value {glue}`acc`", "role {glue}", "assert"),
        ("::::{tab-set}\n::::", "directive {tab-set}", "README"),
    ],
)
def test_check_myst_fails_on_forms_jupyterlab_shows_raw(book, capsys, markdown, named, fix):
    [problem] = notebooks.unrendered_myst("Some text.\n\n" + markdown)
    assert problem.startswith("line 3: " + named) and fix in problem, problem
    twin = book / "01_chapter.py"
    twin.write_text(
        TWIN + "\n# %% [markdown]\n" + "".join(f"# {ln}\n" for ln in markdown.split("\n"))
    )
    assert notebooks.check_myst(book) == 1
    assert "01_chapter.py" in capsys.readouterr().out


LABELLED_IN_MARKDOWN = """
# %% [markdown]
# (sec-steps)=
# ## Steps
#
# {ref}`The steps <sec-steps>` and {numref}`ex-b`.
#
# ```{exercise} Title
# :label: ex-b
# ```
"""
FIGURE_LABELLED_IN_CODE = """
# %% mystnb={"figure": {"caption": "A curve.", "name": "fig-curve"}}
print("a figure")

# %% [markdown]
# As {numref}`fig-curve` shows.
"""


def test_check_myst_resolves_references_to_labels_in_markdown(book):
    (book / "01_chapter.py").write_text(TWIN + LABELLED_IN_MARKDOWN)
    assert notebooks.check_myst(book) == 0


def test_check_myst_fails_on_a_reference_jupyterlab_cannot_resolve(book, capsys):
    """A figure named in a code cell's metadata: the book numbers it, JupyterLab cannot."""
    (book / "01_chapter.py").write_text(TWIN + FIGURE_LABELLED_IN_CODE)
    assert notebooks.check_myst(book) == 1
    out = capsys.readouterr().out
    assert "01_chapter.py" in out and "`fig-curve`" in out and "in words" in out


def test_check_myst_fails_on_an_empty_markdown_cell(book, capsys):
    """JupyterLab shows it as an open editor (a stray '# %% [markdown]' line makes one)."""
    (book / "01_chapter.py").write_text(TWIN + "\n# %% [markdown]\n# %%\nx = 1\n")
    assert notebooks.check_myst(book) == 1
    assert "empty Markdown cell" in capsys.readouterr().out


def test_check_myst_allows_the_book_only_directives_on_their_pages(book):
    (book / "bibliography.md").write_text("# Bibliography\n\n```{bibliography}\n:all:\n```\n")
    assert notebooks.check_myst(book) == 0
    (book / "index.md").write_text("# Index\n\n```{bibliography}\n```\n")
    assert notebooks.check_myst(book) == 1
