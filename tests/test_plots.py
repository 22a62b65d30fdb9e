"""ppn.plots: the computation graph, its animation and the Markdown table, drawn from traces."""

import math
import re

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Annotation

import ppn
from ppn.plots import (
    Edge,
    animate_trace,
    draw_computation_graph,
    graph_edges,
    graph_layout,
    pass_order,
    trace_table,
)


def source_f(x1, x2):
    """The source's example: f(x₁, x₂) = x₂·cos(x₁) + e^x₂."""
    return x2 * ppn.cos(x1) + ppn.exp(x2)


@pytest.fixture
def table1():
    return ppn.forward_trace(source_f, [math.pi, 1.0], [0.0, 1.0])


@pytest.fixture
def table2():
    return ppn.reverse_trace(source_f, math.pi, 1.0)


def drawn(ax):
    """The node and edge artists of a drawn graph, by their gid."""
    nodes = [t for t in ax.texts if (t.get_gid() or "").startswith("node ")]
    edges = [t for t in ax.texts if isinstance(t, Annotation) and t.get_gid().startswith("edge")]
    return nodes, edges


def test_edges_are_the_operands_of_table1(table1):
    assert graph_edges(table1) == [
        Edge(-1, 1),  # v₁ = cos v₋₁
        Edge(0, 2),  # v₂ = v₀ × v₁
        Edge(1, 2),
        Edge(0, 3),  # v₃ = exp v₀
        Edge(2, 4),  # v₄ = v₂ + v₃
        Edge(3, 4),
    ]


def test_layout_puts_each_node_one_column_after_its_deepest_operand(table1):
    positions = graph_layout(table1)
    columns = {i: x for i, (x, _) in positions.items()}
    assert columns == {-1: 0.0, 0: 0.0, 1: 1.0, 2: 2.0, 3: 1.0, 4: 3.0}
    assert len(set(positions.values())) == len(table1)  # no two nodes on one spot


@pytest.mark.parametrize("step", [None, 0, 3, 5])
def test_graph_has_one_node_per_row_and_one_edge_per_operand(table1, step):
    fig, ax = plt.subplots()
    assert draw_computation_graph(table1, ax, step=step, title="Table 1") is ax
    fig.canvas.draw()  # the arrows are placed at draw time: this must not fail either
    nodes, edges = drawn(ax)
    assert len(nodes) == len(table1)
    operands = sum(len(row.operands) for row in table1)
    assert len(edges) == operands == 6
    assert ax.get_title() == "Table 1"


def test_nodes_show_expression_value_and_derivative(table1):
    fig, ax = plt.subplots()
    draw_computation_graph(table1, ax)
    labels = {t.get_gid(): t.get_text() for t in drawn(ax)[0]}
    assert labels["node 2"].splitlines() == [
        "v₂ = v₀ × v₁",
        "= -1.0000",
        r"$\dot{v}_{2}$ = -1.0000",
    ]
    assert labels["node 4"].splitlines()[1] == "= 1.7183"


def test_a_step_hides_what_the_pass_has_not_computed(table1, table2):
    fig, ax = plt.subplots()
    draw_computation_graph(table1, ax, step=1)  # forward: v₋₁ and v₀ are known
    labels = {t.get_gid(): t.get_text() for t in drawn(ax)[0]}
    assert "?" not in labels["node 0"] and labels["node 1"].count("?") == 2
    ax.clear()
    draw_computation_graph(table2, ax, derivative="adjoint", step=1)  # reverse: v̄₄, v̄₃
    labels = {t.get_gid(): t.get_text() for t in drawn(ax)[0]}
    assert labels["node 3"].endswith("= 1.0000")
    assert labels["node 2"].endswith("= ?") and "= -1.0000" in labels["node 2"]


def test_duplicate_operands_get_one_edge_each():
    rows = ppn.forward_trace(lambda x: x * x, [3.0], [1.0])
    fig, ax = plt.subplots()
    draw_computation_graph(rows, ax)
    fig.canvas.draw()
    assert len(drawn(ax)[1]) == 2


def test_constant_operands_are_not_edges():
    rows = ppn.forward_trace(lambda x: 2.0 * x + 1.0, [3.0], [1.0])
    assert graph_edges(rows) == [Edge(0, 1), Edge(1, 2)]
    fig, ax = plt.subplots()
    draw_computation_graph(rows, ax)
    assert [t.get_text().splitlines()[0] for t in drawn(ax)[0]][1] == "v₁ = 2 × v₀"


def test_pass_order(table1):
    assert pass_order(table1, "tangent") == [-1, 0, 1, 2, 3, 4]
    assert pass_order(table1, "adjoint") == [4, 3, 2, 1, 0, -1]


def test_bad_arguments_are_named(table1):
    with pytest.raises(ValueError, match="tangent' or 'adjoint"):
        draw_computation_graph(table1, derivative="gradient")
    with pytest.raises(ValueError, match="between 0 and 5"):
        draw_computation_graph(table1, step=6)
    with pytest.raises(ValueError, match="show takes"):
        draw_computation_graph(table1, show=("colour",))


@pytest.mark.parametrize("derivative", ["tangent", "adjoint"])
def test_animation_has_one_frame_per_row(table1, table2, derivative):
    rows = table1 if derivative == "tangent" else table2
    animation = animate_trace(rows, derivative=derivative, title="steps")
    assert len(list(animation.new_frame_seq())) == len(rows)
    html = animation.to_jshtml()
    frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,', html)
    assert len(frames) == len(rows)
    assert plt.get_fignums() == []  # not a pyplot figure: no static copy in a notebook


def test_trace_table_is_table1(table1):
    seed_x1 = ppn.forward_trace(source_f, [math.pi, 1.0], [1.0, 0.0])
    text = trace_table(seed_x1, table1, headers=["ẋ₁ = 1", "ẋ₂ = 1"], highlight=2)
    lines = text.splitlines()
    assert lines[0] == "| variable | expression | value | ẋ₁ = 1 | ẋ₂ = 1 |"
    assert len(lines) == 2 + len(table1)
    assert lines[2] == "| v₋₁ | x₁ | 3.1416 | 1.0000 | 0.0000 |"
    assert lines[4] == "| v₁ | cos v₋₁ | -1.0000 | 0.0000 | 0.0000 |"  # -1.2e-16 shows as 0
    assert lines[5] == "| **v₂** | **v₀ × v₁** | **-1.0000** | **0.0000** | **-1.0000** |"
    assert lines[-1] == "| v₄ | v₂ + v₃ | 1.7183 | 0.0000 | 1.7183 |"


def test_trace_table_refuses_traces_of_different_functions(table1):
    other = ppn.forward_trace(lambda a, b: a * b, [math.pi, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="not one function"):
        trace_table(table1, other, headers=["a", "b"])
    with pytest.raises(ValueError, match="need 2 headers"):
        trace_table(table1, table1, headers=["a"])


def test_training_figures():
    import numpy as np

    from ppn import plots
    from ppn.train import History, confusion_matrix

    history = History(
        epoch=[1, 2],
        train_loss=[1.0, 0.5],
        train_accuracy=[0.5, 0.8],
        val_loss=[1.1, 0.7],
        val_accuracy=[0.4, 0.7],
        lr=[0.1, 0.1],
    )
    fig = plots.plot_history(history, title="run")
    loss_ax, accuracy_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["training", "test"]
    assert list(accuracy_ax.get_lines()[1].get_ydata()) == [40.0, 70.0]
    matrix = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), num_classes=3)
    fig = plots.plot_confusion_matrix(matrix)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == sorted(map(str, matrix.ravel()))
    images = np.zeros((5, 784))
    fig = plots.digit_grid(images, labels=[1, 2, 3, 4, 5], predictions=[1, 2, 0, 4, 5], columns=3)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["1→1", "2→2", "3→0", "4→4", "5→5"]
    assert [ax.title.get_color() for ax in fig.axes[:3]] == ["black", "black", "C3"]
