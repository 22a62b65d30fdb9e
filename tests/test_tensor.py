"""Tensor nodes: every rule of the VJP table against finite differences; the tape's semantics."""

from __future__ import annotations

import functools
import gc
import os
import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppn import elementary
from ppn.gradcheck import check_grad
from ppn.losses import softmax_cross_entropy
from ppn.tensor import VJP, Tensor, is_grad_enabled, linear, no_grad, unbroadcast

# 15 examples per rule keeps the suite fast; PPN_HYPOTHESIS_EXAMPLES=500 for a thorough run.
FAST = settings(
    max_examples=int(os.environ.get("PPN_HYPOTHESIS_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def rng_from(data) -> np.random.Generator:
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


def weighted_sum(y: Tensor) -> Tensor:
    """Reduce y to a scalar with fixed random weights, so that the seed ȳ is not all ones."""
    return (y * np.random.default_rng(12345).normal(size=y.shape)).sum()


def away_from_zero(rng, shape, low=0.3, high=2.0):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
nonscalar_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
broadcast_pairs = hnp.mutually_broadcastable_shapes(
    num_shapes=2, min_dims=0, max_dims=3, max_side=4
)

# Inputs inside each function's domain, and away from kinks (relu at 0).
UNARY_INPUTS = {
    "neg": lambda rng, shape: rng.normal(size=shape),
    "exp": lambda rng, shape: rng.normal(size=shape),
    "log": lambda rng, shape: rng.uniform(0.3, 3.0, size=shape),
    "sqrt": lambda rng, shape: rng.uniform(0.3, 3.0, size=shape),
    "sin": lambda rng, shape: rng.normal(size=shape) * 2,
    "cos": lambda rng, shape: rng.normal(size=shape) * 2,
    "tan": lambda rng, shape: rng.uniform(-1.2, 1.2, size=shape),
    "tanh": lambda rng, shape: rng.normal(size=shape) * 2,
    "sigmoid": lambda rng, shape: rng.normal(size=shape) * 3,
    "relu": lambda rng, shape: away_from_zero(rng, shape, 0.05),
}

BINARY_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


def check_unary(name, data):
    rng = rng_from(data)
    x = UNARY_INPUTS[name](rng, data.draw(shapes, label="shape"))
    apply = (lambda t: -t) if name == "neg" else (lambda t: t._unary(name))
    check_grad(lambda t: weighted_sum(apply(t)), x)


def check_binary(name, data):
    rng = rng_from(data)
    shape_a, shape_b = data.draw(broadcast_pairs, label="shapes").input_shapes
    a = rng.normal(size=shape_a)
    b = away_from_zero(rng, shape_b) if name == "div" else rng.normal(size=shape_b)
    check_grad(lambda s, t: weighted_sum(BINARY_OPS[name](s, t)), a, b)


def check_matmul(data):
    rng = rng_from(data)
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    case = data.draw(st.sampled_from(["mm", "mv", "vm", "vv", "batched", "batched-v"]))
    shape_a, shape_b = {
        "mm": ((n, k), (k, m)),
        "mv": ((n, k), (k,)),
        "vm": ((k,), (k, m)),
        "vv": ((k,), (k,)),
        "batched": ((2, n, k), (k, m)),
        "batched-v": ((k,), (2, k, m)),
    }[case]
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    check_grad(lambda s, t: weighted_sum(s @ t), a, b)


def check_linear(data):
    rng = rng_from(data)
    n, k, m = (data.draw(st.integers(1, 4)) for _ in range(3))
    case = data.draw(st.sampled_from(["batch", "vector", "batched", "vector-vector", "0-d bias"]))
    shape_x, shape_w, shape_b = {
        "batch": ((n, k), (k, m), (m,)),
        "vector": ((k,), (k, m), (m,)),
        "batched": ((2, n, k), (k, m), (m,)),
        "vector-vector": ((k,), (k,), ()),  # x · w + b, a number
        "0-d bias": ((n, k), (k, m), ()),
    }[case]
    x, W, b = (rng.normal(size=shape) for shape in (shape_x, shape_w, shape_b))
    check_grad(lambda s, t, u: weighted_sum(linear(s, t, u)), x, W, b)


def check_pow(data):
    rng = rng_from(data)
    shape = data.draw(shapes)
    exponent = data.draw(st.sampled_from([0, 1, 2, 3, -1, 0.5, 1.5, -2.5, np.float64(2.0)]))
    integer = float(exponent).is_integer()
    x = away_from_zero(rng, shape) if integer else rng.uniform(0.3, 2.0, size=shape)
    check_grad(lambda t: weighted_sum(t**exponent), x)


def check_reduction(name, data):
    rng = rng_from(data)
    shape = data.draw(shapes)
    axis = st.none()
    if shape:  # an int (maybe negative) or a tuple of axes
        ndim = len(shape)
        axis |= st.integers(-ndim, ndim - 1) | hnp.valid_tuple_axes(ndim, min_size=1)
    axis = data.draw(axis)
    keepdims = data.draw(st.booleans())
    x = rng.permutation(np.prod(shape, dtype=int)).reshape(shape) * 0.1 + 0.01 * rng.normal(
        size=shape
    )  # distinct values: max has no ties
    check_grad(lambda t: weighted_sum(getattr(t, name)(axis=axis, keepdims=keepdims)), x)


def check_reshape(data):
    rng = rng_from(data)
    shape = data.draw(shapes)
    target = data.draw(st.sampled_from([(-1,), shape[::-1], (1, *shape), ()]))
    if target == () and np.prod(shape) != 1:
        target = (-1, 1)
    x = rng.normal(size=shape)
    check_grad(lambda t: weighted_sum(t.reshape(target)), x)


def check_transpose(data):
    rng = rng_from(data)
    shape = data.draw(nonscalar_shapes)
    axes = data.draw(st.one_of(st.none(), st.permutations(range(len(shape)))))
    x = rng.normal(size=shape)
    if axes is None and data.draw(st.booleans()):
        check_grad(lambda t: weighted_sum(t.T), x)
    else:
        check_grad(lambda t: weighted_sum(t.transpose(axes)), x)


def check_getitem(data):
    rng = rng_from(data)
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    index = data.draw(
        st.sampled_from(
            [
                "int",
                "slice",
                "repeated-rows",
                "pick-per-row",
                "mask",
                "ellipsis",
            ]
        )
    )
    index = {
        "int": -1,
        "slice": (slice(None, None, 2), slice(0, 2)),
        "repeated-rows": rng.integers(0, n, size=7),  # repeats: needs np.add.at
        "pick-per-row": (np.arange(n), rng.integers(0, c, size=n)),  # logits[range, labels]
        "mask": rng.random((n, c)) < 0.5,
        "ellipsis": (Ellipsis, 0),
    }[index]
    x = rng.normal(size=(n, c))
    check_grad(lambda t: weighted_sum(t[index]), x)


def check_softmax(name, data):
    rng = rng_from(data)
    shape = data.draw(nonscalar_shapes)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = rng.normal(size=shape) * 3
    check_grad(lambda t: weighted_sum(getattr(t, name)(axis=axis)), x)


def check_softmax_cross_entropy(data):
    rng = rng_from(data)
    n, c = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 5))
    logits, labels = rng.normal(size=(n, c)) * 3, rng.integers(0, c, size=n)
    check_grad(lambda t: softmax_cross_entropy(t, labels) * 1.7, logits)


# One check per row of the rule table; test_every_rule_is_checked keeps them in step.
CHECKS = {
    **{name: functools.partial(check_unary, name) for name in UNARY_INPUTS},
    **{name: functools.partial(check_binary, name) for name in BINARY_OPS},
    "matmul": check_matmul,
    "linear": check_linear,
    "pow": check_pow,
    "sum": lambda data: check_reduction("sum", data),
    "mean": lambda data: check_reduction("mean", data),
    "max": lambda data: check_reduction("max", data),
    "reshape": check_reshape,
    "transpose": check_transpose,
    "getitem": check_getitem,
    "softmax": lambda data: check_softmax("softmax", data),
    "log_softmax": lambda data: check_softmax("log_softmax", data),
    "softmax_cross_entropy": check_softmax_cross_entropy,
}


def test_every_rule_is_checked():
    assert set(CHECKS) == set(VJP)


@pytest.mark.parametrize("op", sorted(VJP))
@FAST
@given(data=st.data())
def test_rule_matches_finite_differences(op, data):
    CHECKS[op](data)


@pytest.mark.parametrize("op", sorted(BINARY_OPS))
@pytest.mark.parametrize(
    ("shape_a", "shape_b"),
    [
        ((3, 1), (1, 4)),
        ((4,), (3, 4)),
        ((3, 4), (4,)),
        ((), (2, 3)),
        ((2, 3), ()),
        ((2, 1, 3), (4, 1)),
    ],
)
def test_broadcasting_gradients(op, shape_a, shape_b):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=shape_a), away_from_zero(rng, shape_b)
    result = check_grad(lambda s, t: weighted_sum(BINARY_OPS[op](s, t)), a, b)
    assert result.analytic[0].shape == shape_a and result.analytic[1].shape == shape_b


@pytest.mark.parametrize("op", sorted(BINARY_OPS))
def test_python_numbers_and_arrays_on_either_side(op):
    rng = np.random.default_rng(1)
    x, array = rng.uniform(0.5, 2, size=(2, 3)), rng.uniform(0.5, 2, size=(3,))
    f = BINARY_OPS[op]
    for constant in (2.5, 3, array):
        check_grad(lambda t, c=constant: weighted_sum(f(t, c)), x)
        check_grad(lambda t, c=constant: weighted_sum(f(c, t)), x)
        left, right = f(constant, Tensor(x)), f(Tensor(x), constant)
        assert isinstance(left, Tensor) and isinstance(right, Tensor)
        np.testing.assert_allclose(left.data, f(constant, x))
        np.testing.assert_allclose(right.data, f(x, constant))


def test_array_matmul_tensor_and_tensor_matmul_array():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal((a @ Tensor(b)).data, a @ b)
    np.testing.assert_array_equal((Tensor(a) @ b).data, a @ b)


def test_ppn_elementary_functions_apply_to_tensors():
    x = np.array([0.2, 0.7, 1.5])
    for name in elementary.UNARY:
        y = getattr(elementary, name)(Tensor(x)) if name != "neg" else -Tensor(x)
        assert isinstance(y, Tensor)
        np.testing.assert_allclose(y.data, [elementary.evaluate(name, v) for v in x], rtol=1e-12)


def test_methods_match_the_unary_names():
    t = Tensor([0.5, 1.0])
    for name in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu"):
        np.testing.assert_array_equal(getattr(t, name)().data, t._unary(name).data)
    with pytest.raises(NotImplementedError, match="'erf'"):
        t._unary("erf")


# --- the tape: reuse, accumulation, freeing --------------------------------------------------


def test_reused_tensor_accumulates_every_use():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 2 * x.data)
    check_grad(lambda t: (t.sin() * t.exp() + t * 3.0).sum(), x.data)  # two branches


def test_a_shared_adjoint_buffer_is_never_added_into_in_place():
    # "add" hands the same ȳ to both parents; accumulating in place into it would
    # corrupt the other parent's adjoint.
    def f(a, b):
        h = a + b
        return (h + a + b + h * h + (a + a)).sum()

    rng = np.random.default_rng(3)
    check_grad(f, rng.normal(size=(2, 3)), rng.normal(size=(2, 3)))
    check_grad(
        lambda a: ((a.reshape(6) + a.reshape(6)) * a.reshape(6)).sum(), rng.normal(size=(2, 3))
    )


def test_leaf_gradients_accumulate_across_backward_calls_and_zero_grad_resets():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()  # a second graph: adds to .grad
    np.testing.assert_allclose(x.grad, 3 + 2 * x.data)
    x.zero_grad()
    assert x.grad is None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_a_tensor_used_by_two_losses():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    h = x.tanh()
    first, second = h.sum(), (h * h).sum()
    first.backward()
    with pytest.raises(RuntimeError, match="already backpropagated.*retain_graph=True"):
        second.backward()  # h's node was freed by the first backward

    x.zero_grad()
    h = x.tanh()
    first, second = h.sum(), (h * h).sum()
    first.backward(retain_graph=True)
    second.backward()
    dh = 1 - np.tanh(x.data) ** 2
    np.testing.assert_allclose(x.grad, dh + 2 * np.tanh(x.data) * dh)


def test_backward_twice_raises_unless_the_graph_is_retained():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="already backpropagated"):
        loss.backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0])  # nothing was added by the failed call

    x.zero_grad()
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad, [4.0, 8.0])


def test_backward_on_a_leaf_and_with_an_explicit_seed():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    seed = np.array([1.0, 10.0, 100.0])
    x.backward(seed)
    np.testing.assert_array_equal(x.grad, seed)
    assert x.grad is not seed  # the leaf's buffer is its own: later += must not touch seed
    y = x * 2
    y.backward(seed)
    np.testing.assert_array_equal(x.grad, 3 * seed)
    np.testing.assert_array_equal(seed, [1.0, 10.0, 100.0])


def test_intermediate_nodes_keep_no_grad_and_constants_get_none():
    x = Tensor(np.ones(2), requires_grad=True)
    c = Tensor(np.ones(2))
    h = x * 2
    (h * c).sum().backward()
    assert h.grad is None and c.grad is None
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_only_tensors_that_require_grad_are_recorded():
    x, c = Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2))
    assert not (c * 2).requires_grad and (c * 2)._op is None
    assert (c * x).requires_grad and (c * x)._op == "mul"


def test_no_grad_records_nothing_and_restores_the_previous_state():
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 2).exp().sum()
    assert is_grad_enabled()
    assert not y.requires_grad and y._op is None
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.backward()

    with pytest.raises(ZeroDivisionError), no_grad():
        _ = 1 / 0
    assert is_grad_enabled()

    @no_grad()
    def predict(t):
        return t * 2

    assert not predict(x).requires_grad


def test_a_chain_of_100000_operations_needs_no_recursion():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.000001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.000001**100_000, rtol=1e-9)
    # Dropping a long graph that was never backpropagated must not crash either.
    z = x
    for _ in range(100_000):
        z = z + 1.0
    del z
    gc.collect()


# --- dtypes ----------------------------------------------------------------------------------


def test_float32_stays_float32_through_every_operation_and_its_gradient():
    rng = np.random.default_rng(0)
    x = Tensor(rng.uniform(0.5, 1.5, size=(3, 4)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.normal(size=(4, 2)).astype(np.float32), requires_grad=True)
    h = (x @ w + 1.0) * 2 - 0.5 / x.sum(axis=1, keepdims=True)
    h = h.sigmoid() + h.tanh() + h.relu() + (x.sqrt().log() ** 2).mean(axis=0)[:2] + h.exp()
    h = h.sin() + h.cos() + (3 - h) + h.T.reshape(3, 2) + h.softmax() + h.log_softmax(axis=0)
    loss = softmax_cross_entropy(h, [0, 1, 1]) + h.max() + h[np.arange(3), [0, 1, 0]].sum()
    assert h.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_integer_data_becomes_float64_unless_a_dtype_is_given():
    assert Tensor(np.arange(3)).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(np.arange(3), dtype=np.float32).dtype == np.float32
    assert Tensor(np.arange(3), dtype=np.int64).dtype == np.int64
    a = np.ones(3, dtype=np.float32)
    assert Tensor(a).data is a  # no copy
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.arange(3), dtype=np.int64, requires_grad=True)


def test_mixed_dtypes_follow_numpy_and_gradients_take_their_tensors_dtype():
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    y = x * np.ones(2)  # a float64 array: numpy promotes
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32


# --- numerics --------------------------------------------------------------------------------


def test_sigmoid_softmax_and_log_softmax_are_stable_at_1000():
    x = Tensor(np.array([[-1000.0, 0.0, 1000.0]]), requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = x.sigmoid()
        p = x.softmax(axis=1)
        log_p = x.log_softmax(axis=1)
        (s.sum() + p[0, 2] + log_p[0, 0]).backward()
    np.testing.assert_allclose(s.data, [[0.0, 0.5, 1.0]])
    np.testing.assert_allclose(p.data, [[0.0, 0.0, 1.0]])
    np.testing.assert_allclose(log_p.data, [[-2000.0, -1000.0, 0.0]])
    assert np.all(np.isfinite(x.grad))


def test_sigmoid_keeps_precision_in_its_tails():
    x = Tensor(np.array([-40.0, 40.0]))
    np.testing.assert_allclose(x.sigmoid().data, [np.exp(-40.0) / (1 + np.exp(-40.0)), 1.0])


def test_max_shares_the_gradient_among_ties():
    x = Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])


def test_indexing_with_repeated_indices_counts_each_use():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[np.array([0, 0, 3, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 0.0, 1.0])


def test_unbroadcast():
    g = np.ones((2, 3, 4))
    assert unbroadcast(g, (3, 4)).tolist() == np.full((3, 4), 2.0).tolist()
    assert unbroadcast(g, (3, 1)).tolist() == np.full((3, 1), 8.0).tolist()
    assert unbroadcast(g, ()) == 24.0
    assert unbroadcast(g, (2, 3, 4)) is g


# --- error messages --------------------------------------------------------------------------


def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(
        ValueError,
        match=r"matmul: cannot multiply \(32, 784\) by \(100, 10\): "
        r"inner dimensions 784 and 100 differ",
    ):
        Tensor(np.ones((32, 784))) @ Tensor(np.ones((100, 10)))
    with pytest.raises(ValueError, match="matmul.*0-d"):
        Tensor(2.0) @ Tensor(np.ones(2))


def test_broadcast_error_names_the_operation_and_both_shapes():
    with pytest.raises(ValueError, match=r"add: cannot broadcast shapes \(3, 4\) and \(5,\)"):
        Tensor(np.ones((3, 4))) + np.ones(5)
    with pytest.raises(ValueError, match=r"mul: cannot broadcast shapes \(2,\) and \(3,\)"):
        Tensor(np.ones(2)) * Tensor(np.ones(3))


def test_backward_on_a_non_scalar_explains_what_to_pass():
    y = Tensor(np.ones((3, 4)), requires_grad=True) * 2
    message = (
        r"backward\(\) on a tensor of shape \(3, 4\) needs a seed gradient of that shape: "
        r"y.backward\(np.ones\(\(3, 4\)\)\), or reduce it first with .sum\(\) or .mean\(\)"
    )
    with pytest.raises(ValueError, match=message):
        y.backward()
    with pytest.raises(ValueError, match=r"seed gradient has shape \(4,\).*\(3, 4\)"):
        y.backward(np.ones(4))


def test_other_errors_are_explained():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TypeError, match="constant number as exponent"):
        x ** Tensor(2.0)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        x.sum(axis=2)
    with pytest.raises(TypeError, match="cannot combine a Tensor with str"):
        x + "a"


# --- array-like behaviour --------------------------------------------------------------------


def test_array_like_attributes_and_repr():
    x = Tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    assert (x.shape, x.ndim, x.size, len(x), x.dtype) == ((2, 3), 2, 6, 2, np.float32)
    assert x.T.shape == (3, 2)
    assert x.sum().item() == 15.0 and float(x.sum()) == 15.0 and f"{x.sum():.1f}" == "15.0"
    assert x.numpy() is x.data
    np.testing.assert_array_equal(np.asarray(x), x.data)
    assert repr(x) == (
        "Tensor([[0., 1., 2.],\n        [3., 4., 5.]], dtype=float32, requires_grad=True)"
    )
    assert (
        repr(Tensor([1.0], dtype=np.float32) * x[0, :1]) == "Tensor([0.], dtype=float32, op='mul')"
    )
    assert repr(Tensor(2.0)) == "Tensor(2.)"
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))
    assert not x.detach().requires_grad and x.detach().data is x.data


def test_linear_is_x_at_w_plus_b_in_one_node():
    rng = np.random.default_rng(3)
    leaves = [Tensor(rng.normal(size=shape).astype(np.float32), requires_grad=True)
              for shape in ((5, 4), (4, 3), (3,))]  # fmt: skip
    fused = linear(*leaves)
    assert fused._op == "linear" and fused.dtype == np.float32
    fused.sum().backward()
    fused_grads = [t.grad for t in leaves]
    for t in leaves:
        t.grad = None
    x, W, b = leaves
    two_nodes = x @ W + b
    two_nodes.sum().backward()
    np.testing.assert_array_equal(fused.data, two_nodes.data)
    for fused_grad, t in zip(fused_grads, leaves, strict=True):
        np.testing.assert_array_equal(fused_grad, t.grad)


def test_linear_names_the_shapes_that_do_not_fit():
    x, W = Tensor(np.ones((2, 4))), Tensor(np.ones((4, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"inner dimensions 5 and 4"):
        linear(Tensor(np.ones((2, 5))), W, Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match=r"bias of shape \(4,\).*needs shape \(3,\)"):
        linear(x, W, Tensor(np.zeros(4)))
    # x · w is one number: a bias of 3 numbers does not fit it (x @ W + b would broadcast)
    with pytest.raises(ValueError, match=r"bias of shape \(3,\).*needs shape \(\)"):
        linear(Tensor(np.ones(3)), Tensor(np.ones(3)), Tensor(np.ones(3)))
    integers = Tensor(np.ones((2, 4)), dtype=np.int64)
    with pytest.raises(ValueError, match=r"floating dtype"):
        linear(integers, Tensor(np.ones((4, 3)), dtype=np.int64), Tensor(np.full(3, 0.5)))


def test_linear_keeps_the_products_dtype_and_accepts_arrays():
    x = np.ones((2, 4), dtype=np.float32)
    W = Tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
    b = Tensor(np.full(3, 0.5), requires_grad=True)  # float64
    y = linear(x, W, b)
    assert y.dtype == np.float32 and np.array_equal(y.data, np.full((2, 3), 4.5, np.float32))
    y.sum().backward()
    assert W.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(b.grad, [2.0, 2.0, 2.0])


def test_a_one_row_bias_gradient_is_the_biases_own():
    # At batch 1 the bias's gradient is a view of the output's (no sum to take): the
    # bias must still get an array of its own, and a bias used twice gets both terms.
    b = Tensor(np.zeros(3), requires_grad=True)
    x = Tensor(np.ones((1, 2)))
    W = Tensor(np.ones((2, 3)))
    seed = np.ones((1, 3))
    linear(x, W, b).backward(seed)
    assert b.grad.base is None
    b.grad += 5
    np.testing.assert_array_equal(seed, np.ones((1, 3)))  # the caller's seed is untouched
    b.grad = None
    (linear(x, W, b) + linear(x, W, b) + b).sum().backward()
    np.testing.assert_array_equal(b.grad, [3.0, 3.0, 3.0])


def test_relu_gradient_at_nan_is_the_scalar_tables():
    t = Tensor(np.array([np.nan, -1.0, 0.0, -0.0, 2.0, np.inf, -np.inf]), requires_grad=True)
    t.relu().sum().backward()
    scalar = [elementary.UNARY["relu"].derivative(v, max(v, 0.0)) for v in t.data.tolist()]
    np.testing.assert_array_equal(t.grad, scalar)  # 0 at nan, as 1 if x > 0 else 0 says
