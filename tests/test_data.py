"""The bundled MNIST, the splits, and the download of the full training set (against a local
HTTP server, never the internet)."""
import gzip
import hashlib
import http.server
import re
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

import lib.data
from lib.data import (BUNDLED, DATA_DIR, DataError, bundled_checksums, download_full_train, load_mnist,
                      read_idx, take, train_val_split)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


# --- the bundled files ----------------------------------------------------------------------

def test_checksums_of_the_bundled_files():
    sums = bundled_checksums()
    assert set(sums) == set(BUNDLED.values())
    for name, digest in sums.items():
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest, name


def test_shapes_dtypes_and_ranges(mnist):
    (x, t), (x_test, t_test) = mnist
    assert x.shape == (5000, 784) and t.shape == (5000,)
    assert x_test.shape == (10000, 784) and t_test.shape == (10000,)
    for xs, ts in ((x, t), (x_test, t_test)):
        assert xs.dtype == np.float32 and ts.dtype == np.int64
        assert xs.min() == 0.0 and xs.max() == 1.0
        assert set(np.unique(ts)) == set(range(10))
        # Real digits: mostly background, some ink, per image.
        ink = (xs > 0.5).mean(axis=1)
        assert 0.03 < ink.mean() < 0.3 and ink.min() > 0


def test_unnormalized_is_uint8_0_to_255_and_matches(mnist):
    (x8, t8), (xt8, _) = load_mnist(normalize=False)
    assert x8.dtype == np.uint8 and xt8.dtype == np.uint8
    assert x8.min() == 0 and x8.max() == 255
    (x, t), _ = mnist
    np.testing.assert_array_equal(t8, t)
    np.testing.assert_allclose(x8 / 255.0, x, rtol=1e-6)


def test_float64_option():
    (x, _), _ = load_mnist(dtype=np.float64)
    assert x.dtype == np.float64 and x.max() == 1.0


def test_one_hot_labels(mnist):
    (_, t1), (_, tt1) = load_mnist(one_hot_label=True)
    (_, t), (_, tt) = mnist
    assert t1.shape == (5000, 10) and tt1.shape == (10000, 10)
    np.testing.assert_array_equal(t1.sum(axis=1), 1)
    np.testing.assert_array_equal(t1.argmax(axis=1), t)
    np.testing.assert_array_equal(tt1.argmax(axis=1), tt)


def test_flatten_false_gives_images(mnist):
    (x2, _), (xt2, _) = load_mnist(flatten=False)
    assert x2.shape == (5000, 28, 28) and xt2.shape == (10000, 28, 28)
    (x, _), _ = mnist
    np.testing.assert_array_equal(x2.reshape(5000, -1), x)
    # A digit is centred: the border rows hold (almost) no ink, the centre does.
    assert x2[:, 0, :].mean() < 0.01 < x2[:, 10:18, 10:18].mean()


def test_class_balance(mnist):
    (_, t), (_, t_test) = mnist
    np.testing.assert_array_equal(np.bincount(t, minlength=10), [500] * 10)
    first = np.bincount(t[:300], minlength=10)
    assert np.all(first > 0)                      # the book's 300 images hold all ten digits
    assert first.sum() == 300 and first.max() < 60   # shuffled, not sorted by class
    counts = np.bincount(t_test, minlength=10)
    assert counts.sum() == 10000 and counts.min() > 850   # the official test set


def test_no_unpickling_in_the_library():
    """The data path reads bytes (IDX); nothing loads pickles, which can run arbitrary code."""
    for path in (ROOT / "lib").glob("*.py"):
        code = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(c?pickle|joblib|dill)\b", code, re.M), path
        assert "allow_pickle=True" not in code, path
        assert not re.search(r"np\.load\(", code), path


def test_read_idx_rejects_damaged_files(tmp_path):
    bad_magic = tmp_path / "bad.idx"
    bad_magic.write_bytes(b"\x00\x00\x0d\x01" + struct.pack(">I", 3) + b"abc")
    with pytest.raises(DataError, match="not an unsigned-byte IDX file"):
        read_idx(bad_magic)
    short = tmp_path / "short.idx"
    short.write_bytes(b"\x00\x00\x08\x01" + struct.pack(">I", 10) + bytes(4))
    with pytest.raises(DataError, match=r"truncated.*\(10,\).*found 4"):
        read_idx(short)
    with pytest.raises(DataError, match="not found"):
        read_idx(tmp_path / "missing.gz")
    not_gzip = tmp_path / "x.gz"
    not_gzip.write_bytes(b"plain bytes")
    with pytest.raises(DataError, match="damaged"):
        read_idx(not_gzip)


def test_a_damaged_bundled_file_is_caught_by_its_checksum(tmp_path):
    for name in list(BUNDLED.values()) + ["SHA256SUMS"]:
        (tmp_path / name).write_bytes((DATA_DIR / name).read_bytes())
    damaged = tmp_path / BUNDLED["test_labels"]
    raw = bytearray(damaged.read_bytes())
    raw[-1] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="checksum mismatch"):
        load_mnist(data_dir=tmp_path)


# --- take and train_val_split ----------------------------------------------------------------

def indexed(n=100):
    """x whose single feature is the example's index, t derived from it: splits stay traceable."""
    x = np.arange(n, dtype=np.float32).reshape(n, 1)
    return x, (np.arange(n) % 10)


def test_take_is_seeded_without_repeats_and_keeps_pairs():
    x, t = indexed()
    xa, ta = take(x, t, 30, seed=1)
    xb, tb = take(x, t, 30, seed=1)
    np.testing.assert_array_equal(xa, xb)
    assert not np.array_equal(xa, take(x, t, 30, seed=2)[0])
    assert len(np.unique(xa)) == 30                           # no example twice
    np.testing.assert_array_equal(ta, xa[:, 0].astype(int) % 10)   # x and t stay paired
    assert not np.array_equal(xa[:, 0], np.arange(30))        # a random sample, not the first 30


def test_train_val_split_is_seeded_disjoint_and_complete():
    x, t = indexed()
    (xtr, ttr), (xv, tv) = train_val_split(x, t, val_fraction=0.2, seed=3)
    assert len(xv) == 20 and len(xtr) == 80
    tr, va = set(xtr[:, 0].astype(int)), set(xv[:, 0].astype(int))
    assert not tr & va and tr | va == set(range(100))
    np.testing.assert_array_equal(ttr, xtr[:, 0].astype(int) % 10)
    np.testing.assert_array_equal(tv, xv[:, 0].astype(int) % 10)
    (xtr2, _), (xv2, _) = train_val_split(x, t, val_fraction=0.2, seed=3)
    np.testing.assert_array_equal(xv, xv2)
    np.testing.assert_array_equal(xtr, xtr2)
    (_, _), (xv3, _) = train_val_split(x, t, val_fraction=0.2, seed=4)
    assert set(xv3[:, 0].astype(int)) != va


# --- the full download, against a local server -----------------------------------------------

def idx_gz(array):
    """Gzipped IDX bytes of a uint8 array, the format of the MNIST download."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes(), mtime=0)


@pytest.fixture
def fake_full(monkeypatch):
    """12 small images and labels served as the full training set by a local HTTP server.
    Yields (mirror url, served arrays, request log, files dict to tamper with)."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = np.arange(12, dtype=np.uint8) % 10
    files = {"train-images-idx3-ubyte.gz": idx_gz(images), "train-labels-idx1-ubyte.gz": idx_gz(labels)}
    monkeypatch.setattr(lib.data, "FULL_TRAIN_SHA256",
                        {name: hashlib.sha256(data).hexdigest() for name, data in files.items()})
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            data = files.get(self.path.lstrip("/"))
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", (images, labels), requests, files
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_download_verifies_and_caches(fake_full, tmp_path):
    url, (images, labels), requests, _ = fake_full
    cache = tmp_path / "cache"
    paths = download_full_train(cache, mirrors=[url], timeout=5)
    assert [p.name for p in paths] == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    assert sorted(requests) == ["/train-images-idx3-ubyte.gz", "/train-labels-idx1-ubyte.gz"]
    np.testing.assert_array_equal(read_idx(paths[0]), images)
    np.testing.assert_array_equal(read_idx(paths[1]), labels)
    assert sorted(p.name for p in cache.iterdir()) == sorted(p.name for p in paths)   # no leftovers
    # A second call finds both files with the right checksum and fetches nothing.
    assert download_full_train(cache, mirrors=[url], timeout=5) == paths
    assert len(requests) == 2


def test_load_mnist_full_source(fake_full, tmp_path, monkeypatch):
    url, (images, labels), requests, _ = fake_full
    monkeypatch.setattr(lib.data, "MIRRORS", (url,))
    (x, t), (x_test, t_test) = load_mnist(source="full", cache_dir=tmp_path)
    assert x.shape == (12, 784) and x.dtype == np.float32
    np.testing.assert_allclose(x, images.reshape(12, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(t, labels)
    assert x_test.shape == (10000, 784)                       # the test set is always the bundled one
    assert len(requests) == 2
    load_mnist(source="FULL", cache_dir=tmp_path)             # cached: no new request
    assert len(requests) == 2


def test_a_damaged_cached_file_is_replaced(fake_full, tmp_path):
    url, (images, _), requests, _ = fake_full
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"half a download")
    paths = download_full_train(tmp_path, mirrors=[url], timeout=5)
    np.testing.assert_array_equal(read_idx(paths[0]), images)
    assert len(requests) == 2


def test_wrong_checksum_is_an_error_and_leaves_no_file(fake_full, tmp_path):
    url, _, requests, files = fake_full
    good = files["train-images-idx3-ubyte.gz"]
    files["train-images-idx3-ubyte.gz"] = good[:100] + bytes([good[100] ^ 0xFF]) + good[101:]   # one byte flipped
    with pytest.raises(DataError) as info:
        download_full_train(tmp_path, mirrors=[url, url], timeout=5)
    message = str(info.value)
    assert "checksum mismatch" in message and "train-images-idx3-ubyte.gz" in message
    assert "damaged" in message and "offline" not in message
    assert len(requests) == 2                                  # both mirrors tried
    assert list(tmp_path.iterdir()) == []                      # no damaged file, no .part file


def test_unreachable_server_says_offline_and_points_to_bundled(fake_full, tmp_path):
    with socket.socket() as s:                                 # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DataError, match=r"(?s)machine may be offline.*bundled 5,000 training images still work"):
        download_full_train(tmp_path / "c", mirrors=[f"http://127.0.0.1:{port}/"], timeout=5)
    assert list((tmp_path / "c").iterdir()) == []
    (x, _), _ = load_mnist(source="bundled")                   # and they do
    assert x.shape == (5000, 784)
