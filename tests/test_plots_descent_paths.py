"""plot_descent_paths and animate_descent_paths: the paths of several optimisers on one cost."""

import numpy as np
import pytest

from ppn import plots


def bowl(a, b):
    return a**2 + 10 * b**2


PATHS = {
    "SGD": np.array([[2.0, 1.0], [1.5, -0.5], [1.0, 0.2]]),
    "momentum": np.array([[2.0, 1.0], [1.0, 0.0]]),
}


def test_one_panel_per_path_with_its_points():
    fig = plots.plot_descent_paths(PATHS, bowl, extent=(-3, 3, -2, 2), minimum=(0, 0))
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["SGD", "momentum"]
    path_line = visible[0].get_lines()[0]  # the path joined in order, then its start and end
    np.testing.assert_array_equal(path_line.get_xydata(), PATHS["SGD"])
    assert visible[0].get_xlabel() == "$\\theta_1$"


def test_small_multiples_wrap_into_rows():
    paths = {f"run {k}": PATHS["SGD"] for k in range(3)}
    fig = plots.plot_descent_paths(paths, bowl, extent=(-3, 3, -2, 2), columns=2)
    assert len(fig.axes) == 4 and [ax.get_visible() for ax in fig.axes] == [True] * 3 + [False]


def test_the_animation_draws_step_k_in_frame_k():
    anim = plots.animate_descent_paths(PATHS, bowl, extent=(-3, 3, -2, 2))
    draw = anim._func
    draw(1)
    ax = anim._fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["SGD"].get_xydata(), PATHS["SGD"][:2])
    draw(2)  # the shorter path stays at its end
    np.testing.assert_array_equal(lines["momentum"].get_xydata(), PATHS["momentum"])
    assert list(anim.new_frame_seq()) == [0, 1, 2]  # one frame per point of the longest path


def test_every_other_step():
    anim = plots.animate_descent_paths(PATHS, bowl, extent=(-3, 3, -2, 2), every=2)
    assert list(anim.new_frame_seq()) == [0, 1]  # steps 0 and 2
    anim._func(1)
    lines = {line.get_label(): line for line in anim._fig.axes[0].get_lines()}
    np.testing.assert_array_equal(lines["SGD"].get_xydata(), PATHS["SGD"])


def test_no_paths_is_an_error():
    with pytest.raises(ValueError, match="no paths"):
        plots.plot_descent_paths({}, bowl, extent=(-1, 1, -1, 1))
    with pytest.raises(ValueError, match="no paths"):
        plots.animate_descent_paths({}, bowl, extent=(-1, 1, -1, 1))
