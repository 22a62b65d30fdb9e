"""What a student meets in the main line: each chapter's reading time, and build vocabulary.

    python scripts/chapters.py                  # a table: minutes, words, code lines per chapter
    python scripts/chapters.py --check          # fails if a main-line chapter reads in more
                                                # than 45 minutes, speaks of the build, has
                                                # no summary or an unmarked exercise
    python scripts/chapters.py --write-teacher  # book/teacher.md's "read" column from the table
                                                # (--check fails when it is stale)

The rule is book/teacher.md's: prose at 150 words a minute, code at 15 lines a minute,
counted up to the chapter's Exercises; folded solutions, hidden cells and display equations
are left out, and code a chapter shows as the output of a listing (``ppn.listing``) counts as
code. The main line is the first part of ``_toc.yml``; the appendices and reference pages are
not held to one sitting.

Build vocabulary is what only the course's maintainers need (CI, nbval, ``PPN_DATA_DIR``,
BLAS kernels, the build machine, re-executed or stored outputs): it belongs in the README,
the teacher page or an appendix, never in a chapter's prose or comments.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 15
ONE_SITTING = 45  # minutes
# The longest line of code that a 1280-pixel window shows without sideways scrolling (with
# book/_static/book.css; tests/browser checks the built book itself).
CODE_WIDTH = 88
# Matrix products handed to a BLAS library are a lesson of chapter 11; which of its kernels
# ran, and how the build pins its threads, are not.
BUILD_VOCABULARY = re.compile(
    r"\bCI\b|\b[Nn]bval\b|NBVAL_|PPN_DATA_DIR|BLAS kernel|BLAS thread|OPENBLAS_|[Bb]uild machine"
    r"|[Rr]e-?execut|[Ss]tored outputs?|continuous integration"
)
# An exercise's title ends with its difficulty and an estimated time: "(★★, 20 min)".
EXERCISE = re.compile(r"^[ \t]*(?:`{3,}|:{3,})\{exercise\}(.*)$", re.MULTILINE)
MARKED = re.compile(r"\(★{1,3}, (?:about )?\d+(?:–\d+)? min\)\s*$")
TEACHER_ROW = re.compile(r"^\| \[(\d+)\]\((\d\d_[a-z_]+)\.ipynb\)(.*)$")


def main_line(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The notebooks of the numbered part of the table of contents, in order."""
    parts = yaml.safe_load(toc.read_text())["parts"]
    numbered = next(part for part in parts if part.get("numbered"))
    return [ROOT / (entry["file"] + ".ipynb") for entry in numbered["chapters"]]


def _cells(notebook: Path) -> list[dict]:
    """The notebook's cells, read once however many checks look at them (until it changes)."""
    return _read_cells(notebook, notebook.stat().st_mtime_ns)


@functools.cache
def _read_cells(notebook: Path, mtime_ns: int) -> list[dict]:
    return json.loads(notebook.read_text())["cells"]


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _listing_lines(cell) -> int:
    """Lines of code a cell prints with ppn.listing (a fenced block in a Markdown output)."""
    count = 0
    for output in cell.get("outputs", []):
        text = "".join(output.get("data", {}).get("text/markdown", ""))
        for block in re.findall(r"(`{3,})[^\n]*\n(.*?)\n\1", text, flags=re.S):
            count += sum(1 for line in block[1].splitlines() if line.strip())
    return count


def reading(notebook: Path) -> dict:
    """Minutes, words and code lines of a chapter up to its Exercises."""
    words = code = 0
    for cell in _cells(notebook):
        tags = _tags(cell)
        if "solution" in tags or "remove-cell" in tags:
            continue
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            if re.match(r"#+\s+Exercises\b", source.strip()):
                break
            prose = re.sub(r"\$\$.*?\$\$", " ", source, flags=re.S)
            words += len(prose.split())
        elif cell["cell_type"] == "code":
            if "remove-input" not in tags:
                code += sum(1 for line in source.splitlines() if line.strip())
            code += _listing_lines(cell)
    minutes = words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE
    return {"minutes": minutes, "words": words, "code": code}


def build_vocabulary(notebook: Path) -> list[str]:
    """Each line of a chapter's Markdown or code comments that speaks of the build."""
    found = []
    for cell in _cells(notebook):
        if "remove-cell" in _tags(cell):  # the generated setup and front-matter cells
            continue
        for line in "".join(cell["source"]).splitlines():
            if cell["cell_type"] == "code":
                if "#" not in line:
                    continue
                line = line[line.index("#") :]  # a comment (a marker for the test runner
                # too: the tag nbval-ignore-output says the same where students do not read it)
            if BUILD_VOCABULARY.search(line):
                found.append(f"{notebook.name}: {line.strip()}")
    return found


def structure(notebook: Path) -> list[str]:
    """What a chapter lacks: a summary, a mark on each exercise, code lines that fit."""
    cells = _cells(notebook)
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    problems = [
        f"{notebook.name}: a code line of {len(line)} characters (at most {CODE_WIDTH} fit a "
        f"1280-pixel window): {line.strip()[:60]}…"
        for cell in cells
        if cell["cell_type"] == "code" and "remove-cell" not in _tags(cell)
        for line in "".join(cell["source"]).splitlines()
        if len(line) > CODE_WIDTH
    ]
    if not re.search(r"^#+\s+Summary\b", text, re.MULTILINE):
        problems.append(f"{notebook.name}: no '## Summary' section")
    for title in EXERCISE.findall(text):
        if not MARKED.search(title):
            problems.append(
                f"{notebook.name}: exercise {title.strip()!r} has no mark like '(★★, 20 min)'"
            )
    return problems


def table(notebooks: list[Path]) -> str:
    rows = ["| chapter | minutes | words | code lines |", "|---|---|---|---|"]
    for notebook in notebooks:
        r = reading(notebook)
        rows.append(f"| {notebook.stem} | {r['minutes']:.0f} | {r['words']} | {r['code']} |")
    return "\n".join(rows)


def _teacher_rows(lines: list[str]):
    """(index, chapter number, its notebook, the row's cells) for each chapter row."""
    for i, line in enumerate(lines):
        match = TEACHER_ROW.match(line)
        if match:
            yield i, match[1], ROOT / "book" / f"{match[2]}.ipynb", line.split(" | ")


def _read_cell(notebook: Path) -> str:
    return f"{round(reading(notebook)['minutes'])} min"


def write_teacher(teacher: Path = ROOT / "book" / "teacher.md") -> None:
    """Rewrite the "read" column (the third) of teacher.md's chapter table from the notebooks."""
    lines = teacher.read_text().split("\n")
    for i, _, notebook, cells in _teacher_rows(lines):
        cells[2] = _read_cell(notebook)
        lines[i] = " | ".join(cells)
    teacher.write_text("\n".join(lines))


def stale_teacher_rows(teacher: Path = ROOT / "book" / "teacher.md") -> list[str]:
    """The rows of teacher.md whose "read" column is not what the notebook gives now."""
    stale = []
    for _, number, notebook, cells in _teacher_rows(teacher.read_text().split("\n")):
        if notebook.exists() and cells[2] != (now := _read_cell(notebook)):
            stale.append(
                f"teacher.md, chapter {number}: {cells[2]!r}, the notebook reads in {now!r}"
            )
    return stale


def check(notebooks: list[Path]) -> int:
    problems = []
    for notebook in notebooks:
        if not notebook.exists():
            problems.append(f"{notebook.name}: in the main line of _toc.yml but not in book/")
            continue
        minutes = reading(notebook)["minutes"]
        if minutes > ONE_SITTING:
            problems.append(
                f"{notebook.name}: {minutes:.0f} minutes of reading, more than one sitting "
                f"({ONE_SITTING}); move engineering to an appendix or split the chapter"
            )
        problems += [f"build vocabulary in the main line: {line}"
                     for line in build_vocabulary(notebook)]  # fmt: skip
        problems += structure(notebook)
    problems += [f"{row} (python scripts/chapters.py --write-teacher)"
                 for row in stale_teacher_rows()]  # fmt: skip
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    notebooks = main_line()
    if "--write-teacher" in argv:
        write_teacher()
    if "--check" in argv:
        return check(notebooks)
    print(table([n for n in notebooks if n.exists()]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
