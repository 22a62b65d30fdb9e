"""The training loop: reproducible, it learns, it stops early and restores, it detects
divergence, it rejects bad inputs with a useful message; History files; evaluation."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from ppn import optim
from ppn.nn import MLP
from ppn.train import DivergenceError, Evaluation, History, evaluate, fit


def blobs(n=200, seed=0, separation=2.0):
    """Two Gaussian clouds in the plane, one per class: linearly separable, almost surely."""
    rng = np.random.default_rng(seed)
    half = n // 2
    x = np.concatenate(
        [rng.normal(-separation, 1.0, (half, 2)), rng.normal(separation, 1.0, (n - half, 2))]
    ).astype(np.float32)
    y = np.repeat([0, 1], [half, n - half])
    return x, y


def small_model(seed=0, activation="tanh"):
    return MLP([2, 8, 2], activation=activation, rng=seed)


def train(seed=0, epochs=3, model_seed=0, **kwargs):
    x, y = blobs()
    model = small_model(model_seed)
    kwargs.setdefault("optimizer", optim.SGD(model.parameters(), lr=0.1))
    history = fit(model, x, y, epochs=epochs, batch_size=16, seed=seed, progress=False, **kwargs)
    return model, history


def same_weights(a, b) -> bool:
    return all(
        np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


# --- reproducibility and learning ---------------------------------------------------------


def test_same_seed_gives_identical_weights_and_history():
    model_a, history_a = train(seed=7)
    model_b, history_b = train(seed=7)
    assert same_weights(model_a, model_b)
    assert history_a == history_b


def test_another_seed_shuffles_differently():
    model_a, history_a = train(seed=7)
    model_b, history_b = train(seed=8)
    assert not same_weights(model_a, model_b)
    assert history_a.train_loss != history_b.train_loss


def test_the_loss_decreases_on_a_separable_problem():
    x, y = blobs()
    model = small_model()
    before = evaluate(model, x, y)
    history = fit(
        model, x, y, optimizer=optim.SGD(model.parameters(), lr=0.2), epochs=10, progress=False
    )
    after = evaluate(model, x, y)
    assert after.loss < 0.25 * before.loss
    assert after.accuracy >= 0.97
    assert history.train_loss[-1] < history.train_loss[0]


def test_history_has_one_entry_per_epoch():
    x, y = blobs()
    model = small_model()
    history = fit(
        model, x, y, optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=4, batch_size=64,
        validation=blobs(50, seed=1), record_steps=True, progress=False,
    )  # fmt: skip
    assert len(history) == 4
    assert history.epoch == [1, 2, 3, 4]
    for column in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"):
        assert len(getattr(history, column)) == 4, column
    assert len(history.step_loss) == 4 * math.ceil(200 / 64)
    assert history.lr == [0.1] * 4
    assert history.best_epoch is None and not history.stopped_early


def test_without_validation_the_validation_columns_stay_empty():
    _, history = train(epochs=2)
    assert history.val_loss == [] and history.val_accuracy == [] and history.step_loss == []


def test_a_schedule_sets_each_epochs_learning_rate():
    x, y = blobs()
    model = small_model()
    optimizer = optim.SGD(model.parameters(), lr=0.4)
    schedule = optim.StepSchedule(optimizer, every=2, gamma=0.5)
    history = fit(model, x, y, optimizer=optimizer, schedule=schedule, epochs=5, progress=False)
    assert history.lr == [0.4, 0.4, 0.2, 0.2, 0.1]


def test_on_epoch_end_sees_every_epoch():
    seen = []
    train(epochs=3, on_epoch_end=lambda epoch, history: seen.append((epoch, len(history))))
    assert seen == [(0, 1), (1, 2), (2, 3)]


# --- early stopping -----------------------------------------------------------------------


def test_early_stopping_stops_and_restores_the_best_weights():
    # Validation labels are the training labels flipped: the better the model fits the
    # training set, the worse its validation loss, so early stopping must step in.
    x, y = blobs()
    x_val, y_val = x[::4], 1 - y[::4]
    model = small_model()
    snapshots = {}
    history = fit(
        model, x, y, optimizer=optim.SGD(model.parameters(), lr=0.2), epochs=50,
        validation=(x_val, y_val), early_stopping=3, progress=False,
        on_epoch_end=lambda epoch, h: snapshots.__setitem__(epoch + 1, model.state_dict()),
    )  # fmt: skip
    assert history.stopped_early
    assert len(history) < 50
    best = int(np.argmin(history.val_loss)) + 1
    assert history.best_epoch == best
    assert len(history) == best + 3  # three epochs without improvement, then stop
    assert max(history.val_loss) > history.val_loss[best - 1]
    state = model.state_dict()
    for name, value in snapshots[best].items():
        np.testing.assert_array_equal(state[name], value)
    assert evaluate(model, x_val, y_val).loss == pytest.approx(history.val_loss[best - 1])


def test_early_stopping_restores_the_best_weights_even_if_it_never_stops():
    x, y = blobs()
    x_val, y_val = x[::4], 1 - y[::4]
    model = small_model()
    history = fit(
        model, x, y, optimizer=optim.SGD(model.parameters(), lr=0.2), epochs=3,
        validation=(x_val, y_val), early_stopping=10, progress=False,
    )  # fmt: skip
    assert not history.stopped_early and len(history) == 3
    best = history.best_epoch
    assert evaluate(model, x_val, y_val).loss == pytest.approx(history.val_loss[best - 1])


def test_early_stopping_needs_validation_data():
    x, y = blobs()
    model = small_model()
    with pytest.raises(ValueError, match="validation"):
        fit(model, x, y, optimizer=optim.SGD(model.parameters(), lr=0.1), early_stopping=2)


# --- divergence -----------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_huge_learning_rate_raises_divergence_error_and_keeps_finite_weights():
    x, y = blobs()
    model = small_model(activation="relu")
    optimizer = optim.SGD(model.parameters(), lr=1e3)
    with pytest.raises(DivergenceError) as error:
        fit(model, x, y, optimizer=optimizer, epochs=20, batch_size=20, progress=False)
    message = str(error.value)
    assert "epoch 1, step " in message
    assert "learning rate 1000" in message
    assert "smaller learning rate" in message
    assert isinstance(error.value, FloatingPointError)
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("epochs", [1, 2])
def test_weights_that_overflow_at_an_epochs_last_step_are_caught(epochs):
    # One example, one step per epoch; η = 1e39 overflows float32 weights in that step,
    # after the only loss of the epoch was computed (finite).
    x, y = np.array([[1.0, -1.0]], dtype=np.float32), np.array([0])
    model = MLP([2, 2], rng=0)
    initial = model.state_dict()
    with pytest.raises(DivergenceError, match="weights became inf or nan at epoch 1, step 1"):
        fit(model, x, y, optimizer=optim.SGD(model.parameters(), lr=1e39), epochs=epochs,
            validation=(x, y), progress=False)  # fmt: skip
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, initial[name])


# --- inputs ---------------------------------------------------------------------------------


def fit_on(x, y, validation=None, model=None):
    model = model or small_model()
    return fit(
        model, x, y, optimizer=optim.SGD(model.parameters(), lr=0.1), epochs=1,
        validation=validation, progress=False,
    )  # fmt: skip


def test_integer_inputs_are_rejected_with_the_fix():
    x, y = blobs()
    with pytest.raises(ValueError, match=r"integers \(uint8\).*to_float"):
        fit_on((x * 10).astype(np.uint8), y)


def test_wrong_feature_count_names_both_counts():
    x, y = blobs()
    with pytest.raises(ValueError, match="3 features per example.*expects 2"):
        fit_on(np.hstack([x, x[:, :1]]), y)


def test_images_that_are_not_flattened_get_a_hint():
    with pytest.raises(ValueError, match=r"2-D array.*reshape"):
        fit_on(np.zeros((4, 1, 2), dtype=np.float32), np.zeros(4, dtype=int))


def test_mismatched_lengths_name_both_lengths():
    x, y = blobs()
    with pytest.raises(ValueError, match="200 examples but its targets have 199"):
        fit_on(x, y[:-1])


def test_nan_inputs_are_rejected():
    x, y = blobs()
    x[17, 1] = np.nan
    with pytest.raises(ValueError, match="nan"):
        fit_on(x, y)


def test_validation_data_is_checked_and_named():
    x, y = blobs()
    with pytest.raises(ValueError, match="x_val has 3 features"):
        fit_on(x, y, validation=(np.zeros((5, 3), dtype=np.float32), np.zeros(5, dtype=int)))


def test_bad_batch_size_and_unknown_loss():
    x, y = blobs()
    model = small_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, x, y, optimizer=optimizer, batch_size=0)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        fit(model, x, y, optimizer=optimizer, loss="hinge")


def test_float64_data_does_not_change_a_float32_model():
    x, y = blobs()
    model = small_model()
    fit_on(x.astype(np.float64), y, model=model)
    assert all(p.data.dtype == np.float32 for p in model.parameters())


# --- History files --------------------------------------------------------------------------


def test_history_json_round_trip(tmp_path):
    x, y = blobs()
    x_val, y_val = x[::4], 1 - y[::4]
    model = small_model()
    history = fit(
        model, x, y, optimizer=optim.SGD(model.parameters(), lr=0.2), epochs=12,
        validation=(x_val, y_val), early_stopping=2, record_steps=True, progress=False,
    )  # fmt: skip
    path = tmp_path / "history.json"
    history.to_json(path)
    restored = History.from_json(path)
    assert restored == history
    assert restored.best_epoch == history.best_epoch and restored.stopped_early
    assert json.loads(path.read_text())["epoch"] == history.epoch


def test_history_csv_has_one_row_per_epoch(tmp_path):
    _, history = train(epochs=3, validation=blobs(40, seed=3))
    path = tmp_path / "history.csv"
    history.to_csv(path)
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 3
    assert list(rows[0]) == ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                             "lr"]  # fmt: skip
    for i, row in enumerate(rows):
        assert int(row["epoch"]) == history.epoch[i]
        assert float(row["train_loss"]) == history.train_loss[i]  # repr: exact round trip
        assert float(row["val_accuracy"]) == history.val_accuracy[i]


def test_history_csv_leaves_missing_columns_empty(tmp_path):
    _, history = train(epochs=2)
    path = tmp_path / "history.csv"
    history.to_csv(path)
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["val_loss"] for row in rows] == ["", ""]


# --- evaluate -------------------------------------------------------------------------------


def identity_model(features=3):
    """A one-layer MLP whose logits are its inputs: W = I, b = 0."""
    model = MLP([features, features], rng=0, dtype=np.float64)
    model.layers[0].weight.data[...] = np.eye(features)
    return model


def test_evaluate_cross_entropy_and_accuracy_on_known_logits():
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0], [1.0, 1.5, 0.5]])
    labels = np.array([0, 1, 0, 2])
    expected = np.mean(
        [np.log(np.exp(row).sum()) - row[label] for row, label in zip(logits, labels, strict=True)]
    )
    result = evaluate(identity_model(), logits, labels)
    assert isinstance(result, Evaluation)
    assert result.loss == pytest.approx(expected, rel=1e-12)
    assert result.accuracy == 0.5  # rows 0 and 1 right, rows 2 and 3 wrong


def test_evaluate_in_batches_gives_the_same_numbers():
    x, y = blobs()
    model = small_model()
    whole, batched = evaluate(model, x, y), evaluate(model, x, y, batch_size=7)
    assert whole.accuracy == batched.accuracy
    assert whole.loss == pytest.approx(batched.loss, rel=1e-6)


def test_evaluate_one_hot_targets_with_mse():
    outputs = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    targets = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    result = evaluate(identity_model(), outputs, targets, loss="mse")
    assert result.loss == pytest.approx((1.0 + 0.25 + 0.25) / 6)
    assert result.accuracy == 0.5  # the second row's argmax is 1, its target's is 0


def test_evaluate_regression_has_no_accuracy():
    model = identity_model(1)
    result = evaluate(model, np.array([[1.0], [2.0]]), np.array([[1.0], [4.0]]), loss="mse")
    assert result.loss == pytest.approx(2.0)
    assert math.isnan(result.accuracy)


# --- the figures of training runs (ppn.plots) ------------------------------------------------


def test_draw_history_draws_training_and_validation_of_one_run_in_one_colour():
    from matplotlib.figure import Figure

    from ppn.plots import draw_history

    ax = Figure().subplots()
    _, history = train(epochs=3, validation=blobs(40, seed=3))
    assert draw_history(history, ax, label="run") is ax
    training, validation = ax.get_lines()
    assert training.get_label() == "run, training" and validation.get_label() == "run, validation"
    assert list(training.get_xdata()) == [1, 2, 3]
    assert list(training.get_ydata()) == history.train_loss
    assert list(validation.get_ydata()) == history.val_loss
    assert training.get_color() == validation.get_color()
    assert validation.get_linestyle() == "--"
    draw_history(history, ax, metric="accuracy", splits=("validation",), color="C5")
    assert list(ax.get_lines()[-1].get_ydata()) == history.val_accuracy


def test_draw_history_marks_the_epoch_early_stopping_kept():
    from matplotlib.figure import Figure

    from ppn.plots import draw_history

    history = History(epoch=[1, 2, 3], train_loss=[3.0, 2.0, 1.0], val_loss=[2.0, 1.5, 1.7],
                      best_epoch=2)  # fmt: skip
    ax = draw_history(history, Figure().subplots())
    marker = ax.get_lines()[-1]
    assert list(marker.get_xdata()) == [2, 2]


def test_draw_history_skips_what_was_not_recorded_and_checks_its_arguments():
    from matplotlib.figure import Figure

    from ppn.plots import draw_history

    _, history = train(epochs=2)  # no validation data
    ax = draw_history(history, Figure().subplots())
    assert [line.get_label() for line in ax.get_lines()] == ["training"]
    with pytest.raises(ValueError, match="metric"):
        draw_history(history, ax, metric="f1")
    with pytest.raises(ValueError, match="splits"):
        draw_history(history, ax, splits=("test",))


def test_draw_descent_path_draws_the_path_on_the_contours():
    from matplotlib.figure import Figure

    from ppn.plots import draw_descent_path

    path = np.array([[0.0, 0.0], [1.0, 0.5], [1.5, 0.9]])
    ax = draw_descent_path(
        path, lambda a, b: (a - 2) ** 2 + 3 * (b - 1) ** 2, Figure().subplots(),
        extent=(-1, 3, -1, 2), minimum=(2, 1), resolution=11,
    )  # fmt: skip
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xydata(), path)
    assert ax.get_xlim() == (-1, 3) and ax.get_ylim() == (-1, 2)
    assert len(ax.collections) >= 1  # the contour lines
    assert list(ax.get_lines()[-1].get_xydata()[0]) == [2, 1]  # the star at the minimum
    empty = draw_descent_path([], lambda a, b: a * a + b * b, Figure().subplots(),
                              extent=(-1, 1, -1, 1), resolution=5)  # fmt: skip
    assert empty.get_lines() == []
    with pytest.raises(ValueError, match="extent"):
        draw_descent_path(path, lambda a, b: a, extent=(1, 0, 0, 1))


def test_draw_history_with_one_split_labels_each_run_by_its_name():
    from matplotlib.figure import Figure

    from ppn.plots import draw_history

    _, history = train(epochs=2, validation=blobs(40, seed=3))
    ax = Figure().subplots()
    for name in ("first", "second"):
        draw_history(history, ax, splits=("validation",), label=name)
    assert [line.get_label() for line in ax.get_lines()] == ["first", "second"]
