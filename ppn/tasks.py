"""The student track: the tasks marked in ppn's code, and ``check``, which runs their checks.

Each task is a function body (or a few rows of a rule table) marked in place with
``# task N.M: begin`` … ``# task N.M: end``; N is the chapter that explains it. The
student edition (``python scripts/notebooks.py student-edition OUT_DIR``) replaces every
marked body by a stub that raises ``NotImplementedError`` naming the task and that
section, and the student writes it back. The checks of task N.M are the test class
``TestTaskN_M`` in ``tests/tasks/test_chapter_0N.py``::

    pytest tests/tasks           # every task
    python -m ppn.tasks          # one line per task: how many of its checks pass
    ppn.tasks.check("4.1")       # in a notebook: each check, and a hint for the first failure

``check`` runs pytest in a fresh process, so it sees the files as they are saved now,
even in a kernel that imported ppn before they were edited.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: ppn/ and tests/ side by side
TASK_ERROR = re.compile(r"task (\d+\.\d+)\b")  # how a stub's message starts


@dataclass(frozen=True)
class Task:
    """One task: what to write, where, and the chapter section that explains it."""

    number: str  # "4.1": chapter 4, its first task
    title: str
    code: str  # the file and the function whose body the student writes
    notebook: str  # the chapter's notebook, in book/
    section: str  # the heading, in that notebook, of the section that explains it

    @property
    def chapter(self) -> int:
        return int(self.number.split(".")[0])

    @property
    def test_class(self) -> str:
        return "TestTask" + self.number.replace(".", "_")

    @property
    def node_id(self) -> str:
        """The pytest node id of the task's checks."""
        return f"tests/tasks/test_chapter_{self.chapter:02d}.py::{self.test_class}"


_TASKS = [
    Task("2.1", "one layer, x @ W + b (eq. 5)", "ppn/nn.py: Linear.forward",
         "02_neural_networks.ipynb", "A layer of neurons"),
    Task("2.2", "the MLP's forward pass: σ between the layers, logits out",
         "ppn/nn.py: MLP.forward", "02_neural_networks.ipynb", "The forward pass"),
    Task("2.3", "Glorot and He initialisation", "ppn/nn.py: glorot_uniform, he_normal",
         "02_neural_networks.ipynb", "Where the weights start: Glorot and He"),
    Task("3.1", "dual-number arithmetic: the tangent of x ∘ y", "ppn/forward.py: Dual._binary",
         "03_forward_mode.ipynb", "Writing the rules of `Dual`"),
    Task("3.2", "one forward-mode rule: the tangent f'(v)·v̇", "ppn/forward.py: Dual._unary",
         "03_forward_mode.ipynb", "Writing the rules of `Dual`"),
    Task("3.3", "jvp: one forward pass, one directional derivative", "ppn/forward.py: jvp",
         "03_forward_mode.ipynb", "One pass, one direction: `ppn.jvp`"),
    Task("4.1", "the backward loop (Algorithm 1)", "ppn/tape.py: Tape.backward",
         "04_backward_mode.ipynb", "Algorithm 1: the backward pass on a tape"),
    Task("4.2", "the gradient of the inputs from one backward pass", "ppn/tape.py: Tape.gradient",
         "04_backward_mode.ipynb", "One backward pass, the whole gradient"),
    Task("5.1", "recording a node on the tape", "ppn/tape.py: Tape.record",
         "05_gradient_tape.ipynb", "Recording a tape"),
    Task("5.2", "operator overloading: x ∘ y records a node", "ppn/tape.py: Var._binary",
         "05_gradient_tape.ipynb", "Operator overloading: how `x2 * ppn.cos(x1)` records itself"),
    Task("5.3", "f(x) records a node with its partial f'(x)", "ppn/tape.py: Var._unary",
         "05_gradient_tape.ipynb", "Functions: how `ppn.cos(x1)` records itself"),
    Task("6.1", "the VJPs of the matrix product", "ppn/tensor.py: _matmul_vjp_a, _matmul_vjp_b",
         "06_tensor_nodes.ipynb", "The matrix product's VJP"),
    Task("6.2", "the VJPs of the element-wise +, −, ×, ÷", "ppn/tensor.py: VJP rows add … div",
         "06_tensor_nodes.ipynb", "Element-wise arithmetic: + − × ÷"),
    Task("6.3", "the VJPs of the activations tanh, sigmoid, relu",
         "ppn/tensor.py: VJP rows tanh, sigmoid, relu",
         "06_tensor_nodes.ipynb", "Activations: tanh, sigmoid, relu"),
    Task("6.4", "a broadcast add, backwards: unbroadcast", "ppn/tensor.py: unbroadcast",
         "06_tensor_nodes.ipynb", "Broadcasting, backwards: `unbroadcast`"),
    Task("7.1", "softmax cross-entropy, one fused and stable node",
         "ppn/losses.py: softmax_cross_entropy", "07_softmax_cross_entropy.ipynb",
         "Cross-entropy, computed without overflow"),
    Task("7.2", "the VJP of softmax cross-entropy, (softmax − onehot)/N",
         "ppn/tensor.py: _softmax_cross_entropy_vjp", "07_softmax_cross_entropy.ipynb",
         "The gradient: softmax minus one-hot"),
    Task("8.1", "Algorithm 2: one update per sample", "ppn/optim.py: sgd_per_sample_epoch",
         "08_gradient_descent.ipynb", "Algorithm 2: one update per sample"),
    Task("8.2", "Algorithm 3's gradient accumulator", "ppn/optim.py: accumulated_gradient",
         "08_gradient_descent.ipynb", "Algorithm 3: batches and a gradient accumulator"),
    Task("9.1", "one step of gradient descent, θ ← θ − η·(∇C + λθ)", "ppn/optim.py: SGD._update",
         "09_optimisers.ipynb", "Weight decay"),
    Task("10.1", "the training step: forward, loss, zero_grad, backward, step",
         "ppn/train.py: fit", "10_mnist.ipynb", "The training step"),
]  # fmt: skip
TASKS: dict[str, Task] = {task.number: task for task in _TASKS}


def task(number: str) -> Task:
    """The task numbered ``number`` ("4.1"), or a KeyError listing the tasks."""
    try:
        return TASKS[str(number)]
    except KeyError:
        raise KeyError(f"there is no task {number!r}; the tasks are {', '.join(TASKS)}") from None


def message(number: str) -> str:
    """What the stub of a task raises: the task, its code, and where the book explains it."""
    t = task(number)
    return (
        f"task {t.number} is yours to write: {t.title} ({t.code}). Chapter {t.chapter}, "
        f'section "{t.section}" (book/{t.notebook}) explains it; '
        f'check it with ppn.tasks.check("{t.number}") or pytest tests/tasks -k {t.test_class}'
    )


def unfinished(number: str):
    """Raise the NotImplementedError of a stub (what a stubbed rule-table row calls)."""
    raise NotImplementedError(message(number))


@dataclass(frozen=True)
class Outcome:
    """One check of a task: its name, whether it passed, and the failure's message."""

    task: str
    name: str
    passed: bool
    message: str = ""


def run_checks(numbers=None, root: Path = ROOT) -> list[Outcome]:
    """Run the checks of the tasks ``numbers`` (all by default) with pytest in a new process."""
    numbers = list(TASKS) if numbers is None else [task(n).number for n in numbers]
    folder = root / "tests" / "tasks"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no task checks in {folder}: ppn.tasks runs the course's tests/tasks, which sit "
            "beside ppn/ in the repository (or in the student edition)"
        )
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.xml"
        command = [*PYTEST, f"--junitxml={report}", *(TASKS[n].node_id for n in numbers)]
        run = subprocess.run(command, cwd=root, env=environment(root), capture_output=True,
                             text=True)  # fmt: skip
        if not report.exists():
            raise RuntimeError(f"pytest did not run the checks:\n{run.stdout}\n{run.stderr}")
        return parse_report(report.read_text())


# pytest for the task checks alone: no plugins, no conftest above tests/tasks, no addopts
# (the notebooks' plugin and the main tests' settings cost ten times the checks themselves).
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
          "--confcutdir=tests/tasks"]  # fmt: skip


def environment(root: Path = ROOT) -> dict[str, str]:
    """os.environ for running the checks of the repository ``root``: its ppn comes first."""
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "PYTHONPATH": path, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def parse_report(xml: str) -> list[Outcome]:
    """The outcome of every check in a pytest ``--junitxml`` report of tests/tasks."""
    outcomes = []
    for case in ElementTree.fromstring(xml).iter("testcase"):
        match = re.search(r"TestTask(\d+)_(\d+)$", case.get("classname", ""))
        if match is None:
            continue
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        text = "" if problem is None else (problem.get("message") or problem.text or "")
        skipped = case.find("skipped") is not None
        outcomes.append(
            Outcome(f"{match[1]}.{match[2]}", case.get("name", ""), problem is None and
                    not skipped, text if problem is not None else "skipped" * skipped)
        )  # fmt: skip
    return outcomes


def check(number: str | None = None) -> bool:
    """Print which checks of task ``number`` pass and a hint for the first failure (all tasks:
    one line each); True if all pass."""
    outcomes = run_checks(None if number is None else [number])
    if number is None:
        for t in TASKS.values():
            mine = [o for o in outcomes if o.task == t.number]
            passed = sum(o.passed for o in mine)
            mark = "✓" if mine and passed == len(mine) else "✗"
            print(f"{mark} task {t.number}: {passed} of {len(mine)} checks pass  ({t.title})")
        return all(o.passed for o in outcomes)
    t = task(number)
    print(f"task {t.number}: {t.title} ({t.code})")
    for outcome in outcomes:
        print(f"  {'✓' if outcome.passed else '✗'} {outcome.name.removeprefix('test_')}")
    failed = [o for o in outcomes if not o.passed]
    if not failed:
        print(f"all {len(outcomes)} checks pass.")
        return True
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} checks pass. Hint, from the first "
          f"failure ({failed[0].name.removeprefix('test_')}):")  # fmt: skip
    print("  " + hint(failed[0].message).replace("\n", "\n  "))
    return False


# pytest's own account of a failed comparison: "assert …", "+  where … = <object at 0x…>",
# "+  and …". The check's message, above them, already says what was expected.
PYTEST_DETAIL = re.compile(r"^\s*(assert\b|\+\s+(where|and)\b)")


def hint(failure: str, lines: int = 8) -> str:
    """The useful start of a failure message (pytest's own comparison lines are left out)."""
    kept = [line for line in failure.strip().splitlines() if not PYTEST_DETAIL.match(line)]
    return "\n".join(kept[:lines]) or failure.strip()


if __name__ == "__main__":
    sys.exit(0 if check(sys.argv[1] if len(sys.argv) > 1 else None) else 1)
