"""What every performance benchmark shares: interleaved timing, the record of the machine,
and results written as Markdown and JSON.

The machine the course is built on is shared and noisy, so a benchmark never times
one implementation and then the other: it runs them interleaved (A B C, A B C, …),
several rounds, and reports medians.  Times are the process's CPU time
(``time.process_time``): on a loaded machine a wall clock also counts the time spent
waiting for a core, which has nothing to do with the code; with BLAS held to one thread
the two clocks agree on an idle machine.  Wall-clock medians are recorded beside them.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

RESULTS = Path(__file__).resolve().parent / "results"
REPOSITORY = Path(__file__).resolve().parent.parent
# Set on some processors because older OpenBLAS builds break there; a current numpy runs
# slower with them.  The benchmarks do not change them: they record them (README).
OPENBLAS_SETTINGS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def one_blas_thread() -> threadpool_limits:
    """Hold every BLAS and OpenMP pool to one thread (a context manager)."""
    return threadpool_limits(limits=1)


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (how busy the machine is), or None."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPOSITORY, capture_output=True,
            text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "ppn"], cwd=REPOSITORY, capture_output=True,
            text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+uncommitted ppn changes" if dirty else "")


def _relative(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPOSITORY))
    except ValueError:
        return Path(path).name


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what platform knows."""
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(packages: tuple[str, ...] = ()) -> dict:
    """Versions, the BLAS kernel actually loaded, the CPU, the load: what a result depends on."""
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "ppn": _version("ppn"),
        "ppn_commit": _git_commit(),
        **{package: _version(package) for package in packages},
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        # threadpool_info() inside the one-thread limit: num_threads shows the limit held
        "blas": [
            {
                key: pool.get(key)
                for key in (
                    "internal_api",
                    "version",
                    "architecture",
                    "threading_layer",
                    "num_threads",
                    "prefix",
                )
            }
            for pool in threadpool_info()
        ],  # fmt: skip
        "environment": {name: os.environ.get(name) for name in OPENBLAS_SETTINGS},
        # relative to the repository: no machine paths in committed results
        "command": " ".join(["python", _relative(sys.argv[0]), *sys.argv[1:]]),
    }


def interleaved(
    candidates: dict[str, Callable[[], object]],
    rounds: int,
    warmup: int = 1,
    collect: bool = True,
) -> dict[str, dict[str, list[float]]]:
    """Run each candidate once per round, in turn (A B C A B C …); their times per round.

    Returns ``{name: {"cpu": [...], "wall": [...]}}`` in seconds, warm-up rounds left
    out.  With ``collect`` the garbage collector runs before each timed call (and not
    during one more often than it would anyway), so that one candidate's garbage is not
    collected on another's clock.
    """
    times = {name: {"cpu": [], "wall": []} for name in candidates}
    for round_ in range(warmup + rounds):
        for name, run in candidates.items():
            if collect:
                gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if round_ >= warmup:
                times[name]["cpu"].append(cpu)
                times[name]["wall"].append(wall)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def paired_ratio(numerator: list[float], denominator: list[float]) -> float:
    """The median over rounds of numerator/denominator, each pair timed side by side."""
    return statistics.median(a / b for a, b in zip(numerator, denominator, strict=True))


def summary(times: dict[str, list[float]]) -> dict:
    """Median, minimum and maximum of one candidate's CPU and wall times."""
    cpu, wall = times["cpu"], times["wall"]
    return {
        "median_s": median(cpu),
        "min_s": min(cpu),
        "max_s": max(cpu),
        "wall_median_s": median(wall),
        "rounds": len(cpu),
    }


def write_results(name: str, payload: dict, markdown: str) -> tuple[Path, Path]:
    """Write ``results/<name>.json`` (everything) and ``results/<name>.md`` (the tables)."""
    RESULTS.mkdir(exist_ok=True)
    json_path, md_path = RESULTS / f"{name}.json", RESULTS / f"{name}.md"
    json_path.write_text(json.dumps(payload, indent=1, default=_plain) + "\n")
    md_path.write_text(markdown.rstrip() + "\n")
    update_readme(name, markdown)
    return json_path, md_path


def publish(name: str, quick: bool, payload: dict, markdown: str) -> None:
    """Write the results (as ``<name>-quick`` for a quick run) and print the tables."""
    paths = write_results(f"{name}-quick" if quick else name, payload, markdown)
    print(markdown)
    print("\nwrote", *paths)


def update_readme(name: str, markdown: str) -> bool:
    """Copy a results table into README.md, between its ``<!-- results: name -->`` markers."""
    readme = RESULTS.parent / "README.md"
    start, end = f"<!-- results: {name} -->", f"<!-- end of results: {name} -->"
    try:
        text = readme.read_text()
    except OSError:
        return False
    if start not in text or end not in text:
        return False  # quick runs and unknown names have no place in the README
    # The results' headings go two levels down, under the README's own.
    lines = markdown.splitlines()
    body = "\n".join("##" + line if line.startswith("#") else line for line in lines)
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    readme.write_text(f"{before}{start}\n{body.strip()}\n{end}{after}")
    return True


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def markdown_table(header: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_note(env: dict, load_before, load_after) -> str:
    """One paragraph on what ran where: versions, BLAS kernel and threads, load."""
    blas = "; ".join(
        f"{pool['internal_api']} {pool['version']} ({pool['architecture'] or 'n/a'}), "
        f"{pool['num_threads']} thread(s)"
        for pool in env["blas"]
    )
    settings = ", ".join(
        f"{k}={v if v is not None else 'unset'}" for k, v in env["environment"].items()
    )
    others = ", ".join(
        f"{package} {env[package]}"
        for package in ("torch", "micrograd")
        if package in env and env[package] is not None
    )
    return (
        f"Measured {env['date']} with Python {env['python']}, numpy {env['numpy']}, "
        f"ppn {env['ppn']} (commit {env['ppn_commit']})"
        + (f", {others}" if others else "")
        + f"; CPU {env['cpu']} ({env['cpus']} cores); BLAS: {blas}; {settings}. "
        f"Load average (1, 5, 15 min) before: {load_before}, after: {load_after}. "
        f"Command: `{env['command']}`."
    )
