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
# # Performance and accuracy
#
# The network of [chapter 10](10_mnist.ipynb) reads about 95 % of the test digits after
# ten epochs on 10,000 images. The source sets the goal of its second semester: "to
# improve its performance and accuracy". This chapter asks four questions, and answers each with one
# measured lesson:
#
# - **Where does the time go?** We count the arithmetic of a training step, and compare
#   the count with what a clock measures.
# - **How large should a batch be?** Some of a step's work grows with the batch, some
#   does not.
# - **float32 or float64?** Half the bytes, twice the speed, and the same accuracy?
# - **What buys accuracy?** One improvement at a time, from the source's network to
#   97.5 %, and one of them, data augmentation, live.
#
# **About timings.** A clock measures your machine, and whatever else it is doing at that
# moment: the same cell can take twice as long a minute later. So every timing below is
# your own, and the text says what to expect from it, not what it will print. Where the
# text quotes a speed, it reads it from the measurements that the course's benchmarks
# made on an idle machine, written to files under `benchmarks/results/` that name the
# processor they ran on. What the code checks with `assert` is the work itself: counts of
# operations, bytes, accuracies.

# %%
# %matplotlib inline
import json
import math
import time
from pathlib import Path

import numpy as np
from IPython.display import Markdown, display
from threadpoolctl import threadpool_limits

from ppn import data, optim, plots
from ppn.losses import softmax_cross_entropy
from ppn.nn import MLP
from ppn.tensor import Tensor
from ppn.train import evaluate, fit

# numpy may split a large matrix product between the processor's cores; we allow one,
# as in chapter 10 (see the section on threads).
_ = threadpool_limits(limits=1)
(train_images, train_labels), (test_images, test_labels) = data.load_mnist()
# The first 10,000 training images, as in chapter 10: short epochs, many experiments.
x_train = data.to_float(train_images[:10_000], flatten=True)
y_train = train_labels[:10_000].astype(np.int64)
x_test = data.to_float(test_images, flatten=True)
y_test = test_labels.astype(np.int64)
benchmarks = Path("../benchmarks/results")


def fastest(function, repeats=3):
    """The shortest processor time of `repeats` runs of function."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return min(times)

# %% [markdown]
# ## Where the time goes
#
# Take the network of chapter 10, 784 → 128 → 10 with ReLU, and one batch $X$ of $B$
# images, one per row. Almost all of a step's arithmetic is in its matrix products.
# A product of a $(B \times n)$ matrix by an $(n \times m)$ one makes $B \cdot m$ sums of
# $n$ products each: $B \cdot n \cdot m$ multiply–adds, or $2 B n m$ floating-point
# operations (FLOPs; a multiply–add counts as two). Per image ($B = 1$):
#
# - **forward**: $X W_1$ ($784 \cdot 128$ multiply–adds), then $H_1 W_2$
#   ($128 \cdot 10$), with the layers numbered as in [chapter 6](06_tensor_nodes.ipynb);
# - **backward** (chapter 6's four equations, with the errors $\delta_l = \bar Z_l$):
#   each layer's weight gradient, $\bar W_1 = X^\top \delta_1$ and
#   $\bar W_2 = H_1^\top \delta_2$, as large as the layer's forward product, and the
#   error sent back to the hidden layer, $\delta_2 W_2^\top$. The same product for the
#   pixels, $\delta_1 W_1^\top$, is not computed: the pixels are data, not parameters,
#   and nobody needs their gradient.
#
# Everything else, the bias, the ReLU, the softmax, is a few operations per number of a
# layer's output (a few hundred per image), and the optimiser's step touches each of the
# 101,770 parameters a couple of times per *batch*. Counting the products:

# %%
def matmul_flops_per_image(sizes):
    """FLOPs of one training step's matrix products per image: (forward, backward)."""
    layers = [2 * n * m for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    forward = sum(layers)  # X W for every layer
    backward = sum(layers) + sum(layers[1:])  # Hᵀ δ for all layers, δ Wᵀ not the first
    return forward, backward


forward, backward = matmul_flops_per_image([784, 128, 10])
per_epoch = (forward + backward) * len(x_train)
print(f"per image: forward {forward:,} FLOPs, backward {backward:,} FLOPs")
print(f"per epoch of {len(x_train):,} images: {per_epoch / 1e9:.2f} GFLOP")

# %%
assert (forward, backward) == (203_264, 205_824)
assert per_epoch == 4_090_880_000

# %% [markdown]
# About $4 \times 10^5$ FLOPs per image and 4 billion per epoch, split almost evenly
# between the two passes: the backward pass costs about as much as the forward one. How fast can a
# processor do them? The course's benchmark `benchmarks/mlp.py` counted the same
# products, timed them alone (the fastest an epoch could possibly be, its *FLOP limit*),
# and timed whole epochs of `ppn`, on an idle machine:

# %%
mlp = json.loads((benchmarks / "mlp.json").read_text())
run = next(r for r in mlp["results"] if r["dataset"] == "mnist"
           and r["sizes"] == [784, 128, 10] and r["batch_size"] == 128)
# "BLAS only": the products alone, in BLAS, the matrix library numpy calls
products_alone, ppn_epoch = (run["times"][k]["median_s"] for k in ("BLAS only", "ppn"))
print(f"{mlp['environment']['cpu']}, one thread, {mlp['environment']['date'][:10]}: "
      f"the products alone {products_alone:.3f} s "
      f"({run['matmul_flops_per_epoch'] / products_alone / 1e9:.0f} GFLOP/s), "
      f"a whole epoch of ppn {ppn_epoch:.3f} s "
      f"({run['matmul_flops_per_epoch'] / ppn_epoch / 1e9:.0f} GFLOP/s)")
share = products_alone / ppn_epoch  # the fraction of its FLOP limit ppn reaches
print(f"the products' share of the epoch: {share:.0%}, the rest: {1 - share:.0%}")

# %%
assert run["matmul_flops_per_epoch"] == per_epoch  # the benchmark counted as we did
assert round(share, 2) == 0.60  # the prose quotes 60 % and 40 %

# %% [markdown]
# Tens of billions of operations per second on one core, and the matrix products are
# most of the epoch, 60 %; the rest (gathering the batch, the element-wise passes, the
# tape's bookkeeping, the optimiser) is the remaining 40 %. Now your machine. The loop
# below is `fit`'s inner loop with a stopwatch around each of its four parts. The
# stopwatch is `time.process_time`, the processor time this program used, rather than
# the wall clock, which also counts the time spent waiting while other programs run.
# Expect the forward and backward passes to take most of the epoch, in shares of the
# same order; the absolute figures are your processor's:

# %%
def timed_epoch(model, optimizer, x, y, batch_size, rng):
    """One epoch of fit's loop: the seconds spent in each of its four parts."""
    clock = time.process_time
    spent = dict.fromkeys(["gather the batch", "forward", "backward", "optimiser"], 0.0)
    order = rng.permutation(len(x))
    for first in range(0, len(x), batch_size):
        t0 = clock()
        index = order[first : first + batch_size]
        x_batch, y_batch = x[index], y[index]
        t1 = clock()
        cost = softmax_cross_entropy(model(Tensor(x_batch)), y_batch)
        t2 = clock()
        optimizer.zero_grad()
        cost.backward()
        t3 = clock()
        optimizer.step()
        t4 = clock()
        lengths = (t1 - t0, t2 - t1, t3 - t2, t4 - t3)
        for part, seconds in zip(spent, lengths, strict=True):
            spent[part] += seconds
    return spent


# %% tags=["nbval-ignore-output"]
network = MLP([784, 128, 10], "relu", rng=0)
sgd = optim.SGD(network.parameters(), lr=0.1)
rng = np.random.default_rng(0)
epochs = [timed_epoch(network, sgd, x_train, y_train, 128, rng) for _ in range(3)]
parts = {part: min(epoch[part] for epoch in epochs) for part in epochs[0]}  # least load
total = sum(parts.values())
for part, seconds in parts.items():
    print(f"{part:18s} {1e3 * seconds:6.1f} ms  {seconds / total:4.0%}")
print(f"one epoch {1e3 * total:6.1f} ms: {per_epoch / total / 1e9:.0f} GFLOP/s")

# %% [markdown]
# **The lesson: count before you time.** The count says where the time must go (the
# products of both passes) and how fast an epoch can possibly be; the clock says how
# close the program comes, and it is a noisy witness. A program that reaches 60 % of its
# FLOP limit, as `ppn` does on the benchmark's machine, has little left to gain from
# cleverness around the products. ([The appendix on how `ppn` is made
# fast](appendix_fast.ipynb) shows what the library does for the remaining 40 %.)
#
# ## Batch size and throughput
#
# The batch size does not change the arithmetic of an epoch: every image goes through
# the same products, $4 \times 10^9$ FLOPs whatever the batch. What it changes is the
# number of *steps*, and some of a step's work is paid per step, not per image: the
# Python that records the forward pass on the tape and walks it back (the same few nodes
# whatever the size of their arrays), and the optimiser's update of all 101,770
# parameters. An epoch of 10,000 images:

# %%
batch_sizes = [1, 8, 32, 128, 512]
steps = {b: math.ceil(len(x_train) / b) for b in batch_sizes}
for b in batch_sizes:
    print(f"batches of {b:3d}: {steps[b]:6,} steps, the optimiser touches "
          f"{steps[b] * 101_770 / 1e6:7.1f} million parameters")

# %%
assert steps == {1: 10_000, 8: 1_250, 32: 313, 128: 79, 512: 20}

# %% [markdown]
# With batches of 1 (the source's Algorithm 2), the per-step work is paid 10,000 times,
# and each image's forward product is a vector times the 784 × 128 weight matrix: every
# weight is read from memory to be used once. A batch of 128 uses each weight it reads
# 128 times, and the processor is much faster at arithmetic than at reading memory. So
# expect the throughput (images per second) to grow steeply with the batch, then
# flatten once the per-step costs are spread thin and the products run near the
# processor's speed. On your machine, one epoch of `fit` on 2,048 images per batch size:

# %% tags=["nbval-ignore-output"]
def one_epoch(batch_size, images=2048):
    """One epoch of fit, a fresh 784-128-10 network, on the first `images` images."""
    network = MLP([784, 128, 10], "relu", rng=0)
    fit(network, x_train[:images], y_train[:images], epochs=1, batch_size=batch_size,
        optimizer=optim.SGD(network.parameters(), lr=0.01), progress=False)


throughput = [2048 / fastest(lambda b=b: one_epoch(b), repeats=2) for b in batch_sizes]
plots.plot_throughput(batch_sizes, throughput, title="784-128-10, one epoch of fit")

# %% [markdown]
# The benchmark measured two batch sizes on its idle machine: the epoch with batches of
# 128 against batches of 64,

# %%
ppn_epochs = {r["batch_size"]: r["times"]["ppn"]["median_s"] for r in mlp["results"]
              if r["dataset"] == "mnist" and r["sizes"] == [784, 128, 10]}
print(", ".join(f"batches of {b}: {s:.3f} s" for b, s in sorted(ppn_epochs.items())))

# %%
assert ppn_epochs[128] < ppn_epochs[64]

# %% [markdown]
# **The lesson: large enough batches pay the per-step costs rarely.** But a faster epoch
# is not the whole story: an epoch of batches of 512 makes 20 steps where batches of 8
# make 1,250, and the number of steps, not of images, decides how far the weights move
# ([chapter 8](08_gradient_descent.ipynb)). Batches of 64 to 256 are the usual
# compromise; the course's default is 128.
#
# ## float32 or float64
#
# `ppn`'s networks hold float32 numbers (4 bytes, about 7 significant digits) unless
# asked for float64 (8 bytes, about 16). Half the bytes means half the memory to read for
# the same weights and images:

# %%
weights64 = MLP([784, 128, 10], "relu", rng=0, dtype=np.float64)
weights32 = MLP([784, 128, 10], "relu", rng=0)
nbytes = {name: sum(p.data.nbytes for p in model.parameters())
          for name, model in (("float32", weights32), ("float64", weights64))}
print(f"the parameters: {nbytes['float32']:,} bytes in float32, "
      f"{nbytes['float64']:,} in float64")
print(f"a batch of 128 images: {x_train[:128].nbytes:,} bytes in float32, "
      f"{x_train[:128].astype(np.float64).nbytes:,} in float64")

# %%
assert nbytes == {"float32": 4 * 101_770, "float64": 8 * 101_770}

# %% [markdown]
# It also means twice the arithmetic per instruction. A processor computes on *vector
# registers*: one instruction multiplies and adds every number of a register at once, and
# a 256-bit register holds 8 float32 numbers or 4 float64 ones. So on a large matrix
# product, where the arithmetic limits the speed, expect float64 to take about twice as
# long; on a busy machine the two timings of your own below can come out closer or
# further apart:

# %% tags=["nbval-ignore-output"]
a64, b64 = np.random.default_rng(0).standard_normal((2, 1024, 1024))
a32, b32 = a64.astype(np.float32), b64.astype(np.float32)
for name, (a, b) in (("float32", (a32, b32)), ("float64", (a64, b64))):
    seconds = fastest(lambda a=a, b=b: a @ b, repeats=5)
    print(f"1024 × 1024 product in {name}: {1e3 * seconds:6.1f} ms, "
          f"{2 * 1024**3 / seconds / 1e9:4.0f} GFLOP/s")

# %% [markdown]
# Does float64 at least learn better? Two networks with the same initial weights (the
# initialisers draw in float64 and then round, so a seed gives the same network in both
# types), trained identically for three epochs with Adam:

# %%
results = {}
for dtype in (np.float32, np.float64):
    network = MLP([784, 128, 10], "relu", rng=0, dtype=dtype)
    history = fit(network, x_train.astype(dtype), y_train,
                  optimizer=optim.Adam(network.parameters(), lr=1e-3), epochs=3,
                  batch_size=128, validation=(x_test.astype(dtype), y_test), seed=0,
                  progress=False)
    predictions = network(Tensor(x_test.astype(dtype))).data.argmax(axis=1)
    results[np.dtype(dtype).name] = (history.val_accuracy[-1], predictions)
    print(f"{np.dtype(dtype).name}: test accuracy {history.val_accuracy[-1]:.1%}")
disagreements = int(np.sum(results["float32"][1] != results["float64"][1]))
print(f"the two networks answer differently on at most 20 of the 10,000 test digits: "
      f"{disagreements <= 20}")

# %%
assert abs(results["float32"][0] - results["float64"][0]) < 0.005
assert disagreements <= 20

# %% [markdown]
# **The lesson: float32 is enough to learn.** The two networks reach the same accuracy
# to the printed digit and answer the same on all but a handful of the test digits. A
# step rounds its result to float32, a relative error of about $10^{-7}$; the step
# itself is a noisy estimate from 128 images, wrong by far more
# ([chapter 8](08_gradient_descent.ipynb)). That is why deep-learning libraries default
# to float32, and go further down (16-bit formats) on hardware built for them. float64
# keeps its place where the digits are the point: the gradient checks of
# [chapter 6](06_tensor_nodes.ipynb) compare derivatives with finite differences, which
# float32 cannot resolve.
#
# ## A word on threads
#
# A modern processor has several cores, and numpy can split a large matrix product
# between them. This course uses one ([chapter 10](10_mnist.ipynb) said why): with two
# threads a product's sums are taken in another order, and the last digits change. A second core can finish a large product up to twice as soon if nothing
# else needs it; for the small matrices of our network, and on a machine shared with
# other programs, it can buy nothing or even slow things down. [The appendix on how
# `ppn` is made fast](appendix_fast.ipynb) measures both.
#
# ## What buys accuracy
#
# The course's benchmark `benchmarks/accuracy.py` trained a chain of networks on the same
# 10,000 images for 40 epochs each, every row adding one change to the row before it.
# Row 0 is the baseline: the sigmoid (the usual reading of the source's $\sigma$, which
# the source never names) and plain gradient descent. Each row was measured on the
# 10,000 test images, and trained with three seeds (other initial weights, other
# batches), to tell a real gain from the luck of the draw. The runs take hours, so we
# read their results:

# %%
study = json.loads((benchmarks / "accuracy.json").read_text())["datasets"]["mnist"]
rows = [study["rows"][str(i)] for i in range(8)]  # the chain, rows 0 to 7


def seeds(row):
    """The row's final test accuracies, seed 0 first, then the other seeds."""
    return np.array([row["final_test_accuracy"]]
                    + [o["final_test_accuracy"] for o in row["other_seeds"].values()])


table = ["| row | change | test accuracy | mean of 3 seeds | gain (points) |",
         "|---|---|---|---|---|"]
for before, row in zip([None, *rows], rows, strict=False):
    gain = "" if before is None else f"{100 * (seeds(row) - seeds(before)).mean():+.2f}"
    table.append(f"| {row['id']} | {row['change']} | {row['final_test_accuracy']:.2%} "
                 "| "
                 f"{seeds(row).mean():.2%} | {gain} |")
display(Markdown("\n".join(table)))
plots.plot_accuracy_study(rows, title="MNIST, 10,000 training images, 40 epochs")

# %%
gains = {r["id"]: 100 * (seeds(r) - seeds(b)).mean()
         for b, r in zip(rows, rows[1:], strict=False)}
assert [r["train_images"] for r in rows] == [10_000] * 8
assert (round(100 * rows[0]["final_test_accuracy"], 2),
        round(100 * rows[7]["final_test_accuracy"], 2)) == (91.85, 97.55)
assert sorted(gains, key=gains.get, reverse=True)[:2] == ["1", "7"]  # the two largest
assert 2.5 < gains["1"] < 3.5 and 1.3 < gains["7"] < 1.7 and 0.5 < gains["5"] < 1
assert gains["4"] < 0 and abs(gains["6"]) < 0.1  # the schedule loses; weight decay: 0

# %% [markdown]
# From 91.85 % (row 0) to 97.55 % (row 7): the errors fall from about 8 digits in 100 to
# fewer than 2.5. Reading the gains (the means over the three seeds):
#
# - **ReLU and He initialisation** (row 1) buy the most, about 3 points. The sigmoid's
#   derivative is at most 1/4 and nearly 0 once a neuron saturates, so little gradient
#   reaches the first layer; ReLU passes it through wherever a neuron is active.
# - **Momentum and Adam** (rows 2 and 3, [chapter 9](09_optimisers.ipynb)) mostly buy
#   speed: they reach in a few epochs what plain SGD reaches in forty (the curves, right).
#   Adam ends no higher than momentum here.
# - **A cosine learning-rate schedule** (row 4), which lowers $\eta$ from its start to 0
#   along half a cosine over the epochs, loses a little: Adam had already fitted
#   every training image, so a decaying rate had nothing left to settle.
# - **A bigger network** (row 5), 784 → 256 → 128 → 10, more than twice the
#   parameters, buys most of a point.
# - **Weight decay** (row 6) buys nothing measurable on this network.
# - **Data augmentation** (row 7) buys the second-largest gain, about 1.5 points: each
#   batch's images are moved by a random shift of up to 2 pixels in each direction
#   (`ppn.data.random_shift`), so the network never sees the same image twice.
#
# Row 7 is the recipe of `python -m ppn train`. [The accuracy
# study](appendix_accuracy_study.ipynb) shows every row with its seeds, what all 60,000
# training images buy (99.0 % with this recipe), and the wider network trained longer on
# distorted digits that reaches 99.3 %.
#
# ### Augmentation, live
#
# A short demonstration: the bigger network trained for 5 epochs on 2,000
# images, with and without random shifts, then tested on the test set as it is and with
# every digit shifted by up to 2 pixels. First, what the shifts look like:

# %%
shifted_examples = data.random_shift(test_images[:8], np.random.default_rng(3), 2)
plots.digit_grid(np.concatenate([test_images[:8], shifted_examples]), columns=8,
                 title="test digits (top), the same shifted by up to 2 px (bottom)")

# %% [markdown]
# To our eyes, the same digits. To a network that gives each pixel its own weights, a
# digit moved by two pixels puts much of its ink on inputs that were background before:
# for the network, a different image.

# %%
x_test_shifted = data.random_shift(x_test, np.random.default_rng(1), max_shift=2)
demo, demo_networks = {}, {}
shift = lambda batch, rng: data.random_shift(batch, rng, 2)  # noqa: E731
for name, augment in (("without shifts", None), ("with shifts", shift)):
    network = MLP([784, 256, 128, 10], "relu", rng=0)
    history = fit(network, x_train[:2000], y_train[:2000],
                  optimizer=optim.Adam(network.parameters(), lr=1e-3), epochs=5,
                  batch_size=64, augment=augment, seed=0, progress=False)
    demo_networks[name] = network
    demo[name] = (history.train_accuracy[-1],
                  evaluate(network, x_test, y_test).accuracy,
                  evaluate(network, x_test_shifted, y_test).accuracy)
print("trained             training   test   shifted test")
for name, (training, test, shifted) in demo.items():
    print(f"{name:18s}  {training:7.1%}  {test:6.1%}  {shifted:8.1%}")

# %%
plain, shifted = demo["without shifts"], demo["with shifts"]
assert plain[2] < 0.75 < shifted[2]  # shifted digits: the plain network fails
assert shifted[2] > plain[2] + 0.15
assert plain[0] - plain[1] > shifted[0] - shifted[1]  # a smaller gap, training to test
assert 0 < shifted[1] - plain[1] < 0.02  # 5 epochs: a small gain on the plain test set

# %% [markdown]
# **The lesson: teach the network what does not matter.** The network trained without
# shifts reads the test set fairly well but fails on digits moved by a pixel or two: it
# learned where the ink of each digit usually is, pixel by pixel, not the shape. The
# network trained with shifts is hurt far less by them. It also fits its training batches
# less well (they are different every epoch), and that smaller gap between training and
# test accuracy is augmentation fighting the overfitting of
# [chapter 9](09_optimisers.ipynb). With 5 epochs its gain on the unshifted
# test set is small; with the 40 epochs of the study it is 1.5 points.
#
# ## Summary
#
# - A training step of 784 → 128 → 10 does about $4 \times 10^5$ floating-point
#   operations per image, nearly all in matrix products, and the backward pass about as
#   many as the forward one. Count before you time: the count says how fast an epoch can
#   be, the clock (a noisy witness) how close a program comes.
# - The batch size leaves an epoch's arithmetic unchanged and divides its number of steps:
#   per-step costs (the tape's bookkeeping, the optimiser) shrink per image, and large
#   batches use each weight they read many times. Fewer steps also means fewer updates:
#   64 to 256 is the usual compromise.
# - float32 halves the bytes, doubles the numbers per vector instruction, and learns as
#   well as float64; float64 is for checking gradients.
# - From the baseline (the sigmoid, the usual reading of the source's $\sigma$, with
#   plain gradient descent) to the course's recipe, ReLU and data augmentation
#   buy the most (about 3 and 1.5 points), the bigger network most of a point; a gain
#   counts when it is larger than the spread between seeds.
#
# ## Exercises
#
# A worked solution follows each exercise, folded away: try first, then open it. The
# solutions are code that runs with the chapter and checks its own answer (the student
# edition of the notebooks leaves them out).

# %% [markdown]
# ```{exercise} Counting the bigger network (★, 10 min)
# :label: ex-performance-count-flops
#
# Count the FLOPs per image of one training step of the bigger network of row 5,
# 784 → 256 → 128 → 10, with `matmul_flops_per_image`. How many times those of
# 784 → 128 → 10 is that? Check your count against the benchmark's
# (`run["matmul_flops_per_epoch"]` for that network, in `mlp["results"]`), and compare
# the ratio with that of the two networks' epoch times measured there. What does the
# agreement tell you about where an epoch's time goes?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-performance-count-flops
# :label: ex-performance-count-flops-solution
# :class: dropdown
# ```
#
# The first layer grows from 784 · 128 to 784 · 256 multiply–adds, and a second hidden
# layer of 256 · 128 joins it: about two and a half times the arithmetic per image. The
# benchmark counted the same, and its epochs of the bigger network took about as many
# times as long as those of the small one, close to the ratio of the counts: the time of
# an epoch follows its arithmetic, because the matrix products are most of it.

# %% tags=["solution"]
small, big = [784, 128, 10], [784, 256, 128, 10]
flops = {tuple(s): sum(matmul_flops_per_image(s)) for s in (small, big)}
measured = {tuple(r["sizes"]): r for r in mlp["results"]
            if r["dataset"] == "mnist" and r["batch_size"] == 128}
flop_ratio = flops[tuple(big)] / flops[tuple(small)]
time_ratio = (measured[tuple(big)]["times"]["ppn"]["median_s"]
              / measured[tuple(small)]["times"]["ppn"]["median_s"])
print(f"784-256-128-10: {flops[tuple(big)]:,} FLOPs per image, {flop_ratio:.2f} times "
      f"784-128-10's; the benchmark's epochs: {time_ratio:.2f} times as long")
assert flops[tuple(big)] * 10_000 == measured[tuple(big)]["matmul_flops_per_epoch"]
assert abs(time_ratio / flop_ratio - 1) < 0.1

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The batch-size trade-off (★★, 20 min)
# :label: ex-performance-batch-size
#
# The throughput curve says large batches are fast per image. Train 784 → 128 → 10 with
# Adam ($\eta = 10^{-3}$) for 2 epochs on 2,000 images with batches of 16, 128 and 1,024,
# and compare the test accuracy and the processor time of each. Which batch size learns
# most from the same images, which is fastest, and which would you choose for a fixed
# training time?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-performance-batch-size
# :label: ex-performance-batch-size-solution
# :class: dropdown
# ```
#
# Two epochs of 2,000 images are 250 steps with batches of 16, 32 with batches of 128 and
# only 4 with batches of 1,024. Adam's step has a fixed size (about $\eta$ per weight),
# whatever the batch, so the number of steps, not the number of images, decides how far
# the weights move: the small batches learn most from the same images, and the batches of
# 1,024 hardly learn at all. Per image, small batches should be the slowest (each step
# pays the tape's bookkeeping and the optimiser's update); the printout of times is your
# machine's. For a fixed training time, what counts is progress per second: divide each
# accuracy gain by your measured time, and ask whether more epochs of batches of 128
# would catch up with the batches of 16 in the same time (try it). The
# middle is the usual compromise, which is why batches of 64 to 128 are this course's
# defaults. Larger batches pay off with larger learning rates, or when many cores share
# the work.

# %% tags=["solution"]
def two_epochs(batch_size):
    """A fresh 784-128-10 network trained for two epochs of 2,000 images with Adam."""
    network = MLP([784, 128, 10], "relu", rng=0)
    fit(network, x_train[:2000], y_train[:2000], epochs=2, batch_size=batch_size,
        optimizer=optim.Adam(network.parameters(), lr=1e-3), seed=0, progress=False)
    return network


batch_accuracy = {}
for batch_size in (16, 128, 1024):
    network = two_epochs(batch_size)
    batch_accuracy[batch_size] = evaluate(network, x_test, y_test).accuracy
    print(f"batches of {batch_size:5,}: {math.ceil(2000 / batch_size) * 2:3} steps, "
          f"test accuracy {batch_accuracy[batch_size]:.1%}")
assert batch_accuracy[16] > batch_accuracy[128] > batch_accuracy[1024]

# %% tags=["solution", "nbval-ignore-output"]
for batch_size in (16, 128, 1024):
    seconds = fastest(lambda b=batch_size: two_epochs(b))
    print(f"batches of {batch_size:5,}: {1e3 * seconds:6.1f} ms of processor time "
          "for 2 epochs (fastest of 3)")

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Rotated digits (★★★, 30 min)
# :label: ex-performance-rotation
#
# Write `random_rotation(images, rng, max_degrees)`, numpy only, that rotates each
# flattened 28 × 28 image by a random angle of up to ±`max_degrees` about its centre
# (hint: rotate the pixel grid's coordinates and round them to the nearest pixel; pixels
# that come from outside the image are background). Check it: 0° changes nothing and 90°
# is `np.rot90` (in which direction?). Then test the network of the live demonstration
# trained with shifts on test digits rotated by up to ±10° and ±25°. Does training on
# shifts teach it rotations too? Which digits might a rotation turn into another digit?
# Such a function can be passed to `fit` as `augment=` (with the random shifts as well, as
# in row 7).
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-performance-rotation
# :label: ex-performance-rotation-solution
# :class: dropdown
# ```
#
# Each output pixel looks up the input pixel it comes from: rotate its coordinates about
# the centre (13.5, 13.5) by the image's angle, round to the nearest pixel, and take that
# pixel, or 0 outside the image. One `np.take_along_axis` gathers them for the whole
# batch. With the formulas below, and rows counted downwards as on screen, a positive
# angle turns the digit clockwise: 90° is `np.rot90(..., k=-1)`. Small rotations cost the
# shift-trained network little: a rotation of 10° moves ink 10 pixels from the centre by
# less than 2 pixels, within what the shifts taught it. At ±25° its accuracy falls
# clearly. Rotations add variety that shifts do not, but not without limit: a 6 and a 9
# differ by 180°, and a 1 or a 7 leaning far enough reads as the other; keep the angles
# small.

# %% tags=["solution"]
def rotate(images, degrees):
    """Each flattened 28 × 28 image rotated about its centre by its angle (degrees)."""
    angles = np.radians(np.asarray(degrees, dtype=float)).reshape(-1, 1)
    rows, columns = np.divmod(np.arange(784), 28)
    r, c = rows - 13.5, columns - 13.5
    source_rows = np.rint(np.cos(angles) * r - np.sin(angles) * c + 13.5).astype(int)
    source_columns = np.rint(np.sin(angles) * r + np.cos(angles) * c + 13.5).astype(int)
    inside = ((source_rows >= 0) & (source_rows < 28)
              & (source_columns >= 0) & (source_columns < 28))
    source = np.where(inside, source_rows * 28 + source_columns, 0)
    flat = images.reshape(len(images), 784)
    rotated = np.where(inside, np.take_along_axis(flat, source, axis=1), 0)
    return rotated.astype(images.dtype)


def random_rotation(images, rng, max_degrees):
    """Data augmentation: each image rotated by a random angle up to ±max_degrees."""
    return rotate(images, rng.uniform(-max_degrees, max_degrees, size=len(images)))


digits = x_test[:100]
assert np.array_equal(rotate(digits, np.zeros(100)), digits)
quarter_turns = rotate(digits, np.full(100, 90.0)).reshape(100, 28, 28)
assert np.array_equal(quarter_turns,
                      np.rot90(digits.reshape(100, 28, 28), k=-1, axes=(1, 2)))

shift_trained = demo_networks["with shifts"]  # the live demonstration's
rotated_accuracy = {}
for degrees in (10, 25):
    rotated_test = random_rotation(x_test, np.random.default_rng(2), degrees)
    rotated_accuracy[degrees] = evaluate(shift_trained, rotated_test, y_test).accuracy
    print(f"test digits rotated by up to ±{degrees}°: "
          f"accuracy {rotated_accuracy[degrees]:.1%} "
          f"(unrotated: {shifted[1]:.1%})")

# %% tags=["solution"]
assert shifted[1] - rotated_accuracy[10] < 0.05  # small rotations: a small loss
assert rotated_accuracy[25] < rotated_accuracy[10] - 0.03  # larger ones: a clear loss


# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
