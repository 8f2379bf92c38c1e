"""Bad input gets an error that names the argument, the value given and what is allowed,
instead of a NaN curve or a numpy traceback from deep inside the library.

Each case: (call, exception type, regex the message must match).  The regexes spell out the
three parts on purpose, so a vaguer message makes the test fail.
"""
import re

import numpy as np
import pytest

from lib.data import load_mnist, take, train_val_split
from lib.layers import Dropout
from lib.net import MultiLayerNet
from lib.optimizers import SGD, Adam, Momentum, RMSProp, get_optimizer
from lib.penalties import L1, L2
from lib.train import evaluate, train

NET = MultiLayerNet(4, [3], 3, seed=0)
X = np.random.default_rng(0).random((6, 4)).astype(np.float32)
T = np.array([0, 1, 2, 0, 1, 2])


def e(pattern):
    """Regex from a readable pattern: literal text, with ... standing for 'anything'."""
    return ".*".join(re.escape(part) for part in pattern.split("..."))


CASES = {
    # --- dropout ratio and penalty strengths ---------------------------------------------------
    "dropout ratio 1.0": (lambda: Dropout(1.0), ValueError, e("dropout ratio must be in [0, 1), got 1.0")),
    "dropout ratio -0.1": (lambda: Dropout(-0.1), ValueError, e("dropout ratio must be in [0, 1), got -0.1")),
    "net dropout_ratio 1.0": (lambda: MultiLayerNet(4, [3], 3, dropout_ratio=1.0), ValueError,
                              e("dropout_ratio must be in [0, 1), got 1.0")),
    "net dropout_ratio -0.1": (lambda: MultiLayerNet(4, [3], 3, dropout_ratio=-0.1), ValueError,
                               e("dropout_ratio must be in [0, 1), got -0.1")),
    "dropout ratio string": (lambda: Dropout("0.5"), TypeError, e("dropout ratio must be a number, got '0.5' (str)")),
    "dropout mode": (lambda: Dropout(0.5, mode="scaled"), ValueError,
                     e("unknown dropout mode 'scaled'; allowed: 'inverted', 'book'")),
    "L2 negative": (lambda: L2(-0.1), ValueError, e("weight_decay_lambda must be in [0, ...], got -0.1")),
    "L1 negative": (lambda: L1(-0.1), ValueError, e("l1_lambda must be in [0, ...], got -0.1")),
    "net L2 negative": (lambda: MultiLayerNet(4, [3], 3, weight_decay_lambda=-1), ValueError,
                        e("weight_decay_lambda must be in [0, ...], got -1.0")),
    "net L1 negative": (lambda: MultiLayerNet(4, [3], 3, l1_lambda=-0.01), ValueError,
                        e("l1_lambda must be in [0, ...], got -0.01")),
    "lambda NaN": (lambda: L2(float("nan")), ValueError, e("weight_decay_lambda must be a finite number, got nan")),
    "l1_method": (lambda: MultiLayerNet(4, [3], 3, l1_method="lasso"), ValueError,
                  e("unknown l1_method 'lasso'; allowed: 'subgradient', 'proximal'")),

    # --- network construction ------------------------------------------------------------------
    "activation": (lambda: MultiLayerNet(4, [3], 3, activation="tanh"), ValueError,
                   e("unknown activation 'tanh'; allowed: 'relu', 'sigmoid'")),
    "hidden_size_list int": (lambda: MultiLayerNet(784, 100, 10), TypeError,
                             e("hidden_size_list must be a list of layer widths such as [100, 100], got 100")),
    "hidden_size_list str": (lambda: MultiLayerNet(784, "100", 10), TypeError,
                             e("hidden_size_list must be a list ... got '100'")),
    "hidden width 0": (lambda: MultiLayerNet(4, [3, 0], 3), ValueError,
                       e("hidden_size_list[1] must be a whole number in [1, inf], got 0")),
    "hidden width float": (lambda: MultiLayerNet(4, [3.5], 3), TypeError,
                           e("hidden_size_list[0] must be a whole number, got 3.5 (float)")),
    "output_size 1": (lambda: MultiLayerNet(4, [3], 1), ValueError,
                      e("output_size must be a whole number in [2, inf], got 1")),
    "weight_init_std name": (lambda: MultiLayerNet(4, [3], 3, weight_init_std="normal"), ValueError,
                             e("unknown weight_init_std 'normal'; allowed: 'relu', 'he', 'sigmoid', 'xavier'")),
    "weight_init_std 0": (lambda: MultiLayerNet(4, [3], 3, weight_init_std=0), ValueError,
                          e("weight_init_std must be in (0, inf], got 0.0")),
    "net dtype": (lambda: MultiLayerNet(4, [3], 3, dtype=np.int32), TypeError,
                  e("dtype must be numpy.float32 or numpy.float64, got ...int32")),
    "seed negative": (lambda: MultiLayerNet(4, [3], 3, seed=-1), ValueError,
                      e("seed must be a whole number in [0, inf], got -1")),

    # --- inputs x ------------------------------------------------------------------------------
    "x 3-D": (lambda: NET.loss(np.zeros((6, 2, 2)), T), ValueError,
              e("x must be 2-D with shape (N, features), got shape (6, 2, 2) (flatten images with x.reshape(len(x), -1))")),
    "x 1-D": (lambda: NET.accuracy(np.zeros(4), T), ValueError, e("x must be 2-D ... got shape (4,)")),
    "x wrong features": (lambda: NET.loss(np.zeros((6, 5)), T), ValueError,
                         e("x has 5 features per example, the network expects 4")),
    "x strings": (lambda: NET.loss(np.full((6, 4), "a"), T), TypeError,
                  e("x must hold numbers (a float array), got dtype <U1")),
    "x objects": (lambda: NET.loss(X.astype(object), T), TypeError,
                  e("x must hold numbers (a float array), got dtype object")),
    "x list": (lambda: NET.loss(X.tolist(), T), TypeError, e("x must be a numpy array, got list")),
    "x empty": (lambda: NET.loss(np.zeros((0, 4)), np.zeros(0, dtype=int)), ValueError,
                e("x is empty (shape (0, 4)); give at least one example")),
    "x NaN": (lambda: NET.loss(np.where(np.eye(6, 4) > 0, np.nan, X), T), ValueError,
              e("x contains 4 NaN or inf values; clean the data first")),
    "x inf": (lambda: NET.gradient(np.where(np.eye(6, 4) > 0, np.inf, X), T), ValueError,
              e("x contains 4 NaN or inf values")),
    # finite float64 values that float32 cannot hold would become inf inside the network
    "x beyond float32 (accuracy)": (lambda: NET.accuracy(X.astype(np.float64) * 1e39, T), ValueError,
                                    e("x has values of magnitude up to 9...e+38, beyond what float32 holds (3.4e+38)")),
    "x beyond float32 (train)": (lambda: train(NET, -X.astype(np.float64) * 1e39, T), ValueError,
                                 e("x_train has values of magnitude up to ...beyond what float32 holds")),
    "x beyond float32 (predict)": (lambda: NET.predict(X.astype(np.float64) * 1e39), ValueError,
                                   e("x has values of magnitude up to ...they would become inf")),

    # --- predict() and evaluate(), the exported forward passes ---------------------------------
    "predict train string": (lambda: NET.predict(X, train="False"), TypeError,
                             e("train must be True or False, got 'False' (str)")),
    "predict train_flg int": (lambda: NET.predict(X, train_flg=1), TypeError,
                              e("train_flg must be True or False, got 1 (int)")),
    "loss train string": (lambda: NET.loss(X, T, train="yes"), TypeError, e("train must be True or False, got 'yes'")),
    "predict width": (lambda: NET.predict(np.zeros((6, 5))), ValueError,
                      e("x has 5 features per example, the network expects 4")),
    "predict list": (lambda: NET.predict(X.tolist()), TypeError, e("x must be a numpy array, got list")),
    "evaluate label -1": (lambda: evaluate(NET, X, np.array([0, -1, 2, 0, 1, 2])), ValueError,
                          e("t must be class numbers in [0, 2], got values from -1 to 2")),
    "evaluate empty": (lambda: evaluate(NET, np.zeros((0, 4)), np.zeros(0, dtype=int)), ValueError,
                       e("x is empty (shape (0, 4)); give at least one example")),
    "evaluate width": (lambda: evaluate(NET, np.zeros((6, 5)), T), ValueError,
                       e("x has 5 features per example, the network expects 4")),
    "evaluate lengths": (lambda: evaluate(NET, X, T[:5]), ValueError,
                         e("x and t have different lengths: 6 inputs but 5 labels")),
    "evaluate batch 0": (lambda: evaluate(NET, X, T, batch=0), ValueError,
                         e("batch must be a whole number in [1, inf], got 0")),

    # --- labels t ------------------------------------------------------------------------------
    "t out of range": (lambda: NET.loss(X, np.array([0, 1, 2, 3, 1, 2])), ValueError,
                       e("t must be class numbers in [0, 2], got values from 0 to 3")),
    "t negative": (lambda: NET.accuracy(X, np.array([0, -1, 2, 0, 1, 2])), ValueError,
                   e("t must be class numbers in [0, 2], got values from -1 to 2")),
    "t non-integer floats": (lambda: NET.loss(X, np.array([0, 1.5, 2, 0, 1, 2])), TypeError,
                             e("t must hold whole class numbers, got non-integer values such as 1.5")),
    "t NaN": (lambda: NET.loss(X, np.array([0, np.nan, 2, 0, 1, 2])), TypeError,
              e("t must hold whole class numbers, got non-integer values such as nan")),
    "t strings": (lambda: NET.loss(X, T.astype(str)), TypeError,
                  e("t must hold integer class numbers, got dtype <U")),
    "t objects": (lambda: NET.loss(X, T.astype(object)), TypeError,
                  e("t must hold integer class numbers, got dtype object")),
    "t list": (lambda: NET.loss(X, T.tolist()), TypeError, e("t must be a numpy array, got list")),
    "x and t lengths": (lambda: NET.loss(X, T[:5]), ValueError,
                        e("x and t have different lengths: 6 inputs but 5 labels")),
    "t one-hot width": (lambda: NET.loss(X, np.eye(4)[T % 4]), ValueError,
                        e("one-hot t must have shape (N, 3), got (6, 4)")),
    "t one-hot not one": (lambda: NET.loss(X, np.ones((6, 3))), ValueError,
                          e("one-hot t must have exactly one 1 per row and 0 elsewhere")),
    "t 3-D": (lambda: NET.loss(X, T.reshape(6, 1, 1)), ValueError,
              e("t must be 1-D class indices (N,) or one-hot (N, 3), got shape (6, 1, 1)")),

    # --- train() -------------------------------------------------------------------------------
    "train x_train 3-D": (lambda: train(NET, X.reshape(6, 2, 2), T), ValueError,
                          e("x_train must be 2-D ... got shape (6, 2, 2)")),
    "train t_train range": (lambda: train(NET, X, T + 1), ValueError,
                            e("t_train must be class numbers in [0, 2], got values from 1 to 3")),
    "train lengths": (lambda: train(NET, X, T[:4]), ValueError,
                      e("x and t_train have different lengths: 6 inputs but 4 labels")),
    "train x_test NaN": (lambda: train(NET, X, T, np.full((2, 4), np.nan), T[:2]), ValueError,
                         e("x_test contains 8 NaN or inf values")),
    "train t_test range": (lambda: train(NET, X, T, X, T * 2), ValueError,
                           e("t_test must be class numbers in [0, 2], got values from 0 to 4")),
    "train x_test alone": (lambda: train(NET, X, T, X), ValueError, e("give both x_test and t_test, or neither")),
    "epochs 0": (lambda: train(NET, X, T, epochs=0), ValueError, e("epochs must be a whole number in [1, inf], got 0")),
    "epochs float": (lambda: train(NET, X, T, epochs=2.5), TypeError, e("epochs must be a whole number, got 2.5 (float)")),
    "epochs bool": (lambda: train(NET, X, T, epochs=True), TypeError, e("epochs must be a whole number, got True (bool)")),
    "batch_size 0": (lambda: train(NET, X, T, batch_size=0), ValueError,
                     e("batch_size must be a whole number in [1, inf], got 0")),
    "batch_size float": (lambda: train(NET, X, T, batch_size=10.0), TypeError,
                         e("batch_size must be a whole number, got 10.0 (float)")),
    "eval_every 0": (lambda: train(NET, X, T, eval_every=0), ValueError,
                     e("eval_every must be a whole number in [1, inf], got 0")),
    "sampling": (lambda: train(NET, X, T, sampling="bootstrap"), ValueError,
                 e("unknown sampling 'bootstrap'; allowed: 'shuffle', 'replacement'")),
    "optimizer name": (lambda: train(NET, X, T, optimizer="adamax"), ValueError,
                       e("unknown optimizer 'adamax'; allowed: 'sgd', 'momentum', 'rmsprop', 'adam', 'adamw', 'sgdw'")),
    "optimizer object": (lambda: train(NET, X, T, optimizer=42), TypeError,
                         e("optimizer must be a name or an object with update(params, grads), got 42")),
    "lr 0": (lambda: train(NET, X, T, lr=0), ValueError, e("lr must be in (0, inf], got 0.0")),
    "lr string": (lambda: train(NET, X, T, lr="0.1"), TypeError, e("lr must be a number, got '0.1' (str)")),
    "patience without validation": (lambda: train(NET, X, T, patience=3), ValueError,
                                    e("early stopping (patience) needs a validation set: pass x_test, t_test")),
    "patience 0": (lambda: train(NET, X, T, X, T, patience=0), ValueError,
                   e("patience must be a whole number in [1, inf], got 0")),
    "patience with eval_every": (lambda: train(NET, X, T, X, T, patience=3, eval_every=5), ValueError,
                                 e("early stopping (patience) needs eval_every=1, got eval_every=5")),

    # --- optimizers ----------------------------------------------------------------------------
    "get_optimizer name": (lambda: get_optimizer("nesterov"), ValueError, e("unknown optimizer 'nesterov'; allowed: 'sgd'")),
    "SGD lr negative": (lambda: SGD(lr=-0.1), ValueError, e("lr must be in (0, inf], got -0.1")),
    "weight_decay negative": (lambda: Adam(weight_decay=-1e-4), ValueError,
                              e("weight_decay must be in [0, ...], got -0.0001")),
    "momentum 1": (lambda: Momentum(momentum=1.0), ValueError, e("momentum must be in [0, 1), got 1.0")),
    "optimizer_kwargs": (lambda: train(NET, X, T, optimizer="adam", optimizer_kwargs={"beta1": 1.5}), ValueError,
                         e("beta1 must be in [0, 1), got 1.5")),
    "Adam eps 0": (lambda: Adam(eps=0), ValueError, e("eps must be in (0, inf], got 0.0")),
    "RMSProp eps negative": (lambda: RMSProp(eps=-1e-7), ValueError, e("eps must be in (0, inf], got -1e-07")),
    "Adam eps string": (lambda: Adam(eps="1e-8"), TypeError, e("eps must be a number, got '1e-8' (str)")),
    "optimizer_kwargs eps": (lambda: train(NET, X, T, optimizer="rmsprop", optimizer_kwargs={"eps": 0}), ValueError,
                             e("eps must be in (0, inf], got 0.0")),
    "optimizer_kwargs lr": (lambda: train(NET, X, T, lr=0.1, optimizer="sgd", optimizer_kwargs={"lr": 0.5}), ValueError,
                            e("give the learning rate as train(..., lr=...), not in optimizer_kwargs")),
    "optimizer_kwargs unknown": (lambda: train(NET, X, T, optimizer="sgd", optimizer_kwargs={"momentum": 0.9}),
                                 ValueError, e("optimizer 'sgd' has no argument 'momentum'; allowed: lr, weight_decay")),
    "optimizer_kwargs not a dict": (lambda: train(NET, X, T, optimizer="adam", optimizer_kwargs=[("eps", 1e-8)]),
                                    TypeError, e("optimizer_kwargs must be a dict such as {'weight_decay': 0.01}")),

    # --- data ----------------------------------------------------------------------------------
    "load_mnist source": (lambda: load_mnist(source="web"), ValueError,
                          e("unknown source 'web'; allowed: 'bundled', 'full'")),
    "load_mnist dtype int32": (lambda: load_mnist(dtype=np.int32), TypeError,
                               e("dtype must be numpy.float32 or numpy.float64 (pixels scaled to [0, 1]), got "
                                 "<class 'numpy.int32'>; for the raw 0..255 pixels use normalize=False (uint8)")),
    "load_mnist dtype uint8": (lambda: load_mnist(dtype="uint8"), TypeError, e("got 'uint8'; for the raw 0..255 pixels")),
    "load_mnist dtype None": (lambda: load_mnist(dtype=None), TypeError, e("got None")),
    "load_mnist normalize string": (lambda: load_mnist(normalize="False"), TypeError,
                                    e("normalize must be True or False, got 'False' (str)")),
    "take n too large": (lambda: take(X, T, 7), ValueError, e("n must be a whole number in [1, 6], got 7")),
    "take lengths": (lambda: take(X, T[:5], 2), ValueError, e("x and t have different lengths: 6 and 5")),
    "take lists": (lambda: take(X.tolist(), T.tolist(), 2), TypeError,
                   e("x must be a numpy array, got list (use np.asarray)")),
    "take t list": (lambda: take(X, T.tolist(), 2), TypeError, e("t must be a numpy array, got list")),
    "take seed negative": (lambda: take(X, T, 2, seed=-1), ValueError,
                           e("seed must be a whole number in [0, inf], got -1")),
    "take seed float": (lambda: take(X, T, 2, seed=0.5), TypeError, e("seed must be a whole number, got 0.5 (float)")),
    "split lists": (lambda: train_val_split(X.tolist(), T.tolist()), TypeError, e("x must be a numpy array, got list")),
    "split seed negative": (lambda: train_val_split(X, T, seed=-3), ValueError,
                            e("seed must be a whole number in [0, inf], got -3")),
    "val_fraction 1": (lambda: train_val_split(X, T, val_fraction=1.0), ValueError,
                       e("val_fraction must be in (0, 1), got 1.0")),
    "val_fraction too small": (lambda: train_val_split(X, T, val_fraction=0.01), ValueError,
                               e("val_fraction=0.01 leaves an empty part of 6 examples")),
    "split lengths": (lambda: train_val_split(X, T[:5]), ValueError, e("x and t have different lengths: 6 and 5")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gets_a_clear_error(case):
    call, exc, pattern = CASES[case]
    with pytest.raises(exc, match=pattern):
        call()


def test_errors_come_before_any_work():
    """A rejected call leaves the network untouched: no half-done training step."""
    net = MultiLayerNet(4, [3], 3, seed=0)
    before = net.copy_params()
    for bad in (dict(epochs=0), dict(sampling="x"), dict(optimizer="x"), dict(batch_size=-1)):
        with pytest.raises((ValueError, TypeError)):
            train(net, X, T, **bad)
    with pytest.raises(ValueError):
        train(net, X, np.array([0, 1, 2, 0, 1, 9]))
    for key, value in before.items():
        np.testing.assert_array_equal(net.params[key], value)
