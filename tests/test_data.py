"""Tests for ppn.data: the IDX reader (valid, malformed, fuzzed), verified downloads from a local
HTTP server, the loaders' search order and errors, the offline MNIST copy, and the helpers.

No test touches the network: the default mirrors are emptied for every test, proxies are
disabled, and the only server is a thread on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import re
import socket
import threading
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ppn import data

# Read before the autouse fixture below clears it for every test.
ENV_DATA_DIR = os.environ.get("PPN_DATA_DIR")
OFFLINE_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist-10k"
FUZZ_EXAMPLES = int(os.environ.get("PPN_FUZZ_EXAMPLES", "200"))


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No default mirrors, no proxies, an empty user cache and no PPN_DATA_DIR."""
    monkeypatch.setattr(data, "MNIST_MIRRORS", ())
    monkeypatch.setattr(data, "FASHION_MNIST_MIRRORS", ())
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("PPN_DATA_DIR", raising=False)


# --- building IDX files ---------------------------------------------------------------------


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """The IDX encoding of a uint8 array: 00 00 code ndim, the sizes, the data."""
    return header(*array.shape, code=code) + array.astype(np.uint8).tobytes()


def gz(content: bytes) -> bytes:
    return gzip.compress(content, mtime=0)


def header(*shape: int, code: int = 0x08) -> bytes:
    """An IDX header: 00 00 code ndim, then each size as 4 big-endian bytes."""
    return bytes([0, 0, code, len(shape)]) + b"".join(int(n).to_bytes(4, "big") for n in shape)


def make_dataset(n_train: int = 6, n_test: int = 4, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_dataset(folder: Path, arrays: dict[str, np.ndarray], compress: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in arrays.items():
        content = idx_bytes(array)
        if compress:
            (folder / f"{stem}.gz").write_bytes(gz(content))
        else:
            (folder / stem).write_bytes(content)
    return folder


def assert_loaded(result, arrays: dict[str, np.ndarray]) -> None:
    (x_train, y_train), (x_test, y_test) = result
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8


# --- the IDX reader on valid files ----------------------------------------------------------

IMAGES = np.arange(3 * 28 * 28, dtype=np.uint64).reshape(3, 28, 28).astype(np.uint8)


@pytest.mark.parametrize(
    ("name", "compress"),
    [("images.idx", False), ("images.gz", True), ("gzip-without-suffix", True), ("raw.gz", False)],
)
def test_read_idx_reads_gzip_and_raw_by_content_not_name(tmp_path, name, compress):
    content = idx_bytes(IMAGES)
    path = tmp_path / name
    path.write_bytes(gz(content) if compress else content)
    result = data.read_idx(path, ndim=3)
    assert result.dtype == np.uint8
    assert result.shape == (3, 28, 28)
    np.testing.assert_array_equal(result, IMAGES)
    assert result.flags.writeable  # the caller owns the array: no read-only surprise
    result[0, 0, 0] = 7


def test_read_idx_labels_and_empty_arrays(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(gz(idx_bytes(np.array([5, 0, 4], dtype=np.uint8))))
    np.testing.assert_array_equal(data.read_idx(path), [5, 0, 4])
    empty = tmp_path / "empty"
    empty.write_bytes(header(0, 28, 28))
    assert data.read_idx(empty).shape == (0, 28, 28)


def test_read_idx_checks_the_expected_magic_number(tmp_path):
    path = tmp_path / "labels"
    path.write_bytes(idx_bytes(np.zeros(4, dtype=np.uint8)))
    with pytest.raises(ValueError, match="wrong magic number 0x00000801") as error:
        data.read_idx(path, ndim=3)
    assert str(path) in str(error.value)
    assert "0x00000803" in str(error.value)


def test_read_idx_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        data.read_idx(tmp_path / "nothing-here")


# --- the IDX reader on malformed files ------------------------------------------------------

VALID = idx_bytes(np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4))
VALID_GZ = gz(VALID)

MALFORMED = {
    "empty file": (b"", "too short for an IDX header"),
    "two bytes": (b"\x00\x00", "too short for an IDX header"),
    "wrong magic": (b"\x12\x34\x08\x03" + VALID[4:], "not an IDX file: magic number 0x12340803"),
    "png signature": (b"\x89PNG\r\n\x1a\n" + bytes(100), "not an IDX file"),
    "int32 data type": (b"\x00\x00\x0c\x01" + VALID[4:], "unsupported IDX data type code 0x0C"),
    "zero dimensions": (b"\x00\x00\x08\x00", "declares 0 dimensions"),
    "sizes cut short": (VALID[:9], "ends inside the list of sizes"),
    "data truncated": (VALID[:-5], "more than the file can hold"),
    "trailing garbage": (VALID + b"\x00", "trailing garbage"),
    "gzip, truncated stream": (VALID_GZ[:-12], "corrupt or truncated gzip stream"),
    "gzip, only the magic": (b"\x1f\x8b", "corrupt or truncated gzip stream"),
    "gzip, bad method": (b"\x1f\x8b\x07" + VALID_GZ[3:], "corrupt or truncated gzip stream"),
    "gzip, bad CRC": (VALID_GZ[:-8] + b"\xde\xad\xbe\xef" + VALID_GZ[-4:], "CRC check failed"),
    "gzip, data truncated": (gz(VALID[:-5]), "the data ends after 19 bytes"),
    "gzip, trailing data": (gz(VALID + b"\x01\x02"), "trailing garbage"),
    "gzip, garbage after the stream": (VALID_GZ + b"garbage", "corrupt or truncated gzip stream"),
    "gzip of random text": (gz(b"hello, world"), "not an IDX file"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_read_idx_malformed_files_raise_value_error_naming_file_and_problem(tmp_path, case):
    content, problem = MALFORMED[case]
    path = tmp_path / "malformed-file.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError) as error:
        data.read_idx(path)
    message = str(error.value)
    assert str(path) in message
    assert problem in message


def test_read_idx_corrupt_deflate_data(tmp_path):
    # Flip bits in the middle of the compressed data of a larger, incompressible file.
    content = bytearray(gz(idx_bytes(np.random.default_rng(1).integers(0, 256, 5000, np.uint8))))
    for i in range(len(content) // 2, len(content) // 2 + 16):
        content[i] ^= 0xFF
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(content))
    with pytest.raises(ValueError, match="corrupt or truncated gzip stream") as error:
        data.read_idx(path)
    assert str(path) in str(error.value)


def read_idx_failure(path, match: str):
    """read_idx(path) must raise ValueError matching ``match``: (that error, peak traced bytes)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=match) as error:
            data.read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return error.value, peak


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_read_idx_lying_header_fails_before_allocating(tmp_path, compress):
    # 10^9 images of 28×28 declared in a file of about 100 bytes.
    content = header(10**9, 28, 28) + bytes(84)
    path = tmp_path / "liar"
    path.write_bytes(gz(content) if compress else content)
    error, peak = read_idx_failure(path, "784000000000 data bytes, more than")
    assert str(path) in str(error)
    assert peak < 1_000_000


def test_read_idx_gzip_bomb_is_read_no_further_than_declared(tmp_path):
    # A header declaring 10 labels, followed by 64 MB of zeros that compress to about 64 kB.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    parts = [compressor.compress(header(10) + bytes(10))]
    zeros = bytes(1 << 20)
    parts += [compressor.compress(zeros) for _ in range(64)]
    parts.append(compressor.flush())
    path = tmp_path / "bomb.gz"
    path.write_bytes(b"".join(parts))
    error, peak = read_idx_failure(path, "trailing garbage")
    assert str(path) in str(error)
    assert peak < 2_000_000


# --- fuzzing: any bytes give either the right array or ValueError ---------------------------


def reference_parse(content: bytes) -> np.ndarray:
    """An independent, trusting parser: what a correct reader must return when it succeeds."""
    raw = gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw[4 + 4 * ndim :], dtype=np.uint8).reshape(shape)


@st.composite
def mutations(draw):
    """A valid raw or gzip IDX file with a few bytes flipped, inserted, deleted or cut off."""
    content = bytearray(draw(st.sampled_from([VALID, VALID_GZ])))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(content)))
        kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "append"]))
        byte = draw(st.integers(0, 255))
        if kind == "replace" and position < len(content):
            content[position] = byte
        elif kind == "insert":
            content.insert(position, byte)
        elif kind == "delete" and position < len(content):
            del content[position]
        elif kind == "truncate":
            del content[position:]
        elif kind == "append":
            content += draw(st.binary(max_size=16))
    return bytes(content)


idx_like = st.builds(
    lambda ndim, rest: bytes([0, 0, 8, ndim]) + rest, st.integers(0, 4), st.binary(max_size=64)
)
valid_idx = hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0)).map(
    idx_bytes
)
file_contents = st.one_of(
    valid_idx,
    valid_idx.map(gz),
    st.binary(max_size=200),
    st.binary(max_size=200).map(lambda b: b"\x1f\x8b" + b),
    idx_like,
    idx_like.map(gz),
    mutations(),
)


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(content=file_contents)
def test_read_idx_fuzz_returns_the_right_array_or_raises_value_error(tmp_path, content):
    path = tmp_path / "fuzzed"
    path.write_bytes(content)
    try:
        result = data.read_idx(path)
    except ValueError as error:
        assert str(path) in str(error)
        # Group the messages by kind for --hypothesis-show-statistics.
        event(re.sub(r"0x[0-9A-F]+|\d+", "N", str(error).removeprefix(f"{path}: "))[:50])
        return
    event("read an array")
    expected = reference_parse(content)
    assert result.dtype == np.uint8
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


# --- downloads from a local HTTP server -----------------------------------------------------

GOOD = gz(idx_bytes(np.random.default_rng(2).integers(0, 256, (3, 28, 28), np.uint8)))
GOOD_SHA256 = hashlib.sha256(GOOD).hexdigest()
NAME = "train-images-idx3-ubyte.gz"


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the server's folder; under /drop/ it promises the whole file and sends half."""

    def do_GET(self):
        if self.path.startswith("/drop/"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[: len(GOOD) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Base URL of a threaded HTTP server on 127.0.0.1 (random free port) with test mirrors."""
    root = tmp_path_factory.mktemp("mirrors")
    corrupt = bytearray(GOOD)
    corrupt[len(corrupt) // 2] ^= 0xFF
    for folder, content in {
        "good": GOOD,
        "corrupt": bytes(corrupt),
        "short": GOOD[:-100],
        "long": GOOD + b"extra",
    }.items():
        (root / folder).mkdir()
        (root / folder / NAME).write_bytes(content)
    (root / "empty").mkdir()

    def handler(*args, **kwargs):
        return Handler(*args, directory=str(root), **kwargs)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = httpd.server_address[:2]
    yield f"http://{host}:{port}/", root
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def down_mirror():
    """A URL on 127.0.0.1 where nothing listens (a port just released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


def test_fetch_caches_a_good_file(server, tmp_path):
    base, _ = server
    cache = tmp_path / "cache"
    path = data.fetch(NAME, [base + "good/"], GOOD_SHA256, cache, size=len(GOOD))
    assert path == cache / NAME
    assert path.read_bytes() == GOOD
    assert os.listdir(cache) == [NAME]  # no temporary file left behind


@pytest.mark.parametrize(
    ("folder", "problem"),
    [
        ("corrupt", "does not match the published"),
        ("short", "truncated: got"),
        ("long", "served more than the published"),
        ("drop", "connection closed after"),
        ("empty", "404"),
    ],
)
def test_fetch_rejects_bad_copies_and_leaves_nothing_behind(server, tmp_path, folder, problem):
    base, _ = server
    cache = tmp_path / "cache"
    with pytest.raises(data.DownloadError) as error:
        data.fetch(NAME, [base + folder + "/"], GOOD_SHA256, cache, size=len(GOOD))
    message = str(error.value)
    assert problem in message
    assert f"{base}{folder}/{NAME}" in message
    assert os.listdir(cache) == []  # neither the final nor a temporary file


def test_fetch_checks_the_hash_even_without_a_size(server, tmp_path):
    base, _ = server
    with pytest.raises(data.DownloadError, match="SHA-256"):
        data.fetch(NAME, [base + "short"], GOOD_SHA256, tmp_path)  # base without a slash
    assert os.listdir(tmp_path) == []


def test_fetch_falls_through_to_the_next_mirror(server, tmp_path, down_mirror):
    base, _ = server
    mirrors = [down_mirror, base + "empty/", base + "corrupt/", base + "good/"]
    path = data.fetch(NAME, mirrors, GOOD_SHA256, tmp_path, size=len(GOOD))
    assert path.read_bytes() == GOOD
    assert os.listdir(tmp_path) == [NAME]


def test_fetch_reports_every_failed_mirror(server, tmp_path, down_mirror):
    base, _ = server
    with pytest.raises(data.DownloadError) as error:
        data.fetch(NAME, [down_mirror, base + "corrupt/"], GOOD_SHA256, tmp_path, size=len(GOOD))
    assert down_mirror + NAME in str(error.value)
    assert base + "corrupt/" + NAME in str(error.value)
    assert isinstance(error.value, OSError)


def test_concurrent_fetches_share_the_cache_safely(server, tmp_path):
    base, _ = server
    errors = []

    def worker():
        try:
            data.fetch(NAME, [base + "good/"], GOOD_SHA256, tmp_path, size=len(GOOD))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert os.listdir(tmp_path) == [NAME]
    assert (tmp_path / NAME).read_bytes() == GOOD


def test_load_mnist_downloads_verifies_and_caches(server, tmp_path, monkeypatch, down_mirror):
    base, root = server
    arrays = make_dataset(seed=3)
    mirror = write_dataset(root / "mnist-mirror", arrays)
    published = {
        name: (len(content), hashlib.sha256(content).hexdigest())
        for name in data.FILE_NAMES
        for content in [(mirror / name).read_bytes()]
    }
    monkeypatch.setattr(data, "MNIST_FILES", published)
    result = data.load_mnist(mirrors=[down_mirror, base + "mnist-mirror/"])
    assert_loaded(result, arrays)
    cache = tmp_path / "user-cache" / "ppn" / "mnist"
    assert sorted(os.listdir(cache)) == sorted(data.FILE_NAMES)
    # The second time, the cache is enough.
    assert_loaded(data.load_mnist(download=False), arrays)


def test_load_mnist_rejects_a_download_with_the_wrong_hash(server, tmp_path):
    # The published MNIST hashes cannot match the small files of the test mirror.
    base, root = server
    write_dataset(root / "fake-mnist", make_dataset(seed=4))
    with pytest.raises(data.DatasetNotFoundError) as error:
        data.load_mnist(mirrors=[base + "fake-mnist/"])
    message = str(error.value)
    assert f"Download failed: cannot download {NAME}:\n    {base}fake-mnist/{NAME}" in message
    assert "the published file has 9912422" in message
    assert os.listdir(tmp_path / "user-cache" / "ppn" / "mnist") == []


# --- the loaders: where they look, and what they say when nothing is there ------------------


def test_data_dir_comes_first_then_ppn_data_dir(tmp_path, monkeypatch):
    first, second = make_dataset(seed=5), make_dataset(seed=6)
    write_dataset(tmp_path / "argument", first)
    write_dataset(tmp_path / "environment", second)
    monkeypatch.setenv("PPN_DATA_DIR", str(tmp_path / "environment"))
    assert_loaded(data.load_mnist(tmp_path / "argument", download=False), first)
    assert_loaded(data.load_mnist(download=False), second)


def test_uncompressed_files_and_dataset_subfolders_are_found(tmp_path, monkeypatch):
    arrays = make_dataset(seed=7)
    write_dataset(tmp_path / "root" / "mnist", arrays, compress=False)
    assert_loaded(data.load_mnist(str(tmp_path / "root"), download=False), arrays)
    monkeypatch.setenv("PPN_DATA_DIR", str(tmp_path / "root"))
    assert_loaded(data.load_mnist(download=False), arrays)


def test_the_user_cache_is_searched(tmp_path):
    arrays = make_dataset(seed=8)
    write_dataset(tmp_path / "user-cache" / "ppn" / "mnist", arrays)
    assert_loaded(data.load_mnist(download=False), arrays)


def test_fashion_mnist_never_reads_mnist_from_ppn_data_dir_itself(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "FASHION_MNIST_SYSTEM_FOLDERS", ())
    digits, clothes = make_dataset(seed=9), make_dataset(seed=10)
    write_dataset(tmp_path / "data", digits)
    monkeypatch.setenv("PPN_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(data.DatasetNotFoundError):
        data.load_fashion_mnist(download=False)
    write_dataset(tmp_path / "data" / "fashion-mnist", clothes)
    assert_loaded(data.load_fashion_mnist(download=False), clothes)
    assert_loaded(data.load_mnist(download=False), digits)


def test_nothing_found_offline_is_one_clear_error(tmp_path, monkeypatch):
    partial = write_dataset(tmp_path / "partial", make_dataset(seed=11))
    (partial / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("PPN_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(data.DatasetNotFoundError) as error:
        data.load_mnist(partial, download=False)
    assert isinstance(error.value, FileNotFoundError)
    message = str(error.value)
    for name in data.FILE_NAMES:
        assert name in message
    for folder in [
        partial,
        partial / "mnist",
        tmp_path / "env",
        tmp_path / "env" / "mnist",
        tmp_path / "user-cache" / "ppn" / "mnist",
    ]:
        assert f"  {folder} (" in message
    assert f"{partial} (missing t10k-labels-idx1-ubyte.gz)" in message
    assert "download=False" in message
    assert "PPN_DATA_DIR" in message


def test_nothing_found_reports_the_download_failure(tmp_path, monkeypatch, down_mirror):
    monkeypatch.setattr(data, "FASHION_MNIST_SYSTEM_FOLDERS", (str(tmp_path / "system"),))
    with pytest.raises(data.DatasetNotFoundError) as error:
        data.load_fashion_mnist(mirrors=[down_mirror])
    message = str(error.value)
    assert "Fashion-MNIST not found" in message
    assert f"  {tmp_path / 'system'} (no such folder)" in message
    assert "Download failed: cannot download train-images-idx3-ubyte.gz" in message
    assert down_mirror in message
    assert "fashion-mnist" in message and "PPN_DATA_DIR" in message


def test_images_and_labels_must_agree(tmp_path):
    arrays = make_dataset(seed=12)
    arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"][:-1]
    folder = write_dataset(tmp_path / "disagree", arrays)
    with pytest.raises(ValueError, match="holds 6 images but .* holds 5 labels") as error:
        data.load_mnist(folder, download=False)
    assert str(folder / "train-images-idx3-ubyte.gz") in str(error.value)
    assert str(folder / "train-labels-idx1-ubyte.gz") in str(error.value)


@pytest.mark.parametrize(
    ("stem", "array", "problem"),
    [
        ("t10k-images-idx3-ubyte", np.zeros((4, 27, 28), np.uint8), "27×28 pixels, expected 28×28"),
        ("t10k-labels-idx1-ubyte", np.array([1, 2, 10, 3], np.uint8), "label 10 at index 2"),
        ("t10k-images-idx3-ubyte", np.zeros((4, 784), np.uint8), "wrong magic number 0x00000802"),
    ],
)
def test_the_loader_checks_the_structure_of_local_files(tmp_path, stem, array, problem):
    arrays = make_dataset(seed=13)
    arrays[stem] = array
    folder = write_dataset(tmp_path / "odd", arrays)
    with pytest.raises(ValueError, match=problem) as error:
        data.load_mnist(folder, download=False)
    assert str(folder / f"{stem}.gz") in str(error.value)


# --- the real data, when present ------------------------------------------------------------


def test_offline_mnist_folder(monkeypatch):
    if ENV_DATA_DIR:
        monkeypatch.setenv("PPN_DATA_DIR", ENV_DATA_DIR)
        location = None
    elif OFFLINE_MNIST.is_dir():
        location = OFFLINE_MNIST
    else:
        pytest.skip(f"no offline MNIST: PPN_DATA_DIR is not set and {OFFLINE_MNIST} is absent")
    (x_train, y_train), (x_test, y_test) = data.load_mnist(location, download=False)
    # The offline copy has the first 10,000 training images; a full copy has 60,000.
    assert x_train.shape in {(10_000, 28, 28), (60_000, 28, 28)}
    assert y_train.shape == (len(x_train),)
    assert x_test.shape == (10_000, 28, 28)
    assert y_test.shape == (10_000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert x_train.max() == 255
    # The first digits of the official files: a 5 in training, a 7 in testing.
    assert (y_train[0], y_test[0]) == (5, 7)


def test_fashion_mnist_from_debian(monkeypatch):
    folder = Path(data.FASHION_MNIST_SYSTEM_FOLDERS[0])
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (apt-get install dataset-fashion-mnist)")
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(download=False)
    assert x_train.shape == (60_000, 28, 28) and y_train.shape == (60_000,)
    assert x_test.shape == (10_000, 28, 28) and y_test.shape == (10_000,)
    assert set(np.unique(y_test)) == set(range(10))


# --- helpers --------------------------------------------------------------------------------


def test_one_hot():
    encoded = data.one_hot(np.array([3, 0, 9], dtype=np.uint8))
    assert encoded.dtype == np.float32
    assert encoded.shape == (3, 10)
    np.testing.assert_array_equal(encoded.argmax(axis=1), [3, 0, 9])
    np.testing.assert_array_equal(encoded.sum(axis=1), [1, 1, 1])
    np.testing.assert_array_equal(data.one_hot([1, 0], num_classes=2), [[0, 1], [1, 0]])
    assert data.one_hot(np.zeros((2, 3), dtype=int)).shape == (2, 3, 10)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([1, 2, 10], "label 10 at index 2 is outside 0..9"),
        ([-1, 2], "label -1 at index 0"),
        ([[0, 1], [2, 11]], r"label 11 at index \(1, 1\)"),
    ],
)
def test_one_hot_rejects_labels_out_of_range(labels, message):
    with pytest.raises(ValueError, match=message):
        data.one_hot(np.array(labels))


def test_one_hot_rejects_non_integer_labels():
    with pytest.raises(TypeError, match="float64"):
        data.one_hot(np.array([1.0, 2.0]))


def test_to_float():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    scaled = data.to_float(images)
    assert scaled.dtype == np.float32
    assert scaled.shape == (1, 2, 2)
    np.testing.assert_allclose(scaled, [[[0.0, 1.0], [0.2, 0.4]]], rtol=1e-7)
    assert data.to_float(IMAGES, flatten=True).shape == (3, 784)
    assert images[0, 0, 1] == 255  # the input is untouched


def test_to_float_refuses_to_scale_twice():
    with pytest.raises(TypeError, match="uint8"):
        data.to_float(np.zeros((1, 28, 28), dtype=np.float32))


def test_train_validation_split():
    x = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    (x_train, y_train), (x_val, y_val) = data.train_validation_split(x, y, 10, seed=0)
    assert (len(x_train), len(x_val)) == (40, 10)
    np.testing.assert_array_equal(x_train[:, 0] // 2, y_train)  # rows stay with their labels
    np.testing.assert_array_equal(x_val[:, 0] // 2, y_val)
    assert set(y_train).isdisjoint(y_val)
    assert set(y_train) | set(y_val) == set(range(50))
    (_, again), (_, again_val) = data.train_validation_split(x, y, 10, seed=0)
    np.testing.assert_array_equal(again, y_train)
    np.testing.assert_array_equal(again_val, y_val)
    (_, _), (_, other_val) = data.train_validation_split(x, y, 10, seed=1)
    assert not np.array_equal(other_val, y_val)
    (_, _), (_, fraction_val) = data.train_validation_split(x, y, 0.2, seed=0)
    assert len(fraction_val) == 10


@pytest.mark.parametrize(
    ("y", "size", "message"),
    [
        (np.arange(4), 1, "x has 5 rows but y has 4"),
        (np.arange(5), 6, "between 0 and 5"),
        (np.arange(5), 1.5, r"in \(0, 1\)"),
    ],
)
def test_train_validation_split_errors(y, size, message):
    with pytest.raises(ValueError, match=message):
        data.train_validation_split(np.arange(5), y, size, seed=0)
