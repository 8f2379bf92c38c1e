"""lib: the small NumPy library behind the notebooks on overfitting, weight decay and dropout.

    data.py        load_mnist, take, train_val_split (bundled MNIST in data/, IDX format)
    layers.py      Affine, Relu, Sigmoid, Dropout, SoftmaxWithLoss
    penalties.py   L2 and L1 penalties (value, gradient, proximal step)
    net.py         MultiLayerNet (params, predict, loss, gradient, accuracy, numerical_gradient)
    optimizers.py  SGD, Momentum, RMSProp, Adam, AdamW, SGDW
    train.py       train() -> History, with early stopping and a per-epoch callback
    bench.py       python -m lib.bench: speed of the book's experiment
"""
from .data import load_mnist, take, train_val_split
from .layers import Affine, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from .net import MultiLayerNet
from .optimizers import SGD, Adam, AdamW, Momentum, RMSProp, SGDW, get_optimizer
from .penalties import L1, L2
from .train import History, TrainingDiverged, evaluate, train
