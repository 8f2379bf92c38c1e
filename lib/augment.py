"""Data augmentation: more training images made from the ones we have (chapter 4, section 5.3).

    x_big, t_big = augmented_set(x_train, t_train, copies=9, max_shift=2, seed=0)   # (10 N, 784)
    records = compare_augmented({"shifts": {}}, x_train, t_train, x_val, t_val, copies=9, max_shift=2,
                                seeds=(0, 1, 2), epochs=200)

A shifted "7" is still a 7: moving the digit a pixel or two changes every input number, but not
the label.  The network then cannot memorise the exact pixels of the 300 images; it has to learn
something that survives a small move, which is what new images of the same digits need too.

The images are MNIST's, flattened: x (N, 784) with pixels in [0, 1], row by row, 28 x 28.
A shift moves the digit by whole pixels and fills the uncovered border with 0 (background).
MNIST digits do not all sit in the middle: some touch an edge, so a shift of even one pixel
could cut off ink.  `shift_images` refuses such a shift; `random_shifts` draws each image's
shift within its own free margin, so no ink ever leaves the image.

The chapter trains on a FIXED enlarged set (the originals plus `copies` shifted copies, drawn
once per seed), for the same number of gradient steps as every other method: equal compute
means fewer epochs over the larger set.  (Drawing fresh shifts every epoch is the other common
way; a fixed set lets every method use the same training loop.)
"""
import numpy as np

from .argcheck import check_inputs, check_int, check_labels, check_number
from .progress import Status
from .search import run_one

SIDE = 28        # MNIST images are SIDE x SIDE pixels, flattened to SIDE * SIDE inputs
MAX_SHIFT = 4    # MNIST draws each digit in a 20 x 20 box: 4 free pixels on each side (most images)


def _images(name, x):
    """x (N, 784) checked, as a (N, 28, 28) view."""
    check_inputs(name, x)
    if x.shape[1] != SIDE * SIDE:
        raise ValueError(f"{name} must hold flattened {SIDE} x {SIDE} images, shape (N, {SIDE * SIDE}); "
                         f"got {x.shape[1]} pixels per image")
    return x.reshape(len(x), SIDE, SIDE)


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(check_int("seed", seed, 0))


def free_margins(x):
    """How far each image can move before its ink (pixels > 0) reaches past an edge.

    x (N, 784) -> (N, 4) int array: free pixels on the left, right, top and bottom.
    A blank image gets SIDE on every side."""
    ink = _images("x", x) > 0
    cols, rows = ink.any(axis=1), ink.any(axis=2)          # (N, 28): which columns / rows hold ink
    blank = ~cols.any(axis=1)
    left, right = cols.argmax(axis=1), cols[:, ::-1].argmax(axis=1)
    top, bottom = rows.argmax(axis=1), rows[:, ::-1].argmax(axis=1)
    margins = np.stack([left, right, top, bottom], axis=1)
    margins[blank] = SIDE
    return margins


def _shift_each(images, dx, dy):
    """images (N, 28, 28) moved by dx[i] pixels right and dy[i] pixels down, 0 where uncovered."""
    pad = MAX_SHIFT
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad)))
    r = np.arange(SIDE)[None, :] - dy[:, None] + pad          # (N, 28): source row of each output row
    c = np.arange(SIDE)[None, :] - dx[:, None] + pad          # (N, 28): source column
    n = np.arange(len(images))[:, None, None]
    return padded[n, r[:, :, None], c[:, None, :]]


def shift_images(x, dx, dy):
    """Every image moved dx pixels to the right and dy pixels down (negative: left, up); the
    uncovered border is filled with 0.

    x (N, 784) -> (N, 784), same dtype.  dx, dy: whole numbers in [-MAX_SHIFT, MAX_SHIFT].
    Raises ValueError if the shift would push ink of some image past an edge (see free_margins)."""
    images = _images("x", x)
    dx = check_int("dx", dx, -MAX_SHIFT, MAX_SHIFT)
    dy = check_int("dy", dy, -MAX_SHIFT, MAX_SHIFT)
    margins = free_margins(x)
    need = np.array([max(-dx, 0), max(dx, 0), max(-dy, 0), max(dy, 0)])   # left, right, top, bottom
    cut = np.nonzero((margins < need).any(axis=1))[0]
    if len(cut):
        i = cut[0]
        raise ValueError(f"shift (dx={dx}, dy={dy}) would push ink off {len(cut)} image(s), e.g. image {i}, whose free "
                         f"margins are left {margins[i, 0]}, right {margins[i, 1]}, top {margins[i, 2]}, "
                         f"bottom {margins[i, 3]} pixels; use random_shifts, which stays within each image's margins")
    n = len(x)
    out = _shift_each(images, np.full(n, dx), np.full(n, dy))
    return out.reshape(n, SIDE * SIDE)


def random_shifts(x, max_shift, seed):
    """Each image moved by its own random whole-pixel shift, at most `max_shift` pixels in each
    direction and never further than its free margin (no ink leaves the image).

    x (N, 784) -> (N, 784), same dtype.  max_shift: whole number in [0, MAX_SHIFT].
    seed: an int or a numpy Generator.  Each direction is drawn uniformly from the allowed range."""
    images = _images("x", x)
    max_shift = check_int("max_shift", max_shift, 0, MAX_SHIFT)
    rng = _rng(seed)
    left, right, top, bottom = np.minimum(free_margins(x), max_shift).T
    dx = rng.integers(-left, right + 1)          # one draw per image, from its own range
    dy = rng.integers(-top, bottom + 1)
    return _shift_each(images, dx, dy).reshape(len(x), SIDE * SIDE)


def rotate_images(x, degrees):
    """Every image rotated by `degrees` (counter-clockwise) about its centre, nearest pixel.

    x (N, 784) -> (N, 784), same dtype.  degrees: in [-180, 180].  Each output pixel takes the
    value of the input pixel nearest to where it comes from (0 if that is outside the image), so
    the values stay those of the input; the ink of a corner may leave the image."""
    images = _images("x", x)
    theta = np.deg2rad(check_number("degrees", degrees, -180, 180))
    centre = (SIDE - 1) / 2
    yy, xx = np.mgrid[0:SIDE, 0:SIDE] - centre                       # output pixel, from the centre
    # where each output pixel comes from: rotate back by -theta (y grows downwards on screen)
    src_x = np.rint(np.cos(theta) * xx - np.sin(theta) * yy + centre).astype(int)
    src_y = np.rint(np.sin(theta) * xx + np.cos(theta) * yy + centre).astype(int)
    inside = (src_x >= 0) & (src_x < SIDE) & (src_y >= 0) & (src_y < SIDE)
    out = np.zeros_like(images)
    out[:, inside] = images[:, src_y[inside], src_x[inside]]
    return out.reshape(len(x), SIDE * SIDE)


def augmented_set(x, t, copies, max_shift=2, seed=0):
    """The training set enlarged: the originals followed by `copies` randomly shifted copies.

    x (N, 784), t (N,) class numbers -> x_big ((copies + 1) N, 784), t_big ((copies + 1) N,):
    copy k holds random_shifts of all N images (each image its own shift), with the labels of
    the originals.  copies: whole number >= 0; max_shift as in random_shifts; seed: int or Generator."""
    _images("x", x)
    t = check_labels("t", t, len(x), 10)
    copies = check_int("copies", copies, 0)
    rng = _rng(seed)
    xs = [x] + [random_shifts(x, max_shift, rng) for _ in range(copies)]
    return np.concatenate(xs), np.tile(t, copies + 1)


def compare_augmented(methods, x_train, t_train, x_val, t_val, x_test=None, t_test=None, copies=9,
                      max_shift=2, seeds=(0, 1, 2), epochs=200, marks=None, batch_size=100,
                      what="Training on shifted copies"):
    """compare_methods on augmented data, at equal compute: every method trains on
    augmented_set(x_train, t_train, copies, max_shift, seed=[s, 1]) for seed s, for the number of
    gradient steps that `epochs` epochs of the ORIGINAL set take (so (copies + 1) times fewer
    epochs over the enlarged set).  The seed s also sets the weights and batch order, as in
    compare_methods, so seed s here pairs with seed s there; the shifts of seed s come from a
    stream of their own, default_rng([s, 1]).

    methods: {name: settings} as in compare_methods (e.g. {"shifts": {}, "shifts + L2": {...}}).
    epochs, marks: counted in epochs of the original set; each must be a multiple of copies + 1.
    Returns run_one's records plus 'method', with 'epochs_run' and record['at'] keyed by
    original-set epochs.  'train_acc' is measured on the enlarged (shifted) set.
    """
    copies = check_int("copies", copies, 0)
    epochs = check_int("epochs", epochs, 1)
    marks = [check_int("mark", m, 1, epochs) for m in (marks or [])]
    factor = copies + 1
    for name, value in [("epochs", epochs)] + [("mark", m) for m in marks]:
        if value % factor:
            raise ValueError(f"{name}={value} is not a multiple of copies + 1 = {factor}: the enlarged set would "
                             f"need a fractional number of epochs for equal compute; choose copies so that "
                             f"copies + 1 divides {epochs}")
    if not isinstance(methods, dict) or not methods:
        raise TypeError(f"methods must be a non-empty dict {{name: settings}}, got {methods!r}")
    seeds = [check_int("seed", s, 0) for s in seeds]
    status = Status(what, len(methods) * len(seeds))
    status.update(0)
    records = []
    for seed in seeds:
        x_big, t_big = augmented_set(x_train, t_train, copies, max_shift, seed=np.random.default_rng([seed, 1]))
        for name, settings in methods.items():
            record = run_one(x_big, t_big, x_val, t_val, settings, seed=seed, epochs=epochs // factor,
                             x_test=x_test, t_test=t_test, batch_size=batch_size,
                             marks=[m // factor for m in marks] or None)
            record.pop("net", None)
            record["epochs_run"] *= factor
            if marks:
                record["at"] = {m * factor: v for m, v in record["at"].items()}
            records.append({"method": name, "copies": copies, "max_shift": max_shift, **record})
            status.update(len(records), f"{name}, seed {seed}")
    status.finish()
    order = {name: i for i, name in enumerate(methods)}
    return sorted(records, key=lambda r: order[r["method"]])     # grouped by method, seeds in order


def real_images_worth(sizes, scores, score):
    """How many real training images a score is worth: the training-set size at which the curve
    `scores` (one per size, e.g. validation accuracy of "none") first reaches `score`, read off a
    straight line between the two neighbouring points against log(size).

    sizes: increasing sizes; scores: one per size.  A measured curve can dip (seeds, float
    rounding), so it need not increase everywhere: the first segment that climbs past `score` is
    used.  Returns a float, or raises ValueError if no segment reaches `score` (we do not
    extrapolate)."""
    sizes = np.asarray(sizes, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if sizes.ndim != 1 or sizes.shape != scores.shape or len(sizes) < 2:
        raise ValueError(f"sizes and scores must be 1-D of the same length >= 2, got {sizes.shape} and {scores.shape}")
    if np.any(np.diff(sizes) <= 0):
        raise ValueError(f"sizes must increase, got {sizes.tolist()}")
    score = check_number("score", score)
    for i in range(len(sizes) - 1):
        low, high = scores[i], scores[i + 1]
        if low <= score <= high:
            if high == low:
                return float(sizes[i])
            return float(np.exp(np.interp(score, [low, high], np.log(sizes[i:i + 2]))))
    raise ValueError(f"score {score:.3f} is not reached between two neighbouring points of the curve "
                     f"{[round(v, 3) for v in scores.tolist()]}: add smaller or larger sizes; we do not extrapolate")
