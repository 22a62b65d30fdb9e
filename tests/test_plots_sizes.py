"""ppn.plots for the accuracy study's 60,000 images (appendix): distorted digits, error by size."""

import numpy as np
import pytest

from ppn import data
from ppn.plots import plot_elastic_distortions, plot_error_by_training_size


def _digits(count):
    images = np.zeros((count, 784), np.float32)
    for k in range(count):
        images[k].reshape(28, 28)[6:22, 10 + k : 14 + k] = 1.0
    return images


def test_elastic_distortions_show_each_digit_then_its_versions():
    images = _digits(3)
    fig = plot_elastic_distortions(images, np.random.default_rng(0), versions=4, title="t")
    assert len(fig.axes) == 3 * 5
    shown = [ax.get_images()[0].get_array() for ax in fig.axes]
    np.testing.assert_array_equal(shown[0], images[0].reshape(28, 28))  # row 0: the original…
    np.testing.assert_array_equal(shown[5], images[1].reshape(28, 28))  # …row 1 starts with its own
    # …then the distortions the same generator gives, in order.
    expected = data.elastic_distortion(np.repeat(images, 4, axis=0), np.random.default_rng(0))
    np.testing.assert_array_equal(shown[1], expected[0].reshape(28, 28))
    np.testing.assert_array_equal(shown[9], expected[7].reshape(28, 28))
    assert not np.array_equal(shown[1], shown[2])
    assert fig.axes[1].get_title() == "α 34, σ 4" and fig._suptitle.get_text() == "t"


def test_elastic_distortions_need_images_and_versions():
    with pytest.raises(ValueError, match="at least one"):
        plot_elastic_distortions(_digits(2), np.random.default_rng(0), versions=0)


def test_error_by_training_size_draws_the_mean_error_and_the_seeds_spread():
    curves = {
        "shifts": {1000: [0.90, 0.92], 10000: [0.975], 60000: [0.990, 0.992, 0.991]},
        "elastic": {1000: [0.93], 60000: [0.993]},
    }
    fig = plot_error_by_training_size(curves, references={"Simard 2003": 0.7}, title="sizes")
    (ax,) = fig.axes
    assert ax.get_xscale() == ax.get_yscale() == "log"
    shifts, elastic = (container.lines[0] for container in ax.containers)  # the error bars' lines
    assert list(shifts.get_xdata()) == [1000, 10000, 60000]
    assert np.allclose(shifts.get_ydata(), [9.0, 2.5, 0.9])
    assert np.allclose(elastic.get_ydata(), [7.0, 0.7])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1,000", "10,000", "60,000"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["shifts (0.90 % at 60,000)", "elastic (0.70 % at 60,000)"]
    assert "Simard 2003" in [t.get_text() for t in ax.texts]
    assert "training images" in ax.get_xlabel() and "error" in ax.get_ylabel()
    assert ax.get_title() == "sizes"


def test_error_by_training_size_needs_curves():
    with pytest.raises(ValueError, match="no curves"):
        plot_error_by_training_size({})
    with pytest.raises(ValueError, match="no curves"):
        plot_error_by_training_size({"empty": {}})
