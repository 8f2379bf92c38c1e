"""Rebuild the bundled training subset in IDX format from ../shared/mnist/mnist_5k.csv.gz.

Run once by the maintainers (the result is committed in data/); users never need it.
The gzip header carries no timestamp or file name, so the output is byte-for-byte reproducible.

    python tools/make_data.py ../shared/mnist/mnist_5k.csv.gz
"""
import gzip
import hashlib
import struct
import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "data"


def write_idx_gz(path, array):
    """Write a uint8 array as a gzipped IDX file (magic 0x0000 08 <ndim>, big-endian sizes)."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
        f.write(header + array.astype(np.uint8).tobytes())


def main(csv_path):
    rows = np.loadtxt(csv_path, delimiter=",", dtype=np.int64)
    assert rows.shape == (5000, 785), rows.shape
    # The CSV is sorted by label; store it in a fixed shuffled order so that taking the first N
    # images, as the book does with x_train[:300], gives a mix of all ten digits.
    rows = rows[np.random.default_rng(0).permutation(len(rows))]
    images, labels = rows[:, :784], rows[:, 784]
    assert images.min() >= 0 and images.max() <= 255 and set(labels) == set(range(10))
    write_idx_gz(DATA / "train-5k-images-idx3-ubyte.gz", images.reshape(-1, 28, 28))
    write_idx_gz(DATA / "train-5k-labels-idx1-ubyte.gz", labels)
    for p in sorted(DATA.glob("*.gz")):
        print(hashlib.sha256(p.read_bytes()).hexdigest(), p.name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/mnist/mnist_5k.csv.gz")
