"""Model files and checkpoints: round trips, and clear errors for every kind of bad file."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from ppn.checkpoint import (
    ModelFileError,
    load_checkpoint,
    load_model,
    save_checkpoint,
    save_model,
)
from ppn.nn import MLP
from ppn.optim import Adam
from ppn.tensor import Tensor
from ppn.train import History, fit


@pytest.fixture
def model():
    return MLP([6, 5, 3], activation="tanh", rng=1)


def test_model_round_trip(tmp_path, model):
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.sizes == model.sizes and loaded.activation == model.activation
    x = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
    np.testing.assert_array_equal(loaded(Tensor(x)).data, model(Tensor(x)).data)
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file must be renamed away"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_model_keeps_the_precision_it_was_saved_in(tmp_path, dtype):
    model = MLP([6, 5, 3], activation="relu", rng=2, dtype=dtype)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    for saved, read in zip(model.parameters(), loaded.parameters(), strict=True):
        assert read.data.dtype == dtype
        np.testing.assert_array_equal(read.data, saved.data)  # every bit: no round trip


def test_model_file_is_never_unpickled(tmp_path, model):
    path = tmp_path / "m.npz"
    save_model(model, path)
    with np.load(path, allow_pickle=False) as archive:  # every entry is a plain array
        assert all(archive[name].dtype != object for name in archive.files)


def test_truncated_file(tmp_path, model):
    path = tmp_path / "m.npz"
    save_model(model, path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ModelFileError, match="not a readable .npz"):
        load_model(path)


def test_foreign_file(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(ModelFileError, match="expected a ppn-model file"):
        load_model(path)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="damaged or not a ppn file"):
        load_model(text)


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays.update(changes)
    for name, value in list(arrays.items()):
        if value is None:
            del arrays[name]
    np.savez(path, **arrays)


def test_tampered_shapes_missing_parameters_and_versions(tmp_path, model):
    path = tmp_path / "m.npz"
    name = model.named_parameters()[0][0]
    save_model(model, path)
    _rewrite(path, **{f"param.{name}": np.zeros((2, 2), np.float32)})
    with pytest.raises(ModelFileError, match="expected .* floats"):
        load_model(path)
    save_model(model, path)
    _rewrite(path, **{f"param.{name}": None})
    with pytest.raises(ModelFileError, match="is missing"):
        load_model(path)
    save_model(model, path)
    _rewrite(path, version=np.array(99))
    with pytest.raises(ModelFileError, match="version 99"):
        load_model(path)
    save_model(model, path)
    _rewrite(path, activation=np.array("swish"))
    with pytest.raises(ModelFileError):
        load_model(path)
    save_model(model, path)
    weights = model.named_parameters()[0][1].data.copy()
    weights[0, 0] = np.nan
    _rewrite(path, **{f"param.{name}": weights})
    with pytest.raises(ModelFileError, match="nan or infinite"):
        load_model(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_model(tmp_path / "absent.npz")


def test_a_crash_while_writing_keeps_the_old_file(tmp_path, model, monkeypatch):
    path = tmp_path / "m.npz"
    save_model(model, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        save_model(MLP([6, 5, 3], activation="tanh", rng=2), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_checkpoint_resume_gives_the_same_weights(tmp_path):
    rng_data = np.random.default_rng(0)
    x = rng_data.normal(size=(64, 6)).astype(np.float32)
    y = rng_data.integers(0, 3, size=64)

    def run(epochs, model, optimizer, rng, history, start):
        fit(
            model,
            x,
            y,
            optimizer=optimizer,
            epochs=epochs,
            batch_size=16,
            rng=rng,
            history=history,
            start_epoch=start,
            progress=False,
        )

    straight = MLP([6, 5, 3], activation="relu", rng=3)
    run(4, straight, Adam(straight.parameters(), lr=0.01), np.random.default_rng(7), History(), 0)

    first = MLP([6, 5, 3], activation="relu", rng=3)
    optimizer, rng, history = Adam(first.parameters(), lr=0.01), np.random.default_rng(7), History()
    run(2, first, optimizer, rng, history, 0)
    save_checkpoint(tmp_path / "c.npz", first, optimizer, epoch=2, rng=rng, history=history)

    model, kind, state, epoch, rng, history_dict, _ = load_checkpoint(tmp_path / "c.npz")
    assert (kind, epoch, len(history_dict["epoch"])) == ("Adam", 2, 2)
    optimizer = Adam(model.parameters(), lr=0.01)
    optimizer.load_state_dict(state)
    run(2, model, optimizer, rng, History.from_dict(history_dict), epoch)
    for a, b in zip(model.parameters(), straight.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_checkpoint_is_not_a_model_file(tmp_path, model):
    save_checkpoint(
        tmp_path / "c.npz",
        model,
        Adam(model.parameters()),
        epoch=1,
        rng=np.random.default_rng(),
        history=History(),
    )
    with pytest.raises(ModelFileError, match="expected a ppn-model file"):
        load_model(tmp_path / "c.npz")
    assert zipfile.is_zipfile(tmp_path / "c.npz")
