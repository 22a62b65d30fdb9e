"""Neurons and networks drawn with their numbers (chapter 2), and digits beside their scores.

``draw_neuron`` is the source's figure 4: one neuron with its inputs, weights and output.
``draw_network`` reads an ``MLP``'s weights; ``draw_digit_scores`` shows a digit beside
the 10 numbers a network (or a one-hot target) gives it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._common import _INPUT_COLOUR, _NODE_COLOUR

# A weight: red if positive, blue if negative.
_POSITIVE = "#c92a2a"
_NEGATIVE = "#1c7ed6"


class NetworkLayout(NamedTuple):
    """Where a network diagram puts its neurons: those shown, and the gap of each sampled layer."""

    positions: dict[tuple[int, int], tuple[float, float]]  # (layer, neuron) -> (x, y)
    gaps: dict[int, float]  # layer -> height of its ellipsis, for layers drawn in part


def network_layout(sizes: Sequence[int], max_nodes: int = 10) -> NetworkLayout:
    """One column per layer; a layer of more than ``max_nodes`` neurons shows its first and
    last ones with an ellipsis between them, in ``max_nodes`` slots in all."""
    if max_nodes < 3:
        raise ValueError(f"max_nodes must be at least 3 (first, ellipsis, last), not {max_nodes}")
    positions: dict[tuple[int, int], tuple[float, float]] = {}
    gaps: dict[int, float] = {}
    for layer, size in enumerate(sizes):
        if size <= max_nodes:
            shown: list[int | None] = list(range(size))
        else:
            head = max_nodes // 2
            tail = max_nodes - 1 - head
            shown = [*range(head), None, *range(size - tail, size)]
        for slot, neuron in enumerate(shown):
            y = (len(shown) - 1) / 2 - slot
            if neuron is None:
                gaps[layer] = y
            else:
                positions[(layer, neuron)] = (float(layer), y)
    return NetworkLayout(positions, gaps)


def draw_network(mlp, ax=None, max_nodes: int = 10, *, title: str | None = None):
    """Draw an ``MLP`` as layers of neurons joined by its weights, read from the model itself.

    Each line is one weight wⱼᵢ = ``layers[l].weight[j, i]`` from neuron j to neuron i:
    red if positive, blue if negative, thicker when larger in magnitude.  A layer wider
    than ``max_nodes`` shows its first and last neurons around an ellipsis (a 784-pixel
    input stays readable).  Returns the axes.
    """
    from matplotlib.collections import LineCollection

    sizes = getattr(mlp, "sizes", None)
    layers = getattr(mlp, "layers", None)
    if sizes is None or layers is None:
        raise TypeError(f"draw_network takes a ppn.nn.MLP, not {type(mlp).__name__}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4.2))
    layout = network_layout(sizes, max_nodes)
    positions = layout.positions
    shown = [[j for (l, j) in positions if l == layer] for layer in range(len(sizes))]

    largest = max(float(np.abs(layer.weight.data).max()) for layer in layers) or 1.0
    for l, layer in enumerate(layers):
        weights = np.asarray(layer.weight.data, dtype=np.float64)
        segments, colours, widths = [], [], []
        for j in shown[l]:
            for i in shown[l + 1]:
                w = weights[j, i]
                segments.append([positions[(l, j)], positions[(l + 1, i)]])
                colours.append(_POSITIVE if w > 0 else _NEGATIVE)
                widths.append(0.2 + 2.0 * abs(w) / largest)
        ax.add_collection(
            LineCollection(segments, colors=colours, linewidths=widths, alpha=0.6, zorder=1,
                           gid=f"weights {l}")
        )  # fmt: skip

    hidden_layers = len(sizes) - 2
    for l in range(len(sizes)):
        centres = np.array([positions[(l, j)] for j in shown[l]])
        ax.scatter(centres[:, 0], centres[:, 1], s=330, zorder=2, linewidths=1.0,
                   color=_INPUT_COLOUR if l == 0 else _NODE_COLOUR, edgecolors="0.35",
                   gid=f"neurons {l}")  # fmt: skip
        for j, (x, y) in zip(shown[l], centres, strict=True):
            name = _neuron_name(l, j, len(sizes), hidden_layers)
            ax.text(x, y, name, ha="center", va="center", fontsize=6.5, zorder=3)
    for l, y in layout.gaps.items():
        ax.text(l, y, "⋮", ha="center", va="center", fontsize=14, gid=f"ellipsis {l}")

    top = max(y for _, y in positions.values())
    activation = getattr(mlp, "activation", "?")
    for l, size in enumerate(sizes):
        if l == 0:
            heading = f"inputs\n{size} values"
        elif l == len(sizes) - 1:
            heading = f"output layer\n{size} neurons, logits"
        else:
            heading = f"hidden layer\n{size} neurons, {activation}"
        ax.text(l, top + 0.9, heading, ha="center", va="bottom", fontsize=8)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-top - 0.7, top + 2.0)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def _neuron_name(layer: int, neuron: int, layers: int, hidden_layers: int) -> str:
    """$I_j$ for inputs, $H_i$ (or $H^{(k)}_i$) for hidden neurons, $O_k$ for outputs."""
    if layer == 0:
        return f"$I_{{{neuron}}}$"
    if layer == layers - 1:
        return f"$O_{{{neuron}}}$"
    if hidden_layers == 1:
        return f"$H_{{{neuron}}}$"
    return f"$H^{{({layer})}}_{{{neuron}}}$"


def draw_neuron(inputs, weights, bias: float, ax=None, *, title: str | None = None):
    """One neuron (eq. 3) with its numbers: inputs xᵢ, weights wᵢ on the arrows, the sum
    z = Σ xᵢwᵢ + b and the output f(x) = σ(z), σ the sigmoid.  Returns the axes.

    The texts carry gids (``input i``, ``weight i``, ``sum``, ``output``), so a test or a
    chapter can read back what the figure says.
    """
    from ..elementary import sigmoid

    inputs = np.asarray(inputs, dtype=np.float64).ravel()
    weights = np.asarray(weights, dtype=np.float64).ravel()
    if inputs.size == 0 or inputs.shape != weights.shape:
        raise ValueError(
            f"a neuron needs one weight per input: got {inputs.size} inputs and "
            f"{weights.size} weights"
        )
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.5, 3.2))
    z = float(inputs @ weights + bias)
    n = inputs.size
    neuron, output = (2.4, 0.0), (4.1, 0.0)
    for i, (x_i, w_i) in enumerate(zip(inputs, weights, strict=True)):
        y = (n - 1) / 2 - i
        ax.annotate("", xy=neuron, xytext=(0.35, y), zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color=_POSITIVE if w_i > 0 else _NEGATIVE,
                                    linewidth=0.8 + 1.5 * abs(w_i) / np.abs(weights).max(),
                                    shrinkA=0, shrinkB=24))  # fmt: skip
        ax.text(0, y, f"$x_{{{i + 1}}}$\n{x_i:g}", ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="circle", facecolor=_INPUT_COLOUR, edgecolor="0.35"),
                gid=f"input {i + 1}")  # fmt: skip
        ax.text(1.25, 0.55 * y + 0.12, f"$w_{{{i + 1}}} = {w_i:g}$", ha="center", va="bottom",
                fontsize=8, gid=f"weight {i + 1}")  # fmt: skip
    ax.text(*neuron, f"$\\Sigma\\ +\\ b$\n$b = {bias:g}$\n$z = {z:.4f}$", ha="center",
            va="center", fontsize=8, gid="sum",
            bbox=dict(boxstyle="circle", facecolor=_NODE_COLOUR, edgecolor="0.35"))  # fmt: skip
    ax.annotate("", xy=output, xytext=neuron, zorder=1,
                arrowprops=dict(arrowstyle="-|>", color="0.3", shrinkA=30, shrinkB=0))  # fmt: skip
    ax.text(3.3, 0.12, r"$\sigma$", ha="center", va="bottom", fontsize=10)
    ax.text(output[0] + 0.1, 0, f"$f(x) = \\sigma(z)$\n$= {float(sigmoid(z)):.4f}$", ha="left",
            va="center", fontsize=9, gid="output")  # fmt: skip
    ax.set_xlim(-0.5, 5.6)
    ax.set_ylim(-(n - 1) / 2 - 0.7, (n - 1) / 2 + 0.7)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def draw_digit_scores(
    image,
    scores,
    *,
    label: int | None = None,
    axes=None,
    score_name: str = "output",
    title: str | None = None,
):
    """A digit beside a bar chart of its 10 scores (a one-hot target, a network's outputs).

    ``image`` is 28×28 (or 784 values); the bar of the true ``label``, if given, is
    orange.  Returns the pair of axes (image, bars).
    """
    image = np.asarray(image)
    side = math.isqrt(image.size)
    if side * side != image.size:
        raise ValueError(f"the image must be square, got {image.size} values")
    scores = np.asarray(getattr(scores, "data", scores), dtype=np.float64).reshape(-1)
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(6, 2.4), width_ratios=[1, 1.8])
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.2, top=0.86, wspace=0.3)
    ax_image, ax_bars = axes
    ax_image.imshow(image.reshape(side, side), cmap="gray_r")
    ax_image.set_xticks([])
    ax_image.set_yticks([])
    if label is not None:
        ax_image.set_title(f"label {label}", fontsize=9)
    classes = np.arange(len(scores))
    colours = ["C1" if k == label else "C0" for k in classes]
    ax_bars.bar(classes, scores, color=colours)
    ax_bars.set_xticks(classes)
    ax_bars.tick_params(labelsize=8)
    ax_bars.set_xlabel("class", fontsize=8)
    ax_bars.set_ylabel(score_name, fontsize=8)
    if scores.min() >= 0 and scores.max() <= 1:
        ax_bars.set_ylim(0, 1)
    ax_bars.set_title(title if title is not None else f"highest: {int(scores.argmax())}",
                      fontsize=9)  # fmt: skip
    return ax_image, ax_bars


def digit_scores_grid(
    images,
    scores,
    labels=None,
    *,
    columns: int = 4,
    score_name: str = "output",
    title: str | None = None,
):
    """Small multiples: ``draw_digit_scores`` for each image, ``columns`` pairs per row.

    Returns the figure (made with pyplot, so that a notebook shows it).
    """
    import matplotlib.pyplot as plt

    count = len(images)
    if len(scores) != count or (labels is not None and len(labels) != count):
        raise ValueError("images, scores and labels must have the same length")
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(
        rows, 2 * columns, figsize=(3.1 * columns, 1.9 * rows + 0.4),
        width_ratios=[1, 1.6] * columns, squeeze=False,
    )  # fmt: skip
    for k in range(rows * columns):
        pair = axes[k // columns, 2 * (k % columns) : 2 * (k % columns) + 2]
        if k >= count:
            for ax in pair:
                ax.set_axis_off()
            continue
        label = None if labels is None else int(labels[k])
        draw_digit_scores(images[k], scores[k], label=label, axes=pair, score_name=score_name)
    if title is not None:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
