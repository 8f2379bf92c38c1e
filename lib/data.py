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
import re
import struct
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from .argcheck import check_bool, check_choice, check_int, check_number

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
RATE_GRACE = 10   # seconds a download may take before its average rate is held to min_rate
# What to do when a bundled file (data/) is missing or damaged; the README's troubleshooting table says the same.
RESTORE = ("Restore data/ with `git checkout -- data/` (on Colab: `!rm -rf overfitting-course`, then run the "
           "setup cell again).")


class DataError(RuntimeError):
    """A data file is missing, damaged, or could not be downloaded."""


def default_cache():
    """Where the full download goes: $MNIST_CACHE if set (read at each call, so a notebook may set it
    with os.environ at any time), else ~/.cache/overfitting-course/mnist."""
    return Path(os.environ.get("MNIST_CACHE") or Path.home() / ".cache" / "overfitting-course" / "mnist")


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
    if len(raw) < 4 + 4 * ndim:
        raise DataError(f"{path} is truncated: its header is cut off after {len(raw)} bytes")
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise DataError(f"{path} is truncated: header says shape {shape}, found {data.size} values")
    return data.reshape(shape)


def verify(path, expected_sha256, fix="delete it and fetch it again."):
    """Raise DataError unless the file exists and its SHA-256 is the expected one (hex, any case).
    fix: what the message tells the user to do."""
    try:
        got = sha256_of(path)
    except FileNotFoundError:
        raise DataError(f"data file not found: {path}. {fix}") from None
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror or e}. {fix}") from None
    if got != expected_sha256.lower():
        raise DataError(f"checksum mismatch for {path}:\n  expected {expected_sha256.lower()}\n  got      {got}\n"
                        f"The file is corrupted or not the original; {fix}")


def bundled_checksums(data_dir=DATA_DIR):
    """The SHA-256 values listed in data/SHA256SUMS, as {file name: hex digest in lower case}.

    Reads what `sha256sum` writes: one "<64 hex digits>  <name>" per line, or "<digits> *<name>"
    (its binary mode)."""
    path = Path(data_dir) / "SHA256SUMS"
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise DataError(f"the checksum list {path} is missing. {RESTORE}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read the checksum list {path}: {e}. {RESTORE}") from None
    sums = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            parts = line.split(maxsplit=1)
            if len(parts) != 2 or not re.fullmatch(r"[0-9a-fA-F]{64}", parts[0]):
                raise DataError(f"{path}, line {number}: expected '<64 hex digits>  <file name>', got {line!r}. "
                                f"{RESTORE}")
            sums[parts[1].strip().removeprefix("*")] = parts[0].lower()
    return sums


def download_full_train(cache_dir=None, mirrors=None, timeout=30, deadline=600, min_rate=20_000):
    """Download the 60,000 training images and labels once into `cache_dir`, verified by SHA-256.

    Returns the paths of the two files.  A file already in the cache with the right checksum is
    not fetched again; a damaged one is replaced.  Raises DataError with a clear message when the
    machine is offline, every mirror is too slow, or every mirror serves a file with the wrong checksum.
    cache_dir: default_cache() if None.  timeout: seconds to wait for the server to answer or to send
    more.  deadline: seconds for one file from one mirror; min_rate: bytes per second on average,
    checked after the first RATE_GRACE seconds.  A mirror that is too slow is given up like an
    unreachable one (then the next mirror, then the DataError).
    Each download writes a temporary file of its own and renames it into place once verified, so
    two kernels downloading into the same cache never see each other's half-written file.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache()
    mirrors = MIRRORS if mirrors is None else mirrors
    timeout = check_number("timeout", timeout, 0, low_open=True)
    deadline = check_number("deadline", deadline, 0, low_open=True)
    min_rate = check_number("min_rate", min_rate, 0)
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, digest in FULL_TRAIN_SHA256.items():
        path = cache / name
        if path.exists() and sha256_of(path) == digest:
            paths.append(path)
            continue
        errors, why = [], set()
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            try:
                _fetch(url, path, digest, timeout, deadline, min_rate)
            except (urllib.error.URLError, OSError, DataError) as e:
                why.add("slow" if isinstance(e, _TooSlow) else "damaged" if isinstance(e, DataError) else "offline")
                errors.append(f"  {url}: {e}")
            else:
                break
        else:
            reason = ("the machine may be offline" if "offline" in why else
                      "every mirror was too slow" if why == {"slow"} else
                      "every mirror served a damaged file" if why == {"damaged"} else
                      "the mirrors were too slow or served damaged files")
            raise DataError(f"could not download {name} ({reason}):\n" + "\n".join(errors) +
                            "\nThe bundled 5,000 training images still work: load_mnist(source='bundled').")
        paths.append(path)
    return paths


class _TooSlow(DataError):
    """A download passed its deadline or fell below its minimum rate."""


def _fetch(url, path, digest, timeout, deadline, min_rate):
    """Download url to path: into a new temporary file beside it (created exclusively, so a planted
    file or symlink is never written through), verified, then renamed into place in one step."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            start, size = time.monotonic(), 0
            # read1 returns whatever has arrived (read(n) would wait for all n bytes)
            while block := response.read1(1 << 16):
                out.write(block)
                size += len(block)
                seconds = time.monotonic() - start
                if seconds > deadline or (seconds > RATE_GRACE and size < min_rate * seconds):
                    raise _TooSlow(f"too slow: {size:,} bytes in {seconds:.1f} s (allowed: at most {deadline:g} s "
                                   f"per file, at least {min_rate:,.0f} bytes/s)")
        verify(tmp, digest)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    normalize, flatten = check_bool("normalize", normalize), check_bool("flatten", flatten)
    one_hot_label = check_bool("one_hot_label", one_hot_label)
    dtype = _float_dtype(dtype)
    data_dir = Path(data_dir)
    sums = bundled_checksums(data_dir)
    for name in BUNDLED.values():
        if name not in sums:
            raise DataError(f"{data_dir / 'SHA256SUMS'} lists no checksum for {name}. {RESTORE}")
        verify(data_dir / name, sums[name], fix=RESTORE)
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


def _float_dtype(dtype):
    """numpy.float32 or numpy.float64 (any spelling numpy accepts), else a TypeError that says so."""
    try:
        ok = dtype is not None and np.dtype(dtype) in (np.float32, np.float64)
    except TypeError:
        ok = False
    if not ok:
        raise TypeError(f"dtype must be numpy.float32 or numpy.float64 (pixels scaled to [0, 1]), got {dtype!r}; "
                        "for the raw 0..255 pixels use normalize=False (uint8)")
    return np.dtype(dtype)


def to_one_hot(t, n_classes=10):
    """(N,) class numbers -> (N, n_classes) one-hot float32."""
    out = np.zeros((len(t), n_classes), dtype=np.float32)
    out[np.arange(len(t)), t] = 1.0
    return out


def take(x, t, n, seed=0):
    """A seeded random sample of n examples (without repeats); the book takes x[:300] instead.
    x (N, ...), t (N, ...): numpy arrays; seed: a whole number >= 0."""
    _check_pair(x, t)
    n = check_int("n", n, 1, len(x))
    idx = np.random.default_rng(check_int("seed", seed, 0)).permutation(len(x))[:n]
    return x[idx], t[idx]


def train_val_split(x, t, val_fraction=0.2, seed=0):
    """Split (x, t) into a training part and a validation part, shuffled with `seed`.

    Returns (x_train, t_train), (x_val, t_val).  Tune on the validation part; touch the test set
    only once, at the very end.
    """
    val_fraction = check_number("val_fraction", val_fraction, 0, 1, low_open=True, high_open=True)
    _check_pair(x, t)
    seed = check_int("seed", seed, 0)
    n_val = int(round(len(x) * val_fraction))
    if n_val < 1 or n_val >= len(x):
        raise ValueError(f"val_fraction={val_fraction} leaves an empty part of {len(x)} examples")
    idx = np.random.default_rng(seed).permutation(len(x))
    val, train = idx[:n_val], idx[n_val:]
    return (x[train], t[train]), (x[val], t[val])


def _check_pair(x, t):
    """x and t: numpy arrays with one entry per example, the same number of each."""
    for name, a in (("x", x), ("t", t)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name} must be a numpy array, got {type(a).__name__} (use np.asarray)")
    if len(x) != len(t):
        raise ValueError(f"x and t have different lengths: {len(x)} and {len(t)}")
