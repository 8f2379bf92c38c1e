"""MNIST: the bundled files in data/, an optional download of the full training set, and splits.

The bundled data (works offline):
    data/train-5k-images-idx3-ubyte.gz   5,000 training images, 500 per digit, shuffled once
    data/train-5k-labels-idx1-ubyte.gz
    data/t10k-images-idx3-ubyte.gz       the official 10,000 test images
    data/t10k-labels-idx1-ubyte.gz

All files are IDX, the format of the original MNIST download, so one small parser reads both.
Nothing is ever unpickled.
"""
import gzip
import hashlib
import os
import struct
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from .argcheck import check_choice, check_int, check_number

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

BUNDLED = {
    "train_images": "train-5k-images-idx3-ubyte.gz",
    "train_labels": "train-5k-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

# The full 60,000-image training set: the published SHA-256 of each original file.
FULL_TRAIN_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DEFAULT_CACHE = Path(os.environ.get("MNIST_CACHE", Path.home() / ".cache" / "overfitting-course" / "mnist"))


class DataError(RuntimeError):
    """A data file is missing, damaged, or could not be downloaded."""


def sha256_of(path):
    """SHA-256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_idx(path):
    """Read a (gzipped) IDX file into a uint8 array.

    IDX layout: 2 zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions,
    then each dimension as a big-endian uint32, then the data.  Images: (N, 28, 28); labels: (N,).
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"data file not found: {path}") from None
    except (OSError, EOFError) as e:
        raise DataError(f"cannot read {path}: {e} (the file is damaged; delete it and fetch it again)") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path} is truncated: header says shape {shape}, found {data.size} values")
    return data.reshape(shape)


def verify(path, expected_sha256):
    """Raise DataError unless the file's SHA-256 is the expected one."""
    got = sha256_of(path)
    if got != expected_sha256:
        raise DataError(f"checksum mismatch for {path}:\n  expected {expected_sha256}\n  got      {got}\n"
                        "The file is corrupted or not the original; delete it and fetch it again.")


def bundled_checksums(data_dir=DATA_DIR):
    """The SHA-256 values listed in data/SHA256SUMS, as {file name: hex digest}."""
    sums = {}
    for line in (Path(data_dir) / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name] = digest
    return sums


def download_full_train(cache_dir=None, mirrors=None, timeout=30):
    """Download the 60,000 training images and labels once into `cache_dir`, verified by SHA-256.

    Returns the paths of the two files.  A file already in the cache with the right checksum is
    not fetched again; a damaged one is replaced.  Raises DataError with a clear message when the
    machine is offline or every mirror serves a file with the wrong checksum.
    """
    cache = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE
    mirrors = MIRRORS if mirrors is None else mirrors
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, digest in FULL_TRAIN_SHA256.items():
        path = cache / name
        if path.exists() and sha256_of(path) == digest:
            paths.append(path)
            continue
        errors, offline = [], False
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            tmp = path.with_suffix(".part")
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
                    for block in iter(lambda: response.read(1 << 20), b""):
                        out.write(block)
                verify(tmp, digest)
            except (urllib.error.URLError, OSError, DataError) as e:
                tmp.unlink(missing_ok=True)
                offline = offline or not isinstance(e, DataError)
                errors.append(f"  {url}: {e}")
                continue
            tmp.replace(path)
            break
        else:
            why = "the machine may be offline" if offline else "every mirror served a damaged file"
            raise DataError(f"could not download {name} ({why}):\n" + "\n".join(errors) +
                            "\nThe bundled 5,000 training images still work: load_mnist(source='bundled').")
        paths.append(path)
    return paths


def load_mnist(normalize=True, flatten=True, one_hot_label=False, source="bundled",
               dtype=np.float32, cache_dir=None, data_dir=DATA_DIR):
    """Load MNIST, shaped like the book's `load_mnist`.

    Returns ((x_train, t_train), (x_test, t_test)):
        x: (N, 784) when flatten, else (N, 28, 28); dtype `dtype` in [0, 1] when normalize,
           else uint8 in 0..255
        t: (N,) int64 class numbers 0..9, or (N, 10) one-hot float when one_hot_label
    source='bundled' gives the 5,000 shipped training images (offline); source='full' downloads
    the 60,000-image training set once (see download_full_train).  The test set is always the
    official 10,000 images shipped in data/.
    """
    source = check_choice("source", source, ("bundled", "full"))
    data_dir = Path(data_dir)
    sums = bundled_checksums(data_dir)
    for name in BUNDLED.values():
        verify(data_dir / name, sums[name])
    if source == "bundled":
        x_train = read_idx(data_dir / BUNDLED["train_images"])
        t_train = read_idx(data_dir / BUNDLED["train_labels"])
    else:
        img_path, lab_path = download_full_train(cache_dir)
        x_train, t_train = read_idx(img_path), read_idx(lab_path)
    x_test = read_idx(data_dir / BUNDLED["test_images"])
    t_test = read_idx(data_dir / BUNDLED["test_labels"])

    def prepare(x, t):
        if len(x) != len(t):
            raise DataError(f"{len(x)} images but {len(t)} labels")
        if normalize:
            x = x.astype(dtype) / 255.0
        if flatten:
            x = x.reshape(len(x), -1)
        t = t.astype(np.int64)
        if one_hot_label:
            t = to_one_hot(t)
        return x, t

    return prepare(x_train, t_train), prepare(x_test, t_test)


def to_one_hot(t, n_classes=10):
    """(N,) class numbers -> (N, n_classes) one-hot float32."""
    out = np.zeros((len(t), n_classes), dtype=np.float32)
    out[np.arange(len(t)), t] = 1.0
    return out


def take(x, t, n, seed=0):
    """A seeded random sample of n examples (without repeats); the book takes x[:300] instead."""
    if len(x) != len(t):
        raise ValueError(f"x and t have different lengths: {len(x)} and {len(t)}")
    n = check_int("n", n, 1, len(x))
    idx = np.random.default_rng(seed).permutation(len(x))[:n]
    return x[idx], t[idx]


def train_val_split(x, t, val_fraction=0.2, seed=0):
    """Split (x, t) into a training part and a validation part, shuffled with `seed`.

    Returns (x_train, t_train), (x_val, t_val).  Tune on the validation part; touch the test set
    only once, at the very end.
    """
    val_fraction = check_number("val_fraction", val_fraction, 0, 1, low_open=True, high_open=True)
    if len(x) != len(t):
        raise ValueError(f"x and t have different lengths: {len(x)} and {len(t)}")
    n_val = int(round(len(x) * val_fraction))
    if n_val < 1 or n_val >= len(x):
        raise ValueError(f"val_fraction={val_fraction} leaves an empty part of {len(x)} examples")
    idx = np.random.default_rng(seed).permutation(len(x))
    val, train = idx[:n_val], idx[n_val:]
    return (x[train], t[train]), (x[val], t[val])
