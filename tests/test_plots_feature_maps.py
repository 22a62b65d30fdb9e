"""ppn.plots.plot_feature_maps: a digit, and each kernel above its output map."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ppn.plots import plot_feature_maps  # noqa: E402


def test_the_digit_then_a_kernel_and_its_map_per_column():
    image = np.arange(36.0).reshape(6, 6)
    kernels = [np.eye(3), -np.eye(3)]
    maps = [np.ones((4, 4)), -np.ones((4, 4))]
    fig = plot_feature_maps(image, kernels, maps, title="two kernels")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["the digit X", "kernel K1", "map Y1", "kernel K2", "map Y2"]
    assert fig.texts[0].get_text() == "two kernels"
    kernel_image = fig.axes[1].get_images()[0]
    assert kernel_image.get_clim() == (-1.0, 1.0)  # symmetric: red +, blue −
    np.testing.assert_array_equal(fig.axes[4].get_images()[0].get_array(), -np.ones((4, 4)))


def test_one_map_per_kernel():
    with pytest.raises(ValueError, match="one map per kernel"):
        plot_feature_maps(np.zeros((5, 5)), [np.eye(3)], [])
