"""Training: the loop of mini-batch gradient descent, its history, and evaluation.

One epoch visits every training example once, in a fresh seeded order, in
mini-batches; each batch's gradient is the gradient of the *mean* loss over the
batch, computed in one vectorised forward and backward pass (the same number
as Algorithm 3's accumulator divided by the batch size, much faster).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

import numpy as np

from .losses import mse, softmax_cross_entropy
from .replay import Replay
from .tensor import Tensor, no_grad

LOSSES: dict[str, Callable] = {"cross_entropy": softmax_cross_entropy, "mse": mse}


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss; the model keeps its last finite weights."""


@dataclass
class History:
    """Per-epoch figures of a training run; each list has one entry per epoch."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)  # only with record_steps=True
    best_epoch: int | None = None  # with early stopping: the epoch whose weights were kept
    stopped_early: bool = False

    def __len__(self) -> int:
        return len(self.epoch)

    def as_dict(self) -> dict:
        """Plain lists and numbers (what ``to_json`` writes; nan, e.g. the accuracy of a
        regression, becomes None so that the file is standard JSON)."""
        return {
            key: [None if _is_nan(v) else v for v in value] if isinstance(value, list) else value
            for key, value in asdict(self).items()
        }

    def to_json(self, path) -> None:
        """Write the history as JSON."""
        with open(path, "w") as file:
            json.dump(self.as_dict(), file, indent=1, allow_nan=False)

    @classmethod
    def from_json(cls, path) -> History:
        """Read a history written by ``to_json``."""
        with open(path) as file:
            return cls.from_dict(json.load(file))

    @classmethod
    def from_dict(cls, fields: dict) -> History:
        """The inverse of ``as_dict`` (None back to nan)."""
        return cls(**{
            key: [math.nan if v is None else v for v in value] if isinstance(value, list) else value
            for key, value in fields.items()
        })  # fmt: skip

    def to_csv(self, path) -> None:
        """Write one row per epoch (the per-step losses are left out)."""
        columns = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"]
        with open(path, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            for i in range(len(self)):
                writer.writerow([_cell(getattr(self, c), i) for c in columns])


def _is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _cell(column: list, i: int):
    return column[i] if i < len(column) else ""


class Evaluation(NamedTuple):
    """Mean loss and accuracy of a model on a data set."""

    loss: float
    accuracy: float


def _loss_function(loss) -> Callable:
    if callable(loss):
        return loss
    try:
        return LOSSES[loss]
    except KeyError:
        raise ValueError(f"unknown loss {loss!r}; choose one of {sorted(LOSSES)}") from None


def _class_labels(y: np.ndarray) -> np.ndarray | None:
    # Integer labels are classes; one-hot rows are classes by their argmax; else no accuracy.
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        return y
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return None


def _parameter_dtype(model) -> np.dtype:
    return model.parameters()[0].data.dtype


def check_inputs(model, x, y, name: str = "x") -> tuple[np.ndarray, np.ndarray]:
    """(x, y) as the model needs them, or a ValueError saying what is wrong and how to fix it."""
    x, y = np.asarray(x), np.asarray(y)
    if np.issubdtype(x.dtype, np.integer):
        raise ValueError(
            f"{name} holds integers ({x.dtype}); a network takes floats: scale images with "
            "ppn.data.to_float(images), which maps 0–255 to 0–1"
        )
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (examples × features), got shape {x.shape}; "
            "flatten images with x.reshape(len(x), -1)"
        )
    expected = getattr(model, "sizes", [None])[0]
    if expected is not None and x.shape[1] != expected:
        raise ValueError(
            f"{name} has {x.shape[1]} features per example but the model's first layer "
            f"expects {expected}"
        )
    if len(y) != len(x):
        raise ValueError(f"{name} has {len(x)} examples but its targets have {len(y)}")
    # min and max propagate nan and show ±inf, without the data-sized mask of np.isfinite(x)
    if x.size and not (np.isfinite(np.min(x)) and np.isfinite(np.max(x))):
        raise ValueError(f"{name} contains nan or infinite values; clean the data first")
    # Convert once here, not per batch: float64 data must not upcast a float32 model.
    return x.astype(_parameter_dtype(model), copy=False), y


@no_grad()
def predict_logits(model, x: np.ndarray, batch_size: int = 2048) -> np.ndarray:
    """The model's outputs for every row of x, computed in batches with nothing recorded."""
    x = np.asarray(x, dtype=_parameter_dtype(model))
    return np.concatenate(
        [model(Tensor(x[i : i + batch_size])).data for i in range(0, len(x), batch_size)]
    )


def evaluate(model, x, y, loss="cross_entropy", batch_size: int = 2048) -> Evaluation:
    """Mean loss and accuracy (fraction of argmax(output) = label) of ``model`` on (x, y)."""
    x, y = check_inputs(model, x, y)
    loss_function = _loss_function(loss)
    outputs = predict_logits(model, x, batch_size)
    with no_grad():
        mean_loss = loss_function(Tensor(outputs), y).item()
    labels = _class_labels(y)
    accuracy = float(np.mean(outputs.argmax(axis=1) == labels)) if labels is not None else math.nan
    return Evaluation(float(mean_loss), accuracy)


def fit(
    model,
    x,
    y,
    *,
    optimizer,
    epochs: int = 10,
    batch_size: int = 64,
    loss="cross_entropy",
    validation: tuple | None = None,
    seed: int = 0,
    rng: np.random.Generator | None = None,
    schedule=None,
    early_stopping: int | None = None,
    augment: Callable | None = None,
    record_steps: bool = False,
    progress: bool | None = None,
    on_epoch_end: Callable | None = None,
    history: History | None = None,
    start_epoch: int = 0,
    max_loss_growth: float | None = 100.0,
    replay: bool | None = None,
) -> History:
    """Train by mini-batch gradient descent for ``epochs`` epochs; return the history.

    ``validation=(x_val, y_val)`` is evaluated after each epoch.  ``early_stopping=k``
    stops when the validation loss has not improved for k epochs and restores the
    best weights.  ``augment(x_batch, rng)`` may transform each batch (e.g. random
    shifts).  ``schedule`` sets the learning rate of each epoch.  ``progress`` shows
    a tqdm bar (default: only in a terminal).  ``on_epoch_end(epoch, history)`` runs
    after each epoch (checkpoints use it); a resumed run passes its saved ``rng``,
    ``history`` and ``start_epoch``, and then continues exactly as if never stopped.
    Train accuracy comes from the running batches, validation accuracy from a
    separate pass after the epoch.

    Divergence stops training with ``DivergenceError`` and advice: a non-finite
    loss or weights, or a batch loss above ``max_loss_growth`` × max(1, the first
    batch's loss).  The model goes back to the weights it had at the start of
    that epoch, the last ones known to be sound.  A stable loss such as the
    fused softmax cross-entropy never overflows, so a learning rate that is far
    too large shows up as such growth rather than as inf; ``None`` turns this off.

    ``replay=True`` records each batch shape's step once and replays it into buffers
    allocated once (``ppn.replay``): the same weights, bit for bit, in less time; it
    refuses a model, loss or optimiser it does not support.  ``None`` (the default)
    replays when it can and runs the eager step otherwise; ``False`` never replays.
    """
    x, y = check_inputs(model, x, y)
    if validation is not None:
        x_val, y_val = check_inputs(model, *validation, name="x_val")
    if early_stopping is not None and validation is None:
        raise ValueError("early_stopping needs validation data: pass validation=(x_val, y_val)")
    if batch_size < 1 or epochs < 0:
        raise ValueError(f"batch_size must be ≥ 1 and epochs ≥ 0, got {batch_size} and {epochs}")
    loss_function = _loss_function(loss)
    labels = _class_labels(y)
    params = model.parameters()
    steps = _replayed_steps(model, optimizer, loss_function, x, y, batch_size, replay)
    if steps is not None:
        y = y.astype(np.intp, copy=False)  # the dtype of the plan's label buffer
    rng = np.random.default_rng(seed) if rng is None else rng
    history = history if history is not None else History()
    show_progress = sys.stderr.isatty() if progress is None else progress
    best_loss, best_weights, waited = math.inf, None, 0
    loss_limit = math.inf  # set from the first batch's loss

    for epoch in range(start_epoch, start_epoch + epochs):
        if schedule is not None:
            schedule.set_epoch(epoch)
        snapshot = [p.data.copy() for p in params]  # the last finite weights, if it diverges
        order = rng.permutation(len(x))
        batches = range(0, len(x), batch_size)
        if show_progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc=f"epoch {epoch + 1}", unit="batch", leave=False)
        total_loss, correct = 0.0, 0
        for step, start in enumerate(batches):
            index = order[start : start + batch_size]
            if steps is not None:  # the recorded step, gathering the batch into its buffers
                plan = steps.plan((len(index), x.shape[1]))
                if augment is None:
                    value = plan.forward(x, y, index)
                else:
                    value = plan.forward(augment(x[index], rng), y[index])
                logits = plan.logits
            else:
                x_batch = x[index] if augment is None else augment(x[index], rng)
                # task 10.1: begin
                outputs = model(Tensor(x_batch))
                cost = loss_function(outputs, y[index])
                value = cost.item()
                # task 10.1: end
                logits = outputs.data
            if not math.isfinite(value):
                _restore(params, snapshot)
                raise _diverged(f"the loss became {value}", epoch, step, optimizer.lr)
            if value > loss_limit:
                _restore(params, snapshot)
                raise _diverged(
                    f"the loss grew to {value:.3g}, over {max_loss_growth:g}× its start",
                    epoch, step, optimizer.lr,
                )  # fmt: skip
            if loss_limit == math.inf and max_loss_growth is not None:
                loss_limit = max_loss_growth * max(value, 1.0)
            if steps is not None:
                plan.backward()  # every gradient into its buffer, bound to p.grad
            else:
                # task 10.1: begin
                optimizer.zero_grad()
                cost.backward()
                # task 10.1: end
            optimizer.step()
            total_loss += value * len(index)
            if labels is not None:
                correct += np.count_nonzero(logits.argmax(axis=1) == labels[index])
            if record_steps:
                history.step_loss.append(value)
            if show_progress:
                batches.set_postfix(loss=f"{value:.4f}")
        # The epoch's last step may overflow with no loss left to show it; checked here, so
        # that the next epoch's snapshot is finite too.
        if not _all_finite(params):
            _restore(params, snapshot)
            raise _diverged("the weights became inf or nan", epoch, step, optimizer.lr)
        history.epoch.append(epoch + 1)
        history.train_loss.append(total_loss / len(x))
        history.train_accuracy.append(correct / len(x) if labels is not None else math.nan)
        history.lr.append(optimizer.lr)
        if validation is not None:
            result = evaluate(model, x_val, y_val, loss=loss_function)
            history.val_loss.append(result.loss)
            history.val_accuracy.append(result.accuracy)
            if early_stopping is not None:
                if result.loss < best_loss:
                    best_loss, waited = result.loss, 0
                    best_weights, history.best_epoch = [p.data.copy() for p in params], epoch + 1
                else:
                    waited += 1
        if on_epoch_end is not None:
            on_epoch_end(epoch, history)
        if early_stopping is not None and waited >= early_stopping:
            history.stopped_early = True
            break
    if best_weights is not None:
        for p, best in zip(params, best_weights, strict=True):
            p.data[...] = best
    return history


def _replayed_steps(model, optimizer, loss_function, x, y, batch_size, replay):
    """A ``ppn.replay.Replay`` for this run, or None for the eager step (see fit's ``replay``)."""
    if replay is False:
        return None
    # fast path: begin
    try:
        steps = Replay(model, optimizer, loss_function)
        # the first batch's plan, recorded now: it tells the number of classes
        classes = steps.plan((min(len(x), batch_size), x.shape[1])).logits.shape[-1]
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise TypeError(f"replay: the targets must be integer class labels, not {y.dtype}")
        # checked once here, where the eager loss checks every batch's
        if y.size and (y.min() < 0 or y.max() >= classes):
            raise ValueError(f"replay: labels must lie in [0, {classes}), got {y.min()}…{y.max()}")
    except (TypeError, ValueError, NotImplementedError):
        if replay:
            raise
        return None  # the default: what replay does not support runs eagerly
    return steps
    # fast path: end


def _all_finite(params) -> bool:
    return all(np.all(np.isfinite(p.data)) for p in params)


def _diverged(what: str, epoch: int, step: int, lr: float) -> DivergenceError:
    return DivergenceError(
        f"{what} at epoch {epoch + 1}, step {step + 1} (learning rate {lr:g}): training "
        "diverged. Try a smaller learning rate (e.g. 10× smaller); the model keeps weights "
        "from before the divergence."
    )


def _restore(params, snapshot) -> None:
    # Back to the epoch's start: the weights that made the loss blow up may be finite
    # but so large that they are useless.
    for p, saved in zip(params, snapshot, strict=True):
        p.data[...] = saved


def confusion_matrix(labels, predictions, num_classes: int = 10) -> np.ndarray:
    """M[i, j] = how many examples of class i were predicted as class j."""
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.shape[0]} labels but {predictions.shape[0]} predictions")
    for name, values in (("label", labels), ("prediction", predictions)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"a {name} is outside 0…{num_classes - 1}")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """The fraction of each class predicted right: diag(M) / row sums (nan for an absent class)."""
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / np.maximum(totals, 1), np.nan)
