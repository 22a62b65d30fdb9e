"""ppn.plots.plot_runs_by_step: short runs, one panel per recorded quantity."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from ppn.plots import plot_runs_by_step  # noqa: E402


def test_one_panel_per_quantity_one_line_per_run():
    runs = {
        "squared error": {"cost": [1.0, 0.5, 0.2], "gradient": [0.1, 0.2, 0.3]},
        "cross-entropy": {"cost": [4.0, 1.0, 0.1], "gradient": [1.0, 0.5, 0.1]},
    }
    fig = plot_runs_by_step(runs, log_scale=["gradient"], marks={"cross-entropy": 1})
    cost_ax, gradient_ax = fig.axes
    assert [ax.get_title() for ax in fig.axes] == ["cost", "gradient"]
    assert [line.get_label() for line in cost_ax.get_lines()[:3]][0] == "squared error"
    assert len(cost_ax.get_lines()) == 3  # two runs and the mark of one
    assert gradient_ax.get_yscale() == "log" and cost_ax.get_yscale() == "linear"
    assert list(cost_ax.get_lines()[0].get_ydata()) == [1.0, 0.5, 0.2]


def test_runs_must_record_the_same_quantities():
    with pytest.raises(ValueError, match="records"):
        plot_runs_by_step({"a": {"cost": [1.0]}, "b": {"loss": [1.0]}})
    with pytest.raises(ValueError, match="at least one"):
        plot_runs_by_step({})


def test_panels_fill_rows():
    runs = {"a": {name: [1.0, 2.0] for name in ("w", "x", "y", "z")}}
    fig = plot_runs_by_step(runs, ncols=2)
    assert [ax.get_title() for ax in fig.axes] == ["w", "x", "y", "z"]
    fig = plot_runs_by_step({"a": {name: [1.0] for name in "xyz"}}, ncols=2)
    assert [ax.get_visible() for ax in fig.axes] == [True, True, True, False]
