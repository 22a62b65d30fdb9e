"""Reading the reader's own digits: prepare_digit, the pad's numpy, the JSON export, and the
book's JavaScript pad checked against ppn under Node.js (same digit, same probabilities)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ppn import checkpoint, cli, data, handwriting
from ppn.nn import MLP

ROOT = Path(__file__).resolve().parents[1]
PAD_JS = ROOT / "book" / "_static" / "digit_pad.js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node (Node.js) is not installed")


def synthetic_digits() -> np.ndarray:
    """Eight uint8 28×28 'digits' (rings, bars, a cross, an L), MNIST-like: 20-pixel box."""
    ys, xs = np.mgrid[0:28, 0:28] + 0.5
    images = []
    for cx, cy, r in [(14, 14, 8), (13, 15, 6), (15, 13, 9)]:
        ring = np.clip(2.0 - np.abs(np.hypot(xs - cx, ys - cy) - r), 0, 1)
        images.append(ring)
    bar = np.zeros((28, 28))
    bar[4:24, 12:15] = 1
    images.append(bar)
    cross = bar.copy()
    cross[13:16, 4:24] = 1
    images.append(cross)
    ell = bar.copy()
    ell[21:24, 12:22] = 1
    images.append(ell)
    images.append(np.clip(2.0 - np.abs(xs - ys), 0, 1) * ((ys > 4) & (ys < 24)))
    seven = np.zeros((28, 28))
    seven[5:8, 6:22] = 1
    for y in range(8, 24):
        seven[y, 21 - (y - 8) // 2 : 24 - (y - 8) // 2] = 1
    images.append(seven)
    return (np.stack(images) * 255).round().astype(np.uint8)


@pytest.fixture(scope="module")
def test_digits(mnist) -> tuple[np.ndarray, np.ndarray]:
    """The first 40 MNIST test digits and labels."""
    _, (x_test, y_test) = mnist
    return x_test[:40], y_test[:40]


def ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    rows = np.flatnonzero((image > 0).any(axis=1))
    cols = np.flatnonzero((image > 0).any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


# --- resize_area: the box filter ------------------------------------------------------------


def test_resize_area_means_whole_blocks_and_splits_pixels_by_area():
    image = np.array([[0, 40, 80, 120], [160, 200, 240, 255]], dtype=np.uint8)
    assert data.resize_area(image, (1, 2)).tolist() == [[100, 174]]  # 400/4, 695/4 = 173.75
    assert data.resize_area(image, (2, 4)).tolist() == image.tolist()  # same size: unchanged
    # 3 → 2 pixels: each new pixel covers 1.5 old ones: (0 + 0.5·40)/1.5 = 13.3 → 13.
    assert data.resize_area(np.array([[0, 40, 80]]), (1, 2)).tolist() == [[13, 67]]
    # Doubling repeats each pixel.
    assert data.resize_area(image, (4, 8)).tolist() == np.kron(image, np.ones((2, 2))).tolist()


def test_resize_area_rounds_halves_up_and_matches_a_float_reference():
    assert data.resize_area(np.array([[0, 1]]), (1, 1)).tolist() == [[1]]  # 0.5 → 1
    rng = np.random.default_rng(0)
    for _ in range(20):
        h, w = rng.integers(1, 60, size=2)
        nh, nw = rng.integers(1, 30, size=2)
        image = rng.integers(0, 256, size=(h, w))
        # Reference: upsample by nh·nw exactly (pixel replication), then average blocks.
        fine = np.kron(image, np.ones((nh, nw)))
        blocks = fine.reshape(nh, h, nw, w).mean(axis=(1, 3))
        assert np.abs(data.resize_area(image, (nh, nw)) - blocks).max() <= 0.5 + 1e-9


def test_resize_area_rejects_floats_and_empty_sizes():
    with pytest.raises(ValueError, match="integer grey levels"):
        data.resize_area(np.zeros((3, 3)), (2, 2))
    with pytest.raises(ValueError, match="positive"):
        data.resize_area(np.zeros((3, 3), dtype=np.uint8), (0, 2))


# --- prepare_digit on shifted, scaled, inverted, thick and thin digits -----------------------


def check_mnist_form(digit: np.ndarray) -> None:
    """28×28 float32 in [0, 1]; ink box 20 pixels on its longest side; mass at the centre."""
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert 0 <= digit.min() and digit.max() <= 1
    top, bottom, left, right = ink_box(digit)
    # 20, or 19 when a faint edge of the box averages to less than half a grey level.
    assert max(bottom - top, right - left) + 1 in (19, 20)
    ys, xs = np.indices(digit.shape)
    assert abs((ys * digit).sum() / digit.sum() - 13.5) <= 0.5
    assert abs((xs * digit).sum() / digit.sum() - 13.5) <= 0.5


def test_prepare_digit_gives_mnist_form_and_ignores_position(test_digits):
    images, _ = test_digits
    for image in images:
        reference = data.prepare_digit(image)
        check_mnist_form(reference)
        top, bottom, left, right = ink_box(image)
        # Every whole-pixel move that keeps the ink inside gives exactly the same digit.
        for dx, dy in [(-left, -top), (27 - right, 27 - bottom), (min(2, 27 - right), -1)]:
            moved = data.shift_images(image[None], np.array([dx]), np.array([dy]))[0]
            assert np.array_equal(data.prepare_digit(moved), reference)


def test_prepare_digit_ignores_size_and_colours(test_digits):
    images, _ = test_digits
    for image in images[:15]:
        reference = data.prepare_digit(image)
        # Drawn k times larger (each pixel a k×k block), anywhere on a big page: the box
        # filter averages the same areas, so the digit is exactly the same.
        for k, (top, left) in [(2, (3, 30)), (3, (0, 0)), (10, (45, 7))]:
            page = np.zeros((28 * k + 60, 28 * k + 50), dtype=np.uint8)
            page[top : top + 28 * k, left : left + 28 * k] = np.kron(image, np.ones((k, k)))
            assert np.array_equal(data.prepare_digit(page), reference)
        # Dark ink on white paper, as grey, RGB and RGBA; floats in [0, 1].
        paper = 255 - image
        assert np.array_equal(data.prepare_digit(paper), reference)
        assert np.array_equal(data.prepare_digit(np.stack([paper] * 3, axis=-1)), reference)
        rgba = np.dstack([paper, paper, paper, np.full_like(paper, 255)])
        assert np.array_equal(data.prepare_digit(rgba), reference)
        assert np.array_equal(data.prepare_digit(image / 255.0), reference)


def test_prepare_digit_normalises_small_large_thick_and_thin_digits(test_digits):
    images, _ = test_digits
    for name, variant in handwriting.variants(images, seed=1).items():
        for image in variant:
            if (image > 25).any():
                check_mnist_form(data.prepare_digit(image))
            else:
                assert name == "thin"  # a faint stroke eroded away
    # Scaling changes the digit only a little: mean absolute difference in grey levels.
    reference = handwriting.prepare_digits(images)
    for factor in (0.6, 1.3):
        scaled = handwriting.prepare_digits(handwriting.rescale(images, factor))
        assert np.abs(scaled - reference).mean() < 0.08


def test_prepare_digit_on_synthetic_digits_without_mnist():
    for image in synthetic_digits():
        digit = data.prepare_digit(image)
        check_mnist_form(digit)
        big = np.kron(image, np.ones((7, 7), dtype=np.uint8))
        assert np.array_equal(data.prepare_digit(big), digit)


def test_prepare_digit_errors():
    with pytest.raises(ValueError, match="blank"):
        data.prepare_digit(np.zeros((50, 50)))
    with pytest.raises(ValueError, match="blank"):
        data.prepare_digit(np.full((50, 50), 255, dtype=np.uint8))  # white paper, no ink
    faint = np.zeros((400, 400), dtype=np.uint8)
    faint[0, 0] = faint[399, 399] = 26  # two faint dots: averaged away at 20×20
    with pytest.raises(ValueError, match="too faint"):
        data.prepare_digit(faint)
    with pytest.raises(ValueError, match="shape"):
        data.prepare_digit(np.zeros((2, 3, 4, 5)))


# --- the pad's numpy: drawing, variants, reading ---------------------------------------------


def test_drawing_inks_round_capped_strokes():
    drawing = handwriting.Drawing(size=100, pen_width=10)
    assert drawing.is_blank()
    drawing.stroke([(20.5, 50.5), (80.5, 50.5)])  # through the centres of row 50's pixels
    pixels = drawing.pixels
    assert pixels[50, 20:81].min() == 1.0  # along the stroke
    # 10 wide: full within 4.5 pixels, half-inked at 5 (the soft edge), then nothing.
    assert pixels[46:55, 50].min() == 1.0 and pixels[45, 50] == pixels[55, 50] == 0.5
    assert pixels[44, 50] == pixels[56, 50] == 0.0
    assert pixels[50, 16] == 1.0 and pixels[50, 15] == 0.5 and pixels[50, 14] == 0.0  # round cap
    drawing.pen_move(90, 90)  # the pen is up: nothing drawn
    assert pixels[90, 90] == 0
    drawing.pen_down(5, 5)  # a dot
    assert pixels[5, 5] == 1.0
    drawing.clear()
    assert drawing.is_blank()
    with pytest.raises(ValueError):
        handwriting.Drawing(size=4)


def test_strokes_from_image_redraw_the_digit():
    for image in synthetic_digits():
        drawing = handwriting.Drawing(size=280, pen_width=10)
        for stroke in handwriting.strokes_from_image(image, scale=10):
            drawing.stroke(stroke)
        # Seen at 28×28 again, the drawing covers the digit's bright pixels.
        small = data.resize_area((drawing.pixels * 255).round().astype(np.int64), (28, 28))
        assert (small[image > 128] > 128).mean() > 0.95
        assert (small[image == 0] > 128).mean() < 0.02


def test_dilate_erode_rescale():
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    image[0, 10:18, 13:15] = 200
    thick = handwriting.dilate(image)
    assert thick[0, 9:19, 12:16].min() == 200 and thick.sum() > image.sum()
    thin = handwriting.erode(image)
    assert thin.sum() == 0  # a 2-pixel stroke vanishes under the cross
    assert handwriting.erode(handwriting.dilate(image)).sum() >= image.sum()
    assert np.array_equal(handwriting.rescale(image, 1.0), image)
    small = handwriting.rescale(image, 0.5)
    assert small.shape == image.shape and 0 < (small > 0).sum() < (image > 0).sum()
    with pytest.raises(ValueError):
        handwriting.rescale(image[0], 2.0)


def test_variants_are_seeded_and_keep_shape(test_digits):
    images, _ = test_digits
    first, again = handwriting.variants(images, seed=3), handwriting.variants(images, seed=3)
    assert list(first) == ["as in MNIST", "moved", "small", "large", "thick", "thin",
                           "small, off-centre"]  # fmt: skip
    for name in first:
        assert first[name].shape == images.shape and first[name].dtype == np.uint8
        assert np.array_equal(first[name], again[name])


def test_softmax_and_read_digit():
    p = handwriting.softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]]))
    assert np.allclose(p, [[0.5, 0.5], [0.25, 0.75]])
    model = MLP([784, 16, 10], activation="relu", rng=0)
    image = synthetic_digits()[3]
    reading = handwriting.read_digit(model, np.kron(image, np.ones((5, 5), np.uint8)))
    assert reading.digit.shape == (28, 28)
    assert reading.probabilities.shape == (10,) and reading.probabilities.sum() == pytest.approx(1)
    assert reading.label == int(reading.probabilities.argmax())
    with pytest.raises(ValueError, match="blank"):
        handwriting.read_digit(model, np.zeros((280, 280)))


def test_prepare_digits_leaves_unreadable_images_black():
    images = np.concatenate([synthetic_digits()[:2], np.zeros((1, 28, 28), np.uint8)])
    rows = handwriting.prepare_digits(images)
    assert rows.shape == (3, 784) and rows.dtype == np.float32
    assert rows[0].any() and not rows[2].any()


def test_the_jupyter_pad_reads_strokes():
    pytest.importorskip("ipycanvas")
    model = MLP([784, 16, 10], activation="relu", rng=0)
    pad = handwriting.digit_pad(model)
    assert pad.reading is None
    image = synthetic_digits()[0]
    for stroke in handwriting.strokes_from_image(image, scale=10):
        pad.stroke(stroke)
    expected = handwriting.read_digit(model, pad.drawing.pixels)
    assert pad.reading is not None and pad.reading.label == expected.label
    assert np.array_equal(pad.reading.digit, expected.digit)
    assert "reads" in pad.status.value
    pad.clear()
    assert pad.reading is None and pad.drawing.is_blank()
    pad.pen_down(3, 3)
    pad.pen_up()  # a dot in a corner still reads as something
    assert pad.reading is not None


def test_prepare_digit_restores_accuracy_on_moved_and_small_digits(mnist):
    """A quickly trained network: prepare_digit brings moved and small digits back to MNIST form."""
    (x_train, y_train), (x_test, y_test) = mnist
    model = handwriting.train_digit_reader(x_train[:3000], y_train[:3000], hidden=64, epochs=3)
    images, labels = x_test[:1000], y_test[:1000]
    table = handwriting.variants(images, seed=0)
    base = handwriting.accuracy(model, handwriting.prepare_digits(images), labels)
    for name in ("moved", "small", "small, off-centre"):
        as_drawn = handwriting.accuracy(model, table[name], labels)
        prepared = handwriting.accuracy(model, handwriting.prepare_digits(table[name]), labels)
        assert prepared > as_drawn + 0.2, name
        assert prepared > base - 0.05, name


# --- the JSON export ------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_export_json_round_trip(tmp_path, activation):
    model = MLP([784, 20, 12, 10], activation=activation, rng=1)
    path = tmp_path / "model.json"
    checkpoint.export_json(model, path, metadata={"note": "test"})
    document = json.loads(path.read_text())
    assert document["format"] == "ppn-model-json" and document["sizes"] == [784, 20, 12, 10]
    assert document["activation"] == activation and document["metadata"] == {"note": "test"}
    assert len(document["layers"]) == 3 and set(document["layers"][0]) == {"weight", "bias"}
    loaded = checkpoint.load_json(path)
    assert loaded.sizes == model.sizes and loaded.activation == activation
    for name, value in model.state_dict().items():
        assert np.array_equal(loaded.state_dict()[name], value), name
    # Compact: base64 float32 is 4/3 bytes per byte, far under 6-digit decimal text.
    assert path.stat().st_size < 1.4 * 4 * model.num_parameters() + 1000


def test_load_json_rejects_damaged_files(tmp_path):
    model = MLP([4, 3, 2], rng=0)
    good = tmp_path / "good.json"
    checkpoint.export_json(model, good)
    document = json.loads(good.read_text())
    cases = {
        "not JSON": "{",
        "expected a ppn-model-json": json.dumps({"format": "something"}),
        "version": json.dumps({**document, "version": 99}),
        "damaged": json.dumps({**document, "layers": [{"weight": "@@@", "bias": ""}]}),
        "shape": json.dumps({**document, "sizes": [4, 5, 2]}),
    }
    for message, text in cases.items():
        path = tmp_path / "bad.json"
        path.write_text(text)
        with pytest.raises(checkpoint.ModelFileError, match=message):
            checkpoint.load_json(path)
    with pytest.raises(FileNotFoundError):
        checkpoint.load_json(tmp_path / "absent.json")


def test_cli_export(tmp_path, capsys):
    model = MLP([784, 8, 10], rng=0)
    checkpoint.save_model(model, tmp_path / "model.npz")
    assert cli.main(["export", str(tmp_path / "model.npz"), str(tmp_path / "out.json")]) == 0
    assert "784-8-10" in capsys.readouterr().out
    loaded = checkpoint.load_json(tmp_path / "out.json")
    assert np.array_equal(loaded.layers[0].weight.data, model.layers[0].weight.data)
    assert cli.main(["export", str(tmp_path / "absent.npz"), str(tmp_path / "x.json")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path / "model.npz"), str(tmp_path / "x.txt")]) == 1
    assert ".json" in capsys.readouterr().err


# --- the book's JavaScript pad under Node.js: the same numbers as ppn ------------------------

DRIVER = """
const fs = require("fs");
const pad = require(process.argv[2]);
const input = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const model = pad.loadModel(input.model);
const out = {
  raw: input.raw.map((x) => {
    const logits = pad.forward(model, x);
    return { logits: Array.from(logits), probabilities: pad.softmax(logits) };
  }),
  drawn: input.drawn.map((c) => {
    const grey = c.levels ? c.levels.map((v) => v / 255) : c.grey;
    try {
      const r = pad.readDigit(model, grey, c.width, c.height);
      return { levels: Array.from(r.digit.levels), probabilities: r.probabilities, label: r.label };
    } catch (error) {
      return { error: error.message };
    }
  }),
};
process.stdout.write(JSON.stringify(out));
"""


def run_pad_js(tmp_path: Path, model, raw: list, drawn: list) -> dict:
    """Run digit_pad.js's forward pass on ``raw`` rows and its whole reading on ``drawn``."""
    checkpoint.export_json(model, tmp_path / "model.json")
    document = json.loads((tmp_path / "model.json").read_text())
    (tmp_path / "input.json").write_text(
        json.dumps({"model": document, "raw": raw, "drawn": drawn})
    )
    (tmp_path / "driver.js").write_text(DRIVER)
    result = subprocess.run(
        [NODE, str(tmp_path / "driver.js"), str(PAD_JS), str(tmp_path / "input.json")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def drawn_case(image: np.ndarray) -> dict:
    """A drawing for the JS: integer levels travel as integers, floats as exact decimals."""
    height, width = image.shape
    if image.dtype == np.uint8:
        return {"levels": image.reshape(-1).tolist(), "width": width, "height": height}
    return {"grey": image.astype(np.float64).reshape(-1).tolist(), "width": width,
            "height": height}  # fmt: skip


def drawings(images: np.ndarray) -> list[np.ndarray]:
    """Larger drawings of 28×28 digits: pen strokes on a pad, pages, paper, odd shapes."""
    out = []
    for k, image in enumerate(images):
        pad = handwriting.Drawing(size=280, pen_width=12 + 2 * (k % 5))
        for stroke in handwriting.strokes_from_image(image, scale=10):
            pad.stroke(stroke)
        out.append(pad.pixels)  # float32 grey, anti-aliased edges
        page = np.zeros((300, 190), dtype=np.uint8)  # not square, digit off-centre
        scaled = data.resize_area(image, (140, 98))
        page[150 - 10 * (k % 3) : 290 - 10 * (k % 3), 80:178] = scaled
        out.append(page if k % 2 else 255 - page)  # light paper every other time
    return out


def compare(js: dict, model, raw: np.ndarray, drawn: list[np.ndarray]) -> None:
    logits = model(raw).data.astype(np.float64)
    for k, row in enumerate(js["raw"]):
        assert np.allclose(row["logits"], logits[k], rtol=0, atol=1e-4)
        probabilities = handwriting.softmax(logits[k])
        assert np.abs(np.array(row["probabilities"]) - probabilities).max() < 1e-5
        assert int(np.argmax(row["probabilities"])) == int(probabilities.argmax())
    for image, result in zip(drawn, js["drawn"], strict=True):
        try:
            reading = handwriting.read_digit(model, image)
        except ValueError as error:
            assert "error" in result, f"ppn: {error}, the page read {result}"
            continue
        assert "error" not in result, result
        levels = np.array(result["levels"]).reshape(28, 28)
        # The same 28×28 digit to the last grey level, …
        assert np.array_equal(levels, np.round(reading.digit.astype(np.float64) * 255))
        # … and the same probabilities (the page computes in float64, ppn in float32).
        assert np.abs(np.array(result["probabilities"]) - reading.probabilities).max() < 1e-5
        assert result["label"] == reading.label


@needs_node
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_pad_js_reads_like_ppn_synthetic(tmp_path, activation):
    model = MLP([784, 32, 16, 10], activation=activation, rng=7)
    images = synthetic_digits()
    raw = data.to_float(images, flatten=True)
    rng = np.random.default_rng(0)
    raw = np.concatenate([raw, rng.random((3, 784), dtype=np.float32)])
    blank = np.zeros((60, 60), dtype=np.uint8)
    drawn = [*drawings(images[:4]), *(np.asarray(image) for image in images), blank]
    js = run_pad_js(tmp_path, model, raw.tolist(), [drawn_case(d) for d in drawn])
    compare(js, model, raw, drawn)
    assert "blank" in js["drawn"][-1]["error"]


@needs_node
def test_pad_js_reads_like_ppn_on_mnist_with_a_trained_network(tmp_path, mnist, test_digits):
    images, labels = test_digits
    (x_train, y_train), _ = mnist
    model = handwriting.train_digit_reader(x_train[:2000], y_train[:2000], hidden=32, epochs=2)
    raw = data.to_float(images[:20], flatten=True)
    drawn = [*drawings(images[:10]), *images[20:30]]
    js = run_pad_js(tmp_path, model, raw.tolist(), [drawn_case(d) for d in drawn])
    compare(js, model, raw, drawn)
    # The network reads most of them right, in both languages alike.
    assert np.mean([r["label"] for r in js["drawn"][:20:2]] == labels[:10]) >= 0.5


# --- the build step ---------------------------------------------------------------------------


def test_the_build_fails_clearly_without_mnist(tmp_path, monkeypatch):
    pytest.importorskip("sphinx")
    spec = importlib.util.spec_from_file_location(
        "digit_pad_ext", ROOT / "book" / "_ext" / "digit_pad.py"
    )
    extension = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extension)
    monkeypatch.setenv("PPN_DATA_DIR", str(tmp_path / "nothing"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from sphinx.errors import ExtensionError

    with pytest.raises(ExtensionError, match="Set the environment variable PPN_DATA_DIR"):
        extension._load_mnist()


# --- the figures ------------------------------------------------------------------------------


def test_plot_digit_preparation_marks_box_and_centre():
    from ppn import plots

    image = synthetic_digits()[7]
    page = np.full((200, 150), 255, dtype=np.uint8)  # dark ink on white paper
    page[20:132, 30:142] = 255 - np.kron(image, np.ones((4, 4), np.uint8))
    fig = plots.plot_digit_preparation(page, data.prepare_digit(page), title="a seven")
    ax_drawing, ax_digit = fig.axes[:2]
    assert "200×150" in ax_drawing.get_title()
    labels = [t.get_text() for t in ax_drawing.texts + ax_digit.texts]
    assert any(t.startswith("ink: ") for t in labels) and "ink: 20×" in " ".join(labels)
    assert len(ax_digit.patches) == 1 and ax_digit.get_legend() is not None
    with pytest.raises(ValueError, match="grey image"):
        plots.plot_digit_preparation(np.zeros((4, 4, 3)), np.zeros((28, 28)))


def test_plot_digit_variants_and_reading_accuracy():
    from ppn import plots

    images = synthetic_digits()
    variants = handwriting.variants(images)
    prepared = {name: handwriting.prepare_digits(v) for name, v in variants.items()}
    fig = plots.plot_digit_variants(variants, prepared, count=4, title="variants")
    assert len(fig.axes) == len(variants) * 8
    assert fig.axes[0].get_ylabel() == "as in MNIST" and fig.axes[1].get_title() == "prepared"
    assert len(plots.plot_digit_variants(variants, count=3).axes) == len(variants) * 3
    table = {name: {"a": 0.5, "b": 0.9} for name in variants}
    fig = plots.plot_reading_accuracy(table)
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * len(variants)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(variants)
    with pytest.raises(ValueError):
        plots.plot_reading_accuracy({})
    with pytest.raises(ValueError):
        plots.plot_digit_variants({})
