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
# # Neural networks: the neuron, the multilayer perceptron and its cost
#
# Chapter 1 fitted a line with two parameters. This chapter builds the model the rest
# of the course trains: a **multilayer perceptron** (MLP) with tens of thousands of
# parameters, which reads an image of a handwritten digit and answers with ten numbers,
# one per digit. Here we only *run* it (the forward pass); how to choose its parameters
# is the subject of chapters 3 to 7.
#
# ## The problem: MNIST
#
# MNIST is a collection of handwritten digits, each a $28 \times 28$ grey image whose
# pixels are bytes from 0 (white) to 255 (black), with its label, the digit 0 to 9 that
# the writer meant. The task is **classification**: from the 784 pixels, say which of the
# 10 classes the image belongs to. The collection was assembled by {cite:t}`lecun1998`,
# whose paper also set the benchmark that generations of classifiers have been measured on.
#
# `ppn.data.load_mnist` reads the four standard files (the README says where it looks
# for them; `download=False` makes sure the notebook never goes to the network). This
# course always works on the first 10,000 training images, `x_train[:10000]`: a network
# this size runs quickly on them, and they are the same on every machine, whether it
# holds the full training set or only the course's offline copy.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import ppn
from ppn import data, losses
from ppn.nn import MLP, Linear
from ppn.plots import digit_scores_grid, draw_digit_scores, draw_network
from ppn.tensor import Tensor

(x_train, y_train), _ = data.load_mnist(download=False)
images, labels = x_train[:10000], y_train[:10000]  # the course's training images
print(f"images: {images.shape}, dtype {images.dtype}, pixels {images.min()}–{images.max()}")
print(f"labels: {labels.shape}, the first ten: {labels[:10].tolist()}")

# %% [markdown]
# A network computes with numbers near 1, not with bytes, so `data.to_float` scales the
# pixels to $[0, 1]$ and, with `flatten=True`, lays each image out as one row of 784
# values: that row is the network's input vector.
#
# What should the network answer? Not the digit itself as one number (a 7 is not "closer"
# to an 8 than to a 1), but one output per class. The target for an image of class $k$ is
# the **one-hot** vector $y$ with a 1 in position $k$ and 0 elsewhere; a perfect network
# would output exactly that vector. `data.one_hot` builds it from the labels:

# %%
x = data.to_float(images, flatten=True)  # shape (10000, 784), values in [0, 1]
y = data.one_hot(labels)  # shape (10000, 10)
print(f"x: {x.shape} {x.dtype}, min {x.min()}, max {x.max()}")
print(f"label {labels[0]} -> one-hot {y[0].astype(int).tolist()}")

# %% mystnb={"figure": {"caption": "The source's figure 2, regenerated: the first training image, a 5, and its one-hot target vector, a 1 in position 5 (orange) and 0 in the nine others.", "name": "fig-one-hot"}}
_ = draw_digit_scores(
    images[0], y[0], label=labels[0], score_name="target y", title="one-hot target"
)
plt.show()

# %% [markdown]
# ## The neuron
#
# An artificial neuron takes inputs $x_1, \dots, x_n$, multiplies each by a **weight**
# $w_i$, adds a **bias** $b$, and passes the sum through an **activation function**
# $\sigma$:
#
# $$ f(x) = \sigma\Big(\sum_{i=1}^{n} x_i w_i + b\Big) \tag{3} $$
#
# The weights say how much each input counts and with which sign; the bias shifts the
# threshold. The source's activation is the **sigmoid** $\sigma(z) = 1 / (1 + e^{-z})$,
# which squashes any real number into $(0, 1)$: very negative sums give almost 0 (the
# neuron is "off"), very positive ones almost 1 ("on"). `ppn.sigmoid` computes it on a
# number, an array or a tensor, without overflow for large $|z|$:

# %%
z = np.linspace(-8, 8, 401)
fig, ax = plt.subplots(figsize=(5.5, 3))
_ = ax.plot(z, ppn.sigmoid(z), label=r"$\sigma(z) = 1 / (1 + e^{-z})$")
_ = ax.axhline(0.5, color="0.6", linewidth=0.8, linestyle="--")
ax.set_xlabel("weighted sum $z = \\sum_i x_i w_i + b$")
ax.set_ylabel(r"$\sigma(z)$")
ax.set_title("The sigmoid activation")
_ = ax.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %% [markdown]
# One neuron with three inputs, computed two ways: with numbers, exactly as eq. 3 reads,
# and with ppn's `Tensor`, where the weighted sum is one dot product `x @ w`:

# %%
inputs = [0.5, -1.0, 2.0]
weights = [0.8, 0.2, -0.5]
bias = 0.1

weighted_sum = sum(x_i * w_i for x_i, w_i in zip(inputs, weights, strict=True)) + bias
neuron = ppn.sigmoid(weighted_sum)
neuron_tensor = ppn.sigmoid(Tensor(inputs) @ Tensor(weights) + bias)
print(f"z = {weighted_sum:.4f},  f(x) = σ(z) = {neuron:.4f}")
print(f"with tensors:      f(x) = {neuron_tensor.item():.4f}")

# %%
assert math.isclose(neuron, neuron_tensor.item(), rel_tol=1e-12)

# %% [markdown]
# ## A layer of neurons
#
# A **layer** is many neurons reading the same inputs, each with its own weights and
# bias. Call the inputs $I_1, \dots, I_n$ and the layer's outputs $H_1, \dots, H_m$
# ("hidden", because nobody looks at them: they feed the next layer). Neuron $i$ of the
# layer computes
#
# $$ H_i = \sigma\Big(\sum_{j=1}^{n} I_j\, w_{ji} + b_i\Big) \tag{4} $$
#
# where $w_{ji}$ is the weight of the connection **from input $j$ to neuron $i$**. Collect
# the weights in a matrix $W$ with $n$ rows (one per input) and $m$ columns (one per
# neuron), so that $W_{ji} = w_{ji}$. The sum in eq. 4 is then entry $i$ of the row vector
# $I \cdot W$, and the whole layer is one line:
#
# $$ H = \sigma(I \cdot W + b) \tag{5} $$
#
# with $I$ a row of $n$ values, $W$ of shape $(n, m)$, $b$ a row of $m$ biases and $\sigma$
# applied to each entry.
#
# This is exactly what `ppn.nn.Linear(n, m)` stores and computes: `weight` has shape
# `(in_features, out_features)` $= (n, m)$, so `weight[j, i]` is $w_{ji}$ (counting from
# 0, as Python does), and `forward` is `x @ W + b`, eq. 5 without $\sigma$:
#
# ```{literalinclude} ../ppn/nn.py
# :pyobject: Linear.forward
# ```
#
# (PyTorch's `nn.Linear` stores the transpose, of shape $(m, n)$, and computes
# $x W^\top + b$: the same layer, with the indices of $w$ the other way round.)
#
# Let us check that eq. 4, neuron by neuron with two loops, and eq. 5, one matrix
# product, give the same layer, on the first image with a layer of 32 neurons:

# %%
layer = Linear(784, 32, rng=0)  # W: (784, 32) drawn with a fixed seed, b: zeros
W, b = layer.weight.data, layer.bias.data
I = x[0]  # one image: 784 inputs

H_eq4 = [ppn.sigmoid(sum(float(I[j]) * float(W[j, i]) for j in range(784)) + float(b[i]))
         for i in range(32)]  # fmt: skip
H_eq5 = ppn.sigmoid(layer(I))
print(f"W: {W.shape}, b: {b.shape}, I: {I.shape} -> H: {H_eq5.shape}")
print("eq. 4, first five neurons:", np.round(H_eq4[:5], 4))
print("eq. 5, first five neurons:", np.round(H_eq5.data[:5], 4))

# %%
assert np.allclose(H_eq4, H_eq5.data, atol=1e-5)  # float32 matrix product vs float64 sums

# %% [markdown]
# The matrix form is not only shorter: numpy hands the product to an optimised library,
# and a single call computes all 32 neurons (for a whole batch of images, as we will see,
# in one call too).
#
# ## The multilayer perceptron
#
# A multilayer perceptron chains layers: the outputs of one are the inputs of the next.
# For MNIST, 784 inputs (the pixels), a hidden layer, and 10 outputs, one per class.
# `ppn.nn.MLP([784, 32, 10], activation="sigmoid", rng=0)` builds such a network with a
# hidden layer of 32 sigmoid neurons; the seed makes its random initial weights the same
# on every run.
#
# The biases start at 0 and the weights at random, with a spread chosen so that signals
# neither die out nor blow up from layer to layer. For sigmoid and tanh layers that is
# the **Glorot** (or Xavier) initialisation {cite:p}`glorot2010`, uniform in
# $\pm\sqrt{6 / (n + m)}$ for a layer of $n$ inputs and $m$ neurons
# (`ppn.nn.glorot_uniform`); for ReLU layers, the **He** initialisation {cite:p}`he2015`,
# normal with standard deviation $\sqrt{2 / n}$ (`ppn.nn.he_normal`), which `MLP` picks
# when `activation="relu"`. The weights and biases are the network's **parameters**:

# %%
mlp = MLP([784, 32, 10], activation="sigmoid", rng=0)
print(mlp)
for name, p in mlp.named_parameters():
    print(f"  {name:16} {str(p.shape):10} {p.size:6,} numbers")

# %% [markdown]
# The figures below are drawn from the `MLP` objects themselves by
# `ppn.plots.draw_network`: one circle per neuron, one line per weight $w_{ji}$, red when
# positive and blue when negative, thicker when larger. A small network fits entirely;
# for the MNIST network, only the first and last neurons of wide layers are drawn.

# %% mystnb={"figure": {"caption": "Left (the source's figure 4): a small MLP, 4 inputs, 5 hidden sigmoid neurons, 3 outputs, every weight drawn. Right (the source's figure 5): the MNIST network of this chapter, 784 → 32 → 10; wide layers show their first and last neurons around an ellipsis. Line colour is the sign of the weight (red positive, blue negative), its width its size; the biases are not drawn.", "name": "fig-networks"}}
fig, (ax_small, ax_mnist) = plt.subplots(1, 2, figsize=(11, 4.4), width_ratios=[1, 1.3])
_ = draw_network(MLP([4, 5, 3], activation="sigmoid", rng=0), ax_small,
                 title="a small MLP: every neuron, every weight")  # fmt: skip
_ = draw_network(mlp, ax_mnist, max_nodes=10, title="the MNIST network: 784 → 32 → 10")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The forward pass
#
# Running the network on an input, layer after layer, is the **forward pass**. `MLP`
# applies $\sigma$ after every layer except the last, whose outputs it returns as they
# are: those raw scores are called **logits**, and chapter 7 feeds them to softmax
# cross-entropy. The source's network applies $\sigma$ at the output too (eq. 4 for every
# layer), so that each output is in $(0, 1)$ and can be compared with the one-hot target;
# in ppn that network is `ppn.sigmoid(mlp(x))`.
#
# On the first image, the network answers with 10 numbers:

# %%
output = ppn.sigmoid(mlp(x[0]))
print(f"input {x[0].shape} -> output {output.shape}")
print("output ŷ:", np.round(output.data, 3))
print(f"target y: {y[0].astype(int).tolist()}  (label {labels[0]})")

# %% mystnb={"figure": {"caption": "The untrained network on the first image: its ten outputs are all near 0.5, and the largest one is not the true class (orange). The weights are still random.", "name": "fig-untrained-output"}}
_ = draw_digit_scores(images[0], output, label=labels[0], score_name="output ŷ",
                      title="untrained network: ŷ = σ(mlp(x))")  # fmt: skip
plt.show()

# %% [markdown]
# The outputs are all about one half: with random weights and biases 0, each logit is a
# small random number and $\sigma$ of a small number is near $0.5$. The network has not
# learnt anything yet; that is what training will change.
#
# ### A batch of images at once
#
# Eq. 5 is written for one input row $I$, but nothing stops $I$ from having many rows:
# stack $B$ images as the rows of a matrix of shape $(B, 784)$, and $I \cdot W$ has shape
# $(B, 32)$, one row of hidden values per image; the bias row is added to every row
# (numpy's *broadcasting*). The same code runs a whole batch:

# %%
batch = x[:16]
hidden = ppn.sigmoid(mlp.layers[0](batch))
logits = mlp.layers[1](hidden)
print(f"batch {batch.shape} -> hidden {hidden.shape} -> logits {logits.shape}")

# %%
assert np.allclose(logits.data, mlp(batch).data)  # the layers one by one = the MLP
assert np.allclose(logits.data[3], mlp(x[3]).data, atol=1e-6)  # row 3 = image 3 alone

# %% [markdown]
# ## The cost
#
# How wrong is the network on one image? Compare its output $\hat y$ with the one-hot
# target $y$, output by output, with the squared error of chapter 1. That gives a
# **cost vector** with one entry per output:
#
# $$ C_k = (\hat y_k - y_k)^2, \qquad k = 0, \dots, 9 \tag{6} $$
#
# and the **cost** of the image is their sum, one number:
#
# $$ C = \sum_{k=0}^{9} (\hat y_k - y_k)^2 \tag{7} $$
#
# `ppn.losses.squared_error` computes eq. 6 and `ppn.losses.sum_squared_error` eq. 7:

# %%
cost_vector = losses.squared_error(output, y[0])
cost = losses.sum_squared_error(output, y[0])
print("cost vector (eq. 6):", np.round(cost_vector.data, 3))
print(f"cost (eq. 7): {cost.item():.4f}")

# %%
assert np.isclose(cost.item(), cost_vector.data.sum())
# Every wrong class costs about 0.5² = 0.25 and the true one about (0.5 − 1)² = 0.25:
assert 1.5 < cost.item() < 4.0

# %% [markdown]
# A perfect network would have cost 0; this one pays about $10 \times 0.25 = 2.5$ for
# answering one half everywhere. Training means changing the 25,450 parameters to make
# the cost small, not on one image but on all of them: over a batch we add or average the
# costs of its images. Two variants are used later: `losses.mse`, the **mean** of the
# squared errors (eq. 7 divided by the number of entries, so that its size does not grow
# with the batch), and `losses.softmax_cross_entropy`, which reads the logits directly and
# is what chapter 7 trains with (it punishes a confident wrong answer much more than a
# squared error can, and its gradient does not vanish when $\sigma$ saturates).

# %%
batch_output = ppn.sigmoid(mlp(batch))
print(
    f"sum of squared errors over 16 images: "
    f"{losses.sum_squared_error(batch_output, y[:16]).item():.4f}"
)
print(f"mean squared error:                   {losses.mse(batch_output, y[:16]).item():.4f}")
print(
    f"softmax cross-entropy (on logits):    "
    f"{losses.softmax_cross_entropy(mlp(batch), labels[:16]).item():.4f}"
    f"   (log 10 = {math.log(10):.4f}: a uniform guess)"
)

# %% [markdown]
# ## Looking at more digits
#
# In Jupyter, move the slider to run the untrained network on other images. (The web
# version of the book has no Python behind it and shows a note in the slider's place;
# the grid after it shows eight images at once.)

# %%
# NBVAL_IGNORE_OUTPUT
from ipywidgets import IntSlider, interact


def show_digit(index):
    scores = ppn.sigmoid(mlp(x[index]))
    _ = draw_digit_scores(images[index], scores, label=labels[index], score_name="output ŷ",
                          title=f"cost (eq. 7) = {losses.sum_squared_error(scores, y[index]).item():.3f}")  # fmt: skip
    plt.show()


_ = interact(show_digit, index=IntSlider(min=0, max=99, value=0, description="image"))

# %% mystnb={"figure": {"caption": "Small multiples: the untrained network on the first eight training images. Whatever the digit, the outputs hover around 0.5; the true class (orange) is rarely the highest.", "name": "fig-untrained-grid"}}
fig = digit_scores_grid(images[:8], ppn.sigmoid(mlp(x[:8])).data, labels[:8],
                        score_name="output ŷ", title="the untrained network on eight digits")  # fmt: skip
plt.show()

# %%
predictions = ppn.sigmoid(mlp(x)).data.argmax(axis=1)
accuracy = (predictions == labels).mean()
print(f"untrained accuracy on the 10,000 images: {accuracy:.1%} (guessing: 10%)")

# %%
assert accuracy < 0.2

# %% [markdown]
# No better than guessing, as expected from random weights. The next chapters
# compute how the cost changes with each of the 25,450 parameters (its gradient), and
# chapter 6 uses that to make the cost smaller.
#
# ## Exercises
#
# 1. Count the parameters of `MLP([784, 32, 10])` by hand, layer by layer, and check your
#    count with `mlp.num_parameters()`. How many does `MLP([784, 128, 10])` have? Which
#    layer holds most of them, and why?
# 2. Write eq. 4 for the **output** layer of the MNIST network: which index runs over
#    32 values and which over 10? Check with `mlp.layers[1].weight.shape`, then compute
#    output neuron 3 for the first image with a loop over `hidden` and compare with
#    `mlp(x[0])`.
# 3. The untrained outputs are all near 0.5. Explain why from the initial weights (look at
#    `ppn.nn.glorot_uniform`) and the zero biases. What does the output look like if you
#    set every bias of the last layer to 3? What does that do to the cost (eq. 7)?
# 4. For a network that outputs exactly 0.5 everywhere, compute eq. 7 by hand for any
#    image. Then compute the mean squared error over a batch of 16 images and over 1,000
#    images: why does the mean not grow with the batch while the sum does?
