"""The GitHub workflows: CI runs the README's commands through .ci/steps.sh, the script that
.ci/run runs (never copies of them); the book is published from the repository that
_config.yml names; the student edition's autograder grades every task of ppn.tasks once.
Offline: nothing here talks to GitHub (the deploy and the reporter run only there)."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from ppn import data
from ppn.tasks import TASKS

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebooks", ROOT / "scripts" / "notebooks.py")
notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks)

CI = ROOT / ".github" / "workflows" / "ci.yml"
STEPS = ROOT / ".ci" / "steps.sh"
LOCAL = ROOT / ".ci" / "run"


def workflow(path: Path) -> dict:
    loaded = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    loaded["on"] = loaded.pop(True, loaded.get("on"))
    return loaded


def steps(flow: dict) -> list[dict]:
    return [step for job in flow["jobs"].values() for step in job.get("steps", [])]


def script_lines(path: Path) -> list[str]:
    """The shell script's lines as commands: comments and blank lines dropped."""
    lines = (line.split(" #")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def readme_commands() -> list[str]:
    """The README's two commands (section "Two commands on a fresh machine"), each part of an
    `a && b` chain on its own; the data setting left out (each CI says where MNIST is)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands on a fresh machine", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)[1]
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    parts = [part.strip() for command in commands for part in command.split("&&")]
    return [part for part in parts if not part.startswith("export PPN_DATA_DIR")]


# --- CI: one script for here and GitHub -------------------------------------------------------


def test_the_readme_has_the_two_commands_this_file_reads():
    commands = readme_commands()
    assert "pip install -r requirements.txt" in commands
    assert "jupyter-book build --all -W -n --keep-going ." in commands
    assert "pytest --nbval" in commands


def test_the_shared_script_runs_each_of_the_readmes_commands_as_written():
    lines = script_lines(STEPS)
    for command in readme_commands():
        # `. .venv/bin/activate` in the README, the same command as the script writes it
        assert command in lines, f".ci/steps.sh does not run the README's `{command}`"


def test_ci_here_and_on_github_run_the_shared_script_and_no_copy_of_its_commands():
    commands = [*readme_commands(), "ruff", "pytest", "jupyter-book", "pip install", "check-"]
    runs = [step["run"] for step in steps(workflow(CI)) if "run" in step]
    assert ".ci/steps.sh" in [run.strip() for run in runs]
    local = script_lines(LOCAL)
    assert local[-1] == "exec .ci/steps.sh"
    for where, text in [
        (".github/workflows/ci.yml", "\n".join(runs)),
        (".ci/run", "\n".join(local)),
    ]:
        for command in commands:
            assert command not in text, f"{where} runs `{command}` itself: put it in .ci/steps.sh"


def test_ci_on_github_tests_the_oldest_and_newest_python_on_a_current_ubuntu():
    job = workflow(CI)["jobs"]["test"]
    assert job["runs-on"] == "ubuntu-24.04"
    versions = job["strategy"]["matrix"]["python"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    oldest = re.search(r'requires-python = ">=(3\.\d+)"', pyproject)[1]
    assert versions[0] == oldest and len(versions) == 2
    assert tuple(map(int, versions[1].split("."))) > tuple(map(int, oldest.split(".")))
    python = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "${{ matrix.python }}"
    assert python["with"]["cache"] == "pip"  # pip's downloads, reused by the fresh venv
    flow = workflow(CI)
    assert {"push", "pull_request"} <= set(flow["on"])


def test_on_github_mnist_is_downloaded_into_load_mnists_cache_which_the_workflow_keeps(
    monkeypatch,
):
    flow = workflow(CI)
    # Not the offline copy beside the repository: GitHub has none.
    assert "shared/data" not in CI.read_text()
    for level in [flow, *flow["jobs"].values(), *steps(flow)]:
        assert "PPN_DATA_DIR" not in level.get("env", {})
    cache = next(s for s in steps(flow) if s.get("uses", "").startswith("actions/cache"))
    monkeypatch.setenv("HOME", "/home/runner")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert Path(cache["with"]["path"].replace("~", "/home/runner")) == data._cache_folder("mnist")
    # The script downloads there (load_mnist's checked download) when PPN_DATA_DIR is unset.
    script = STEPS.read_text()
    assert "data.load_mnist()" in script
    assert 'PPN_DATA_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/ppn/mnist"' in script


# --- GitHub Pages -------------------------------------------------------------------------------


def test_the_book_that_passed_is_deployed_to_github_pages_from_main():
    jobs = workflow(CI)["jobs"]
    upload = next(s for s in jobs["test"]["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "_build/html"
    publish = next(s for s in jobs["test"]["steps"] if s.get("id") == "pages")
    assert publish["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert "steps.pages.outputs.publish == 'true'" in upload["if"]
    pages = jobs["pages"]
    assert pages["needs"] == "test" and pages["if"] == "needs.test.outputs.publish == 'true'"
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["environment"]["name"] == "github-pages"
    uses = [s["uses"].split("@")[0] for s in pages["steps"]]
    assert uses == ["actions/configure-pages", "actions/deploy-pages"]


def run_publish_step(tmp_path: Path, repository: str) -> str:
    """The workflow's "publish only from ..." step, run here as GitHub would run it."""
    step = next(s for s in steps(workflow(CI)) if s.get("id") == "pages")
    output = tmp_path / "output"
    output.write_text("")
    env = {**os.environ, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_OUTPUT": str(output),
           "GITHUB_REPOSITORY": repository}  # fmt: skip
    script = step["run"].replace(".venv/bin/python", sys.executable)
    run = subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    return output.read_text() + run.stdout


def test_the_book_is_published_only_from_the_repository_that_config_names(tmp_path):
    owner_name = notebooks.repository_address(notebooks.repository_url())
    assert run_publish_step(tmp_path, owner_name.upper()).startswith("publish=true")
    other = run_publish_step(tmp_path, "someone/ppn")
    assert other.startswith("publish=false") and "::notice" in other


def test_no_file_but_config_names_the_repository():
    assert notebooks.hard_coded_url() == []


@pytest.fixture
def course(tmp_path) -> Path:
    """A small git repository with the course's _config.yml and one chapter notebook."""
    (tmp_path / "book").mkdir()
    config = tmp_path / "_config.yml"
    config.write_text((ROOT / "_config.yml").read_text())
    nb = notebooks.nbformat.v4.new_notebook()
    nb.cells = [notebooks.setup_cell(config), notebooks.nbformat.v4.new_code_cell("1 + 1")]
    notebooks.nbformat.write(nb, tmp_path / "book" / "01_x.ipynb")
    (tmp_path / "notes.md").write_text("Fork it.\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    return tmp_path


def test_the_url_check_finds_the_address_in_any_form(course):
    assert notebooks.hard_coded_url(course) == []
    owner, name = notebooks.repository_address(notebooks.repository_url()).split("/")
    (course / "notes.md").write_text(
        f"https://github.com/{owner.upper()}/{name}.git\n{owner}.github.io/{name}\n"
        f"{owner}/{name}-student is another repository\n"
    )
    found = notebooks.hard_coded_url(course)
    assert [p.split(": ")[0] for p in found] == ["notes.md:1", "notes.md:2"]
    shutil.rmtree(course / ".git")  # a copy without git: every file outside git's ignored ones
    (course / ".venv").mkdir()
    (course / ".venv" / "pip.txt").write_text(f"{owner}/{name}\n")
    assert notebooks.hard_coded_url(course) == found


def test_a_fork_sets_its_address_in_one_command(course):
    changed = notebooks.set_repository_url("https://github.com/a-teacher/ppn.git", course)
    assert [p.name for p in changed] == ["_config.yml", "01_x.ipynb"]
    config = course / "_config.yml"
    assert notebooks.repository_url(config) == "https://github.com/a-teacher/ppn"
    assert "# The one repository setting" in config.read_text()  # its comments kept
    nb = notebooks.nbformat.read(course / "book" / "01_x.ipynb", as_version=4)
    assert "https://github.com/a-teacher/ppn.git" in nb.cells[0].source
    assert notebooks.hard_coded_url(course) == []


# --- GitHub Classroom: the student edition's autograder ----------------------------------------


def graders(flow: dict) -> list[dict]:
    return [s for s in steps(flow) if s.get("uses") == notebooks.GRADER]


def test_the_classroom_workflow_grades_every_task_once_and_reports_them_all():
    flow = yaml.safe_load(notebooks.classroom_workflow(TASKS))
    commands = Counter(step["with"]["command"] for step in graders(flow))
    assert commands == Counter(f"pytest {task.node_id}" for task in TASKS.values())
    assert set(commands.values()) == {1}
    for step, task in zip(graders(flow), TASKS.values(), strict=True):
        assert step["with"]["test-name"].startswith(f"task {task.number}: ")
        assert step["with"]["max-score"] == 1 and step["with"]["timeout"] > 0
        test_file = ROOT / task.node_id.split("::")[0]
        assert f"class {task.test_class}" in test_file.read_text(), task.node_id
    ids = [step["id"] for step in graders(flow)]
    assert len(set(ids)) == len(TASKS) and all(re.fullmatch(r"[a-z0-9]+", i) for i in ids)
    reporter = steps(flow)[-1]
    assert reporter["uses"] == notebooks.REPORTER
    assert reporter["with"]["runners"].split(",") == ids
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}"
                               for i in ids}  # fmt: skip
    job = next(iter(flow["jobs"].values()))
    assert flow[True] is None or "push" in flow[True]  # `on:` (YAML 1.1's True): every push
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    assert {"checks": "write", "actions": "read", "contents": "read"} == flow["permissions"]


def test_the_student_edition_carries_the_classroom_workflow(tmp_path):
    notebooks.student_repository(tmp_path, [])
    written = (tmp_path / ".github" / "workflows" / "classroom.yml").read_text()
    assert written == notebooks.classroom_workflow(TASKS)


def test_the_workflows_and_the_editions_match_githubs_schema_offline(tmp_path):
    classroom = notebooks.write_classroom_workflow(tmp_path, TASKS)
    files = [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), classroom]
    check = [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
             "vendor.github-workflows", *map(str, files)]  # fmt: skip
    run = subprocess.run(check, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
