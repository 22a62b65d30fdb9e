"""What training runs produce: their curves, descent paths, and comparisons of runs.

``plot_history`` and ``animate_history`` show one run (a ``ppn.train.History``),
``draw_history`` draws several on one axes, ``draw_descent_path`` the steps of gradient
descent on a cost surface, ``plot_descent_paths`` (side by side) and ``animate_descent_paths``
(together, step by step) the paths of several optimisers, ``plot_runs_by_step`` the
quantities of short runs step by step.
``plot_accuracy_study`` and ``plot_error_by_training_size`` compare the test results of
many runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure


def plot_history(history, *, title: str | None = None, validation_label: str = "test") -> Figure:
    """Loss and accuracy per epoch, training vs ``validation_label`` (a ``ppn.train.History``)."""
    fig = Figure(figsize=(9, 3.4))
    loss_ax, accuracy_ax = fig.subplots(1, 2)
    epochs = history.epoch
    loss_ax.plot(epochs, history.train_loss, marker="o", ms=3, label="training")
    if history.val_loss:
        loss_ax.plot(epochs, history.val_loss, marker="o", ms=3, label=validation_label)
    loss_ax.set(xlabel="epoch", ylabel="mean loss", title="loss")
    accuracy_ax.plot(epochs, [100 * a for a in history.train_accuracy], marker="o", ms=3,
                     label="training")  # fmt: skip
    if history.val_accuracy:
        accuracy_ax.plot(epochs, [100 * a for a in history.val_accuracy], marker="o", ms=3,
                         label=validation_label)  # fmt: skip
    accuracy_ax.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (loss_ax, accuracy_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def animate_history(history, *, validation_label: str = "test", figsize=(9, 3.4), dpi: int = 72,
                    interval: int = 500) -> FuncAnimation:  # fmt: skip
    """``plot_history``'s two panels drawn epoch by epoch: frame k shows epochs 1 … k + 1.

    The axes keep the limits of the whole run, so the curves grow into a fixed frame.
    Show it with ``IPython.display.HTML(anim.to_jshtml())``.
    """
    epochs = len(history)
    if epochs == 0:
        raise ValueError("the history is empty: train for at least one epoch")
    fig = Figure(figsize=figsize, dpi=dpi)
    loss_ax, accuracy_ax = fig.subplots(1, 2)
    panels = (
        (loss_ax, "loss", 1.0, "mean loss", "upper right"),
        (accuracy_ax, "accuracy", 100.0, "accuracy (%)", "lower right"),
    )
    lines = []
    for ax, metric, factor, ylabel, corner in panels:
        series = [("training", getattr(history, f"train_{metric}"))]
        if getattr(history, f"val_{metric}"):
            series.append((validation_label, getattr(history, f"val_{metric}")))
        values = np.concatenate([np.asarray(v, dtype=float) for _, v in series]) * factor
        low, high = float(values.min()), float(values.max())
        margin = 0.05 * (high - low or 1.0)
        ax.set(xlim=(0.5, epochs + 0.5), ylim=(low - margin, high + margin), xlabel="epoch",
               ylabel=ylabel, title=metric)  # fmt: skip
        ax.grid(alpha=0.3)
        for k, (name, v) in enumerate(series):
            (line,) = ax.plot([], [], marker="o", ms=3, color=f"C{k}", label=name)
            lines.append((line, np.asarray(v, dtype=float) * factor))
        ax.legend(loc=corner)
    caption = fig.suptitle("")
    fig.tight_layout()

    def draw(frame: int):
        shown = history.epoch[: frame + 1]
        for line, values in lines:
            line.set_data(shown, values[: frame + 1])
        caption.set_text(f"after epoch {history.epoch[frame]} of {history.epoch[-1]}")
        return []

    return FuncAnimation(fig, draw, frames=epochs, interval=interval, repeat=False)


def draw_history(
    history, ax=None, *, metric: str = "loss", splits: Sequence[str] = ("training", "validation"),
    label: str | None = None, color=None, validation_label: str = "validation",
    title: str | None = None,
):  # fmt: skip
    """One metric of a ``ppn.train.History`` on one axes: training solid, validation dashed.

    Several runs drawn on the same axes are told apart by ``label`` and ``color`` (one
    colour per run); ``splits`` may leave out "training" or "validation" (with one split,
    a curve's legend entry is the run's ``label`` alone).  The epoch whose weights early
    stopping kept is marked by a dotted line.  ``plot_history`` is the two-panel figure
    of one run.  Returns the axes.
    """
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"metric must be 'loss' or 'accuracy', not {metric!r}")
    unknown = set(splits) - {"training", "validation"}
    if unknown or not splits:
        raise ValueError(f"splits are 'training' and/or 'validation', not {list(splits)}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 3.4))
    columns = {"training": f"train_{metric}", "validation": f"val_{metric}"}
    names = {"training": "training", "validation": validation_label}
    styles = {"training": "-", "validation": "--"}
    for split in splits:
        values = getattr(history, columns[split])
        if not values:
            continue
        text = names[split]
        if label:
            text = label if len(splits) == 1 else f"{label}, {text}"
        (line,) = ax.plot(history.epoch[: len(values)], values, linestyle=styles[split],
                          color=color, label=text)  # fmt: skip
        color = line.get_color()  # the run's other curves take the same colour
    if history.best_epoch is not None:
        ax.axvline(history.best_epoch, color=color, linestyle=":", linewidth=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"mean {metric}" if metric == "loss" else metric)
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def draw_descent_path(
    path, cost, ax=None, *, extent: tuple[float, float, float, float], minimum=None,
    resolution: int = 61, levels: int = 14, title: str | None = None,
):  # fmt: skip
    """Contour lines of a cost C(a, b) over ``extent`` = (a₀, a₁, b₀, b₁), and on them the
    points θ₀, θ₁, … of a descent (rows of ``path``) joined in order: start square, end dot.

    ``cost(a, b)`` takes two numbers.  Contour levels are spaced geometrically between
    the smallest and the largest cost on the grid, so the bowl's floor shows as well as
    its walls.  ``minimum`` (a, b) is marked with a star.  Returns the axes.
    """
    a0, a1, b0, b1 = extent
    if not (a0 < a1 and b0 < b1):
        raise ValueError(f"extent must be (a0, a1, b0, b1) with a0 < a1 and b0 < b1, not {extent}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(4.5, 3.6))
    a, b = np.linspace(a0, a1, resolution), np.linspace(b0, b1, resolution)
    surface = np.array([[cost(x, y) for x in a] for y in b])
    low, high = float(surface.min()), float(surface.max())
    spacing = np.geomspace(1.0, 1.0 + high - low, levels) - 1.0 + low  # dense near the floor
    ax.contour(a, b, surface, levels=spacing, colors="0.6", linewidths=0.7)
    path = np.asarray(path, dtype=float).reshape(-1, 2)
    if len(path):
        ax.plot(path[:, 0], path[:, 1], "-o", color="C0", markersize=3, linewidth=1)
        ax.plot(*path[0], "s", color="C0", markersize=6)
        ax.plot(*path[-1], "o", color="C3", markersize=5, zorder=3)
    if minimum is not None:
        ax.plot(*minimum, "*", color="black", markersize=11, zorder=4)
    ax.set_xlim(a0, a1)
    ax.set_ylim(b0, b1)
    ax.set_xlabel("a")
    ax.set_ylabel("b")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def plot_runs_by_step(
    runs, *, log_scale: Sequence[str] = (), marks=None, ncols: int = 3,
    title: str | None = None,
) -> Figure:  # fmt: skip
    """One panel per recorded quantity against the step, one line per run.

    ``runs`` maps a run's label to a mapping from a quantity's name (the panel's title) to
    its values, one per step; every run records the same quantities.  Panels named in
    ``log_scale`` get a logarithmic y axis; ``marks`` maps a run's label to a step marked
    by a dotted line in its colour (the step at which it reached a goal).  The panels fill
    rows of ``ncols``.
    """
    if not runs:
        raise ValueError("plot_runs_by_step needs at least one run")
    names = list(next(iter(runs.values())))
    for label, run in runs.items():
        if list(run) != names:
            raise ValueError(f"run {label!r} records {list(run)}, the first run {names}")
    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = Figure(figsize=(3.6 * ncols, 3.0 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    marks = marks or {}
    for ax, name in zip(axes, names, strict=False):
        for index, (label, run) in enumerate(runs.items()):
            values = np.asarray(run[name], dtype=float)
            ax.plot(np.arange(len(values)), values, color=f"C{index}", label=label)
            if label in marks:
                ax.axvline(marks[label], color=f"C{index}", linestyle=":", linewidth=1)
        if name in log_scale:
            ax.set_yscale("log")
        ax.set(xlabel="step", title=name)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _axes_labels(ax, labels) -> None:
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])


def plot_descent_paths(
    paths: dict, cost, *, extent: tuple[float, float, float, float], minimum=None,
    labels=("$\\theta_1$", "$\\theta_2$"), title: str | None = None, columns: int | None = None,
) -> Figure:  # fmt: skip
    """Small multiples: one panel per optimiser, its path θ₀, θ₁, … (rows of the array
    ``paths[name]``) on the contour lines of ``cost(a, b)`` (``draw_descent_path``)."""
    if not paths:
        raise ValueError("no paths to draw: pass {name: array of points}")
    columns = columns or len(paths)
    rows = math.ceil(len(paths) / columns)
    fig = Figure(figsize=(3.3 * columns, 2.9 * rows))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for ax, (name, path) in zip(axes, paths.items(), strict=False):
        draw_descent_path(path, cost, ax, extent=extent, minimum=minimum, title=name)
        _axes_labels(ax, labels)
    for ax in axes[len(paths) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def animate_descent_paths(
    paths: dict, cost, *, extent: tuple[float, float, float, float], minimum=None,
    labels=("$\\theta_1$", "$\\theta_2$"), figsize=(5.6, 3.6), dpi: int = 72,
    interval: int = 120, every: int = 1, title: str | None = None,
) -> FuncAnimation:  # fmt: skip
    """The paths of several optimisers on one contour plot, step by step: frame k shows
    θ₀ … θ_(k·every) of each (``every`` > 1 makes fewer frames, so a smaller page).
    Show it with ``IPython.display.HTML(anim.to_jshtml())``."""
    if not paths:
        raise ValueError("no paths to draw: pass {name: array of points}")
    arrays = {name: np.asarray(path, dtype=float).reshape(-1, 2) for name, path in paths.items()}
    if every < 1:
        raise ValueError(f"every must be ≥ 1 step per frame, not {every}")
    frames = math.ceil(max(len(path) for path in arrays.values()) / every)
    fig = Figure(figsize=figsize, dpi=dpi)
    ax = fig.add_subplot()
    draw_descent_path([], cost, ax, extent=extent, minimum=minimum, title=title)
    _axes_labels(ax, labels)
    lines = []
    for k, (name, path) in enumerate(arrays.items()):
        ax.plot(*path[0], "s", color=f"C{k}", markersize=6)
        (line,) = ax.plot([], [], "-o", color=f"C{k}", markersize=2.5, linewidth=1, label=name)
        lines.append((line, path))
    ax.legend(fontsize=8, loc="upper right")
    caption = ax.text(0.02, 0.03, "", transform=ax.transAxes, fontsize=9)
    fig.tight_layout()

    def draw(frame: int):
        step = frame * every
        for line, path in lines:
            shown = path[: step + 1]
            line.set_data(shown[:, 0], shown[:, 1])
        caption.set_text(f"step {step}")
        return []

    return FuncAnimation(fig, draw, frames=frames, interval=interval, repeat=False)


# --- Comparing runs: the accuracy study (appendix), test error against training-set size ----------


def plot_accuracy_study(rows, *, title: str | None = None, ylim=None) -> Figure:
    """Each row's final test accuracy as a bar (its best over the epochs as a tick), and
    its test accuracy epoch by epoch; ``rows`` are dicts as ``benchmarks/accuracy.py``
    writes them (``id``, ``change``, ``final_test_accuracy``, ``best_test_accuracy``,
    ``test_accuracy_per_epoch``).
    """
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to draw")
    fig = Figure(figsize=(10, 0.42 * len(rows) + 2.2))
    bars_ax, curves_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    final = np.array([100 * r["final_test_accuracy"] for r in rows])
    best = np.array([100 * r["best_test_accuracy"] for r in rows])
    positions = np.arange(len(rows))[::-1]  # the first row on top
    low = ylim[0] if ylim else math.floor(final.min() - 1)
    high = ylim[1] if ylim else math.ceil(max(best.max(), final.max()) + 0.5)
    colours = [f"C{i % 10}" for i in range(len(rows))]
    bars_ax.barh(positions, final - low, left=low, color=colours, alpha=0.8, height=0.7)
    bars_ax.scatter(best, positions, marker="|", s=180, color="black", zorder=3,
                    label="best epoch")  # fmt: skip
    for y, value, top in zip(positions, final, best, strict=True):
        bars_ax.text(max(value, top) + 0.12, y, f"{value:.2f} %", va="center", fontsize=8)
    labels = [_wrap(f"{r['id']}: {r['change']}", 42) for r in rows]
    bars_ax.set_yticks(positions, labels, fontsize=8)
    bars_ax.set_xlim(low, high + 0.8)
    bars_ax.set(xlabel="final test accuracy (%)", title="after the last epoch")
    bars_ax.legend(loc="upper right", fontsize=8)
    bars_ax.grid(axis="x", alpha=0.3)
    for colour, row in zip(colours, rows, strict=True):
        curve = 100 * np.asarray(row["test_accuracy_per_epoch"], dtype=float)
        curves_ax.plot(np.arange(1, len(curve) + 1), curve, color=colour, lw=1.2, label=row["id"])
    curves_ax.set_ylim(low, high)
    curves_ax.set(xlabel="epoch", ylabel="test accuracy (%)", title="epoch by epoch")
    curves_ax.grid(alpha=0.3)
    curves_ax.legend(title="row", fontsize=7, ncol=2, loc="lower right")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def plot_error_by_training_size(curves, *, references=None, title: str | None = None) -> Figure:
    """Test error (%) against the number of training images, log–log, one line per recipe.

    ``curves[recipe][n]`` lists the test accuracies (fractions) of the seeds trained on n
    images: the line joins their means, a bar spans their lowest to highest.
    ``references`` maps a label to an error in % drawn as a dashed horizontal line. The
    legend gives each recipe's mean error at its largest size.
    """
    if not curves or not all(curves.values()):
        raise ValueError("no curves to draw: give curves[recipe][training images] = accuracies")
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    sizes = sorted({n for curve in curves.values() for n in curve})
    for k, (recipe, curve) in enumerate(curves.items()):
        ns = sorted(curve)
        errors = [100 * (1 - np.asarray(curve[n], dtype=float)) for n in ns]
        mean = np.array([e.mean() for e in errors])
        spread = np.array([[mean[i] - e.min(), e.max() - mean[i]] for i, e in enumerate(errors)])
        # The last error goes in the legend: beside the points, close recipes' labels collide.
        label = f"{recipe} ({mean[-1]:.2f} % at {ns[-1]:,})"
        ax.errorbar(ns, mean, yerr=spread.T, marker="o", color=f"C{k}", capsize=3, label=label)
    for k, (label, error) in enumerate((references or {}).items()):
        ax.axhline(error, color="0.4", ls=(0, (4, 2 + 2 * k)), lw=0.9)
        ax.annotate(label, (sizes[0], error), textcoords="offset points", xytext=(0, 3),
                    fontsize=7, color="0.3")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.minorticks_off()
    ticks = [t for t in (0.5, 1, 2, 3, 5, 10, 20) if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlim(sizes[0] / 1.3, sizes[-1] * 1.3)
    ax.set(xlabel="training images", ylabel="test error (%)",
           title=title or "test error against the size of the training set")  # fmt: skip
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig
