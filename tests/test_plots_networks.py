"""ppn.plots for chapters 2 and 6: network diagrams drawn from an MLP, digits beside their
scores, and the adjoint vector of Algorithm 1 step by step."""

import math
import re

import matplotlib.colors
import numpy as np
import pytest
from matplotlib.collections import LineCollection

import ppn
from ppn.nn import MLP
from ppn.plots import (
    animate_reverse_loop,
    digit_scores_grid,
    draw_adjoint_vector,
    draw_digit_scores,
    draw_network,
    network_layout,
)


def weight_lines(ax):
    """The LineCollections of a network diagram, by layer."""
    return {
        c.get_gid(): c
        for c in ax.collections
        if isinstance(c, LineCollection) and (c.get_gid() or "").startswith("weights")
    }


# network_layout


def test_a_small_network_shows_every_neuron():
    layout = network_layout([4, 5, 3], max_nodes=10)
    assert sorted(layout.positions) == [(l, j) for l, n in enumerate([4, 5, 3]) for j in range(n)]
    assert layout.gaps == {}
    assert {x for x, _ in layout.positions.values()} == {0.0, 1.0, 2.0}


def test_a_wide_layer_shows_its_first_and_last_neurons_around_a_gap():
    layout = network_layout([784, 32, 10], max_nodes=10)
    inputs = sorted(j for l, j in layout.positions if l == 0)
    assert inputs == [0, 1, 2, 3, 4, 780, 781, 782, 783]  # 9 neurons + the ellipsis = 10 slots
    assert sorted(j for l, j in layout.positions if l == 2) == list(range(10))  # 10 fit
    assert set(layout.gaps) == {0, 1}
    # The ellipsis sits between the head and the tail.
    head, tail = layout.positions[(0, 4)][1], layout.positions[(0, 780)][1]
    assert tail < layout.gaps[0] < head


def test_layers_are_centred_on_the_same_height():
    layout = network_layout([3, 10, 1], max_nodes=10)
    for layer in range(3):
        heights = [y for (l, _), (_, y) in layout.positions.items() if l == layer]
        assert math.isclose(sum(heights) / len(heights), 0.0, abs_tol=1e-12)


def test_max_nodes_below_three_is_an_error():
    with pytest.raises(ValueError, match="at least 3"):
        network_layout([784, 10], max_nodes=2)


# draw_network


def test_draw_network_draws_one_line_per_shown_weight_coloured_by_sign():
    mlp = MLP([4, 5, 3], activation="tanh", rng=0)
    ax = draw_network(mlp)
    lines = weight_lines(ax)
    assert sorted(lines) == ["weights 0", "weights 1"]
    assert len(lines["weights 0"].get_segments()) == 4 * 5
    assert len(lines["weights 1"].get_segments()) == 5 * 3
    # Segment k of layer 0 joins input j = k // 5 to neuron i = k % 5: its colour is the sign
    # of W[j, i], its width grows with |W[j, i]|.
    weights = mlp.layers[0].weight.data
    colours = lines["weights 0"].get_colors()
    widths = lines["weights 0"].get_linewidths()
    red = matplotlib.colors.to_rgb("#c92a2a")
    for k in range(20):
        w = weights[k // 5, k % 5]
        assert (tuple(colours[k][:3]) == red) == (w > 0)
    order = np.argsort(np.abs(weights).ravel())
    assert np.all(np.diff(np.asarray(widths)[order]) >= 0)


def test_draw_network_samples_a_784_input_layer_with_an_ellipsis():
    mlp = MLP([784, 32, 10], rng=0)
    ax = draw_network(mlp, max_nodes=8)
    lines = weight_lines(ax)
    assert len(lines["weights 0"].get_segments()) == 7 * 7  # 7 neurons shown in each
    assert len(lines["weights 1"].get_segments()) == 7 * 7  # 10 outputs > 8: sampled too
    ellipses = [t for t in ax.texts if (t.get_gid() or "").startswith("ellipsis")]
    assert len(ellipses) == 3
    names = [t.get_text() for t in ax.texts]
    assert "$I_{783}$" in names and "$H_{31}$" in names and "$O_{9}$" in names
    headings = " ".join(names)
    assert "784 values" in headings and "32 neurons, sigmoid" in headings and "logits" in headings


def test_draw_network_names_several_hidden_layers_apart():
    ax = draw_network(MLP([3, 4, 4, 2], rng=0))
    names = {t.get_text() for t in ax.texts}
    assert {"$H^{(1)}_{0}$", "$H^{(2)}_{3}$", "$O_{1}$"} <= names


def test_draw_network_refuses_what_is_not_an_mlp():
    with pytest.raises(TypeError, match="MLP"):
        draw_network(np.zeros((3, 3)))


# draw_digit_scores and digit_scores_grid


def test_draw_digit_scores_highlights_the_label():
    image = np.zeros((28, 28), dtype=np.uint8)
    scores = np.linspace(0.1, 0.9, 10)
    ax_image, ax_bars = draw_digit_scores(image, scores, label=3)
    bars = ax_bars.patches
    assert len(bars) == 10
    colours = [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
    assert colours[3] != colours[0] and len(set(colours)) == 2
    assert ax_bars.get_ylim() == (0.0, 1.0)  # scores in [0, 1]: a fixed scale
    assert ax_image.get_title() == "label 3" and ax_bars.get_title() == "highest: 9"


def test_draw_digit_scores_takes_a_flat_image_and_a_tensor():
    from ppn.tensor import Tensor

    _, ax_bars = draw_digit_scores(np.zeros(784), Tensor(np.arange(10.0) - 5))
    assert ax_bars.get_ylim()[0] < 0  # not clipped to [0, 1]


def test_draw_digit_scores_refuses_a_non_square_image():
    with pytest.raises(ValueError, match="square"):
        draw_digit_scores(np.zeros(780), np.zeros(10))


def test_digit_scores_grid_lays_out_pairs():
    images = np.zeros((5, 28, 28), dtype=np.uint8)
    fig = digit_scores_grid(images, np.full((5, 10), 0.5), labels=range(5), columns=3)
    assert len(fig.axes) == 2 * 3 * 2  # two rows of three pairs
    assert sum(ax.axison for ax in fig.axes) == 2 * 5  # the sixth pair is blank
    with pytest.raises(ValueError, match="same length"):
        digit_scores_grid(images, np.zeros((4, 10)))


# draw_adjoint_vector and animate_reverse_loop


def source_f(x1, x2):
    return x2 * ppn.cos(x1) + ppn.exp(x2)


@pytest.fixture
def rows():
    return ppn.reverse_trace(source_f, math.pi, 1.0)


def test_draw_adjoint_vector_marks_the_node_and_its_parents(rows):
    # After node 4 (v₃ = exp v₀), ∇[1] has received e; node 4's only parent is node 1.
    adjoints = [0.0, math.e, 0.0, 1.0, 1.0, 1.0]
    ax = draw_adjoint_vector(rows, adjoints, 4)
    bars = ax.patches
    assert [b.get_height() for b in bars] == adjoints
    outlined = [k for k, b in enumerate(bars) if b.get_linewidth() > 2]
    assert outlined == [1]
    assert "2.72" in {t.get_text() for t in ax.texts}
    assert "v₃ = exp v₀" in ax.get_title()
    shades = [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
    # The current node has its own colour; nodes after it are final (dark), before it
    # still partial sums (light).
    assert shades[0] == shades[1] == shades[3]
    assert len({shades[3], shades[4], shades[5]}) == 3


def test_draw_adjoint_vector_pads_a_short_vector(rows):
    ax = draw_adjoint_vector(rows, [0.0, 0.0, 1.0], 2)  # backward from node 2: three entries
    assert len(ax.patches) == len(rows)
    with pytest.raises(ValueError, match="adjoints"):
        draw_adjoint_vector(rows, [0.0] * 7, 2)


def test_animate_reverse_loop_has_one_frame_per_step(rows):
    with ppn.Tape() as tape:
        x1, x2 = tape.var(math.pi), tape.var(1.0)
        y = source_f(x1, x2)
    full = tape.backward(y)
    steps = [(i, full) for i in range(len(tape) - 1, -1, -1)]
    html = animate_reverse_loop(rows, steps, dpi=30).to_jshtml()
    assert len(re.findall(r"frames\[\d+\] =", html)) == len(rows)
