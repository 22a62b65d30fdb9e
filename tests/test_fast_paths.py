"""The shortcuts taken for speed give the same answers as the long way round.

Each test pins one of them: the scalar tape's short path for + and × between two
variables, its backward loop unrolled for nodes of one and two parents, the shared
read-only seed of Tensor.backward, the flushing of subnormal optimiser state, and the
allocation-free check for nan and inf in training data.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ppn
from ppn import optim, train
from ppn.elementary import BINARY
from ppn.nn import MLP
from ppn.tape import Tape, TapeError, Var
from ppn.tensor import Tensor


@pytest.mark.parametrize("op", ["add", "mul"])
def test_short_path_records_what_the_general_path_records(op):
    symbol = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b}[op]
    with ppn.Tape() as tape:
        x, y = tape.var(1.5), tape.var(-0.25)
        short = symbol(x, y)  # two variables: the short path
        general = x._binary(op, x, y)  # the general path, called directly
    assert short.value == general.value == BINARY[op].value(1.5, -0.25)
    assert tape.parents[short.index] == tape.parents[general.index] == (0, 1)
    assert tape.partials[short.index] == tape.partials[general.index]
    assert tape.partials[short.index] == BINARY[op].partials(1.5, -0.25, short.value)
    assert tape.ops[short.index] == op


def test_short_path_still_refuses_mixed_and_closed_tapes():
    with ppn.Tape() as first, ppn.Tape() as second:
        x, y = first.var(1.0), second.var(2.0)
        with pytest.raises(TapeError, match="two different tapes"):
            x + y  # noqa: B018
        with pytest.raises(TapeError, match="two different tapes"):
            x * y  # noqa: B018
    with pytest.raises(TapeError, match="closed"):
        x * x  # noqa: B018
    with pytest.raises(TapeError, match="closed"):
        x + x  # noqa: B018


def test_var_with_other_operands_is_unchanged():
    with ppn.Tape() as tape:
        x = tape.var(3.0)
        assert (x + 2).value == 5.0 and (2 * x).value == 6.0 and (1 - x).value == -2.0
        assert (x + np.float64(0.5)).value == 3.5
    assert x.__add__("2") is NotImplemented and x.__mul__(True) is NotImplemented


@st.composite
def tapes(draw):
    """(a tape filled by hand, an output node): nodes of 0 to 3 parents, zeros among partials."""
    tape = Tape()
    partials = st.one_of(st.just(0.0), st.floats(-1e3, 1e3, allow_subnormal=False))
    for i in range(draw(st.integers(1, 30))):
        count = 0 if i == 0 else draw(st.integers(0, 3))
        tape.parents.append(tuple(draw(st.integers(0, i - 1)) for _ in range(count)))
        tape.partials.append(tuple(draw(partials) for _ in range(count)))
        tape.ops.append("node")
    return tape, Var(tape, draw(st.integers(0, len(tape) - 1)), 0.0)


@given(tapes())
def test_the_unrolled_backward_gives_the_plain_loops_adjoints_bit_for_bit(case):
    tape, output = case
    plain, unrolled = tape.backward(output), tape._backward_unrolled(output)
    assert [a.hex() for a in unrolled] == [a.hex() for a in plain]  # -0.0 and 0.0 differ


def test_the_unrolled_backward_refuses_what_backward_refuses():
    with ppn.Tape() as first, ppn.Tape() as second:
        x = first.var(1.0)
        second.var(2.0)
    with pytest.raises(TapeError, match="another tape"):
        second._backward_unrolled(x)
    with pytest.raises(TypeError, match="Var"):
        first._backward_unrolled(1.0)


def test_the_seed_is_never_handed_out_as_a_gradient():
    x = Tensor(np.array(2.0), requires_grad=True)
    x.backward()  # a leaf's own backward: its gradient is the seed itself
    assert x.grad == 1.0 and x.grad.flags.writeable
    x.grad += 1.0  # a copy: the shared seed is untouched
    x.zero_grad()
    x.backward()
    assert x.grad == 1.0
    y = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    z = y.sum() + 0.0  # "add" hands its adjoint g on as it is
    z.backward()
    z2 = y.sum() * 1.0
    z2.backward()  # accumulates into y.grad in place
    np.testing.assert_array_equal(y.grad, [2.0, 2.0])


def test_seed_has_the_output_dtype_and_shape():
    x = Tensor(np.ones((1, 1), dtype=np.float32), requires_grad=True)
    (x * 3).backward()  # a (1, 1) output of size 1 needs no explicit seed
    assert x.grad.dtype == np.float32 and x.grad.shape == (1, 1) and x.grad[0, 0] == 3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [lambda p: optim.Momentum(p, lr=0.1), lambda p: optim.Adam(p)])
def test_optimisers_flush_subnormal_state_and_nothing_else(dtype, make):
    tiny = np.finfo(dtype).tiny
    p = Tensor(np.ones(4, dtype=dtype), requires_grad=True)
    optimizer = make([p])
    buffers = [b[0] for b in optimizer._decaying_buffers()]
    start = np.array([tiny / 8, 1.0, tiny / 4, 0.0], dtype=dtype)  # two subnormals (Adam: v ≥ 0)
    for buffer in buffers:
        buffer[...] = start
    expected = [buffer.copy() for buffer in buffers]
    for step in range(1, optim.FLUSH_EVERY + 1):
        p.grad = np.zeros(4, dtype=dtype)
        optimizer.step()
        if step < optim.FLUSH_EVERY:  # not yet: subnormals are still there
            assert any(np.any((buffer != 0) & (np.abs(buffer) < tiny)) for buffer in buffers)
    for buffer, before in zip(buffers, expected, strict=True):
        assert buffer.dtype == dtype
        assert buffer[0] == 0 and buffer[2] == 0 and buffer[3] == 0
        assert buffer[1] != 0  # a normal number is left as it is
        assert math.isfinite(buffer[1]) and before[1] == 1.0


def test_flushing_leaves_training_bit_for_bit_where_nothing_is_subnormal():
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 6), dtype=np.float32), rng.integers(0, 3, 64)
    runs = []
    for every in (optim.FLUSH_EVERY, 10**9):  # with the flush, and (in effect) without
        model = MLP([6, 5, 3], activation="relu", rng=0)
        optimizer = optim.Momentum(model.parameters(), lr=0.1)
        saved, optim.FLUSH_EVERY = optim.FLUSH_EVERY, every
        try:
            train.fit(model, x, y, optimizer=optimizer, epochs=5, batch_size=8, progress=False)
        finally:
            optim.FLUSH_EVERY = saved
        runs.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_inputs_still_finds_nan_and_inf(bad):
    model = MLP([3, 2], rng=0)
    x = np.zeros((4, 3), dtype=np.float32)
    x[2, 1] = bad
    with pytest.raises(ValueError, match="nan or infinite"):
        train.check_inputs(model, x, np.zeros(4, dtype=np.int64))
    train.check_inputs(model, np.zeros((0, 3), dtype=np.float32), np.zeros(0, dtype=np.int64))
