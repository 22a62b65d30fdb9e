"""Computation graphs drawn from a trace, trace tables, and the passes over them.

A trace (``ppn.forward_trace`` for Table 1, ``ppn.reverse_trace`` for Table 2)
lists the intermediate variables vᵢ in the order they were computed, each with
its operation and operands.  That is the whole computation graph: one node per
row, one edge per operand that is a variable.  The functions here only read
traces; they compute no derivative themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
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

    def draw(ax, step: int):
        draw_computation_graph(rows, ax, derivative=derivative, step=step, title=title)

    return _animate_steps(draw, len(rows), figsize, dpi, interval, top=0.9)


def _animate_steps(draw, frames: int, figsize, dpi: int, interval: int, top: float):
    """A one-axes animation: ``draw(ax, step)`` on a cleared axes for each step 0 … frames − 1."""
    fig = Figure(figsize=figsize, dpi=dpi)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=top)

    def frame(step: int):
        ax.clear()
        draw(ax, step)
        return []

    return FuncAnimation(fig, frame, frames=frames, interval=interval, repeat=False)


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


# --- Tensor nodes (chapter 6): a network's graph, an array of values and adjoints per node ------


class TensorNode(NamedTuple):
    """One node of a tensor tape: its name, how it is computed, its value and its adjoint."""

    name: str
    op: str  # "input" for a leaf (data or a parameter), else its row of ppn.tensor.VJP
    expression: str  # its right-hand side, e.g. "P₁ + b₁" ("" for a leaf)
    parents: tuple[int, ...]  # positions of its parents in the trace
    value: np.ndarray
    adjoint: np.ndarray | None  # ∂output/∂node; None where no gradient is asked for


_TENSOR_INFIX = {"add": "+", "sub": "−", "mul": "⊙", "div": "/"}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def tensor_trace(output, names: Mapping[str, object]) -> list[TensorNode]:
    """The nodes a scalar ``output`` depends on, leaves then tape order, with values and adjoints.

    ``names`` maps a name to each tensor to show ("X", "W₁", "Z₁", …); a node not named is
    called t1, t2, …, and a leaf that needs no gradient is left out unless named.
    The adjoints come from one reverse loop over the recorded nodes (Algorithm 1): each
    node's row of ``ppn.tensor.VJP`` applied to its adjoint, summed back to each parent's
    shape by ``unbroadcast`` and accumulated, which is what ``backward()`` computes, kept
    here for every node.  Call it before ``backward()``, which frees the graph.
    """
    from ..tensor import VJP, unbroadcast

    if output.data.size != 1:
        raise ValueError(f"tensor_trace needs a scalar output, not one of shape {output.shape}")
    named = {id(tensor): name for name, tensor in names.items()}
    recorded, leaves, seen, stack = [], [], {id(output)}, [output]
    while stack:  # every node the output depends on (a loop, not recursion: chains are deep)
        node = stack.pop()
        if node._op is not None and node._parents is None:
            raise RuntimeError("tensor_trace: backward() has freed this graph; trace before it")
        (leaves if node._op is None else recorded).append(node)
        for parent in node._parents or ():
            if id(parent) not in seen and (parent.requires_grad or id(parent) in named):
                seen.add(id(parent))
                stack.append(parent)
    if not recorded:
        raise ValueError("tensor_trace: the output records no operation (nothing requires grad)")
    recorded.sort(key=lambda node: node._index)  # creation order: the Wengert list's
    order = [id(tensor) for tensor in names.values()]
    leaves.sort(key=lambda leaf: order.index(id(leaf)) if id(leaf) in order else len(order))
    nodes = leaves + recorded

    adjoints = {id(output): np.ones_like(output.data)}  # the seed, ∂C/∂C = 1
    for node in reversed(recorded):
        g = adjoints.get(id(node))
        if g is None:
            continue
        row = VJP[node._op]
        arguments = (*[p.data for p in node._parents], node.data, *node._params)
        for rule, parent in zip(row if isinstance(row, tuple) else (row,), node._parents):  # noqa: B905
            if parent.requires_grad:
                x_bar = unbroadcast(np.asarray(rule(g, *arguments)), parent.shape)
                previous = adjoints.get(id(parent))
                adjoints[id(parent)] = x_bar if previous is None else previous + x_bar

    for k, node in enumerate(n for n in nodes if id(n) not in named):
        named[id(node)] = f"t{k + 1}"
    position = {id(node): k for k, node in enumerate(nodes)}
    trace = []
    for node in nodes:
        parents = [p for p in node._parents or () if id(p) in position]
        terms = [named.get(id(p), "c") for p in node._parents or ()]
        trace.append(TensorNode(
            named[id(node)], node._op or "input", _tensor_expression(node, terms),
            tuple(position[id(p)] for p in parents), np.array(node.data),
            adjoints.get(id(node)) if node.requires_grad else None,
        ))  # fmt: skip
    return trace


def _tensor_expression(node, terms: list[str]) -> str:
    op = node._op
    if op is None:
        return ""
    if op in _TENSOR_INFIX:
        return f" {_TENSOR_INFIX[op]} ".join(terms)
    if op == "matmul":
        return " ".join(terms)
    if op == "linear":
        return f"{terms[0]} {terms[1]} + {terms[2]}"
    if op == "pow":
        return f"{terms[0]}{str(node._params[0]).translate(_SUPERSCRIPTS)}"
    if op == "sum":
        return f"Σ {terms[0]}"
    return f"{'σ' if op == 'sigmoid' else op}({terms[0]})"


def tensor_pass_frames(trace: Sequence[TensorNode]) -> list[tuple[str, int | None]]:
    """The steps of a drawing of both passes: ("forward", None) for the leaves, then
    ("forward", k) for each recorded node k, then ("backward", k) from the last to the first."""
    operations = [k for k, node in enumerate(trace) if node.op != "input"]
    return [("forward", None), *[("forward", k) for k in operations],
            *[("backward", k) for k in reversed(operations)]]  # fmt: skip


def _tensor_layout(trace, lines) -> dict[int, tuple[float, float]]:
    """Nodes named in ``lines`` in rows (None leaves a gap); other leaves above-left of their
    first child.  By default one line: the first leaf, then the recorded nodes in order."""
    index = {node.name: k for k, node in enumerate(trace)}
    if lines is None:
        operations = [node.name for node in trace if node.op != "input"]
        lines = [[trace[0].name, *operations]]
    positions = {}
    for r, line in enumerate(lines):
        for c, name in enumerate(line):
            if name is not None:
                positions[index[name]] = (float(c), -2.2 * r)
    for k, node in enumerate(trace):
        if k in positions:
            continue
        child = next((j for j, other in enumerate(trace) if k in other.parents), None)
        if node.op != "input" or child is None or child not in positions:
            raise ValueError(f"draw_tensor_graph: {node.name} has no place; name it in lines")
        x, y = positions[child]
        positions[k] = (x - 0.5, y + 1.0)
    return positions


def _array_text(array: np.ndarray, digits: int) -> str:
    if array.ndim == 0:
        return rounded(float(array), digits)
    return np.array2string(np.asarray(array, dtype=float) + 0.0, precision=digits,
                           floatmode="fixed", suppress_small=True)  # fmt: skip


def _bar(name: str) -> str:
    """'Z₁' -> mathtext for Z̄₁, the adjoint's name."""
    base, subscript = name[0], name[1:].translate(_DIGITS)
    return f"$\\bar{{{base}}}_{{{subscript}}}$" if subscript else f"$\\bar{{{base}}}$"


def draw_tensor_graph(
    trace: Sequence[TensorNode],
    ax=None,
    *,
    step: int | None = None,
    lines: Sequence[Sequence[str | None]] | None = None,
    title: str | None = None,
    digits: int = 2,
):
    """Draw a tensor trace: a box per node with its value and its adjoint, arrows from parents.

    With ``step = k`` (an index into ``tensor_pass_frames``) the figure shows the passes
    at that step: in the forward pass the values known so far; in the backward pass all
    values, and the adjoints that are complete (every node that uses it has sent its share).
    ``lines`` lays the main chain out in rows of names (see ``_tensor_layout``).
    Returns the axes.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(9, 7))
    frames = tensor_pass_frames(trace)
    if step is not None and not 0 <= step < len(frames):
        raise ValueError(f"step must be between 0 and {len(frames) - 1}, not {step}")
    phase, current = ("done", None) if step is None else frames[step]
    operations = [k for k, node in enumerate(trace) if node.op != "input"]
    done = frames if step is None else frames[: step + 1]
    computed = {k for p, k in done if p == "forward" and k is not None}
    processed = {k for p, k in done if p == "backward"}
    children = {k: [j for j, node in enumerate(trace) if k in node.parents]
                for k in range(len(trace))}  # fmt: skip

    def adjoint_known(k: int) -> bool:
        if not processed:
            return False
        return all(j in processed for j in children[k]) if children[k] else k == operations[-1]

    positions = _tensor_layout(trace, lines)
    boxes = {}
    for k, node in enumerate(trace):
        leaf = node.op == "input"
        kind = "parameter" if leaf and node.adjoint is not None else "data"
        text = [f"{node.name}  ({kind})" if leaf else f"{node.name} = {node.expression}"]
        text.append(_array_text(node.value, digits) if leaf or k in computed else "?")
        if node.adjoint is not None and phase != "forward":
            known = adjoint_known(k)
            text.append(_bar(node.name) + " =")
            text.append(_array_text(node.adjoint, digits) if known else "?")
        colour = _CURRENT_COLOUR if k == current else _INPUT_COLOUR if leaf else _NODE_COLOUR
        boxes[k] = ax.text(
            *positions[k], "\n".join(text), ha="center", va="center", fontsize=8,
            family="DejaVu Sans Mono",
            bbox={"boxstyle": "round,pad=0.35", "facecolor": colour,
                  "edgecolor": _CURRENT_EDGE if k == current else "0.35",
                  "linewidth": 2.0 if k == current else 1.0},
            zorder=3, gid=f"node {node.name}",
        )  # fmt: skip
    for k, node in enumerate(trace):
        for p in node.parents:
            highlighted = k == current
            backward = highlighted and phase == "backward"
            ax.annotate(
                "", xy=(0.5, 0.5), xycoords=boxes[k], xytext=(0.5, 0.5), textcoords=boxes[p],
                arrowprops={"arrowstyle": "<|-" if backward else "-|>",
                            "color": _CURRENT_EDGE if highlighted else "0.35",
                            "linewidth": 2.2 if highlighted else 1.0,
                            "patchA": boxes[p].get_bbox_patch(),
                            "patchB": boxes[k].get_bbox_patch(),
                            "connectionstyle": "arc3,rad=0.0"},
                gid=f"edge {trace[p].name}->{node.name}",
            )  # fmt: skip
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 0.6)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title, fontsize=10)
    if step is not None:
        ax.text(0.5, 0.0, _tensor_status(trace, phase, current, step, len(frames)),
                transform=ax.transAxes, ha="center", va="bottom", fontsize=9,
                color=_CURRENT_EDGE)  # fmt: skip
    return ax


def _tensor_status(trace, phase: str, current: int | None, step: int, frames: int) -> str:
    where = f"step {step + 1} of {frames}: "
    if current is None:
        return where + "the data and the parameters; the forward pass starts"
    node = trace[current]
    if phase == "forward":
        return f"{where}forward, {node.name} = {node.expression}"
    parents = ", ".join(trace[p].name for p in node.parents if trace[p].adjoint is not None)
    seed = " = 1, the seed" if current == len(trace) - 1 else " is complete"
    to = f"; the VJP of {node.op} sends it back to {parents}" if parents else ""
    return f"{where}backward, {_bar(node.name)}{seed}{to}"


def animate_tensor_graph(
    trace: Sequence[TensorNode],
    *,
    lines: Sequence[Sequence[str | None]] | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (9.0, 7.0),
    dpi: int = 72,
    interval: int = 1500,
) -> FuncAnimation:
    """One frame per step of ``tensor_pass_frames``: values forward, then adjoints backward.

    Show it with ``IPython.display.HTML(anim.to_jshtml())``.
    """

    def draw(ax, step: int):
        draw_tensor_graph(trace, ax, step=step, lines=lines, title=title)

    frames = len(tensor_pass_frames(trace))
    return _animate_steps(draw, frames, figsize, dpi, interval, top=0.93)
