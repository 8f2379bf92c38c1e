"""lib/augment.py: shifted (and rotated) copies of MNIST digits, seeded, labels kept, no ink lost."""
import numpy as np
import pytest

from lib import load_mnist, train_val_split
from lib.augment import (MAX_SHIFT, augmented_set, compare_augmented, free_margins, random_shifts,
                         real_images_worth, rotate_images, shift_images)


@pytest.fixture(scope="module")
def digits():
    """The chapter's 300 training images (chapter 4's split) and their labels."""
    (x_all, t_all), _ = load_mnist()
    (x_pool, t_pool), _ = train_val_split(x_all, t_all, val_fraction=0.2, seed=0)
    return x_pool[:300], t_pool[:300]


@pytest.fixture(scope="module")
def all_digits():
    (x_all, t_all), (x_test, t_test) = load_mnist()
    return np.concatenate([x_all, x_test])


def test_shapes_and_dtype(digits):
    x, t = digits
    centred = x[free_margins(x).min(axis=1) >= 3]          # digits with 3 free pixels on every side
    for src, out in ((centred, shift_images(centred, 2, -3)), (x, random_shifts(x, 2, seed=0)),
                     (x, rotate_images(x, 10))):
        assert out.shape == src.shape and out.dtype == src.dtype
    x_big, t_big = augmented_set(x, t, copies=3, max_shift=2, seed=0)
    assert x_big.shape == (4 * len(x), 784) and x_big.dtype == x.dtype and t_big.shape == (4 * len(x),)


def test_labels_preserved_and_originals_first(digits):
    x, t = digits
    x_big, t_big = augmented_set(x, t, copies=4, max_shift=2, seed=1)
    np.testing.assert_array_equal(x_big[:len(x)], x)
    for k in range(5):
        np.testing.assert_array_equal(t_big[k * len(x):(k + 1) * len(x)], t)
    # each copy is the same digit moved: its ink (sum of pixels) is that of its original
    np.testing.assert_allclose(x_big.reshape(5, len(x), -1).sum(axis=2), np.tile(x.sum(axis=1), (5, 1)), rtol=1e-5)


def test_seeded(digits):
    x, t = digits
    a, _ = augmented_set(x, t, copies=2, max_shift=2, seed=7)
    b, _ = augmented_set(x, t, copies=2, max_shift=2, seed=7)
    c, _ = augmented_set(x, t, copies=2, max_shift=2, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(random_shifts(x, 2, g1), random_shifts(x, 2, g2))
    # the copies differ from each other and most images really move
    moved = np.any(a[len(x):2 * len(x)] != x, axis=1).mean()
    assert moved > 0.8, f"only {moved:.0%} of the images moved with max_shift=2"
    assert not np.array_equal(a[len(x):2 * len(x)], a[2 * len(x):])


@pytest.mark.parametrize("max_shift", [1, 2, 3, MAX_SHIFT])
def test_no_ink_leaves_the_image_on_real_digits(all_digits, max_shift):
    """Every bundled MNIST image (training and test, 15,000): random shifts keep all the ink."""
    out = random_shifts(all_digits, max_shift, seed=0)
    np.testing.assert_allclose(out.sum(axis=1), all_digits.sum(axis=1), rtol=1e-5)
    np.testing.assert_array_equal(np.sort(out, axis=1), np.sort(all_digits, axis=1))   # same pixel values, moved
    assert out.min() >= 0 and out.max() <= 1


def test_random_shifts_stay_within_max_shift(digits):
    x, _ = digits
    out = random_shifts(x, 1, seed=0).reshape(-1, 28, 28)
    for i in range(20):   # each copy equals its original moved by some (dx, dy) with |dx|, |dy| <= 1
        assert any(np.array_equal(out[i], shift_images(x[i:i + 1], dx, dy)[0].reshape(28, 28))
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                   if (free_margins(x[i:i + 1])[0] >= [max(-dx, 0), max(dx, 0), max(-dy, 0), max(dy, 0)]).all())
    assert np.array_equal(random_shifts(x, 0, seed=0), x)


def test_shift_and_back_is_the_original(digits):
    x, _ = digits
    margins = free_margins(x)
    for dx, dy in [(1, 0), (0, -1), (2, 1), (-2, -2), (3, -1)]:
        need = np.array([max(-dx, 0), max(dx, 0), max(-dy, 0), max(dy, 0)])
        ok = (margins >= need).all(axis=1)          # the images whose ink stays inside
        assert ok.sum() > 100
        there = shift_images(x[ok], dx, dy)
        np.testing.assert_array_equal(shift_images(there, -dx, -dy), x[ok])
        # and the shift moves the pixels where it says: right by dx, down by dy
        img, moved = x[ok][0].reshape(28, 28), there[0].reshape(28, 28)
        np.testing.assert_array_equal(moved[max(dy, 0):28 + min(dy, 0), max(dx, 0):28 + min(dx, 0)],
                                      img[max(-dy, 0):28 + min(-dy, 0), max(-dx, 0):28 + min(-dx, 0)])


def test_shift_that_would_cut_ink_is_refused(digits):
    x, _ = digits
    margins = free_margins(x)
    i = int(np.argmin(margins[:, 1]))                  # the image closest to the right edge
    with pytest.raises(ValueError, match="push ink off.*free margins"):
        shift_images(x[i:i + 1], int(margins[i, 1]) + 1, 0)


@pytest.mark.parametrize("kwargs, match", [
    ({"dx": MAX_SHIFT + 1, "dy": 0}, r"dx must be a whole number in \[-4, 4\]"),
    ({"dx": 0, "dy": -MAX_SHIFT - 1}, r"dy must be a whole number in \[-4, 4\]"),
    ({"dx": 1.5, "dy": 0}, "dx must be a whole number"),
])
def test_out_of_range_shifts_are_rejected(digits, kwargs, match):
    x, _ = digits
    with pytest.raises((ValueError, TypeError), match=match):
        shift_images(x, **kwargs)


def test_bad_input_is_rejected_clearly(digits):
    x, t = digits
    with pytest.raises(ValueError, match="max_shift must be a whole number in"):
        random_shifts(x, MAX_SHIFT + 1, seed=0)
    with pytest.raises(ValueError, match=r"flattened 28 x 28 images, shape \(N, 784\); got 700"):
        random_shifts(x[:, :700], 1, seed=0)
    with pytest.raises(ValueError, match="2-D"):
        shift_images(x.reshape(-1, 28, 28), 1, 0)
    with pytest.raises(ValueError, match="copies must be a whole number"):
        augmented_set(x, t, copies=-1)
    with pytest.raises(ValueError, match="different lengths"):
        augmented_set(x, t[:10], copies=1)
    with pytest.raises(TypeError, match="seed must be a whole number"):
        random_shifts(x, 1, seed=None)
    with pytest.raises(ValueError, match="degrees must be in"):
        rotate_images(x, 200)
    with pytest.raises(ValueError, match="not a multiple of copies \\+ 1"):
        compare_augmented({"shifts": {}}, x, t, x[:10], t[:10], copies=2, epochs=200)


def test_rotation(digits):
    x, _ = digits
    imgs = x.reshape(-1, 28, 28)
    np.testing.assert_array_equal(rotate_images(x, 0), x)
    np.testing.assert_array_equal(rotate_images(x, 90).reshape(-1, 28, 28), np.rot90(imgs, 1, axes=(1, 2)))
    small = rotate_images(x, 10)
    assert small.min() >= 0 and small.max() <= 1
    assert set(np.unique(small)) <= set(np.unique(x))          # nearest pixel: no new values
    ink = small.sum(axis=1) / x.sum(axis=1)
    assert 0.9 < np.median(ink) < 1.1                           # a small rotation keeps about the same ink


def test_real_images_worth():
    sizes, scores = [300, 1000, 4000], [0.80, 0.88, 0.93]
    assert real_images_worth(sizes, scores, 0.80) == pytest.approx(300)
    assert real_images_worth(sizes, scores, 0.88) == pytest.approx(1000)
    mid = real_images_worth(sizes, scores, 0.84)                # half-way on a log scale
    assert mid == pytest.approx(np.sqrt(300 * 1000))
    with pytest.raises(ValueError, match="not reached"):
        real_images_worth(sizes, scores, 0.95)
    with pytest.raises(ValueError, match="not reached"):
        real_images_worth(sizes, scores, 0.79)
    with pytest.raises(ValueError, match="sizes must increase"):
        real_images_worth([300, 300, 4000], scores, 0.85)


def test_real_images_worth_reads_the_first_crossing_of_a_curve_that_dips():
    """A measured curve can dip at the largest size (a run that trained badly): the score is read
    on the first segment that climbs past it, not refused."""
    dipping = [0.8085, 0.89, 0.887]
    assert real_images_worth([300, 1000, 4000], dipping, 0.871) == pytest.approx(
        real_images_worth([300, 1000], dipping[:2], 0.871))
    assert 300 < real_images_worth([300, 1000, 4000], dipping, 0.871) < 1000
    assert real_images_worth([300, 1000, 4000], [0.8, 0.8, 0.9], 0.8) == 300


def test_compare_augmented_pairs_seeds_and_counts_original_epochs(digits):
    x, t = digits
    (x_all, t_all), _ = load_mnist()
    x_val, t_val = x_all[-200:], t_all[-200:]
    recs = compare_augmented({"shifts": {"lr": 0.1}}, x[:100], t[:100], x_val, t_val, copies=1, max_shift=1,
                             seeds=(0, 1), epochs=4, marks=(2, 4), batch_size=50)
    assert [r["seed"] for r in recs] == [0, 1]
    assert all(r["epochs_run"] == 4 and set(r["at"]) == {2, 4} for r in recs)
    assert recs[0]["history"].epoch[-1] == 2          # 4 epochs of 100 images = 2 epochs of 200
    again = compare_augmented({"shifts": {"lr": 0.1}}, x[:100], t[:100], x_val, t_val, copies=1, max_shift=1,
                              seeds=(0,), epochs=4, batch_size=50)
    assert again[0]["val_acc"] == recs[0]["val_acc"]  # seeded: the same run again
