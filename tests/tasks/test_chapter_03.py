"""Chapter 3's tasks: dual-number arithmetic, a forward-mode rule, and jvp."""

import math

import pytest
from task_tools import expecting, needs

import ppn
from ppn.forward import Dual, jvp


class Spy(Dual):
    """A Dual whose ``_result`` hook remembers each operation, as the trace of Table 1 does."""

    __slots__ = ()
    operations: list = []

    def _result(self, primal, tangent, op, operands):
        Spy.operations.append((op, len(operands)))
        return Spy(primal, tangent)


def through_the_hook(operation, expected_op, operands):
    Spy.operations = []
    result = operation()
    arguments = "(left, right)" if operands == 2 else "(self,)"
    assert Spy.operations == [(expected_op, operands)] and isinstance(result, Spy), (
        f"return self._result(value, tangent, name, {arguments}), not Dual(value, tangent): "
        f"the trace of Table 1 records each operation through that hook (it saw "
        f"{Spy.operations})"
    )


def pair(d):
    assert isinstance(d, Dual), f"a Dual combined with a Dual or a number is a Dual, got {d!r}"
    return d.primal, d.tangent


class TestTask3_1:
    """Dual._binary: value x ∘ y and tangent ∂z/∂x·ẋ + ∂z/∂y·ẏ, from the table's partials."""

    def test_the_product_rule(self):
        assert pair(Dual(2.0, 1.0) * Dual(3.0, 0.0)) == (6.0, 3.0), "d(xy) = y·ẋ + x·ẏ"
        assert pair(Dual(2.0, 1.0) * Dual(3.0, 1.0)) == (6.0, 5.0), "d(xy) = y·ẋ + x·ẏ"

    def test_sum_difference_and_quotient(self):
        assert pair(Dual(2.0, 1.0) + Dual(3.0, 2.0)) == (5.0, 3.0)
        assert pair(Dual(2.0, 1.0) - Dual(3.0, 2.0)) == (-1.0, -1.0)
        value, tangent = pair(Dual(1.0, 1.0) / Dual(2.0, 1.0))
        assert value == 0.5 and math.isclose(tangent, 0.25), "d(x/y) = ẋ/y − x·ẏ/y²"

    def test_a_constant_has_tangent_zero(self):
        with expecting("a number beside a Dual is a constant: primal the number, tangent 0"):
            product = 3 * Dual(2.0, 1.0)
        assert pair(product) == (6.0, 3.0), "3 * x: the 3 is a Dual with tangent 0"
        assert pair(Dual(2.0, 1.0) + 1) == (3.0, 1.0)
        assert pair(1 - Dual(2.0, 1.0)) == (-1.0, -1.0), "1 − x: the constant is on the left"

    def test_a_zero_tangent_contributes_nothing_even_with_a_nan_partial(self):
        # ∂(xʸ)/∂y = xʸ·log x is nan at x < 0; the exponent 2 is a constant, so it never counts
        value, tangent = pair(Dual(-3.0, 1.0) ** 2)
        assert value == 9.0 and tangent == -6.0, (
            "multiply a partial by a tangent only when the tangent is not 0 (0·nan is nan)"
        )

    def test_the_result_goes_through_the_trace_hook(self):
        through_the_hook(lambda: Spy(2.0, 1.0) * Spy(3.0, 0.0), "mul", 2)
        through_the_hook(lambda: 1 - Spy(2.0, 1.0), "sub", 2)


class TestTask3_2:
    """Dual._unary: f(v) with tangent f'(v)·v̇, from the row of the derivative table."""

    def test_sin_and_exp(self):
        value, tangent = pair(ppn.sin(Dual(0.5, 1.0)))
        assert value == math.sin(0.5) and math.isclose(tangent, math.cos(0.5)), "(sin v)' = cos v"
        value, tangent = pair(ppn.exp(Dual(1.0, 2.0)))
        assert math.isclose(value, math.e) and math.isclose(tangent, 2 * math.e), (
            "the tangent is f'(v)·v̇: multiply by the incoming tangent v̇"
        )

    def test_negation(self):
        assert pair(-Dual(2.0, 3.0)) == (-2.0, -3.0)

    def test_a_zero_tangent_stays_zero_where_the_derivative_is_infinite(self):
        assert pair(ppn.sqrt(Dual(0.0, 0.0))) == (0.0, 0.0), (
            "√ has slope ∞ at 0; with tangent 0 the result's tangent must be 0, not nan"
        )

    def test_outside_the_domain_is_a_value_error(self):
        with pytest.raises(ValueError, match="log"):
            ppn.log(Dual(-1.0, 1.0))  # evaluate() names the function and the point

    def test_the_result_goes_through_the_trace_hook(self):
        through_the_hook(lambda: ppn.cos(Spy(1.0, 1.0)), "cos", 1)


class TestTask3_3:
    """jvp(f, primals, tangents): (f(x), J·ẋ) from one pass with dual numbers."""

    @staticmethod
    def product(a, b):  # a Dual built by hand: this check needs no other task
        return Dual(a.primal * b.primal, a.tangent * b.primal + a.primal * b.tangent)

    def test_one_output(self):
        assert jvp(self.product, (2.0, 3.0), (1.0, 0.0)) == (6.0, 3.0), (
            "seed the inputs with Dual(primal, tangent) and return (value, tangent) as floats"
        )
        assert jvp(self.product, (2.0, 3.0), (0.0, 1.0)) == (6.0, 2.0)

    def test_several_outputs_and_a_constant_one(self):
        with expecting("f may return a tuple of outputs, some of them constants (tangent 0)"):
            values, tangents = jvp(lambda a, b: (b, a, 5.0), (2.0, 3.0), (1.0, 0.0))
        assert values == (3.0, 2.0, 5.0) and tangents == (0.0, 1.0, 0.0), (
            "for a tuple of outputs return (values, tangents), two tuples; a constant "
            "output has tangent 0"
        )
        with expecting("a constant output is a number: its tangent is 0"):
            constant = jvp(lambda a: 7.0, (1.0,), (1.0,))
        assert constant == (7.0, 0.0), "a constant output: (7.0, 0.0)"

    @needs("3.1", "3.2")
    def test_the_chapters_example(self):
        f = lambda x1, x2: x2 * ppn.cos(x1) + ppn.exp(x2)
        value, d_x2 = jvp(f, (math.pi, 1.0), (0.0, 1.0))
        assert math.isclose(value, math.e - 1) and math.isclose(d_x2, math.e - 1)
