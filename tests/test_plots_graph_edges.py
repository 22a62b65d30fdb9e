"""ppn.plots.draw_computation_graph: no arrow runs through a node it skips."""

import math

import matplotlib.pyplot as plt
from matplotlib.text import Annotation

import ppn
from ppn.plots import draw_computation_graph


def bends(ax) -> dict[str, list[float]]:
    """The arc3 bend of each drawn edge, by its gid ("edge 0->2"), in drawing order."""
    found: dict[str, list[float]] = {}
    for text in ax.texts:
        if isinstance(text, Annotation) and (text.get_gid() or "").startswith("edge"):
            style = text.arrow_patch.get_connectionstyle()
            found.setdefault(text.get_gid(), []).append(style.rad)
    return found


def test_an_edge_that_skips_a_node_on_its_row_is_bent_over_it():
    # x·x·x: v₀, v₁ = v₀·v₀ and v₂ = v₁·v₀ all lie on one row.
    _, ax = plt.subplots()
    draw_computation_graph(ppn.reverse_trace(lambda x: x * x * x, 2.0), ax, derivative="adjoint")
    drawn = bends(ax)
    assert drawn["edge 0->1"] == [0.0, 0.25]  # x·x: the second edge bent apart, as before
    assert drawn["edge 1->2"] == [0.0]
    assert drawn["edge 0->2"][0] < 0  # bent, to the other side from the repeated edge


def test_edges_that_clear_the_nodes_stay_straight():
    _, ax = plt.subplots()
    rows = ppn.forward_trace(lambda a, b: b * ppn.cos(a) + ppn.exp(b), (math.pi, 1.0), (1.0, 0.0))
    draw_computation_graph(rows, ax)
    drawn = bends(ax)
    assert all(rad == 0.0 for rads in drawn.values() for rad in rads), drawn
