"""Train the network of the page's digit pad when the book is built, and serve its weights.

The pad (``book/_static/digit_pad.js``) runs in the reader's browser with no kernel; it
needs a trained network. Trained weights are not kept in the repository: at
``builder-inited`` this extension trains one with ``ppn.handwriting.train_digit_reader``
(784-128-10, Adam, 8 epochs on the first 10,000 MNIST training images moved by up to 2
pixels; seeded, a few seconds), or reuses the one cached in ``_build/.digit_pad/`` for
the same data, settings and library code. At ``build-finished`` it writes the network,
by ``ppn.checkpoint.export_json``, as ``_static/digit_pad_model.json`` (fetched by a page
served over http) and ``_static/digit_pad_model.js`` (the same document, loaded by a
page opened from disk, where browsers refuse to fetch files).

MNIST is found by ``ppn.data.load_mnist(download=False)``: the ``PPN_DATA_DIR`` setting,
or the per-user cache. Without it the build stops with an error that says so.
"""

import hashlib
import json
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging
from threadpoolctl import threadpool_limits

import ppn
from ppn import checkpoint, data, handwriting

STATIC = Path(__file__).resolve().parent.parent / "_static"
SETTINGS = {"hidden": 128, "epochs": 8, "max_shift": 2, "seed": 0}
TRAIN_SIZE = 10_000  # the same images on every machine (the CI's copy holds these only)
# The code whose change means retraining: what trains the network and what it computes.
CODE = ("handwriting.py", "train.py", "optim.py", "nn.py", "tensor.py", "losses.py", "data.py")

logger = logging.getLogger(__name__)


def _load_mnist():
    try:
        return data.load_mnist(download=False)
    except data.DatasetNotFoundError as error:
        raise ExtensionError(
            "the digit pad's network (book/_ext/digit_pad.py) is trained on MNIST when the "
            "book is built, and MNIST was not found. Set the environment variable PPN_DATA_DIR "
            "to the folder holding the four MNIST files (train-images-idx3-ubyte.gz, …), e.g. "
            "PPN_DATA_DIR=../shared/data/mnist-10k jupyter-book build ., or download them once "
            "with: python -c 'import ppn; ppn.data.load_mnist()'.\n" + str(error)
        ) from None


def _cache_key(x_train, y_train) -> str:
    digest = hashlib.sha256(json.dumps(SETTINGS, sort_keys=True).encode())
    digest.update(x_train.tobytes())
    digest.update(y_train.tobytes())
    folder = Path(ppn.__file__).parent
    for name in CODE:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def _train(app) -> None:
    if app.builder.format != "html":
        return
    (x_train, y_train), (x_test, y_test) = _load_mnist()
    x_train, y_train = x_train[:TRAIN_SIZE], y_train[:TRAIN_SIZE]
    cache = Path(app.outdir).parent / ".digit_pad" / f"model-{_cache_key(x_train, y_train)}.json"
    if not cache.exists():
        logger.info("digit pad: training its network on %d MNIST images …", len(x_train))
        # One BLAS thread, as in the chapter: the same arithmetic, so the same network.
        with threadpool_limits(limits=1):
            model = handwriting.train_digit_reader(x_train, y_train, **SETTINGS)
        accuracy = handwriting.accuracy(model, x_test, y_test)
        metadata = {
            "trained_on": f"the first {len(x_train)} MNIST training images",
            **SETTINGS,
            "test_accuracy": round(accuracy, 4),
        }
        checkpoint.export_json(model, cache, metadata=metadata)
        logger.info("digit pad: test accuracy %.2f%%", 100 * accuracy)
    app.digit_pad_model = cache


def _write(app, exception) -> None:
    model = getattr(app, "digit_pad_model", None)
    if exception is not None or model is None:
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    text = model.read_text()
    (static / "digit_pad_model.json").write_text(text)
    (static / "digit_pad_model.js").write_text(f"window.ppnDigitPadModel = {text};\n")


def _add_static_folder(app, config) -> None:
    # book/_static holds digit_pad.js and .css; Sphinx copies it into the output's _static.
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("config-inited", _add_static_folder)
    app.connect("builder-inited", _train)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
