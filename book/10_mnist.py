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
# # MNIST, end to end
#
# Everything is in place: a multilayer perceptron ([chapter 2](02_neural_networks.ipynb)),
# gradients of any cost by one backward pass over a tape of tensor nodes
# ([chapters 3](03_forward_mode.ipynb) to [6](06_tensor_nodes.ipynb)), a loss for
# classes ([chapter 7](07_softmax_cross_entropy.ipynb)), mini-batch gradient descent
# ([chapter 8](08_gradient_descent.ipynb)) and Adam ([chapter 9](09_optimisers.ipynb)).
# This chapter puts them together on the problem the course set out to solve: read a
# handwritten digit, a 28×28 grey image, and say which of the ten classes 0 … 9 it is.
#
# We go through the whole path once: read the data files, look at the data, write the
# training step and train a network, measure it on digits it has never seen, find where
# and why it goes wrong, look inside its first layer, and save it for later. Every step is
# a call into `ppn`.

# %%
import re
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from threadpoolctl import threadpool_limits

from ppn import checkpoint, data, plots
from ppn.listing import listing
from ppn.nn import MLP
from ppn.optim import Adam
from ppn.tensor import Tensor, no_grad, softmax
from ppn.train import evaluate, fit, predict_logits

# One thread for the matrix products, and float64 below: so that the numbers you see
# are the ones printed here, whatever your processor and its number of cores.
_ = threadpool_limits(limits=1)

# %% [markdown]
# ## The data files
#
# The source gives its students "some code to read the data files". Here that code is part
# of the library, `ppn.data`, and worth a look, because the format is simple. MNIST comes as
# four files in the **IDX** format (training images, training labels, test images, test
# labels), each compressed with gzip. An IDX file is
#
# - a 4-byte *magic number* `00 00 08 nd`: two zero bytes, the type of the data
#   (`08`: unsigned bytes, the only type MNIST uses) and the number of dimensions `nd`
#   (3 for a stack of images, 1 for a list of labels);
# - `nd` sizes, each a 32-bit unsigned integer, *big-endian* (most significant byte first);
# - then the data, one byte per pixel or label, row after row.
#
# So the test images start with `00 00 08 03`, then the sizes 10000, 28, 28, then
# 7,840,000 pixel values. Let us write a tiny IDX file by hand, two images of 2×3 pixels,
# and read it back with the library's reader:

# %%
pixels = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
sizes = b"".join(n.to_bytes(4, "big") for n in pixels.shape)  # 4 bytes each, big-endian
header = bytes([0, 0, 0x08, pixels.ndim]) + sizes
print("header:", header.hex(" "))

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "tiny-idx3-ubyte"
    path.write_bytes(header + pixels.tobytes())
    read_back = data.read_idx(path)
print(f"read back: shape {read_back.shape}, dtype {read_back.dtype}")
print(read_back[1])

# %%
assert read_back.shape == (2, 2, 3) and np.array_equal(read_back, pixels)

# %% [markdown]
# `read_idx` opens the file, looks at its first two bytes to see whether it is gzip-compressed
# (gzip files start with `1f 8b`), and hands the stream to the function that parses the header:

# %% tags=["remove-input"]
listing(data.read_idx)


# %% [markdown]
# The header parsing checks every promise the header makes before it believes it: the magic
# number, the data type, the number of dimensions, and whether the file can even hold the
# data the sizes announce (so a damaged or hostile file cannot make it allocate gigabytes).
# Here is its first part, up to the header's end:

# %% tags=["remove-input"]
listing("ppn/data.py", start_at="def _read_idx_stream",
        end_before="A bytearray, filled in place")


# %% [markdown]
# After the header it reads exactly the announced number of bytes into one array, and
# refuses a file that ends early or has bytes left over.
#
# **Where the files are found.** `ppn.data.load_mnist()` finds the four files on your
# machine, or downloads them once (11.6 MB), checks each file's SHA-256 against the
# published one, and keeps them for the next time; the README says where it looks.

# %%
(x_train_all, y_train_all), (x_test, y_test) = data.load_mnist()
megabytes = sum(size for size, _ in data.MNIST_FILES.values()) / 1e6
assert round(megabytes, 1) == 11.6  # quoted above

# The first 10,000 training images: quick to train on, the same data on every machine.
x_train, y_train = x_train_all[:10_000], y_train_all[:10_000]
print(f"training: images {x_train.shape} {x_train.dtype}, labels {y_train.shape}")
print(f"test:     images {x_test.shape} {x_test.dtype}, labels {y_test.shape}")
print(f"pixel values {x_train.min()}…{x_train.max()}, "
      f"labels {y_train.min()}…{y_train.max()}")

# %% [markdown]
# Why only the first 10,000 training images? The official training set has 60,000, and you
# will have all of them if `load_mnist` downloaded the files. Ten thousand are enough to reach
# about 95 % on the test set, an epoch over them is quick
# ([chapter 11](11_performance_and_accuracy.ipynb) times one), and every reader trains on
# the same digits and gets the numbers printed here (the note after the first results
# explains why to the last printed digit). The test set is the official one, all 10,000
# digits, written by other people than the training digits.
#
# ## Looking at the data
#
# Before training anything, look at what we have. Here are the first 30 training digits with
# their labels:

# %%
plots.digit_grid(x_train[:30], y_train[:30],
                 title="the first 30 training digits and their labels")

# %% [markdown]
# Are the ten classes equally frequent? A classifier that learns from unbalanced data may
# favour the common classes, and an accuracy figure means less if one class dominates.

# %%
plots.plot_class_counts({"training": y_train, "test": y_test},
                        title="examples per class (dashed: the mean count per class)")

# %%
train_counts = np.bincount(y_train, minlength=10)
test_counts = np.bincount(y_test, minlength=10)
print("class:   " + " ".join(f"{k:5d}" for k in range(10)))
print("training " + " ".join(f"{n:5d}" for n in train_counts))
print("test     " + " ".join(f"{n:5d}" for n in test_counts))
print(f"rarest class: {train_counts.argmin()} in training, "
      f"{test_counts.argmin()} in test; most common: {train_counts.argmax()} in both")

# %%
assert train_counts.sum() == test_counts.sum() == 10_000
assert train_counts.argmin() == test_counts.argmin() == 5
assert train_counts.argmax() == test_counts.argmax() == 1
assert 850 < min(train_counts.min(), test_counts.min())
assert max(train_counts.max(), test_counts.max()) < 1150
assert round(test_counts[1] / 10_000, 2) == 0.11  # always guessing "1"

# %% [markdown]
# Roughly balanced: every class has between about 860 and 1,140 examples. Ones are the most
# common, fives the rarest. Always guessing "1" would be right about 11 % of the time, which
# is the floor any real classifier must beat by far.
#
# Now the pixels. The network will see each image as 784 numbers in $[0, 1]$
# (`data.to_float` divides by 255), so it matters what those numbers typically look like:

# %%
plots.plot_pixel_statistics(x_train, title="pixels of the 10,000 training digits")

# %%
scaled = data.to_float(x_train)
print(f"mean pixel value {scaled.mean():.3f}, standard deviation {scaled.std():.3f}")
print(f"pixels that are exactly 0 (background): {np.mean(x_train == 0):.1%}")
print(f"pixels that are exactly 255 (full ink): {np.mean(x_train == 255):.1%}")
never_inked = np.all(x_train == 0, axis=0)
print(f"pixel positions blank in every one of the 10,000 digits: "
      f"{never_inked.sum()} of 784")

# %% [markdown]
# Most of every image is empty: about four pixels in five are exactly zero, and the ink sits
# in the centre, where MNIST's makers placed each digit's centre of mass
# ([LeCun et al., 1998](bibliography.md)). The histogram shows the rest: pixels are either background, full
# ink, or the grey of a stroke's anti-aliased edge. Some positions along the border are
# blank in *every* digit. Keep them in mind: a weight that multiplies an input that is
# always zero gets a zero gradient, so it never learns anything; we will see this in the
# network's first layer.
#
# ## The training step
#
# The network gets a flat vector of 784 floats per image and returns 10 numbers, the
# **logits**, one per class. Its target is the class label $y$, which
# [chapter 7](07_softmax_cross_entropy.ipynb) wrote as a **one-hot** vector $t$, a 1 in
# the position of the label and 0 elsewhere:

# %%
print(y_train[:3])
print(data.one_hot(y_train[:3]))

# %% [markdown]
# A reminder of [chapter 7](07_softmax_cross_entropy.ipynb): the loss we train with, the
# softmax cross-entropy, turns the logits $z$ of an image into ten probabilities
# $p_k = e^{z_k} / \sum_j e^{z_j}$ and takes $-\log p_y$ of the true class $y$, averaged
# over the batch. Since that only picks one entry per image, `ppn` takes the integer labels
# directly, without building the one-hot matrix.
#
# `ppn.train.fit(model, x, y, optimizer=…, epochs=…, batch_size=…)` trains by mini-batch
# gradient descent with the mean gradient ([chapter 8](08_gradient_descent.ipynb)'s
# Algorithm 3). Each epoch, it draws a new random order of the rows of `x` (from a
# generator seeded by `seed`, so a run can be repeated), cuts it into batches of
# `batch_size` rows, and for each batch takes one step:
#
# 1. **forward**: the network's outputs for the batch, recorded on a tape;
# 2. **loss**: the batch's mean loss $L$ ([chapter 7](07_softmax_cross_entropy.ipynb)),
#    a tensor holding one number;
# 3. **zero_grad**: forget the gradients of the previous step;
# 4. **backward**: $L$'s `backward()` stores $\partial L / \partial \theta$ in `.grad`,
#    for every parameter $\theta$;
# 5. **step**: the optimiser updates every parameter from its `.grad`
#    ($\theta \leftarrow \theta - \eta \nabla L$ for plain gradient descent, chapter 9's
#    rule for Adam).
#
# Here is the loop over one epoch's batches, as `ppn/train.py` has it. Steps 1 to 4 are
# task 10.1, in two marked blocks; everything around them is written.

# %% tags=["remove-input"]
listing("ppn/train.py", start_at="order = rng.permutation(len(x))",
        end_before="# The epoch's last step may overflow")

# %% [markdown]
# `fit` can also **augment** the data: train on transformed copies of the images rather
# than the images themselves. Here the transformation is a random shift: each digit
# moved by up to two pixels across and up or down, drawn anew every epoch, so that the
# network sees a slightly different picture each time and cannot learn exact pixel
# positions by heart ({numref}`ex-mnist-augment` measures what it does). By default
# `fit` augments nothing.
#
# The names your code uses:
#
# - `index`: the row numbers of this batch (the last batch of an epoch may be shorter);
# - `x_batch`: the batch's images, shape `(len(index), 784)`, already transformed by
#   `augment(x[index], rng)` when `fit` was given an `augment` function (such as the
#   random shift above). Use `x_batch`, not `x[index]`: with `x[index]`,
#   augmentation would silently do nothing;
# - `y[index]`: the batch's labels (augmentation moves pixels, not labels);
# - `model`, `optimizer`, and `loss_function`: the loss that `fit`'s argument `loss`
#   names, softmax cross-entropy by default, called as `loss_function(outputs, targets)`,
#   which returns a tensor holding the batch's mean loss.
#
# The branches `if steps is not None` replay a step recorded once, a faster way to do the
# same arithmetic (the appendix "How ppn is made fast"); in the student edition `steps` is
# always `None`, and your code goes in the `else` branches.
#
# Why two blocks? Between them, `fit` looks at the loss: if it is not a finite number, or
# has grown past a hundred times the first batch's loss, training has diverged (a learning
# rate far too large), and `fit` stops and puts back the weights of the epoch's start,
# before any gradient of that batch is computed.
#
# **The first block** computes the forward pass and the loss, and leaves three things for
# the code after it:
#
# - `outputs = model(Tensor(x_batch))`: the network's output tensor. The images are wrapped
#   in a `Tensor` ([chapter 6](06_tensor_nodes.ipynb)) so that the network's operations are
#   recorded; they need no gradient themselves. The code after the block reads
#   `outputs.data`, the logits as an array, to count the right answers.
# - the loss tensor, `loss_function(outputs, y[index])`, in a variable of your choice
#   (`cost`, say): the second block calls its `backward()`.
# - `value`: the loss as a Python float, `cost.item()`. `fit` checks it, and adds
#   `value * len(index)` to the epoch's total: the training loss in the history is the mean
#   of the batch losses, each measured *before* its batch's step.
#
# **The second block** calls `optimizer.zero_grad()`, then the loss tensor's `backward()`.
# The order matters: `backward()` *adds* into each parameter's `.grad` (adjoints
# accumulate, [chapter 5](05_gradient_tape.ipynb)), so without `zero_grad` the step would
# use this batch's gradient plus those of all the batches before it; and `zero_grad` after
# `backward` would erase the gradient the step needs. `optimizer.step()` follows the block.
#
# The checks run `fit` with stand-ins: a linear model, a squared-error loss and plain
# gradient descent, whose weights they compute by hand, batch by batch, in `fit`'s order.
# So use only the names above (nothing specific to an MLP or to cross-entropy), and call
# each thing once per batch: the checks expect, for every batch, the calls forward,
# `zero_grad`, `backward`, `step`, in this order. The last check trains a small network,
# so it needs your earlier tasks 2.1, 2.2, 2.3, 6.1, 6.3, 6.4, 7.1, 7.2 and 9.1.

# %% [markdown]
# ```{admonition} Task 10.1: the training step
# :class: tip
# **Write** the two blocks of `fit` in `ppn/train.py` marked `# task 10.1: begin` and
# `# task 10.1: end`. **They receive** `model`, `x_batch` (the batch's images, augmented),
# `y[index]` (its labels), `loss_function` and `optimizer`. **The first stores** `outputs`
# (the model's output tensor for `Tensor(x_batch)`), the loss tensor (kept for the second
# block) and `value` (the loss as a Python float); **the second** calls
# `optimizer.zero_grad()`, then the loss's `backward()`, so that the `optimizer.step()`
# after it updates every parameter.
# **Check** with `ppn.tasks.check("10.1")` in this notebook, or
# `pytest tests/tasks -k TestTask10_1`.
# ```
#
# ## Training a network
#
# The network: one hidden layer of 128 ReLU neurons, He initialisation
# ([chapter 2](02_neural_networks.ipynb); [He et al., 2015](bibliography.md)), seed 0, so
# the same weights on every run. Optimiser: Adam ([chapter 9](09_optimisers.ipynb);
# [Kingma and Ba, 2015](bibliography.md)) with learning rate $10^{-3}$, mini-batches of 64,
# 15 epochs. We pass the test set as `validation`: after each epoch, `fit` measures the
# loss and accuracy on it, which gives the training curves.
#
# One departure from `ppn`'s defaults: this chapter's networks compute in float64, not
# float32 (the note after the results says why).

# %%
DTYPE = np.float64  # the same results on every processor (see the note below)
# shape (10000, 784), values in [0, 1]
x = data.to_float(x_train, flatten=True).astype(DTYPE)
x_test_flat = data.to_float(x_test, flatten=True).astype(DTYPE)

model = MLP([784, 128, 10], "relu", rng=0, dtype=DTYPE)
print(model)
optimizer = Adam(model.parameters(), lr=1e-3)
history = fit(model, x, y_train, optimizer=optimizer, epochs=15, batch_size=64,
              validation=(x_test_flat, y_test), seed=0, progress=False)

# %%
print(f"after {len(history)} epochs:")
h = history
print(f"  training: loss {h.train_loss[-1]:.3f}, accuracy {h.train_accuracy[-1]:.1%}")
print(f"  test:     loss {h.val_loss[-1]:.2f},  accuracy {h.val_accuracy[-1]:.1%}")
print(f"after epoch 1: training accuracy {h.train_accuracy[0]:.1%}, "
      f"test accuracy {h.val_accuracy[0]:.1%}")
lowest_test_loss = int(np.argmin(history.val_loss)) + 1
print(f"lowest test loss {min(history.val_loss):.2f} at epoch {lowest_test_loss}; "
      f"test accuracy at epoch 10: {history.val_accuracy[9]:.1%}")

# %%
test_loss, test_accuracy = evaluate(model, x_test_flat, y_test)
# the curves' last point is the final model
assert test_accuracy == history.val_accuracy[-1]
assert 0.945 < test_accuracy < 0.965
assert 0.99 < history.train_accuracy[-1] <= 1.0
assert history.val_accuracy[0] > 0.85  # one epoch already reads most digits
assert history.train_accuracy[0] < history.val_accuracy[0]  # the first epoch
assert lowest_test_loss < len(history)
assert history.val_loss[-1] > min(history.val_loss)  # creeps up
assert abs(history.val_accuracy[-1] - history.val_accuracy[9]) < 0.01  # flat after 10
gap = history.train_accuracy[-1] - history.val_accuracy[-1]
assert 0.03 < gap < 0.05  # about four points

# %% [markdown]
# ```{note}
# Why float64, and one thread? So that the numbers you see are the ones printed here.
# Training does millions of floating-point operations, and numpy computes a matrix
# product with code chosen for your processor (and split over its cores): two machines
# may round some float32 sums differently. Over thousands of steps such a difference
# grows, and in float32 it changes a handful of the 10,000 test predictions, so the
# confusion counts below would differ from machine to machine. In float64 the same
# rounding differences are a billion times smaller and stay far below anything printed
# here, at the price of slower training.
# ([Chapter 11](11_performance_and_accuracy.ipynb) trains in float32, `ppn`'s default, and
# compares the two.)
# ```
#
# ## Training curves
#
# `plots.plot_history` draws the history that `fit` returned, one point per epoch:

# %%
plots.plot_history(history, title="784 → 128 → 10 ReLU, Adam, 10,000 training digits")

# %% [markdown]
# What the curves say:
#
# - **The first epoch.** The training accuracy of epoch 1 (about 83 %) is *below* the test
#   accuracy (about 91 %). That is no paradox: `fit` counts training accuracy on each batch
#   as it goes, while the weights are still improving, whereas the test accuracy is measured
#   once, after the epoch, with the final weights of that epoch.
# - **Overfitting.** The training loss keeps falling towards zero and the training accuracy
#   approaches 100 %, but the test curves flatten out after about ten epochs, near 95 %, and
#   the test loss even creeps up again. The network is starting to learn its 10,000 training
#   digits by heart ([chapter 9](09_optimisers.ipynb)'s overfitting). The gap between the
#   two accuracies, about four points, is the price of training on 10,000 images; more data
#   (all 60,000) or augmentation ({numref}`ex-mnist-augment`) narrows it.
#
# ```{note}
# We used the test set to draw curves, which is fine for watching. But choosing anything by
# it (the number of epochs, the size of the layer, the learning rate) would tune the model to
# these 10,000 digits, and the test accuracy would no longer measure how it does on new ones.
# For such choices, hold out part of the *training* data with
# `data.train_validation_split(x, y, validation_size=0.1, seed=0)`, choose on that, and
# measure on the test set once, at the end.
# ```
#
# ## Where the network goes wrong
#
# An accuracy is one number; the **confusion matrix** shows the mistakes: entry $M_{ij}$
# counts the test digits of class $i$ that the network read as class $j$. A perfect
# classifier has everything on the diagonal. The probabilities are computed inside
# `with no_grad():`, which tells the tape to record nothing in that block: we only read
# the numbers and never call `backward()` on them, so recording would waste time and
# memory.

# %%
from ppn.train import confusion_matrix, per_class_accuracy

logits = predict_logits(model, x_test_flat)
with no_grad():
    probabilities = softmax(Tensor(logits), axis=1).data
predictions = probabilities.argmax(axis=1)
matrix = confusion_matrix(y_test, predictions)
plots.plot_confusion_matrix(matrix,
                            title="test set: true class (rows) against prediction")

# %%
accuracy_per_class = per_class_accuracy(matrix)
print("class     " + " ".join(f"{k:4d}" for k in range(10)))
print("accuracy  " + " ".join(f"{a:4.0%}" for a in accuracy_per_class))
mistakes = matrix.copy()
np.fill_diagonal(mistakes, 0)
true_class, predicted_class = np.unravel_index(mistakes.argmax(), mistakes.shape)
print(f"hardest class: {accuracy_per_class.argmin()}; "
      f"most frequent mistake: a {true_class} read as a {predicted_class}")

# %%
assert matrix.sum() == 10_000 and np.trace(matrix) == round(test_accuracy * 10_000)
assert accuracy_per_class.argmin() == 5
assert accuracy_per_class.min() > 0.9  # nine times in ten
easiest = np.argsort(-accuracy_per_class, kind="stable")[:2]
assert set(easiest) == {0, 1}  # ones and zeros
assert (true_class, predicted_class) == (5, 3)
largest_four = np.argsort(-mistakes, axis=None, kind="stable")[:4]
cells = {tuple(int(k) for k in np.unravel_index(i, mistakes.shape))
         for i in largest_four}
assert cells == {(5, 3), (5, 8), (4, 9), (7, 2)}

# %% [markdown]
# All classes are read right at least nine times in ten, but not equally well. Ones and
# zeros are easiest: a one is a single stroke, a zero a loop, and few other digits look like
# them. Fives are hardest, and they are also the rarest class in training. The biggest cells
# off the diagonal pair up digits that share strokes: a 5 with a closed lower loop is a 3 or
# an 8, a 4 with closed top is a 9, a 7 with a foot or a crossbar is a 2.
#
# How *sure* was the network when it was wrong? The softmax probability of the predicted
# class is its confidence. Here are the 16 mistakes it made with the highest confidence
# (label → prediction, and the probability it gave its prediction):

# %%
confidence = probabilities.max(axis=1)
wrong = np.flatnonzero(predictions != y_test)
most_confident = wrong[np.argsort(-confidence[wrong], kind="stable")][:16]
plots.digit_confidence_grid(x_test[most_confident], y_test[most_confident],
                            predictions[most_confident], confidence[most_confident],
                            title="the 16 most confident mistakes on the test set")

# %%
assert len(wrong) == 10_000 - np.trace(matrix)
assert np.all(predictions[most_confident] != y_test[most_confident])
assert confidence[most_confident].min() > 0.9
top_two = most_confident[:2]
assert np.all(y_test[top_two] == 7) and np.all(predictions[top_two] == 2)
assert confidence[top_two].min() > 0.999

# %% [markdown]
# Some of these are understandable, and a few are arguably mislabelled: sevens written with
# a bar through the stem, as many Europeans write them, are read as 2s; there are a 5 and a 6
# whose loops look closed like a 0, and 8s with an open top loop read as 4s. But look at
# the probabilities: for its two most confident mistakes, sevens, the network gives "2"
# more than 99.9 %.
# A softmax output is not a calibrated probability. The training loss rewards pushing the
# right class towards 1 on the training digits, and a network that has started to overfit
# does so even where it should hesitate. Use the confidence to rank digits, not as a
# promise ({numref}`ex-mnist-confidence` measures how far to trust it).
#
# ## What the first layer looks at
#
# The hidden layer computes $H = \mathrm{relu}(XW + b)$ ([chapter 2](02_neural_networks.ipynb)'s
# row convention: one image per row of $X$, and $W$ of shape (784, 128)). So hidden neuron
# $j$ takes, for an image $x$, $\mathrm{relu}\big(\sum_i x_i W_{ij} + b_j\big)$: a weighted
# sum over the 784 pixels. Column $j$ of $W$ has one weight per pixel, so it can be drawn
# as a 28×28 image: red where ink *raises* the neuron's input, blue where it lowers it.

# %%
weights = model.layers[0].weight.data
print(f"first-layer weight matrix W: {weights.shape} (pixels × hidden neurons)")
plots.plot_first_layer_weights(
    weights, units=16, title="after training: W[:, j] for the first 16 hidden neurons")

# %% [markdown]
# This looks mostly like noise. Training started from random weights (He initialisation)
# and added what it learned on top of them; the random start is still there, pixel by
# pixel, and hides the pattern. Subtracting the initial weights (the same seed gives them
# back) shows only what training changed:

# %%
initial_weights = MLP([784, 128, 10], "relu", rng=0, dtype=DTYPE).layers[0].weight.data
learned = weights - initial_weights
plots.plot_first_layer_weights(
    learned, units=16, title="what training changed: W − W₀ for the same 16 neurons")

# %%
unchanged = np.all(learned == 0, axis=1)
print(f"pixels whose weights training never changed: {unchanged.sum()} of 784")

# %%
assert np.array_equal(unchanged, never_inked.ravel())

# %% [markdown]
# Now strokes appear: curved blobs and bars where the neuron looks for ink (red) or for its
# absence (blue), each tuned to parts of several digits rather than to one whole digit. And
# around the edges there is a white frame: exactly the pixel positions that are blank in all
# 10,000 training digits. For such a pixel $x_{n,i} = 0$ in every example $n$, so the
# gradient $\partial C / \partial W_{ij} = \sum_n x_{n,i} \, \delta_{n,j}$ (where
# $\delta_{n,j}$ is the adjoint of neuron $j$'s weighted sum for example $n$) is zero at
# every step, and Adam never moves a weight whose gradient has always been zero: those
# weights keep their random starting values forever. The cell above checks it: the pixels
# with unchanged weights are exactly the never-inked ones. They matter little on MNIST,
# whose test digits are centred the same way, but a digit that touches one of those pixels
# adds random noise to the hidden neurons.
#
# ## Saving and loading a model
#
# A trained network is its architecture plus its weights. `ppn.checkpoint.save_model` writes
# both into one `.npz` file (written to a temporary name and renamed, so a crash never leaves
# half a file), and `load_model` rebuilds the network from it, in the precision it was saved
# in: our float64 network comes back float64 (a network of any other precision comes back
# in `ppn`'s default, float32). Nothing is rounded on the way, so the round trip must give
# back the same predicted class for every test digit and exactly the same logits:

# %%
with tempfile.TemporaryDirectory() as folder:
    model_file = Path(folder) / "mnist-784-128-10.npz"
    checkpoint.save_model(model, model_file)
    loaded = checkpoint.load_model(model_file)
print(loaded)
loaded_logits = predict_logits(loaded, x_test_flat)
same_class = np.mean(loaded_logits.argmax(axis=1) == predictions)
print(f"same predicted class for {same_class:.0%} of the test digits")

# %%
assert same_class == 1.0
assert loaded.layers[0].weight.data.dtype == DTYPE
assert np.array_equal(loaded_logits, logits)  # the same weights, the same arithmetic

# %% [markdown]
# ## Longer runs: the command line
#
# A notebook is the wrong place for a long training run. `ppn` has a command line that does
# the same as the cells above and writes everything to a folder. By default it also
# lowers the learning rate as training goes on, following a **cosine schedule**: $\eta$
# falls from its starting value to 0 along half a cosine over the epochs,
# $\eta_e = \tfrac{1}{2}\eta_0\,(1 + \cos(\pi e / E))$ at epoch $e$ of $E$. The first
# command turns that off (`--schedule none`), and the default weight decay and
# augmentation too, to train exactly this chapter's network:
#
# ```bash
# # this chapter's network and data: 784-128-10 ReLU, Adam, the first 10,000 images
# python -m ppn train --train-size 10000 --hidden 128 --lr 1e-3 --schedule none \
#     --weight-decay 0 --augment 0 --batch-size 64 --epochs 15 --out runs/mnist-128
# # the defaults: the course's recipe, on all 60,000 images (downloaded once if needed)
# python -m ppn train --out runs/best
# # interrupted with Ctrl-C? continue where it stopped, with identical results
# python -m ppn train --resume --out runs/mnist-128
# # accuracy per class and the confusion matrix of a saved model
# python -m ppn evaluate runs/mnist-128/model.npz
# # read your own digit: a PNG of any size and colours, prepared like MNIST's digits
# python -m ppn predict runs/mnist-128/model.npz my_digit.png
# ```
#
# `train` saves a checkpoint after every epoch (`checkpoint.npz`), and at the end the model
# (`model.npz`, the same format as `save_model`), the history (`history.json`,
# `history.csv`) and the figures (`curves.png`, `confusion.png`). `predict` uses
# `data.prepare_digit`, which crops, scales and centres a digit the way MNIST's were, so that
# a digit drawn in a corner of a large white image is read like the ones here.
#
# ## Try it yourself
#
# In Jupyter, the slider below browses the test set: each digit with the ten probabilities
# the network gives it (the true class in orange). The second set of controls retrains a
# small network (3 epochs on 2,000 images) with another hidden layer size or
# learning rate. (The web version of the book has no Python running behind it and shows a
# note in the controls' place; the small multiples and the animation after them need none.)

# %% tags=["nbval-ignore-output"]
from ipywidgets import Dropdown, FloatLogSlider, IntSlider, interact


def show_test_digit(index):
    label, guess = y_test[index], predictions[index]
    verdict = "right" if guess == label else "wrong"
    title = f"network: {guess} ({probabilities[index, guess]:.1%}), {verdict}"
    plots.draw_digit_scores(x_test[index], probabilities[index], label=label,
                            score_name="probability", title=title)
    plt.show()


_ = interact(show_test_digit, index=IntSlider(min=0, max=len(x_test) - 1, value=0))

# %% tags=["nbval-ignore-output"]
def retrain(hidden, learning_rate):
    small = MLP([784, hidden, 10], "relu", rng=0, dtype=DTYPE)
    run = fit(small, x[:2000], y_train[:2000],
              optimizer=Adam(small.parameters(), lr=learning_rate), epochs=3,
              batch_size=64, validation=(x_test_flat, y_test), seed=0, progress=False)
    print(f"784 → {hidden} → 10, learning rate {learning_rate:.0e}: "
          f"test accuracy {run.val_accuracy[-1]:.1%} after 3 epochs on 2,000 digits")
    display(plots.plot_history(run))


_ = interact(
    retrain,
    hidden=Dropdown(options=[8, 16, 32, 64, 128, 256], value=64, description="hidden"),
    learning_rate=FloatLogSlider(value=1e-3, base=10, min=-4, max=0, step=0.5,
                                 continuous_update=False, description="learning rate"),
)

# %% [markdown]
# The same view without a slider: four easy test digits, and the four about which the
# network is least sure, each with its ten probabilities.

# %%
least_sure = np.argsort(confidence, kind="stable")[:4]
shown = np.concatenate([np.arange(4), least_sure])
title = ("top row: four easy test digits; "
         "bottom row: the network's four least confident answers")
fig = plots.digit_scores_grid(x_test[shown], probabilities[shown], y_test[shown],
                              columns=4, score_name="probability", title=title)
plt.show()

# %%
assert confidence[least_sure].max() < 0.5 < confidence[:4].min()

# %% [markdown]
# And the training curves of this chapter's run, growing epoch by epoch (press play):

# %% tags=["nbval-ignore-output"]
curves_animation = plots.animate_history(history, figsize=(8, 3), dpi=72)
animation_html = curves_animation.to_jshtml()
HTML(animation_html)

# %%
frames = re.findall(r'frames\[\d+\] = "data:image/png;base64,', animation_html)
assert len(frames) == len(history) == 15  # one frame per epoch
print(f"{len(frames)} frames, one per epoch")

# %% [markdown]
# ## Summary
#
# * MNIST comes as four IDX files; `ppn.data` reads and checks them, and `data.to_float`
#   scales the pixels to $[0, 1]$ and flattens each image into 784 inputs.
# * `fit` runs epochs of shuffled mini-batches. Each batch is one training step: the
#   forward pass on `Tensor(x_batch)` (the augmented batch), the loss
#   ([chapter 7](07_softmax_cross_entropy.ipynb)'s softmax cross-entropy) and its value
#   as a float, `zero_grad` *before* `backward` (gradients accumulate), then the
#   optimiser's `step`.
# * The training curves show overfitting: the training accuracy nears 100 % while the test
#   accuracy stops near 95 %. The confusion matrix shows where the network errs (fives
#   read as threes), and its softmax confidence is not a calibrated probability.
# * A weight whose pixel is blank in every training digit gets a zero gradient and keeps
#   its initial value.
# * A trained model is saved as a plain `.npz` file and loaded back; `python -m ppn train`
#   runs longer trainings from the command line.
#
# **Your task**, in the student edition of the course, where its body is left for you to
# write:
#
# * 10.1: the training step: forward, loss, zero_grad, backward, step (`ppn/train.py`: `fit`)
#
# Check it with `pytest tests/tasks -k TestTask10_1`, or here with
# `import ppn.tasks` and `ppn.tasks.check("10.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out). The training runs in the
# solutions are short (a few epochs, or 2,000 images) so that the chapter stays quick.
#
# ```{exercise} Forgetting zero_grad (★★, 15 min)
# :label: ex-mnist-zero-grad
#
# Write the training step yourself, outside `fit`: for 3 passes over the first 2,000
# training digits (in one fixed random order, batches of 64), a network
# `MLP([784, 128, 10], "relu", rng=0)` and `ppn.optim.SGD` with $\eta = 0.05$, compute the
# loss with `ppn.losses.softmax_cross_entropy`, call `backward()` and `step()`. Do it once
# with `zero_grad()` before each `backward()` and once without, and compare the mean loss
# of each pass. What does the step use without `zero_grad`, and which optimiser of
# [chapter 9](09_optimisers.ipynb) does that resemble?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mnist-zero-grad
# :label: ex-mnist-zero-grad-solution
# :class: dropdown
# ```
#
# With `zero_grad`, the mean loss falls pass after pass. Without it, `backward()` adds each
# batch's gradient to what `.grad` already holds, so step $k$ uses the *sum*
# $\nabla C_1 + \dots + \nabla C_k$ of all the gradients so far. That is chapter 9's
# momentum with $\mu = 1$ ($v \leftarrow v + \nabla C$, $\theta \leftarrow \theta - \eta v$):
# a ball with no friction. It rushes downhill at first (the first pass's loss
# is lower than with `zero_grad`), but it never forgets an old direction, overshoots, and
# the loss of the second pass goes back up; the run ends worse than the correct one.

# %% tags=["solution"]
from ppn.losses import softmax_cross_entropy
from ppn.optim import SGD

x_few, y_few = x[:2000], y_train[:2000]
few_order = np.random.default_rng(0).permutation(len(x_few))
pass_losses = {}
for clear in (True, False):
    network = MLP([784, 128, 10], "relu", rng=0, dtype=DTYPE)
    sgd = SGD(network.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        for start in range(0, len(x_few), 64):
            index = few_order[start : start + 64]
            cost = softmax_cross_entropy(network(Tensor(x_few[index])), y_few[index])
            losses.append(cost.item())
            if clear:
                sgd.zero_grad()
            cost.backward()
            sgd.step()
    per_pass = np.mean(np.reshape(losses, (3, -1)), axis=1)
    pass_losses[clear] = per_pass
    name = "with zero_grad   " if clear else "without zero_grad"
    print(f"{name}: mean loss of each pass " + ", ".join(f"{v:.2f}" for v in per_pass))
right, summed = pass_losses[True], pass_losses[False]
assert right[0] > right[1] > right[2]  # falls pass after pass
assert summed[0] < right[0] and summed[1] > summed[0]  # rushes, then climbs back
assert summed[2] > right[2]  # and ends worse

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Sigmoid against ReLU (★, 10 min)
# :label: ex-mnist-sigmoid
#
# Train `MLP([784, 128, 10], "sigmoid", rng=0)` as above but for 3 epochs, and the ReLU
# network the same way, and draw both runs' test accuracy on one axes with
# `plots.draw_history(..., metric="accuracy")`. Which learns faster in the first epochs?
# Relate your answer to the derivative of the sigmoid, at most 1/4, and to the
# initialisation each activation gets (Glorot or He).
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mnist-sigmoid
# :label: ex-mnist-sigmoid-solution
# :class: dropdown
# ```
#
# ReLU learns faster: about four points ahead after the first epoch, and still ahead after
# the third. In the backward pass, each sigmoid layer multiplies the adjoint by
# $\sigma'(z) \le 1/4$ (and much less where a neuron saturates), while a ReLU passes it on
# unchanged (factor 1) wherever the neuron is active. The initialisations are chosen for
# each activation: Glorot keeps the sigmoid's sums small, in its steep middle; He's larger
# weights (variance $2/n$) make up for ReLU silencing half of its inputs. With Adam, which
# rescales each parameter's step, the difference is smaller than it would be with plain SGD,
# but it is still there.

# %% tags=["solution"]
short_runs = {}
for activation in ("relu", "sigmoid"):
    network = MLP([784, 128, 10], activation, rng=0, dtype=DTYPE)
    short_runs[activation] = fit(
        network, x, y_train, optimizer=Adam(network.parameters(), lr=1e-3), epochs=3,
        batch_size=64, validation=(x_test_flat, y_test), seed=0, progress=False)
    print(f"{activation:8} ({network.init} init): test accuracy per epoch "
          + ", ".join(f"{a:.1%}" for a in short_runs[activation].val_accuracy))

fig, ax = plt.subplots(figsize=(5.5, 3.4))
for (activation, run), color in zip(short_runs.items(), ("C0", "C1"), strict=True):
    _ = plots.draw_history(run, ax, metric="accuracy", splits=("validation",),
                           label=activation, color=color)
ax.set_title("784 → 128 → 10, Adam: test accuracy per epoch")
ax.set_xticks([1, 2, 3])
_ = ax.legend(title="hidden activation", fontsize=8)
fig.tight_layout()
plt.show()
relu_accuracy = short_runs["relu"].val_accuracy
sigmoid_accuracy = short_runs["sigmoid"].val_accuracy
assert all(r > s + 0.01 for r, s in zip(relu_accuracy, sigmoid_accuracy, strict=True))
assert 0.03 < relu_accuracy[0] - sigmoid_accuracy[0] < 0.05  # about four points

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Augmentation (★★, 15 min)
# :label: ex-mnist-augment
#
# Train on the first 2,000 training digits for 10 epochs, once as they are and once with
# `augment=lambda batch, rng: data.random_shift(batch, rng, 2)`, which moves every
# training digit by up to 2 pixels in each direction, each time it is used
# ([Simard et al., 2003](bibliography.md)). Compare the final training and test accuracies of the two runs.
# Why does the gap between them shrink? And what happens to the white frame of
# never-changed first-layer weights?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mnist-augment
# :label: ex-mnist-augment-solution
# :class: dropdown
# ```
#
# Without augmentation, the network learns its 2,000 digits almost by heart (training
# accuracy near 98 %) and the test accuracy stays some 7 points lower. With random shifts it
# never sees exactly the same image twice, so it cannot memorise pixels: training accuracy
# drops and the gap shrinks to a few points. After only 10 epochs the test accuracy has not
# caught up yet (shifted digits are a harder task, and augmentation pays off over longer
# training: the appendix "The accuracy study" trains for 40 epochs).
#
# The frame of never-changed weights mostly disappears: 29 pixels keep their initial
# weights instead of 145. A weight from pixel $j$ changes only if pixel $j$ is inked in some
# training digit as the network sees it; shifted digits put ink up to 2 pixels further out,
# so most border pixels now receive a gradient, most of the outermost ring included (of
# its 108 pixels, 22 stay unchanged). What stays as initialised is mostly the corners:
# 25 of the 29 pixels lie in the four 4×4 corner squares, which a digit moved by at most
# 2 pixels in each direction rarely reaches.

# %% tags=["solution"]
small_x, small_y = x[:2000], y_train[:2000]
augmented = {}
shifts = lambda batch, rng: data.random_shift(batch, rng, 2)
for name, augment in [("as they are", None), ("random shifts", shifts)]:
    network = MLP([784, 128, 10], "relu", rng=0, dtype=DTYPE)
    fit(network, small_x, small_y, optimizer=Adam(network.parameters(), lr=1e-3),
        epochs=10, batch_size=64, seed=0, augment=augment, progress=False)
    train_accuracy = evaluate(network, small_x, small_y).accuracy
    test_accuracy_2000 = evaluate(network, x_test_flat, y_test).accuracy
    start = MLP([784, 128, 10], "relu", rng=0, dtype=DTYPE).layers[0].weight.data
    learned = network.layers[0].weight.data - start
    frozen_pixels = np.all(learned == 0, axis=1).reshape(28, 28)
    frozen = int(frozen_pixels.sum())
    augmented[name] = (train_accuracy, test_accuracy_2000, frozen)
    print(f"{name:14}: training {train_accuracy:.1%}, test {test_accuracy_2000:.1%}, "
          f"gap {train_accuracy - test_accuracy_2000:.1%}; "
          f"pixels whose weights never changed: {frozen}")
ring = np.ones((28, 28), dtype=bool)
ring[1:-1, 1:-1] = False  # the outermost ring of pixels
corners = np.zeros((28, 28), dtype=bool)
for rows in (slice(0, 4), slice(24, 28)):
    for columns in (slice(0, 4), slice(24, 28)):
        corners[rows, columns] = True  # the four 4×4 corner squares
print(f"with random shifts, the {frozen} unchanged pixels: "
      f"{np.sum(frozen_pixels & ring)} on the outermost ring (of its {ring.sum()}), "
      f"{np.sum(frozen_pixels & corners)} in the four 4×4 corners")
plain_gap = augmented["as they are"][0] - augmented["as they are"][1]
shifted_gap = augmented["random shifts"][0] - augmented["random shifts"][1]
assert shifted_gap < plain_gap / 2
# the test accuracy has not caught up
assert augmented["random shifts"][1] < augmented["as they are"][1]
# quoted in the text
assert (augmented["as they are"][2], augmented["random shifts"][2]) == (145, 29)
assert int(np.sum(frozen_pixels & ring)) == 22
assert int(np.sum(frozen_pixels & corners)) == 25

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The confusions (★, 10 min)
# :label: ex-mnist-confusions
#
# Find the five largest entries off the diagonal of `matrix`. For the largest, show up to
# 24 of its digits with `plots.digit_grid` and describe what they have in common. Is the
# confusion symmetric (are 5s read as 3s as often as 3s as 5s)?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mnist-confusions
# :label: ex-mnist-confusions-solution
# :class: dropdown
# ```
#
# The largest confusions pair digits that share strokes (the list is printed below). Most
# of the fives read as threes have a short or missing vertical stroke at the top left: the
# top bar runs straight into the lower curve, an S shape whose lower half is a 3's. Several
# are written thick, which fills the corner where the stroke turns. The confusion is not
# symmetric: far more fives are read as threes than threes as fives. A 3 rarely has the
# vertical stroke at top left that makes a 5, and fives are the rarest class in training,
# so the network leans away from answering "5" when in doubt.

# %% tags=["solution"]
off_diagonal = matrix.copy()
np.fill_diagonal(off_diagonal, 0)
largest = np.argsort(-off_diagonal, axis=None, kind="stable")[:5]
pairs = [tuple(int(k) for k in np.unravel_index(index, matrix.shape))
         for index in largest]
print("largest confusions (true → predicted: count):",
      ", ".join(f"{i} → {j}: {matrix[i, j]}" for i, j in pairs))
print(f"5 read as 3: {matrix[5, 3]}; 3 read as 5: {matrix[3, 5]}")
assert pairs[0] == (5, 3) and matrix[5, 3] > 2 * matrix[3, 5]
fives_as_threes = np.flatnonzero((y_test == 5) & (predictions == 3))[:24]
plots.digit_grid(x_test[fives_as_threes], y_test[fives_as_threes],
                 predictions=predictions[fives_as_threes], columns=8,
                 title="test digits labelled 5 that the network read as 3")

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Confidence against accuracy (★★, 15 min)
# :label: ex-mnist-confidence
#
# Sort the test digits into bins by the network's confidence (the largest softmax
# probability: 0.5–0.6, 0.6–0.7, …, 0.9–0.99, above 0.99) and compute the accuracy in each
# bin. In which bins does the confidence overstate the accuracy?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mnist-confidence
# :label: ex-mnist-confidence-solution
# :class: dropdown
# ```
#
# A calibrated network would be right 55 % of the time on digits where it says about 55 %,
# and so on. Here the accuracy is below the mean confidence in every bin, and clearly so
# between 0.7 and 0.99 (by 3 to 10 points): the network is **over-confident** when it
# hesitates, the sign of a network that has begun to overfit (its training loss rewards
# pushing probabilities to 1). Most digits fall in the top bin, where it is right almost
# always, which is why the overall accuracy is high.

# %% tags=["solution"]
edges = [0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1.0 + 1e-9]
right = predictions == y_test
overstated, shortfall = [], {}
print("confidence    digits   mean confidence   accuracy")
for low, high in zip(edges[:-1], edges[1:], strict=True):
    in_bin = (confidence >= low) & (confidence < high)
    mean_confidence, accuracy_in_bin = confidence[in_bin].mean(), right[in_bin].mean()
    print(f"{low:.2f}–{min(high, 1.0):.2f}   {in_bin.sum():7,}   "
          f"{mean_confidence:15.1%}   {accuracy_in_bin:8.1%}")
    if accuracy_in_bin < mean_confidence:
        overstated.append(low)
    shortfall[low] = mean_confidence - accuracy_in_bin
assert confidence.min() > 0.2 and np.mean(confidence >= 0.99) > 0.7
assert overstated == edges[:-1]  # below the mean confidence in every bin
assert all(0.025 < shortfall[low] < 0.10 for low in (0.7, 0.8, 0.9))  # 3 to 10 points

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} More data or more epochs? (★★, 15 min)
# :label: ex-mnist-more-data
#
# With a fixed budget of 300 steps of 64 images (Adam, $\eta = 10^{-3}$), train on the
# first 1,000, 3,000 and 10,000 training digits (that is about 19, 6 and 2 epochs) and
# compare the test accuracies. Is more data worth more than more passes over the same
# data? (With all 60,000 training images on your machine,
# `python -m ppn train --hidden 128 --schedule none --weight-decay 0 --augment 0
# --batch-size 64 --epochs 15 --out runs/full` continues the experiment on all 60,000 images.)
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mnist-more-data
# :label: ex-mnist-more-data-solution
# :class: dropdown
# ```
#
# For the same number of steps, more data wins clearly: the network trained on 1,000
# digits reaches 100 % on them and only about 88 % on the test set, while 10,000 digits seen
# twice give about 93 %. Each pass over the same digits teaches less than the last (they
# have been learnt, and then memorised); new digits keep showing new ways of writing.

# %% tags=["solution"]
budget = {}
for size in (1000, 3000, 10000):
    network = MLP([784, 128, 10], "relu", rng=0, dtype=DTYPE)
    epochs = round(300 * 64 / size)
    fit(network, x[:size], y_train[:size],
        optimizer=Adam(network.parameters(), lr=1e-3), epochs=epochs, batch_size=64,
        seed=0, progress=False)
    budget[size] = evaluate(network, x_test_flat, y_test).accuracy
    trained = evaluate(network, x[:size], y_train[:size]).accuracy
    print(f"{size:6,} digits, {epochs:2} epochs: training {trained:.1%}, "
          f"test {budget[size]:.1%}")
assert budget[1000] < budget[3000] < budget[10000]

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
