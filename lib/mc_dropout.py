"""Monte Carlo (MC) dropout: keep dropout switched on at prediction time and average over masks.

A network with dropout is, during training, a different "thinned" network for every mask. At
test time we usually run the full network once (eval mode). MC dropout runs it T times in
training mode instead, with T random masks, and looks at all T answers:

    samples = mc_samples(net, x, n_samples=100, seed=0)   # (T, N, C) class probabilities
    mean = samples.mean(axis=0)                            # the ensemble's prediction (N, C)
    spread = mc_spread(samples)                            # (N,) how much the masks disagree

The mean is an average of T members of the ensemble that training was sampling from; for large T
it comes close to (not exactly onto) the eval-mode prediction.  The spread is large for inputs on
which the thinned networks disagree: often ambiguous or badly written digits.

Whether such a score is worth its T forward passes is measured against the one-pass baseline,
the eval-mode softmax confidence 1 - max_c p(c), with the area under the ROC curve:

    auroc(spread, mc_wrong)                      # 1.0: every error scores above every correct answer
    auroc(1 - p_eval.max(axis=1), eval_wrong)    # 0.5: no better than chance
"""
import numpy as np

from .argcheck import check_inputs, check_int
from .layers import Dropout, softmax


def dropout_layers(net):
    """The Dropout layers of a MultiLayerNet, in order (an empty list if it has none)."""
    return [layer for layer in net.layers if isinstance(layer, Dropout)]


def mc_samples(net, x, n_samples=100, seed=0, batch=2000):
    """Class probabilities of `n_samples` forward passes with fresh dropout masks.

    net: a MultiLayerNet with dropout_ratio > 0; x: (N, D) inputs.
    Returns a float32 array (n_samples, N, C): samples[k] = softmax(net.predict(x, train=True))
    for the k-th set of masks.  The masks come from a Generator seeded with `seed`, so the result is
    reproducible and the network's own random state (used by training) is left untouched.
    """
    layers = dropout_layers(net)
    if not layers:
        raise ValueError("the network has no dropout layers (dropout_ratio=0): every sample would be "
                         "the same; build it with dropout_ratio > 0")
    check_inputs("x", x, net.input_size, net.dtype)   # once here: the loop below uses the unchecked _predict
    n_samples = check_int("n_samples", n_samples, 1)
    batch = check_int("batch", batch, 1)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_int("seed", seed, 0))
    saved = [(layer.rng, layer.mask, layer.frozen) for layer in layers]
    out = np.empty((n_samples, len(x), net.output_size), dtype=np.float32)
    try:
        for layer in layers:
            layer.rng, layer.frozen = rng, False
        for k in range(n_samples):
            for start in range(0, len(x), batch):
                out[k, start:start + batch] = softmax(net._predict(x[start:start + batch], train=True))
    finally:
        for layer, (layer_rng, mask, frozen) in zip(layers, saved):
            layer.rng, layer.mask, layer.frozen = layer_rng, mask, frozen
    return out


def mc_predict(net, x, n_samples=100, seed=0):
    """The MC-dropout prediction: the mean of `n_samples` masked predictions, shape (N, C)."""
    return mc_samples(net, x, n_samples, seed).mean(axis=0)


def eval_probabilities(net, x):
    """Class probabilities of the full network in eval mode (no masks), shape (N, C)."""
    check_inputs("x", x, net.input_size)
    return softmax(net.predict(x, train=False))


def mc_spread(samples):
    """How much the masks disagree about each input: the standard deviation, across the samples,
    of the probability of the class the mean predicts.  samples (T, N, C) -> (N,)."""
    samples = _check_samples(samples)
    top = samples.mean(axis=0).argmax(axis=1)                       # (N,)
    p_top = samples[:, np.arange(samples.shape[1]), top]            # (T, N)
    return p_top.std(axis=0)


def running_agreement(samples, reference, counts):
    """How the average of the first T samples approaches a reference prediction, for each T in `counts`.

    samples (T_max, N, C), reference (N, C) (e.g. eval_probabilities).  Returns two arrays of
    len(counts): the share of inputs whose predicted class equals the reference's, and the mean
    absolute difference of the probabilities, mean over inputs and classes of |avg_T - reference|.
    """
    samples = _check_samples(samples)
    reference = np.asarray(reference)
    if reference.shape != samples.shape[1:]:
        raise ValueError(f"reference must have shape {samples.shape[1:]} (N, C) like one sample, got {reference.shape}")
    counts = [check_int("counts[i]", int(c) if isinstance(c, np.integer) else c, 1, len(samples)) for c in counts]
    cumulative = np.cumsum(samples, axis=0, dtype=np.float64)
    agree, diff = [], []
    for T in counts:
        avg = cumulative[T - 1] / T
        agree.append(float(np.mean(avg.argmax(axis=1) == reference.argmax(axis=1))))
        diff.append(float(np.mean(np.abs(avg - reference))))
    return np.array(agree), np.array(diff)


def auroc(scores, positive):
    """Area under the ROC curve of `scores` for telling the `positive` cases from the others.

    scores (N,) numbers, higher = "more likely positive" (e.g. the MC spread, or 1 - max p);
    positive (N,) booleans (e.g. the prediction is wrong).  Returns a float in [0, 1]: the
    probability that a random positive scores higher than a random negative, ties counting 1/2
    (0.5 = chance, 1 = perfect).  Computed from ranks (the Mann-Whitney U statistic):
        AUROC = (sum of the positives' ranks - n_pos (n_pos + 1) / 2) / (n_pos * n_neg),
    with tied scores sharing their average rank; O(N log N), no pairwise loop.
    """
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive)
    if scores.ndim != 1 or positive.shape != scores.shape:
        raise ValueError(f"scores and positive must be 1-D arrays of one length, got shapes {scores.shape} "
                         f"and {positive.shape}")
    if positive.dtype != bool:
        raise TypeError(f"positive must be booleans (True = positive case), got dtype {positive.dtype}")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or inf")
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"need at least one positive and one negative case, got {n_pos} and {n_neg}")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # tied scores: every member of a run of equal values gets the run's average rank
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0                      # 1-based average rank of each run
    ranks[order] = np.repeat(average, counts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _check_samples(samples):
    samples = np.asarray(samples)
    if samples.ndim != 3 or samples.shape[0] < 1:
        raise ValueError(f"samples must have shape (T, N, C) as returned by mc_samples, got {samples.shape}")
    return samples
