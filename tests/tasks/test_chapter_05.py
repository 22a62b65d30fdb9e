"""Chapter 5's tasks: recording the tape, and operator overloading."""

import math

import numpy as np
import pytest
from task_tools import RecordSpy, expecting, needs

import ppn
from ppn.tape import Tape, Var

RNG = np.random.default_rng(0)


class TestTask5_1:
    """Tape.record: append one node (parents, partials, op) and return its Var."""

    def test_the_first_node(self):
        tape = Tape()
        x = tape.record("input", (), (), 2.5)
        assert isinstance(x, Var), f"record returns the Var of the new node, got {x!r}"
        assert (x.tape, x.index, x.value) == (tape, 0, 2.5), "Var(tape, index, value)"
        assert (tape.parents, tape.partials, tape.ops) == ([()], [()], ["input"]), (
            "append parents, partials and op to the tape's three lists, one entry each; got "
            f"parents={tape.parents}, partials={tape.partials}, ops={tape.ops}"
        )

    def test_nodes_are_numbered_in_the_order_they_are_recorded(self):
        tape = Tape()
        tape.record("input", (), (), 1.0)
        tape.record("input", (), (), 2.0)
        z = tape.record("mul", (0, 1), (2.0, 1.0), 2.0)
        assert z.index == 2 and len(tape) == 3, (
            "node i is the i-th entry of the three lists: the new node's index is the length "
            f"of the lists before it is appended; got index {z.index} on a tape of {len(tape)}"
        )
        assert tape.parents[2] == (0, 1) and tape.partials[2] == (2.0, 1.0), (
            "store the parents' indices and the local partials, not the values"
        )
        assert tape.ops == ["input", "input", "mul"], "store each node's op name"

    @needs("5.2", "5.3")
    def test_the_chapters_tape(self):
        with Tape() as tape:
            x1, x2 = tape.var(math.pi), tape.var(1.0)
            y = x2 * ppn.cos(x1) + ppn.exp(x2)
        assert tape.parents == [(), (), (0,), (1, 2), (1,), (3, 4)]
        assert tape.ops == ["input", "input", "cos", "mul", "exp", "add"]
        assert math.isclose(y.value, math.e - 1)


class TestTask5_2:
    """Var._binary: x ∘ y records its value and the partials towards its variable operands."""

    @pytest.fixture
    def spy(self, monkeypatch):
        tape = Tape()
        return RecordSpy(monkeypatch), Var(tape, 0, 2.0), Var(tape, 1, 3.0)

    def test_two_variables(self, spy):
        spy, x, y = spy
        z = x._binary("mul", x, y)
        assert spy.calls == [("mul", (0, 1), (3.0, 2.0), 6.0)], (
            "record(name, (left.index, right.index), (∂z/∂left, ∂z/∂right), z), with the "
            "partials from ppn.elementary.BINARY[name].partials(x, y, z)"
        )
        assert z.value == 6.0
        x._binary("sub", x, y)
        assert spy.calls[-1] == ("sub", (0, 1), (1.0, -1.0), -1.0)

    def test_a_constant_gets_no_node_and_no_partial(self, spy):
        spy, x, _ = spy
        with expecting("a number beside a Var is a constant: it is no node of the tape"):
            x - 2
        assert spy.calls[-1] == ("sub", (0,), (1.0,), 0.0), (
            f"x − 2: only x is a parent, a constant gets no node; recorded {spy.calls}"
        )
        with expecting("a number on the left of a Var is a constant too"):
            2 / x
        assert spy.calls[-1] == ("div", (0,), (-0.5,), 1.0), (
            "2 / x: the constant is on the left; the partial is the one towards x, −z/x"
        )

    def test_a_power_with_a_constant_exponent(self, spy):
        spy, _, _ = spy
        x = Var(Tape(), 0, -3.0)
        x**2
        assert spy.calls[-1] == ("pow", (0,), (-6.0,), 9.0), "only ∂(x²)/∂x = 2x counts"

    def test_outside_the_domain_is_a_value_error(self, spy):
        spy, x, _ = spy
        with pytest.raises(ValueError, match="div"):
            try:
                x / 0  # evaluate_binary names the operator and the operands
            except ZeroDivisionError as error:
                raise AssertionError(
                    "compute z with ppn.elementary.evaluate_binary(name, x, y), which raises "
                    "a ValueError naming the operation, not with Python's own operator"
                ) from error


class TestTask5_3:
    """Var._unary: f(x) records one node with its one partial f'(x)."""

    def test_cos_exp_and_negation(self, monkeypatch):
        spy = RecordSpy(monkeypatch)
        x = Var(Tape(), 4, 0.5)
        with expecting("f(x) for a Var records one node through self.tape.record"):
            ppn.cos(x)
        assert spy.calls == [("cos", (4,), (-math.sin(0.5),), math.cos(0.5))], (
            "record(name, (self.index,), (f'(x),), f(x)), f' from ppn.elementary.rule(name)"
        )
        ppn.exp(x)
        assert spy.calls[-1] == ("exp", (4,), (math.exp(0.5),), math.exp(0.5))
        _ = -x
        assert spy.calls[-1] == ("neg", (4,), (-1.0,), -0.5)

    def test_outside_the_domain_is_a_value_error(self, monkeypatch):
        RecordSpy(monkeypatch)
        with pytest.raises(ValueError, match="log"):
            ppn.log(Var(Tape(), 0, -1.0))  # evaluate() names the function and the point
