"""ppn.plots for the source's figures 4 and 6: one neuron with its numbers, and the gradient
as the direction of steepest ascent (contour lines with gradient arrows, slopes by direction)."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Annotation

import ppn
from ppn.plots import draw_directional_derivatives, draw_gradient_field, draw_neuron


def texts_by_gid(ax):
    return {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}


def test_draw_neuron_shows_each_input_weight_and_the_output_of_eq_3():
    inputs, weights, bias = [0.5, -1.0, 2.0], [0.8, 0.2, -0.5], 0.1
    texts = texts_by_gid(draw_neuron(inputs, weights, bias))
    z = sum(x * w for x, w in zip(inputs, weights, strict=True)) + bias
    assert [texts[f"input {i}"].split("\n")[1] for i in (1, 2, 3)] == ["0.5", "-1", "2"]
    assert texts["weight 3"] == "$w_{3} = -0.5$"
    assert f"$z = {z:.4f}$" in texts["sum"]
    assert texts["output"].endswith(f"$= {ppn.sigmoid(z):.4f}$")


def test_draw_neuron_colours_the_arrows_by_the_sign_of_the_weight():
    ax = draw_neuron([1.0, 1.0], [0.3, -0.3], 0.0)
    arrows = [t for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch is not None]
    colours = [arrow.arrow_patch.get_edgecolor() for arrow in arrows[:2]]
    assert colours[0] != colours[1]


def test_draw_neuron_refuses_a_weight_count_that_does_not_match():
    with pytest.raises(ValueError, match="one weight per input: got 3 inputs and 2 weights"):
        draw_neuron([1.0, 2.0, 3.0], [0.1, 0.2], 0.0)


def plane(x1, x2):
    return 2 * x1 + x2


def test_draw_gradient_field_points_each_arrow_along_its_gradient():
    points = [(0.0, 0.0), (1.0, -1.0)]
    gradients = [(2.0, 1.0), (0.0, -3.0)]
    ax = draw_gradient_field(plane, points, gradients, extent=(-2, 2, -2, 2), highlight=1)
    arrows = {t.get_gid(): t for t in ax.texts if (t.get_gid() or "").startswith("gradient")}
    assert sorted(arrows) == ["gradient 0", "gradient 1"]
    for k, (point, gradient) in enumerate(zip(points, gradients, strict=True)):
        drawn = np.subtract(arrows[f"gradient {k}"].xy, point)
        cosine = drawn @ gradient / (np.linalg.norm(drawn) * np.linalg.norm(gradient))
        assert cosine == pytest.approx(1.0)
    lengths = [np.linalg.norm(np.subtract(arrows[f"gradient {k}"].xy, points[k])) for k in (0, 1)]
    assert lengths[0] == pytest.approx(lengths[1])  # directions only, one length
    assert ax.get_aspect() == 1.0
    plt.close("all")


def test_draw_gradient_field_refuses_mismatched_or_zero_gradients():
    with pytest.raises(ValueError, match="one gradient per point"):
        draw_gradient_field(plane, [(0.0, 0.0)], [(1.0, 0.0), (0.0, 1.0)], extent=(-1, 1, -1, 1))
    with pytest.raises(ValueError, match="zero gradient has no direction"):
        draw_gradient_field(plane, [(0.0, 0.0)], [(0.0, 0.0)], extent=(-1, 1, -1, 1))
    with pytest.raises(ValueError, match="extent must be"):
        draw_gradient_field(plane, [(0.0, 0.0)], [(1.0, 0.0)], extent=(1, -1, -1, 1))


def test_draw_directional_derivatives_marks_the_gradient_direction_and_length():
    gradient = (0.0, math.e - 1)
    angles = np.arange(0, 361)
    slopes = [gradient[0] * math.cos(math.radians(t)) + gradient[1] * math.sin(math.radians(t))
              for t in angles]  # fmt: skip
    ax = draw_directional_derivatives(angles, slopes, gradient)
    labels = ax.get_legend_handles_labels()[1]
    assert "direction of $\\nabla f$: 90°" in labels
    assert f"$|\\nabla f| = {math.e - 1:.4f}$" in labels
    with pytest.raises(ValueError, match="one slope per angle"):
        draw_directional_derivatives([0, 1], [1.0], gradient)
