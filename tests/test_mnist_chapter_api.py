"""ppn.plots for chapter 10 (MNIST end to end): class counts, pixel statistics, the most
confident mistakes, first-layer weights as images, and training curves growing epoch by epoch."""

import re

import numpy as np
import pytest

from ppn.nn import MLP
from ppn.plots import (
    animate_history,
    digit_confidence_grid,
    plot_class_counts,
    plot_first_layer_weights,
    plot_pixel_statistics,
)
from ppn.train import History


@pytest.fixture
def history():
    return History(
        epoch=[1, 2, 3],
        train_loss=[1.0, 0.5, 0.25],
        train_accuracy=[0.5, 0.8, 0.9],
        val_loss=[1.1, 0.7, 0.6],
        val_accuracy=[0.4, 0.7, 0.75],
        lr=[0.1, 0.1, 0.1],
    )


def test_class_counts_are_the_bar_heights_and_the_dashed_lines_their_means():
    training = np.array([0, 0, 1, 2, 2, 2])
    test = np.array([1, 1, 2])
    fig = plot_class_counts({"training": training, "test": test}, num_classes=3)
    ax = fig.axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [2, 1, 3, 0, 2, 1]  # training's three bars, then test's
    means = [line.get_ydata()[0] for line in ax.get_lines()]
    assert means == pytest.approx([2.0, 1.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training (6)", "test (3)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_xlabel() and ax.get_ylabel()


def test_class_counts_refuse_bad_input():
    with pytest.raises(ValueError, match="at least one set"):
        plot_class_counts({})
    with pytest.raises(ValueError, match="outside 0…2"):
        plot_class_counts({"training": np.array([0, 3])}, num_classes=3)
    with pytest.raises(ValueError, match="2 class names for 3 classes"):
        plot_class_counts({"training": np.array([0])}, num_classes=3, class_names=["a", "b"])


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_pixel_statistics_show_the_mean_and_std_of_each_pixel(dtype):
    images = np.zeros((4, 28, 28), dtype=np.uint8)
    images[:2, 10, 12] = 255  # one pixel inked in half the images
    if dtype is np.float32:
        images = images.astype(np.float32) / 255
    fig = plot_pixel_statistics(images.reshape(4, 784), title="four digits")
    mean_ax, std_ax, histogram_ax = fig.axes[:3]
    mean, std = mean_ax.images[0].get_array(), std_ax.images[0].get_array()
    assert mean[10, 12] == pytest.approx(0.5) and mean.sum() == pytest.approx(0.5)
    assert std[10, 12] == pytest.approx(0.5) and std.sum() == pytest.approx(0.5)
    counts = [bar.get_height() for bar in histogram_ax.patches]
    assert sum(counts) == 4 * 784 and counts[0] == 4 * 784 - 2 and counts[-1] == 2
    assert histogram_ax.get_xlabel() and histogram_ax.get_yscale() == "log"


def test_confidence_grid_titles_each_digit_with_its_prediction_and_probability():
    images = np.zeros((3, 784))
    fig = digit_confidence_grid(images, [7, 3, 1], [2, 3, 7], [0.99994, 0.5, 0.123], columns=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["7→2\n100.0%", "3→3\n50.0%", "1→7\n12.3%"]
    assert [ax.title.get_color() for ax in fig.axes[:3]] == ["C3", "black", "C3"]
    assert len(fig.axes) == 4 and not fig.axes[3].images  # the grid's spare cell stays empty
    with pytest.raises(ValueError, match="same length"):
        digit_confidence_grid(images, [7, 3], [2, 3, 7], [0.9, 0.5, 0.1])


def test_first_layer_weights_show_one_column_of_w_per_neuron():
    model = MLP([784, 20, 10], "relu", rng=0)
    weight = model.layers[0].weight.data
    fig = plot_first_layer_weights(model.layers[0].weight, units=5, columns=4)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 5 and len(fig.axes) == 8
    for j, ax in enumerate(shown):
        image = ax.images[0]
        np.testing.assert_array_equal(image.get_array(), weight[:, j].reshape(28, 28))
        low, high = image.get_clim()
        assert low == -high == -np.abs(weight[:, j]).max()  # white is exactly zero
        assert ax.get_title() == f"neuron {j}"
    assert len(plot_first_layer_weights(weight[:, :3]).axes) == 8  # fewer neurons than asked
    with pytest.raises(ValueError, match=r"shape \(784, hidden\)"):
        plot_first_layer_weights(np.zeros((10, 3)))


def test_history_animation_has_one_frame_per_epoch_and_grows(history):
    animation = animate_history(history, dpi=40)
    fig = animation._fig
    loss_ax, accuracy_ax = fig.axes
    assert (loss_ax.get_xlabel(), accuracy_ax.get_ylabel()) == ("epoch", "accuracy (%)")
    assert loss_ax.get_xlim() == (0.5, 3.5)
    low, high = accuracy_ax.get_ylim()
    assert low < 40 and high > 90  # the whole run fits from the first frame on
    animation._draw_frame(1)
    training, test = accuracy_ax.get_lines()
    assert list(training.get_xdata()) == [1, 2]
    assert list(test.get_ydata()) == pytest.approx([40.0, 70.0])
    assert fig.texts[0].get_text() == "after epoch 2 of 3"
    html = animation.to_jshtml()
    assert len(re.findall(r'frames\[\d+\] = "data:image/png;base64,', html)) == 3


def test_history_animation_without_validation_and_when_empty(history):
    history.val_loss, history.val_accuracy = [], []
    animation = animate_history(history, dpi=40)
    assert [len(ax.get_lines()) for ax in animation._fig.axes] == [1, 1]
    html = animation.to_jshtml()  # rendered, so matplotlib does not warn when it is deleted
    assert len(re.findall(r'frames\[\d+\] = "data:image/png;base64,', html)) == 3
    with pytest.raises(ValueError, match="empty"):
        animate_history(History())
