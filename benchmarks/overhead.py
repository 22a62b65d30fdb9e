"""Per-operation overhead of ppn's tensors: microseconds per recorded operation at batch 1.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/overhead.py [--quick]

On a (1, 8) tensor numpy's own work is tiny, so the time of a forward and backward pass
through a long chain of operations, divided by the number of operations, is what ppn's
bookkeeping costs: making a node, finding the graph, calling the rule, accumulating.
Two chains, each 25 links deep and ending in ``.sum()``:

* **layer**: h ← relu(h @ W + b) with one 8×8 W and one b shared by every link (three
  recorded operations per link);
* **element-wise**: h ← tanh(h · 1.01 + 0.1) (three per link, two with a constant).

Each is also written by hand in numpy, forward and backward (the same arithmetic, no
bookkeeping), to show what part of the time is numpy's.  Interleaved rounds, medians,
one BLAS thread.  Results: ``benchmarks/results/overhead.json`` and ``overhead.md``.
"""

from __future__ import annotations

import argparse

import harness
import numpy as np

import ppn
from ppn.tensor import Tensor

DEPTH = 25
OPERATIONS = 3 * DEPTH + 1  # recorded per pass: three per link, then the sum
TARGET_US = 5.0


def setup():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 8)).astype(np.float32)
    W = (0.3 * rng.normal(size=(8, 8))).astype(np.float32)
    b = np.full(8, 0.1, dtype=np.float32)
    return x, W, b


def layer_chain_ppn(x, W, b):
    x, W, b = (
        Tensor(x, requires_grad=True),
        Tensor(W, requires_grad=True),
        Tensor(b, requires_grad=True),
    )

    def run():
        h = x
        for _ in range(DEPTH):
            h = (h @ W + b).relu()
        h.sum().backward()
        x.grad = W.grad = b.grad = None

    return run


def layer_chain_numpy(x, W, b):
    def run():
        stored, h = [], x
        for _ in range(DEPTH):
            z = h @ W + b
            stored.append((h, z))
            h = np.maximum(z, 0)
        g = np.ones_like(h)
        W_bar, b_bar = np.zeros_like(W), np.zeros_like(b)
        for h_in, z in reversed(stored):
            g = g * (z > 0)
            W_bar += h_in.T @ g
            b_bar += g.sum(axis=0)
            g = g @ W.T
        return g, W_bar, b_bar

    return run


def elementwise_chain_ppn(x, W, b):
    x = Tensor(x, requires_grad=True)

    def run():
        h = x
        for _ in range(DEPTH):
            h = (h * 1.01 + 0.1).tanh()
        h.sum().backward()
        x.grad = None

    return run


def elementwise_chain_numpy(x, W, b):
    def run():
        outputs, h = [], x
        for _ in range(DEPTH):
            h = np.tanh(h * 1.01 + 0.1)
            outputs.append(h)
        g = np.ones_like(h)
        for y in reversed(outputs):
            g = g * (1 - y * y) * 1.01
        return g

    return run


CHAINS = {
    "layer: relu(h @ W + b)": (layer_chain_ppn, layer_chain_numpy),
    "element-wise: tanh(h · 1.01 + 0.1)": (elementwise_chain_ppn, elementwise_chain_numpy),
}


def measure(rounds: int, calls: int) -> dict:
    arrays = setup()
    results = {}
    for name, (make_ppn, make_numpy) in CHAINS.items():
        run_ppn, run_numpy = make_ppn(*arrays), make_numpy(*arrays)

        def repeat(run):
            def many():
                for _ in range(calls):
                    run()

            return many

        times = harness.interleaved({"ppn": repeat(run_ppn), "numpy": repeat(run_numpy)}, rounds)
        per_op = {k: harness.median(v["cpu"]) / calls / OPERATIONS * 1e6 for k, v in times.items()}
        fastest = {k: min(v["cpu"]) / calls / OPERATIONS * 1e6 for k, v in times.items()}
        results[name] = {
            "operations": OPERATIONS,
            "ppn_us_per_op": per_op["ppn"],
            "ppn_fastest_us_per_op": fastest["ppn"],
            "numpy_fastest_us_per_op": fastest["numpy"],
            "numpy_us_per_op": per_op["numpy"],
            "overhead_us_per_op": per_op["ppn"] - per_op["numpy"],
            "ppn_over_numpy": harness.paired_ratio(times["ppn"]["cpu"], times["numpy"]["cpu"]),
            "wall_ppn_us_per_op": harness.median(times["ppn"]["wall"]) / calls / OPERATIONS * 1e6,
        }
    return results


def report(results, env, load_before, load_after) -> str:
    rows = [
        [name, r["operations"], f"{r['ppn_us_per_op']:.2f}", f"{r['numpy_us_per_op']:.2f}",
         f"{r['overhead_us_per_op']:.2f}", f"{r['ppn_over_numpy']:.1f}×",
         f"{r['ppn_fastest_us_per_op']:.2f} / {r['numpy_fastest_us_per_op']:.2f}",
         "met" if r["ppn_us_per_op"] <= TARGET_US else "**NOT met**"]
        for name, r in results.items()
    ]  # fmt: skip
    return "\n".join([
        "# Per-operation overhead of ppn's tensors",
        "",
        "Written by `benchmarks/overhead.py` (do not edit by hand). A chain of "
        f"{DEPTH} links on a (1, 8) tensor, forward and backward, divided by the number of "
        "recorded operations; CPU µs, medians of interleaved rounds. *numpy by hand* is the "
        "same arithmetic written out in numpy, forward and backward, with no bookkeeping. "
        f"Target: ≤ {TARGET_US:g} µs per operation, forward and backward together, judged "
        "on the median. The *fastest round* column (ppn / numpy) is the least disturbed "
        "round of each: on a shared machine it shows how much of the median is load.",
        "",
        harness.markdown_table(
            ["chain", "operations", "ppn µs / op", "numpy by hand µs / op", "overhead µs / op",
             "ppn ÷ numpy", "fastest round µs / op", f"≤ {TARGET_US:g} µs"], rows),
        "",
        harness.machine_note(env, load_before, load_after),
    ])  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--quick", action="store_true", help="3 rounds, written to overhead-quick.*"
    )
    args = parser.parse_args(argv)
    rounds, calls = (3, 20) if args.quick else (args.rounds, 40)
    load_before = harness.load_average()
    with harness.one_blas_thread():
        env = harness.environment()
        results = measure(rounds, calls)
    load_after = harness.load_average()
    payload = {"environment": env, "load_before": load_before, "load_after": load_after,
               "target_us_per_op": TARGET_US, "depth": DEPTH, "results": results,
               "ppn_version": ppn.__version__}  # fmt: skip
    markdown = report(results, env, load_before, load_after)
    harness.publish("overhead", args.quick, payload, markdown)


if __name__ == "__main__":
    main()
