"""The digit pad of "Your own handwriting" in headless Chromium: draw with the mouse, read it.

    jupyter-book build --all -W -n --keep-going .
    PPN_BROWSER_TEST=1 pytest tests/browser/test_digit_pad.py

Uses the browser and the local server of ``conftest.py`` and the page visits of
``test_built_book.py`` (the DevTools protocol over a pipe, no network). Each test digit
is redrawn on the pad by real mouse events (``Input.dispatchMouseEvent``: press, moves,
release along each stroke of ``ppn.handwriting.strokes_from_image``), as a reader would
draw it. Then the answer the page shows must be ppn's answer for the very pixels on the
page's canvas: the same prepared 28×28 digit, grey level for grey level, the same digit,
the same percentages.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from test_built_book import ENABLED, HTML, Visit

from ppn import checkpoint, data, handwriting

pytestmark = pytest.mark.skipif(not ENABLED, reason="set PPN_BROWSER_TEST=1 to run")

PAGE = "book/12_your_handwriting.html"
PAD = 280  # the pad's size in canvas pixels (digit_pad.js's default)
STEP = 8.0  # canvas pixels between two mouse moves along a stroke

READ_CANVAS = """(() => {
  const canvas = document.querySelector(%r);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const red = [];
  for (let i = 0; i < pixels.length; i += 4) red.push(pixels[i]);
  return red;
})()"""

SHOWN = """(() => {
  const pad = document.querySelector(".digit-pad");
  return {
    digit: pad.getAttribute("data-digit"),
    status: pad.querySelector(".dp-status").textContent,
    percents: [...pad.querySelectorAll(".dp-value")].map((v) => v.textContent),
    best: [...pad.querySelectorAll(".dp-bar")].findIndex((b) => b.classList.contains("dp-best")),
  };
})()"""


def open_pad(browser, server) -> tuple[Visit, list[float]]:
    """The page, once its network has loaded; the pad's box on the screen (x, y, w, h)."""
    if not (HTML / PAGE).exists():
        pytest.fail(f"{PAGE} is not in the built book {HTML}")
    visit = Visit(browser, server + PAGE)
    deadline = time.monotonic() + 30
    ready = None
    while time.monotonic() < deadline:
        ready = visit.evaluate("document.querySelector('.digit-pad').getAttribute('data-ready')")
        if ready:
            break
        visit.pump(timeout=0.2)
    assert ready == "true", f"the pad's network did not load: {visit.evaluate(SHOWN)['status']}"
    visit.evaluate("document.querySelector('.dp-pad').scrollIntoView({block: 'center'})")
    box = visit.evaluate(
        "(() => { const r = document.querySelector('.dp-pad').getBoundingClientRect();"
        " return [r.left, r.top, r.width, r.height]; })()"
    )
    return visit, box


def mouse(visit: Visit, kind: str, x: float, y: float) -> None:
    visit.call(
        "Input.dispatchMouseEvent",
        {"type": kind, "x": x, "y": y, "button": "left", "buttons": 0 if kind == "mouseReleased"
         else 1, "clickCount": 1, "pointerType": "mouse"},
    )  # fmt: skip


def draw(visit: Visit, box: list[float], strokes) -> None:
    """Each stroke: press at its start, move in small steps along it, release at its end."""
    left, top, width, height = box
    to_screen = lambda x, y: (left + x * width / PAD, top + y * height / PAD)  # noqa: E731
    for stroke in strokes:
        mouse(visit, "mouseMoved", *to_screen(*stroke[0]))
        mouse(visit, "mousePressed", *to_screen(*stroke[0]))
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            steps = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / STEP))
            for k in range(1, steps + 1):
                t = k / steps
                mouse(visit, "mouseMoved", *to_screen(x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
        mouse(visit, "mouseReleased", *to_screen(*stroke[-1]))
    visit.evaluate("new Promise((done) => requestAnimationFrame(() => done(true)))")


@pytest.fixture(scope="module")
def network():
    """The network the page uses, read from the JSON the build wrote beside it."""
    return checkpoint.load_json(HTML / "_static" / "digit_pad_model.json")


@pytest.fixture(scope="module")
def test_digits():
    _, (x_test, y_test) = data.load_mnist(download=False)
    return x_test[:5], y_test[:5]


def test_the_pad_reads_digits_drawn_with_the_mouse(browser, server, network, test_digits):
    images, labels = test_digits
    visit, box = open_pad(browser, server)
    try:
        assert visit.evaluate(SHOWN)["status"] == "draw a digit"
        for image, label in zip(images, labels, strict=True):
            visit.evaluate("document.querySelector('.dp-clear').click()")
            draw(visit, box, handwriting.strokes_from_image(image, scale=10))
            shown = visit.evaluate(SHOWN)
            # ppn reads the very pixels the page drew …
            grey = np.array(visit.evaluate(READ_CANVAS % ".dp-pad"), float).reshape(PAD, PAD)
            reading = handwriting.read_digit(network, grey / 255)
            # … and must see the same 28×28 digit the page shows in its middle panel,
            preview = np.array(visit.evaluate(READ_CANVAS % ".dp-preview")).reshape(28, 28)
            assert np.array_equal(preview, np.round(reading.digit.astype(float) * 255))
            # … give the same answer, with the same percentages on the bars;
            assert shown["digit"] == str(reading.label) == str(shown["best"])
            assert shown["status"].startswith(f"the network reads {reading.label} ")
            percents = np.array([int(text.rstrip("%")) for text in shown["percents"]])
            assert np.abs(percents - 100 * reading.probabilities).max() <= 0.5 + 1e-6
            # and a clearly drawn test digit is read right.
            assert reading.label == label, f"drew a {label}, the page read {shown}"
        visit.evaluate("document.querySelector('.dp-clear').click()")
        shown = visit.evaluate(SHOWN)
        assert shown["digit"] == "" and shown["status"] == "draw a digit"
        assert not any(visit.evaluate(READ_CANVAS % ".dp-pad"))  # black again
        visit.pump(timeout=0.3)
        assert not visit.errors and not visit.failed and not visit.external, (
            visit.errors, visit.failed, visit.external,
        )  # fmt: skip
    finally:
        visit.close()
