"""The student track: the tasks marked in ppn, their stubs, and the edition that carries them.

CI also runs ``python scripts/notebooks.py check-student-edition``, which shows, in a fresh
edition, that every task's checks fail naming the task and the notebooks run up to their
first task; here, that the stubs are the reference bodies taken out, nothing more.
"""

import ast
import importlib.util
import subprocess
import textwrap
from pathlib import Path

import pytest

import ppn.tasks
from ppn.tasks import PYTEST, TASKS, environment, parse_report

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebooks", ROOT / "scripts" / "notebooks.py")
notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks)

SAMPLE = textwrap.dedent('''\
    def double(x):
        """2x."""
        # task 9.1: begin
        y = x + x
        return y
        # task 9.1: end


    TABLE = {
        # task 9.2: begin
        "neg": lambda g, x: -g,  # ∂(−x)/∂x = −1
        "two": (lambda g: 2 * g,   lambda g: g),
        # task 9.2: end
        "id": lambda g: g,
    }


    def fast(x):
        # fast path: begin
        if x == 0:
            return 0
        # fast path: end
        return double(x)
    ''')


def test_every_task_is_marked_in_ppn_and_has_its_checks():
    assert set(notebooks.marked_tasks()) == set(TASKS)
    for task in TASKS.values():
        module = ROOT / task.node_id.split("::")[0]
        classes = {
            n.name for n in ast.parse(module.read_text()).body if isinstance(n, ast.ClassDef)
        }
        assert task.test_class in classes, f"{module.name} has no {task.test_class}"
        notebook = ROOT / "book" / task.notebook
        assert f"## {task.section}" in notebook.read_text(), f"{task.number}: no such section"


def test_a_body_becomes_a_raise_and_rows_call_unfinished(monkeypatch):
    monkeypatch.setitem(TASKS, "9.1", ppn.tasks.Task("9.1", "x", "y", "z.ipynb", "S"))
    stubbed = notebooks.stub_module(SAMPLE, "sample.py")
    assert "y = x + x" not in stubbed and "raise NotImplementedError(" in stubbed
    assert '"neg": lambda g, x: _unfinished("9.2"),  # ∂(−x)/∂x = −1' in stubbed
    assert '"two": (lambda g: _unfinished("9.2"),   lambda g: _unfinished("9.2")),' in stubbed
    assert '"id": lambda g: g,' in stubbed  # outside the markers: untouched
    assert "if x == 0" not in stubbed and notebooks.FAST_PATH_NOTE in stubbed
    namespace = {}
    exec(compile(stubbed, "sample.py", "exec"), namespace)  # still a module that imports
    with pytest.raises(NotImplementedError, match="task 9.1 is yours to write"):
        namespace["fast"](0)
    assert notebooks.fill_stubs(stubbed, SAMPLE) == notebooks.strip_fast_paths(SAMPLE)


@pytest.mark.parametrize(
    "broken, problem",
    [("    # task 9.1: end\n", "no begin"), ("    # task 9.1: begin\n", "no end marker"),
     ("    # task 9.1: begin\n    # task 9.2: begin\n", "begins inside")],
)  # fmt: skip
def test_unpaired_markers_are_refused_with_their_line(broken, problem):
    with pytest.raises(ValueError, match=rf"m.py:\d: .*{problem}"):
        notebooks.marked_regions(broken, notebooks.TASK_MARKER, "m.py")


def test_filling_every_stub_gives_back_the_reference_and_passes_every_check(tmp_path):
    edition = tmp_path / "edition"
    notebooks.student_repository(edition, [])  # no notebooks: ppn, the checks and the rest
    for module in sorted((edition / "ppn").glob("*.py")):
        reference = (ROOT / "ppn" / module.name).read_text()
        stubbed = module.read_text()
        if module.name in {"nn.py", "tape.py", "tensor.py", "optim.py"}:
            assert stubbed != reference
        filled = notebooks.fill_stubs(stubbed, reference)
        assert filled == notebooks.strip_fast_paths(reference), module.name
        module.write_text(filled)
    report = tmp_path / "report.xml"
    run = subprocess.run([*PYTEST, "tests/tasks", f"--junitxml={report}"], cwd=edition,
                         env=environment(edition), capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    outcomes = parse_report(report.read_text())
    assert {o.task for o in outcomes} == set(TASKS) and all(o.passed for o in outcomes)
    assert "/edition/ppn/" in (edition / "ppn" / "tape.py").as_posix()


def test_the_edition_has_what_a_class_needs(tmp_path):
    edition = tmp_path / "edition"
    notebooks.student_repository(edition, [])
    readme = (edition / "README.md").read_text()
    assert "pytest tests/tasks" in readme and all(f"| {n} |" in readme for n in TASKS)
    assert "jupyter-book" not in (edition / "requirements.txt").read_text()
    assert "-e ." in (edition / "requirements.txt").read_text()
    assert 'testpaths = ["tests"]' in (edition / "pyproject.toml").read_text()
    assert not (edition / "tests" / "test_tape.py").exists()  # the reference's tests stay out
    assert (edition / "book" / "_static" / "digit_pad.js").exists()  # chapter 12 lists it


def test_check_prints_each_check_and_a_hint(capsys):
    assert ppn.tasks.check("4.2")
    out = capsys.readouterr().out
    assert out.startswith("task 4.2: ") and "✓ reads_each_inputs_adjoint_from_one_pass" in out
    assert "all 3 checks pass." in out
    with pytest.raises(KeyError, match="there is no task '4.9'"):
        ppn.tasks.check("4.9")


def test_a_failure_report_gives_its_message_as_the_hint():
    xml = """<testsuites><testsuite>
      <testcase classname="tests.tasks.test_chapter_05.TestTask5_1" name="test_one"/>
      <testcase classname="tests.tasks.test_chapter_05.TestTask5_1" name="test_two">
        <failure message="NotImplementedError: task 5.1 is yours to write">trace</failure>
      </testcase></testsuite></testsuites>"""
    first, second = parse_report(xml)
    assert first == ppn.tasks.Outcome("5.1", "test_one", True)
    assert not second.passed and second.message.startswith("NotImplementedError: task 5.1")
    assert (
        ppn.tasks.hint("AssertionError: add b\nassert 1 == 2\nmore")
        == "AssertionError: add b\nmore"
    )
    noisy = (
        "AssertionError: update θ in place\nassert not True\n"
        " +  where True = <function array_equal at 0x7f>(x, y)\n"
        " +    and   x = <task_tools.Parameter object at 0x1>.data\nAt index 1 diff"
    )
    assert ppn.tasks.hint(noisy) == "AssertionError: update θ in place\nAt index 1 diff"


def test_the_teachers_page_lists_every_task_as_the_registry_does():
    page = (ROOT / "book" / "teacher.md").read_text()
    assert f"out of {len(TASKS)}" in page and "pytest tests/tasks" in page
    for task in TASKS.values():
        assert f"| {task.number} | {task.title} |" in page, f"teacher.md: task {task.number}"


def test_each_chapter_with_tasks_names_them_before_its_exercises():
    for chapter in sorted({task.chapter for task in TASKS.values()}):
        twin = next((ROOT / "book").glob(f"{chapter:02d}_*.py")).read_text()
        before_exercises = twin[: twin.index("# %% [markdown]\n# ## Exercises")]
        tail = before_exercises[before_exercises.rindex("# %% [markdown]") :]
        assert f"pytest tests/tasks -k TestTask{chapter}_" in tail, f"chapter {chapter}"
        for task in (t for t in TASKS.values() if t.chapter == chapter):
            assert f"# * {task.number}: {task.title} (" in tail, f"task {task.number}"
