"""scripts/chapters.py (reading time, build vocabulary) and notebooks.dead_links."""

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


chapters = _load("chapters")
notebooks = _load("notebooks")


def write(path: Path, cells) -> Path:
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def md(text, tags=()):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": list(tags)})


def code(text, tags=(), outputs=()):
    cell = nbformat.v4.new_code_cell(text, metadata={"tags": list(tags)})
    cell.outputs = list(outputs)
    return cell


def test_reading_time_counts_prose_and_code_up_to_the_exercises(tmp_path):
    listing = nbformat.v4.new_output(
        "display_data", data={"text/markdown": "`ppn/x.py`\n\n```python\na = 1\nb = 2\n```\n"}
    )
    notebook = write(tmp_path / "01_x.ipynb", [
        code("# setup", tags=["remove-cell"]),
        md("word " * 140 + "$$ x = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 $$"),
        code("\n".join(f"x{i} = {i}" for i in range(13)) + "\n\n", outputs=[listing]),
        md("hidden " * 300, tags=["solution"]),
        md("## Exercises\n\n" + "later " * 1000),
        code("\n".join("y = 1" for _ in range(100))),
    ])  # fmt: skip
    reading = chapters.reading(notebook)
    # 140 words + "$$ … $$" left out = 140; 13 lines + 2 listed = 15 lines: 140/150 + 1
    assert (reading["words"], reading["code"]) == (140, 15)
    assert abs(reading["minutes"] - (140 / 150 + 1)) < 1e-9


def test_build_vocabulary_is_found_in_prose_and_comments_and_runner_markers(tmp_path):
    notebook = write(tmp_path / "01_x.ipynb", [
        md("The course's CI sets `PPN_DATA_DIR` for us."),
        code("# NBVAL_IGNORE_OUTPUT\nprint(1)  # one BLAS thread"),
        code("x = 1  # no such words here", tags=["nbval-ignore-output"]),
        code("# setup: nbval", tags=["remove-cell"]),
    ])  # fmt: skip
    found = chapters.build_vocabulary(notebook)
    assert len(found) == 3 and "PPN_DATA_DIR" in found[0] and "NBVAL_" in found[1]
    assert "BLAS thread" in found[2]


def test_the_check_fails_on_a_long_chapter_and_a_missing_one(tmp_path, capsys):
    long = write(tmp_path / "01_long.ipynb", [md("word " * 150 * 46)])
    assert chapters.check([long, tmp_path / "02_missing.ipynb"]) == 1
    out = capsys.readouterr().out
    assert "46 minutes of reading" in out and "02_missing.ipynb" in out


def test_the_main_line_is_the_numbered_part_of_the_toc():
    main_line = chapters.main_line()
    assert main_line[0].name == "01_linear_regression.ipynb"
    assert all(p.name[:2].isdigit() for p in main_line)
    assert not any("appendix" in p.name or p.name == "teacher.ipynb" for p in main_line)


def test_teachers_read_column_comes_from_the_notebooks(tmp_path, monkeypatch):
    book = tmp_path / "book"
    book.mkdir()
    write(book / "01_one.ipynb", [md("word " * 150 * 12)])
    teacher = book / "teacher.md"
    teacher.write_text(
        "| chapter | after it | read | run | tasks |\n|---|---|---|---|---|\n"
        "| [1](01_one.ipynb) One | fit a line | 99 min | 42 s | — |\n"
    )
    monkeypatch.setattr(chapters, "ROOT", tmp_path)
    assert chapters.stale_teacher_rows(teacher) == [
        "teacher.md, chapter 1: '99 min', the notebook reads in '12 min'"
    ]
    chapters.write_teacher(teacher)
    assert "| [1](01_one.ipynb) One | fit a line | 12 min | 42 s | — |" in teacher.read_text()
    assert chapters.stale_teacher_rows(teacher) == []


def test_dead_links_are_found_in_notebooks_and_pages(tmp_path):
    write(
        tmp_path / "01_x.ipynb", [md("[two](02_y.ipynb), [web](https://x.org), [n](notation.md#x)")]
    )
    (tmp_path / "notation.md").write_text("[one](01_x.ipynb) and [gone](bibliography.md)\n")
    dead = notebooks.dead_links(tmp_path)
    assert dead == [
        "01_x.ipynb: [..](02_y.ipynb) names no file of the edition",
        "notation.md: [..](bibliography.md) names no file of the edition",
    ]


def test_a_chapter_needs_a_summary_and_marked_exercises(tmp_path):
    good = write(tmp_path / "01_good.ipynb", [
        md("## Summary\n\n* one idea"),
        md("## Exercises\n\n```{exercise} Reading tapes (★, 10 min)\n:label: ex-a\n\nDo it.\n```"),
        md(":::{exercise} A harder one (★★★, about 40 min)\n:label: ex-b\n:::"),
    ])  # fmt: skip
    assert chapters.structure(good) == []
    bad = write(tmp_path / "02_bad.ipynb", [
        md("## Exercises\n\n```{exercise} Unmarked\n:label: ex-c\n```"),
        md("```{exercise} Stars only (★★)\n:label: ex-d\n```"),
    ])  # fmt: skip
    problems = chapters.structure(bad)
    assert len(problems) == 3 and "no '## Summary'" in problems[0]
    assert "'Unmarked'" in problems[1] and "'Stars only (★★)'" in problems[2]
