"""What ppn guarantees when things go wrong (README, "What ppn guarantees").

Each test is one promise to a user: bad input gets a clear error at the point
of misuse, and nothing is lost or silently corrupted.  The deeper cases live
beside the code they test (test_data.py fuzzes the IDX reader and the
downloader, test_checkpoint.py damages model files, test_cli.py kills a
training run and resumes it); this file covers what a user meets first.
"""

from __future__ import annotations

import hashlib
import http.server
import math
import multiprocessing
import threading
import warnings
from functools import partial

import numpy as np
import pytest

import ppn
from ppn import data
from ppn.losses import softmax_cross_entropy
from ppn.nn import MLP
from ppn.optim import SGD
from ppn.tensor import Tensor
from ppn.train import DivergenceError, fit


@pytest.fixture
def small_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 20)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + 2 * (x[:, 1] > 0)
    return x, y


def test_a_huge_learning_rate_stops_with_advice_and_no_wall_of_warnings(small_problem):
    x, y = small_problem
    model = MLP([20, 32, 4], activation="relu", rng=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DivergenceError) as error:
            fit(model, x, y, optimizer=SGD(model.parameters(), lr=1e3), epochs=5, progress=False)
    message = str(error.value)
    assert "epoch 1" in message and "step" in message and "smaller learning rate" in message
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs_are_named(small_problem, bad):
    x, y = small_problem
    x = x.copy()
    x[3, 4] = bad
    model = MLP([20, 8, 4], rng=0)
    with pytest.raises(ValueError, match="nan or infinite"):
        fit(model, x, y, optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False)


def test_integer_images_are_refused_with_the_fix():
    images = np.zeros((4, 784), dtype=np.uint8)
    model = MLP([784, 8, 10], rng=0)
    with pytest.raises(ValueError, match=r"to_float"):
        fit(model, images, np.zeros(4, np.int64), optimizer=SGD(model.parameters(), lr=0.1))


def test_unflattened_images_and_wrong_feature_counts():
    model = MLP([784, 8, 10], rng=0)
    with pytest.raises(ValueError, match="flatten|784"):
        model(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError, match="784"):
        model(np.zeros((2, 100), np.float32))


def test_shape_mismatch_names_the_operation_and_both_shapes():
    a, b = Tensor(np.ones((32, 784))), Tensor(np.ones((100, 10)))
    with pytest.raises(ValueError) as error:
        _ = a @ b
    assert "(32, 784)" in str(error.value) and "(100, 10)" in str(error.value)
    assert "matmul" in str(error.value)


@pytest.mark.parametrize("labels", [[0, 10], [-1, 0]])
def test_labels_out_of_range(labels):
    logits = Tensor(np.zeros((2, 10)), requires_grad=True)
    with pytest.raises(ValueError, match="label"):
        softmax_cross_entropy(logits, np.array(labels))


def test_a_closed_tape_records_nothing_more_but_still_answers():
    with ppn.Tape() as tape:
        x = tape.var(2.0)
        y = x * x
    assert tape.gradient(y, [x]) == [4.0]
    with pytest.raises(ppn.TapeError, match="closed"):
        _ = y + 1
    with ppn.Tape() as other:
        z = other.var(1.0)
    with pytest.raises(ppn.TapeError, match="another tape"):
        tape.gradient(y, [z])


def test_domain_errors_are_the_same_in_both_modes():
    messages = set()
    for attempt in (
        lambda: ppn.log(-1.0),
        lambda: ppn.log(ppn.Dual(-1.0, 1.0)),
        lambda: ppn.grad(ppn.log)(-1.0),
    ):
        with pytest.raises(ValueError) as error:
            attempt()
        messages.add(str(error.value))
    assert len(messages) == 1 and "log" in messages.pop()


# --- Downloads: never a half-written file, even with two processes at once ---------------


class _Files(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802 (the http.server API)
        body = self.files.get(self.path.rsplit("/", 1)[-1])
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for start in range(0, len(body), 4096):  # slowly, so that the two processes overlap
            self.wfile.write(body[start : start + 4096])

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    payload = np.random.default_rng(1).bytes(300_000)
    _Files.files = {"good.bin": payload, "bad.bin": payload[:-1] + b"x"}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", hashlib.sha256(payload).hexdigest()
    httpd.shutdown()


def _fetch_in_a_process(name, mirror, sha256, folder):
    try:
        return str(data.fetch(name, [mirror], sha256, folder, timeout=20))
    except data.DownloadError as error:
        return f"error: {error}"


def test_two_processes_downloading_at_once_leave_one_good_file(server, tmp_path):
    mirror, sha256 = server
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(
            _fetch_in_a_process, [("good.bin", mirror, sha256, str(tmp_path))] * 2
        )
    assert all(not r.startswith("error") for r in results), results
    assert [p.name for p in tmp_path.iterdir()] == ["good.bin"]
    assert hashlib.sha256((tmp_path / "good.bin").read_bytes()).hexdigest() == sha256


def test_a_corrupt_download_is_never_cached_and_a_retry_is_clean(server, tmp_path):
    mirror, sha256 = server
    fetch = partial(data.fetch, mirrors=[mirror], sha256=sha256, folder=tmp_path, timeout=20)
    with pytest.raises(data.DownloadError, match="SHA-256|sha256|hash"):
        fetch("bad.bin")
    assert list(tmp_path.iterdir()) == []
    _Files.files["bad.bin"] = _Files.files["good.bin"]  # the mirror is repaired
    assert fetch("bad.bin").read_bytes() == _Files.files["good.bin"]
    assert [p.name for p in tmp_path.iterdir()] == ["bad.bin"]


def test_loss_of_1000_logits_is_finite():
    logits = Tensor(np.array([[1000.0, -1000.0, 0.0]]), requires_grad=True)
    loss = softmax_cross_entropy(logits, np.array([1]))
    loss.backward()
    assert math.isfinite(loss.item()) and np.all(np.isfinite(logits.grad))
