"""Cost functions: the source's squared error (eq. 6–7) and softmax cross-entropy.

The squared-error costs are compositions of tensor operations, so their
gradients come from the rule table for free.  Softmax cross-entropy is
written as one fused node: its gradient (softmax − onehot)/N is simpler and
more accurate than the chain of exp, sum, log and indexing it replaces, and
the log-sum-exp form never overflows.
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor, record

__all__ = ["squared_error", "sum_squared_error", "mse", "softmax_cross_entropy"]


def _as_tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _target_like(prediction: Tensor, target, loss: str) -> Tensor:
    """The target as a tensor of the prediction's dtype and, exactly, its shape."""
    if not isinstance(target, Tensor):
        dtype = prediction.dtype if prediction.dtype.kind == "f" else None
        target = Tensor(np.asarray(target), dtype=dtype)
    if target.shape != prediction.shape:
        # Broadcasting (32, 1) against (32,) would silently give a (32, 32) cost.
        raise ValueError(
            f"{loss}: the prediction has shape {prediction.shape} but the target has shape "
            f"{target.shape}; they must be equal (reshape one of them, e.g. "
            f"target.reshape{prediction.shape})"
        )
    return target


def _squared_error(prediction, target, loss: str) -> Tensor:
    prediction = _as_tensor(prediction)
    return (prediction - _target_like(prediction, target, loss)) ** 2


def squared_error(prediction, target) -> Tensor:
    """The cost vector (ŷ − y)², one entry per output (eq. 6)."""
    return _squared_error(prediction, target, "squared_error")


def sum_squared_error(prediction, target) -> Tensor:
    """The scalar cost Σ (ŷ − y)² (eq. 7)."""
    return _squared_error(prediction, target, "sum_squared_error").sum()


def mse(prediction, target) -> Tensor:
    """The mean squared error (1/n) Σ (ŷ − y)²: eq. 7 divided by the number of entries."""
    return _squared_error(prediction, target, "mse").mean()


def softmax_cross_entropy(logits, labels) -> Tensor:
    """(1/N) Σₙ −log softmax(logitsₙ)[labelₙ], one fused node;  ∂/∂logits = (softmax − onehot)/N.

    ``logits`` has shape (N, K), ``labels`` holds N integer classes in [0, K).  Each row
    is shifted by its maximum before ``exp`` (log-sum-exp), so that no logit overflows.
    The node stores (probabilities, rows, labels), what its VJP reads; the loss is a 0-d
    Tensor of the logits' dtype.
    """
    logits = _as_tensor(logits)
    labels = _check_labels(logits, labels)
    # task 7.1: begin
    z, n = logits.data, len(labels)
    rows = np.arange(n)
    shifted = z - z.max(axis=1, keepdims=True)  # each row's maximum becomes 0: exp(·) ≤ 1
    exps = np.exp(shifted)
    sums = exps.sum(axis=1, keepdims=True)  # between 1 and C: its log is finite
    # −log pₙ = log Σⱼ e^(zₙⱼ − mₙ) − (zₙ,yₙ − mₙ), averaged over the N rows
    loss = (np.log(sums).sum() - shifted[rows, labels].sum()) / n
    probabilities = exps / sums  # the softmax, which the VJP reads
    return record(np.asarray(loss, dtype=z.dtype), "softmax_cross_entropy", (logits,),
                  (probabilities, rows, labels))  # fmt: skip
    # task 7.1: end


def _check_labels(logits: Tensor, labels) -> np.ndarray:
    if logits.ndim != 2:
        raise ValueError(
            f"softmax_cross_entropy: logits must have shape (N, K), got {logits.shape}"
            + ("; for one sample use logits.reshape(1, -1)" if logits.ndim == 1 else "")
        )
    n, classes = logits.shape
    if n == 0:
        raise ValueError("softmax_cross_entropy: the batch is empty (logits of shape (0, C))")
    if type(labels) is not np.ndarray:
        labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.dtype.kind not in "iu":
        hint = (
            "; one-hot rows? use labels.argmax(axis=1)"
            if labels.ndim == 2
            else "; convert them with labels.astype(int)"
        )
        raise TypeError(
            f"softmax_cross_entropy: labels must be integer class indices, got dtype "
            f"{labels.dtype}{hint}"
        )
    if labels.shape != (n,):
        raise ValueError(
            f"softmax_cross_entropy: expected {n} labels (shape ({n},)) for logits of shape "
            f"{logits.shape}, got labels of shape {labels.shape}"
        )
    # The ufuncs' own reductions: labels.min() would add a Python-level wrapper per call.
    if np.minimum.reduce(labels) < 0 or np.maximum.reduce(labels) >= classes:
        bad = labels[(labels < 0) | (labels >= classes)]
        raise ValueError(
            f"softmax_cross_entropy: labels must lie in [0, {classes}) for {classes} classes; "
            f"got {bad[:5].tolist()}" + (" …" if bad.size > 5 else "")
        )
    return labels
