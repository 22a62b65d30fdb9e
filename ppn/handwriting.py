"""Your own handwriting: a drawing pad whose strokes a trained MLP reads, and the numpy behind it.

Between the pen and the answer: the strokes are drawn as thick round-capped lines
into a grey image (``Drawing``), ``ppn.data.prepare_digit`` turns that image into a
28×28 digit the way MNIST's were made (bounding box, scaled to 20×20, centre of mass
in the middle), and the network's 10 logits become probabilities by a softmax
(``read_digit``).  ``digit_pad`` wires this to an ipycanvas widget for Jupyter; the
rest of the module needs no widget library, so that tests and scripts import it anywhere.

The variants of a digit that a reader's drawing may be (moved, smaller, larger,
thicker, thinner: ``variants``) and ``accuracy`` measure how much each step helps;
``train_digit_reader`` trains the small network that both the Jupyter pad and the
HTML book's pad use.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import data, optim, train
from .nn import MLP
from .tensor import Tensor

__all__ = [
    "DigitPad",
    "Drawing",
    "Reading",
    "accuracy",
    "dilate",
    "digit_pad",
    "erode",
    "prepare_digits",
    "read_digit",
    "rescale",
    "softmax",
    "strokes_from_image",
    "train_digit_reader",
    "variants",
]


def softmax(logits: np.ndarray) -> np.ndarray:
    """pₖ = exp(zₖ − max z) / Σⱼ exp(zⱼ − max z) along the last axis, in float64."""
    return Tensor(np.asarray(logits, dtype=np.float64)).softmax(axis=-1).data


class Reading(NamedTuple):
    """What the network reads in a drawing: the prepared 28×28 digit and 10 probabilities."""

    digit: np.ndarray
    probabilities: np.ndarray

    @property
    def label(self) -> int:
        """The most probable digit."""
        return int(self.probabilities.argmax())


def read_digit(model, image) -> Reading:
    """prepare_digit(image), then softmax(model(digit)); a blank image raises ValueError."""
    digit = data.prepare_digit(image)
    logits = train.predict_logits(model, digit.reshape(1, -1))[0]
    return Reading(digit, softmax(logits))


# --- the drawing: strokes as a grey image ---------------------------------------------------


class Drawing:
    """White ink on a black square of ``size`` pixels, drawn in strokes with a round pen.

    A stroke is the segments between the points of one movement of the pen; each
    segment is a capsule (all pixels within ``pen_width / 2`` of it), with a
    one-pixel soft edge, as a browser's canvas draws a line with round caps.
    """

    def __init__(self, size: int = 280, pen_width: float = 18.0):
        if size < 8 or pen_width <= 0:
            raise ValueError(f"need size ≥ 8 and pen_width > 0, got {size} and {pen_width}")
        self.size, self.pen_width = int(size), float(pen_width)
        self.pixels = np.zeros((self.size, self.size), dtype=np.float32)
        self._last: tuple[float, float] | None = None

    def clear(self) -> None:
        """Back to a black square."""
        self.pixels[...] = 0
        self._last = None

    def pen_down(self, x: float, y: float) -> None:
        """Start a stroke at (x, y): a dot until the pen moves."""
        self._last = (float(x), float(y))
        self.segment(x, y, x, y)

    def pen_move(self, x: float, y: float) -> None:
        """Continue the stroke to (x, y); ignored while the pen is up."""
        if self._last is not None:
            self.segment(*self._last, x, y)
            self._last = (float(x), float(y))

    def pen_up(self) -> None:
        """End the stroke."""
        self._last = None

    def stroke(self, points) -> None:
        """One whole stroke through ``points`` [(x, y), …]."""
        _trace(self, [(float(x), float(y)) for x, y in points])

    def segment(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Ink every pixel whose centre is within pen_width/2 of the segment (x0, y0)–(x1, y1)."""
        radius = self.pen_width / 2
        reach = radius + 1
        left = max(int(math.floor(min(x0, x1) - reach)), 0)
        right = min(int(math.ceil(max(x0, x1) + reach)), self.size)
        top = max(int(math.floor(min(y0, y1) - reach)), 0)
        bottom = min(int(math.ceil(max(y0, y1) + reach)), self.size)
        if left >= right or top >= bottom:
            return
        ys, xs = np.mgrid[top:bottom, left:right] + 0.5  # pixel centres
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0, 1)
        distance = np.hypot(xs - (x0 + t * dx), ys - (y0 + t * dy))
        ink = np.clip(radius + 0.5 - distance, 0.0, 1.0).astype(np.float32)
        region = self.pixels[top:bottom, left:right]
        np.maximum(region, ink, out=region)

    def is_blank(self) -> bool:
        """True before anything is drawn (or after ``clear``)."""
        return not bool(self.pixels.any())


def _trace(pen, points) -> None:
    """One stroke through ``points`` with ``pen``: pen_down at the first, pen_move, pen_up."""
    points = list(points)
    if points:
        pen.pen_down(*points[0])
        for point in points[1:]:
            pen.pen_move(*point)
        pen.pen_up()


# --- what a reader's digit may look like: variants of MNIST's test digits ------------------


_SQUARE = [(i, j) for i in range(3) for j in range(3)]  # the 3×3 around a pixel
_CROSS = [(1, 1), (0, 1), (2, 1), (1, 0), (1, 2)]  # a pixel and its 4 neighbours


def dilate(images: np.ndarray, steps: int = 1) -> np.ndarray:
    """Thicker strokes: each pixel becomes the brightest of the 3×3 around it, ``steps`` times."""
    return _morphology(images, steps, _SQUARE, np.max)


def erode(images: np.ndarray, steps: int = 1) -> np.ndarray:
    """Thinner strokes: each pixel becomes the darkest of itself and its 4 neighbours."""
    return _morphology(images, steps, _CROSS, np.min)


def _morphology(images, steps: int, offsets, combine) -> np.ndarray:
    """``steps`` times, each pixel becomes ``combine`` of the pixels at ``offsets`` (in a
    3×3 window, (1, 1) its centre) of the image padded with zeros."""
    out = np.asarray(images)
    for _ in range(steps):
        padded = np.pad(out, [(0, 0)] * (out.ndim - 2) + [(1, 1), (1, 1)])
        h, w = out.shape[-2:]
        out = combine([padded[..., i : i + h, j : j + w] for i, j in offsets], axis=0)
    return out


def rescale(images: np.ndarray, factor: float) -> np.ndarray:
    """uint8 images (N, H, W) scaled by ``factor`` about their centre, cropped or padded back."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"expected uint8 images of shape (N, H, W), got {images.dtype} "
                         f"{images.shape}")  # fmt: skip
    height, width = images.shape[1:]
    new_h, new_w = max(1, round(height * factor)), max(1, round(width * factor))
    out = np.zeros_like(images)
    # Where the scaled image's window [s0, s0 + n) lands in the output's [d0, d0 + n).
    sy, dy, ny = _centred(new_h, height)
    sx, dx, nx = _centred(new_w, width)
    for k, image in enumerate(images):
        scaled = data.resize_area(image, (new_h, new_w))
        out[k, dy : dy + ny, dx : dx + nx] = scaled[sy : sy + ny, sx : sx + nx]
    return out


def _centred(scaled: int, size: int) -> tuple[int, int, int]:
    if scaled >= size:  # crop the middle
        return (scaled - size) // 2, 0, size
    return 0, (size - scaled) // 2, scaled


def variants(images: np.ndarray, seed: int = 0) -> dict[str, np.ndarray]:
    """MNIST-style uint8 digits (N, 28, 28) as a reader might draw them, by name.

    "as in MNIST" (unchanged); "moved" by up to 4 pixels each way; "small" (×0.6)
    and "large" (×1.3) about the centre; "thick" (dilated once) and "thin" (eroded
    once); "small, off-centre" (×0.6, then moved by up to 7 pixels).  Seeded.
    """
    rng = np.random.default_rng(seed)
    n = len(images)
    moved = data.shift_images(images, rng.integers(-4, 5, n), rng.integers(-4, 5, n))
    small = rescale(images, 0.6)
    return {
        "as in MNIST": images,
        "moved": moved,
        "small": small,
        "large": rescale(images, 1.3),
        "thick": dilate(images),
        "thin": erode(images),
        "small, off-centre": data.shift_images(
            small, rng.integers(-7, 8, n), rng.integers(-7, 8, n)
        ),
    }


def prepare_digits(images) -> np.ndarray:
    """``prepare_digit`` of each image, flattened to 784 float32 pixels; all black if no ink."""
    rows = np.zeros((len(images), 784), dtype=np.float32)
    for row, image in zip(rows, images, strict=True):
        try:
            row[:] = data.prepare_digit(image).reshape(-1)
        except ValueError:  # nothing left to read (a thin stroke eroded away): a black image
            pass
    return rows


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of ``images`` read right: uint8 (N, 28, 28) digits, or float rows of 784 pixels."""
    images = np.asarray(images)
    x = data.to_float(images) if images.dtype == np.uint8 else images
    predictions = train.predict_logits(model, x.reshape(len(x), -1)).argmax(axis=1)
    return float(np.mean(predictions == np.asarray(labels)))


def train_digit_reader(
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    hidden: int = 128,
    epochs: int = 8,
    max_shift: int = 2,
    seed: int = 0,
) -> MLP:
    """A 784-hidden-10 ReLU MLP trained by Adam (lr 1e-3, batches of 128) on uint8 digits.

    ``max_shift`` > 0 moves each training image by a random whole-pixel shift of up to
    that many pixels, drawn afresh every epoch (augmentation); 0 trains on the images
    as they are.  Seeded: the same data and seed give the same network.
    """
    x = data.to_float(np.asarray(x_train), flatten=True)
    y = np.asarray(y_train).astype(np.int64)
    model = MLP([x.shape[1], hidden, 10], activation="relu", rng=seed)
    augment = None
    if max_shift:
        augment = lambda batch, rng: data.random_shift(batch, rng, max_shift)  # noqa: E731
    train.fit(model, x, y, optimizer=optim.Adam(model.parameters(), lr=1e-3), epochs=epochs,
              batch_size=128, seed=seed, augment=augment, progress=False)  # fmt: skip
    return model


# --- the pad in Jupyter -----------------------------------------------------------------------


def strokes_from_image(image, *, scale: float = 10.0, threshold: int = 128) -> list:
    """Pen strokes that redraw a 28×28 digit ``scale`` times larger: one per run of ink.

    Each row's runs of pixels brighter than ``threshold`` (of 255) become a horizontal
    stroke through their centres, so that a pen ``scale`` pixels wide redraws the
    digit.  How the tests "draw" an MNIST digit on a pad, in Python or in a browser.
    """
    levels = np.asarray(image)
    if levels.dtype != np.uint8:
        levels = np.clip(np.asarray(image, dtype=np.float64) * 255 + 0.5, 0, 255).astype(np.uint8)
    strokes = []
    for y, row in enumerate(levels > threshold):
        padded = np.concatenate([[False], row, [False]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        for first, end in zip(edges[::2], edges[1::2], strict=True):
            yc = (y + 0.5) * scale
            strokes.append([((first + 0.5) * scale, yc), ((end - 0.5) * scale, yc)])
    return strokes


class DigitPad:
    """The Jupyter pad: draw with the mouse; after each stroke, see what ``model`` reads.

    Left, the pad (white ink on black) and a "clear" button; middle, the 28×28 digit
    that ``prepare_digit`` makes of the drawing; right, the 10 probabilities as bars.
    The widgets need ipycanvas and a live kernel; the handlers (``pen_down``,
    ``pen_move``, ``pen_up``, ``clear``) may also be called from Python.
    """

    def __init__(self, model, *, size: int = 280, pen_width: float = 18.0):
        import ipywidgets as widgets
        from ipycanvas import Canvas

        self.model = model
        self.drawing = Drawing(size, pen_width)
        self.reading: Reading | None = None
        border = widgets.Layout(border="1px solid #888")
        self.pad = Canvas(width=size, height=size, layout=border)
        self.preview = Canvas(width=140, height=140, layout=border)
        self.bars = Canvas(width=300, height=160)
        self.status = widgets.HTML()
        button = widgets.Button(description="clear", icon="eraser")
        button.on_click(lambda _: self.clear())
        self.pad.on_mouse_down(self.pen_down)
        self.pad.on_mouse_move(self.pen_move)
        self.pad.on_mouse_up(self.pen_up)
        self.pad.on_mouse_out(self.pen_up)
        self.widget = widgets.HBox([
            widgets.VBox([self.pad, widgets.HBox([button, self.status])]),
            widgets.VBox([widgets.HTML("what the network sees (28×28)"), self.preview]),
            widgets.VBox([widgets.HTML("probabilities"), self.bars]),
        ])  # fmt: skip
        self.clear()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def clear(self) -> None:
        """Wipe the pad and the answer."""
        from ipycanvas import hold_canvas

        self.drawing.clear()
        with hold_canvas():
            self.pad.fill_style = "black"
            self.pad.fill_rect(0, 0, self.drawing.size, self.drawing.size)
            self.pad.stroke_style = self.pad.fill_style = "white"
            self.pad.line_width = self.drawing.pen_width
            self.pad.line_cap = self.pad.line_join = "round"
        self._show(None)

    def pen_down(self, x: float, y: float) -> None:
        """Start a stroke at (x, y)."""
        self.drawing.pen_down(x, y)
        self.pad.fill_circle(x, y, self.drawing.pen_width / 2)

    def pen_move(self, x: float, y: float) -> None:
        """Draw on to (x, y) if a stroke is going on."""
        last = self.drawing._last
        if last is not None:
            self.pad.stroke_line(*last, x, y)
            self.drawing.pen_move(x, y)

    def pen_up(self, x: float | None = None, y: float | None = None) -> None:
        """End the stroke, and read the drawing."""
        if self.drawing._last is None:
            return
        self.drawing.pen_up()
        try:
            self._show(read_digit(self.model, self.drawing.pixels))
        except ValueError:  # too little ink to read
            self._show(None)

    def stroke(self, points) -> None:
        """One whole stroke through ``points`` [(x, y), …], as the mouse would draw it."""
        _trace(self, points)

    def _show(self, reading: Reading | None) -> None:
        from ipycanvas import hold_canvas

        self.reading = reading
        digit = np.zeros((28, 28)) if reading is None else reading.digit
        grey = np.kron((digit * 255).round().astype(np.uint8), np.ones((5, 5), np.uint8))
        probabilities = np.zeros(10) if reading is None else reading.probabilities
        with hold_canvas():
            self.preview.put_image_data(np.stack([grey] * 3, axis=-1), 0, 0)
            _draw_bars(self.bars, probabilities)
        self.status.value = (
            "<b>draw a digit</b>" if reading is None
            else f"the network reads <b>{reading.label}</b> "
                 f"({reading.probabilities.max():.0%} sure)"
        )  # fmt: skip


def digit_pad(model, *, size: int = 280, pen_width: float = 18.0) -> DigitPad:
    """A ``DigitPad`` for ``model`` (shown by Jupyter when it is a cell's last value)."""
    return DigitPad(model, size=size, pen_width=pen_width)


def _draw_bars(canvas, probabilities: np.ndarray) -> None:
    """Ten vertical bars, the highest in orange, the digits under them."""
    width, height = canvas.width, canvas.height
    step, base = width / 10, height - 20
    best = int(probabilities.argmax()) if probabilities.any() else -1
    canvas.clear()
    canvas.font = "13px sans-serif"
    canvas.text_align = "center"
    for k, p in enumerate(probabilities):
        canvas.fill_style = "#ff7f0e" if k == best else "#1f77b4"
        bar = float(p) * (base - 16)
        canvas.fill_rect(k * step + 4, base - bar, step - 8, bar)
        canvas.fill_style = "black"
        canvas.fill_text(str(k), k * step + step / 2, height - 5)
    canvas.stroke_style = "#888"
    canvas.stroke_line(0, base, width, base)
