# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The gradient tape
#
# [Chapter 4](04_backward_mode.ipynb) ran Algorithm 1 on a tape that was already there:
# a list of nodes, each with its parents and its local partial derivatives. This chapter
# builds that tape. A program does not hand us its trace: we have to **record** it while
# the function runs, in a structure the backward pass can walk. That structure is the
# **gradient tape**, also called a *Wengert list*, after [Wengert (1964)](bibliography.md),
# whose program evaluated derivatives by breaking a formula into such a list: one entry
# per elementary operation, in the order the operations ran.
#
# We write `ppn.Tape`'s recording in three steps: how one node is appended (task 5.1), how
# ordinary Python arithmetic on variables appends its nodes by itself (task 5.2), and
# how functions such as `ppn.cos` do (task 5.3). Then we watch Algorithm 1 run on the
# recorded tape, and see why it never needs recursion. Every node here is one number;
# [chapter 6](06_tensor_nodes.ipynb) makes a node hold a whole array, which is what
# training a real network needs.
#
# ## Recording a tape
#
# The same example as in [chapter 3](03_forward_mode.ipynb) and
# [chapter 4](04_backward_mode.ipynb), $f(x_1, x_2) = x_2 \cos x_1 + e^{x_2}$ at
# $(\pi, 1)$. Inside `with ppn.Tape() as tape:`, `tape.var` creates the input variables,
# and every operation on them is recorded:

# %%
import math
import re

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown

import ppn
from ppn.listing import listing
from ppn.plots import animate_reverse_loop, draw_adjoint_vector, draw_computation_graph

with ppn.Tape() as tape:
    x1, x2 = tape.var(math.pi), tape.var(1.0)
    y = x2 * ppn.cos(x1) + ppn.exp(x2)

print(tape)
print(f"f(π, 1) = {y.value:.4f} = e − 1;  y is node {y.index} of the tape")

# %% [markdown]
# Six nodes: the two inputs and the four operations $\cos$, $\times$, $\exp$ and $+$.
# Each node is three entries in three parallel lists: `tape.ops[i]`, the name of the
# operation (kept only for printing), `tape.parents[i]`, the indices of the nodes it
# read, and `tape.partials[i]`, the local partial derivative $\partial w_i / \partial w_p$
# towards each parent $p$, computed during the forward pass. Printed as a table, this is
# the source's figure 11:


# %%
def rounded(number, digits=4):
    """A partial derivative for printing: −1.2e−16 (that is −sin π) shows as 0."""
    return f"{round(number, digits) + 0.0:g}"


def tape_table(tape, names):
    """The tape as a Markdown table, read from its three lists."""
    lines = [
        "| node i | variable | operation | parents p | partials ∂wᵢ/∂w_p |",
        "|--:|:--|:--|:--|:--|",
    ]
    for i, (op, parents, partials) in enumerate(
        zip(tape.ops, tape.parents, tape.partials, strict=True)
    ):
        parent_list = ", ".join(str(p) for p in parents) or "—"
        partial_list = ", ".join(rounded(d) for d in partials) or "—"
        lines.append(f"| {i} | {names[i]} | {op} | {parent_list} | {partial_list} |")
    return "\n".join(lines)


names = ["x₁", "x₂", "cos x₁", "x₂ · cos x₁", "exp x₂", "f = x₂ · cos x₁ + exp x₂"]

# %% mystnb={"markdown_format": "gfm"}
Markdown(tape_table(tape, names))

# %% [markdown]
# Read node 3, $w_3 = w_1 \cdot w_2$: its parents are nodes 1 ($x_2$) and 2
# ($\cos x_1$), and the partials are $\partial w_3 / \partial w_1 = w_2 = \cos \pi = -1$
# and $\partial w_3 / \partial w_2 = w_1 = 1$. Node 2's partial,
# $\partial \cos x_1 / \partial x_1 = -\sin \pi$, is $-1.2 \times 10^{-16}$ in floating
# point, not exactly 0 ([chapter 3](03_forward_mode.ipynb) explains why); the table
# rounds it.
#
# **What the tape does not store: the values.** A node keeps no $w_i$, no reference to
# its parents as objects, no closure. The backward pass needs nothing else than "whom do
# I send my adjoint to, and multiplied by what", which is exactly the parents and the
# partials. The values were needed once, in the forward pass, to *compute* the partials
# (the partial of $w_1 \cdot w_2$ towards $w_1$ is the value of $w_2$ at that moment);
# after that they are dead weight. The value lives in the `Var` object the program holds
# (`y.value`), and disappears when the program drops it. So the tape's memory is just a
# few numbers per operation, and the backward pass is a loop over plain lists.
#
# ### One node: `Tape.record`
#
# Every operation ends with one call, `tape.record(op, parents, partials, value)`, which
# appends its node. It receives:
#
# * `op`, the operation's name (`"cos"`, `"mul"`, `"input"`, …), a string;
# * `parents`, a tuple of the indices of the nodes the operation read (`()` for an input);
# * `partials`, a tuple of the same length: the local partial derivative towards each
#   parent, in the same order;
# * `value`, the result of the operation, a float.
#
# `record` appends `parents`, `partials` and `op`, as they are, to the three lists
# `self.parents`, `self.partials` and `self.ops`. The new node's **index** is its position
# in those lists, which is their length before the append: the first node is 0, the
# next 1, and so on, in the order they are recorded. `record` then **returns** a new
# variable, `Var(self, index, value)`: a `ppn.Var` holds three fields, `.tape` (the tape
# it lives on), `.index` (its node) and `.value`. The value goes into the `Var`, not onto
# the tape. An input is a node with no parents: `tape.var(x)` is
# `tape.record("input", (), (), float(x))`. The first lines of `record`, before the task's
# markers, are written for you: once the `with` block has ended the tape is closed, and
# they refuse to record on it with a `TapeError`.
#
# Any code may call `record`. Here is a node for $w^2$, with its partial $2w$, recorded
# by hand:

# %%
with ppn.Tape() as small_tape:
    w = small_tape.var(3.0)
    square = small_tape.record("square", (w.index,), (2 * w.value,), w.value**2)

print(w, square)
print(small_tape.ops, small_tape.parents, small_tape.partials)
print("∂(w²)/∂w at 3 =", small_tape.gradient(square, [w]))

# %%
assert (square.tape, square.index, square.value) == (small_tape, 1, 9.0)
assert small_tape.gradient(square, [w]) == [6.0]

# %% [markdown]
# ```{admonition} Task 5.1: recording a node on the tape
# :class: tip
# **Write** the body of `Tape.record` in `ppn/tape.py` (between `# task 5.1: begin` and
# `# task 5.1: end`). **It receives** `op`, `parents`, `partials` and `value` as above.
# **It stores** the node: `parents`, `partials` and `op` appended to `self.parents`,
# `self.partials` and `self.ops`. **It returns** `Var(self, index, value)`, where `index`
# is the node's position in the lists (0 for the first node). **Check** with
# `ppn.tasks.check("5.1")` in this notebook, or `pytest tests/tasks -k TestTask5_1`.
# ```
#
# ## Operator overloading: how `x2 * ppn.cos(x1)` records itself
#
# We wrote $f$ as ordinary Python; nothing in `x2 * ppn.cos(x1) + ppn.exp(x2)` mentions a
# tape. The trick is **operator overloading**: `x1` and `x2` are not floats but `ppn.Var`
# objects, and Python turns `x2 * c` into the method call `x2.__mul__(c)`. When the left
# operand is a plain number, as in `3 * x`, the float's own `__mul__` does not know a
# `Var`, and Python tries the right operand's *mirrored* method, `x.__rmul__(3)`. `Var`
# defines `__add__`, `__sub__`, `__mul__`, `__truediv__` and `__pow__` with their mirrored
# versions `__radd__` … `__rpow__`, and each is one line that calls
# `self._binary(name, left, right)`, with the operator's name (`"add"`, `"sub"`, `"mul"`,
# `"div"`, `"pow"`) and the two operands **in the order they are written**: `x - 2` calls
# `x._binary("sub", x, 2)`, and `2 - x` calls `x._binary("sub", 2, x)`. So `self` is one
# of the two operands, the left or the right one, and the other is a `Var` or a plain
# number, a constant. (For `+` and `×` between two variables the library takes a short
# cut that records the same node with fewer checks; the appendix "How ppn is made fast"
# shows it. The student edition leaves the short cut out: there every operation runs your
# `_binary`.)
#
# The first lines of `_binary`, before the task's markers, are written for you. They set
# `other` to the operand that is not `self`; return `NotImplemented` when `other` is
# neither a `Var` nor a number (Python then raises its usual `TypeError`, for `x + "2"`
# say); set `tape = self.tape`; and refuse two variables of different tapes. Then
# `_binary` does four things:
#
# 1. **The operands' values**, as floats: a `Var`'s `.value`, or `float(c)` for a
#    constant `c`.
# 2. **The result**, `z = evaluate_binary(name, x, y)`, from `ppn.elementary`. It computes
#    $x \circ y$, and outside the operator's domain (`x / 0`) it raises a `ValueError` that
#    names the operator and the operands.
# 3. **The partials**, `d_left, d_right = BINARY[name].partials(x, y, z)`: the derivatives
#    of $z$ towards the left and the right operand, read from the rule table of
#    `ppn.elementary`. Forward mode reads the same table
#    ([chapter 3](03_forward_mode.ipynb)), so the two modes cannot disagree. Its rows,
#    with the derivatives in words in the last column:

# %% tags=["remove-input"]
listing("ppn/elementary.py", start_at="BINARY: dict", end_at="}  # fmt: skip")

# %% [markdown]
# 4. **One node**, recorded with `tape.record(name, parents, partials, z)`, whose `Var`
#    `_binary` returns. Only variables are parents: a constant gets no node and no
#    partial. With two variables, the parents are `(left.index, right.index)` and the
#    partials `(d_left, d_right)`. With one, the only parent is `self.index`, with the
#    partial towards `self`'s side: `d_left` if `self` is the left operand, `d_right` if
#    it is the right one.
#
# Three cases to keep in mind. In `2 / x`, `x` is on the right: its partial is
# $\partial (2/x) / \partial x = -z/x$, the table's `d_right`. In `x ** 2` the exponent is
# a constant, so only the base's partial $2x$ is recorded; the table's partial towards
# the exponent, $x^y \log x$, would be `nan` for a negative $x$, and is never used. And
# `x * x` has one variable twice: two parents, `(x.index, x.index)`, each with its
# partial; chapter 4's `+=` adds them up.

# %%
with ppn.Tape() as demo:
    x = demo.var(2.0)
    expressions = {"x - 2": x - 2, "2 / x": 2 / x, "x ** 2": x**2, "x * x": x * x}
for text, z in expressions.items():
    i = z.index
    print(f"{text:6}: node {i}, value {z.value}, parents {demo.parents[i]}, "
          f"partials {demo.partials[i]}")  # fmt: skip

# %%
nodes = [z.index for z in expressions.values()]
assert [demo.parents[i] for i in nodes] == [(0,), (0,), (0,), (0, 0)]
assert [demo.partials[i] for i in nodes] == [
    (1.0,), (-0.5,), (4.0,), (2.0, 2.0)
]  # fmt: skip

# %% [markdown]
# ```{admonition} Task 5.2: operator overloading: x ∘ y records a node
# :class: tip
# **Write** the end of `Var._binary` in `ppn/tape.py` (between `# task 5.2: begin` and
# `# task 5.2: end`). **It receives** `name`, the operator's name in `BINARY`, and the
# operands `left` and `right` in their written order, one of which is `self`; `other`
# and `tape` are already set. **It returns** the `Var` of one new node, recorded with
# `tape.record(name, parents, partials, z)`: `z` from `evaluate_binary`, the partials
# from `BINARY[name].partials(x, y, z)`, and only the variables among the operands as
# parents. **Check** with `ppn.tasks.check("5.2")` in this notebook, or
# `pytest tests/tasks -k TestTask5_2`.
# ```
#
# ## Functions: how `ppn.cos(x1)` records itself
#
# A function such as `ppn.cos` or `ppn.exp` asks its argument first: given an object
# with a `_unary` method (a `Dual`, a `Var`), `ppn.cos(x)` returns `x._unary("cos")`.
# Negation is the same: `-x` calls `x._unary("neg")`. `Var._unary(name)` records one node
# with one parent, `self`, and one partial, $f'(x)$:
#
# 1. **The value**, `value = evaluate(name, x)` with `x = self.value`: it computes $f(x)$
#    from the table's row, and outside the function's domain (`ppn.log` of $-1$) it
#    raises a `ValueError` that names the function and the point.
# 2. **The partial**, `rule(name).derivative(x, value)`: the row of the table `UNARY`
#    that [chapter 3](03_forward_mode.ipynb) prints. A row's derivative receives both
#    $x$ and the value $y = f(x)$ already computed, so that $\exp$ reuses its value and
#    $\tanh$ writes $1 - y^2$.
# 3. **The node**, `self.tape.record(name, (self.index,), (partial,), value)`; its `Var`
#    is what `_unary` returns.

# %%
with ppn.Tape() as demo:
    x = demo.var(0.5)
    results = [ppn.cos(x), ppn.exp(x), -x]
for z in results:
    i = z.index
    print(f"{demo.ops[i]:4}: value {z.value:.6f}, parents {demo.parents[i]}, "
          f"partial {demo.partials[i][0]:.6f}")  # fmt: skip

# %%
assert [demo.partials[z.index] for z in results] == [
    (-math.sin(0.5),), (math.exp(0.5),), (-1.0,)
]  # fmt: skip

# %% [markdown]
# ```{admonition} Task 5.3: f(x) records a node with its partial f'(x)
# :class: tip
# **Write** the body of `Var._unary` in `ppn/tape.py` (between `# task 5.3: begin` and
# `# task 5.3: end`). **It receives** `name`, the function's name in the table `UNARY`
# (`"cos"`, `"exp"`, `"neg"`, …). **It returns** the `Var` of one new node, recorded with
# `self.tape.record(name, (self.index,), (f'(x),), f(x))`, where
# `f(x) = evaluate(name, x)` and `f'(x) = rule(name).derivative(x, f(x))` for
# `x = self.value`. **Check** with `ppn.tasks.check("5.3")` in this notebook, or
# `pytest tests/tasks -k TestTask5_3`.
# ```
#
# With the three tasks written, the tape of $f$ recorded at the start of the chapter is
# exactly figure 11:

# %%
assert tape.parents == [(), (), (0,), (1, 2), (1,), (3, 4)]
assert tape.ops == ["input", "input", "cos", "mul", "exp", "add"]
assert tape.partials[3] == (-1.0, 1.0) and tape.partials[4] == (math.e,)
print("figure 11: parents", tape.parents)

# %% [markdown]
# ## Algorithm 1 on the recorded tape
#
# [Chapter 4](04_backward_mode.ipynb) wrote the backward pass, `Tape.backward`: one loop
# from the output down to node 0 that adds $\nabla[i] \cdot \partial w_i / \partial w_p$
# to the adjoint of each parent $p$. On the tape just recorded it gives the adjoints that
# chapter 4 found on the same tape filled by hand. `ppn.grad(f)`, which chapter 4
# described, records $f$ on a new tape at each call and returns
# `tape.gradient(output, inputs)`; `ppn.value_and_grad(f)` returns $f$'s value as well.
# The second cell checks both against this tape:

# %%
adjoints = tape.backward(y)
print(f"∇ = [{', '.join(rounded(a) for a in adjoints)}]")
print(f"∂f/∂x₁ = ∇[0] = {rounded(adjoints[0])}")
print(f"∂f/∂x₂ = ∇[1] = {adjoints[1]:.4f} = e − 1")

# %%
assert abs(adjoints[0]) < 1e-15 and math.isclose(adjoints[1], math.e - 1)
assert tape.gradient(y, [x1, x2]) == [adjoints[0], adjoints[1]]


def f(a, b):
    return b * ppn.cos(a) + ppn.exp(b)


gradient = ppn.grad(f)(math.pi, 1.0)
value, same_gradient = ppn.value_and_grad(f)(math.pi, 1.0)
assert list(gradient) == adjoints[:2] and same_gradient == gradient
assert value == y.value and math.isclose(value, math.e - 1)

# %% [markdown]
# ### Stepping through the loop
#
# To watch the loop work, here it is once more, Algorithm 1 as chapter 4 states it, with
# a `yield` after each node, so that we can take a copy of the adjoint vector $\nabla$ at
# every step. This copy exists only to look inside; the next cell checks that it ends
# exactly where `Tape.backward` does. To label the drawings that follow, the cell also
# calls `ppn.reverse_trace(f, π, 1)`, which records $f$ on a tape, runs the backward
# pass, and returns Table 2 as a list of rows, one per variable $v_i$: its expression,
# its value and its adjoint $\bar v_i$.


# %%
def reverse_loop_steps(tape, output):
    """Tape.backward's loop, pausing after each node i: yields (i, a copy of ∇)."""
    adjoints = [0.0] * (output.index + 1)
    adjoints[output.index] = 1.0
    for i in range(output.index, -1, -1):
        if adjoints[i] != 0.0:  # nothing flows back from a zero adjoint
            for parent, partial in zip(tape.parents[i], tape.partials[i], strict=True):
                adjoints[parent] += adjoints[i] * partial
        yield i, list(adjoints)


steps = list(reverse_loop_steps(tape, y))
rows = ppn.reverse_trace(f, math.pi, 1.0)  # Table 2's rows, to label the graph
for i, vector in steps:
    print(f"after node {i}: ∇ = [{', '.join(f'{rounded(a):>7}' for a in vector)}]")

# %%
assert steps[-1][1] == tape.backward(y)  # the same numbers, bit for bit

# %% [markdown]
# Follow $\nabla[1]$, the adjoint of $x_2$: it is still 0 after node 5, becomes $e$
# after node 4 ($e^{x_2}$ sends back $1 \cdot e^{x_2}$), and $e - 1$ after node 3
# ($x_2 \cos x_1$ sends back $1 \cdot \cos \pi = -1$). $x_2$ is used twice, so its
# adjoint receives two contributions and must **accumulate** them; a loop that assigned
# with `=` would lose one. After node 1 nothing changes any more: inputs have no parents.
#
# In Jupyter, the slider steps through the loop: the graph
# of [chapter 4](04_backward_mode.ipynb) on the left (the
# orange node is the one being processed, its adjoint sent back along the orange
# arrows), the vector $\nabla$ on the right (dark bars are final, light ones still
# partial sums, the outlined ones just received a contribution). The web version of the
# book has no Python behind it and shows a note in the slider's place; the animation
# after it plays all the steps.

# %% tags=["nbval-ignore-output"]
from ipywidgets import IntSlider, interact


def show_step(step):
    node, vector = steps[step]
    fig, (ax_graph, ax_vector) = plt.subplots(
        1, 2, figsize=(11, 3.6), width_ratios=[1.5, 1]
    )
    _ = draw_computation_graph(rows, ax_graph, derivative="adjoint", step=step,
                               show=("derivative",))  # fmt: skip
    _ = draw_adjoint_vector(rows, vector, node, ax_vector)
    fig.tight_layout()
    plt.show()


_ = interact(show_step, step=IntSlider(min=0, max=len(steps) - 1, value=0))

# %% tags=["nbval-ignore-output"]
animation_html = animate_reverse_loop(rows, steps).to_jshtml()
HTML(animation_html)

# %%
frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,', animation_html)
assert len(frames) == len(steps) == len(tape) == 6
print(f"{len(frames)} frames, one per node, from node {steps[0][0]} "
      f"back to node {steps[-1][0]}")

# %% [markdown]
# ## A reused variable accumulates
#
# The smallest test of accumulation: $x \cdot x$. Its tape has one multiplication whose
# two parents are the **same** node, so the loop visits the parent twice, once per
# operand, and adds $x$ twice:

# %%
with ppn.Tape() as square_tape:
    x = square_tape.var(3.0)
    square = x * x

print("parents:", square_tape.parents, " partials:", square_tape.partials)
(d_square,) = square_tape.gradient(square, [x])
print(f"d(x·x)/dx at 3 = {d_square} = 2·3")

# %%
assert square_tape.parents[1] == (0, 0) and d_square == 6.0

# %% [markdown]
# ## A chain a million operations deep
#
# The backward pass is a `for` loop, not a recursion: it never asks Python to call a
# function inside a function inside a function. An engine that walks the graph
# recursively hits Python's recursion limit (about 1,000 nested calls by default) on a
# chain a few thousand operations long; micrograd, Andrej Karpathy's teaching engine of
# about a hundred lines ([Karpathy, 2020](bibliography.md)), walks its graph that way to
# sort it. The tape does not care. Here $x$ is multiplied a million times by
# $c = 0.999999$, so $y = c^{10^6} x$ and
# $dy/dx = c^{10^6} = (1 - 10^{-6})^{10^6} \approx 1/e$:

# %%
with ppn.Tape() as long_tape:
    x = long_tape.var(2.0)
    chain = x
    for _ in range(1_000_000):
        chain = 0.999999 * chain

(d_chain,) = long_tape.gradient(chain, [x])
print(f"nodes on the tape: {len(long_tape):,}")
print(f"dy/dx = {d_chain:.6f},  0.999999 ** 1e6 = {0.999999**1_000_000:.6f},  "
      f"1/e = {1 / math.e:.6f}")

# %%
assert len(long_tape) == 1_000_001
assert math.isclose(d_chain, 0.999999**1_000_000, rel_tol=1e-9)
del long_tape, chain  # a million nodes: free the memory

# %% [markdown]
# ## Summary
#
# * A tape (a Wengert list) numbers its nodes in the order they run and keeps, for each,
#   its parents' indices and the local partial derivatives, not the values (figure 11).
#   `Tape.record` appends one node and returns its `Var` (tape, index, value).
# * Operator overloading records the tape as ordinary Python runs: `x ∘ y` calls
#   `Var._binary`, `ppn.cos(x)` calls `Var._unary`; both take the value and the partials
#   from the derivative table of `ppn.elementary`, shared with forward mode. A constant
#   gets no node.
# * Algorithm 1 runs on the recorded tape as chapter 4 wrote it: one reverse loop with
#   `+=`, so a variable used twice gets both contributions, and a chain of any depth
#   needs no recursion.
# * A scalar tape makes one node per number; [chapter 6](06_tensor_nodes.ipynb) makes one
#   node per array operation.
#
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 5.1: recording a node on the tape (`ppn/tape.py`: `Tape.record`)
# * 5.2: operator overloading: x ∘ y records a node (`ppn/tape.py`: `Var._binary`)
# * 5.3: f(x) records a node with its partial f'(x) (`ppn/tape.py`: `Var._unary`)
#
# Check them with `pytest tests/tasks -k TestTask5_`, or here with
# `import ppn.tasks` and `ppn.tasks.check("5.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} A new elementary function: softplus (★★, 20 min)
# :label: ex-tape-softplus
#
# Teach ppn the **softplus** $s(x) = \log(1 + e^x)$, a smooth ReLU, without editing the
# library. Derive $s'(x)$ by hand. Write `softplus(x)` that, for a `ppn.Var`, records
# **one** node with its local partial, using `x.tape.record(op, parents, partials,
# value)`, and for a number returns a number. Check it with `ppn.grad` against your
# formula and, inside a larger expression, against `ppn.gradcheck.numerical_grad` (the
# central differences of chapter 3's arctan exercise).
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-softplus
# :label: ex-tape-softplus-solution
# :class: dropdown
# ```
#
# By the chain rule, $s'(x) = \frac{e^x}{1 + e^x} = \frac{1}{1 + e^{-x}} = \sigma(x)$: the
# derivative of softplus is the sigmoid. On the tape a new function is one node: its
# value, its parent's index and its partial $\sigma(x)$, exactly what figure 11 says a node
# holds; the backward loop needs nothing more. (The value is computed as
# $\max(x, 0) + \log(1 + e^{-|x|})$, the same number written so that $e^x$ cannot
# overflow: $e^{800}$ is too large for a float, and $x = 800$ is among the points
# checked.)

# %% tags=["solution"]
from ppn.gradcheck import numerical_grad


def softplus(x):
    """log(1 + eˣ): one tape node with partial σ(x) for a Var, a float for a number."""
    if isinstance(x, ppn.Var):
        value = max(x.value, 0.0) + math.log1p(math.exp(-abs(x.value)))
        partial = ppn.sigmoid(x.value)
        return x.tape.record("softplus", (x.index,), (partial,), value)
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


for x_k in (-30.0, -1.0, 0.0, 2.5, 800.0):
    (derivative,) = ppn.grad(softplus)(x_k)
    assert derivative == ppn.sigmoid(x_k), x_k  # the rule, σ(x)


def uses_softplus(a, b):
    return softplus(a * b) * ppn.sin(b)


with ppn.Tape() as softplus_tape:
    a, b = softplus_tape.var(0.7), softplus_tape.var(-1.3)
    uses_softplus(a, b)
print(f"the tape: {softplus_tape.ops}")
reverse = ppn.grad(uses_softplus)(0.7, -1.3)
numeric = numerical_grad(uses_softplus, 0.7, -1.3)
print(f"∇ by the tape:        ({reverse[0]:.6f}, {reverse[1]:.6f})")
print(f"finite differences:   ({numeric[0]:.6f}, {numeric[1]:.6f})")
assert softplus_tape.ops.count("softplus") == 1
assert np.allclose(reverse, numeric, rtol=1e-8)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Reading tapes (★, 15 min)
# :label: ex-tape-read
#
# Print the tape (with this chapter's `tape_table`) of $g(x) = x \cdot x \cdot x$ and of
# $h(x) = \sin(x)^2 + \cos(x)^2$ at $x = 0.5$. Predict the adjoint vector after each node,
# and check with `reverse_loop_steps`. Since $h = 1$, $h'(x) = 0$: is the computed
# $h'(0.5)$ zero only up to rounding, or exactly? Explain from the partials on the tape.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-read
# :label: ex-tape-read-solution
# :class: dropdown
# ```
#
# For $g$: node 1 is $w_1 = w_0 \cdot w_0$ with parents $(0, 0)$ and partials $(x, x)$, node
# 2 is $w_2 = w_1 \cdot w_0$ with partials $(x, x^2) = (0.5, 0.25)$. Backwards: after node 2,
# $\nabla = (0.25, 0.5, 1)$; after node 1, $\nabla[0]$ receives $0.5 \cdot 0.5$ twice:
# $(0.75, 0.5, 1)$, and $g'(0.5) = 3 \cdot 0.5^2 = 0.75$.
#
# For $h$ the tape is $\sin$, pow, $\cos$, pow, add. The two contributions that reach $x$
# are $(2 \sin x) \cdot \cos x$ and $(2 \cos x) \cdot (-\sin x)$. They are exactly opposite
# in floating point: both multiply the same two rounded numbers $\sin x$ and $\cos x$ (in
# another order, and multiplication is commutative in floating point too), the factor 2
# is exact, and the sign is exact. So $h'(0.5)$ is exactly $0.0$, not $10^{-17}$.

# %% tags=["solution"]
with ppn.Tape() as g_tape:
    x = g_tape.var(0.5)
    g_out = x * x * x
with ppn.Tape() as h_tape:
    x = h_tape.var(0.5)
    h_out = ppn.sin(x) ** 2 + ppn.cos(x) ** 2

# %% mystnb={"markdown_format": "gfm"} tags=["solution"]
h_names = ["x", "sin x", "sin² x", "cos x", "cos² x", "h = sin² x + cos² x"]
Markdown(tape_table(g_tape, ["x", "x · x", "x · x · x"]) + "\n\n"
         + tape_table(h_tape, h_names))

# %% tags=["solution"]
g_steps = [vector for _, vector in reverse_loop_steps(g_tape, g_out)]
h_steps = [vector for _, vector in reverse_loop_steps(h_tape, h_out)]
print("g, ∇ after each node:", g_steps)
print(f"h'(0.5) = {h_steps[-1][0]!r}")
assert g_steps == [[0.25, 0.5, 1.0], [0.75, 0.5, 1.0], [0.75, 0.5, 1.0]]
assert h_steps[-1][0] == 0.0  # exactly

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} What if the loop assigned? (★★, 20 min)
# :label: ex-tape-assign
#
# Write a copy of `reverse_loop_steps` that **assigns**
# (`adjoints[parent] = adjoints[i] * partial`) instead of accumulating. Which gradients
# become wrong: the example $f$, $x \cdot x$, a chain of ten products by a constant, and
# the cost $\sum_k (\sigma(w_1 a_k + w_2 b_k + c) - t_k)^2$ of one neuron on two images
# $(a_k, b_k)$ with targets $t_k$? Which stay right, and why?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-tape-assign
# :label: ex-tape-assign-solution
# :class: dropdown
# ```
#
# An assignment keeps only the last contribution that reaches a node, so a gradient
# stays right exactly when every variable is used **once** (one path to the output). In
# $f$, $x_2$ is used twice (by $\times$ and $\exp$): the loop visits the $\exp$ node first,
# which sets $\bar x_2 = e$, then the product, which overwrites it with $\cos \pi = -1$;
# the right value, $e - 1$, is their sum. In $x \cdot x$ the derivative becomes $x$
# instead of $2x$. In the neuron every parameter is used once per image, so all three of
# its gradients keep only the first image's term. A chain such as
# $0.999999 \cdot (0.999999 \cdot \dots x)$, where each node is used once, stays right.
# In a network almost everything is reused: each input feeds every neuron of the next
# layer, each weight every image of the batch.
#
# The slip is easy to make and easy to miss, since a test on an expression without
# reuse passes. It happened in the video lecture in which Andrej Karpathy builds
# micrograd: the backward rules were first written with `=`, and a variable used twice
# (`a + a`) showed the wrong gradient that led to `+=`
# ([Karpathy, 2022](bibliography.md)).

# %% tags=["solution"]
def assigning_backward(tape, output):
    """The reverse loop with = instead of +=: an adjoint keeps its last contribution."""
    adjoints = [0.0] * (output.index + 1)
    adjoints[output.index] = 1.0
    for i in range(output.index, -1, -1):
        for parent, partial in zip(tape.parents[i], tape.partials[i], strict=True):
            adjoints[parent] = adjoints[i] * partial
    return adjoints


def both_gradients(build):
    """(accumulated, assigned) gradients of build(tape) -> (output, inputs)."""
    with ppn.Tape() as tape:
        output, inputs = build(tape)
    assigned = assigning_backward(tape, output)
    return tape.gradient(output, inputs), [assigned[v.index] for v in inputs]


def build_f(tape):
    x1, x2 = tape.var(math.pi), tape.var(1.0)
    return x2 * ppn.cos(x1) + ppn.exp(x2), [x1, x2]


def build_square(tape):
    x = tape.var(3.0)
    return x * x, [x]


def build_chain(tape):
    x = tape.var(2.0)
    y = x
    for _ in range(10):
        y = 0.999999 * y
    return y, [x]


def build_neuron(tape):
    w1, w2, c = tape.var(0.5), tape.var(-0.3), tape.var(0.1)
    images, targets = [(1.0, 2.0), (0.5, -1.0)], [1.0, 0.0]
    cost = sum((ppn.sigmoid(w1 * a + w2 * b + c) - t) ** 2
               for (a, b), t in zip(images, targets, strict=True))  # fmt: skip
    return cost, [w1, w2, c]


cases = [("f", build_f), ("x · x", build_square), ("a chain", build_chain),
         ("a neuron", build_neuron)]  # fmt: skip
wrong = {}
for name, build in cases:
    right, assigned = both_gradients(build)
    if name == "f":
        assigned_f = assigned
    wrong[name] = sum(not math.isclose(r, a, rel_tol=1e-12, abs_tol=1e-15)
                      for r, a in zip(right, assigned, strict=True))  # fmt: skip
    print(f"{name:9}: {wrong[name]} of {len(right)} partial derivatives wrong with =")
print(f"f with =: ∂f/∂x₂ = {assigned_f[1]:.4f} (cos π, the product's term), not e − 1")
assert wrong == {"f": 1, "x · x": 1, "a chain": 0, "a neuron": 3}
assert assigned_f[1] == -1.0

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
