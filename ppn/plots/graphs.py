"""Figures the book shows: computation graphs from a trace, training curves, digits.

A trace (``ppn.forward_trace`` for Table 1, ``ppn.reverse_trace`` for Table 2)
lists the intermediate variables vᵢ in the order they were computed, each with
its operation and operands.  That is the whole computation graph: one node per
row, one edge per operand that is a variable.  The functions here only read
traces; they compute no derivative themselves.

``ppn/__init__.py`` does not import this module, so ``import ppn`` does not load matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from ..trace import TraceRow, rounded, variable_operands

# How each kind of trace writes the derivative of vᵢ in a figure (mathtext).
DERIVATIVES = {"tangent": r"\dot{v}", "adjoint": r"\bar{v}"}

_INPUT_COLOUR = "#dbe9f6"
_NODE_COLOUR = "#f4f4f4"
_CURRENT_COLOUR = "#ffd8a8"
_CURRENT_EDGE = "#e8590c"


class Edge(NamedTuple):
    """An arrow of the computation graph: ``operand`` is used to compute ``result``."""

    operand: int  # index i of vᵢ
    result: int


def graph_edges(rows: Sequence[TraceRow]) -> list[Edge]:
    """One edge per operand that is a variable (constants are part of the node's expression)."""
    return [Edge(operand, row.index) for row in rows for operand in variable_operands(row)]


def graph_layout(rows: Sequence[TraceRow]) -> dict[int, tuple[float, float]]:
    """(column, height) of each vᵢ: the column is its depth, the longest path from an input."""
    depth: dict[int, int] = {}
    for row in rows:
        depth[row.index] = 1 + max((depth[o] for o in variable_operands(row)), default=0)
        if row.op == "input":
            depth[row.index] = 0
    columns: dict[int, list[int]] = {}
    for index in depth:  # rows are in evaluation order, so each column is sorted by i
        columns.setdefault(depth[index], []).append(index)
    positions = {}
    for column, members in columns.items():
        for k, index in enumerate(members):
            positions[index] = (float(column), (len(members) - 1) / 2 - k)
    return positions


def _crosses_a_node(edge: Edge, positions: dict[int, tuple[float, float]]) -> bool:
    """True if the straight arrow of ``edge`` would pass over a node in a column it skips."""
    (x0, y0), (x1, y1) = positions[edge.operand], positions[edge.result]
    for index, (x, y) in positions.items():
        if index not in edge and min(x0, x1) < x < max(x0, x1):
            height_there = y0 + (y1 - y0) * (x - x0) / (x1 - x0)
            if abs(height_there - y) < 0.2:  # a node box is about 0.4 rows high
                return True
    return False


def pass_order(rows: Sequence[TraceRow], derivative: str = "tangent") -> list[int]:
    """The indices i in the order the pass computes v̇ᵢ (forward: first to last) or v̄ᵢ (reverse)."""
    _check_kind(derivative)
    indices = [row.index for row in rows]
    return indices if derivative == "tangent" else indices[::-1]


def draw_computation_graph(
    rows: Sequence[TraceRow],
    ax=None,
    *,
    derivative: str = "tangent",
    show: Sequence[str] = ("value", "derivative"),
    step: int | None = None,
    title: str | None = None,
    digits: int = 4,
):
    """Draw the graph of a trace on ``ax``: nodes vᵢ by depth, arrows from operands.

    ``derivative`` names what the trace's ``derivative`` field holds: "tangent"
    (a forward trace, v̇ᵢ) or "adjoint" (a reverse trace, v̄ᵢ).  ``show`` picks
    the lines under each node's expression.  With ``step = k`` the figure shows
    the pass after its (k+1)-th row: that row is highlighted, with the edges
    along which its derivative is computed (forward) or sent back (reverse),
    and rows the pass has not reached show "?".  Returns the axes.
    """
    _check_kind(derivative)
    unknown_show = set(show) - {"value", "derivative"}
    if unknown_show:
        raise ValueError(f"show takes 'value' and 'derivative', not {sorted(unknown_show)}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 3.6))
    order = pass_order(rows, derivative)
    if step is not None and not 0 <= step < len(rows):
        raise ValueError(f"step must be between 0 and {len(rows) - 1}, not {step}")
    done = set(order if step is None else order[: step + 1])
    current = None if step is None else order[step]

    positions = graph_layout(rows)
    nodes = {}
    for row in rows:
        nodes[row.index] = _draw_node(
            ax, row, positions[row.index], derivative, show, digits,
            value_known=derivative == "adjoint" or row.index in done,
            derivative_known=row.index in done,
            current=row.index == current,
        )  # fmt: skip
    drawn: dict[tuple[int, int], int] = {}
    for edge in graph_edges(rows):
        repeat = drawn.get(edge, 0)  # x·x: two edges between the same nodes, bent apart
        drawn[edge] = repeat + 1
        # x·x·x: the edge v₀ → v₂ would run straight through v₁; bend it over the node.
        rad = 0.25 * repeat - (0.35 if _crosses_a_node(edge, positions) else 0.0)
        highlighted = edge.result == current
        ax.annotate(
            "",
            xy=(0.5, 0.5),
            xycoords=nodes[edge.result],
            xytext=(0.5, 0.5),
            textcoords=nodes[edge.operand],
            arrowprops={
                # the adjoint flows back, from the result to its operands
                "arrowstyle": "<|-" if highlighted and derivative == "adjoint" else "-|>",
                "color": _CURRENT_EDGE if highlighted else "0.35",
                "linewidth": 2.2 if highlighted else 1.0,
                "patchA": nodes[edge.operand].get_bbox_patch(),
                "patchB": nodes[edge.result].get_bbox_patch(),
                "connectionstyle": f"arc3,rad={rad}",
            },
            gid=f"edge {edge.operand}->{edge.result}",
        )
    columns = max(x for x, _ in positions.values())
    height = max(abs(y) for _, y in positions.values())
    ax.set_xlim(-0.55, columns + 0.55)
    status_room = 0.75 if current is not None else 0.55  # a line of text under the graph
    ax.set_ylim(-height - status_room, height + 0.55)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, fontsize=10)
    if current is not None:
        row = next(r for r in rows if r.index == current)
        ax.text(
            0.5, 0.0, _status(row, rows, step, derivative, digits), transform=ax.transAxes,
            ha="center", va="bottom", fontsize=9, color=_CURRENT_EDGE,
        )  # fmt: skip
    return ax


def animate_trace(
    rows: Sequence[TraceRow],
    *,
    derivative: str = "tangent",
    title: str | None = None,
    figsize: tuple[float, float] = (8.0, 3.6),
    dpi: int = 80,
    interval: int = 1500,
) -> FuncAnimation:
    """One frame per row, in the order of the pass: ``draw_computation_graph`` at steps 0, 1, ….

    The figure is not made with pyplot, so no static copy of it appears in a
    notebook; show the animation with ``IPython.display.HTML(anim.to_jshtml())``.
    """
    _check_kind(derivative)
    fig = Figure(figsize=figsize, dpi=dpi)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.9)

    def draw(step: int):
        ax.clear()
        draw_computation_graph(rows, ax, derivative=derivative, step=step, title=title)
        return []

    return FuncAnimation(fig, draw, frames=len(rows), interval=interval, repeat=False)


def trace_table(
    *traces: Sequence[TraceRow],
    headers: Sequence[str] | None = None,
    digits: int = 4,
    highlight: int | None = None,
) -> str:
    """A Markdown table of traces of one function: variable, expression, value, one derivative
    column per trace (e.g. the tangents for two seeds, as in Table 1).  Row vᵢ with
    i = ``highlight`` is set in bold."""
    if not traces:
        raise ValueError("trace_table needs at least one trace")
    headers = list(headers) if headers is not None else ["derivative"] * len(traces)
    if len(headers) != len(traces):
        raise ValueError(f"{len(traces)} traces need {len(traces)} headers, not {len(headers)}")
    first = traces[0]
    for other in traces[1:]:
        same = len(other) == len(first) and all(
            (a.index, a.op, a.operands, a.primal) == (b.index, b.op, b.operands, b.primal)
            for a, b in zip(first, other, strict=True)
        )
        if not same:
            raise ValueError("the traces differ in their operations or values: not one function")
    lines = [
        "| " + " | ".join(["variable", "expression", "value", *headers]) + " |",
        "|:--|:--|--:|" + "--:|" * len(traces),
    ]
    for k, row in enumerate(first):
        cells = [row.name, row.expression, rounded(row.primal, digits)]
        cells += [rounded(trace[k].derivative, digits) for trace in traces]
        if row.index == highlight:
            cells = [f"**{cell}**" for cell in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _check_kind(derivative: str) -> None:
    if derivative not in DERIVATIVES:
        raise ValueError(f"derivative must be 'tangent' or 'adjoint', not {derivative!r}")


def _symbol(derivative: str, index: int) -> str:
    return f"${DERIVATIVES[derivative]}_{{{index}}}$"


def _draw_node(ax, row, position, derivative, show, digits, *, value_known, derivative_known,
               current):  # fmt: skip
    lines = [f"{row.name} = {row.expression}"]
    if "value" in show:
        lines.append("= " + (rounded(row.primal, digits) if value_known else "?"))
    if "derivative" in show:
        number = rounded(row.derivative, digits) if derivative_known else "?"
        lines.append(f"{_symbol(derivative, row.index)} = {number}")
    colour = _CURRENT_COLOUR if current else _INPUT_COLOUR if row.op == "input" else _NODE_COLOUR
    return ax.text(
        *position, "\n".join(lines), ha="center", va="center", fontsize=9,
        color="black" if derivative_known or not show else "0.3",
        bbox={"boxstyle": "round,pad=0.4", "facecolor": colour,
              "edgecolor": _CURRENT_EDGE if current else "0.35",
              "linewidth": 2.0 if current else 1.0},
        zorder=3, gid=f"node {row.index}",
    )  # fmt: skip


def _status(row: TraceRow, rows, step: int, derivative: str, digits: int) -> str:
    """One line under the figure: what the pass has just computed."""
    where = f"step {step + 1} of {len(rows)}: "
    number = rounded(row.derivative, digits)
    symbol = _symbol(derivative, row.index)
    if derivative == "tangent":
        value = rounded(row.primal, digits)
        seed = " (the seed)" if row.op == "input" else ""
        return f"{where}{row.name} = {row.expression} = {value},  {symbol} = {number}{seed}"
    if step == 0:
        return f"{where}{symbol} = {number}: the seed, ∂f/∂f = 1"
    if row.op == "input":
        return f"{where}{symbol} = {number} is complete: it is ∂f/∂{row.input_name}"
    parents = sorted({e.operand for e in graph_edges([row])})
    names = ", ".join(r.name for r in rows if r.index in parents)
    return f"{where}{symbol} = {number} is complete; it flows back to {names}"


# --- Training: curves, confusion matrices, digits --------------------------------------------


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


def plot_confusion_matrix(matrix, class_names=None, *, title: str = "confusion matrix") -> Figure:
    """M[i, j] = examples of true class i predicted as j, as a heat map with the counts in it."""
    matrix = np.asarray(matrix)
    names = class_names or [str(i) for i in range(len(matrix))]
    fig = Figure(figsize=(5.6, 5))
    ax = fig.subplots()
    image = ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(len(names)), names)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    threshold = image.norm.vmax * 0.6
    for (i, j), count in np.ndenumerate(matrix):
        colour = "white" if np.log1p(count) > threshold else "black"
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7, color=colour)
    fig.tight_layout()
    return fig


def digit_grid(images, labels=None, *, predictions=None, columns: int = 10, title=None) -> Figure:
    """Images (N×28×28 or N×784) in a grid, titled with label (and prediction, red if wrong)."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    rows = -(-len(images) // columns)
    fig = Figure(figsize=(columns * 0.9, rows * 1.05))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for k, ax in enumerate(axes):
        ax.axis("off")
        if k >= len(images):
            continue
        ax.imshow(images[k], cmap="gray_r")
        if predictions is not None:
            wrong = labels is not None and predictions[k] != labels[k]
            text = f"{labels[k]}→{predictions[k]}" if labels is not None else str(predictions[k])
            ax.set_title(text, fontsize=8, color="C3" if wrong else "black")
        elif labels is not None:
            ax.set_title(str(labels[k]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- Networks and their outputs (chapter 2); the reverse loop over a tape (chapter 5) -------


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


_POSITIVE = "#c92a2a"
_NEGATIVE = "#1c7ed6"


def _neuron_name(layer: int, neuron: int, layers: int, hidden_layers: int) -> str:
    """$I_j$ for inputs, $H_i$ (or $H^{(k)}_i$) for hidden neurons, $O_k$ for outputs."""
    if layer == 0:
        return f"$I_{{{neuron}}}$"
    if layer == layers - 1:
        return f"$O_{{{neuron}}}$"
    if hidden_layers == 1:
        return f"$H_{{{neuron}}}$"
    return f"$H^{{({layer})}}_{{{neuron}}}$"


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


def draw_adjoint_vector(rows: Sequence[TraceRow], adjoints: Sequence[float], node: int, ax=None,
                        *, digits: int = 4):  # fmt: skip
    """The adjoint vector ∇ of Algorithm 1 after node ``node`` (an index into ``rows``).

    One bar per tape node, named as the trace names it.  The node just processed is
    orange, the parents it sent its adjoint to are outlined; nodes the loop has passed are
    final (dark), the others still partial sums (light).  Returns the axes.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 3))
    if len(adjoints) > len(rows):
        raise ValueError(f"{len(adjoints)} adjoints for a trace of {len(rows)} rows")
    values = [float(a) for a in adjoints] + [0.0] * (len(rows) - len(adjoints))
    current = rows[node]
    operands = set(variable_operands(current))
    parents = {k for k, row in enumerate(rows) if row.index in operands}
    positions = range(len(rows))
    colours = [_CURRENT_EDGE if k == node else "0.3" if k > node else "0.75" for k in positions]
    bars = ax.bar(positions, values, color=colours, gid="adjoints")
    for k in parents:
        bars[k].set_edgecolor(_CURRENT_EDGE)
        bars[k].set_linewidth(2.5)
    top = max(max(abs(v) for v in values), 1.0)
    for k, v in enumerate(values):
        ax.text(k, v + 0.04 * top if v >= 0 else v - 0.04 * top, rounded(v, 2),
                ha="center", va="bottom" if v >= 0 else "top", fontsize=8)  # fmt: skip
    ax.set_xticks(list(positions), [f"∇[{k}]\n{row.name}" for k, row in enumerate(rows)],
                  fontsize=8)  # fmt: skip
    ax.axhline(0, color="0.5", linewidth=0.8)
    ax.set_ylim(min(min(values), 0) - 0.25 * top, top * 1.25)
    ax.set_ylabel(r"adjoint $\nabla[k] = \partial f / \partial w_k$", fontsize=8)
    ax.set_title(f"after node {node} ({current.name} = {current.expression})", fontsize=9)
    return ax


def animate_reverse_loop(
    rows: Sequence[TraceRow],
    steps: Sequence[tuple[int, Sequence[float]]],
    *,
    figsize: tuple[float, float] = (10, 3.4),
    dpi: int = 72,
    interval: int = 1500,
) -> FuncAnimation:
    """One frame per node of the reverse loop: the graph at that step beside the vector ∇.

    ``steps`` holds ``(node, adjoints)`` after each node, from the last node to the first.
    Show it with ``IPython.display.HTML(anim.to_jshtml())``.
    """
    fig = Figure(figsize=figsize, dpi=dpi)
    ax_graph, ax_vector = fig.subplots(1, 2, width_ratios=[1.5, 1])
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.17, top=0.88, wspace=0.12)
    order = pass_order(rows, "adjoint")

    def draw(frame: int):
        node, adjoints = steps[frame]
        ax_graph.clear()
        ax_vector.clear()
        draw_computation_graph(rows, ax_graph, derivative="adjoint", step=order.index(
            rows[node].index), show=("derivative",))  # fmt: skip
        draw_adjoint_vector(rows, adjoints, node, ax_vector)
        return []

    return FuncAnimation(fig, draw, frames=len(steps), interval=interval, repeat=False)


# --- Gradient descent: curves of several runs on one axes, descent paths on a cost surface ----


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


# --- MNIST: the data set, the most confident mistakes, the first layer, curves growing -------


def plot_class_counts(labels_by_set, *, num_classes: int = 10, class_names=None,
                      title: str | None = None) -> Figure:  # fmt: skip
    """How many examples of each class each set holds: one group of bars per class.

    ``labels_by_set`` maps a set's name ("training", "test") to its labels; a dashed
    line marks each set's mean count, the height every bar would have if the classes
    were perfectly balanced.
    """
    if not labels_by_set:
        raise ValueError("labels_by_set is empty: give at least one set of labels")
    names = class_names or [str(k) for k in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f"{len(names)} class names for {num_classes} classes")
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    width = 0.8 / len(labels_by_set)
    classes = np.arange(num_classes)
    for k, (name, labels) in enumerate(labels_by_set.items()):
        counts = np.bincount(np.asarray(labels).ravel(), minlength=num_classes)
        if len(counts) > num_classes:
            raise ValueError(f"{name!r} has a label outside 0…{num_classes - 1}")
        offset = (k - (len(labels_by_set) - 1) / 2) * width
        ax.bar(classes + offset, counts, width=width, color=f"C{k}",
               label=f"{name} ({counts.sum():,})")  # fmt: skip
        ax.axhline(counts.mean(), color=f"C{k}", linestyle="--", linewidth=1)
    ax.set_xticks(classes, names)
    ax.set_ylim(0, 1.2 * ax.get_ylim()[1])  # room for the legend above the bars
    ax.set(xlabel="class", ylabel="number of examples", title=title or "examples per class")
    ax.legend(fontsize=8, loc="upper center", ncols=len(labels_by_set))
    fig.tight_layout()
    return fig


def plot_pixel_statistics(images, *, title: str | None = None) -> Figure:
    """The mean image, the standard deviation of each pixel, and the histogram of all pixels.

    ``images`` are N×28×28 (or N×784) grey levels, uint8 0–255 or floats in [0, 1].
    """
    images = np.asarray(images)
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    pixels = images.reshape(len(images), 28, 28).astype(np.float64) / scale
    fig = Figure(figsize=(9, 3))
    mean_ax, std_ax, histogram_ax = fig.subplots(1, 3, width_ratios=[1, 1, 1.5])
    for ax, image, name in ((mean_ax, pixels.mean(axis=0), "mean of each pixel"),
                            (std_ax, pixels.std(axis=0), "standard deviation")):  # fmt: skip
        shown = ax.imshow(image, cmap="gray_r", vmin=0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(name, fontsize=9)
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    histogram_ax.hist(pixels.ravel(), bins=np.linspace(0, 1, 52), color="C0")
    histogram_ax.set_yscale("log")
    histogram_ax.set(xlabel="pixel value (0 = background, 1 = ink)", ylabel="pixels (log scale)")
    histogram_ax.set_title("all pixels", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def digit_confidence_grid(images, labels, predictions, confidences, *, columns: int = 8,
                          title: str | None = None) -> Figure:  # fmt: skip
    """``digit_grid`` titled "label→prediction" with the probability the network gave it.

    ``confidences[k]`` is the probability of ``predictions[k]`` (a number in [0, 1]); wrong
    predictions are titled in red.
    """
    count = len(images)
    if not (len(labels) == len(predictions) == len(confidences) == count):
        raise ValueError("images, labels, predictions and confidences must have the same length")
    fig = digit_grid(images, labels, predictions=predictions, columns=columns)
    for ax, confidence in zip(fig.axes[:count], confidences, strict=True):
        text, colour = ax.get_title(), ax.title.get_color()
        ax.set_title(f"{text}\n{100 * confidence:.1f}%", fontsize=8, color=colour)
    fig.set_size_inches(columns * 0.9, -(-count // columns) * 1.25)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_first_layer_weights(weights, *, units: int = 16, columns: int = 8,
                             title: str | None = None) -> Figure:  # fmt: skip
    """The weights into each of the first ``units`` hidden neurons, as 28×28 images.

    ``weights`` is the first layer's matrix W of shape (784, hidden) (``model.layers[0].weight``
    or its array): column j holds the weight of every pixel in neuron j's sum.  Red pixels
    push the neuron up when inked, blue ones down; each image has its own symmetric scale.
    """
    weights = np.asarray(getattr(weights, "data", weights))
    if weights.ndim != 2 or weights.shape[0] != 784:
        raise ValueError(
            f"expected first-layer weights of shape (784, hidden), got shape {weights.shape}"
        )
    units = min(units, weights.shape[1])
    rows = -(-units // columns)
    fig = Figure(figsize=(columns * 1.0, rows * 1.1 + 0.4))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for j, ax in enumerate(axes):
        ax.set_axis_off()
        if j >= units:
            continue
        column = weights[:, j].reshape(28, 28)
        limit = float(np.abs(column).max()) or 1.0
        # Nearest: one flat square per pixel, as the network sees it (and a smaller PNG).
        ax.imshow(column, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(f"neuron {j}", fontsize=8)
    fig.suptitle(title or f"weights into the first {units} hidden neurons (red +, blue −)",
                 fontsize=10)  # fmt: skip
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


# --- Performance and accuracy (chapter 8): throughput against batch size, the accuracy study --


def plot_throughput(batch_sizes, images_per_second, *, title: str | None = None) -> Figure:
    """Training throughput (images per second) against the batch size, on log–log axes."""
    batch_sizes = np.asarray(batch_sizes, dtype=float)
    rates = np.asarray(images_per_second, dtype=float)
    if batch_sizes.shape != rates.shape or batch_sizes.ndim != 1 or not len(rates):
        raise ValueError(
            f"need one throughput per batch size, got {batch_sizes.shape} and {rates.shape}"
        )
    fig = Figure(figsize=(5.6, 3.6))
    ax = fig.subplots()
    ax.loglog(batch_sizes, rates, marker="o")
    for size, rate in zip(batch_sizes, rates, strict=True):
        ax.annotate(f"{rate:,.0f}", (size, rate), textcoords="offset points", xytext=(0, 7),
                    ha="center", fontsize=8)  # fmt: skip
    ax.set_xticks(batch_sizes, [f"{int(s)}" for s in batch_sizes])
    ax.minorticks_off()
    ax.set_ylim(rates.min() / 2, rates.max() * 2)
    ax.set(xlabel="batch size (images per step)", ylabel="training throughput (images/s)",
           title=title or "throughput against batch size")  # fmt: skip
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


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


# --- Your own handwriting: from the pen to the network's input ---------------------------------


def plot_digit_preparation(drawing, digit, *, title: str | None = None) -> Figure:
    """A drawing beside what ``ppn.data.prepare_digit`` made of it.

    Left, the drawing (any size, ink bright or dark) with the bounding box of its ink;
    right, the 28×28 digit: the ink's box, now 20 pixels on its longest side, and its
    centre of mass (a dot) on the centre of the field (the dashed cross).
    """
    drawing = np.asarray(drawing, dtype=np.float64)
    drawing = drawing / 255.0 if drawing.max(initial=0) > 1 else drawing
    if drawing.ndim != 2:
        raise ValueError(f"the drawing must be a grey image (H, W), got shape {drawing.shape}")
    border = np.concatenate([drawing[0], drawing[-1], drawing[:, 0], drawing[:, -1]])
    ink_level = 1.0 - drawing if border.mean() > 0.5 else drawing  # ink bright, as prepared
    digit = np.asarray(digit, dtype=np.float64).reshape(28, 28)
    fig = Figure(figsize=(7.2, 3.4))
    ax_drawing, ax_digit = fig.subplots(1, 2, width_ratios=[1, 1])
    ax_drawing.imshow(ink_level, cmap="gray_r", vmin=0, vmax=1)
    ax_digit.imshow(digit, cmap="gray_r", vmin=0, vmax=1)
    boxes = [(ax_drawing, ink_level > 0.1), (ax_digit, digit > 0)]
    for ax, ink in boxes:
        if ink.any():
            rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
            height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
            ax.add_patch(_rectangle((cols[0] - 0.5, rows[0] - 0.5), width, height))
            ax.text(cols[0] - 0.5, rows[0] - 1, f"ink: {height}×{width} px", color="C1",
                    fontsize=8, va="bottom")  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
    ax_drawing.set_title(f"the drawing, {drawing.shape[0]}×{drawing.shape[1]} pixels", fontsize=9)
    ax_digit.set_title("prepared: 28×28, mass in the centre", fontsize=9)
    ax_digit.axhline(13.5, color="C2", lw=0.8, ls="--")
    ax_digit.axvline(13.5, color="C2", lw=0.8, ls="--")
    if digit.sum() > 0:
        ys, xs = np.indices(digit.shape)
        centre = ((xs * digit).sum() / digit.sum(), (ys * digit).sum() / digit.sum())
        ax_digit.plot(*centre, "o", color="C3", ms=5, label="centre of mass")
        ax_digit.legend(loc="lower right", fontsize=7, framealpha=0.8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _rectangle(corner, width, height):
    from matplotlib.patches import Rectangle

    return Rectangle(corner, width, height, fill=False, edgecolor="C1", lw=1.5)


def plot_digit_variants(variants, prepared=None, *, count: int = 6, title: str | None = None
                        ) -> Figure:  # fmt: skip
    """One row of ``count`` digits per variant (``{name: images}``, e.g.
    ``ppn.handwriting.variants``); with ``prepared`` (same names), each digit is followed
    by what ``prepare_digit`` made of it, on a grey background.
    """
    names = list(variants)
    if not names:
        raise ValueError("no variants to draw")
    per_digit = 1 if prepared is None else 2
    columns = count * per_digit
    fig = Figure(figsize=(0.78 * columns + 1.4, 0.82 * len(names) + 0.5))
    axes = np.atleast_2d(fig.subplots(len(names), columns))
    for row, name in enumerate(names):
        images = np.asarray(variants[name]).reshape(-1, 28, 28)
        for k in range(count):
            pair = [images[k]]
            if prepared is not None:
                pair.append(np.asarray(prepared[name]).reshape(-1, 28, 28)[k])
            for j, image in enumerate(pair):
                ax = axes[row, per_digit * k + j]
                ax.imshow(image, cmap="gray_r")
                ax.set_xticks([])
                ax.set_yticks([])
                for spine in ax.spines.values():
                    spine.set_visible(j == 1)
                    spine.set_color("#999")
                if j == 1:
                    ax.set_facecolor("#eee")
                if row == 0:
                    ax.set_title("prepared" if j else "as drawn", fontsize=7)
        axes[row, 0].set_ylabel(name, fontsize=8, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(pad=0.4, w_pad=0.1, h_pad=0.2)
    return fig


def plot_reading_accuracy(table, *, title: str | None = None) -> Figure:
    """Accuracy per kind of digit: ``table[variant][column]`` (fractions), one bar per column.

    The columns are e.g. "no augmentation, as drawn", …; each variant is a group of bars.
    """
    variants = list(table)
    if not variants:
        raise ValueError("no rows to draw")
    columns = list(table[variants[0]])
    fig = Figure(figsize=(9, 0.18 * len(variants) * len(columns) + 1.8))
    ax = fig.subplots()
    height = 0.8 / len(columns)
    positions = np.arange(len(variants))[::-1]  # the first variant on top
    for j, column in enumerate(columns):
        values = np.array([100 * table[v][column] for v in variants])
        y = positions + 0.4 - height * (j + 0.5)
        ax.barh(y, values, height=height * 0.92, color=f"C{j}", label=column)
        for yy, value in zip(y, values, strict=True):
            ax.text(value + 0.6, yy, f"{value:.1f}", va="center", fontsize=7)
    ax.set_yticks(positions, variants, fontsize=9)
    ax.set_xlim(0, 108)
    ax.set(xlabel="test accuracy (%)", title=title or "accuracy on each kind of digit")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


# --- The source's figures 4 and 6: one neuron, the gradient as the steepest ascent -------------


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


def draw_gradient_field(f, points, gradients, ax=None, *, extent, resolution: int = 81,
                        levels: int = 12, highlight=None, title: str | None = None):  # fmt: skip
    """Contour lines of f(x₁, x₂) over ``extent`` = (x₁ from, x₁ to, x₂ from, x₂ to), and at
    each of ``points`` an arrow along the gradient given for it in ``gradients``.

    Every arrow has the same length: the figure shows the direction of ∇f, across the
    contour lines and uphill.  The axes have equal scales, so a right angle looks like one.
    ``highlight`` (an index into ``points``) draws that arrow thicker and in another colour.
    The arrows carry gids ``gradient k``.  Returns the axes.
    """
    x0, x1, y0, y1 = extent
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"extent must be (x0, x1, y0, y1) with x0 < x1 and y0 < y1, not {extent}")
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    gradients = np.asarray(gradients, dtype=np.float64).reshape(-1, 2)
    if points.shape != gradients.shape:
        raise ValueError(
            f"one gradient per point: got {len(points)} points, {len(gradients)} gradients"
        )
    norms = np.hypot(gradients[:, 0], gradients[:, 1])
    if np.any(norms == 0):
        raise ValueError("a zero gradient has no direction to draw: leave that point out")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 3.6))
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    surface = np.array([[f(x, y) for x in xs] for y in ys])
    contours = ax.contour(xs, ys, surface, levels=levels, cmap="viridis", linewidths=0.9)
    ax.clabel(contours, fontsize=6, fmt="%.1f")
    length = 0.07 * max(x1 - x0, y1 - y0)
    for k, (point, gradient, norm) in enumerate(zip(points, gradients, norms, strict=True)):
        tip = point + length * gradient / norm
        colour, width = ("C3", 2.0) if k == highlight else ("0.2", 0.9)
        # annotation_clip=False: an arrow whose tip leaves the axes is still drawn, not dropped.
        ax.annotate("", xy=tip, xytext=point, gid=f"gradient {k}", zorder=3, annotation_clip=False,
                    arrowprops=dict(arrowstyle="-|>", color=colour, linewidth=width,
                                    shrinkA=0, shrinkB=0))  # fmt: skip
        ax.plot(*point, "o", color=colour, markersize=2.5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


def draw_directional_derivatives(angles, slopes, gradient, ax=None, *, title: str | None = None):
    """The slope ∇f·u of f in each unit direction u = (cos θ, sin θ), against θ (degrees),
    with the direction of ``gradient`` and its length |∇f| marked: the largest slope.

    ``slopes[k]`` is the directional derivative in the direction ``angles[k]``.  Returns the axes.
    """
    angles = np.asarray(angles, dtype=np.float64).ravel()
    slopes = np.asarray(slopes, dtype=np.float64).ravel()
    if angles.shape != slopes.shape or angles.size == 0:
        raise ValueError(f"one slope per angle: got {angles.size} angles, {slopes.size} slopes")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 3.2))
    g1, g2 = (float(g) for g in gradient)
    norm = math.hypot(g1, g2)
    direction = math.degrees(math.atan2(g2, g1)) % 360
    ax.plot(angles, slopes, color="C0", label=r"slope $\nabla f \cdot u$ in direction $\theta$")
    ax.axvline(direction, color="C3", linestyle="--", linewidth=1,
               label=f"direction of $\\nabla f$: {direction:.0f}°")  # fmt: skip
    ax.axhline(norm, color="0.5", linestyle=":", linewidth=1,
               label=f"$|\\nabla f| = {norm:.4f}$")  # fmt: skip
    ax.axhline(0, color="0.8", linewidth=0.6)
    ax.set_xlabel(r"direction $\theta$ of the unit vector $u$ (degrees)")
    ax.set_ylabel("slope")
    ax.set_xlim(angles.min(), angles.max())
    ax.legend(fontsize=7, loc="lower left")
    if title is not None:
        ax.set_title(title, fontsize=10)
    return ax


# --- All 60,000 images: elastic distortions, and test error against training-set size -------


def plot_elastic_distortions(images, rng, *, alpha: float = 34.0, sigma: float = 4.0,
                             versions: int = 5, title: str | None = None) -> Figure:  # fmt: skip
    """Each digit (a row) as it is, then ``versions`` elastic distortions of it (α, σ)."""
    from ..data import elastic_distortion

    images = np.asarray(images, dtype=np.float32).reshape(len(images), 28, 28)
    if not len(images) or versions < 1:
        raise ValueError(f"need at least one image and one version, got {len(images)}, {versions}")
    distorted = elastic_distortion(np.repeat(images, versions, axis=0), rng, alpha, sigma)
    distorted = distorted.reshape(len(images), versions, 28, 28)
    fig = Figure(figsize=(0.95 * (versions + 1), 1.0 * len(images) + 0.5))
    axes = fig.subplots(len(images), versions + 1, squeeze=False)
    for image, copies, row in zip(images, distorted, axes, strict=True):
        for ax, shown in zip(row, [image, *copies], strict=True):
            ax.imshow(shown, cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_title("as it is", fontsize=8)
    for ax in axes[0, 1:]:
        ax.set_title(f"α {alpha:g}, σ {sigma:g}", fontsize=8)
    fig.suptitle(title or "elastic distortions (Simard et al. 2003)", fontsize=10)
    fig.tight_layout()
    return fig


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
