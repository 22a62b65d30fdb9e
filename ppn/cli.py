"""The command line: ``python -m ppn train | evaluate | predict | export``.

    python -m ppn train --out runs/mlp                   # the course's recipe (row 7)
    python -m ppn train --resume --out runs/mlp          # continue an interrupted run
    python -m ppn evaluate runs/mlp/model.npz
    python -m ppn predict runs/mlp/model.npz digit.png
    python -m ppn export runs/mlp/model.npz model.json    # the weights for a web page

Every error is one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from . import checkpoint, data, handwriting, optim, train
from .nn import MLP

DATASETS = {"mnist": data.load_mnist, "fashion-mnist": data.load_fashion_mnist}
OPTIMIZERS = {"sgd": optim.SGD, "momentum": optim.Momentum, "adam": optim.Adam}
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 1e-3}
ELASTIC_ALPHA = 34.0  # Simard et al.'s strength for MNIST, with their sigma of 4 pixels
CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": "T-shirt Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag Boot".split(),
}


# The source's plain network (the accuracy study's row 0), for `train --help` and the README.
PLAIN_NETWORK = (
    "--hidden 128 --activation sigmoid --optimizer sgd --lr 0.1 --schedule none "
    "--weight-decay 0 --augment 0 --elastic 0"
)
# The study's row 7w: one hidden layer of 800 (Simard et al. 2003), elastic distortions too.
WIDE_NETWORK = f"--hidden 800 --elastic {ELASTIC_ALPHA:g} --elastic-sigma 4 --epochs 200"
TRAIN_EPILOG = f"""\
The defaults are row 7 of the accuracy study (the book's appendix): 784-256-128-10 ReLU,
Adam 1e-3 with a cosine schedule over 40 epochs, weight decay 1e-4, batches of 128 and
random shifts of up to 2 pixels.  With seed 0 it reaches 97.55 % from the first 10,000
MNIST images and 99.04 % from all 60,000.  Elastic distortions (--elastic {ELASTIC_ALPHA:g})
are off by default: they make an epoch about twice as long and buy this network little
in 40 epochs (0.15 points from 10,000 images, 0.03 from 60,000).  The most accurate
recipe measured (row 7w, 99.29 % from all 60,000 images, mean of 3 seeds) is a wider
network with the elastic distortions, trained five times as long:

  python -m ppn train {WIDE_NETWORK} --out runs/wide

Every part can be turned off; the source's plain network (sigmoid, plain SGD, no
augmentation) is

  python -m ppn train {PLAIN_NETWORK} --out runs/plain
"""


class CommandError(Exception):
    """A problem the user can fix; its message is printed as one line."""


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 256,128, got {text!r}") from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _number(kind, accept, requirement: str):
    """An argparse type: ``kind(text)``, refused with ``requirement`` unless ``accept(value)``."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text}")
        return value

    return parse


def _positive(kind):
    return _number(kind, lambda value: value > 0, "positive")


def _non_negative(kind):
    return _number(kind, lambda value: value >= 0, "0 or more")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ppn", description="Train and use ppn's MLPs on MNIST and Fashion-MNIST."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    t = commands.add_parser(
        "train", help="train an MLP and save it with its curves", epilog=TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    t.add_argument("--dataset", choices=sorted(DATASETS), default="mnist", help="data set")
    t.add_argument("--data-dir", help="folder holding the four IDX files (default: PPN_DATA_DIR)")
    t.add_argument("--hidden", type=_sizes, default=[256, 128],
                   help="hidden layer sizes (default: 256,128)")  # fmt: skip
    t.add_argument("--activation", choices=["relu", "tanh", "sigmoid"], default="relu",
                   help="hidden activation (default: relu)")  # fmt: skip
    t.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
                   help="default: adam")  # fmt: skip
    t.add_argument("--lr", type=_positive(float),
                   help="learning rate (default: sgd 0.1, momentum 0.05, adam 1e-3)")  # fmt: skip
    t.add_argument("--momentum", type=float, default=0.9, help="momentum (optimizer momentum)")
    t.add_argument("--weight-decay", type=_non_negative(float), default=1e-4,
                   help="decoupled weight decay λ (default: 1e-4; 0: none)")  # fmt: skip
    t.add_argument("--schedule", choices=["none", "cosine", "step"], default="cosine",
                   help="learning-rate schedule over the epochs (default: cosine)")  # fmt: skip
    t.add_argument("--augment", type=_non_negative(int), default=2, metavar="PIXELS",
                   help="random shifts of up to PIXELS pixels (default: 2; 0: none)")  # fmt: skip
    t.add_argument("--elastic", type=_non_negative(float), default=0.0, metavar="ALPHA",
                   help="elastic distortions of strength ALPHA pixels (Simard et al. 2003 used "
                   f"{ELASTIC_ALPHA:g}; default: 0, none)")  # fmt: skip
    t.add_argument("--elastic-sigma", type=_positive(float), default=4.0, metavar="SIGMA",
                   help="smoothness of the distortions, in pixels (default: 4)")  # fmt: skip
    t.add_argument("--batch-size", type=_positive(int), default=128, help="default: 128")
    t.add_argument("--epochs", type=_positive(int), default=40, help="default: 40")
    t.add_argument("--train-size", type=_positive(int), help="use only the first N training images")
    t.add_argument("--seed", type=int, default=0, help="seed of initialisation and shuffling")
    t.add_argument("--out", type=Path, required=True, help="output folder, e.g. runs/mlp")
    t.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    t.add_argument("--replay", action=argparse.BooleanOptionalAction, default=None,
                   help="replay each batch shape's recorded step in buffers allocated once "
                   "(ppn.replay: the same weights, faster); default: whenever the model, loss "
                   "and optimiser allow it")  # fmt: skip
    t.add_argument("--threads", type=_positive(int), default=1,
                   help="BLAS threads (default 1: for these small matrices more threads rarely "
                   "help, and the last digits of float32 results depend on the count)")  # fmt: skip

    e = commands.add_parser("evaluate", help="accuracy, per-class accuracy, confusion matrix")
    e.add_argument("model", type=Path, help="a model.npz written by train")
    e.add_argument("--dataset", choices=sorted(DATASETS), help="default: the model's own")
    e.add_argument("--data-dir", help="folder holding the four IDX files (default: PPN_DATA_DIR)")

    p = commands.add_parser("predict", help="read the digit in a PNG image")
    p.add_argument("model", type=Path, help="a model.npz written by train")
    p.add_argument("image", type=Path, help="a PNG (or JPEG) of one digit, any size, any colours")

    x = commands.add_parser("export", help="write a model as compact JSON for a web page")
    x.add_argument("model", type=Path, help="a model.npz written by train")
    x.add_argument("out", type=Path, help="the JSON file to write, e.g. model.json")
    return parser


def _load_data(dataset: str, data_dir, download: bool = True):
    return DATASETS[dataset](data_dir, download=download)


def load_arrays(dataset: str, data_dir=None, train_size: int | None = None, download: bool = True):
    """(x_train, y_train, x_test, y_test) as ``train`` uses them: float32 rows, int64 labels.

    ``train_size`` keeps only the first that many training images (all when None or 0).
    """
    (x_train, y_train), (x_test, y_test) = _load_data(dataset, data_dir, download)
    if train_size:
        x_train, y_train = x_train[:train_size], y_train[:train_size]
    x_train, x_test = data.to_float(x_train, flatten=True), data.to_float(x_test, flatten=True)
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    return x_train, y_train, x_test, y_test


def config_from_args(args) -> dict:
    """The training configuration (what config.json holds) from parsed ``train`` arguments."""
    return {
        "dataset": args.dataset,
        "data_dir": args.data_dir,
        "hidden": args.hidden,
        "activation": args.activation,
        "optimizer": args.optimizer,
        "lr": args.lr if args.lr is not None else DEFAULT_LR[args.optimizer],
        "momentum": args.momentum,
        "weight_decay": args.weight_decay,
        "schedule": args.schedule,
        "augment": args.augment,
        "elastic": args.elastic,
        "elastic_sigma": args.elastic_sigma,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "train_size": args.train_size,
        "seed": args.seed,
    }


def build_optimizer(config: dict, model):
    """The optimiser a configuration names, over the model's parameters."""
    kind = config["optimizer"]
    options = {"lr": config["lr"], "weight_decay": config["weight_decay"]}
    if kind == "momentum":
        options["momentum"] = config["momentum"]
    return OPTIMIZERS[kind](model.parameters(), **options)


def build_schedule(config: dict, optimizer):
    """The learning-rate schedule a configuration names (None for a constant rate)."""
    if config["schedule"] == "cosine":
        return optim.CosineSchedule(optimizer, config["epochs"])
    if config["schedule"] == "step":
        return optim.StepSchedule(optimizer, every=max(1, config["epochs"] // 3), gamma=0.1)
    return None


def build_augment(config: dict):
    """The batch transformation a configuration names: elastic distortions, shifts, both, None.

    A configuration written before elastic distortions existed has none.
    """
    pixels, alpha = config["augment"], config.get("elastic", 0)
    sigma = config.get("elastic_sigma", 4.0)
    if not alpha:
        return functools.partial(data.random_shift, max_shift=pixels) if pixels else None
    if not pixels:
        return functools.partial(data.elastic_distortion, alpha=alpha, sigma=sigma)

    def distort_and_shift(images, rng):
        distorted = data.elastic_distortion(images, rng, alpha=alpha, sigma=sigma)
        return data.random_shift(distorted, rng, max_shift=pixels)

    return distort_and_shift


def train_command(args) -> int:
    out: Path = args.out
    if args.resume:
        saved = out / "checkpoint.npz"
        if not saved.exists():
            raise CommandError(f"nothing to resume: {saved} does not exist")
        model, _, optimizer_state, done, rng, history_dict, config = checkpoint.load_checkpoint(
            saved
        )
        history = train.History.from_dict(history_dict)
        if done >= config["epochs"]:
            # model.npz is written last (see _write_results): without it, the run was
            # stopped after its last checkpoint but before its results were all written.
            if (out / "model.npz").exists():
                raise CommandError(
                    f"the run in {out} already finished its {config['epochs']} epochs"
                )
            return _finish(out, model, history, config)
    else:
        if (out / "checkpoint.npz").exists():
            raise CommandError(
                f"{out} already holds a run: continue it with --resume, or choose another --out"
            )
        config = config_from_args(args)
        model, done, rng = None, 0, np.random.default_rng(config["seed"])
        history = train.History()

    x_train, y_train, x_test, y_test = load_arrays(
        config["dataset"], config["data_dir"], config["train_size"]
    )
    sizes = [x_train.shape[1], *config["hidden"], 10]
    if model is None:
        model = MLP(sizes, activation=config["activation"], rng=config["seed"])
    optimizer = build_optimizer(config, model)
    # The schedule is built before the state is loaded: its base rate is the configured one.
    schedule = build_schedule(config, optimizer)
    if args.resume:
        optimizer.load_state_dict(optimizer_state)

    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=1))
    architecture = "-".join(map(str, model.sizes))
    print(
        f"training a {architecture} {model.activation} MLP on {len(x_train)} "
        f"{config['dataset']} images "
        f"({config['optimizer']}, lr {config['lr']:g}, {config['epochs']} epochs) → {out}",
        file=sys.stderr,
    )
    augment = build_augment(config)

    def on_epoch_end(epoch: int, history: train.History) -> None:
        """Save a checkpoint, report the epoch, and restart the epoch's timer."""
        nonlocal started
        checkpoint.save_checkpoint(out / "checkpoint.npz", model, optimizer, epoch=epoch + 1,
                                   rng=rng, history=history, config=config)  # fmt: skip
        seconds = time.perf_counter() - started
        print(
            f"epoch {epoch + 1}/{config['epochs']}: loss {history.train_loss[-1]:.4f}, "
            f"train accuracy {history.train_accuracy[-1]:.2%}, "
            f"test accuracy {history.val_accuracy[-1]:.2%} "
            f"({len(x_train) / seconds:,.0f} images/s)",
            file=sys.stderr,
        )
        started = time.perf_counter()

    started = time.perf_counter()
    try:
        fit_epochs = config["epochs"] - done
        with threadpool_limits(args.threads):
            train.fit(
                model, x_train, y_train, optimizer=optimizer, epochs=fit_epochs,
                batch_size=config["batch_size"], validation=(x_test, y_test), rng=rng,
                schedule=schedule, augment=augment, progress=not args.no_progress,
                on_epoch_end=on_epoch_end, history=history, start_epoch=done,
                replay=args.replay,
            )  # fmt: skip
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the epochs finished so far are saved in {out / 'checkpoint.npz'}; "
            f"continue with: python -m ppn train --resume --out {out}",
            file=sys.stderr,
        )
        return 130
    _write_results(out, model, history, x_test, y_test, config["dataset"])
    print(f"test accuracy {history.val_accuracy[-1]:.2%}; model saved to {out / 'model.npz'}")
    return 0


def _finish(out: Path, model, history, config: dict) -> int:
    """Write the results of a run whose every epoch is in its checkpoint."""
    _, _, x_test, y_test = load_arrays(config["dataset"], config["data_dir"], train_size=1)
    print(f"the run in {out} had finished its {config['epochs']} epochs but not written its "
          "model: writing it now", file=sys.stderr)  # fmt: skip
    _write_results(out, model, history, x_test, y_test, config["dataset"])
    print(f"test accuracy {history.val_accuracy[-1]:.2%}; model saved to {out / 'model.npz'}")
    return 0


def _write_results(out: Path, model, history, x_test, y_test, dataset: str) -> None:
    """History, curves, confusion matrix, then the model: model.npz last marks a finished run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plots

    history.to_json(out / "history.json")
    history.to_csv(out / "history.csv")
    fig = plots.plot_history(history)
    fig.savefig(out / "curves.png", dpi=100)
    plt.close(fig)
    predictions = train.predict_logits(model, x_test).argmax(axis=1)
    fig = plots.plot_confusion_matrix(
        train.confusion_matrix(y_test, predictions), class_names=CLASS_NAMES[dataset]
    )
    fig.savefig(out / "confusion.png", dpi=100)
    plt.close(fig)
    checkpoint.save_model(model, out / "model.npz")


def evaluate_command(args) -> int:
    model = checkpoint.load_model(args.model)
    config_file = args.model.parent / "config.json"
    dataset = args.dataset or (
        json.loads(config_file.read_text())["dataset"] if config_file.exists() else "mnist"
    )
    _, (x_test, y_test) = _load_data(dataset, args.data_dir)
    x_test, y_test = data.to_float(x_test, flatten=True), y_test.astype(np.int64)
    if x_test.shape[1] != model.sizes[0]:
        raise CommandError(
            f"the model takes {model.sizes[0]} inputs; {dataset} has {x_test.shape[1]}"
        )
    predictions = train.predict_logits(model, x_test).argmax(axis=1)
    matrix = train.confusion_matrix(y_test, predictions)
    names = CLASS_NAMES[dataset]
    print(
        f"{dataset} test set: {len(y_test)} images, accuracy {np.mean(predictions == y_test):.2%}"
    )
    per_class = train.per_class_accuracy(matrix)
    print("per class: " + ", ".join(f"{n} {a:.1%}" for n, a in zip(names, per_class, strict=True)))
    print("confusion matrix (rows: true class, columns: predicted):")
    print("      " + "".join(f"{name[:5]:>6}" for name in names))
    for name, row in zip(names, matrix, strict=True):
        print(f"{name[:5]:>6}" + "".join(f"{n:6d}" for n in row))
    return 0


def predict_command(args) -> int:
    from PIL import Image, UnidentifiedImageError

    model = checkpoint.load_model(args.model)
    if model.sizes[0] != 784:
        raise CommandError(f"the model takes {model.sizes[0]} inputs, not a 28×28 image")
    try:
        with Image.open(args.image) as image:
            pixels = np.asarray(image.convert("RGBA"))
    except FileNotFoundError:
        raise CommandError(f"{args.image}: no such file") from None
    except (UnidentifiedImageError, OSError) as error:
        raise CommandError(f"{args.image}: not an image Pillow can read ({error})") from None
    reading = handwriting.read_digit(model, pixels)  # the same path as the book's pad
    print(f"digit: {reading.label}")
    for label, p in enumerate(reading.probabilities):
        print(f"  {label}: {p:.4f}")
    return 0


def export_command(args) -> int:
    model = checkpoint.load_model(args.model)
    if args.out.suffix.lower() != ".json":
        raise CommandError(f"{args.out}: the output must be a .json file")
    try:
        checkpoint.export_json(model, args.out)
    except OSError as error:
        raise CommandError(f"{args.out}: cannot write it ({error.strerror or error})") from None
    architecture = "-".join(map(str, model.sizes))
    print(
        f"{architecture} {model.activation} MLP written to {args.out} "
        f"({args.out.stat().st_size:,} bytes)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 failed, 2 bad arguments, 130 Ctrl-C)."""
    args = build_parser().parse_args(argv)
    command = {
        "train": train_command,
        "evaluate": evaluate_command,
        "predict": predict_command,
        "export": export_command,
    }
    try:
        return command[args.command](args)
    except (CommandError, data.DatasetNotFoundError, checkpoint.ModelFileError,
            FileNotFoundError, ValueError, train.DivergenceError) as error:  # fmt: skip
        print(f"ppn {args.command}: error: {error}", file=sys.stderr)
        return 1
