"""The Jacobian by both modes (eq. 16): forward fills columns in m passes, reverse rows in n."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ppn
from ppn.jacobian import MODES


def r3_to_r2(x, y, z):
    """f: R³ → R²."""
    return x * y * ppn.sin(z), ppn.exp(x) / (1 + z * z) - y**3


def r3_to_r2_jacobian(x, y, z):
    return np.array(
        [
            [y * math.sin(z), x * math.sin(z), x * y * math.cos(z)],
            [math.exp(x) / (1 + z * z), -3 * y * y, -2 * z * math.exp(x) / (1 + z * z) ** 2],
        ]
    )


def r2_to_r4(u, v):
    """f: R² → R⁴, with u reused in every output and one constant output."""
    return [u * v, ppn.tanh(u) + ppn.log(1 + v * v), ppn.sqrt(ppn.exp(u)) * u, 2.0]


def r2_to_r4_jacobian(u, v):
    return np.array(
        [
            [v, u],
            [1 - math.tanh(u) ** 2, 2 * v / (1 + v * v)],
            [math.exp(u / 2) * (u / 2 + 1), 0.0],
            [0.0, 0.0],
        ]
    )


def finite_difference_jacobian(f, point, h=1e-6):
    point = np.asarray(point, dtype=float)
    columns = []
    for j in range(point.size):
        step = np.zeros_like(point)
        step[j] = h * max(1.0, abs(point[j]))
        above = np.atleast_1d(np.array(f(*(point + step)), dtype=float))
        below = np.atleast_1d(np.array(f(*(point - step)), dtype=float))
        columns.append((above - below) / (2 * step[j]))
    return np.array(columns).T


CASES = [
    ("R3->R2", r3_to_r2, r3_to_r2_jacobian, [0.3, -1.2, 2.0]),
    ("R3->R2 at 0", r3_to_r2, r3_to_r2_jacobian, [0.0, 0.0, 0.0]),
    ("R2->R4", r2_to_r4, r2_to_r4_jacobian, [0.7, -0.4]),
    ("R2->R4 negative", r2_to_r4, r2_to_r4_jacobian, [-1.5, 2.5]),
]


@pytest.mark.parametrize(
    ("f", "exact", "point"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_both_modes_agree_with_each_other_the_formula_and_finite_differences(f, exact, point):
    forward = ppn.jacobian(f, mode="forward")(*point)
    reverse = ppn.jacobian(f, mode="reverse")(*point)
    expected = exact(*point)
    assert forward.shape == reverse.shape == expected.shape
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(forward, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(reverse, finite_difference_jacobian(f, point), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    ("f", "point", "n", "m"),
    [(r3_to_r2, [0.3, -1.2, 2.0], 2, 3), (r2_to_r4, [0.7, -0.4], 4, 2)],
)
def test_forward_takes_m_passes_and_reverse_takes_n(f, point, n, m):
    forward, reverse = ppn.jacobian(f, mode="forward"), ppn.jacobian(f, mode="reverse")
    assert forward.passes == reverse.passes == 0  # nothing computed yet
    assert forward(*point).shape == (n, m)
    assert reverse(*point).shape == (n, m)
    assert forward.passes == m  # one column per input direction
    assert reverse.passes == n  # one row per output


def test_a_scalar_function_gives_one_row_in_one_reverse_pass():
    jacobian = ppn.jacobian(lambda x1, x2: x2 * ppn.cos(x1) + ppn.exp(x2))
    assert jacobian.mode == "reverse"  # the default: the right one for a loss
    result = jacobian(math.pi, 1.0)
    assert result.shape == (1, 2)
    assert result[0] == pytest.approx([0.0, math.e - 1], abs=1e-15)
    assert jacobian.passes == 1


def test_outputs_that_are_inputs_or_constants():
    def swap(x, y):
        return y, x, 5.0

    for mode in MODES:
        np.testing.assert_array_equal(
            ppn.jacobian(swap, mode=mode)(1.0, 2.0), [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
        )


@pytest.mark.parametrize("mode", ["backward", "Forward", "", None, "fwd"])
def test_a_bad_mode_is_refused(mode):
    with pytest.raises(ValueError, match="'forward' or 'reverse'"):
        ppn.jacobian(r3_to_r2, mode=mode)


def test_repr_names_the_function_and_the_mode():
    assert repr(ppn.jacobian(r3_to_r2, mode="forward")) == "jacobian(r3_to_r2, mode='forward')"


@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_modes_agree_at_random_points(point):
    forward = ppn.jacobian(r3_to_r2, mode="forward")(*point)
    reverse = ppn.jacobian(r3_to_r2, mode="reverse")(*point)
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(reverse, r3_to_r2_jacobian(*point), rtol=1e-12, atol=1e-14)
