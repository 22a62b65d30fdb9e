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
# [Chapter 1](01_linear_regression.ipynb) fitted a line with two parameters. This chapter builds the model the rest
# of the course trains: a **multilayer perceptron** (MLP) with tens of thousands of
# parameters, which reads an image of a handwritten digit and answers with ten numbers,
# one per digit. Here we only *run* it (the forward pass); how to choose its parameters
# is the subject of chapters 3 to 10 (from [forward mode](03_forward_mode.ipynb) to
# [MNIST](10_mnist.ipynb)).
#
# ## The problem: MNIST
#
# MNIST is a collection of handwritten digits, each a $28 \times 28$ grey image whose
# pixels are bytes from 0 (white) to 255 (black), with its label, the digit 0 to 9 that
# the writer meant. The task is **classification**: from the 784 pixels, say which of the
# 10 classes the image belongs to. The collection was assembled by [LeCun et al. (1998)](bibliography.md),
# whose paper also set the benchmark that generations of classifiers have been measured on.
#
# `ppn.data.load_mnist()` reads the four standard files of MNIST: it finds them on your
# machine, or downloads them once and checks them (the course's README says where it
# looks). This course always works on the first 10,000 training images,
# `x_train[:10000]`: a network this size runs quickly on them, and they are the same
# whichever copy of MNIST your machine holds.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import ppn
from ppn import data, losses
from ppn.listing import listing
from ppn.nn import MLP, Linear
from ppn.plots import digit_scores_grid, draw_digit_scores, draw_network, draw_neuron
from ppn.tensor import Tensor

(x_train, y_train), _ = data.load_mnist()
images, labels = x_train[:10000], y_train[:10000]  # the course's training images
print(f"images: {images.shape}, dtype {images.dtype}, "
      f"pixels {images.min()}–{images.max()}")
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
# The idea is older than digital image collections. In 1958 Frank Rosenblatt described the
# **perceptron** ([Rosenblatt, 1958](bibliography.md)), a model of a neuron that learns from examples,
# and his laboratory then built it as a machine, the Mark I Perceptron: a camera of
# $20 \times 20$ photocells as its eye, wired to units that added up their inputs, with
# the weights held by potentiometers that electric motors turned as it learnt to tell
# simple shapes and letters apart. (The source shows a photograph of it, its figure 3.)
# Rosenblatt's neuron answered 1 when its weighted sum passed a threshold and 0
# otherwise; the neurons of this course answer with a smooth function of the sum
# instead, because training needs derivatives, and a step has none worth having.
#
# An artificial neuron takes inputs $x_1, \dots, x_n$, multiplies each by a **weight**
# $w_i$, adds a **bias** $b$, and passes the sum through an **activation function**
# $\sigma$:
#
# $$ f(x) = \sigma\Big(\sum_{i=1}^{n} x_i w_i + b\Big) \tag{3} $$
#
# The weights say how much each input counts and with which sign; the bias shifts the
# threshold. The source writes $\sigma$ for a function with values in $[0, 1]$ without
# naming it; the usual one, and this chapter's, is the **sigmoid**
# $\sigma(z) = 1 / (1 + e^{-z})$,
# which squashes any real number into $(0, 1)$: very negative sums give almost 0 (the
# neuron is "off"), very positive ones almost 1 ("on"). Two other activations appear in
# this course: **tanh**, $\tanh z = (e^{z} - e^{-z}) / (e^{z} + e^{-z})$, an S like the
# sigmoid but between $-1$ and $1$, and **ReLU** (rectified linear unit), $\max(z, 0)$,
# which passes a positive sum unchanged and turns a negative one into 0. `ppn.sigmoid`
# computes the sigmoid on a number, an array or a tensor, without overflow for large $|z|$:

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
# and with ppn's `Tensor`, where the weighted sum is one dot product `x @ w`. A `Tensor`
# holds a numpy array (its `.data`) and supports numpy's operators (`@` for the matrix
# product, `+`, `-`, `*`, `/`, with numpy's broadcasting) and methods named after the
# activations (`t.sigmoid()`, `t.relu()`, `t.tanh()`); `ppn.sigmoid(t)` works too. What
# numpy does not do: a tensor **records** each operation that makes it, so that
# [chapter 4](04_backward_mode.ipynb) to [chapter 6](06_tensor_nodes.ipynb) can compute
# gradients through it.

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
# `ppn.plots.draw_neuron` draws that neuron with its numbers, as the source's figure 4
# draws one: the inputs on the left, a weight on each arrow, the sum and the bias in the
# neuron, and the activation on the way out.

# %% mystnb={"figure": {"caption": "The source's figure 4, with numbers: one neuron with three inputs $x_i$, weights $w_i$ (red positive, blue negative, thicker when larger), bias $b$, weighted sum $z$ and output $f(x) = \\sigma(z)$ (eq. 3), the neuron computed above.", "name": "fig-neuron"}}
fig, ax = plt.subplots(figsize=(6.5, 3.2))
_ = draw_neuron(inputs, weights, bias, ax, title="one neuron: f(x) = σ(Σ xᵢwᵢ + b)")
shown_output = {t.get_gid(): t.get_text() for t in ax.texts}["output"]
assert shown_output.endswith(f"{neuron:.4f}$")  # the figure shows the neuron above
plt.show()

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
# $I W$. Stack the inputs of several images as the rows of a matrix $X$ (one image per
# row; a single image is a matrix of one row, $X = I$): row $k$ of $X W$ is that image's
# row of sums, and the whole layer, for every image at once, is one line:
#
# $$ H = \sigma(X W + b) \tag{5} $$
#
# with $X$ of shape $(B, n)$ for $B$ images, $W$ of shape $(n, m)$ (inputs, outputs), $b$ a
# row of $m$ biases added to every row, and $\sigma$ applied to each entry. $H$ has shape
# $(B, m)$: one row of $m$ hidden values per image. $\sigma$ stands for the layer's
# activation; in this chapter it is the sigmoid.
#
# **A departure from the source.** The source writes eq. 5 the other way round, as
# $H = \sigma(W \cdot I + b)$, with the inputs as a column. Entry $i$ of $W \cdot I$ is
# $\sum_j W_{ij} I_j$, so there $W_{ij}$ must be the weight from input $j$ to neuron $i$,
# while the source's eq. 4 calls that weight $w_{ji}$: its two equations index the same
# weight in opposite orders. Writing $X W$, with the inputs as rows, makes them agree
# ($W_{ji} = w_{ji}$ in both), and it is the layout numpy and ppn use, where a batch of
# inputs is a matrix with one row per image. The whole course writes layers this way.
#
# `ppn.nn.Linear(n, m)` is such a layer without its activation: it stores `weight`, a
# tensor of shape `(in_features, out_features)` $= (n, m)$, so that `weight[j, i]` is
# $w_{ji}$ (counting from 0, as Python does), and `bias`, a tensor of shape $(m,)$ that
# starts at 0. Both are created with `requires_grad=True`: they are the values training
# will change, and any tensor computed from them records how. Calling `layer(x)` runs
# `Linear.forward`, your task 2.1:
#
# * **It receives** `x`, already a `Tensor` (an array you pass in is converted to the
#   layer's dtype, float32 unless you ask for another, and a last axis of the wrong size
#   is refused with a `ValueError`, before your code runs). Its shape is
#   `(in_features,)` for one input row or `(B, in_features)` for a batch.
# * **It returns** the `Tensor` `x @ W + b`: shape `(out_features,)` for one row,
#   `(B, out_features)` for a batch, where row `k` is `x[k] @ W + b`.
# * It must compute with the tensors `self.weight` and `self.bias` themselves, with the
#   operators `@` and `+`, and not with their `.data` arrays: numpy arrays record
#   nothing, and the result would not require gradients, so no gradient could ever reach
#   the weights. (`ppn.tensor.linear(x, W, b)`, which `ppn/nn.py` imports, computes the
#   same `x @ W + b` as a single recorded operation; either is right.)
#
# The checks give the layer random biases (so that a forgotten `+ b` shows), compare
# one row and a batch of five rows with numpy's `x @ W + b`, and check that the result
# requires gradients.
#
# ```{admonition} Task 2.1: one layer, x @ W + b
# :class: tip
# **Write** the body of `Linear.forward` in `ppn/nn.py` (between `# task 2.1: begin` and
# `# task 2.1: end`). **It receives** `x`, a `Tensor` of shape `(in_features,)` or
# `(B, in_features)`; **it returns** the `Tensor` `x @ W + b` of shape `(out_features,)`
# or `(B, out_features)`, computed with the tensors `self.weight` and `self.bias` so that
# it is recorded. **Check** with `ppn.tasks.check("2.1")` in this notebook, or
# `pytest tests/tasks -k TestTask2_1`.
# ```
#
# As ppn writes it (the listing is read from the `ppn` you run: in the student edition,
# your code, or the stub until you write it):

# %% tags=["remove-input"]
listing(Linear.forward)

# %% [markdown]
# (PyTorch's `nn.Linear` stores the transpose, of shape $(m, n)$, and computes
# $x W^\top + b$: the same layer, with the indices of $w$ the other way round.)
#
# ## Where the weights start: Glorot and He
#
# Before a layer can compute anything, its weights need values. The biases start at 0.
# The weights cannot all start equal: every neuron of the layer would then compute the
# same thing and receive the same correction, forever. So they are drawn at random, and
# the question is how large. Take one neuron, $z = \sum_{j=1}^{n} I_j w_{ji}$, with
# independent weights of mean 0 and variance $\operatorname{Var} W$. The $n$ terms add up
# their variances:
#
# $$ \operatorname{Var} z = n \, \operatorname{Var} W \; \overline{I^2} $$
#
# where $\overline{I^2}$ is the mean square of the inputs. If
# $n \operatorname{Var} W$ is well above 1, the sums grow from layer to layer and the
# sigmoid saturates; well below 1, they shrink towards 0 and every layer passes on less.
# $\operatorname{Var} W = 1/n$ keeps the scale. The same argument for the gradients,
# which travel backwards through the $m$ outputs (chapter 4), asks for $1/m$.
# **Glorot** (or Xavier) initialisation ([Glorot and Bengio, 2010](bibliography.md))
# takes the compromise $\operatorname{Var} W = 2 / (n + m)$, and draws uniformly: a
# uniform distribution on $[-a, a]$ has variance $a^2/3$, so
#
# $$ W_{ji} \sim U(-a, a), \qquad a = \sqrt{\frac{6}{n + m}} . $$
#
# It suits the sigmoid and tanh, which are close to linear near 0. ReLU,
# $\max(z, 0)$, sets about half of the sums to 0, which halves the mean square it passes
# on; **He** initialisation ([He et al., 2015](bibliography.md)) doubles the variance to
# make up for it, and draws from a normal distribution:
#
# $$ W_{ji} \sim \mathcal{N}\Big(0, \frac{2}{n}\Big), \quad
#    \text{standard deviation } \sqrt{2/n} . $$
#
# `MLP` (below) picks He when `activation="relu"` and Glorot otherwise. The two
# functions are your task 2.3:
#
# * **They receive** `fan_in` ($n$, the layer's inputs), `fan_out` ($m$, its outputs), a
#   seeded `numpy.random.Generator` `rng`, and a `dtype` (float32 by default).
# * **They return** a numpy array of shape `(fan_in, fan_out)`, the layer's $W$, in that
#   dtype.
# * They draw from the `rng` they are given, so that one seed gives one network:
#   `rng.uniform(-a, a, size=(fan_in, fan_out))` for Glorot, and
#   `std * rng.standard_normal(size=(fan_in, fan_out))` for He, in float64, then cast
#   with `.astype(dtype)` (drawn in float64 whatever the dtype, a seed gives the same
#   weights in float32 and float64). With exactly these draws, your network's numbers
#   are the ones printed in this chapter.
#
# The checks draw $300 \times 200$ Glorot weights (all within $\pm a$, filling the interval,
# variance $2/500$ within 5 %) and $400 \times 300$ He weights (mean 0, standard deviation
# $\sqrt{2/400}$ within 2 %, and tails beyond $3.5$ standard deviations, which a
# uniform draw has not), and check that the same seed gives the same weights and another
# seed others.
#
# ```{admonition} Task 2.3: Glorot and He initialisation
# :class: tip
# **Write** the bodies of `glorot_uniform` and `he_normal` in `ppn/nn.py` (between
# `# task 2.3: begin` and `# task 2.3: end`). **They receive** `fan_in`, `fan_out`, `rng`
# and `dtype`; **they return** an array of shape `(fan_in, fan_out)` in that dtype, drawn
# from `rng`: uniform in $\pm\sqrt{6/(\text{fan\_in} + \text{fan\_out})}$, and normal with
# standard deviation $\sqrt{2/\text{fan\_in}}$. **Check** with `ppn.tasks.check("2.3")` in
# this notebook, or `pytest tests/tasks -k TestTask2_3`.
# ```
#
# With both tasks written, let us check that eq. 4, neuron by neuron with two loops, and
# eq. 5, one matrix product, give the same layer, on the first image with a layer of 32
# sigmoid neurons:

# %%
layer = Linear(784, 32, rng=0)  # W: (784, 32), Glorot, from the seed 0; b: zeros
W, b = layer.weight.data, layer.bias.data
I = x[0]  # one image: 784 inputs

H_eq4 = [ppn.sigmoid(sum(float(I[j]) * float(W[j, i]) for j in range(784))
                     + float(b[i])) for i in range(32)]  # fmt: skip
H_eq5 = ppn.sigmoid(layer(I))
print(f"W: {W.shape}, b: {b.shape}, I: {I.shape} -> H: {H_eq5.shape}")
print("eq. 4, first five neurons:", np.round(H_eq4[:5], 4))
print("eq. 5, first five neurons:", np.round(H_eq5.data[:5], 4))
print(f"Glorot bound a = {math.sqrt(6 / (784 + 32)):.4f}; "
      f"weights from {W.min():.4f} to {W.max():.4f}")

# %%
assert np.allclose(H_eq4, H_eq5.data, atol=1e-5)  # float32 product vs float64 sums
assert np.abs(W).max() <= math.sqrt(6 / (784 + 32))

# %% [markdown]
# The matrix form is not only shorter: numpy hands the product to an optimised library,
# and a single call computes all 32 neurons (for a whole batch of images, as we will see,
# in one call too).
#
# Why the spread of the weights matters, seen on five layers of 256 tanh neurons. We
# push 1,000 images through them with three kinds of weights and print, after each
# layer, the standard deviation of its values and the share of them that are
# **saturated**, $|\tanh z| > 0.99$, where the curve is flat and passes on almost no
# change:

# %%
from ppn.nn import glorot_uniform

rng = np.random.default_rng(0)
draws = {
    "N(0, 1)": lambda n, m: rng.normal(0.0, 1.0, size=(n, m)),
    "Glorot": lambda n, m: glorot_uniform(n, m, rng, dtype=np.float64),
    "N(0, 0.01²)": lambda n, m: rng.normal(0.0, 0.01, size=(n, m)),
}
spread, saturated = {}, {}
for name, draw in draws.items():
    h = x[:1000].astype(np.float64)
    spread[name], saturated[name] = [], []
    for n, m in [(784, 256)] + [(256, 256)] * 4:
        h = np.tanh(h @ draw(n, m))
        spread[name].append(h.std())
        saturated[name].append(np.mean(np.abs(h) > 0.99))
    print(f"{name:12} spread by layer: {np.round(spread[name], 3)}, "
          f"saturated in the last: {saturated[name][-1]:.0%}")

# %%
assert saturated["N(0, 1)"][-1] > 0.8  # almost all saturated
assert spread["N(0, 0.01²)"][2] < 0.01  # faded by the third layer
assert min(spread["Glorot"]) > 0.2 and max(saturated["Glorot"]) < 0.01

# %% [markdown]
# Weights of variance 1 make every sum huge: most values sit on the flat ends of tanh,
# where a small change of a weight changes nothing, and training stalls. Weights a
# hundred times smaller shrink the signal by a large factor per layer, and after three
# layers nothing of the image is left. Glorot's weights keep a spread between about 0.25
# and 0.35 and nothing saturated, layer after layer.
#
# ## The multilayer perceptron
#
# A multilayer perceptron chains layers: the outputs of one are the inputs of the next.
# For MNIST, 784 inputs (the pixels), a hidden layer, and 10 outputs, one per class.
# As the source notes, the layers usually get smaller from the input to the output:
# each one summarises what it reads in fewer numbers, from 784 pixels to a few dozen
# hidden features to 10 scores. That is a habit of design, not a law (a hidden layer may
# be wider than its input), but every network this course trains follows it.
# `ppn.nn.MLP([784, 32, 10], activation="sigmoid", rng=0)` builds such a network with a
# hidden layer of 32 sigmoid neurons: a list `mlp.layers` of two `Linear` layers, 784 → 32
# and 32 → 10, whose weights are drawn one layer after the other from one generator.
# The seed makes its random initial weights, Glorot's for sigmoid layers, the same on
# every run. The weights and biases are the network's **parameters**:

# %%
mlp = MLP([784, 32, 10], activation="sigmoid", rng=0)
# the layers get smaller and smaller:
assert all(n > m for n, m in zip(mlp.sizes[:-1], mlp.sizes[1:], strict=True))
print(mlp)
for name, p in mlp.named_parameters():
    print(f"  {name:16} {str(p.shape):10} {p.size:6,} numbers")

# %% [markdown]
# The figures below are drawn from the `MLP` objects themselves by
# `ppn.plots.draw_network`: one circle per neuron, one line per weight $w_{ji}$, red when
# positive and blue when negative, thicker when larger. A small network fits entirely;
# for the MNIST network, only the first and last neurons of wide layers are drawn.

# %% mystnb={"figure": {"caption": "Left: a small MLP, 4 inputs, 5 hidden sigmoid neurons, 3 outputs, every weight drawn. Right (the source's figure 5): the MNIST network of this chapter, 784 → 32 → 10; wide layers show their first and last neurons around an ellipsis. Line colour is the sign of the weight (red positive, blue negative), its width its size; the biases are not drawn.", "name": "fig-networks"}}
fig, (ax_small, ax_mnist) = plt.subplots(1, 2, figsize=(11, 4.4), width_ratios=[1, 1.3])
_ = draw_network(MLP([4, 5, 3], activation="sigmoid", rng=0), ax_small,
                 title="a small MLP: every neuron, every weight")  # fmt: skip
_ = draw_network(mlp, ax_mnist, max_nodes=10, title="the MNIST network: 784 → 32 → 10")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The forward pass
#
# Running the network on an input, layer after layer, is the **forward pass**. For the
# network of this chapter, with $X$ the input rows (one image per row, as in eq. 5):
#
# $$ H = \sigma(X W_0 + b_0), \qquad \text{logits} = H W_1 + b_1 , $$
#
# with $\sigma$ the sigmoid. `MLP` applies its activation after every layer except the
# last, whose outputs it returns as they are: those raw scores are called **logits**, and
# [chapter 7](07_softmax_cross_entropy.ipynb) feeds them to softmax cross-entropy. The
# source's network applies $\sigma$ at the output too (eq. 4 for every layer), so that
# each output is in $(0, 1)$ and can be compared with the one-hot target; in ppn that
# network is `ppn.sigmoid(mlp(x))`.
#
# Calling `mlp(x)` runs `MLP.forward`, your task 2.2:
#
# * **It receives** `x`, already a `Tensor` whose last axis has `sizes[0]` entries (an
#   array is converted, and a wrong size refused, before your code runs): one input row or
#   a batch of rows.
# * It applies the layers of `self.layers` in order, each by calling it, `layer(h)`
#   (your task 2.1), and after every layer but the last the activation named by
#   `self.activation`: `"sigmoid"`, `"relu"` or `"tanh"`. The tensor method of the same
#   name applies it, and `getattr(h, self.activation)()` finds that method from the name.
# * **It returns** the last layer's output, the logits, with no activation after it: a
#   `Tensor` of shape `(sizes[-1],)` for one row or `(B, sizes[-1])` for a batch.
# * Like task 2.1, it computes with tensors, so that the logits are recorded.
#
# The checks compare a 4 → 5 → 3 sigmoid network with $\sigma(X W_0 + b_0) W_1 + b_1$
# written with numpy (and fail with a message if $\sigma$ is applied to the logits too), a
# 3 → 6 → 5 → 2 ReLU network on a batch of 7 rows, and check that the logits require
# gradients.
#
# ```{admonition} Task 2.2: the MLP's forward pass
# :class: tip
# **Write** the body of `MLP.forward` in `ppn/nn.py` (between `# task 2.2: begin` and
# `# task 2.2: end`). **It receives** `x`, a `Tensor` of one input row or a batch of rows;
# **it returns** the logits, a `Tensor`: every layer of `self.layers` in order, with the
# activation `self.activation` after each one but the last. **Check** with
# `ppn.tasks.check("2.2")` in this notebook, or `pytest tests/tasks -k TestTask2_2`.
# ```
#
# As ppn writes it (in the student edition: your code, or the stub until you write it).
# Any correct body applies the layers in order with the activation between them; the
# reference body, which the book shows, happens to call `linear(h, W, b)`, the single
# operation that task 2.1 mentions, rather than `layer(h)`, because `forward` has checked
# the input once already, and `h._unary(name)`, the method behind `.sigmoid()` and its
# siblings:

# %% tags=["remove-input"]
listing(MLP.forward)

# %% [markdown]
# On the first image, the network answers with 10 numbers:

# %%
output = ppn.sigmoid(mlp(x[0]))
print(f"input {x[0].shape} -> output {output.shape}")
print("output ŷ:", np.round(output.data, 3))
print(f"target y: {y[0].astype(int).tolist()}  (label {labels[0]})")
print(f"the outputs lie between {output.data.min():.2f} and {output.data.max():.2f}; "
      f"the largest is for class {output.data.argmax()}, the label is {labels[0]}")
assert output.data.argmax() != labels[0]  # the caption below says so
assert np.all(np.abs(output.data - 0.5) < 0.15)  # "within 0.15 of one half", below

# %% mystnb={"figure": {"caption": "The untrained network on the first image: its ten outputs are all near 0.5, and the largest one is not the true class (orange). The weights are still random.", "name": "fig-untrained-output"}}
_ = draw_digit_scores(images[0], output, label=labels[0], score_name="output ŷ",
                      title="untrained network: ŷ = σ(mlp(x))")  # fmt: skip
plt.show()

# %% [markdown]
# The outputs are all within 0.15 of one half: with random weights and biases 0, each logit is a
# small random number and $\sigma$ of a small number is near $0.5$. The network has not
# learnt anything yet; that is what training will change.
#
# ### A batch of images at once
#
# Eq. 5 computes a whole batch in one matrix product: stack $B$ images as the rows of
# $X$, of shape $(B, 784)$, and $X W_0$ has shape $(B, 32)$, one row of hidden values per
# image; the bias row is added to every row (numpy's *broadcasting*). The same code runs
# a batch of 16 images:

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
# target $y$, output by output, with the squared error of [chapter 1](01_linear_regression.ipynb).
# (The source uses other letters: it compares the network's output $y^{\text{pred}}$
# with "the optimal solution $\hat y$", the target, and writes
# $(\hat y_i - y_i^{\text{pred}})^2$; beside its figure 2 the one-hot vector of a 0 is
# labelled $y^{\text{pred}}$ too, as the output a perfect network would give. This book
# follows the more common convention, $\hat y$ for the prediction (what `Line.predict`
# returned in chapter 1) and $y$ for the target; the squared difference is the same either
# way.) That gives a **cost vector** with one entry per output:
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
assert 2.5 < cost.item() < 3.0
assert f"{cost.item():.2f}" == "2.80"  # the prose quotes 2.80

# %% [markdown]
# A perfect network would have cost 0; this one pays 2.80. Answering exactly one half
# everywhere would cost $10 \times 0.25 = 2.5$; the outputs stray from one half a little,
# most of all the 0.65 for class 0, and the cost rises with them. Training means changing the 25,450 parameters to make
# the cost small, not on one image but on all of them: over a batch we add or average the
# costs of its images. Two variants are used later: `losses.mse`, the **mean** of the
# squared errors (eq. 7 divided by the number of entries, so that its size does not grow
# with the batch), and `losses.softmax_cross_entropy`, which reads the logits directly and
# is what [chapter 7](07_softmax_cross_entropy.ipynb) introduces (it punishes a confident wrong answer much more than a
# squared error can, and its gradient does not vanish when $\sigma$ saturates).

# %%
batch_output = ppn.sigmoid(mlp(batch))
print(f"sum of squared errors over 16 images: "
      f"{losses.sum_squared_error(batch_output, y[:16]).item():.4f}")
print(f"mean squared error:                   "
      f"{losses.mse(batch_output, y[:16]).item():.4f}")

# %% [markdown]
# ## Looking at more digits
#
# In Jupyter, move the slider to run the untrained network on other images. (The web
# version of the book has no Python behind it and shows a note in the slider's place;
# the grid after it shows eight images at once.)

# %% tags=["nbval-ignore-output"]
from ipywidgets import IntSlider, interact


def show_digit(index):
    scores = ppn.sigmoid(mlp(x[index]))
    cost_here = losses.sum_squared_error(scores, y[index]).item()
    _ = draw_digit_scores(images[index], scores, label=labels[index],
                          score_name="output ŷ",
                          title=f"cost (eq. 7) = {cost_here:.3f}")
    plt.show()


_ = interact(show_digit, index=IntSlider(min=0, max=99, value=0, description="image"))

# %% mystnb={"figure": {"caption": "Small multiples: the untrained network on the first eight training images. Whatever the digit, the outputs hover around 0.5; the true class (orange) is rarely the highest.", "name": "fig-untrained-grid"}}
grid_scores = ppn.sigmoid(mlp(x[:8])).data
fig = digit_scores_grid(images[:8], grid_scores, labels[:8],
                        score_name="output ŷ",
                        title="the untrained network on eight digits")
plt.show()
# The caption's claims: every output near 0.5, the true class rarely the highest.
assert np.all(np.abs(grid_scores - 0.5) < 0.25)
assert (grid_scores.argmax(axis=1) == labels[:8]).sum() <= 2

# %%
predictions = ppn.sigmoid(mlp(x)).data.argmax(axis=1)
accuracy = (predictions == labels).mean()
print(f"untrained accuracy on the 10,000 images: {accuracy:.1%} (guessing: 10%)")

# %%
assert accuracy < 0.2

# %% [markdown]
# No better than guessing, as expected from random weights. The next chapters
# compute how the cost changes with each of the 25,450 parameters (its gradient), and
# [chapter 8](08_gradient_descent.ipynb) uses that to make the cost smaller.

# %% [markdown]
# ## Summary
#
# * A neuron computes $\sigma(\sum_i x_i w_i + b)$ (eq. 3); a layer of neurons is one matrix
#   product, $H = \sigma(X W + b)$ (eq. 5), with the inputs $X$ as rows (one image per
#   row) and $W$ of shape (inputs, outputs).
# * A `Tensor` computes like a numpy array and records each operation; layers compute
#   with their weight tensors so that gradients can later reach them.
# * An MLP chains layers with its activation (here the sigmoid $\sigma$) between them;
#   `ppn.nn.MLP` returns the last layer's logits, and `ppn.sigmoid(mlp(x))` is the
#   source's network.
# * The weights start random, Glorot $U(\pm\sqrt{6/(n + m)})$ for sigmoid and tanh, He
#   $\mathcal{N}(0, 2/n)$ for ReLU, and the biases at 0: untrained, the network does no
#   better than guessing.
# * The cost compares the output with the one-hot target, entry by entry (eq. 6) and summed
#   (eq. 7); a mean over the batch does not grow with its size.
#
# **Your tasks**, in the student edition of the course, where these bodies are left
# for you to write:
#
# * 2.1: one layer, x @ W + b (eq. 5) (`ppn/nn.py`: `Linear.forward`)
# * 2.2: the MLP's forward pass: σ between the layers, logits out (`ppn/nn.py`: `MLP.forward`)
# * 2.3: Glorot and He initialisation (`ppn/nn.py`: `glorot_uniform`, `he_normal`)
#
# Check them with `pytest tests/tasks -k TestTask2_`, or here with
# `import ppn.tasks` and `ppn.tasks.check("2.1")`.

# %% [markdown]
# ## Exercises
#
# In the book, a worked solution follows each exercise, folded away: try first, then
# open it. The solutions are code that runs with the chapter and checks its own answer
# (the student edition of the notebooks leaves them out).
#
# ```{exercise} Counting parameters (★, 10 min)
# :label: ex-mlp-count
#
# Count the parameters of `MLP([784, 32, 10])` by hand, layer by layer, and check your
# count with `mlp.num_parameters()`. How many does `MLP([784, 128, 10])` have? Which layer
# holds most of them, and why?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mlp-count
# :label: ex-mlp-count-solution
# :class: dropdown
# ```
#
# A layer from $n$ inputs to $m$ neurons has an $n \times m$ weight matrix and $m$ biases,
# $n m + m$ parameters. For 784 → 32 → 10 that is $784 \cdot 32 + 32 = 25{,}120$ in the
# first layer and $32 \cdot 10 + 10 = 330$ in the second, 25,450 in all; for
# 784 → 128 → 10, $100{,}480 + 1{,}290 = 101{,}770$. The first layer holds almost all of
# them (nearly 99 %) because every one of its neurons has a weight for each of the 784 pixels,
# while an output neuron reads only the hidden layer.

# %% tags=["solution"]
def count_by_hand(sizes):
    """n·m weights + m biases for each layer n → m."""
    return [n * m + m for n, m in zip(sizes[:-1], sizes[1:], strict=True)]


for sizes in ([784, 32, 10], [784, 128, 10]):
    per_layer = count_by_hand(sizes)
    library = MLP(sizes, rng=0).num_parameters()
    print(f"{sizes}: {per_layer} -> {sum(per_layer):,} (num_parameters: {library:,}); "
          f"first layer {per_layer[0] / sum(per_layer):.1%}")
    assert sum(per_layer) == library
    assert per_layer[0] / sum(per_layer) > 0.98

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Eq. 4 for the output layer (★, 15 min)
# :label: ex-mlp-output-layer
#
# Write eq. 4 for the **output** layer of the MNIST network (without $\sigma$, since `MLP`
# returns logits): which index runs over 32 values and which over 10? Check the shape of
# `mlp.layers[1].weight`, then compute output 3 for the first image with a loop over the
# 32 hidden values and compare it with `mlp(x[0])`.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mlp-output-layer
# :label: ex-mlp-output-layer-solution
# :class: dropdown
# ```
#
# With the hidden values $H_1, \dots, H_{32}$ as inputs, logit $k$ is
# $\sum_{j=1}^{32} H_j\, w_{jk} + b_k$: the sum runs over $j$, the 32 hidden neurons, and
# $k$ runs over the 10 outputs. So the weight matrix has shape $(32, 10)$, one row per
# hidden neuron.

# %% tags=["solution"]
W1, b1 = mlp.layers[1].weight.data, mlp.layers[1].bias.data
H = ppn.sigmoid(mlp.layers[0](x[0])).data  # the 32 hidden values of the first image
k = 3
logit_by_loop = sum(float(H[j]) * float(W1[j, k]) for j in range(32)) + float(b1[k])
print(f"weight of the output layer: {W1.shape}")
print(f"logit {k} by the loop: {logit_by_loop:.5f},  "
      f"mlp(x[0])[{k}]: {mlp(x[0]).data[k]:.5f}")
assert W1.shape == (32, 10)
# float32 against float64:
assert math.isclose(logit_by_loop, float(mlp(x[0]).data[k]), abs_tol=1e-5)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} Why one half, and what a bias does (★★, 15 min)
# :label: ex-mlp-bias
#
# The untrained outputs are all near 0.5. Explain why from the initial weights (look at
# `ppn.nn.glorot_uniform`) and the zero biases. Then set every bias of the last layer to 3
# (on a copy of the network): what do the outputs look like, and what does that do to the
# cost (eq. 7) of the first image?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mlp-bias
# :label: ex-mlp-bias-solution
# :class: dropdown
# ```
#
# The output layer's weights are uniform in $\pm\sqrt{6/(32 + 10)} \approx \pm 0.38$,
# positive and negative alike, and its biases are 0. A logit sums 32 such weights times
# hidden values near 0.5: the terms largely cancel, and the logits stay within about
# $\pm 1$, where $\sigma$ is between 0.27 and 0.73. With every output bias at 3, each logit
# is shifted by 3 and every output is about $\sigma(3) \approx 0.95$: the network says
# "yes" to all ten classes. The cost jumps from about 2.8 to about 8: the nine wrong
# classes each cost about $0.95^2 \approx 0.9$, and the right one almost nothing.

# %% tags=["solution"]
# the same weights as mlp (the same seed):
biased = MLP([784, 32, 10], activation="sigmoid", rng=0)
biased.layers[1].bias.data[:] = 3.0
biased_output = ppn.sigmoid(biased(x[0]))
logits_1000 = mlp(x[:1000]).data
print(f"logits of the untrained network on 1,000 images: "
      f"{logits_1000.min():.2f} to {logits_1000.max():.2f}")
print("outputs with biases 3:", np.round(biased_output.data, 2))
cost_0 = losses.sum_squared_error(output, y[0]).item()
cost_3 = losses.sum_squared_error(biased_output, y[0]).item()
print(f"cost (eq. 7): {cost_0:.2f} with biases 0, {cost_3:.2f} with biases 3")
assert np.abs(logits_1000).max() < 1.0
assert np.all(biased_output.data > 0.9)
assert cost_3 > 2.5 * cost_0

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A sum grows, a mean does not (★, 10 min)
# :label: ex-mlp-mean-cost
#
# For a network that outputs exactly 0.5 everywhere, compute eq. 7 by hand for any image.
# Then compute, with `losses.sum_squared_error` and `losses.mse`, the cost of such outputs
# over a batch of 16 images and over 1,000 images: why does the mean not grow with the
# batch while the sum does?
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mlp-mean-cost
# :label: ex-mlp-mean-cost-solution
# :class: dropdown
# ```
#
# Nine wrong classes cost $(0.5 - 0)^2 = 0.25$ each and the right one $(0.5 - 1)^2 = 0.25$:
# $C = 10 \times 0.25 = 2.5$ for every image. Over a batch the sum adds one 2.5 per image
# ($40$ for 16 images, $2{,}500$ for 1,000), while the mean divides by the number of
# entries ($10 B$) and stays at $0.25$. That is why training averages: with a sum, the
# gradient, and so the right learning rate, would change with the batch size
# ([chapter 8](08_gradient_descent.ipynb) shows it with the source's Algorithm 3).

# %% tags=["solution"]
for size in (16, 1000):
    halves = Tensor(np.full((size, 10), 0.5))
    total = losses.sum_squared_error(halves, y[:size]).item()
    mean = losses.mse(halves, y[:size]).item()
    print(f"{size:5} images: sum {total:8.1f},  mean {mean:.3f}")
    assert math.isclose(total, 2.5 * size) and math.isclose(mean, 0.25)

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} The derivative of the sigmoid (★★, 15 min)
# :label: ex-mlp-sigmoid-derivative
#
# Differentiate $\sigma(z) = 1 / (1 + e^{-z})$ by hand and show that
# $\sigma'(z) = \sigma(z)\,(1 - \sigma(z))$, the form in ppn's derivative table
# (`ppn.elementary.UNARY["sigmoid"]`, [chapter 3](03_forward_mode.ipynb)). Where is $\sigma'$ largest, and how
# large? Check your formula against the central difference
# $(\sigma(z + \delta) - \sigma(z - \delta)) / 2\delta$ on a grid of $z$.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mlp-sigmoid-derivative
# :label: ex-mlp-sigmoid-derivative-solution
# :class: dropdown
# ```
#
# By the chain rule, $\sigma'(z) = -(1 + e^{-z})^{-2} \cdot (-e^{-z})
# = \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}$, and
# $\frac{e^{-z}}{1 + e^{-z}} = 1 - \frac{1}{1 + e^{-z}} = 1 - \sigma(z)$. The product
# $s(1 - s)$ of two numbers that add up to 1 is largest when both are $\frac12$: at $z = 0$,
# where $\sigma'(0) = \frac14$. Away from 0 it falls fast ($\sigma'(8) \approx 3 \times 10^{-4}$):
# a saturated neuron barely passes on a change, which
# [chapter 7](07_softmax_cross_entropy.ipynb) measures on one neuron.

# %% tags=["solution"]
zs = np.linspace(-8, 8, 33)
by_hand = ppn.sigmoid(zs) * (1 - ppn.sigmoid(zs))
delta = 1e-6
central = (ppn.sigmoid(zs + delta) - ppn.sigmoid(zs - delta)) / (2 * delta)
row = ppn.elementary.UNARY["sigmoid"]  # chapter 3 explains this table:
# a row's derivative takes the input z and the output σ(z)
table = [row.derivative(z, row.value(z)) for z in zs.tolist()]
print(f"largest σ'(z): {by_hand.max()} at z = {zs[by_hand.argmax()]}")
print("σ(z)(1 − σ(z)) = central difference (within 1e-9) = ppn's table, "
      "at 33 points in [−8, 8]")
assert np.allclose(by_hand, central, atol=1e-9)
assert np.allclose(by_hand, table, rtol=1e-12)
assert by_hand.max() == 0.25 and zs[by_hand.argmax()] == 0.0

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```

# %% [markdown]
# ```{exercise} A new activation: leaky ReLU (★★★, 25 min)
# :label: ex-mlp-leaky-relu
#
# `MLP` knows three activations (`ppn.nn.ACTIVATIONS`). Extend it without touching the
# library: write a subclass `LeakyReluMLP(MLP)` whose hidden layers apply the **leaky
# ReLU** $\max(z, \alpha z)$ with $\alpha = 0.01$, built from `Tensor` operations (hint:
# for $\alpha < 1$, $\max(z, \alpha z) = \operatorname{relu}(z) - \alpha\,\operatorname{relu}(-z)$).
# Check its forward pass against eq. 5 written with numpy, on a batch of images.
# ```

# %% [markdown] tags=["solution"]
# ```{solution-start} ex-mlp-leaky-relu
# :label: ex-mlp-leaky-relu-solution
# :class: dropdown
# ```
#
# The subclass keeps `MLP`'s layers, parameters and He initialisation (it passes
# `activation="relu"` to the parent) and overrides only `forward`. Because the activation
# is made of `Tensor` operations (`relu`, `-`, `*`), the gradients that chapters 4 to 6
# compute flow through it with no new rule. Unlike ReLU, a neuron whose sum is
# negative still passes $\alpha$ times it on, so it never becomes completely silent.

# %% tags=["solution"]
class LeakyReluMLP(MLP):
    """An MLP with leaky ReLU max(z, αz) between its layers."""

    def __init__(self, sizes, slope=0.01, rng=None):
        # He initialisation, as for ReLU:
        super().__init__(sizes, activation="relu", rng=rng)
        self.slope = slope

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=self.dtype))
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = x.relu() - self.slope * (-x).relu()  # max(z, αz) for α < 1
        return x


leaky = LeakyReluMLP([784, 32, 10], rng=0)
W0, b0 = leaky.layers[0].weight.data, leaky.layers[0].bias.data
W1, b1 = leaky.layers[1].weight.data, leaky.layers[1].bias.data
z = x[:16] @ W0 + b0
# eq. 5, leaky ReLU, then the output layer:
with_numpy = np.maximum(z, 0.01 * z) @ W1 + b1
print(f"logits {leaky(x[:16]).shape}; hidden sums below zero: {np.mean(z < 0):.0%}")
assert np.allclose(leaky(x[:16]).data, with_numpy, atol=1e-5)
assert np.any(z < 0)  # the leaky part is exercised

# %% [markdown] tags=["solution"]
# ```{solution-end}
# ```
