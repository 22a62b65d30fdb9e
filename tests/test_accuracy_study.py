"""benchmarks/accuracy.py: its rows are CLI commands, row 7 is the plain command's recipe,
results of other sizes and seeds are kept apart and merged in any order."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest

from ppn import cli

_PATH = Path(__file__).parents[1] / "benchmarks" / "accuracy.py"
sys.path.insert(0, str(_PATH.parent))  # its sibling harness.py, as when run as a script
_SPEC = importlib.util.spec_from_file_location("accuracy_study", _PATH)
accuracy = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(accuracy)


def _config(command: str) -> dict:
    args = cli.build_parser().parse_args(shlex.split(command)[3:])
    return cli.config_from_args(args)


def test_row_7_is_what_the_plain_command_trains():
    """The study's row 7 on all 60,000 images is `python -m ppn train --out runs/NAME`."""
    row = accuracy.command_line(accuracy.ROWS["7"][1], "mnist", 40, None)
    assert _config(row) == _config("python -m ppn train --out runs/NAME")
    assert _config(row.replace("--elastic 0", "--elastic 34")) == _config(
        accuracy.command_line(accuracy.ROWS["7e"][1], "mnist", 40, None)
    )


def test_the_wide_command_of_train_help_is_row_7w():
    """`train --help` gives the most accurate recipe measured as a command: row 7w's."""
    assert f"python -m ppn train {cli.WIDE_NETWORK} --out runs/wide" in cli.TRAIN_EPILOG
    row = accuracy.command_line(accuracy.ROWS["7w"][1], "mnist", 200, None)
    assert _config(row) == _config(f"python -m ppn train {cli.WIDE_NETWORK} --out runs/NAME")


def test_each_row_spells_out_every_augmentation_and_regulariser():
    for row_id, (_, options) in accuracy.ROWS.items():
        for option in ("--schedule", "--weight-decay", "--augment", "--elastic"):
            assert option in options, (row_id, option)
    baseline = _config(accuracy.command_line(accuracy.ROWS["0"][1], "mnist", 40, 10_000))
    assert baseline["augment"] == baseline["elastic"] == baseline["weight_decay"] == 0
    assert baseline["schedule"] == "none" and baseline["train_size"] == 10_000


def test_sizes_have_their_own_blocks_and_commands():
    assert accuracy.block_name("mnist", 10_000, 10_000) == "mnist"
    assert accuracy.block_name("mnist", None, 60_000) == "mnist-60000"
    assert accuracy.block_name("mnist", 2000, 2000) == "mnist-2000"
    assert accuracy.block_name("fashion-mnist", None, 60_000) == "fashion-mnist"
    assert "--train-size 2000 " in accuracy.command_line("--hidden 8", "mnist", 3, 2000)
    assert "--train-size" not in accuracy.command_line("--hidden 8", "mnist", 3, None)


def _result(row_id: str, seed: int, final: float) -> dict:
    command = accuracy.command_line(accuracy.ROWS[row_id][1], "mnist", 40, 1000, seed)
    return {"id": row_id, "seed": seed, "command": command, "final_test_accuracy": final,
            "best_test_accuracy": final, "best_epoch": 40, "final_train_accuracy": 1.0,
            "seconds": 1.0, "date": "2026-12-03T12:00:00", "git_commit": "x",
            "train_images": 1000, "train_data_sha256": None}  # fmt: skip


def test_a_seed_that_finishes_before_seed_0_waits_for_it():
    block = {"rows": {}}
    accuracy.store(block, _result("7", 1, 0.91))
    assert block["rows"] == {} and "1" in block["pending"]["7"]
    accuracy.store(block, _result("7", 0, 0.92))
    assert "pending" not in block
    assert block["rows"]["7"]["other_seeds"]["1"]["final_test_accuracy"] == 0.91
    accuracy.store(block, _result("7", 2, 0.93))
    assert sorted(block["rows"]["7"]["other_seeds"]) == ["1", "2"]
    with pytest.raises(SystemExit, match="other options"):
        accuracy.store(block, {**_result("7", 3, 0.9), "command": "python -m ppn train -x"})


def test_seeds_of_other_training_data_are_not_mixed():
    """A rerun of seed 0 on other pixels drops the old seeds; a seed on other pixels is refused."""
    images, labels = np.zeros((3, 4), np.float32), np.arange(3)
    old, new = (
        accuracy.data_fingerprint(images, labels),
        accuracy.data_fingerprint(images + 1, labels),
    )
    assert old != new and len(old) == 16
    assert old == accuracy.data_fingerprint(images.copy(), labels.copy())
    block = {"rows": {}}
    accuracy.store(block, {**_result("7", 0, 0.92), "train_data_sha256": old})
    accuracy.store(block, {**_result("7", 1, 0.91), "train_data_sha256": old})
    assert block["rows"]["7"]["other_seeds"]["1"]["train_data_sha256"] == old
    with pytest.raises(SystemExit, match="other training data"):
        accuracy.store(block, {**_result("7", 2, 0.93), "train_data_sha256": new})
    accuracy.store(block, {**_result("7", 0, 0.95), "train_data_sha256": new})
    assert block["rows"]["7"]["other_seeds"] == {}


def test_size_curves_and_their_table():
    results = {"datasets": {
        "mnist": {"rows": {"7": {**_result("7", 0, 0.975), "train_images": 10_000,
                                 "other_seeds": {"1": {"final_test_accuracy": 0.973}}}}},
        "mnist-1000": {"rows": {"7": {**_result("7", 0, 0.92), "other_seeds": {}},
                                "6": {**_result("6", 0, 0.88), "other_seeds": {}}}},
    }}  # fmt: skip
    curves = accuracy.size_curves(results)
    assert curves == {"7": {10_000: [0.975, 0.973], 1000: [0.92]}}  # row 6: one size only
    table = "\n".join(accuracy.sizes_summary(results))
    assert "| 7 | 92.00 % (1) | 97.40 % (2) |" in table
