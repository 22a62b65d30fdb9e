"""Figures the book shows: computation graphs from a trace, training curves, digits.

A trace (``ppn.forward_trace`` for Table 1, ``ppn.reverse_trace`` for Table 2)
lists the intermediate variables vᵢ in the order they were computed, each with
its operation and operands.  That is the whole computation graph: one node per
row, one edge per operand that is a variable.  The functions here only read
traces; they compute no derivative themselves.

``ppn/__init__.py`` does not import this module, so ``import ppn`` does not load matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from .trace import TraceRow, _rounded

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
    return [
        Edge(operand, row.index)
        for row in rows
        for operand in row.operands
        if isinstance(operand, int) and not isinstance(operand, bool)
    ]


def graph_layout(rows: Sequence[TraceRow]) -> dict[int, tuple[float, float]]:
    """(column, height) of each vᵢ: the column is its depth, the longest path from an input."""
    depth: dict[int, int] = {}
    for row in rows:
        operands = [o for o in row.operands if isinstance(o, int) and not isinstance(o, bool)]
        depth[row.index] = 1 + max((depth[o] for o in operands), default=0)
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
                "connectionstyle": f"arc3,rad={0.25 * repeat}",
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
        cells = [row.name, row.expression, _rounded(row.primal, digits)]
        cells += [_rounded(trace[k].derivative, digits) for trace in traces]
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
        lines.append("= " + (_rounded(row.primal, digits) if value_known else "?"))
    if "derivative" in show:
        number = _rounded(row.derivative, digits) if derivative_known else "?"
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
    number = _rounded(row.derivative, digits)
    symbol = _symbol(derivative, row.index)
    if derivative == "tangent":
        value = _rounded(row.primal, digits)
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
