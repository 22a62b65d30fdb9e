"""Datasets for the course: an IDX reader, the MNIST and Fashion-MNIST loaders, verified downloads.

MNIST (and Fashion-MNIST, its drop-in replacement) ships as four files in the
IDX format: a big-endian header ``00 00 <type> <ndim>``, then ``ndim`` sizes
as 32-bit unsigned integers, then the data, row-major.  The type code 0x08
means unsigned bytes, the only type these datasets use.

Where the files come from, in order (the first folder holding all four wins):

1. the ``data_dir`` argument (the folder itself, then its ``<dataset>/``
   subfolder, where ``<dataset>`` is ``mnist`` or ``fashion-mnist``);
2. the environment variable ``PPN_DATA_DIR``: its ``<dataset>/`` subfolder
   and, for MNIST only, the folder itself (so ``PPN_DATA_DIR`` may name an
   MNIST folder directly, and Fashion-MNIST, whose files have the same names,
   never silently loads digits from it);
3. the per-user cache ``$XDG_CACHE_HOME/ppn/<dataset>`` (default
   ``~/.cache/ppn/<dataset>``), where downloads are stored;
4. for Fashion-MNIST, the folder of Debian's package ``dataset-fashion-mnist``
   (``/usr/share/datasets/fashion-mnist``);
5. with ``download=True``, the public mirrors, tried in order; a file is kept
   only if its SHA-256 matches the published one, and it is renamed into the
   cache only once complete, so an interrupted or corrupt download is never
   cached.

Files found on disk are checked for structure (magic numbers, sizes, counts),
not for the published hashes: the course's offline copy holds the first
10,000 training images only, and Debian recompresses its files.  So a
training set may be smaller than 60,000 images; ``len(x_train)`` tells.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import math
import os
import tempfile
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = [
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_MIRRORS",
    "FASHION_MNIST_SYSTEM_FOLDERS",
    "FILE_NAMES",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "DatasetNotFoundError",
    "DownloadError",
    "elastic_distortion",
    "fetch",
    "load_fashion_mnist",
    "load_mnist",
    "one_hot",
    "prepare_digit",
    "random_shift",
    "shift_images",
    "read_idx",
    "resize_area",
    "to_float",
    "train_validation_split",
    "warp_images",
    "write_atomically",
]

FILE_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# Plain http is safe enough here: every download is checked against its SHA-256.
FASHION_MNIST_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)

# file name -> (size in bytes, SHA-256) of the published files.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": (
        9_912_422,
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ),
    "train-labels-idx1-ubyte.gz": (
        28_881,
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ),
    "t10k-images-idx3-ubyte.gz": (
        1_648_877,
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        4_542,
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
}

# Zalando publishes MD5 sums only.  These SHA-256 sums and sizes are those of
# TensorFlow Datasets (url_checksums/fashion_mnist.txt), whose MNIST entries
# equal the official ones above; other projects pin the same values for both
# the S3 files and the GitHub copies.
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": (
        26_421_880,
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    ),
    "train-labels-idx1-ubyte.gz": (
        29_515,
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    ),
    "t10k-images-idx3-ubyte.gz": (
        4_422_102,
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        5_148,
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    ),
}

FASHION_MNIST_SYSTEM_FOLDERS = ("/usr/share/datasets/fashion-mnist",)

_GZIP_MAGIC = b"\x1f\x8b"
_UNSIGNED_BYTE = 0x08
# Deflate cannot expand data more than 1032-fold, so a gzip file of n bytes
# holds at most 1032·n bytes: a header declaring more is lying, and is caught
# before anything is allocated.
_MAX_DEFLATE_RATIO = 1032
_CHUNK = 1 << 20
_IMAGE_SHAPE = (28, 28)
_NUM_CLASSES = 10


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's four files are in none of the folders searched, and no download gave them."""


class DownloadError(OSError):
    """No mirror delivered a file with the published size and SHA-256."""


# --- the IDX reader -------------------------------------------------------------------------


def read_idx(path: str | os.PathLike[str], ndim: int | None = None) -> np.ndarray:
    """Array of uint8 with the shape the IDX header of ``path`` declares (gzip or raw)."""
    path = Path(path)
    with open(path, "rb") as file:
        file_size = os.fstat(file.fileno()).st_size
        compressed = file.read(2) == _GZIP_MAGIC
        file.seek(0)
        if compressed:
            return _read_gzip_idx(path, file, file_size, ndim)
        return _read_idx_stream(path, file, ndim, capacity=file_size, what="the file")


def _read_gzip_idx(path: Path, file, file_size: int, ndim: int | None) -> np.ndarray:
    # gzip reports damage with three exception types; all mean "malformed file".
    try:
        with gzip.GzipFile(fileobj=file, mode="rb") as stream:
            return _read_idx_stream(
                path,
                stream,
                ndim,
                capacity=_MAX_DEFLATE_RATIO * file_size,
                what=f"a {file_size}-byte gzip file",
            )
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise ValueError(f"{path}: corrupt or truncated gzip stream ({err})") from err


def _read_idx_stream(path: Path, stream, ndim: int | None, capacity: int, what: str) -> np.ndarray:
    """Parse the IDX header from ``stream``, then read exactly the data it declares."""
    magic = _read_exact(stream, 4)
    if len(magic) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(magic)} bytes)")
    if magic[0] != 0 or magic[1] != 0:
        raise ValueError(
            f"{path}: not an IDX file: magic number 0x{magic.hex().upper()} "
            "does not start with two zero bytes"
        )
    if magic[2] != _UNSIGNED_BYTE:
        raise ValueError(
            f"{path}: unsupported IDX data type code 0x{magic[2]:02X} "
            f"(only 0x{_UNSIGNED_BYTE:02X}, unsigned bytes, is supported)"
        )
    declared_ndim = magic[3]
    if declared_ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    if ndim is not None and declared_ndim != ndim:
        raise ValueError(
            f"{path}: wrong magic number 0x{magic.hex().upper()} ({declared_ndim}-D data), "
            f"expected 0x000008{ndim:02X} ({ndim}-D data)"
        )
    header = _read_exact(stream, 4 * declared_ndim)
    if len(header) < 4 * declared_ndim:
        raise ValueError(
            f"{path}: IDX header declares {declared_ndim} dimensions "
            "but the file ends inside the list of sizes"
        )
    shape = tuple(int.from_bytes(header[i : i + 4], "big") for i in range(0, len(header), 4))
    size = math.prod(shape)  # a Python int: no overflow, however large the header lies
    header_size = 4 + len(header)
    if header_size + size > capacity:
        raise ValueError(
            f"{path}: IDX header declares shape {shape}, {size} data bytes, "
            f"more than {what} can hold"
        )
    # A bytearray, filled in place, gives a writeable array with a single copy
    # of the data (from the file or the decompressor into the array).
    buffer = bytearray(size)
    view = memoryview(buffer)
    filled = 0
    while filled < size:
        count = stream.readinto(view[filled : filled + _CHUNK])
        if not count:
            raise ValueError(
                f"{path}: truncated: IDX header declares shape {shape}, {size} data bytes, "
                f"but the data ends after {filled} bytes"
            )
        filled += count
    # Reading one byte past the end also makes gzip check its CRC and length.
    if stream.read(1):
        raise ValueError(
            f"{path}: trailing garbage after the {size} data bytes of shape {shape} "
            "that the IDX header declares"
        )
    return np.frombuffer(buffer, dtype=np.uint8).reshape(shape)


def _read_exact(stream, count: int) -> bytes:
    """Up to ``count`` bytes: fewer only at the end of the stream."""
    parts = []
    while count > 0:
        part = stream.read(count)
        if not part:
            break
        parts.append(part)
        count -= len(part)
    return b"".join(parts)


# --- downloads ------------------------------------------------------------------------------


def fetch(
    name: str,
    mirrors: Sequence[str],
    sha256: str,
    folder: str | os.PathLike[str],
    *,
    size: int | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download ``name`` into ``folder`` from the first mirror whose copy has this SHA-256."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    failures = []
    for base in mirrors:
        url = base + name if base.endswith("/") else f"{base}/{name}"
        try:
            _download(url, target, sha256.lower(), size, timeout)
            return target
        # URLError and socket errors are OSErrors; IncompleteRead (a connection
        # closed mid-body) is an HTTPException; a bad URL is a ValueError.
        except (OSError, http.client.HTTPException, ValueError) as err:
            failures.append(f"\n    {url}: {err}")
    if not failures:
        raise DownloadError(f"cannot download {name}: no mirrors given")
    raise DownloadError(f"cannot download {name}:" + "".join(failures))


def _download(url: str, target: Path, sha256: str, size: int | None, timeout: float) -> None:
    """Stream ``url`` into a unique temporary file beside ``target``; rename it once verified."""

    def write(out) -> None:
        digest = hashlib.sha256()
        received = 0
        request = urllib.request.Request(url, headers={"User-Agent": "ppn (python urllib)"})
        with urllib.request.urlopen(request, timeout=timeout) as r:
            while chunk := r.read(_CHUNK):
                received += len(chunk)
                if size is not None and received > size:
                    raise DownloadError(f"served more than the published {size} bytes")
                digest.update(chunk)
                out.write(chunk)
            # http.client returns a short body silently when the connection drops.
            announced = r.headers.get("Content-Length")
            if announced is not None and announced.isdigit() and received != int(announced):
                raise DownloadError(
                    f"connection closed after {received} of the {announced} bytes announced"
                )
        if size is not None and received != size:
            raise DownloadError(f"truncated: got {received} bytes, the published file has {size}")
        if digest.hexdigest() != sha256:
            raise DownloadError(
                f"SHA-256 {digest.hexdigest()} does not match the published {sha256}"
            )

    # The temporary file's name is unique per download, so concurrent loaders can share the
    # cache: each writes its own file, and the rename is atomic, so readers only ever see a
    # missing file or a complete, verified one.  Whatever goes wrong (even Ctrl-C), no
    # partial file stays behind.
    write_atomically(target, write)


def write_atomically(path: str | os.PathLike[str], write, binary: bool = True) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``.

    The temporary file has a unique name and is synced to disk before the rename, which is
    atomic: a reader of ``path`` sees the old file or the complete new one, never half of
    it.  If anything goes wrong (even Ctrl-C), the temporary file is deleted.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb" if binary else "w") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); give it the usual permissions instead.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- the loaders ----------------------------------------------------------------------------

Arrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
) -> Arrays:
    """MNIST digits as ``(x_train, y_train), (x_test, y_test)``: uint8, shapes (N, 28, 28) and (N,).

    Looks in ``data_dir``, then ``$PPN_DATA_DIR`` (the folder itself or its
    ``mnist/`` subfolder), then the cache ``$XDG_CACHE_HOME/ppn/mnist``; then,
    if ``download``, fetches the files from ``mirrors`` (default
    ``MNIST_MIRRORS``) into that cache.  See the module docstring for details.
    """
    return _load("mnist", data_dir, download, mirrors)


def load_fashion_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    *,
    mirrors: Sequence[str] | None = None,
) -> Arrays:
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``: uint8, (N, 28, 28) and (N,).

    Looks in ``data_dir``, then ``$PPN_DATA_DIR/fashion-mnist`` (never in
    ``$PPN_DATA_DIR`` itself: the files have MNIST's names), then the cache
    ``$XDG_CACHE_HOME/ppn/fashion-mnist``, then Debian's
    ``/usr/share/datasets/fashion-mnist``; then, if ``download``, fetches the
    files from ``mirrors`` (default ``FASHION_MNIST_MIRRORS``) into that cache.
    """
    return _load("fashion-mnist", data_dir, download, mirrors)


def _spec(dataset: str) -> tuple[str, Sequence[str], dict[str, tuple[int, str]], Sequence[str]]:
    """Title, mirrors, published files, system folders: read at call time, so tests can patch."""
    if dataset == "mnist":
        return "MNIST", MNIST_MIRRORS, MNIST_FILES, ()
    return "Fashion-MNIST", FASHION_MNIST_MIRRORS, FASHION_MNIST_FILES, FASHION_MNIST_SYSTEM_FOLDERS


def _cache_folder(dataset: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG specification says to ignore a relative XDG_CACHE_HOME.
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "ppn" / dataset


def _search_folders(dataset: str, data_dir: str | os.PathLike[str] | None) -> list[Path]:
    folders = []
    if data_dir is not None:
        folders += [Path(data_dir), Path(data_dir) / dataset]
    environment = os.environ.get("PPN_DATA_DIR", "")
    if environment:
        if dataset == "mnist":
            folders.append(Path(environment))
        folders.append(Path(environment) / dataset)
    folders.append(_cache_folder(dataset))
    folders += [Path(folder) for folder in _spec(dataset)[3]]
    return list(dict.fromkeys(folders))  # without duplicates, in order


def _look_in(folder: Path) -> tuple[list[Path], list[str]]:
    """The files found in ``folder`` (gzip or uncompressed), and the names missing."""
    found, missing = [], []
    for name in FILE_NAMES:
        for candidate in (folder / name, folder / name.removesuffix(".gz")):
            if candidate.is_file():
                found.append(candidate)
                break
        else:
            missing.append(name)
    return found, missing


def _load(
    dataset: str,
    data_dir: str | os.PathLike[str] | None,
    download: bool,
    mirrors: Sequence[str] | None,
) -> Arrays:
    title, default_mirrors, published, _ = _spec(dataset)
    searched = []
    for folder in _search_folders(dataset, data_dir):
        found, missing = _look_in(folder)
        if not missing:
            return _read_dataset(found)
        searched.append((folder, missing))

    failure = "not attempted (download=False)"
    if download:
        cache = _cache_folder(dataset)
        mirrors_used = default_mirrors if mirrors is None else mirrors
        try:
            paths = []
            for name in FILE_NAMES:
                # A file in the cache got there only after verification.
                if (cache / name).is_file():
                    paths.append(cache / name)
                    continue
                size, sha256 = published[name]
                paths.append(fetch(name, mirrors_used, sha256, cache, size=size))
        except OSError as err:  # DownloadError, or a cache folder we cannot write
            failure = f"failed: {err}"
        else:
            return _read_dataset(paths)
    raise DatasetNotFoundError(_not_found_message(dataset, title, searched, failure))


def _not_found_message(
    dataset: str, title: str, searched: list[tuple[Path, list[str]]], failure: str
) -> str:
    lines = [
        f"{title} not found. A folder counts when it holds all four files "
        + ", ".join(FILE_NAMES)
        + " (each may also be uncompressed, without .gz). Looked in:"
    ]
    for folder, missing in searched:
        if not folder.is_dir():
            lines.append(f"  {folder} (no such folder)")
        elif len(missing) == len(FILE_NAMES):
            lines.append(f"  {folder} (none of the four files)")
        else:
            lines.append(f"  {folder} (missing {', '.join(missing)})")
    lines.append(f"Download {failure}")
    if dataset == "mnist":
        where = (
            "the folder holding the files, or to a folder with an 'mnist' subfolder holding them"
        )
    else:
        where = (
            "a folder with a 'fashion-mnist' subfolder holding the files "
            "(or install Debian's package dataset-fashion-mnist)"
        )
    lines.append(
        f"To use files you have, set the environment variable PPN_DATA_DIR to {where}, "
        "or pass data_dir=... to the loader."
    )
    return "\n".join(lines)


def _read_dataset(paths: Sequence[Path]) -> Arrays:
    """Read and cross-check train images, train labels, test images, test labels."""
    train = _read_pair(paths[0], paths[1])
    test = _read_pair(paths[2], paths[3])
    return train, test


def _read_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    if images.shape[1:] != _IMAGE_SHAPE:
        raise ValueError(
            f"{images_path}: images are {images.shape[1]}×{images.shape[2]} pixels, expected 28×28"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} "
            f"holds {len(labels)} labels: the counts must agree"
        )
    bad = np.flatnonzero(labels >= _NUM_CLASSES)
    if bad.size:
        raise ValueError(f"{labels_path}: label {labels[bad[0]]} at index {bad[0]} is outside 0..9")
    return images, labels


# --- helpers the chapters use ---------------------------------------------------------------


def to_float(images: np.ndarray, flatten: bool = False) -> np.ndarray:
    """x / 255 as float32, mapping pixels 0..255 to [0, 1]; ``flatten`` gives shape (N, 784)."""
    images = np.asarray(images)
    # Refusing anything but uint8 catches the classic bug of scaling twice.
    if images.dtype != np.uint8:
        raise TypeError(f"to_float expects uint8 pixels, got dtype {images.dtype}")
    scaled = images.astype(np.float32)
    scaled /= np.float32(255)
    if flatten:
        scaled = scaled.reshape(len(scaled), -1)
    return scaled


def one_hot(labels: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """e_y: float32 rows of the identity, row k for label k; shape labels.shape + (num_classes,)."""
    labels = np.asarray(labels)
    if labels.dtype == np.bool_ or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"one_hot expects integer labels, got dtype {labels.dtype}")
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if bad.size:
        index = np.unravel_index(bad[0], labels.shape)
        position = int(index[0]) if len(index) == 1 else tuple(int(i) for i in index)
        raise ValueError(
            f"label {labels[index]} at index {position} is outside 0..{num_classes - 1}"
        )
    return np.eye(num_classes, dtype=np.float32)[labels]


def train_validation_split(
    x: np.ndarray, y: np.ndarray, validation_size: int | float, seed: int | None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Random disjoint split ``(x_train, y_train), (x_val, y_val)`` by ``default_rng(seed)``.

    ``validation_size`` is a count (int) or a fraction of ``len(x)`` (float in (0, 1)).
    """
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}: they must agree")
    n = len(x)
    if isinstance(validation_size, float):
        if not 0.0 < validation_size < 1.0:
            raise ValueError(
                f"a fractional validation_size must be in (0, 1), got {validation_size}"
            )
        count = round(validation_size * n)
    else:
        count = int(validation_size)
        if not 0 <= count <= n:
            raise ValueError(f"validation_size must be between 0 and {n}, got {validation_size}")
    order = np.random.default_rng(seed).permutation(n)
    validation, train = order[:count], order[count:]
    return (x[train], y[train]), (x[validation], y[validation])


# --- Images: augmentation and the preprocessing of a digit from outside MNIST -------------


def shift_images(images: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Each image moved by (dxᵢ, dyᵢ) pixels (right, down), filling with 0; shape kept."""
    flat = images.ndim == 2
    square = images.reshape(len(images), *_IMAGE_SHAPE) if flat else images
    height, width = square.shape[1:]
    shifted = np.zeros_like(square)
    # One slice assignment per distinct shift, not per image: at most 25 groups for ±2.
    for sx, sy in set(zip(np.asarray(dx).tolist(), np.asarray(dy).tolist(), strict=True)):
        if abs(sx) >= width or abs(sy) >= height:
            continue  # moved out of the frame entirely: the image stays all 0
        chosen = (dx == sx) & (dy == sy)
        target = shifted[chosen]
        target[:, max(sy, 0) : height + min(sy, 0), max(sx, 0) : width + min(sx, 0)] = square[
            chosen, max(-sy, 0) : height + min(-sy, 0), max(-sx, 0) : width + min(-sx, 0)
        ]
        shifted[chosen] = target
    return shifted.reshape(images.shape)


def random_shift(images: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Data augmentation (Simard et al. 2003): each image moved by a random whole-pixel shift."""
    dx = rng.integers(-max_shift, max_shift + 1, size=len(images))
    dy = rng.integers(-max_shift, max_shift + 1, size=len(images))
    return shift_images(images, dx, dy)


def warp_images(images: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """out[n, i, j] = image n read bilinearly at (rows[n, i, j], columns[n, i, j]), 0 outside.

    ``images`` are float, (N, 784) or (N, 28, 28); ``rows`` and ``columns`` are (N, 28, 28)
    positions, in pixels, that need not be whole.  Shape and dtype are kept.
    """
    images = np.asarray(images)
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"warping needs float images, got {images.dtype}: convert them first "
                         f"with ppn.data.to_float")  # fmt: skip
    square = images.reshape(len(images), *_IMAGE_SHAPE) if images.ndim == 2 else images
    count, height, width = square.shape
    if np.shape(rows) != square.shape or np.shape(columns) != square.shape:
        raise ValueError(f"positions of shapes {np.shape(rows)} and {np.shape(columns)} do not "
                         f"match the images' {square.shape}")  # fmt: skip
    # A border of zeros all round (two wide at the bottom and right, for the pixel after the
    # last), and positions clamped onto it: whatever lies outside the image reads as
    # background, with no test per pixel.  float32 and int32 throughout, and each corner
    # read through a shifted view rather than a shifted index: the warp costs a few passes
    # over the batch, less than a training step.
    dtype = square.dtype
    padded = np.zeros((count, height + 3, width + 3), dtype=dtype)
    padded[:, 1 : height + 1, 1 : width + 1] = square
    r = np.add(rows, 1, dtype=dtype)
    c = np.add(columns, 1, dtype=dtype)
    np.clip(r, 0, height + 1, out=r)
    np.clip(c, 0, width + 1, out=c)
    r0, c0 = r.astype(np.int32), c.astype(np.int32)  # r, c ≥ 0: truncation is the floor
    fr, fc = r - r0.astype(dtype), c - c0.astype(dtype)
    stride = width + 3
    corner = r0 * np.int32(stride)
    corner += c0
    corner += (np.arange(count, dtype=np.int32) * np.int32(padded[0].size))[:, None, None]
    pixels = padded.reshape(-1)
    top_left, top_right = np.take(pixels, corner), np.take(pixels[1:], corner)
    bottom_left = np.take(pixels[stride:], corner)
    bottom_right = np.take(pixels[stride + 1 :], corner)
    top = top_left + fc * (top_right - top_left)
    bottom = bottom_left + fc * (bottom_right - bottom_left)
    return (top + fr * (bottom - top)).reshape(images.shape)


@functools.lru_cache(maxsize=16)
def _gaussian_blur_matrix(size: int, sigma: float) -> np.ndarray:
    """(size, size) G, Gᵢₖ = exp(−(i − k)²/2σ²)/Σₘ exp(−m²/2σ²): G @ f blurs f along its rows."""
    offsets = np.arange(size)
    weights = np.exp(-((offsets[:, None] - offsets[None, :]) ** 2) / (2 * sigma**2))
    # Normalised by the whole kernel's sum (m over all integers, to 1e-16), so beyond the
    # edge counts as zero displacement, as in a convolution with zero padding.
    kernel_sum = np.exp(-(np.arange(-8 * size, 8 * size + 1) ** 2) / (2 * sigma**2)).sum()
    matrix = (weights / kernel_sum).astype(np.float32)
    matrix.flags.writeable = False  # cached and shared between calls
    return matrix


def elastic_distortion(
    images: np.ndarray, rng: np.random.Generator, alpha: float = 34.0, sigma: float = 4.0
) -> np.ndarray:
    """Elastic distortion (Simard et al. 2003): pixel p reads p + α·(G_σ ∗ u)(p), u ~ U(−1, 1)².

    Each image gets its own random displacement field: uniform noise in [−1, 1] for each
    pixel and direction, smoothed by a Gaussian of width ``sigma`` pixels (so neighbours
    move together, like a rubber sheet) and scaled by ``alpha``.  Simard et al. used
    σ = 4 and α = 34 on MNIST.  Small σ gives random jitter, large σ nearly a translation.
    """
    if alpha < 0 or not sigma > 0:
        raise ValueError(f"elastic distortion needs alpha ≥ 0 and sigma > 0, got {alpha}, {sigma}")
    height, width = _IMAGE_SHAPE if np.ndim(images) == 2 else np.shape(images)[1:]
    count = len(images)
    noise = rng.random((2, count, height, width), dtype=np.float32) * 2 - 1
    # The blur is separable: G_rows @ u @ G_columnsᵀ, two small matrix products per image.
    blurred = _gaussian_blur_matrix(height, sigma) @ noise @ _gaussian_blur_matrix(width, sigma).T
    displacement = np.float32(alpha) * blurred
    rows = np.arange(height, dtype=np.float32)[:, None] + displacement[0]
    columns = np.arange(width, dtype=np.float32)[None, :] + displacement[1]
    return warp_images(images, rows, columns)


def resize_area(levels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Box-filter resampling of grey levels 0–255: each new pixel is the mean of the area it covers.

    In one dimension, new pixel i of n covers old pixels [i·m/n, (i+1)·m/n) of m, partly
    at the ends: out[i] = Σₖ overlap(i, k)·x[k] / (m/n).  The overlaps, counted in units of
    1/n of an old pixel, are integers, so with integer levels the whole sum is exact; the
    mean is rounded half up to a level.  Exact integers make the result the same, to the
    last bit, in any language that repeats these steps (the book's page does it in JavaScript).
    """
    levels = np.asarray(levels)
    if levels.ndim != 2 or not np.issubdtype(levels.dtype, np.integer):
        raise ValueError(f"expected a 2-D array of integer grey levels, got {levels.dtype} "
                         f"of shape {levels.shape}")  # fmt: skip
    height, width = (int(n) for n in shape)
    if height < 1 or width < 1:
        raise ValueError(f"the new size must be positive, got {shape}")
    rows = _area_weights(levels.shape[0], height)
    columns = _area_weights(levels.shape[1], width)
    sums = rows @ levels.astype(np.int64) @ columns.T  # Σ overlap_y·overlap_x·level, exact
    divisor = levels.shape[0] * levels.shape[1]  # = the sum of the weights of one new pixel
    return ((2 * sums + divisor) // (2 * divisor)).astype(np.uint8)


@functools.lru_cache(maxsize=256)
def _area_weights(old: int, new: int) -> np.ndarray:
    """(new, old) integers: how much of old pixel k new pixel i covers, in 1/new of a pixel."""
    i = np.arange(new, dtype=np.int64)[:, None]
    k = np.arange(old, dtype=np.int64)[None, :]
    # On a common scale, new pixel i spans [i·old, (i+1)·old) and old pixel k [k·new, (k+1)·new).
    overlap = np.minimum((i + 1) * old, (k + 1) * new) - np.maximum(i * old, k * new)
    weights = np.maximum(overlap, 0)
    weights.flags.writeable = False  # cached and shared between calls
    return weights


def prepare_digit(image: np.ndarray) -> np.ndarray:
    """A drawn or photographed digit → a 28×28 float32 image prepared the way MNIST's were.

    MNIST's digits were (LeCun et al. 1998): grey levels with bright ink on black,
    the digit's bounding box scaled to fit 20×20 (keeping its aspect ratio), then
    placed in a 28×28 field so that its centre of mass is the centre.  A digit
    drawn off-centre or at another size is moved and scaled the same way.
    Accepts grey (H, W) or colour (H, W, 3|4) arrays, uint8 or floats in [0, 1],
    dark ink on light paper or the reverse.

    Every step after the first works on integer grey levels 0–255 (the scaling is
    ``resize_area``, rounded half up), so the book's JavaScript pad, which repeats
    these steps, gets exactly the same image.
    """
    levels = np.floor(_as_grey(image) * 255 + 0.5).astype(np.int64)
    border = np.concatenate([levels[0], levels[-1], levels[:, 0], levels[:, -1]])
    if 2 * int(border.sum()) > 255 * border.size:  # light paper: make the ink bright, as in MNIST
        levels = 255 - levels
    ink = levels > 25  # brighter than 10 % (25.5 of 255)
    if not ink.any():
        raise ValueError("the image is blank: no ink found (is it all one colour?)")
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    box = levels[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    longest = max(box.shape)
    # round(20·side / longest), halves rounded up, in integers: the longest side becomes 20.
    height, width = (max(1, (40 * side + longest) // (2 * longest)) for side in box.shape)
    small = resize_area(box, (height, width)).astype(np.int64)
    total = int(small.sum())
    if total == 0:
        raise ValueError("the ink is too faint or too thin to survive scaling to 20×20 pixels")
    # Centred in the 28×28 field, then moved so that the centre of mass falls on the
    # centre (13.5, 13.5 in pixel coordinates), rounding halves up.  The moments are
    # integers and the mean one division, so every language gets the same float.
    top, left = (28 - height) // 2, (28 - width) // 2
    mass_y = top * total + int(np.arange(height) @ small.sum(axis=1))
    mass_x = left * total + int(np.arange(width) @ small.sum(axis=0))
    top += math.floor(13.5 - mass_y / total + 0.5)
    left += math.floor(13.5 - mass_x / total + 0.5)
    field = np.zeros(_IMAGE_SHAPE, dtype=np.float32)
    # What the move pushes past an edge is cut off, as ``shift_images`` does.
    y0, y1 = max(top, 0), min(top + height, 28)
    x0, x1 = max(left, 0), min(left + width, 28)
    field[y0:y1, x0:x1] = small[y0 - top : y1 - top, x0 - left : x1 - left]
    return field / np.float32(255)


def _as_grey(image) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] in (3, 4):
        if array.shape[2] == 4:  # transparent pixels are paper
            background = 255.0 if array.dtype == np.uint8 else 1.0  # white paper
            alpha = array[..., 3:4] / background
            array = array[..., :3] * alpha + background * (1 - alpha)
        array = array[..., :3] @ np.array([0.299, 0.587, 0.114])
    if array.ndim != 2:
        raise ValueError(f"expected a grey or colour image, got an array of shape {array.shape}")
    array = array.astype(np.float64)
    if array.max(initial=0) > 1.0:  # 0–255 grey levels
        array = array / 255.0
    return np.clip(array, 0.0, 1.0)
