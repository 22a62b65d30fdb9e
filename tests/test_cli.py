"""``python -m ppn``: train, evaluate, predict end to end; interrupted runs; one-line errors."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ppn import cli, data
from ppn.checkpoint import load_model


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_dataset(tmp_path) -> Path:
    """Ten classes of 12×… synthetic 'digits': class k lights up row band k; learnable fast."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "tiny"
    folder.mkdir()
    for prefix, n in (("train", 300), ("t10k", 100)):
        labels = rng.integers(0, 10, size=n)
        images = rng.integers(0, 40, size=(n, 28, 28))
        for image, label in zip(images, labels, strict=True):
            image[2 + 2 * label : 4 + 2 * label, 4:24] = 255
        _write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return folder


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ppn", *args], capture_output=True, text=True, timeout=300
    )


def test_train_evaluate_predict_on_a_tiny_dataset(tiny_dataset, tmp_path):
    out = tmp_path / "run"
    result = run_cli(
        "train",
        "--data-dir",
        str(tiny_dataset),
        "--hidden",
        "32",
        "--epochs",
        "5",
        "--lr",
        "0.01",
        # No augmentation: the tiny data set's classes are bands 2 pixels apart, which a
        # shift or a distortion would confuse.
        "--augment",
        "0",
        "--elastic",
        "0",
        "--out",
        str(out),
        "--no-progress",
    )
    assert result.returncode == 0, result.stderr
    for name in (
        "model.npz",
        "checkpoint.npz",
        "history.json",
        "history.csv",
        "curves.png",
        "confusion.png",
        "config.json",
    ):
        assert (out / name).stat().st_size > 0, name
    history = json.loads((out / "history.json").read_text())
    assert len(history["epoch"]) == 5 and history["val_accuracy"][-1] > 0.9
    assert "epoch 5/5" in result.stderr and "test accuracy" in result.stdout

    result = run_cli("evaluate", str(out / "model.npz"), "--data-dir", str(tiny_dataset))
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout and "confusion matrix" in result.stdout

    # A class-3 'digit', drawn as dark ink on white paper at 3× size, in colour.
    (_, _), (x_test, y_test) = data.load_mnist(tiny_dataset, download=False)
    k = int(np.flatnonzero(y_test == 3)[0])
    paper = 255 - np.kron(np.where(x_test[k] == 255, 255, 0), np.ones((3, 3))).astype(np.uint8)
    Image.fromarray(np.stack([paper] * 3, axis=-1)).save(tmp_path / "digit.png")
    result = run_cli("predict", str(out / "model.npz"), str(tmp_path / "digit.png"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("digit: ") and len(lines) == 11
    probabilities = [float(line.split(":")[1]) for line in lines[1:]]
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evaluate", "absent.npz"], "no such file"),
        (["predict", "absent.npz", "x.png"], "no such file"),
        (["train", "--out", "{tmp}/r", "--data-dir", "{tmp}/empty"], "PPN_DATA_DIR"),
        (["train", "--out", "{tmp}/r", "--resume"], "nothing to resume"),
    ],
)
def test_errors_are_one_line(tmp_path, args, message, monkeypatch, capsys):
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(data, "MNIST_MIRRORS", ())  # never the network
    monkeypatch.setenv("PPN_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    status = cli.main([a.replace("{tmp}", str(tmp_path)) for a in args])
    error = capsys.readouterr().err
    assert status == 1
    assert message in error and "Traceback" not in error
    assert error.startswith("ppn ")


def test_the_defaults_are_the_best_recipe_and_the_plain_network_is_one_line_away():
    parse = cli.build_parser().parse_args
    best = cli.config_from_args(parse(["train", "--out", "runs/d"]))
    assert {k: best[k] for k in ("hidden", "activation", "optimizer", "lr", "schedule",
                                 "weight_decay", "augment", "elastic", "batch_size",
                                 "epochs", "seed")} == {
        "hidden": [256, 128], "activation": "relu", "optimizer": "adam", "lr": 1e-3,
        "schedule": "cosine", "weight_decay": 1e-4, "augment": 2, "elastic": 0.0,
        "batch_size": 128, "epochs": 40, "seed": 0,
    }  # fmt: skip
    plain = cli.config_from_args(parse(["train", *cli.PLAIN_NETWORK.split(), "--out", "p"]))
    assert [plain[k] for k in ("hidden", "activation", "optimizer", "lr")] == [
        [128], "sigmoid", "sgd", 0.1
    ]  # fmt: skip
    assert plain["schedule"] == "none" and plain["weight_decay"] == plain["augment"] == 0
    assert cli.build_augment(plain) is None and cli.build_schedule(plain, None) is None
    assert f"python -m ppn train {cli.PLAIN_NETWORK}" in cli.TRAIN_EPILOG  # --help shows it


def test_bad_arguments_exit_2_with_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--hidden", "abc", "--out", "x"])
    assert exit_info.value.code == 2
    assert "expected sizes like 256,128" in capsys.readouterr().err


def test_predict_rejects_a_file_that_is_not_an_image(tiny_dataset, tmp_path, capsys):
    from ppn.checkpoint import save_model
    from ppn.nn import MLP

    save_model(MLP([784, 8, 10], rng=0), tmp_path / "m.npz")
    (tmp_path / "x.png").write_text("not a picture")
    assert cli.main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "x.png")]) == 1
    assert "not an image" in capsys.readouterr().err


def _train_args(data_dir: Path, out: Path) -> list[str]:
    return [
        "train",
        "--data-dir",
        str(data_dir),
        "--train-size",
        "3000",
        "--hidden",
        "32",
        "--epochs",
        "4",
        "--batch-size",
        "32",
        "--augment",
        "1",
        "--elastic",  # so that resuming is checked to reproduce the distortions' draws too
        "20",
        "--schedule",
        "cosine",
        "--out",
        str(out),
        "--no-progress",
    ]


def _interrupt(data_dir: Path, out: Path, sig: int) -> subprocess.CompletedProcess:
    """Start a run, wait for its first checkpoint, then send ``sig`` in the middle of epoch 2."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ppn", *_train_args(data_dir, out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.npz").exists():
        assert process.poll() is None and time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    time.sleep(0.1)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def straight_run(mnist_dir, tmp_path_factory) -> Path:
    """The same training run left uninterrupted, trained once for every kind of interruption."""
    out = tmp_path_factory.mktemp("straight")
    straight = run_cli(*_train_args(mnist_dir, out))
    assert straight.returncode == 0, straight.stderr
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_an_interrupted_run_resumes_to_the_same_weights(mnist_dir, straight_run, tmp_path, sig):
    stopped = _interrupt(mnist_dir, tmp_path / "stopped", sig)
    if sig == signal.SIGINT and stopped.returncode == 130:
        assert "--resume" in stopped.stderr
    else:  # SIGKILL, or SIGINT landing after the last epoch
        assert stopped.returncode in (-signal.SIGKILL, 0, 130)
    resumed = run_cli("train", "--resume", "--out", str(tmp_path / "stopped"), "--no-progress")
    if stopped.returncode == 0:
        assert "already finished" in resumed.stderr
    else:
        assert resumed.returncode == 0, resumed.stderr
    a = load_model(straight_run / "model.npz")
    b = load_model(tmp_path / "stopped" / "model.npz")
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    history = json.loads((tmp_path / "stopped" / "history.json").read_text())
    assert history["epoch"] == [1, 2, 3, 4]


# A process that kills itself (SIGKILL, as the machine or the user would) at the moment it
# starts writing model.npz: after the last epoch's checkpoint, before the model.  Patching
# the writer puts the kill in that window every time, with no race against a timer.
_KILLED_BEFORE_THE_MODEL = """
import os, signal, sys
from ppn import checkpoint, cli
checkpoint.save_model = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
sys.exit(cli.main(sys.argv[1:]))
"""


def test_a_run_killed_before_writing_its_model_resumes_to_write_it(
    mnist_dir, straight_run, tmp_path
):
    out = tmp_path / "killed"
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_BEFORE_THE_MODEL, *_train_args(mnist_dir, out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (out / "checkpoint.npz").exists() and not (out / "model.npz").exists()
    resumed = run_cli("train", "--resume", "--out", str(out), "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    assert "writing it now" in resumed.stderr and "model saved" in resumed.stdout
    a = load_model(straight_run / "model.npz")
    b = load_model(out / "model.npz")
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    for name in ("history.json", "history.csv", "curves.png", "confusion.png"):
        assert (out / name).exists(), name
    assert json.loads((out / "history.json").read_text())["epoch"] == [1, 2, 3, 4]
    again = run_cli("train", "--resume", "--out", str(out), "--no-progress")
    assert again.returncode == 1 and "already finished" in again.stderr
