"""ppn.plots for chapter 11 and the appendices: throughput by batch size, the accuracy study."""

import numpy as np
import pytest

from ppn.plots import plot_accuracy_study, plot_throughput


def study_rows():
    return [
        {"id": "0", "change": "baseline: 784-128-10 sigmoid, Glorot init, plain SGD (lr 0.1)",
         "final_test_accuracy": 0.9185, "best_test_accuracy": 0.9185,
         "test_accuracy_per_epoch": [0.73, 0.85, 0.9185]},
        {"id": "7", "change": "random shifts of ±2 px", "final_test_accuracy": 0.976,
         "best_test_accuracy": 0.977, "test_accuracy_per_epoch": [0.90, 0.977, 0.976]},
    ]  # fmt: skip


def test_throughput_axes_are_labelled_log_log_with_one_point_per_batch_size():
    fig = plot_throughput([1, 8, 128], [500.0, 3_000.0, 20_000.0])
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert "batch size" in ax.get_xlabel() and "images/s" in ax.get_ylabel()
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [1, 8, 128]
    assert [t.get_text() for t in ax.texts] == ["500", "3,000", "20,000"]
    assert ax.get_title()


def test_throughput_needs_one_rate_per_batch_size():
    with pytest.raises(ValueError, match="one throughput per batch size"):
        plot_throughput([1, 8], [100.0])
    with pytest.raises(ValueError):
        plot_throughput([], [])


def test_accuracy_study_draws_a_bar_per_row_first_row_on_top_and_a_curve_per_row():
    fig = plot_accuracy_study(study_rows(), title="study")
    bars_ax, curves_ax = fig.axes[:2]
    bars = bars_ax.patches
    assert len(bars) == 2
    # The bars end at the final accuracies (in %), the first row drawn on top.
    ends = sorted((b.get_y(), b.get_x() + b.get_width()) for b in bars)
    assert np.allclose([end for _, end in ends], [97.6, 91.85])
    texts = [t.get_text() for t in bars_ax.get_yticklabels()]
    labels = dict(zip(bars_ax.get_yticks(), texts, strict=True))
    top = labels[max(labels)]
    assert top.startswith("0: baseline") and "\n" in top  # the first row on top; long labels wrap
    assert [t.get_text() for t in bars_ax.texts] == ["91.85 %", "97.60 %"]
    lines = curves_ax.get_lines()
    assert len(lines) == 2 and list(lines[1].get_xdata()) == [1, 2, 3]
    assert np.allclose(lines[1].get_ydata(), [90.0, 97.7, 97.6])
    assert bars_ax.get_xlabel() and curves_ax.get_xlabel() == "epoch"
    assert fig._suptitle.get_text() == "study"


def test_accuracy_study_fixed_limits_and_no_rows():
    fig = plot_accuracy_study(study_rows(), ylim=(90, 98))
    assert fig.axes[1].get_ylim() == (90, 98)
    with pytest.raises(ValueError, match="no rows"):
        plot_accuracy_study([])
