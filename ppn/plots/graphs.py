"""Computation graphs drawn from a trace, trace tables, and the passes over them.

A trace (``ppn.forward_trace`` for Table 1, ``ppn.reverse_trace`` for Table 2)
lists the intermediate variables vᵢ in the order they were computed, each with
its operation and operands.  That is the whole computation graph: one node per
row, one edge per operand that is a variable.  The functions here only read
traces; they compute no derivative themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

from ..trace import TraceRow, rounded, variable_operands
from ._common import _INPUT_COLOUR, _NODE_COLOUR

# How each kind of trace writes the derivative of vᵢ in a figure (mathtext).
DERIVATIVES = {"tangent": r"\dot{v}", "adjoint": r"\bar{v}"}

# The node a pass has just reached: its fill, and its outline, arrows and bar.
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


# --- The reverse loop over a tape (chapter 5): the adjoint vector ∇ node by node ------------------


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
