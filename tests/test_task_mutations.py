"""The task checks catch the mistakes students make (issue 22, point 4).

Each mutant below is a plausible wrong answer to one task: what a student writes in place
of the reference's body between ``# task N.M: begin`` and ``# task N.M: end``. The test
puts it into a copy of the repository, runs that task's checks there (as
``ppn.tasks.check`` does) and asserts that they fail, and that the hint ``check`` prints,
from the first failing check, names the mistake: a phrase of the chapter's, not a raw numpy
error.

A mutant replaces one marked region of the task (``region``: the first by default; a task
such as 6.1 marks two functions). Its body is written at the region's indentation.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import ppn.tasks

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from notebooks import TASK_MARKER, marked_regions  # noqa: E402


@dataclass(frozen=True)
class Mutant:
    task: str
    mistake: str  # what the student did, in a few words
    body: str  # what the student wrote in place of the region
    names: str  # a phrase the failing check's message must contain: it names the mistake
    region: int = 0


M = Mutant


# Tasks 6.2 and 6.3 are rows of the VJP table: a mutant is the table with one row wrong.
ARITHMETIC = {"add": ("g", "g"), "sub": ("g", "-g"), "mul": ("g * b", "g * a"),
              "div": ("g / b", "-g * y / b")}  # fmt: skip
ACTIVATIONS = {"tanh": "g * (1 - y * y)", "sigmoid": "g * y * (1 - y)",
               "relu": "g * (y > 0).astype(g.dtype)"}  # fmt: skip


def arithmetic(**wrong) -> str:
    """The rows add … div of the VJP table (task 6.2), with the rows in ``wrong`` replaced."""
    rows = {**ARITHMETIC, **wrong}
    return "\n".join(f'"{op}": (lambda g, a, b, y: {a_bar}, lambda g, a, b, y: {b_bar}),'
                     for op, (a_bar, b_bar) in rows.items())  # fmt: skip


def activations(**wrong) -> str:
    """The rows tanh, sigmoid, relu of the VJP table (task 6.3), with ``wrong`` replaced."""
    rows = {**ACTIVATIONS, **wrong}
    return "\n".join(f'"{op}": lambda g, x, y: {x_bar},' for op, x_bar in rows.items())


MUTANTS = [
    # --- 2.1 Linear.forward ------------------------------------------------------------
    M("2.1", "the bias forgotten", "return x @ self.weight", "x @ W + b"),
    M("2.1", "the arrays instead of the tensors (nothing recorded)",
      "return Tensor(x.data @ self.weight.data + self.bias.data)", "not with their .data"),
    M("2.1", "W used as (outputs, inputs)", "return x @ self.weight.T + self.bias",
      "W of shape (4, 3) (inputs, outputs)"),
    M("2.1", "an activation inside the layer",
      "return (x @ self.weight + self.bias)._unary('sigmoid')",
      "x @ W + b"),
    # --- 2.2 MLP.forward ---------------------------------------------------------------
    M("2.2", "σ after the last layer too", """
        for layer in self.layers:
            x = linear(x, layer.weight, layer.bias)._unary(self.activation)
        return x""", "no σ after the last layer"),
    M("2.2", "no activation at all", """
        for layer in self.layers:
            x = linear(x, layer.weight, layer.bias)
        return x""", "σ is missing between the layers"),
    M("2.2", "always sigmoid, whatever the model's activation", """
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = linear(x, layer.weight, layer.bias)
            if i < last:
                x = x._unary("sigmoid")
        return x""", "self.activation"),
    M("2.2", "off by one: no activation after the first layer", """
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = linear(x, layer.weight, layer.bias)
            if 0 < i < last:
                x = x._unary(self.activation)
        return x""", "σ is missing between the layers"),
    M("2.2", "the arrays instead of the tensors", """
        last = len(self.layers) - 1
        h = x.data
        for i, layer in enumerate(self.layers):
            h = h @ layer.weight.data + layer.bias.data
            if i < last:
                h = Tensor(h)._unary(self.activation).data
        return Tensor(h)""", "not their .data"),
    # --- 2.3 glorot_uniform and he_normal ------------------------------------------------
    M("2.3", "Glorot's bound from fan_in alone", """
        bound = math.sqrt(6.0 / fan_in)
        return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)""",
      "±√(6/(fan_in + fan_out))"),
    M("2.3", "Glorot drawn from a normal distribution", """
        std = math.sqrt(2.0 / (fan_in + fan_out))
        return (std * rng.standard_normal(size=(fan_in, fan_out))).astype(dtype)""",
      "every weight lies in"),
    M("2.3", "W of shape (fan_out, fan_in)", """
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(dtype)""",
      "fan_in rows and fan_out columns"),
    M("2.3", "the dtype asked for ignored", """
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, size=(fan_in, fan_out))""", "dtype"),
    M("2.3", "He's variance 1/fan_in", """
        std = math.sqrt(1.0 / fan_in)
        return (std * rng.standard_normal(size=(fan_in, fan_out))).astype(dtype)""",
      "std √(2/fan_in)", region=1),
    M("2.3", "He drawn from a uniform distribution", """
        bound = math.sqrt(6.0 / fan_in)
        return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)""",
      "normal, not uniform", region=1),
    M("2.3", "numpy's global generator instead of the rng given", """
        std = math.sqrt(2.0 / fan_in)
        return (std * np.random.standard_normal(size=(fan_in, fan_out))).astype(dtype)""",
      "draw from the rng you are given", region=1),
    # --- 3.1 Dual._binary ----------------------------------------------------------------
    M("3.1", "0·nan: a zero tangent times an undefined partial", """
        left_primal, left_tangent = _split(left)
        right_primal, right_tangent = _split(right)
        value = evaluate_binary(name, left_primal, right_primal)
        d_left, d_right = binary_rule(name).partials(left_primal, right_primal, value)
        tangent = d_left * left_tangent + d_right * right_tangent
        return self._result(value, tangent, name, (left, right))""", "0·nan"),
    M("3.1", "only the left operand's tangent", """
        left_primal, left_tangent = _split(left)
        right_primal, right_tangent = _split(right)
        value = evaluate_binary(name, left_primal, right_primal)
        d_left, d_right = binary_rule(name).partials(left_primal, right_primal, value)
        return self._result(value, d_left * left_tangent, name, (left, right))""",
      "y·ẋ + x·ẏ"),
    M("3.1", "the partials swapped", """
        left_primal, left_tangent = _split(left)
        right_primal, right_tangent = _split(right)
        value = evaluate_binary(name, left_primal, right_primal)
        d_left, d_right = binary_rule(name).partials(left_primal, right_primal, value)
        tangent = (d_right * left_tangent if left_tangent else 0.0) + (
            d_left * right_tangent if right_tangent else 0.0)
        return self._result(value, tangent, name, (left, right))""", "y·ẋ + x·ẏ"),
    M("3.1", "a Dual returned directly, past the trace hook", """
        left_primal, left_tangent = _split(left)
        right_primal, right_tangent = _split(right)
        value = evaluate_binary(name, left_primal, right_primal)
        d_left, d_right = binary_rule(name).partials(left_primal, right_primal, value)
        tangent = (d_left * left_tangent if left_tangent else 0.0) + (
            d_right * right_tangent if right_tangent else 0.0)
        return Dual(value, tangent)""", "self._result"),
    M("3.1", "a number beside a Dual not treated as a constant", """
        value = evaluate_binary(name, left.primal, right.primal)
        d_left, d_right = binary_rule(name).partials(left.primal, right.primal, value)
        tangent = (d_left * left.tangent if left.tangent else 0.0) + (
            d_right * right.tangent if right.tangent else 0.0)
        return self._result(value, tangent, name, (left, right))""", "constant"),
    # --- 3.2 Dual._unary -----------------------------------------------------------------
    M("3.2", "0·∞: no guard for a zero tangent", """
        value = evaluate(name, self.primal)
        tangent = rule(name).derivative(self.primal, value) * self.tangent
        return self._result(value, tangent, name, (self,))""", "not nan"),
    M("3.2", "f'(v) without the incoming tangent", """
        value = evaluate(name, self.primal)
        tangent = rule(name).derivative(self.primal, value)
        return self._result(value, tangent, name, (self,))""", "incoming tangent"),
    M("3.2", "the value f(v) in place of the derivative", """
        value = evaluate(name, self.primal)
        return self._result(value, value * self.tangent, name, (self,))""", "(sin v)' = cos v"),
    M("3.2", "a Dual returned directly, past the trace hook", """
        value = evaluate(name, self.primal)
        tangent = rule(name).derivative(self.primal, value) * self.tangent if self.tangent else 0.0
        return Dual(value, tangent)""", "self._result"),
    # --- 3.3 jvp ---------------------------------------------------------------------------
    M("3.3", "the Dual returned instead of (value, tangent)", """
        return f(*(Dual(p, t) for p, t in zip(primals, tangents, strict=True)))""",
      "return (value, tangent) as floats"),
    M("3.3", "every input seeded with tangent 1", """
        return _split(f(*(Dual(p, 1.0) for p in primals)))""", "seed the inputs"),
    M("3.3", "a tuple of outputs not handled", """
        out = f(*(Dual(p, t) for p, t in zip(primals, tangents, strict=True)))
        return out.primal, out.tangent""", "tuple of outputs"),
    M("3.3", "a constant output not handled", """
        out = f(*(Dual(p, t) for p, t in zip(primals, tangents, strict=True)))
        if isinstance(out, (list, tuple)):
            return tuple(o.primal for o in out), tuple(o.tangent for o in out)
        return out.primal, out.tangent""", "constant"),
    # --- 4.1 Tape.backward (Algorithm 1) ---------------------------------------------------
    M("4.1", "adjoints assigned, not accumulated", """
        adjoints = [0.0] * (output.index + 1)
        adjoints[output.index] = 1.0
        for i in range(output.index, -1, -1):
            if adjoints[i] == 0.0:
                continue
            for parent, partial in zip(self.parents[i], self.partials[i], strict=True):
                adjoints[parent] = adjoints[i] * partial
        return adjoints""", "+="),
    M("4.1", "no skip of a zero adjoint (0·∞ = nan)", """
        adjoints = [0.0] * (output.index + 1)
        adjoints[output.index] = 1.0
        for i in range(output.index, -1, -1):
            for parent, partial in zip(self.parents[i], self.partials[i], strict=True):
                adjoints[parent] += adjoints[i] * partial
        return adjoints""", "skip a node whose adjoint is 0"),
    M("4.1", "the loop starts at the tape's last node, not the output", """
        adjoints = [0.0] * (output.index + 1)
        adjoints[output.index] = 1.0
        for i in range(len(self.parents) - 1, -1, -1):
            if adjoints[i] == 0.0:
                continue
            for parent, partial in zip(self.parents[i], self.partials[i], strict=True):
                adjoints[parent] += adjoints[i] * partial
        return adjoints""", "start from the output's index"),
    M("4.1", "one adjoint per node of the whole tape", """
        adjoints = [0.0] * len(self.parents)
        adjoints[output.index] = 1.0
        for i in range(output.index, -1, -1):
            if adjoints[i] == 0.0:
                continue
            for parent, partial in zip(self.parents[i], self.partials[i], strict=True):
                adjoints[parent] += adjoints[i] * partial
        return adjoints""", "output.index + 1"),
    M("4.1", "only the first two parents of a node", """
        adjoints = [0.0] * (output.index + 1)
        adjoints[output.index] = 1.0
        for i in range(output.index, -1, -1):
            if adjoints[i] == 0.0:
                continue
            for parent, partial in list(zip(self.parents[i], self.partials[i]))[:2]:
                adjoints[parent] += adjoints[i] * partial
        return adjoints""", "every parent"),
    M("4.1", "the loop runs forwards", """
        adjoints = [0.0] * (output.index + 1)
        adjoints[output.index] = 1.0
        for i in range(output.index + 1):
            if adjoints[i] == 0.0:
                continue
            for parent, partial in zip(self.parents[i], self.partials[i], strict=True):
                adjoints[parent] += adjoints[i] * partial
        return adjoints""", "∇f = (0, e − 1)"),
    # --- 4.2 Tape.gradient -----------------------------------------------------------------
    M("4.2", "one backward pass per input", """
        gradient = []
        for x in inputs:
            if type(x) is not Var or x.tape is not self:
                self._check_owner(x, "an input")
            adjoints = self.backward(output)
            gradient.append(adjoints[x.index] if x.index <= output.index else 0.0)
        return gradient""", "one backward pass for all the inputs"),
    M("4.2", "an input recorded after the output not handled", """
        adjoints = self.backward(output)
        for x in inputs:
            if type(x) is not Var or x.tape is not self:
                self._check_owner(x, "an input")
        return [adjoints[x.index] for x in inputs]""", "recorded after the output"),
    M("4.2", "the adjoints read by position, not by the inputs' indices", """
        adjoints = self.backward(output)
        for x in inputs:
            if type(x) is not Var or x.tape is not self:
                self._check_owner(x, "an input")
        return [a if k <= output.index else 0.0 for k, a in enumerate(adjoints[: len(inputs)])]""",
      "adjoints[x.index]"),
    M("4.2", "no check that an input is a Var of this tape", """
        adjoints = self.backward(output)
        return [adjoints[x.index] if x.index <= output.index else 0.0 for x in inputs]""",
      "Var"),
    # --- 5.1 Tape.record -------------------------------------------------------------------
    M("5.1", "the index counted after appending (off by one)", """
        self.parents.append(parents)
        self.partials.append(partials)
        self.ops.append(op)
        return Var(self, len(self.parents), value)""", "Var(tape, index, value)"),
    M("5.1", "the value stored in place of the partials", """
        index = len(self.parents)
        self.parents.append(parents)
        self.partials.append(value)
        self.ops.append(op)
        return Var(self, index, value)""", "three lists"),
    M("5.1", "the value returned instead of a Var", """
        self.parents.append(parents)
        self.partials.append(partials)
        self.ops.append(op)
        return value""", "returns the Var of the new node"),
    M("5.1", "the op name not stored", """
        index = len(self.parents)
        self.parents.append(parents)
        self.partials.append(partials)
        return Var(self, index, value)""", "op"),
    # --- 5.2 Var._binary ---------------------------------------------------------------------
    M("5.2", "the partials swapped", """
        x = left.value if type(left) is Var else float(left)
        y = right.value if type(right) is Var else float(right)
        z = evaluate_binary(name, x, y)
        d_left, d_right = BINARY[name].partials(x, y, z)
        if type(other) is Var:
            return tape.record(name, (left.index, right.index), (d_right, d_left), z)
        if left is self:
            return tape.record(name, (left.index,), (d_right,), z)
        return tape.record(name, (right.index,), (d_left,), z)""", "∂z/∂left, ∂z/∂right"),
    M("5.2", "a constant recorded as a node of the tape", """
        if type(left) is not Var:
            left = tape.var(left)
        if type(right) is not Var:
            right = tape.var(right)
        z = evaluate_binary(name, left.value, right.value)
        d_left, d_right = BINARY[name].partials(left.value, right.value, z)
        return tape.record(name, (left.index, right.index), (d_left, d_right), z)""",
      "a constant gets no node"),
    M("5.2", "a constant on the left given the left partial", """
        x = left.value if type(left) is Var else float(left)
        y = right.value if type(right) is Var else float(right)
        z = evaluate_binary(name, x, y)
        d_left, d_right = BINARY[name].partials(x, y, z)
        if type(other) is Var:
            return tape.record(name, (left.index, right.index), (d_left, d_right), z)
        return tape.record(name, (self.index,), (d_left,), z)""", "the constant is on the left"),
    M("5.2", "Python's operator instead of evaluate_binary", """
        x = left.value if type(left) is Var else float(left)
        y = right.value if type(right) is Var else float(right)
        z = {"add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y,
             "div": lambda: x / y, "pow": lambda: x**y}[name]()
        d_left, d_right = BINARY[name].partials(x, y, z)
        if type(other) is Var:
            return tape.record(name, (left.index, right.index), (d_left, d_right), z)
        if left is self:
            return tape.record(name, (left.index,), (d_left,), z)
        return tape.record(name, (right.index,), (d_right,), z)""", "evaluate_binary"),
    # --- 5.3 Var._unary ----------------------------------------------------------------------
    M("5.3", "the value f(x) recorded as the partial", """
        value = evaluate(name, self.value)
        return self.tape.record(name, (self.index,), (value,), value)""", "f'(x)"),
    M("5.3", "the Var itself recorded as the parent", """
        x = self.value
        value = evaluate(name, x)
        return self.tape.record(name, (self,), (rule(name).derivative(x, value),), value)""",
      "(self.index,)"),
    M("5.3", "nothing recorded: a Var made by hand", """
        x = self.value
        return Var(self.tape, len(self.tape), evaluate(name, x))""", "record("),
    # --- 6.1 the matrix product's VJPs -------------------------------------------------------
    M("6.1", "ā for 2-D arrays only", "return g @ b.T", "a vector b"),
    M("6.1", "B̄ for 2-D arrays only", "return a.T @ g", "b̄ has the shape of b", region=1),
    M("6.1", "the factors in the wrong order", "return b.swapaxes(-1, -2) @ g",
      "has the shape of a"),
    M("6.1", "a batch transposed on every axis", """
        if a.ndim == 1:
            return g * a if b.ndim == 1 else a[:, None] * g[..., None, :]
        if b.ndim == 1:
            return (a.swapaxes(-1, -2) @ g[..., None])[..., 0]
        return a.T @ g""", "last two axes", region=1),
    M("6.1", "the vector case of a with the product's sum missing", """
        if b.ndim == 1:
            return g * b if a.ndim == 1 else g[..., None] * b
        if a.ndim == 1:
            return b * g
        return g @ b.swapaxes(-1, -2)""", "a vector a of shape (3,)"),
    # --- 6.2 the VJPs of + − × ÷ -------------------------------------------------------------
    M("6.2", "the sign of b̄ in a − b", arithmetic(sub=("g", "g")), "the VJP of sub for b"),
    M("6.2", "the product's partials swapped", arithmetic(mul=("g * a", "g * b")),
      "the VJP of mul for a"),
    M("6.2", "the quotient's b̄ with its sign lost", arithmetic(div=("g / b", "g * y / b")),
      "the VJP of div for b"),
    M("6.2", "ȳ forgotten: the bare partial", arithmetic(mul=("b", "a")), "ȳ·∂y/∂a"),
    # --- 6.3 the activations' VJPs -----------------------------------------------------------
    M("6.3", "tanh' as 1 − y, not 1 − y²", activations(tanh="g * (1 - y)"), "the VJP of tanh"),
    M("6.3", "sigmoid' from x instead of y = σ(x)", activations(sigmoid="g * x * (1 - x)"),
      "the VJP of sigmoid"),
    M("6.3", "relu's ȳ dropped: the 0/1 mask alone", activations(relu="(y > 0).astype(g.dtype)"),
      "the VJP of relu"),
    M("6.3", "relu' taken as 1 everywhere", activations(relu="g"), "the VJP of relu"),
    # --- 6.4 unbroadcast ---------------------------------------------------------------------
    M("6.4", "only the added leading axes summed, not the stretched ones", """
        extra = gradient.ndim - len(shape)
        return gradient.sum(axis=tuple(range(extra))) if extra else gradient""",
      "unbroadcast to (3, 1)"),
    M("6.4", "the mean instead of the sum", """
        extra = gradient.ndim - len(shape)
        stretched = tuple(extra + i for i, n in enumerate(shape)
                          if n == 1 and gradient.shape[extra + i] != 1)
        if stretched:
            gradient = gradient.mean(axis=stretched, keepdims=True)
        return gradient.mean(axis=tuple(range(extra))) if extra else gradient""",
      "add those entries of g"),
    M("6.4", "nothing summed: the gradient returned as it is", "return gradient",
      "unbroadcast to"),
    # --- 7.1 softmax cross-entropy -----------------------------------------------------------
    M("7.1", "the naive form, which overflows", """
        x, n = logits.data, len(labels)
        rows = np.arange(n)
        exps = np.exp(x)
        sums = exps.sum(axis=1, keepdims=True)
        probabilities = exps / sums
        loss = -np.log(probabilities[rows, labels]).sum() / n
        return record(np.asarray(loss, dtype=x.dtype), "softmax_cross_entropy", (logits,),
                      (probabilities, rows, labels))""", "log-sum-exp"),
    M("7.1", "the sum over the batch instead of the mean", """
        x, n = logits.data, len(labels)
        rows = np.arange(n)
        shifted = x - x.max(axis=1, keepdims=True)
        sums = np.exp(shifted).sum(axis=1, keepdims=True)
        loss = (np.log(sums).sum() - shifted[rows, labels].sum())
        probabilities = np.exp(shifted) / sums
        return record(np.asarray(loss, dtype=x.dtype), "softmax_cross_entropy", (logits,),
                      (probabilities, rows, labels))""", "the mean over the N rows"),
    M("7.1", "the logits kept on the node instead of the probabilities", """
        x, n = logits.data, len(labels)
        rows = np.arange(n)
        shifted = x - x.max(axis=1, keepdims=True)
        sums = np.exp(shifted).sum(axis=1, keepdims=True)
        loss = (np.log(sums).sum() - shifted[rows, labels].sum()) / n
        return record(np.asarray(loss, dtype=x.dtype), "softmax_cross_entropy", (logits,),
                      (x, rows, labels))""", "softmax(logits)"),
    M("7.1", "the loss computed in float64 whatever the logits", """
        x, n = logits.data.astype(np.float64), len(labels)
        rows = np.arange(n)
        shifted = x - x.max(axis=1, keepdims=True)
        sums = np.exp(shifted).sum(axis=1, keepdims=True)
        loss = (np.log(sums).sum() - shifted[rows, labels].sum()) / n
        probabilities = np.exp(shifted) / sums
        return record(np.asarray(loss), "softmax_cross_entropy", (logits,),
                      (probabilities, rows, labels))""", "float32 logits give a float32 loss"),
    M("7.1", "softmax over the batch (axis 0) instead of over the classes", """
        x, n = logits.data, len(labels)
        rows = np.arange(n)
        shifted = x - x.max(axis=0, keepdims=True)
        sums = np.exp(shifted).sum(axis=0, keepdims=True)
        loss = (np.log(sums[0, labels]).sum() - shifted[rows, labels].sum()) / n
        probabilities = np.exp(shifted) / sums
        return record(np.asarray(loss, dtype=x.dtype), "softmax_cross_entropy", (logits,),
                      (probabilities, rows, labels))""", "softmax(logits"),
    # --- 7.2 its VJP ---------------------------------------------------------------------------
    M("7.2", "the 1/N forgotten", """
        x_bar = probabilities * g
        x_bar[rows, labels] -= g
        return x_bar""", "(softmax − onehot)/N"),
    M("7.2", "the sign flipped: onehot − softmax", """
        scale = g / len(labels)
        x_bar = -probabilities * scale
        x_bar[rows, labels] += scale
        return x_bar""", "(softmax − onehot)/N"),
    M("7.2", "the node's probabilities changed in place", """
        scale = g / len(labels)
        probabilities *= scale
        probabilities[rows, labels] -= scale
        return probabilities""", "leave the node's probabilities as they are"),
    M("7.2", "ȳ ignored", """
        scale = 1.0 / len(labels)
        x_bar = probabilities * scale
        x_bar[rows, labels] -= scale
        return x_bar""", "ȳ·(softmax − onehot)/N"),
    # --- 8.1 Algorithm 2 -----------------------------------------------------------------------
    M("8.1", "no zero_grad: the gradients of earlier samples add up", """
        losses = []
        for j in range(len(x)):
            cost = loss(model(Tensor(x[j : j + 1])), y[j : j + 1])
            cost.backward()
            for p in params:
                p.data -= lr * p.grad
            losses.append(cost.item())
        return losses""", "zero_grad"),
    M("8.1", "the whole set at once: one step per epoch", """
        model.zero_grad()
        cost = loss(model(Tensor(x)), y)
        cost.backward()
        for p in params:
            p.data -= lr * p.grad
        return [cost.item()]""", "one step per sample"),
    M("8.1", "a step up the gradient (sign error)", """
        losses = []
        for j in range(len(x)):
            model.zero_grad()
            cost = loss(model(Tensor(x[j : j + 1])), y[j : j + 1])
            cost.backward()
            for p in params:
                p.data += lr * p.grad
            losses.append(cost.item())
        return losses""", "one step per sample"),
    M("8.1", "a sample passed without its batch axis", """
        losses = []
        for j in range(len(x)):
            model.zero_grad()
            cost = loss(model(Tensor(x[j])), y[j])
            cost.backward()
            for p in params:
                p.data -= lr * p.grad
            losses.append(cost.item())
        return losses""", "x[j : j + 1]"),
    M("8.1", "the losses not returned", """
        for j in range(len(x)):
            model.zero_grad()
            cost = loss(model(Tensor(x[j : j + 1])), y[j : j + 1])
            cost.backward()
            for p in params:
                p.data -= lr * p.grad""", "return each sample's loss"),
    # --- 8.2 Algorithm 3's accumulator ---------------------------------------------------------
    M("8.2", "the mean instead of the sum", """
        accumulator = [np.zeros_like(p.data) for p in params]
        for j in range(len(x)):
            model.zero_grad()
            loss(model(Tensor(x[j : j + 1])), y[j : j + 1]).backward()
            for acc, p in zip(accumulator, params, strict=True):
                acc += p.grad / len(x)
        return accumulator""", "*sum*"),
    M("8.2", "no zero_grad: each sample's gradient counted again", """
        accumulator = [np.zeros_like(p.data) for p in params]
        for j in range(len(x)):
            loss(model(Tensor(x[j : j + 1])), y[j : j + 1]).backward()
            for acc, p in zip(accumulator, params, strict=True):
                acc += p.grad
        return accumulator""", "zero_grad before each sample"),
    M("8.2", "assigned, not accumulated", """
        accumulator = [np.zeros_like(p.data) for p in params]
        for j in range(len(x)):
            model.zero_grad()
            loss(model(Tensor(x[j : j + 1])), y[j : j + 1]).backward()
            accumulator = [p.grad.copy() for p in params]
        return accumulator""", "*sum*"),
    M("8.2", "a step taken: the accumulator changes the weights", """
        accumulator = [np.zeros_like(p.data) for p in params]
        for j in range(len(x)):
            model.zero_grad()
            loss(model(Tensor(x[j : j + 1])), y[j : j + 1]).backward()
            for acc, p in zip(accumulator, params, strict=True):
                acc += p.grad
                p.data -= 0.01 * p.grad
        return accumulator""", "changes no weight"),
    # --- 9.1 SGD._update -------------------------------------------------------------------------
    M("9.1", "a new array instead of an update in place", """
        theta = theta - self.lr * (gradient + self.weight_decay * theta)""", "in place"),
    M("9.1", "weight decay left out", "theta -= self.lr * gradient", "θ − η·(∇C + λθ)"),
    M("9.1", "weight decay not scaled by η", """
        theta -= self.lr * gradient + self.weight_decay * theta""", "θ − η·(∇C + λθ)"),
    M("9.1", "the learning rate fixed at construction", """
        if not hasattr(self, "first_lr"):
            self.first_lr = self.lr
        theta -= self.first_lr * (gradient + self.weight_decay * theta)""", "self.lr at each step"),
    M("9.1", "λθ added into the gradient itself", """
        gradient += self.weight_decay * theta
        theta -= self.lr * gradient""", "leave the gradient as it is"),
    M("9.1", "a step up the gradient (sign error)", """
        theta += self.lr * (gradient + self.weight_decay * theta)""", "θ − η·∇C"),
    # --- 10.1 fit's training step ----------------------------------------------------------------
    M("10.1", "the augmentation ignored: x[index] instead of x_batch", """
        outputs = model(Tensor(x[index]))
        cost = loss_function(outputs, y[index])
        value = cost.item()""", "the augmented batch"),
    M("10.1", "zero_grad after backward (every gradient erased)", """
        cost.backward()
        optimizer.zero_grad()""", "in this order", region=1),
    M("10.1", "no zero_grad: gradients of every batch add up", "cost.backward()",
      "in this order", region=1),
    M("10.1", "the loss kept as a tensor, not its value", """
        outputs = model(Tensor(x_batch))
        cost = loss_function(outputs, y[index])
        value = cost""", "cost.item()"),
    M("10.1", "the loss of the whole set, not of the batch", """
        outputs = model(Tensor(x_batch))
        cost = loss_function(model(Tensor(x)), y)
        value = cost.item()""", "for each batch"),
]  # fmt: skip


def mutate(root: Path, mutant: Mutant) -> None:
    """Write the mutant's body in place of its region, in the copy of ppn under ``root``."""
    path = root / ppn.tasks.task(mutant.task).code.split(":")[0]
    text = path.read_text()
    regions = [r for r in marked_regions(text, TASK_MARKER) if r[0] == mutant.task]
    _, begin, end = regions[mutant.region]
    lines = text.split("\n")
    indent = re.match(r"[ ]*", lines[begin])[0]
    body = textwrap.indent(textwrap.dedent(mutant.body).strip("\n"), indent).split("\n")
    lines[begin + 1 : end] = body
    path.write_text("\n".join(lines))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A copy of the package and the task checks, made once."""
    root = tmp_path_factory.mktemp("reference")
    shutil.copytree(ROOT / "ppn", root / "ppn", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests" / "tasks", root / "tests" / "tasks",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    return root


def test_every_task_has_at_least_three_mutants_and_sixty_in_all():
    counts = {number: 0 for number in ppn.tasks.TASKS}
    for mutant in MUTANTS:
        counts[mutant.task] += 1
    assert min(counts.values()) >= 3, counts
    assert len(MUTANTS) >= 60


@pytest.mark.parametrize("mutant", MUTANTS, ids=[f"{m.task}:{m.mistake}" for m in MUTANTS])
def test_the_checks_fail_and_name_the_mistake(mutant, pristine, tmp_path):
    root = tmp_path / "repository"
    shutil.copytree(pristine, root)
    mutate(root, mutant)
    outcomes = ppn.tasks.run_checks([mutant.task], root=root)
    failed = [o for o in outcomes if not o.passed]
    assert outcomes and failed, f"no check of task {mutant.task} fails for: {mutant.mistake}"
    # What ppn.tasks.check shows the student: the hint of the first failing check.
    shown = ppn.tasks.hint(failed[0].message)
    assert mutant.names in shown, (
        f"task {mutant.task}, {mutant.mistake}: the first failing check "
        f"({failed[0].name}) does not say {mutant.names!r}; its hint:\n{shown}"
    )
