"""The bundled MNIST, the splits, and the download of the full training set (against a local
HTTP server, never the internet)."""
import contextlib
import gzip
import hashlib
import http.server
import re
import socket
import struct
import threading
import time
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


def copy_of_data(folder):
    """The bundled files and SHA256SUMS copied into `folder`, to damage them there."""
    for name in list(BUNDLED.values()) + ["SHA256SUMS"]:
        (folder / name).write_bytes((DATA_DIR / name).read_bytes())
    return folder


RESTORE = re.escape("Restore data/ with `git checkout -- data/`")


def test_a_damaged_bundled_file_is_caught_by_its_checksum(tmp_path):
    copy_of_data(tmp_path)
    damaged = tmp_path / BUNDLED["test_labels"]
    raw = bytearray(damaged.read_bytes())
    raw[-1] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=rf"(?s)checksum mismatch.*{RESTORE}"):
        load_mnist(data_dir=tmp_path)


# --- every failure of the data files is a DataError naming the file and the fix ---------------

@pytest.mark.parametrize("name", list(BUNDLED.values()))
def test_a_missing_bundled_file_is_a_data_error(tmp_path, name):
    copy_of_data(tmp_path)
    (tmp_path / name).unlink()
    with pytest.raises(DataError, match=rf"data file not found: .*{re.escape(name)}\. {RESTORE}"):
        load_mnist(data_dir=tmp_path)


def test_a_missing_checksum_list_is_a_data_error(tmp_path):
    copy_of_data(tmp_path)
    (tmp_path / "SHA256SUMS").unlink()
    with pytest.raises(DataError, match=rf"the checksum list .*SHA256SUMS is missing\. {RESTORE}"):
        load_mnist(data_dir=tmp_path)


def test_a_checksum_list_without_a_file_is_a_data_error(tmp_path):
    copy_of_data(tmp_path)
    sums = tmp_path / "SHA256SUMS"
    sums.write_text("".join(line + "\n" for line in sums.read_text().splitlines() if "t10k-labels" not in line))
    with pytest.raises(DataError, match=rf"SHA256SUMS lists no checksum for t10k-labels-idx1-ubyte.gz\. {RESTORE}"):
        load_mnist(data_dir=tmp_path)


@pytest.mark.parametrize("line", ["abc def ghi", "0123 t10k-labels-idx1-ubyte.gz", "   only-one-field"])
def test_a_malformed_checksum_line_is_a_data_error(tmp_path, line):
    copy_of_data(tmp_path)
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(sums.read_text() + line + "\n")
    with pytest.raises(DataError, match=rf"SHA256SUMS, line 5: expected '<64 hex digits>  <file name>', "
                                        rf"got {re.escape(repr(line))}\. {RESTORE}"):
        load_mnist(data_dir=tmp_path)


def test_checksums_in_upper_case_and_binary_mode_are_read(tmp_path):
    """sha256sum writes lower case, "digest  name"; other tools write upper case, and `sha256sum -b`
    writes "digest *name".  All are the same checksums."""
    copy_of_data(tmp_path)
    sums = bundled_checksums()
    (tmp_path / "SHA256SUMS").write_text("".join(f"{digest.upper()} *{name}\n" for name, digest in sums.items()))
    assert bundled_checksums(tmp_path) == sums
    (x, _), _ = load_mnist(data_dir=tmp_path)
    assert x.shape == (5000, 784)


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


@contextlib.contextmanager
def local_server(files, requests, chunk=None, pause=0.0):
    """An HTTP server on 127.0.0.1 serving `files` {name: bytes}; yields its base URL.  With `chunk`,
    each file is sent `chunk` bytes at a time with `pause` seconds between (a slow server).
    requests: a list that gets each request's path."""
    sent = {}

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
            step = chunk or len(data)
            try:
                for start in range(0, len(data), step):
                    self.wfile.write(data[start:start + step])
                    self.wfile.flush()
                    sent[self.path] = start + step
                    if pause and start + step < len(data):
                        time.sleep(pause)
            except (BrokenPipeError, ConnectionResetError):
                pass          # the client gave up

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.sent = sent
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def full_files(monkeypatch):
    """12 small images and labels as the gzipped IDX files of the full training set, their checksums
    patched in.  Returns (files dict to serve or tamper with, (images, labels))."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = np.arange(12, dtype=np.uint8) % 10
    files = {"train-images-idx3-ubyte.gz": idx_gz(images), "train-labels-idx1-ubyte.gz": idx_gz(labels)}
    monkeypatch.setattr(lib.data, "FULL_TRAIN_SHA256",
                        {name: hashlib.sha256(data).hexdigest() for name, data in files.items()})
    return files, (images, labels)


@pytest.fixture
def fake_full(full_files):
    """The full training set served by a local HTTP server.
    Yields (mirror url, served arrays, request log, files dict to tamper with)."""
    files, arrays = full_files
    requests = []
    with local_server(files, requests) as (url, _):
        yield url, arrays, requests, files


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


# --- slow servers, two downloads at once, the cache folder -----------------------------------

def test_a_trickling_server_is_given_up_at_the_deadline(full_files, tmp_path):
    """The socket timeout applies to each read: a server sending 1 KB every 0.2 s would keep the
    download going as long as it likes.  The deadline ends it, long before the file is complete."""
    files, _ = full_files
    size = len(files["train-images-idx3-ubyte.gz"])          # about 9.4 KB: 2 s at this pace
    with local_server(files, [], chunk=1024, pause=0.2) as (url, server):
        with pytest.raises(DataError, match=r"(?s)every mirror was too slow.*too slow: [\d,]+ bytes in .* s "
                           r"\(allowed: at most 0.5 s per file.*bundled 5,000 training images still work"):
            download_full_train(tmp_path, mirrors=[url], timeout=5, deadline=0.5)
        assert server.sent["/train-images-idx3-ubyte.gz"] < size     # given up before the end
    assert list(tmp_path.iterdir()) == []                            # no partial file left


def test_a_slow_mirror_is_given_up_for_the_next(full_files, tmp_path, monkeypatch):
    """Below min_rate (after the first RATE_GRACE seconds) a mirror is dropped like an unreachable
    one, and the next mirror is tried."""
    files, (images, labels) = full_files
    monkeypatch.setattr(lib.data, "RATE_GRACE", 0.2)
    slow_requests, fast_requests = [], []
    with local_server(files, slow_requests, chunk=1024, pause=0.2) as (slow, _), \
            local_server(files, fast_requests) as (fast, _):
        paths = download_full_train(tmp_path, mirrors=[slow, fast], timeout=5, deadline=60, min_rate=100_000)
    np.testing.assert_array_equal(read_idx(paths[0]), images)
    np.testing.assert_array_equal(read_idx(paths[1]), labels)
    assert len(slow_requests) == 2                               # both files asked of the slow mirror first
    assert fast_requests == ["/train-images-idx3-ubyte.gz"]      # the labels (100 bytes) came in time
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)


def test_two_downloads_into_one_cache_both_succeed(full_files, tmp_path):
    """Two kernels downloading at the same time: each writes its own temporary file and renames it
    into place, so neither trips over the other's."""
    files, (images, labels) = full_files
    results, errors = {}, []

    def fetch(i):
        try:
            results[i] = download_full_train(tmp_path, mirrors=[url], timeout=5)
        except Exception as e:   # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    with local_server(files, [], chunk=1024, pause=0.01) as (url, _):   # slow enough for the two to overlap
        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert errors == [] and results[0] == results[1]
    np.testing.assert_array_equal(read_idx(results[0][0]), images)
    np.testing.assert_array_equal(read_idx(results[0][1]), labels)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)   # no temporary file left


def test_a_planted_symlink_is_not_written_through(fake_full, tmp_path):
    """Someone with write access to the cache plants symlinks where a download used to write its
    temporary file: the files they point to must stay untouched."""
    url, (images, _), _, _ = fake_full
    cache = tmp_path / "cache"
    cache.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (cache / f"{name}.part").symlink_to(victim)
        (cache / f"{name}.gz.part").symlink_to(victim)
    paths = download_full_train(cache, mirrors=[url], timeout=5)
    assert victim.read_text() == "precious"
    np.testing.assert_array_equal(read_idx(paths[0]), images)


def test_mnist_cache_is_read_at_call_time(fake_full, tmp_path, monkeypatch):
    """A notebook sets os.environ["MNIST_CACHE"] after `import lib`: the download must go there."""
    url, _, _, _ = fake_full
    monkeypatch.setenv("MNIST_CACHE", str(tmp_path / "late"))
    paths = download_full_train(mirrors=[url], timeout=5)
    assert [p.parent for p in paths] == [tmp_path / "late"] * 2
    assert lib.data.default_cache() == tmp_path / "late"

