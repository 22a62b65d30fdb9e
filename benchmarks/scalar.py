"""Scalar engines: ppn's tape (``ppn.Tape``, ``ppn.Var``) against micrograd's ``Value``.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/scalar.py [--quick]

Three measurements, each engine running the very same Python function (only the
leaves differ: ``tape.var(x)`` or ``Value(x)``):

(a) the gradient of f(x₁, x₂) = x₂·cos x₁ + e^x₂ at (π, 1), 10,000 times, each time
    recorded afresh: with an explicit ``ppn.Tape`` (Algorithm 1) and with ``ppn.grad``;
(b) one training step (forward, backward, update) of a 2-16-16-1 tanh MLP on 100
    points with the mean squared error, from the same initial weights;
(c) a chain of 1,000,000 multiplications: ppn records and differentiates it;
    micrograd's recursive topological sort raises RecursionError (run in a
    subprocess, in case the recursion takes the interpreter down);
(d) ppn's own fast paths against the code the students write (the student edition
    leaves the fast paths out): the backward pass with ``Tape._backward_unrolled``
    against ``Tape.backward`` (Algorithm 1, the default), and recording with the short
    path of + and × between two variables (``_short_path``) against ``Var._binary``,
    on three tapes: the function of (a), the loss of (b) and a sum of 100,000 products.
    Both ways must record the same nodes and give the same adjoints, bit for bit (the
    script stops if not); the times are reported as ratios to the plain code's, round
    by round, because on a shared machine a ratio of two neighbouring timings moves far
    less than either time.

micrograd 0.1.0 (the version on PyPI) has no ``cos``, ``exp`` or ``tanh``: this file
adds them to ``Value`` in micrograd's own style (a closure ``_backward`` per node, as
its author's lectures write ``tanh``), so both engines compute the same function.

Both are timed interleaved, in rounds, with the garbage collector on (Python's
default); the same rounds are also run with it off, because micrograd's closures make
reference cycles and much of its time goes to the collector.  Results:
``benchmarks/results/scalar.json`` and ``scalar.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import random
import subprocess
import sys
import time
from pathlib import Path

import harness

import ppn
from ppn.tape import Var

TARGETS = {"a": 3.0, "b": 15.0}  # ppn at least this many times faster than micrograd


# --- micrograd, with the three functions it lacks ----------------------------------------


def micrograd_value():
    """micrograd's Value class with cos, exp and tanh added in its own style; None if absent."""
    try:
        from micrograd.engine import Value
    except ImportError:
        return None

    def cos(self):
        out = Value(math.cos(self.data), (self,), "cos")

        def _backward():
            self.grad += -math.sin(self.data) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    for name, method in (("cos", cos), ("exp", exp), ("tanh", tanh)):
        if not hasattr(Value, name):
            setattr(Value, name, method)
    return Value


# --- (a) the source's example ------------------------------------------------------------


def source_f_ppn(x1, x2):
    return x2 * ppn.cos(x1) + ppn.exp(x2)


def source_f_micrograd(x1, x2):
    return x2 * x1.cos() + x2.exp()


def example_ppn_tape(repeats: int):
    for _ in range(repeats):
        with ppn.Tape() as tape:
            x1, x2 = tape.var(math.pi), tape.var(1.0)
            y = source_f_ppn(x1, x2)
        gradient = tape.gradient(y, [x1, x2])
    return gradient


def example_ppn_grad(repeats: int):
    gradient_of_f = ppn.grad(source_f_ppn)
    for _ in range(repeats):
        gradient = gradient_of_f(math.pi, 1.0)
    return list(gradient)


def example_micrograd(Value, repeats: int):
    for _ in range(repeats):
        x1, x2 = Value(math.pi), Value(1.0)
        y = source_f_micrograd(x1, x2)
        y.backward()
        gradient = [x1.grad, x2.grad]
    return gradient


# --- (b) one training step of a small tanh MLP --------------------------------------------

SIZES = (2, 16, 16, 1)
POINTS = 100
LEARNING_RATE = 0.05


def problem(seed: int = 0):
    """100 points in [-1, 1]², targets y = sin(πx₁)·x₂, and Glorot-uniform initial weights."""
    rng = random.Random(seed)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(POINTS)]
    ys = [math.sin(math.pi * a) * b for a, b in xs]
    weights = []
    for fan_in, fan_out in zip(SIZES, SIZES[1:], strict=False):
        bound = math.sqrt(6 / (fan_in + fan_out))
        W = [[rng.uniform(-bound, bound) for _ in range(fan_in)] for _ in range(fan_out)]
        weights.append((W, [0.0] * fan_out))
    return xs, ys, weights


def mlp_loss(layers, xs, ys, tanh):
    """(1/N) Σ (MLP(x) − y)²: the same code for both engines, written as micrograd's nn is."""
    total = 0.0
    last = len(layers) - 1
    for x, y in zip(xs, ys, strict=True):
        h = x
        for i, (W, b) in enumerate(layers):
            h = [sum((w * v for w, v in zip(row, h, strict=True)), bias)
                 for row, bias in zip(W, b, strict=True)]  # fmt: skip
            if i < last:
                h = [tanh(v) for v in h]
        error = h[0] - y
        total = total + error * error
    return total * (1.0 / len(xs))


def _flat(layers) -> list:
    """Every weight then every bias of each layer in turn: the order of ``tape.gradient``."""
    return [v for W, b in layers for v in [*(w for row in W for w in row), *b]]


class PpnStep:
    """Weights as plain floats; each step records them on a new tape, as ppn.grad does."""

    def __init__(self, weights):
        self.weights = [([row[:] for row in W], b[:]) for W, b in weights]

    def __call__(self, xs, ys):
        with ppn.Tape() as tape:
            layers = [([[tape.var(w) for w in row] for row in W], [tape.var(c) for c in b])
                      for W, b in self.weights]  # fmt: skip
            loss = mlp_loss(layers, xs, ys, ppn.tanh)
        leaves = _flat(layers)
        gradient = iter(tape.gradient(loss, leaves))
        for W, b in self.weights:  # θ ← θ − η·∇C
            for row in W:
                for j, w in enumerate(row):
                    row[j] = w - LEARNING_RATE * next(gradient)
            for j, c in enumerate(b):
                b[j] = c - LEARNING_RATE * next(gradient)
        return loss.value, len(tape)

    def flat(self):
        return _flat(self.weights)


class MicrogradStep:
    """micrograd's way: persistent Values, zero_grad, backward, p.data −= η·p.grad."""

    def __init__(self, Value, weights):
        self.layers = [([[Value(w) for w in row] for row in W], [Value(c) for c in b])
                       for W, b in weights]  # fmt: skip
        self.parameters = _flat(self.layers)

    def __call__(self, xs, ys):
        for p in self.parameters:
            p.grad = 0.0
        loss = mlp_loss(self.layers, xs, ys, lambda v: v.tanh())
        loss.backward()
        for p in self.parameters:
            p.data -= LEARNING_RATE * p.grad
        return loss.data, None

    def flat(self):
        return [p.data for p in self.parameters]


# --- (c) a chain a million operations deep -------------------------------------------------

CHAIN = 1_000_000
FACTOR = 0.999999


def chain_ppn(n: int) -> dict:
    start = time.process_time()
    with ppn.Tape() as tape:
        x = tape.var(2.0)
        y = x
        for _ in range(n):
            y = FACTOR * y
    recorded = time.process_time()
    (derivative,) = tape.gradient(y, [x])
    done = time.process_time()
    return {
        "nodes": len(tape),
        "derivative": derivative,
        "expected": FACTOR**n,
        "record_s": recorded - start,
        "backward_s": done - recorded,
    }


MICROGRAD_CHAIN = """
import json, sys, time
sys.path.insert(0, {here!r})
from scalar import FACTOR, micrograd_value
Value = micrograd_value()
n = {n}
start = time.process_time()
x = Value(2.0)
y = x
for _ in range(n):
    y = y * FACTOR
built = time.process_time()
try:
    y.backward()
    outcome = {{"ok": True, "derivative": x.grad}}
except RecursionError as error:
    outcome = {{"ok": False, "error": f"RecursionError: {{error}}"}}
outcome.update(build_s=built - start, backward_s=time.process_time() - built,
               recursion_limit=sys.getrecursionlimit())
print(json.dumps(outcome))
"""


def chain_micrograd(n: int) -> dict:
    """micrograd on an n-deep chain, in a child interpreter (a deep recursion may crash one)."""
    here = str(Path(__file__).resolve().parent)
    try:
        done = subprocess.run(
            [sys.executable, "-c", MICROGRAD_CHAIN.format(here=here, n=n)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "did not finish in 600 s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return {"ok": False, "error": f"the interpreter died (exit {done.returncode}): {last}"}
    return json.loads(done.stdout)


# --- (d) ppn's fast paths against the code the students write -------------------------

LONG = 100_000  # values in the sum of products: 3·LONG − 3 nodes


def _student_operator(name: str):
    """Var.__add__ or Var.__mul__ as the student edition has them: always Var._binary."""

    def method(self, other):
        return self._binary(name, self, other)

    method.__name__ = method.__qualname__ = f"__{name}__"
    return method


@contextlib.contextmanager
def student_operators():
    """Record + and × through ``Var._binary``, as the student edition does (no short path)."""
    saved = Var.__add__, Var.__mul__
    Var.__add__, Var.__mul__ = _student_operator("add"), _student_operator("mul")
    try:
        yield
    finally:
        Var.__add__, Var.__mul__ = saved


def record_f(repeats: int):
    """Record the tape of (a) ``repeats`` times; the last tape and its output."""
    for _ in range(repeats):
        with ppn.Tape() as tape:
            x1, x2 = tape.var(math.pi), tape.var(1.0)
            y = source_f_ppn(x1, x2)
    return tape, y


def record_mlp(xs, ys, weights):
    """The tape of (b)'s loss (its forward pass only) and the loss."""
    with ppn.Tape() as tape:
        layers = [([[tape.var(w) for w in row] for row in W], [tape.var(c) for c in b])
                  for W, b in weights]  # fmt: skip
        loss = mlp_loss(layers, xs, ys, ppn.tanh)
    return tape, loss


def record_sum_of_products(values):
    """The tape of Σ xᵢ·xᵢ₊₁: every operation + or × between two variables."""
    with ppn.Tape() as tape:
        xs = [tape.var(v) for v in values]
        total = xs[0] * xs[1]
        for left, right in zip(xs[1:-1], xs[2:], strict=True):
            total = total + left * right
    return tape, total


def fast_paths(rounds: int, quick: bool, xs, ys, weights) -> dict:
    """(d): each tape recorded and differentiated both ways, the work checked equal."""
    repeats = 1000 if quick else 10_000
    rng = random.Random(1)
    values = [rng.gauss(0.0, 1.0) for _ in range(20_000 if quick else LONG)]
    workloads = {
        f"f(x₁, x₂) of (a), {repeats:,} times": (lambda: record_f(repeats), repeats),
        "the loss of (b) (one forward pass)": (lambda: record_mlp(xs, ys, weights), 1),
        f"Σ xᵢ·xᵢ₊₁, {len(values):,} values": (lambda: record_sum_of_products(values), 1),
    }
    out = {"rounds": rounds, "load_before": harness.load_average(), "workloads": {}}
    for label, (record, times) in workloads.items():
        tape, output = record()
        with student_operators():
            general, general_output = record()
        plain, unrolled = tape.backward(output), tape._backward_unrolled(output)
        work = {
            "nodes": len(tape),
            "repeats": times,
            "nodes_by_parents": {n: sum(len(p) == n for p in tape.parents) for n in (0, 1, 2)},
            "same_nodes": (tape.parents, tape.partials, tape.ops)
            == (general.parents, general.partials, general.ops)
            and output.value == general_output.value,
            "same_adjoints": plain == unrolled,
        }
        if not (work["same_nodes"] and work["same_adjoints"]):
            raise AssertionError(f"(d) {label}: the two ways did not do the same work: {work}")

        def backward(tape=tape, output=output, times=times):
            for _ in range(times):
                tape.backward(output)

        def backward_unrolled(tape=tape, output=output, times=times):
            for _ in range(times):
                tape._backward_unrolled(output)

        def record_general(record=record):
            with student_operators():
                record()

        # Each pair side by side in every round: plain, then its fast version.
        candidates = {
            "backward: Tape.backward": backward,
            "backward: Tape._backward_unrolled": backward_unrolled,
            "record: Var._binary": record_general,
            "record: _short_path": record,
        }
        measured = harness.interleaved(candidates, rounds)
        stats = {name: harness.summary(t) for name, t in measured.items()}
        names = list(candidates)
        for baseline, fast in ((names[0], names[1]), (names[2], names[3])):
            per_round = [a / b for a, b in zip(measured[fast]["cpu"], measured[baseline]["cpu"],
                                               strict=True)]  # fmt: skip
            stats[fast]["baseline"] = baseline
            stats[fast]["ratio"] = harness.median(per_round)
            stats[fast]["ratio_min"], stats[fast]["ratio_max"] = min(per_round), max(per_round)
        out["workloads"][label] = {"work": work, "times": stats}
    out["load_after"] = harness.load_average()
    return out


# --- the run ------------------------------------------------------------------------------


def measure(rounds: int, repeats: int, quick: bool) -> dict:
    Value = micrograd_value()
    xs, ys, weights = problem()
    results: dict = {"micrograd_available": Value is not None}

    # (a)
    candidates = {
        "ppn Tape": lambda: example_ppn_tape(repeats),
        "ppn.grad": lambda: example_ppn_grad(repeats),
    }
    if Value is not None:
        candidates["micrograd"] = lambda: example_micrograd(Value, repeats)
    answers = {name: run() for name, run in candidates.items()}
    results["a"] = {"repeats": repeats, "gradients": answers}
    for collector in ("on", "off"):
        times = _timed(candidates, rounds, collector)
        results["a"][f"gc_{collector}"] = _compare(times, "micrograd")

    # (b)
    ppn_step = PpnStep(weights)
    steps = {"ppn": ppn_step}
    if Value is not None:
        steps["micrograd"] = MicrogradStep(Value, weights)
    # Same weights, same data: the first losses agree, and so do the updated weights.
    first = {name: step(xs, ys) for name, step in steps.items()}
    results["b"] = {
        "sizes": SIZES,
        "points": POINTS,
        "tape_nodes": first["ppn"][1],
        "first_loss": {name: value for name, (value, _) in first.items()},
    }
    if Value is not None:
        results["b"]["max_weight_difference_after_one_step"] = max(
            abs(a - b) for a, b in zip(steps["ppn"].flat(), steps["micrograd"].flat(), strict=True)
        )
    candidates = {name: (lambda step=step: step(xs, ys)) for name, step in steps.items()}
    for collector in ("on", "off"):
        times = _timed(candidates, max(3, rounds // 2), collector)
        results["b"][f"gc_{collector}"] = _compare(times, "micrograd")

    # (c)
    n = 20_000 if quick else CHAIN
    results["c"] = {"length": n, "ppn": chain_ppn(n)}
    results["c"]["micrograd"] = chain_micrograd(n) if Value is not None else None

    # (d)
    # Twice the rounds: they are short, and the ratios are what (d) reports.
    results["d"] = fast_paths(2 * rounds, quick, xs, ys, weights)
    return results


def _timed(candidates, rounds, collector):
    enabled = gc.isenabled()
    if collector == "off":
        gc.disable()
    try:
        return harness.interleaved(candidates, rounds)
    finally:
        if enabled:
            gc.enable()


def _compare(times, baseline):
    out = {name: harness.summary(t) for name, t in times.items()}
    if baseline in times:
        for name in times:
            if name != baseline:
                # how many times faster than the baseline, round by round
                out[name]["speedup"] = harness.paired_ratio(
                    times[baseline]["cpu"], times[name]["cpu"]
                )
    return out


def report(results: dict, env: dict, load_before, load_after) -> str:
    a, b, c = results["a"], results["b"], results["c"]
    lines = [
        "# Scalar engines: ppn's tape against micrograd",
        "",
        "Written by `benchmarks/scalar.py` (do not edit by hand). CPU seconds, medians of "
        "interleaved rounds; *speed-up* is micrograd's time over ppn's, the median of the "
        "per-round ratios. Python's garbage collector is on, as by default; the *gc off* "
        "columns repeat the rounds with it off.",
        "",
    ]
    if not results["micrograd_available"]:
        lines += ["micrograd is not installed (`pip install -r benchmarks/requirements.txt`): "
                  "only ppn's times are shown.", ""]  # fmt: skip
    rows = []
    for label, part, unit, scale in (
        (f"(a) gradient of x₂·cos x₁ + e^x₂, {a['repeats']:,} times", a, "µs per gradient",
         1e6 / a["repeats"]),
        (f"(b) one step of a {'-'.join(map(str, b['sizes']))} tanh MLP on {b['points']} points",
         b, "ms per step", 1e3),
    ):  # fmt: skip
        on, off = part["gc_on"], part["gc_off"]
        for name in on:
            speedup_on = on[name].get("speedup")
            speedup_off = off[name].get("speedup")
            rows.append([
                label, name, f"{on[name]['median_s'] * scale:,.1f} {unit}",
                f"{speedup_on:.1f}×" if speedup_on else "—",
                f"{off[name]['median_s'] * scale:,.1f}",
                f"{speedup_off:.1f}×" if speedup_off else "—",
            ])  # fmt: skip
    lines.append(harness.markdown_table(
        ["benchmark", "engine", "time (gc on)", "speed-up", "time (gc off)", "speed-up (gc off)"],
        rows,
    ))  # fmt: skip
    lines += ["", "Targets: ppn ≥ 3× faster than micrograd on (a), ≥ 15× on (b) (gc on)."]
    verdicts = []
    for key, label in (("a", "(a)"), ("b", "(b)")):
        on = results[key]["gc_on"]
        for name, stats in on.items():
            if "speedup" in stats:
                met = "met" if stats["speedup"] >= TARGETS[key] else "NOT met"
                verdicts.append(f"{label} {name}: {stats['speedup']:.1f}× ({met})")
    if verdicts:
        lines += ["", "- " + "\n- ".join(verdicts)]
    lines += [
        "",
        f"(b) records {b['tape_nodes']:,} nodes per step on ppn's tape. First loss: "
        + ", ".join(f"{k} {v:.12f}" for k, v in b["first_loss"].items())
        + (
            f"; largest weight difference after one step: "
            f"{b['max_weight_difference_after_one_step']:.1e}."
            if "max_weight_difference_after_one_step" in b
            else "."
        ),
        "",
        f"## (c) A chain of {c['length']:,} multiplications",
        "",
    ]
    p = c["ppn"]
    lines.append(
        f"- ppn: {p['nodes']:,} nodes recorded in {p['record_s']:.2f} s, backward pass in "
        f"{p['backward_s']:.2f} s; dy/dx = {p['derivative']:.9f} (expected "
        f"{p['expected']:.9f})."
    )
    m = c["micrograd"]
    if m is None:
        lines.append("- micrograd: not installed.")
    elif m["ok"]:
        lines.append(f"- micrograd: finished, dy/dx = {m['derivative']:.9f}.")
    else:
        lines.append(
            f"- micrograd: **{m['error']}** (recursion limit {m.get('recursion_limit', '?')}); "
            f"building the chain took {m.get('build_s', float('nan')):.2f} s."
        )
    lines += ["", *fast_paths_report(results["d"])]
    lines += ["", harness.machine_note(env, load_before, load_after)]
    return "\n".join(lines)


def fast_paths_report(d: dict) -> list[str]:
    """The Markdown of (d): one row per fast path and tape, its time as a ratio."""
    lines = [
        "## (d) ppn's fast paths against the code the students write",
        "",
        "Each tape is recorded and differentiated both ways: the plain code (what the "
        "student edition runs: `Tape.backward`, Algorithm 1, and `Var._binary` for every "
        "operation) and the fast path beside it in `ppn/tape.py`. Both ways record the "
        "same nodes (parents, partials, operations) and give the same adjoints, bit for "
        "bit (checked before timing). *fast ÷ plain* is the median over "
        f"{d['rounds']} interleaved rounds (after one warm-up round) of the fast path's "
        "CPU time over the plain code's in the same round, with the smallest and largest "
        "per-round ratio; below 1, the fast path is faster. "
        "On a shared machine read the ratios: the times per node move with the load, "
        "the ratio of two neighbouring timings much less.",
        "",
    ]
    rows = []
    for label, part in d["workloads"].items():
        work, times = part["work"], part["times"]
        per_node = 1e9 / (work["nodes"] * work["repeats"])
        for name, stats in times.items():
            if "ratio" not in stats:
                continue
            plain = times[stats["baseline"]]
            rows.append([
                label, f"{work['nodes']:,}", name.split(": ")[0],
                f"`{stats['baseline'].split(': ')[1]}`", f"`{name.split(': ')[1]}`",
                f"{plain['median_s'] * per_node:,.0f}", f"{stats['median_s'] * per_node:,.0f}",
                f"**{stats['ratio']:.2f}** ({stats['ratio_min']:.2f}–{stats['ratio_max']:.2f})",
            ])  # fmt: skip
    lines.append(harness.markdown_table(
        ["tape", "nodes", "pass", "plain code", "fast path", "plain, ns per node",
         "fast, ns per node", "fast ÷ plain (rounds' range)"],
        rows,
    ))  # fmt: skip
    lines += [
        "",
        f"Load average (1, 5, 15 min) before (d): {d['load_before']}, after: {d['load_after']}.",
    ]
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds (default 11)")
    parser.add_argument(
        "--quick", action="store_true", help="a short run, written to scalar-quick.*"
    )
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    repeats = 1000 if args.quick else 10_000
    load_before = harness.load_average()
    with harness.one_blas_thread():
        env = harness.environment(("micrograd",))
        results = measure(rounds, repeats, args.quick)
    load_after = harness.load_average()
    payload = {"environment": env, "load_before": load_before, "load_after": load_after,
               "targets": TARGETS, "results": results}  # fmt: skip
    markdown = report(results, env, load_before, load_after)
    harness.publish("scalar", args.quick, payload, markdown)


if __name__ == "__main__":
    main()
