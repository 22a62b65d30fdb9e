"""Digits: the MNIST data set, what a network makes of it, and handwriting.

Grids of digits (with labels, predictions, confidences), the confusion matrix, class
counts and pixel statistics, the first layer's weights as images, a digit's feature maps
under convolution kernels, elastic distortions, and a drawing's way to the network's
input (``ppn.data.prepare_digit``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

# --- The data set, and what a trained network makes of it -----------------------------------------


def digit_grid(images, labels=None, *, predictions=None, columns: int = 10, title=None) -> Figure:
    """Images (N×28×28 or N×784) in a grid, titled with label (and prediction, red if wrong)."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    rows = -(-len(images) // columns)
    fig = Figure(figsize=(columns * 0.9, rows * 1.05))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for k, ax in enumerate(axes):
        ax.axis("off")
        if k >= len(images):
            continue
        ax.imshow(images[k], cmap="gray_r")
        if predictions is not None:
            wrong = labels is not None and predictions[k] != labels[k]
            text = f"{labels[k]}→{predictions[k]}" if labels is not None else str(predictions[k])
            ax.set_title(text, fontsize=8, color="C3" if wrong else "black")
        elif labels is not None:
            ax.set_title(str(labels[k]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def digit_confidence_grid(images, labels, predictions, confidences, *, columns: int = 8,
                          title: str | None = None) -> Figure:  # fmt: skip
    """``digit_grid`` titled "label→prediction" with the probability the network gave it.

    ``confidences[k]`` is the probability of ``predictions[k]`` (a number in [0, 1]); wrong
    predictions are titled in red.
    """
    count = len(images)
    if not (len(labels) == len(predictions) == len(confidences) == count):
        raise ValueError("images, labels, predictions and confidences must have the same length")
    fig = digit_grid(images, labels, predictions=predictions, columns=columns)
    for ax, confidence in zip(fig.axes[:count], confidences, strict=True):
        text, colour = ax.get_title(), ax.title.get_color()
        ax.set_title(f"{text}\n{100 * confidence:.1f}%", fontsize=8, color=colour)
    fig.set_size_inches(columns * 0.9, -(-count // columns) * 1.25)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, class_names=None, *, title: str = "confusion matrix") -> Figure:
    """M[i, j] = examples of true class i predicted as j, as a heat map with the counts in it."""
    matrix = np.asarray(matrix)
    names = class_names or [str(i) for i in range(len(matrix))]
    fig = Figure(figsize=(5.6, 5))
    ax = fig.subplots()
    image = ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(len(names)), names)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    threshold = image.norm.vmax * 0.6
    for (i, j), count in np.ndenumerate(matrix):
        colour = "white" if np.log1p(count) > threshold else "black"
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7, color=colour)
    fig.tight_layout()
    return fig


def plot_class_counts(labels_by_set, *, num_classes: int = 10, class_names=None,
                      title: str | None = None) -> Figure:  # fmt: skip
    """How many examples of each class each set holds: one group of bars per class.

    ``labels_by_set`` maps a set's name ("training", "test") to its labels; a dashed
    line marks each set's mean count, the height every bar would have if the classes
    were perfectly balanced.
    """
    if not labels_by_set:
        raise ValueError("labels_by_set is empty: give at least one set of labels")
    names = class_names or [str(k) for k in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f"{len(names)} class names for {num_classes} classes")
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    width = 0.8 / len(labels_by_set)
    classes = np.arange(num_classes)
    for k, (name, labels) in enumerate(labels_by_set.items()):
        counts = np.bincount(np.asarray(labels).ravel(), minlength=num_classes)
        if len(counts) > num_classes:
            raise ValueError(f"{name!r} has a label outside 0…{num_classes - 1}")
        offset = (k - (len(labels_by_set) - 1) / 2) * width
        ax.bar(classes + offset, counts, width=width, color=f"C{k}",
               label=f"{name} ({counts.sum():,})")  # fmt: skip
        ax.axhline(counts.mean(), color=f"C{k}", linestyle="--", linewidth=1)
    ax.set_xticks(classes, names)
    ax.set_ylim(0, 1.2 * ax.get_ylim()[1])  # room for the legend above the bars
    ax.set(xlabel="class", ylabel="number of examples", title=title or "examples per class")
    ax.legend(fontsize=8, loc="upper center", ncols=len(labels_by_set))
    fig.tight_layout()
    return fig


def plot_pixel_statistics(images, *, title: str | None = None) -> Figure:
    """The mean image, the standard deviation of each pixel, and the histogram of all pixels.

    ``images`` are N×28×28 (or N×784) grey levels, uint8 0–255 or floats in [0, 1].
    """
    images = np.asarray(images)
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    pixels = images.reshape(len(images), 28, 28).astype(np.float64) / scale
    fig = Figure(figsize=(9, 3))
    mean_ax, std_ax, histogram_ax = fig.subplots(1, 3, width_ratios=[1, 1, 1.5])
    for ax, image, name in ((mean_ax, pixels.mean(axis=0), "mean of each pixel"),
                            (std_ax, pixels.std(axis=0), "standard deviation")):  # fmt: skip
        shown = ax.imshow(image, cmap="gray_r", vmin=0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(name, fontsize=9)
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    histogram_ax.hist(pixels.ravel(), bins=np.linspace(0, 1, 52), color="C0")
    histogram_ax.set_yscale("log")
    histogram_ax.set(xlabel="pixel value (0 = background, 1 = ink)", ylabel="pixels (log scale)")
    histogram_ax.set_title("all pixels", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_first_layer_weights(weights, *, units: int = 16, columns: int = 8,
                             title: str | None = None) -> Figure:  # fmt: skip
    """The weights into each of the first ``units`` hidden neurons, as 28×28 images.

    ``weights`` is the first layer's matrix W of shape (784, hidden) (``model.layers[0].weight``
    or its array): column j holds the weight of every pixel in neuron j's sum.  Red pixels
    push the neuron up when inked, blue ones down; each image has its own symmetric scale.
    """
    weights = np.asarray(getattr(weights, "data", weights))
    if weights.ndim != 2 or weights.shape[0] != 784:
        raise ValueError(
            f"expected first-layer weights of shape (784, hidden), got shape {weights.shape}"
        )
    units = min(units, weights.shape[1])
    rows = -(-units // columns)
    fig = Figure(figsize=(columns * 1.0, rows * 1.1 + 0.4))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for j, ax in enumerate(axes):
        ax.set_axis_off()
        if j >= units:
            continue
        column = weights[:, j].reshape(28, 28)
        limit = float(np.abs(column).max()) or 1.0
        # Nearest: one flat square per pixel, as the network sees it (and a smaller PNG).
        ax.imshow(column, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(f"neuron {j}", fontsize=8)
    fig.suptitle(title or f"weights into the first {units} hidden neurons (red +, blue −)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    return fig


def plot_feature_maps(image, kernels, maps, *, title: str | None = None) -> Figure:
    """A digit (left), and for each kernel K_k its 3×3 weights above its output map Y_k.

    ``maps[k]`` is the convolution of ``image`` with ``kernels[k]``, computed by the
    caller; red is positive, blue negative, each kernel and map on its own symmetric scale.
    """
    image, count = np.asarray(image, dtype=float), len(kernels)
    if len(maps) != count:
        raise ValueError(f"one map per kernel: got {count} kernels and {len(maps)} maps")
    fig = Figure(figsize=(1.9 * (count + 1), 3.6))
    grid = fig.add_gridspec(2, count + 1, height_ratios=(1, 2))
    digit_ax = fig.add_subplot(grid[:, 0])
    digit_ax.imshow(image, cmap="gray_r", interpolation="nearest")
    digit_ax.set_title("the digit X", fontsize=9)
    digit_ax.set_axis_off()
    for k, (kernel, feature_map) in enumerate(zip(kernels, maps, strict=True)):
        for row, (values, name) in enumerate(((kernel, f"kernel K{k + 1}"),
                                              (feature_map, f"map Y{k + 1}"))):  # fmt: skip
            ax = fig.add_subplot(grid[row, k + 1])
            values = np.asarray(values, dtype=float)
            limit = float(np.abs(values).max()) or 1.0
            ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
            ax.set_title(name, fontsize=9)
            ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_elastic_distortions(images, rng, *, alpha: float = 34.0, sigma: float = 4.0,
                             versions: int = 5, title: str | None = None) -> Figure:  # fmt: skip
    """Each digit (a row) as it is, then ``versions`` elastic distortions of it (α, σ)."""
    from ..data import elastic_distortion

    images = np.asarray(images, dtype=np.float32).reshape(len(images), 28, 28)
    if not len(images) or versions < 1:
        raise ValueError(f"need at least one image and one version, got {len(images)}, {versions}")
    distorted = elastic_distortion(np.repeat(images, versions, axis=0), rng, alpha, sigma)
    distorted = distorted.reshape(len(images), versions, 28, 28)
    fig = Figure(figsize=(0.95 * (versions + 1), 1.0 * len(images) + 0.5))
    axes = fig.subplots(len(images), versions + 1, squeeze=False)
    for image, copies, row in zip(images, distorted, axes, strict=True):
        for ax, shown in zip(row, [image, *copies], strict=True):
            ax.imshow(shown, cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_title("as it is", fontsize=8)
    for ax in axes[0, 1:]:
        ax.set_title(f"α {alpha:g}, σ {sigma:g}", fontsize=8)
    fig.suptitle(title or "elastic distortions (Simard et al. 2003)", fontsize=10)
    fig.tight_layout()
    return fig


# --- Your own handwriting: from the pen to the network's input ------------------------------------


def plot_digit_preparation(drawing, digit, *, title: str | None = None) -> Figure:
    """A drawing beside what ``ppn.data.prepare_digit`` made of it.

    Left, the drawing (any size, ink bright or dark) with the bounding box of its ink;
    right, the 28×28 digit: the ink's box, now 20 pixels on its longest side, and its
    centre of mass (a dot) on the centre of the field (the dashed cross).
    """
    drawing = np.asarray(drawing, dtype=np.float64)
    drawing = drawing / 255.0 if drawing.max(initial=0) > 1 else drawing
    if drawing.ndim != 2:
        raise ValueError(f"the drawing must be a grey image (H, W), got shape {drawing.shape}")
    border = np.concatenate([drawing[0], drawing[-1], drawing[:, 0], drawing[:, -1]])
    ink_level = 1.0 - drawing if border.mean() > 0.5 else drawing  # ink bright, as prepared
    digit = np.asarray(digit, dtype=np.float64).reshape(28, 28)
    fig = Figure(figsize=(7.2, 3.4))
    ax_drawing, ax_digit = fig.subplots(1, 2, width_ratios=[1, 1])
    ax_drawing.imshow(ink_level, cmap="gray_r", vmin=0, vmax=1)
    ax_digit.imshow(digit, cmap="gray_r", vmin=0, vmax=1)
    boxes = [(ax_drawing, ink_level > 0.1), (ax_digit, digit > 0)]
    for ax, ink in boxes:
        if ink.any():
            rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
            height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
            ax.add_patch(_rectangle((cols[0] - 0.5, rows[0] - 0.5), width, height))
            ax.text(cols[0] - 0.5, rows[0] - 1, f"ink: {height}×{width} px", color="C1",
                    fontsize=8, va="bottom")  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
    ax_drawing.set_title(f"the drawing, {drawing.shape[0]}×{drawing.shape[1]} pixels", fontsize=9)
    ax_digit.set_title("prepared: 28×28, mass in the centre", fontsize=9)
    ax_digit.axhline(13.5, color="C2", lw=0.8, ls="--")
    ax_digit.axvline(13.5, color="C2", lw=0.8, ls="--")
    if digit.sum() > 0:
        ys, xs = np.indices(digit.shape)
        centre = ((xs * digit).sum() / digit.sum(), (ys * digit).sum() / digit.sum())
        ax_digit.plot(*centre, "o", color="C3", ms=5, label="centre of mass")
        ax_digit.legend(loc="lower right", fontsize=7, framealpha=0.8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _rectangle(corner, width, height):
    from matplotlib.patches import Rectangle

    return Rectangle(corner, width, height, fill=False, edgecolor="C1", lw=1.5)


def plot_digit_variants(variants, prepared=None, *, count: int = 6, title: str | None = None
                        ) -> Figure:  # fmt: skip
    """One row of ``count`` digits per variant (``{name: images}``, e.g.
    ``ppn.handwriting.variants``); with ``prepared`` (same names), each digit is followed
    by what ``prepare_digit`` made of it, on a grey background.
    """
    names = list(variants)
    if not names:
        raise ValueError("no variants to draw")
    per_digit = 1 if prepared is None else 2
    columns = count * per_digit
    fig = Figure(figsize=(0.78 * columns + 1.4, 0.82 * len(names) + 0.5))
    axes = np.atleast_2d(fig.subplots(len(names), columns))
    for row, name in enumerate(names):
        images = np.asarray(variants[name]).reshape(-1, 28, 28)
        for k in range(count):
            pair = [images[k]]
            if prepared is not None:
                pair.append(np.asarray(prepared[name]).reshape(-1, 28, 28)[k])
            for j, image in enumerate(pair):
                ax = axes[row, per_digit * k + j]
                ax.imshow(image, cmap="gray_r")
                ax.set_xticks([])
                ax.set_yticks([])
                for spine in ax.spines.values():
                    spine.set_visible(j == 1)
                    spine.set_color("#999")
                if j == 1:
                    ax.set_facecolor("#eee")
                if row == 0:
                    ax.set_title("prepared" if j else "as drawn", fontsize=7)
        axes[row, 0].set_ylabel(name, fontsize=8, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(pad=0.4, w_pad=0.1, h_pad=0.2)
    return fig


def plot_reading_accuracy(table, *, title: str | None = None) -> Figure:
    """Accuracy per kind of digit: ``table[variant][column]`` (fractions), one bar per column.

    The columns are e.g. "no augmentation, as drawn", …; each variant is a group of bars.
    """
    variants = list(table)
    if not variants:
        raise ValueError("no rows to draw")
    columns = list(table[variants[0]])
    fig = Figure(figsize=(9, 0.18 * len(variants) * len(columns) + 1.8))
    ax = fig.subplots()
    height = 0.8 / len(columns)
    positions = np.arange(len(variants))[::-1]  # the first variant on top
    for j, column in enumerate(columns):
        values = np.array([100 * table[v][column] for v in variants])
        y = positions + 0.4 - height * (j + 0.5)
        ax.barh(y, values, height=height * 0.92, color=f"C{j}", label=column)
        for yy, value in zip(y, values, strict=True):
            ax.text(value + 0.6, yy, f"{value:.1f}", va="center", fontsize=7)
    ax.set_yticks(positions, variants, fontsize=9)
    ax.set_xlim(0, 108)
    ax.set(xlabel="test accuracy (%)", title=title or "accuracy on each kind of digit")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    fig.tight_layout()
    return fig
