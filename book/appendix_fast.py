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
# # How `ppn` is made fast
#
# [Chapter 11](11_performance_and_accuracy.ipynb) counted the arithmetic of a training
# step and found that the matrix products take most of its time. This appendix is about
# the rest: what the library does so that the bookkeeping around those products stays
# small, the fast paths of its scalar tape, how it compares with hand-written numpy and
# PyTorch, and what threads buy. It is written for the curious and for whoever maintains
# `ppn`; nothing in the course's main line depends on it.
#
# **How to read the timings.** Every cell that times something here runs on your machine,
# now, and its output is yours: it is not checked by the book's tests (the cell is tagged
# `nbval-ignore-output`), and no `assert` ever compares two timings, because a busy or
# slower machine can make a timing anything. What the cells assert is the *work*: nodes
# recorded, operations, bytes, results identical bit for bit. Claims about speed on a
# quiet machine are read from the files that the scripts in `benchmarks/` wrote, each of
# which names its processor, its BLAS library and kernel, and the load of the machine.

# %%
# %matplotlib inline
import inspect
import json
import math
import re
import time
from pathlib import Path

import numpy as np
from IPython.display import Markdown, display
from threadpoolctl import threadpool_limits

import ppn
from ppn import data, optim
from ppn.listing import listing
from ppn.losses import softmax_cross_entropy
from ppn.nn import MLP
from ppn.replay import Replay
from ppn.tensor import Tensor
from ppn.train import fit

# One BLAS thread, as in the chapters (the section on threads lifts the limit on purpose).
_ = threadpool_limits(limits=1)
(train_images, train_labels), _ = data.load_mnist()
x_train = data.to_float(train_images[:10_000], flatten=True)
y_train = train_labels[:10_000].astype(np.int64)
results_folder = Path("../benchmarks/results")


def best_times(functions, repeats=3, clock=time.process_time):
    """For each named function, the shortest of `repeats` timings, taken in turns."""
    fastest = dict.fromkeys(functions, math.inf)
    for _ in range(repeats):
        for name, function in functions.items():
            start = clock()
            function()
            fastest[name] = min(fastest[name], clock() - start)
    return fastest


# %% [markdown]
# ## Few, large nodes
#
# Every recorded node costs a few microseconds of Python, whatever the size of its
# arrays: making the node, finding it again in the backward pass, calling its rule,
# adding its adjoints. The benchmarks measured that bookkeeping on chains of small
# operations, where the arithmetic is negligible:

# %%
overhead = json.loads((results_folder / "overhead.json").read_text())
machine = overhead["environment"]
print(
    f"measured {machine['date'][:10]} on {machine['cpu']} ({machine['cpus']} cores), "
    f"one BLAS thread, load average before {overhead['load_before'][0]}"
)
for chain_name, result in overhead["results"].items():
    print(
        f"{chain_name:36s} {result['ppn_us_per_op']:4.1f} µs per operation with ppn, "
        f"{result['numpy_us_per_op']:4.1f} in numpy by hand: "
        f"{result['overhead_us_per_op']:3.1f} µs of bookkeeping"
    )
bookkeeping = [r["overhead_us_per_op"] for r in overhead["results"].values()]
mlp = json.loads((results_folder / "mlp.json").read_text())
small_net = next(r for r in mlp["results"] if r["dataset"] == "mnist"
                 and r["sizes"] == [784, 128, 10] and r["batch_size"] == 128)
step_ms = 1e3 * small_net["times"]["ppn"]["median_s"] / math.ceil(10_000 / 128)
print(f"and one training step of 784-128-10 on a batch of 128 (benchmarks/mlp.py, the "
      f"same machine): {step_ms:.2f} ms")

# %%
assert all(2 < us < 4 for us in bookkeeping)  # "about 3 µs" (a file, not a timing)
assert 0.8 < step_ms < 1.5  # "about a millisecond"

# %% [markdown]
# About 3 µs per operation. So `MLP` records each layer's $x W + b$ as *one* node,
# `linear` (`ppn.tensor.linear`, whose rule is the matrix product's and the bias's rows of
# the table together), and the loss as one `softmax_cross_entropy` node. Written out one
# operation per node, as in eq. 5 and the definition of the loss, the same step records
# more than twice as many:

# %%
step_model = MLP([784, 128, 10], "relu", rng=0)
x_batch, y_batch = x_train[:128], y_train[:128]
W0, b0, W1, b1 = step_model.parameters()


def fused_loss(x, y):
    """The loss as ppn's MLP and softmax_cross_entropy record it."""
    return softmax_cross_entropy(step_model(Tensor(x)), y)


def written_out_loss(x, y):
    """The same loss, one node per operation: eq. 5, then −mean log softmax[label]."""
    h = (Tensor(x) @ W0 + b0).relu()
    logits = h @ W1 + b1
    return -logits.log_softmax()[np.arange(len(y)), y].mean()


def gradients(loss_of, x, y):
    """The loss, the nodes its backward pass visits, and the parameters' gradients."""
    step_model.zero_grad()
    loss = loss_of(x, y)
    nodes = len(loss._reachable()[0])  # the recorded nodes the loss depends on
    loss.backward()
    return loss.item(), nodes, [p.grad.copy() for p in step_model.parameters()]


fused_value, fused_nodes, fused_grads = gradients(fused_loss, x_batch, y_batch)
written_value, written_nodes, written_grads = gradients(
    written_out_loss, x_batch, y_batch
)
largest_difference = max(
    np.abs(a - b).max() for a, b in zip(fused_grads, written_grads, strict=True)
)
print(f"nodes: {fused_nodes} as MLP records them, {written_nodes} written out")
# The differences are float32 rounding, whose last digits depend on the BLAS kernel: the
# losses to 4 decimals, and a verdict for the gradients.
print(
    f"losses: {fused_value:.4f} and {written_value:.4f}; "
    f"gradients differ by less than 1e-6: {largest_difference < 1e-6}"
)

# %%
assert (fused_nodes, written_nodes) == (4, 9)
assert abs(fused_value - written_value) < 1e-5 and largest_difference < 1e-6

# %% [markdown]
# The same numbers up to float32's rounding, from less than half the nodes: five nodes
# fewer, about 15 µs of bookkeeping by the figure above, plus the arrays the written-out
# loss makes and the fused one never does (the log-softmax of the whole batch, and a
# gradient scattered back through the indexing). Against a step of about a millisecond
# (the benchmark's figure, printed above) that is a few per cent: too little to see reliably on a busy machine, but paid on every
# step of every epoch. Here are one step's forward and backward passes on your machine,
# at 1 image and at 128, each the fastest of several runs:


# %% tags=["nbval-ignore-output"]
def repeated_step(loss_of, x, y, repeats=50):
    """A function running `repeats` forward and backward passes of loss_of on (x, y)."""

    def run():
        for _ in range(repeats):
            step_model.zero_grad()
            loss_of(x, y).backward()

    return run


step_times = {}
for size in (1, 128):
    x, y = x_train[:size], y_train[:size]
    times = best_times(
        {
            "fused": repeated_step(fused_loss, x, y),
            "written out": repeated_step(written_out_loss, x, y),
        },
        repeats=5,
    )
    step_times[size] = times
    print(
        f"batch {size:3d}: {1e6 * times['fused'] / 50:6.0f} µs per step with ppn's "
        f"nodes, {1e6 * times['written out'] / 50:6.0f} µs written out "
        f"({times['written out'] / times['fused']:.2f}×)"
    )
one_image, batch = step_times[1]["fused"], step_times[128]["fused"]
print(f"a step on 1 image costs {one_image / batch:.0%} of a step on 128 images")

# %% [markdown]
# A step on 1 image does 1/128 of the arithmetic of a step on 128; expect it to cost many
# times that share of the time (the last line above is your machine's figure). The
# overhead of the nodes is the same whatever the batch, and at 1 image the first layer is
# a matrix–vector product that reads all 100,000 weights for a single image.
#
# ## No gradient that nobody needs
#
# The images are data, not parameters: `Tensor(x)` does not require a gradient, and the
# backward pass skips every rule whose input does not need one. For the first layer that
# is the product $\bar G_0 W_0^\top$, the gradient with respect to the 784 pixels: as
# much arithmetic as $X^\top \bar G_0$, the gradient of the first layer's weights, the
# largest product of the backward pass. Counting the multiply–adds of a step's matrix
# products with and without it:


# %%
def step_flops(sizes, batch, pixels_gradient):
    """Floating-point operations of a step's matrix products (a multiply–add is 2)."""
    layers = [2 * batch * n * m for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    forward, weights = sum(layers), sum(layers)  # X W, then Xᵀ Ḡ for every layer
    inputs = sum(layers[1:]) + (layers[0] if pixels_gradient else 0)  # Ḡ Wᵀ
    return forward + weights + inputs


without_pixels = step_flops([784, 128, 10], 128, pixels_gradient=False)
with_pixels = step_flops([784, 128, 10], 128, pixels_gradient=True)
print(
    f"one step, batch 128: {without_pixels / 1e6:.1f} MFLOP, "
    f"{with_pixels / 1e6:.1f} MFLOP with the pixels' gradient "
    f"({with_pixels / without_pixels:.2f}×)"
)

# %%
assert without_pixels == 128 * 409_088  # chapter 11's count per image
assert 1.48 < with_pixels / without_pixels < 1.50

# %% [markdown]
# Asking for the pixels' gradient anyway would add half as much again to the matrix
# products. What it adds to the whole step depends on the products' share of it, and a
# busy machine blurs it further; your machine's figure, now:


# %% tags=["nbval-ignore-output"]
def backward_passes(x, requires_grad, repeats=20):
    """A function running `repeats` forward and backward passes, with or without x̄."""

    def run():
        for _ in range(repeats):
            step_model.zero_grad()
            x_tensor = Tensor(x, requires_grad=requires_grad)
            softmax_cross_entropy(step_model(x_tensor), y_batch).backward()

    return run


times = best_times(
    {
        "pixels without gradient": backward_passes(x_batch, False),
        "pixels with gradient": backward_passes(x_batch, True),
    },
    repeats=15,
)
for name, seconds in times.items():
    print(f"{name:24s} {1e6 * seconds / 20:6.0f} µs per forward and backward pass")
skip_ratio = times["pixels with gradient"] / times["pixels without gradient"]
print(f"the pixels' gradient costs {skip_ratio - 1:.0%} more here")

# %% [markdown]
# ## No slow numbers: subnormals and the flush
#
# Momentum keeps a velocity per weight, $v \leftarrow \mu v + \nabla$. A weight fed by a
# pixel that is 0 in every image (the corners of the MNIST frame) gets a gradient of
# exactly 0, so its velocity only decays: $0.9, 0.81, \dots$ of its last value. After
# several hundred steps it drops below $1.2 \times 10^{-38}$, the smallest normal
# float32, into the *subnormal* numbers. Many x86 processors handle those in a slow path,
# several times slower than normal arithmetic; others (many ARM ones, and the AMD EPYC of
# the benchmarks below) compute them at full speed. Your processor, now:

# %% tags=["nbval-ignore-output"]
normal = np.full(100_000, 1e-30, dtype=np.float32)
subnormal = np.full(
    100_000, 1e-40, dtype=np.float32
)  # below the smallest normal float32
times = best_times(
    {
        "normal": lambda: [normal * np.float32(0.9) for _ in range(20)],
        "subnormal": lambda: [subnormal * np.float32(0.9) for _ in range(20)],
    },
    repeats=5,
)
for name, seconds in times.items():
    print(f"0.9 × 100,000 {name} float32 numbers: {1e6 * seconds / 20:7.1f} µs")
print(f"subnormal / normal: {times['subnormal'] / times['normal']:.1f}×")

# %% [markdown]
# A ratio near 1 means a processor without the slow path; several times means one with
# it. Such a velocity moves its weight by less than anything float32 can represent, so
# `ppn`'s optimisers set their subnormal entries to 0 every 16 steps
# (`ppn.optim.FLUSH_EVERY`), as a processor's "flush to zero" mode would. How many
# subnormal velocities do two epochs of momentum SGD (batches of 16) leave, with and
# without it?


# %%
def subnormal_velocities(flush_every):
    """Two epochs of momentum SGD in batches of 16: (subnormal velocities, seconds)."""
    network = MLP([784, 128, 10], "relu", rng=0)
    momentum = optim.Momentum(network.parameters(), lr=0.05, momentum=0.9)
    saved, optim.FLUSH_EVERY = (
        optim.FLUSH_EVERY,
        flush_every,
    )  # for this experiment only
    try:
        start = time.process_time()
        fit(
            network,
            x_train,
            y_train,
            optimizer=momentum,
            epochs=2,
            batch_size=16,
            seed=0,
            progress=False,
        )
        seconds = time.process_time() - start
    finally:
        optim.FLUSH_EVERY = saved
    tiny = np.finfo(np.float32).tiny  # the smallest normal float32
    count = sum(
        int(np.count_nonzero((v != 0) & (np.abs(v) < tiny))) for v in momentum.velocity
    )
    return count, seconds


(with_flush, seconds_with), (without_flush, seconds_without) = (
    subnormal_velocities(16),
    subnormal_velocities(10**9),
)  # 10⁹ steps: never
print(
    f"without the flush, more than 1,000 subnormal velocities: {without_flush > 1000}; "
    f"with it, fewer than 1 % of that: {with_flush < without_flush / 100}"
)

# %% tags=["nbval-ignore-output"]
print(
    f"with the flush every 16 steps: {with_flush:6,} subnormal velocities, "
    f"{seconds_with:.2f} s"
)
print(
    f"without it:                    {without_flush:6,} subnormal velocities, "
    f"{seconds_without:.2f} s"
)

# %%
assert without_flush > 1000 and with_flush < without_flush / 100

# %% [markdown]
# Without the flush, thousands of velocities are subnormal after
# $2 \cdot 10{,}000 / 16 = 1{,}250$ steps; with it, only the few that decayed since the
# last flush. What that does to the time depends on the processor: on one without the
# slow path, the two runs take the same time up to the noise of the machine (and the
# flush's own passes over the velocities), and either can come out ahead; on one with
# it, the run without the flush is the slower. The benchmarks ran the hand-written
# numpy loop of 784 → 128 → 10 on the 60,000 images of Fashion-MNIST with and without a
# flush on two processors, an Intel Xeon whose subnormal arithmetic is slow (a run kept
# in `benchmarks/results/archive/`) and the AMD EPYC of the latest run:


# %%
def fashion_epochs(batch, table="mlp.md", column=4):
    """A column of the 784-128-10 Fashion-MNIST rows of a results table, by
    implementation: 4 the seconds per epoch, 5 the time ÷ numpy's (median ratio)."""
    seconds = {}
    for line in (results_folder / table).read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if (
            len(cells) > 10
            and cells[0].startswith("fashion-mnist")
            and cells[1] == "784-128-10"
            and cells[2] == str(batch)
        ):
            seconds[cells[3]] = float(cells[column])  # the first table's rows only
    return seconds


xeon = "archive/mlp-2026-11-27-xeon.md"
for table, name in (
    (xeon, "Intel Xeon, 2026-11-27"),
    ("mlp.md", "AMD EPYC, 2026-12-03"),
):
    for batch in (64, 128):
        epoch, ratio = fashion_epochs(batch, table), fashion_epochs(batch, table, 5)
        print(
            f"{name}, batches of {batch:3d}: numpy {epoch['numpy']:.2f} s, "
            f"numpy + flush {epoch['numpy + flush']:.2f} s, ppn {epoch['ppn']:.2f} s, "
            f"torch {epoch['torch']:.2f} s per epoch (medians); numpy + flush ÷ numpy, "
            f"median of the rounds' ratios: {ratio['numpy + flush']:.2f}"
        )

# %%
assert "Intel(R) Xeon(R)" in (results_folder / xeon).read_text()
assert "CPU AMD EPYC" in (results_folder / "mlp.md").read_text()
xeon_64 = fashion_epochs(64, xeon)
assert xeon_64["numpy"] > 2 * xeon_64["numpy + flush"]  # "more than twice as long"
for batch in (64, 128):
    epoch = fashion_epochs(batch, xeon)
    assert epoch["ppn"] < min(epoch["numpy"], epoch["torch"]), batch
    assert abs(fashion_epochs(batch, column=5)["numpy + flush"] - 1) < 0.1, batch

# %% [markdown]
# On the Xeon, hand-written numpy's epoch in batches of 64 took more than twice as long
# without the flush as with it, and `ppn`'s epochs, which flush, were faster than
# hand-written numpy's and PyTorch's. On the AMD EPYC, whose subnormal arithmetic runs
# at full speed, the flush changes numpy's epoch by less than a tenth (the median of the
# rounds' ratios, the last figure of each line above; the medians of the seconds, taken
# over rounds of uneven load, are further apart): the same program, and a lead that came
# from the processor, not from the library.
#
# ## No needless copies
#
# The rest is housekeeping: float32 end to end (a Python number combined with a float32
# tensor stays float32), the bias added into the product's fresh array in place, adjoints
# accumulated with `+=` into buffers the backward pass owns, and optimisers that allocate
# their state once and update it with `out=` arguments, so that a step allocates nothing
# there. One copy `ppn` cannot avoid: the hand-written numpy of the benchmarks computes
# $\eta v$ into the spent gradient's buffer, while `ppn`'s optimisers must leave `p.grad`
# readable after `step()` and use a buffer of their own, one more array of the first
# layer's size to stream through the cache on each step. (The benchmark's row *replay,
# η·v into ∂W* measures what that buffer costs: the replayed step with the optimiser
# writing into the gradient buffers, as numpy does.)

# %% [markdown]
# ## Record once, run many times
#
# Every step of an epoch does the same thing: the same operations, in the same order, on
# arrays of the same shapes. Only the numbers differ. Yet the eager step pays, on every step, for what does not change: it makes a new array for every
# intermediate and every adjoint, a Python object for every recorded node, and it walks the
# graph again to find the nodes in the backward pass. The tape recorded all of that once
# already. So record one step and keep the record: that is a **plan**.
#
# `ppn.replay` does this with numpy alone. It runs the forward pass and the loss once on
# the tape, with the batch in an array of its own, and reads the recorded nodes back in
# the tape's order. It then gives every value and every adjoint a **buffer**, allocated
# once, and writes each node as a few numpy calls into those buffers, with the `out=`
# argument that every numpy function has: the forward functions and the rows of the VJP
# table, in place. Each later batch is gathered straight into the plan's input buffer with
# `np.take(x, index, out=...)`, the calls run, and the optimiser's own `step()` updates the
# weights from the gradient buffers. The plan of chapter 11's network, 784 → 128 → 10,
# for batches of 128:

# %%
replay_network = MLP([784, 128, 10], "relu", rng=0)
replay_steps = Replay(
    replay_network, optim.Momentum(replay_network.parameters(), lr=0.05)
)
plan = replay_steps.plan((128, 784))
print(plan.describe())

# %% [markdown]
# Every name is one buffer: the batch and its labels, each node's value (`linear.0`,
# `relu.1`, …) and adjoint (`∂…`), the working arrays of the loss and of the ReLU's rule,
# and the parameters' gradients, which become their `.grad`. The parameters themselves are
# not copied: the plan reads and updates them where they are. No step allocates an array
# after this (the tests check it with `tracemalloc`). And this is the whole step, as the
# plan runs it:

# %%
print(plan.program())

# %% [markdown]
# It is the eager step written out, the rules of the table included: the loss's
# $(\text{softmax} - \text{onehot})/N$, $\bar G W^\top$, $X^\top \bar G$, the bias's sum
# and ReLU's mask. One line is missing: the pixels' gradient, which nobody needs. Because
# every operation is the one the eager step performs, in the same order and on arrays of
# the same shapes, the plan computes the same numbers *to the last bit*, not just up to
# float32's rounding. A batch of another shape, such as the last, shorter batch of an epoch
# (10,000 = 78 × 128 + 16), gets a plan of its own, in the first rows of the same buffers.
# `fit` replays by default whenever the model, the loss and the optimiser are ones the plan
# knows (`fit(..., replay=False)` runs the eager step; on the command line,
# `python -m ppn train --no-replay`). Two epochs each way:

# %%
replay_models = {}
for use_replay in (False, True):
    replay_models[use_replay] = MLP([784, 128, 10], "relu", rng=0)
    fit(
        replay_models[use_replay],
        x_train,
        y_train,
        epochs=2,
        batch_size=128,
        seed=0,
        optimizer=optim.Momentum(replay_models[use_replay].parameters(), lr=0.05),
        progress=False,
        replay=use_replay,
    )
identical = all(
    np.array_equal(a.data, b.data)
    for a, b in zip(
        replay_models[False].parameters(), replay_models[True].parameters(), strict=True
    )
)
print(
    f"eager and replayed weights after 2 epochs are identical, bit for bit: {identical}"
)

# %%
assert identical

# %% [markdown]
# What does it buy? The plan removes the bookkeeping, not the arithmetic, so on a
# machine where the matrix products take most of the epoch expect a gain of a few per
# cent at most, of the order of the noise of a busy machine. One epoch of the eager loop
# against one epoch of the replayed plan on your machine, alternately, the fastest of
# five each:


# %% tags=["nbval-ignore-output"]
def eager_epoch(model, optimizer, order):
    for first in range(0, len(x_train), 128):
        index = order[first : first + 128]
        cost = softmax_cross_entropy(model(Tensor(x_train[index])), y_train[index])
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()


def replayed_epoch(steps, order):
    for first in range(0, len(x_train), 128):
        index = order[first : first + 128]
        steps.plan((len(index), 784)).step(x_train, y_train, index)


eager_network = MLP([784, 128, 10], "relu", rng=0)
eager_optimizer = optim.Momentum(eager_network.parameters(), lr=0.05)
epoch_order = np.random.default_rng(0).permutation(len(x_train))
replay_times = best_times(
    {
        "eager": lambda: eager_epoch(eager_network, eager_optimizer, epoch_order),
        "replayed": lambda: replayed_epoch(replay_steps, epoch_order),
    },
    repeats=5,
)
for name, seconds in replay_times.items():
    print(f"{name:8s} {1e3 * seconds:6.1f} ms per epoch")
print(f"replayed / eager: {replay_times['replayed'] / replay_times['eager']:.2f}")

# %%
print("the plans recorded, by batch shape:", sorted(replay_steps.plans))
assert sorted(replay_steps.plans) == [(16, 784), (128, 784)]  # 10,000 = 78 × 128 + 16

# %% [markdown]
# The benchmarks compare the replayed step with the hand-written numpy loop on a quiet
# machine (the `ppn replay` rows of the tables of the next section). Here is their
# side-by-side view, each implementation's epoch divided by the time of its matrix
# products alone, the floating-point limit, and then where the replayed step's time goes,
# each of its numpy calls timed on its own:

# %% mystnb={"markdown_format": "gfm"} tags=["nbval-ignore-output"]
mlp_results = (results_folder / "mlp.md").read_text()


def section(heading):
    """The text of one section of mlp.md, under its heading."""
    return mlp_results.partition(f"## {heading}\n")[2].split("\n## ")[0]


side_by_side = section("Each implementation ÷ the FLOP limit, side by side")
time_goes = section("Where the replayed step's time goes")
display(Markdown(side_by_side))
display(Markdown(time_goes))


# %%
def table_rows(text, columns):
    """The rows of the Markdown tables in text that have this many columns, as cells."""
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| ")
    ]
    return [
        r for r in rows if len(r) == columns and not r[0].startswith(("data", "---"))
    ]


assert "ppn replay" in side_by_side and "share removed" in side_by_side
# The claims of the text below, from the benchmark's tables: the replayed step within a
# tenth of the numpy loop either way, and the matrix products most of its time.
replay_per_numpy = [
    float(r[5]) for r in table_rows(mlp_results, 11) if r[3] == "ppn replay"
]
assert len(replay_per_numpy) >= 4 and all(0.9 < v < 1.1 for v in replay_per_numpy)
matmul_shares = [
    float(r[4].split("(")[1].rstrip("%)")) for r in table_rows(time_goes, 9)
]
assert len(matmul_shares) >= 4 and min(matmul_shares) > 50


# %% [markdown]
# The replayed step is about as fast as the numpy loop written by hand, within a tenth
# either way, and neither comes near the limit. The matrix products take most of the
# replayed step; between them, numpy still makes one pass over memory per operation (the
# gather, the softmax's half-dozen, the momentum update's four over every weight), each
# a separate call of a compiled loop, and the hand-written loop makes the same passes.
# What the plan removes is only what happens between those calls.
#
# **This is what `jit` compilers do.** JAX's `jax.jit` runs a function once with abstract
# arrays, records the operations it performs (a *jaxpr*, JAX's tape) and hands them to the
# XLA compiler; `torch.compile` captures the Python code's graph of operations the first
# time it runs and compiles it. Both then run the compiled plan for every later call with
# arrays of the same shapes and record again for a new shape, as `ppn.replay` does for the
# last batch. They go further in two ways that a numpy library cannot: they plan the
# memory (buffers reused once their value is dead) and, above all, they **fuse**
# operations, generating one loop that does the bias, the ReLU and the mask in a single
# pass instead of three, so that the arrays between them never reach memory. A plan is a
# list of calls, and a rewrite of that list is how fusion starts: the exercise at the end
# of this appendix adds one fused operation to `ppn.replay`'s plan.


# %% [markdown]
# ## The scalar tape's fast paths
#
# The scalar tape of [chapter 5](05_gradient_tape.ipynb) spends almost nothing on
# arithmetic: each operation is a Python call, a few checks and three list appends, and
# its cost is that bookkeeping. Two places of `ppn/tape.py` have a faster version beside
# the plain one that the chapters teach. (The student edition of the course leaves both
# out: there, every operation runs the code the students wrote.)
#
# **+ and × between two variables.** `Var._binary` handles every binary operation: it
# finds which operand is the variable, refuses operands of another tape, converts a
# constant, reads the row of the table and calls `Tape.record`. The two commonest
# operations of a network, between two variables of one open tape, need none of that but
# the row; `Var.__add__` and `Var.__mul__` are made by `_short_path`, which tries that
# case first and falls back to `_binary` for all others:

# %% tags=["remove-input"]
listing(ppn.tape._short_path)

# %% [markdown]
# Both paths must record the same node. Recording the same sum of products each way:


# %%
def sum_of_products(values, binary):
    """A tape of Σ xᵢ·xᵢ₊₁, recorded with `binary(name, left, right)`."""
    with ppn.Tape() as tape:
        xs = [tape.var(v) for v in values]
        total = binary("mul", xs[0], xs[1])
        for left, right in zip(xs[1:-1], xs[2:], strict=True):
            total = binary("add", total, binary("mul", left, right))
    return tape, total


values = np.random.default_rng(0).standard_normal(1_000).tolist()
operator = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b}
short, short_total = sum_of_products(values, lambda name, a, b: operator[name](a, b))
general, general_total = sum_of_products(
    values, lambda name, a, b: a._binary(name, a, b)
)
same_tape = (short.parents, short.partials, short.ops) == (
    general.parents,
    general.partials,
    general.ops,
)
print(
    f"{len(short):,} nodes each way; the same nodes, partials and value: "
    f"{same_tape and short_total.value == general_total.value}"
)

# %%
assert same_tape and short_total.value == general_total.value
assert len(short) == 1_000 + 999 + 998  # the inputs, the products, the sums

# %% [markdown]
# On your machine, recording each way (the fastest of five):

# %% tags=["nbval-ignore-output"]
times = best_times(
    {
        "short path (a + b, a * b)": lambda: sum_of_products(
            values, lambda name, a, b: operator[name](a, b)
        ),
        "general path (_binary)": lambda: sum_of_products(
            values, lambda name, a, b: a._binary(name, a, b)
        ),
    },
    repeats=5,
)
for name, seconds in times.items():
    print(f"{name:26s} {1e6 * seconds / len(short):5.2f} µs per node")

# %% [markdown]
# Both columns include the lambda that calls the operation, the same in both. The short
# path saves the checks and a call on every node, and a scalar tape's node costs little
# else; what that comes to, as a ratio that the load of the machine moves little, is
# measured by the benchmark at the end of this section.
#
# **The reverse loop.** `Tape.backward` is Algorithm 1 as chapter 4 writes it: for each
# node, a `zip` over its parents and partials. Every node of the table has one or two
# parents, and creating a `zip` for a node costs more than the node's arithmetic, so
# `Tape._backward_unrolled` writes those two cases out; it is not used by default, and it
# must give the same adjoints, bit for bit:

# %% tags=["remove-input"]
listing(ppn.Tape._backward_unrolled)

# %%
plain, unrolled = short.backward(short_total), short._backward_unrolled(short_total)
print(f"the same {len(plain):,} adjoints, bit for bit: {plain == unrolled}")
parents_per_node = {n: sum(len(p) == n for p in short.parents) for n in (0, 1, 2)}
print("nodes by number of parents:", parents_per_node)

# %%
assert plain == unrolled
assert parents_per_node == {0: 1_000, 1: 0, 2: 1_997}  # no zip() needed for any of them

# %% [markdown]
# And the two loops on your machine:

# %% tags=["nbval-ignore-output"]
times = best_times(
    {
        "plain loop (Tape.backward)": lambda: short.backward(short_total),
        "unrolled (_backward_unrolled)": lambda: short._backward_unrolled(short_total),
    },
    repeats=7,
)
for name, seconds in times.items():
    print(f"{name:30s} {1e9 * seconds / len(short):5.0f} ns per node")

# %% [markdown]
# **On the benchmark's machine.** Part (d) of `benchmarks/scalar.py` times both pairs on
# three tapes: chapter 5's f(x₁, x₂) = x₂·cos x₁ + e^x₂ (6 nodes, differentiated 10,000
# times), the loss of a 2-16-16-1 tanh network on 100 points (64,638 nodes), and the sum
# of products above with 100,000 values. Before it times anything it records and
# differentiates each tape both ways and checks that they did the same work (the same
# nodes, the same adjoints). Then the plain code and its fast path run side by side,
# round after round, and it reports the fast path's time as a ratio to the plain code's
# in the same round: the median over the rounds, and their range. On a machine shared
# with other jobs the times move with the load, and the ratio of two neighbouring
# timings much less. Its latest run:

# %%
scalar_json = json.loads((results_folder / "scalar.json").read_text())
fast_paths = scalar_json["results"]["d"]
scalar_machine = scalar_json["environment"]
print(
    f"{scalar_machine['cpu']}, {scalar_machine['date'][:10]}, "
    f"{fast_paths['rounds']} rounds, "
    f"load average {fast_paths['load_before'][0]} before, "
    f"{fast_paths['load_after'][0]} after"
)
fast_work = [part["work"] for part in fast_paths["workloads"].values()]
for work, part in zip(fast_work, fast_paths["workloads"].values(), strict=True):
    for name, stats in part["times"].items():
        if "ratio" in stats:
            plain_name = stats["baseline"].split(": ")[1]
            print(
                f"{work['nodes']:7,} nodes  {name.split(': ')[1]:24s} "
                f"{stats['ratio']:.2f} of {plain_name:13s} "
                f"(rounds {stats['ratio_min']:.2f}–{stats['ratio_max']:.2f})"
            )

# %%
assert scalar_machine["cpu"] == "AMD EPYC"
assert [w["nodes"] for w in fast_work] == [6, 64_638, 299_997]
assert all(w["same_nodes"] and w["same_adjoints"] for w in fast_work)

# %% [markdown]
# On that machine the unrolled loop took about a third of the plain loop's time on every
# tape, and recording with the short path two thirds to four fifths of the general
# path's: the inner loop of the plain backward pass, a `zip` per node, was about two
# thirds of its time. A backward pass is still the cheaper half of a scalar tape's work
# (each node is recorded once, with a new object, and visited once, with two
# multiplications): compare the times per node in the table below. The same benchmark
# compares the whole tape, as the current code runs it (the short path and the plain
# loop), with micrograd's engine:

# %% mystnb={"markdown_format": "gfm"} tags=["nbval-ignore-output"]
scalar = (results_folder / "scalar.md").read_text()
display(Markdown(re.sub(r"^#+ (.*)$", r"**\1**", scalar, flags=re.MULTILINE)))

# %%
assert "RecursionError" in scalar  # micrograd recurses; the tape loops

# %% [markdown]
# On the training step (b), most of micrograd's time goes to Python's garbage collector:
# its closures make reference cycles, which a tape of flat lists does not (compare the
# columns with the collector on and off). On the six-node function (a), the fixed cost of
# a tape and a backward pass dominates. And a chain of a million multiplications is one
# loop for the tape, where micrograd's recursive walk of the graph stops at Python's
# recursion limit.

# %% [markdown]
# ## `ppn` against other implementations
#
# The course's benchmarks (the scripts in `benchmarks/`, run by hand, never by the
# book's tests) compare `ppn` with other implementations of the same computations: its
# scalar tape with micrograd's (above), the bookkeeping of a tensor operation with the
# same arithmetic written out in numpy, and a training epoch with hand-written numpy and
# PyTorch's eager mode. They time the candidates in alternating rounds, on one BLAS
# thread, on an idle machine, and write their tables to `benchmarks/results/`, each
# naming its processor, BLAS kernel and the machine's load. (JAX is not among them: its
# compiled step would measure XLA's fused kernels, not a Python library's bookkeeping;
# the last paragraph of the section on replay says what `jax.jit` does differently.) The
# tables of the tensor operations and of an epoch, as the benchmarks last wrote them:

# %% mystnb={"markdown_format": "gfm"} tags=["nbval-ignore-output"]
# The performance benchmarks' tables: not the scalar tape's (above), not the accuracy
# study (its own appendix), not the handwriting benchmark (chapter 12), not the "-quick"
# trial runs.
benchmark_tables = sorted(
    p
    for p in results_folder.glob("*.md")
    if p.stem not in {"scalar", "accuracy", "handwriting"}
    and not p.stem.endswith("-quick")
)
for table in benchmark_tables:
    # The files' headings become bold lines: the page's sections are its own.
    text = re.sub(r"^#+ (.*)$", r"**\1**", table.read_text(), flags=re.MULTILINE)
    display(Markdown(text))

# %%
for table in benchmark_tables:  # each file holds a Markdown table with a row for ppn
    text = table.read_text()
    assert re.search(r"^\|.*\|$", text, flags=re.MULTILINE) and "ppn" in text, (
        table.name
    )
mlp = json.loads((results_folder / "mlp.json").read_text())
per_numpy = {
    name: [r["times"][name]["per_numpy"] for r in mlp["results"]]
    for name in ("ppn", "ppn replay", "torch")
}
for name, ratios in per_numpy.items():
    print(
        f"{name:10s} ÷ hand-written numpy: {min(ratios):.2f}–{max(ratios):.2f} "
        f"over the {len(ratios)} configurations"
    )
weights_equal = all(
    r["max_weight_difference_from_numpy"][name] == 0
    for r in mlp["results"]
    for name in ("ppn", "ppn replay")
)
print(
    f"ppn's weights equal numpy's, bit for bit, in every configuration: {weights_equal}"
)

# %%
assert weights_equal and mlp["environment"]["cpu"] == "AMD EPYC"
assert max(per_numpy["ppn"]) < 1.25 and 0.9 < min(per_numpy["ppn replay"])
assert (
    max(per_numpy["torch"]) > 1.3
)  # PyTorch's eager dispatch weighs on these small nets

# %% [markdown]
# On that machine, an epoch of eager `ppn` took up to a quarter longer than hand-written
# numpy, the replayed step (what `fit` runs) about as long, and PyTorch's eager mode
# longer than both on these small networks, whose operations are too small for its
# per-operation dispatch to vanish; the printout above gives the ranges. The weights after
# the rounds are numpy's, bit for bit: the same arithmetic in the same order. Several of
# the targets the benchmarks print ("NOT met") were set early in the course's development
# and are kept as they were; `benchmarks/README.md` discusses each.
#
# %% [markdown]
# ## Processor threads
#
# numpy hands matrix products to a BLAS library (here OpenBLAS) that can split a product
# between several cores. `threadpoolctl` sets how many threads it may use; the book uses
# one. What can a second thread buy? Not less *work*: a 2048 × 2048 product is
# $2 \cdot 2048^3 \approx 17$ billion floating-point operations however many threads
# share them, plus the threads' coordination. At best it finishes the work sooner, if a
# second core is free, and then at most twice as soon. On a machine shared with other
# jobs (the machine that ran this page is one), it may buy nothing, or make things
# slower: OpenBLAS's worker threads wait for work by spinning, which burns a core that
# another job needs, and a product waits for whichever of its two threads the system
# schedules last. The benchmarks do not measure threads, so here are only your machine's
# figures, now:

# %%
a, b = np.random.default_rng(0).standard_normal((2, 2048, 2048), dtype=np.float32)
print(
    f"one 2048 × 2048 product: {2 * 2048**3 / 1e9:.1f} GFLOP, whatever the threads"
)


def with_threads(threads, function):
    """function, run with at most `threads` BLAS threads."""

    def run():
        with threadpool_limits(limits=threads):
            return function()

    return run


def both_clocks(function, repeats=3):
    """The shortest elapsed time and the shortest processor time of `repeats` runs."""
    elapsed, processor = math.inf, math.inf
    for _ in range(repeats):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        function()
        elapsed = min(elapsed, time.perf_counter() - wall_start)
        processor = min(processor, time.process_time() - cpu_start)
    return elapsed, processor


matmul = {threads: with_threads(threads, lambda: a @ b) for threads in (1, 2)}
products = {threads: run() for threads, run in matmul.items()}
print(
    f"the two products agree to float32's rounding: "
    f"{np.allclose(products[1], products[2], rtol=1e-4, atol=1e-3)}"
)

# %%
assert np.allclose(products[1], products[2], rtol=1e-4, atol=1e-3)

# %% tags=["nbval-ignore-output"]
# One thread first, then two (not in turns): process_time counts every thread of the
# process, and a worker that has just finished its half of a two-thread product keeps
# spinning for a while, which would be charged to a one-thread product timed next.
wall, cpu = {}, {}
for threads in (1, 2):
    wall[threads], cpu[threads] = both_clocks(matmul[threads])
for threads in (1, 2):
    print(
        f"2048 × 2048 product, {threads} thread(s): {1e3 * wall[threads]:6.1f} ms "
        f"elapsed, {1e3 * cpu[threads]:6.1f} ms of processor time"
    )
print(f"elapsed time with 2 threads: {wall[2] / wall[1]:.2f}× that with one")


def one_epoch():
    """One epoch of fit on 10,000 images, 784-128-10, batches of 128."""
    network = MLP([784, 128, 10], "relu", rng=0)
    fit(
        network,
        x_train,
        y_train,
        optimizer=optim.SGD(network.parameters(), lr=0.01),
        epochs=1,
        batch_size=128,
        progress=False,
    )


epoch_wall = best_times(
    {threads: with_threads(threads, one_epoch) for threads in (1, 2)},
    repeats=2,
    clock=time.perf_counter,
)
for threads in (1, 2):
    print(
        f"one epoch of 784-128-10, {threads} thread(s): "
        f"{len(x_train) / epoch_wall[threads]:9,.0f} images/s"
    )

# %% [markdown]
# Read the printout with that in mind. On an idle machine with a free second core, the
# large product's elapsed time drops towards half, while its processor time stays at
# least the same. An epoch of our network gains less than the large product, if
# anything: its matrices (128 × 784 by 784 × 128) leave little to share, and the epoch
# also does work outside the matrix products, which one thread does alone (Amdahl's law).
# On a busy machine either figure can go the wrong way. Measure before adding threads.
#
# The two products may also differ in their last bits: with two threads, a product's sums
# can be taken in another order. That is harmless, but a training run is reproducible to
# the last digit only with the same number of threads, one more reason why the book
# fixes it (the accuracy study's appendix shows how far such differences carry).

# %% [markdown]
# ## Exercises
#
# A worked solution follows each exercise, folded away: try first, then open it. The
# solutions are code that runs with the page and checks its own answer.

# %% [markdown]
# ```{exercise} Adam's step (★★, 20 min)
# :label: ex-fast-adam-step
#
# Time the optimiser step of `optim.SGD` and of `optim.Adam` on the parameters of
# 784 → 128 → 10, with the same gradients. How many times as long does Adam's step take?
# Count the passes over the parameters that `Adam._update` makes (read it with
# `inspect.getsource`) and explain why its cost grows with the number of parameters but
# not with the batch size.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-fast-adam-step
# :label: ex-fast-adam-step-solution
# :class: dropdown
# ```
#
# SGD's `_update` makes two passes over each parameter array: multiply the gradient by
# the rate, subtract the product. Adam's makes twelve: it updates the two moving averages
# $m$ and $v$ (a scale, a product and an add each, plus one more scale for $v$), then takes
# the square root of $v$, adds $\epsilon$, divides, scales and subtracts, each one an
# element-wise numpy operation over the whole array (weight decay would add one more, to
# each). Every pass touches all 101,770 parameters once per *step*, whatever the number of
# images in the batch, so the step's cost is proportional to the number of parameters and
# independent of the batch size; per image, it shrinks as the batches grow. The count of
# passes predicts that Adam's step takes about six times as long as SGD's; a square root
# and a division cost more than a multiplication, so on a quiet machine expect a ratio of
# that order or above. The printout below is your machine's.


# %% tags=["solution"]
def passes(update):
    """The element-wise passes of an optimiser's _update (its in-place operations),
    without weight decay."""
    lines = inspect.getsource(update).splitlines()
    return sum(
        1
        for line in lines
        if re.search(r"\*=|\+=|-=|out=", line) and "weight_decay" not in line
    )


print(
    f"passes over each parameter array per step: SGD {passes(optim.SGD._update)}, "
    f"Adam {passes(optim.Adam._update)}"
)
assert (passes(optim.SGD._update), passes(optim.Adam._update)) == (2, 12)

# %% tags=["solution", "nbval-ignore-output"]
step_model = MLP([784, 128, 10], "relu", rng=0)
softmax_cross_entropy(step_model(Tensor(x_train[:128])), y_train[:128]).backward()
step_optimisers = {
    "SGD": optim.SGD(step_model.parameters(), lr=1e-6),
    "Adam": optim.Adam(step_model.parameters(), lr=1e-6),
}


def hundred_steps(optimizer):
    for _ in range(100):
        optimizer.step()


step_times = best_times(
    {name: lambda o=o: hundred_steps(o) for name, o in step_optimisers.items()}
)
for name, seconds in step_times.items():
    print(
        f"{name:4s}: {1e3 * seconds / 100:.3f} ms per step, "
        f"{1e3 * seconds / 100 * len(x_train) / 128:5.1f} ms per epoch (batches of 128)"
    )
print(
    f"Adam's step takes {step_times['Adam'] / step_times['SGD']:.1f}× as long as SGD's"
)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A fused operation in the plan (★★★, 60 min)
# :label: ex-fast-fused-linear-relu
#
# In the plan of the section "Record once, run many times", the hidden layer is two
# kernels: `linear` writes $XW + b$ into the buffer `linear.0`, then `relu` writes
# $\max(\cdot, 0)$ into `relu.1`. Fuse them. Register a kernel `"linear_relu"` in
# `ppn.replay.KERNELS` (a `replay.Kernel(forward, backward)`; read in `ppn/replay.py`
# how `_linear_forward` and `_relu_backward` use `plan.value`, `plan.adjoint`,
# `plan.scratch`, `plan.call` and `plan.contribute`) whose forward pass computes the
# layer and its ReLU in *one* buffer, in place, and whose backward pass applies the ReLU's
# mask and then the linear rows. Then rewrite a recorded trace (`replay.trace(model,
# softmax_cross_entropy, x, labels)`), replacing each `linear` node followed by a `relu`
# that reads it by one `linear_relu` node, and build a `replay.Plan` from it. Check that
# an epoch of the fused plan gives the eager step's weights bit for bit, and count the
# buffers and the calls the fusion saves. What would a compiler's fusion save that this
# one cannot?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-fast-fused-linear-relu
# :label: ex-fast-fused-linear-relu-solution
# :class: dropdown
# ```
#
# The forward kernel is the `linear` kernel followed by `np.maximum(y, 0, out=y)` on the
# same buffer, the output buffer of the `relu` node that the fused node replaces; so the
# buffer `linear.0` disappears. The backward kernel first turns the output's adjoint into
# the adjoint of $XW + b$ with ReLU's mask (into a working buffer, since the value before
# the ReLU is no longer kept: the mask $[y > 0]$ reads only the output), then applies the
# linear rows to it, which is exactly what the two kernels did, in the same order: the
# weights stay the same bits. The fusion saves one buffer of the batch's size and one
# copy through memory (`maximum` now reads and writes the same cache-warm buffer), but
# not a pass and not a call (the printout counts them): numpy still runs the matrix
# product, the bias add and the maximum as three loops. A compiler generates one loop for the bias add and the ReLU, so that each value
# is written once, and it can do the same for the mask and the adjoint in the backward
# pass; that is the fusion numpy cannot express.

# %% tags=["solution"]
from ppn import replay  # the module itself, for its kernel table and its parts


def relu_in_place(y):
    """y ← max(y, 0), in y's own buffer."""
    np.maximum(y, 0, out=y)


def linear_relu_forward(plan, node):
    """relu(x @ W + b), in place in the output buffer."""
    x, W, b = (plan.value(i) for i in node.inputs)
    y = plan.value(node.output)
    plan.call(np.matmul, x, W, y)
    plan.call(np.add, y, b, y)
    plan.call(relu_in_place, y)


def linear_relu_backward(plan, node):
    """The ReLU's mask, then the linear rows:
    ḡ ← g·[y > 0];  x̄ = ḡWᵀ, W̄ = xᵀḡ, b̄ = Σₙ ḡₙ."""
    x_slot, W_slot, b_slot = node.inputs
    x, W = plan.value(x_slot), plan.value(W_slot)
    y, g = plan.value(node.output), plan.adjoint(node.output)
    positive = plan.scratch(y.shape, "y > 0", bool)
    mask, pre = plan.scratch(y.shape, "mask"), plan.scratch(y.shape, "∂(xW + b)")
    plan.call(np.greater, y, 0, positive)
    plan.call(np.copyto, mask, positive)
    plan.call(np.multiply, g, mask, pre)
    if plan.needs_grad(x_slot):
        plan.contribute(x_slot, lambda out: plan.call(np.matmul, pre, W.T, out))
    plan.contribute(W_slot, lambda out: plan.call(np.matmul, x.T, pre, out))
    plan.contribute(b_slot, lambda out: plan.call(np.add.reduce, pre, 0, None, out))


replay.KERNELS["linear_relu"] = replay.Kernel(linear_relu_forward, linear_relu_backward)


def fuse_linear_relu(recorded):
    """The trace, each linear node whose only reader is a relu merged with that relu."""
    readers = {}
    for node in recorded.nodes:
        for slot in node.inputs:
            readers[slot] = readers.get(slot, 0) + 1
    fused = []
    for node in recorded.nodes:
        before = fused[-1] if fused else None
        if (
            node.op == "relu"
            and before is not None
            and before.op == "linear"
            and node.inputs == (before.output,)
            and readers[before.output] == 1
        ):
            fused[-1] = replay.Node("linear_relu", before.inputs, node.output)
        else:
            fused.append(node)
    recorded.nodes = fused
    return recorded


def planned_network(fuse):
    """A fresh 784 → 128 → 10 network and the plan of its step, batches of 128."""
    network = MLP([784, 128, 10], "relu", rng=0)
    optimizer = optim.Momentum(network.parameters(), lr=0.05)
    x, labels = np.zeros((128, 784), np.float32), np.zeros(128, np.intp)
    recorded = replay.trace(network, softmax_cross_entropy, x, labels)
    return network, replay.Plan(
        fuse_linear_relu(recorded) if fuse else recorded, optimizer
    )


(_, unfused_plan), (fused_network, fused_plan) = (
    planned_network(False),
    planned_network(True),
)
eager_check = MLP([784, 128, 10], "relu", rng=0)
eager_check_optimizer = optim.Momentum(eager_check.parameters(), lr=0.05)
for first in range(0, 9984, 128):  # 78 full batches: one plan's shape
    index = epoch_order[first : first + 128]
    fused_plan.step(x_train, y_train, index)
    cost = softmax_cross_entropy(eager_check(Tensor(x_train[index])), y_train[index])
    eager_check_optimizer.zero_grad()
    cost.backward()
    eager_check_optimizer.step()
fused_identical = all(
    np.array_equal(a.data, b.data)
    for a, b in zip(fused_network.parameters(), eager_check.parameters(), strict=True)
)
calls = {
    name: len(p.forward_calls) + len(p.backward_calls)
    for name, p in (("unfused", unfused_plan), ("fused", fused_plan))
}
for name, p in (("unfused", unfused_plan), ("fused", fused_plan)):
    print(
        f"{name:8s}: {len(p.buffers)} buffers, "
        f"{sum(a.nbytes for a in p.buffers.values()):,} "
        f"bytes, {calls[name]} numpy calls per step"
    )
print(
    "the fused plan's forward pass:", *fused_plan.program().splitlines()[1:4], sep="\n"
)
print(
    "fused plan and eager step, 78 steps: weights identical bit for bit: "
    f"{fused_identical}"
)

# %% tags=["solution"]
assert fused_identical
assert "linear.0" in unfused_plan.buffers and "linear.0" not in fused_plan.buffers
assert len(fused_plan.buffers) == len(unfused_plan.buffers) - 1  # one buffer fewer
assert calls["fused"] == calls["unfused"]  # and as many numpy calls: no pass saved
del replay.KERNELS["linear_relu"]  # the library's table as it was

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
