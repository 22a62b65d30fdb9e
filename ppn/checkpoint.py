"""Model files and training checkpoints: plain ``.npz`` archives, written atomically, never pickled.

A model file holds the architecture (layer sizes, activation), a format name
and version, and one array per parameter.  A checkpoint adds what is needed to
continue an interrupted run exactly: the optimiser's buffers, the epoch, the
random generator's state and the history.  Both are written to a temporary
file beside the target and renamed over it, so a crash mid-write never leaves
a half-written file under the real name, and both are read with
``allow_pickle=False``, so a file from elsewhere cannot run code.
"""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

import numpy as np

from .data import write_atomically
from .nn import MLP

FORMAT = "ppn-model"
CHECKPOINT_FORMAT = "ppn-checkpoint"
JSON_FORMAT = "ppn-model-json"
VERSION = 1


class ModelFileError(ValueError):
    """A model or checkpoint file that cannot be used: damaged, foreign, or for another model."""


def _write_npz(path, arrays: dict[str, np.ndarray]) -> None:
    write_atomically(path, lambda file: np.savez(file, **arrays))


def _read(path, expected_format: str) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        raise ModelFileError(
            f"{path}: not a readable .npz archive ({error}); the file is damaged or not a ppn file"
        ) from None
    found = str(arrays.get("format", "nothing"))
    _check_header(path, found, lambda: int(arrays.get("version", -1)), expected_format)
    return arrays


def _check_header(path, found, version, expected: str) -> None:
    """ModelFileError unless the file's format ``found`` is ``expected`` and its version ours.

    ``version()`` gives the file's version; it is called only once the format matched,
    since a foreign file's "version" may be anything (even something ``int`` refuses).
    """
    if found != expected:
        raise ModelFileError(f"{path}: expected a {expected} file, found {found!r}")
    version = version()
    if version != VERSION:
        raise ModelFileError(
            f"{path}: format version {version}, but this ppn reads version {VERSION}"
        )


def _model_arrays(model, fmt: str) -> dict[str, np.ndarray]:
    """The arrays every file of format ``fmt`` holds: format, version, architecture, weights."""
    arrays = {
        "format": np.array(fmt),
        "version": np.array(VERSION),
        "sizes": np.array(model.sizes, dtype=np.int64),
        "activation": np.array(model.activation),
    }
    arrays.update({f"param.{name}": p.data for name, p in model.named_parameters()})
    return arrays


def _model_from(arrays: dict[str, np.ndarray], path) -> MLP:
    try:
        sizes = [int(n) for n in arrays["sizes"]]
        activation = str(arrays["activation"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: the architecture is missing or damaged ({error})") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ModelFileError(f"{path}: invalid layer sizes {sizes}")
    # The weights keep the precision they were saved in (a float64 model stays float64);
    # any other floating type is read into float32, the library's default.
    saved = {arrays[k].dtype for k in arrays if k.startswith("param.")}
    dtype = saved.pop() if len(saved) == 1 and saved <= {np.dtype("float64")} else np.float32
    try:
        model = MLP(sizes, activation=activation, rng=0, dtype=dtype)
    except ValueError as error:
        raise ModelFileError(f"{path}: {error}") from None
    state = {}
    for name, parameter in model.named_parameters():
        key = f"param.{name}"
        if key not in arrays:
            raise ModelFileError(f"{path}: parameter {name} is missing")
        value = arrays[key]
        if value.shape != parameter.data.shape or not np.issubdtype(value.dtype, np.floating):
            raise ModelFileError(
                f"{path}: parameter {name} has shape {value.shape} and dtype {value.dtype}, "
                f"expected {parameter.data.shape} floats for a {sizes} network"
            )
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"{path}: parameter {name} contains nan or infinite values")
        state[name] = value.astype(parameter.data.dtype)
    model.load_state_dict(state)
    return model


def save_model(model, path) -> None:
    """Write ``model`` (architecture and weights) to ``path`` as a versioned .npz, atomically."""
    _write_npz(path, _model_arrays(model, FORMAT))


def load_model(path) -> MLP:
    """The MLP saved in ``path``; a damaged, foreign or inconsistent file raises ModelFileError."""
    return _model_from(_read(path, FORMAT), path)


def save_checkpoint(path, model, optimizer, *, epoch: int, rng, history, config=None) -> None:
    """Everything needed to resume training after ``epoch`` epochs, written atomically."""
    arrays = {
        **_model_arrays(model, CHECKPOINT_FORMAT),
        "epoch": np.array(epoch),
        "rng": np.array(json.dumps(rng.bit_generator.state)),
        "history": np.array(json.dumps(history.as_dict())),
        "config": np.array(json.dumps(config or {})),
        "optimizer": np.array(type(optimizer).__name__),
    }
    arrays.update({f"optim.{key}": np.asarray(v) for key, v in optimizer.state_dict().items()})
    _write_npz(path, arrays)


def load_checkpoint(path):
    """(model, optimizer_name, optimizer_state, epoch, rng, history_dict, config).

    What ``save_checkpoint`` wrote; ``optimizer_name`` is the class name of its optimiser.
    """
    arrays = _read(path, CHECKPOINT_FORMAT)
    model = _model_from(arrays, path)
    try:
        rng = np.random.default_rng()
        rng.bit_generator.state = json.loads(str(arrays["rng"]))
        history = json.loads(str(arrays["history"]))
        config = json.loads(str(arrays["config"]))
        epoch = int(arrays["epoch"])
        optimizer_name = str(arrays["optimizer"])
    except (KeyError, ValueError, TypeError) as error:
        raise ModelFileError(
            f"{path}: the training state is missing or damaged ({error})"
        ) from None
    optimizer_state = {k[len("optim.") :]: v for k, v in arrays.items() if k.startswith("optim.")}
    return model, optimizer_name, optimizer_state, epoch, rng, history, config


def export_json(model, path, *, metadata: dict | None = None) -> None:
    """Write ``model`` as compact JSON for a web page: sizes, activation, base64 float32 weights.

    Each layer is ``{"weight": …, "bias": …}``, the weight of shape (in, out) row-major
    (``x @ W + b``), each array the base64 of its little-endian float32 bytes: exact,
    and half the size of the same numbers written as 6-digit decimals.  ``metadata``
    (plain JSON values) is stored beside them.  Written atomically; ``load_json`` reads
    it back.
    """
    layers = []
    for layer in model.layers:
        layers.append({name: _base64_float32(p.data) for name, p in layer.named_parameters()})
    document = {
        "format": JSON_FORMAT,
        "version": VERSION,
        "sizes": [int(n) for n in model.sizes],
        "activation": model.activation,
        "encoding": "base64 float32 little-endian",
        "layers": layers,
        "metadata": metadata or {},
    }
    text = json.dumps(document, separators=(",", ":"))
    write_atomically(path, lambda file: file.write(text), binary=False)


def load_json(path) -> MLP:
    """The MLP written by ``export_json``; a damaged or foreign file raises ModelFileError."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        document = json.loads(path.read_text())
        found = document.get("format", "nothing") if isinstance(document, dict) else "nothing"
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: not JSON ({error})") from None
    _check_header(path, found, lambda: document.get("version"), JSON_FORMAT)
    try:
        sizes = [int(n) for n in document["sizes"]]
        arrays = {"sizes": np.array(sizes), "activation": np.array(document["activation"])}
        for i, layer in enumerate(document["layers"]):
            for name, text in layer.items():
                value = _float32_from_base64(text)
                shape = tuple(sizes[i : i + 2])  # a weight is stored row-major, (in, out)
                if name == "weight" and len(shape) == 2 and value.size == shape[0] * shape[1]:
                    value = value.reshape(shape)
                arrays[f"param.layers.{i}.{name}"] = value
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ModelFileError(f"{path}: the weights are missing or damaged ({error})") from None
    return _model_from(arrays, path)


def _base64_float32(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def _float32_from_base64(text: str) -> np.ndarray:
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if len(raw) % 4:
        raise ValueError(f"{len(raw)} bytes is not a whole number of float32 values")
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)
