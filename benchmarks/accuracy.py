"""The accuracy study: what each improvement buys on the official MNIST test set.

    PPN_DATA_DIR=/path/to/mnist nohup python benchmarks/accuracy.py > accuracy.log 2>&1 &
    python benchmarks/accuracy.py --rows 0,7 --epochs 5          # rerun some rows, shorter
    python benchmarks/accuracy.py --seeds 1,2                     # the spread between seeds
    python benchmarks/accuracy.py --dataset fashion-mnist --rows 6 --epochs 20
    python benchmarks/accuracy.py --report                        # rewrite the .md from the .json
    python benchmarks/accuracy.py --train-size 2000 --rows 6,7,7e  # a smaller training set
    PPN_DATA_DIR=/path/to/mnist-60k python benchmarks/accuracy.py --train-size all --rows 7,7e

A run at another training-set size than the usual one (MNIST's first 10,000, all of
Fashion-MNIST) is kept in its own block, ``mnist-2000``, ``mnist-60000``…

Each row of the study adds one improvement to the row before it (rows "6b"… are
variants, outside the chain), and every row trains with the same seed, the same
epochs and the same batches on the first 10,000 MNIST training images, then is
evaluated on the official 10,000-image test set after every epoch.  A row *is* a
``python -m ppn train`` command: its arguments are parsed by the CLI's own parser
and the model, optimiser, schedule and random generator are built exactly as the
CLI builds them, so the command printed beside each row reproduces its numbers.

Results go to ``benchmarks/results/accuracy.json`` (merged: rerunning some rows
replaces only those) and ``accuracy.md`` (a table written from the JSON); ``--results
DIR`` writes them elsewhere, e.g. for a trial run.  The
"best" test accuracy is the maximum over epochs: chosen on the test set itself,
it is optimistic, which is why the "final" column is the one to quote.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

import harness
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import ppn
from ppn import cli, train
from ppn.nn import MLP

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_EPOCHS = 40  # the reference configuration's cosine schedule runs over 40 epochs
DEFAULT_TRAIN_SIZE = {"mnist": 10_000, "fashion-mnist": None}  # None: the whole training set

# (id, what this row changes, the `python -m ppn train` options it is).  Cumulative: each row
# of the chain keeps everything of the row before it.  Learning rates are the CLI's defaults
# per optimiser (SGD 0.1, momentum 0.05 with μ = 0.9, Adam 1e-3); nothing is tuned per row.
# Every option the CLI's defaults would otherwise set is spelled out (the defaults are row
# 7), so that each command means the same whatever the defaults become.
_OFF = "--schedule none --weight-decay 0 --augment 0 --elastic 0"
CHAIN = [
    ("0", "baseline: 784-128-10 sigmoid, Glorot init, plain SGD (lr 0.1)",
     f"--hidden 128 --activation sigmoid --optimizer sgd --lr 0.1 {_OFF}"),
    ("1", "ReLU + He initialisation",
     f"--hidden 128 --activation relu --optimizer sgd --lr 0.1 {_OFF}"),
    ("2", "momentum SGD (lr 0.05, μ 0.9)",
     f"--hidden 128 --activation relu --optimizer momentum --lr 0.05 --momentum 0.9 {_OFF}"),
    ("3", "Adam (lr 1e-3)",
     f"--hidden 128 --activation relu --optimizer adam --lr 1e-3 {_OFF}"),
    ("4", "cosine learning-rate schedule",
     "--hidden 128 --activation relu --optimizer adam --lr 1e-3 --schedule cosine "
     "--weight-decay 0 --augment 0 --elastic 0"),
    ("5", "bigger net 784-256-128-10",
     "--hidden 256,128 --activation relu --optimizer adam --lr 1e-3 --schedule cosine "
     "--weight-decay 0 --augment 0 --elastic 0"),
    ("6", "decoupled weight decay 1e-4",
     "--hidden 256,128 --activation relu --optimizer adam --lr 1e-3 --schedule cosine "
     "--weight-decay 1e-4 --augment 0 --elastic 0"),
    ("7", "random shifts of ±2 px (Simard et al. 2003): the reference configuration",
     "--hidden 256,128 --activation relu --optimizer adam --lr 1e-3 --schedule cosine "
     "--weight-decay 1e-4 --augment 2 --elastic 0"),
]  # fmt: skip
VARIANTS = [
    ("6b", "variant of 6: weight decay 1e-2 (PyTorch's AdamW default) instead of 1e-4",
     "--hidden 256,128 --activation relu --optimizer adam --lr 1e-3 --schedule cosine "
     "--weight-decay 1e-2 --augment 0 --elastic 0"),
    ("7e", "variant of 7: elastic distortions too (α 34, σ 4; Simard et al. 2003)",
     "--hidden 256,128 --activation relu --optimizer adam --lr 1e-3 --schedule cosine "
     "--weight-decay 1e-4 --augment 2 --elastic 34 --elastic-sigma 4"),
    ("7w", "variant of 7e: one hidden layer of 800 (Simard et al. 2003's MLP), 200 epochs",
     "--hidden 800 --activation relu --optimizer adam --lr 1e-3 --schedule cosine "
     "--weight-decay 1e-4 --augment 2 --elastic 34 --elastic-sigma 4"),
    ("7ws", "variant of 7w: shifts only, no elastic distortions (what they buy the wide net)",
     "--hidden 800 --activation relu --optimizer adam --lr 1e-3 --schedule cosine "
     "--weight-decay 1e-4 --augment 2 --elastic 0"),
]  # fmt: skip
ROWS = {row_id: (change, options) for row_id, change, options in CHAIN + VARIANTS}
REFERENCE_ROW = "7"


def block_name(dataset: str, train_size: int | None, images: int) -> str:
    """Where a run's rows are kept: ``mnist`` (the first 10,000), ``mnist-60000``, ``mnist-2000``…

    A data set at its usual size (``DEFAULT_TRAIN_SIZE``) keeps the data set's plain name;
    any other size is named by the number of training images actually used.
    """
    return dataset if train_size == DEFAULT_TRAIN_SIZE[dataset] else f"{dataset}-{images}"


def command_line(
    options: str, dataset: str, epochs: int, train_size: int | None, seed: int = 0
) -> str:
    """The full ``python -m ppn train`` command of a row (``--out`` left for the user).

    ``train_size`` None means every training image: the command has no ``--train-size``.
    """
    size = f" --train-size {train_size}" if train_size else ""
    return (
        f"python -m ppn train --dataset {dataset}{size} {options} --batch-size 128 "
        f"--epochs {epochs} --seed {seed} --out runs/NAME"
    )


def run_row(
    row_id: str,
    dataset: str,
    epochs: int,
    train_size: int | None,
    arrays,
    seed: int = 0,
    *,
    data_sha256: str,
) -> dict:
    """Train one row as the CLI would and return its figures (and per-epoch curves).

    ``data_sha256`` is the training data's fingerprint (``data_fingerprint``), stored with
    the figures: a figure reproduces only from the same training data, and copies of MNIST
    differ (the offline 60,000-image copy is near-exact, not the official bytes).
    """
    change, options = ROWS[row_id]
    command = command_line(options, dataset, epochs, train_size, seed)
    args = cli.build_parser().parse_args(shlex.split(command)[3:])
    (x_train, y_train), (x_test, y_test) = arrays
    # What cli.train_command does: same model, optimiser, schedule, augmentation, generator.
    config = cli.config_from_args(args)
    model = MLP([x_train.shape[1], *args.hidden, 10], activation=args.activation, rng=args.seed)
    optimizer = cli.build_optimizer(config, model)
    schedule = cli.build_schedule(config, optimizer)
    augment = cli.build_augment(config)
    rng = np.random.default_rng(args.seed)

    print(f"[{_now()}] row {row_id}, seed {seed}: {change}\n  {command}", flush=True)
    epoch_started = time.perf_counter()

    def report(epoch: int, history: train.History) -> None:
        nonlocal epoch_started
        seconds = time.perf_counter() - epoch_started
        print(
            f"  epoch {epoch + 1:3d}/{epochs}: loss {history.train_loss[-1]:.4f}, "
            f"train {history.train_accuracy[-1]:.2%}, test {history.val_accuracy[-1]:.2%} "
            f"({seconds:.1f} s)",
            flush=True,
        )
        epoch_started = time.perf_counter()

    started, cpu_started = time.perf_counter(), time.process_time()
    history = train.fit(
        model, x_train, y_train, optimizer=optimizer, epochs=args.epochs,
        batch_size=args.batch_size, validation=(x_test, y_test), rng=rng, schedule=schedule,
        augment=augment, progress=False, on_epoch_end=report,
    )  # fmt: skip
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    val = history.val_accuracy
    best = int(np.argmax(val))
    result = {
        "id": row_id,
        "seed": args.seed,
        "change": change,
        "command": command,
        "architecture": "-".join(map(str, model.sizes)),
        "parameters": model.num_parameters(),
        "epochs": args.epochs,
        "train_images": len(x_train),
        "test_images": len(x_test),
        "final_test_accuracy": round(val[-1], 4),
        "best_test_accuracy": round(val[best], 4),
        "best_epoch": best + 1,
        "final_train_accuracy": round(history.train_accuracy[-1], 4),
        "final_test_loss": round(history.val_loss[-1], 4),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "test_accuracy_per_epoch": [round(a, 4) for a in val],
        "train_loss_per_epoch": [round(v, 4) for v in history.train_loss],
        "date": _now(),
        "git_commit": _git_commit(),
        "train_data_sha256": data_sha256,
    }
    print(
        f"  → final test {val[-1]:.2%}, best {val[best]:.2%} (epoch {best + 1}), {seconds:.0f} s",
        flush=True,
    )
    return result


def load_arrays(dataset: str, train_size: int | None):
    """float32 (N, 784) images and int64 labels, as the CLI prepares them."""
    x_train, y_train, x_test, y_test = cli.load_arrays(dataset, None, train_size, download=False)
    # cli.load_arrays keeps all the images of a shorter set; here, fewer than asked is an error.
    if train_size and len(x_train) < train_size:
        raise SystemExit(f"{dataset} has only {len(x_train)} training images, not {train_size}")
    return (x_train, y_train), (x_test, y_test)


def data_fingerprint(images: np.ndarray, labels: np.ndarray) -> str:
    """The first 16 hex digits of SHA-256(images, labels): the training data a row saw."""
    digest = hashlib.sha256(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(labels).tobytes())
    return digest.hexdigest()[:16]


def environment(threads: int) -> dict:
    # The BLAS kernel (architecture) decides the order of float32 sums, so a run is
    # reproducible to the last digit only on a CPU where OpenBLAS picks the same kernel.
    blas = [f"{i['internal_api']} {i['version']} ({i.get('architecture') or 'n/a'})"
            for i in threadpool_info()]  # fmt: skip
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "ppn": ppn.__version__,
        "git_commit": _git_commit(),
        "blas": ", ".join(blas),
        "blas_threads": threads,
        "cpus": os.cpu_count(),
        "cpu": harness.cpu_model(),
        "machine": platform.machine(),
    }


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=Path(__file__).parent, check=True)  # fmt: skip
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def load_results(folder: Path = RESULTS) -> dict:
    if (folder / "accuracy.json").exists():
        return json.loads((folder / "accuracy.json").read_text())
    return {"study": "accuracy", "datasets": {}}


def save_results(results: dict, folder: Path = RESULTS) -> None:
    """Write the JSON and the Markdown table, each atomically (a reader never sees half)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in ((folder / "accuracy.json", json.dumps(results, indent=1) + "\n"),
                       (folder / "accuracy.md", markdown(results))):  # fmt: skip
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_text(text)
        os.replace(temporary, path)


def _order(row_id: str) -> tuple[int, str]:
    return int(row_id.rstrip("abcdefghijklmnopqrstuvwxyz")), row_id


def markdown(results: dict) -> str:
    """The study as Markdown: one table per data set, then the commands and the setting."""
    lines = [
        "# Accuracy study: what each improvement buys",
        "",
        "Written by `benchmarks/accuracy.py` from `accuracy.json` (do not edit by hand).",
        "Produced with:",
        "",
        "```bash",
        "export PPN_DATA_DIR=/path/to/mnist-10k",
        "python benchmarks/accuracy.py                    # the MNIST rows, seed 0",
        "python benchmarks/accuracy.py --seeds 1,2        # the same rows with other seeds",
        "python benchmarks/accuracy.py --dataset fashion-mnist --rows 6 --epochs 20",
        "python benchmarks/accuracy.py --train-size 2000 --rows 6,7,7e   # also 1000, 5000",
        "PPN_DATA_DIR=/path/to/mnist-60k python benchmarks/accuracy.py --train-size all \\",
        "    --rows 7,7e --seeds 0,1,2                     # all 60,000 images (and --rows 6)",
        "PPN_DATA_DIR=/path/to/mnist-60k python benchmarks/accuracy.py --train-size all \\",
        "    --rows 7w,7ws --epochs 200 --seeds 0,1,2     # the wide net, about 20 minutes a run",
        "```",
        "",
        "Rows 0–7 are cumulative: each adds one change to the row above it; rows with a letter",
        "are variants outside the chain.  Same seed (0), same batches (128) and the same number",
        "of epochs in every row of a table but the wide net's (rows 7w, 7ws: 200 epochs, see the",
        "epochs column).  *Final* is the test accuracy after the last epoch;",
        "*best* is the maximum over the epochs, chosen on the test set itself and therefore",
        "optimistic.  The last column repeats a row with other seeds (in brackets): it shows",
        "how much of a difference between two rows is the luck of the draw rather than the",
        "change itself.  Times are wall-clock seconds for training plus one test evaluation per",
        "epoch, on a 2-core machine running two such trainings at once: compare them roughly.",
        "",
    ]
    for dataset, block in sorted(results.get("datasets", {}).items(), key=_block_order):
        rows = sorted(block["rows"].values(), key=lambda r: _order(r["id"]))
        lines += [f"## {block_title(dataset, block)}", ""]
        lines += [
            "| row | change | net | epochs | final test acc. | best (epoch) | train acc. "
            "| time (s) | final, other seeds |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            others = sorted(r.get("other_seeds", {}).values(), key=lambda o: o["seed"])
            spread = ", ".join(
                f"{100 * o['final_test_accuracy']:.2f} % ({o['seed']})" for o in others
            )
            lines.append(
                f"| {r['id']} | {r['change']} | {r['architecture']} | {r['epochs']} "
                f"| **{100 * r['final_test_accuracy']:.2f} %** "
                f"| {100 * r['best_test_accuracy']:.2f} % ({r['best_epoch']}) "
                f"| {100 * r['final_train_accuracy']:.2f} % | {r['seconds']:.0f} "
                f"| {spread or '–'} |"
            )
        lines += [
            "",
            "Each row as a command (choose `--out`; add `--no-progress`).  The study limits BLAS",
            "to one thread; run the command under `OPENBLAS_NUM_THREADS=1` to get its figures to",
            "the last digit, on a CPU where OpenBLAS picks the kernel named below (with two",
            "threads, or another kernel, OpenBLAS sums the float32 products in another order and",
            "the accuracies differ in the last digits).",
            "",
        ]
        for r in rows:
            lines.append(f"- row {r['id']}: `{r['command']}`")
        env = block.get("environment", {})
        seed_zero = [r.get("git_commit", "?") for r in rows]
        others = [o.get("git_commit", "?") for r in rows for o in r.get("other_seeds", {}).values()]
        commits = list(dict.fromkeys(seed_zero)) + [
            f"{c} (other seeds)" for c in dict.fromkeys(others) if c not in seed_zero
        ]
        lines += [
            "",
            f"Measured {block.get('date', '?')} with Python {env.get('python', '?')}, "
            f"numpy {env.get('numpy', '?')}, ppn {env.get('ppn', '?')} "
            f"(commits {', '.join(commits)}), {env.get('blas', '?')} limited to "
            f"{env.get('blas_threads', '?')} thread(s), {env.get('cpus', '?')} CPUs "
            f"({env.get('cpu', 'model not recorded')}).",
        ]
        fingerprints = {o.get("train_data_sha256") for r in rows
                        for o in (r, *r.get("other_seeds", {}).values())}  # fmt: skip
        lines += [
            "Training data (SHA-256 of images and labels, first 16 hex digits): "
            + ", ".join(sorted(f or "not recorded" for f in fingerprints))
            + ".",
            "",
        ]
    lines += sizes_summary(results)
    return "\n".join(lines)


def _block_order(item) -> tuple:
    name, block = item
    images = {r["train_images"] for r in block["rows"].values()}
    return (name.split("-")[0] != "mnist", name.startswith("fashion"), min(images, default=0))


def block_title(name: str, block: dict) -> str:
    """The heading of a block: which data set, how many of its training images."""
    images = min((r["train_images"] for r in block["rows"].values()), default=0)
    if name == "fashion-mnist":
        return f"Fashion-MNIST: all {images:,} training images, the 10,000 test images"
    which = "all" if images == 60_000 else "the first"
    return f"MNIST: {which} {images:,} training images, the official 10,000 test images"


def size_curves(results: dict, dataset: str = "mnist") -> dict[str, dict[int, list[float]]]:
    """curves[row id][training images] = the final test accuracies of its seeds."""
    curves: dict[str, dict[int, list[float]]] = {}
    for name, block in results.get("datasets", {}).items():
        if name != dataset and not name.startswith(f"{dataset}-"):
            continue
        for r in block["rows"].values():
            seeds = [r["final_test_accuracy"]]
            seeds += [o["final_test_accuracy"] for o in r.get("other_seeds", {}).values()]
            curves.setdefault(r["id"], {})[r["train_images"]] = seeds
    return {row: curve for row, curve in curves.items() if len(curve) > 1}


def sizes_summary(results: dict) -> list[str]:
    """A table: each row measured at several training-set sizes, mean test accuracy per size."""
    curves = size_curves(results)
    if not curves:
        return []
    sizes = sorted({n for curve in curves.values() for n in curve})
    lines = [
        "## Test accuracy against the size of the training set (MNIST)",
        "",
        "Mean final test accuracy over the seeds run (their number in brackets), from the",
        "tables above; the same 40 epochs at every size (200 for the wide net of rows 7w and",
        "7ws), so a small set gets fewer steps.",
        "",
        "| row | " + " | ".join(f"{n:,} images" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for row in sorted(curves, key=_order):
        cells = [
            f"{100 * np.mean(curves[row][n]):.2f} % ({len(curves[row][n])})"
            if n in curves[row]
            else "–"
            for n in sizes
        ]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=["mnist", "fashion-mnist"], default="mnist")
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated row ids")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    parser.add_argument(
        "--train-size",
        help="first N training images, or 'all' (default: mnist 10000, fashion-mnist all)",
    )
    parser.add_argument(
        "--seeds", default="0", help="seeds, e.g. 0,1,2 (seed 0 is the study; others its spread)"
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--report", action="store_true", help="only rewrite the .md from the .json")
    parser.add_argument("--results", type=Path, default=RESULTS, help="results folder")
    args = parser.parse_args(argv)
    results = load_results(args.results)
    if args.report:
        save_results(results, args.results)
        return 0
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose among {', '.join(ROWS)}")
    train_size = _train_size(parser, args.train_size, args.dataset)
    arrays = load_arrays(args.dataset, train_size)
    name = block_name(args.dataset, train_size, len(arrays[0][0]))
    print(
        f"[{_now()}] {args.dataset}: {len(arrays[0][0])} training images, "
        f"{len(arrays[1][0])} test images; rows {rows}, {args.epochs} epochs, "
        f"{args.threads} BLAS thread(s)",
        flush=True,
    )
    seeds = [int(seed) for seed in args.seeds.split(",")]
    data_sha256 = data_fingerprint(*arrays[0])  # once: every row trains on the same arrays
    with threadpool_limits(args.threads):
        for seed in seeds:
            for row_id in rows:
                result = run_row(
                    row_id,
                    args.dataset,
                    args.epochs,
                    train_size,
                    arrays,
                    seed,
                    data_sha256=data_sha256,
                )
                results = load_results(args.results)  # re-read: another run may have added rows
                block = results["datasets"].setdefault(name, {"rows": {}})
                store(block, result)
                block["environment"] = environment(args.threads)
                save_results(results, args.results)
    return 0


def _train_size(parser, text: str | None, dataset: str) -> int | None:
    """--train-size as a number of images, None for all of them."""
    if text is None:
        return DEFAULT_TRAIN_SIZE[dataset]
    if text == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        parser.error(f"--train-size: expected a positive number or 'all', got {text!r}")
    return int(text)


def same(a: dict, b: dict) -> bool:
    """Whether two results ran the same command but for the seed, on the same training data."""
    return a["command"].replace(f"--seed {a.get('seed', 0)} ", "") == b["command"].replace(
        f"--seed {b.get('seed', 0)} ", ""
    ) and a.get("train_data_sha256") == b.get("train_data_sha256")


def store(block: dict, result: dict) -> None:
    """Seed 0 is the row itself; another seed goes to the row's ``other_seeds`` (its spread).

    A row's other seeds are kept when seed 0 is rerun with the same command, else dropped.
    Another seed that finishes before seed 0 waits in the block's ``pending`` until it comes.
    """
    row_id, seed = result["id"], result["seed"]
    rows = block["rows"]
    if seed == 0:
        old = rows.get(row_id)
        spread = {}
        if old is not None:
            spread = {k: v for k, v in old.get("other_seeds", {}).items() if same(v, result)}
        rows[row_id] = {**result, "other_seeds": spread}
        block["date"] = result["date"][:10]
        for waiting in block.get("pending", {}).pop(row_id, {}).values():
            store(block, waiting)
        if not block.get("pending", True):
            del block["pending"]
        return
    if row_id not in rows:
        # Seeds run in parallel may finish before seed 0: kept whole until it arrives.
        block.setdefault("pending", {}).setdefault(row_id, {})[str(seed)] = result
        return
    if not same(rows[row_id], result):
        raise SystemExit(
            f"row {row_id}: seed 0 ran other options or other training data; rerun seed 0 too"
        )
    keep = ("seed", "command", "final_test_accuracy", "best_test_accuracy", "best_epoch",
            "final_train_accuracy", "seconds", "date", "git_commit",
            "train_data_sha256")  # fmt: skip
    rows[row_id].setdefault("other_seeds", {})[str(seed)] = {k: result[k] for k in keep}


if __name__ == "__main__":
    sys.exit(main())
