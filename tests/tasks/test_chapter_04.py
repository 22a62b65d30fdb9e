"""Chapter 4's tasks: the backward loop (Algorithm 1) and the gradient from one pass."""

import math

import pytest
from task_tools import expecting, hand_tape

from ppn.tape import Tape, TapeError, Var

# Figure 11: the tape of f(x₁, x₂) = x₂·cos x₁ + e^x₂ at (π, 1), node by node
FIGURE_11 = [
    ("input", (), (), math.pi),
    ("input", (), (), 1.0),
    ("cos", (0,), (-math.sin(math.pi),), -1.0),
    ("mul", (1, 2), (-1.0, 1.0), -1.0),
    ("exp", (1,), (math.e,), math.e),
    ("add", (3, 4), (1.0, 1.0), math.e - 1),
]


class TestTask4_1:
    """Tape.backward: ∇[p] += ∇[i]·∂wᵢ/∂w_p for every node i from the output back to node 0."""

    def test_a_variable_used_twice_accumulates(self):
        tape, v = hand_tape([("input", (), (), 3.0), ("mul", (0, 0), (3.0, 3.0), 9.0)])
        assert tape.backward(v[1]) == [6.0, 1.0], "d(x·x)/dx = 6 at 3: add both terms, +="

    def test_figure_11(self):
        tape, v = hand_tape(FIGURE_11)
        with expecting("backward returns a list of output.index + 1 adjoints, the output's "
                       "seeded with 1.0, filled from the output back to node 0"):  # fmt: skip
            adjoints = tape.backward(v[5])
        assert len(adjoints) == 6, f"one adjoint per node up to the output, got {len(adjoints)}"
        assert abs(adjoints[0]) < 1e-15 and math.isclose(adjoints[1], math.e - 1), (
            f"∇f = (0, e − 1) at (π, 1); got ∇ = {adjoints}"
        )
        assert adjoints[2:] == [1.0, 1.0, 1.0, 1.0], "the adjoints of Table 2, corrected"

    def test_a_node_with_three_parents(self):
        nodes = [("input", (), (), 1.0)] * 3 + [("sum3", (0, 1, 2), (1.0, 2.0, 3.0), 6.0)]
        tape, v = hand_tape(nodes)
        assert tape.backward(v[3]) == [1.0, 2.0, 3.0, 1.0], "loop over every parent of a node"

    def test_from_a_node_in_the_middle(self):
        tape, v = hand_tape(FIGURE_11)
        with expecting("start from the output's index, not from the tape's last node: the "
                       "list has output.index + 1 entries"):  # fmt: skip
            adjoints = tape.backward(v[3])
        assert adjoints == [-math.sin(math.pi), -1.0, 1.0, 1.0], (
            "start from the output's index: the list has output.index + 1 entries, and the "
            "nodes after the output do not count"
        )

    def test_a_node_that_does_not_reach_the_output_is_skipped(self):
        nodes = [("input", (), (), 0.0), ("sqrt", (0,), (math.inf,), 0.0),
                 ("input", (), (), 2.0), ("neg", (2,), (-1.0,), -2.0)]  # fmt: skip
        tape, v = hand_tape(nodes)
        assert tape.backward(v[3]) == [0.0, 0.0, -1.0, 1.0], (
            "skip a node whose adjoint is 0: 0·∞ would make its parents' adjoints nan"
        )


class TestTask4_2:
    """Tape.gradient: [∂output/∂x for x in inputs], all read from one backward pass."""

    @pytest.fixture
    def tape(self, monkeypatch):
        """A tape of four nodes whose backward (task 4.1) is replaced by fixed adjoints."""
        tape, v = hand_tape([("input", (), (), 1.0)] * 4)
        calls = []

        def backward(self, output):
            calls.append(output.index)
            return [10.0, 20.0, 30.0][: output.index + 1]

        monkeypatch.setattr(Tape, "backward", backward)
        return tape, v, calls

    def test_reads_each_inputs_adjoint_from_one_pass(self, tape):
        tape, v, calls = tape
        gradient = tape.gradient(v[2], [v[0], v[2], v[1]])
        assert gradient == [10.0, 30.0, 20.0], (
            "entry k of the gradient is the adjoint of inputs[k], adjoints[x.index], in the "
            f"order the inputs are given; got {gradient} from adjoints [10.0, 20.0, 30.0]"
        )
        assert calls == [2], f"one backward pass for all the inputs, got {len(calls)}"

    def test_an_input_recorded_after_the_output_gets_zero(self, tape):
        tape, v, _ = tape
        with expecting("an input recorded after the output has no entry in the adjoint list: "
                       "its derivative is 0.0"):  # fmt: skip
            gradient = tape.gradient(v[1], [v[3], v[0]])
        assert gradient == [0.0, 10.0], (
            "a variable recorded after the output cannot influence it: its derivative is 0.0"
        )

    def test_an_input_that_is_not_a_var_of_this_tape(self, tape):
        tape, v, _ = tape
        hint = ('an input must be a Var of this tape: check each with self._check_owner(x, '
                '"an input") before reading its adjoint')  # fmt: skip
        with expecting(hint), pytest.raises(TypeError, match="Var"):
            tape.gradient(v[2], [1.5])
        with expecting(hint), pytest.raises(TapeError, match="another tape"):
            tape.gradient(v[2], [Var(Tape(), 0, 1.0)])
