"""ppn.plots for chapter 6: a network's tensor nodes with their values and adjoints, drawn
step by step through the forward and the backward pass."""

import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

import ppn
from ppn import losses
from ppn.plots import animate_tensor_graph, draw_tensor_graph, tensor_pass_frames, tensor_trace
from ppn.tensor import Tensor

LINES = [["X", "t1", "Z₁", "H₁"], [None, "Z₂", "t2", "C"]]  # t1 = X W₁, t2 = Z₂²


def tiny_network():
    """H₁ = σ(X W₁ + b₁) on a batch of 3 rows, C = Σ (H₁ W₂)²: the names and the cost."""
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(3, 2)))
    W1 = Tensor(rng.normal(size=(2, 2)), requires_grad=True)
    b1 = Tensor(rng.normal(size=2), requires_grad=True)
    W2 = Tensor(rng.normal(size=(2, 1)), requires_grad=True)
    Z1 = X @ W1 + b1
    H1 = ppn.sigmoid(Z1)
    Z2 = H1 @ W2
    C = (Z2**2).sum()
    names = {"X": X, "W₁": W1, "b₁": b1, "W₂": W2, "Z₁": Z1, "H₁": H1, "Z₂": Z2, "C": C}
    return names, C


def test_the_trace_lists_leaves_then_the_tape_with_the_gradient_of_backward():
    names, C = tiny_network()
    trace = tensor_trace(C, names)
    assert [node.name for node in trace[:4]] == ["X", "W₁", "b₁", "W₂"]  # leaves, as named
    assert all(node.op == "input" for node in trace[:4])
    operations = [(node.op, node.expression) for node in trace[4:]]
    assert operations == [("matmul", "X W₁"), ("add", "t1 + b₁"), ("sigmoid", "σ(Z₁)"),
                          ("matmul", "H₁ W₂"), ("pow", "Z₂²"), ("sum", "Σ t2")]  # fmt: skip
    assert trace[0].adjoint is None  # data: no gradient asked of it
    assert trace[-1].adjoint == 1.0  # the seed
    C.backward()
    for node in trace[1:4]:  # the parameters: what backward() leaves in .grad
        assert node.adjoint.shape == names[node.name].shape
        np.testing.assert_allclose(node.adjoint, names[node.name].grad, rtol=1e-14)
    np.testing.assert_array_equal(trace[2].adjoint, trace[5].adjoint.sum(axis=0))  # b̄ = Σ rows


def test_a_reused_tensor_accumulates_both_adjoints():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    trace = tensor_trace((x * x).sum(), {"x": x})
    np.testing.assert_allclose(trace[0].adjoint, [2.0, 4.0])  # 2x: one share per use


def test_the_trace_refuses_a_freed_graph_or_a_non_scalar_output():
    names, C = tiny_network()
    with pytest.raises(ValueError, match="scalar"):
        tensor_trace(names["Z₂"], names)
    C.backward()
    with pytest.raises(RuntimeError, match="before it"):
        tensor_trace(C, names)


def test_the_frames_are_the_leaves_then_each_node_forward_then_backward():
    names, C = tiny_network()
    trace = tensor_trace(C, names)
    frames = tensor_pass_frames(trace)
    operations = list(range(4, len(trace)))
    assert frames == [("forward", None), *[("forward", k) for k in operations],
                      *[("backward", k) for k in reversed(operations)]]  # fmt: skip


def box_texts(ax) -> dict[str, str]:
    return {
        t.get_gid()[5:]: t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("node")
    }


def test_the_graph_shows_values_forward_and_adjoints_once_complete():
    names, C = tiny_network()
    trace = tensor_trace(C, names)
    frames = tensor_pass_frames(trace)
    _, ax = plt.subplots()
    draw_tensor_graph(trace, ax, step=1, lines=LINES)  # the first node, X W₁, just computed
    boxes = box_texts(ax)
    assert set(boxes) == {node.name for node in trace}
    assert "?" not in boxes["t1"] and boxes["Z₁"].endswith("?") and "bar" not in boxes["t1"]
    plt.close("all")
    _, ax = plt.subplots()
    first_backward = frames.index(("backward", len(trace) - 1))
    draw_tensor_graph(trace, ax, step=first_backward, lines=LINES)  # C̄ = 1 sent to t2
    boxes = box_texts(ax)
    assert boxes["C"].endswith("1.00") and not boxes["t2"].endswith("?")  # complete
    assert boxes["Z₂"].endswith("?") and "bar" not in boxes["X"]  # not yet; data: never
    highlighted = [t for t in ax.texts if (t.get_gid() or "").startswith("edge")
                   and t.arrow_patch.get_linewidth() > 2]  # fmt: skip
    assert [t.get_gid() for t in highlighted] == ["edge t2->C"]
    plt.close("all")
    _, ax = plt.subplots()
    draw_tensor_graph(trace, ax, lines=LINES)  # everything
    assert all("?" not in text for text in box_texts(ax).values())
    plt.close("all")
    with pytest.raises(ValueError, match="step"):
        draw_tensor_graph(trace, step=len(frames), lines=LINES)


def test_the_animation_has_one_frame_per_step():
    names, C = tiny_network()
    trace = tensor_trace(C, names)
    html = animate_tensor_graph(trace, lines=LINES, dpi=20).to_jshtml()
    frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,', html)
    assert len(frames) == len(tensor_pass_frames(trace)) == 1 + 2 * 6


def test_a_recorded_node_must_have_a_place():
    names, C = tiny_network()
    with pytest.raises(ValueError, match="has no place"):
        draw_tensor_graph(tensor_trace(C, names), lines=[["X", "t1", "H₁"]])


def test_node_counts_of_the_chapter_network_do_not_depend_on_its_size():
    for sizes, batch in [([4, 3, 2], 5), ([30, 20, 10], 64)]:
        mlp = ppn.nn.MLP(sizes, rng=0, dtype=np.float64)
        h = Tensor(np.ones((batch, sizes[0])))
        for layer in mlp.layers:
            h = ppn.sigmoid(h @ layer.weight + layer.bias)
        cost = losses.sum_squared_error(h, np.zeros((batch, sizes[-1])))
        assert sum(node.op != "input" for node in tensor_trace(cost, {})) == 9
