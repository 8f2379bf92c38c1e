"""lib: the small NumPy library behind the notebooks on overfitting, weight decay and dropout.

    data.py        load_mnist, take, train_val_split (bundled MNIST in data/, IDX format)
    layers.py      Affine, Relu, Sigmoid, Dropout, SoftmaxWithLoss
    penalties.py   L2 and L1 penalties (value, gradient, proximal step); decay_budget, l2_shrink_factor
    net.py         MultiLayerNet (params, predict, loss, gradient, accuracy, numerical_gradient)
    optimizers.py  SGD, Momentum, RMSProp, Adam, AdamW, SGDW
    train.py       train() -> History, with early stopping and a per-epoch callback
    bench.py       python -m lib.bench: speed of the book's experiment

For the notebooks:
    panel.py       the live panels: sliders that retrain the network (overfitting_panel,
                   penalty_panel, dropout_panel)
    plots.py       Figure-returning plots;  progress.py  status lines
    polyfit.py     chapter 1's polynomial example;  geometry.py  chapter 2's L1/L2 contours
    mc_dropout.py, dropout_plots.py   chapter 3's MC dropout (and auroc) and figures
    dropout_modes.py  chapter 3: the book's dropout as rescaled inverted dropout (ScaledSGD)
    search.py      chapter 4's random search and method comparison
    exercises/     the exercise checks (machinery in checks.py, one module per chapter)
    argcheck.py    argument checks shared by everything
"""
from .data import load_mnist, take, train_val_split
from .layers import Affine, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from .net import MultiLayerNet
from .optimizers import SGD, Adam, AdamW, Momentum, RMSProp, SGDW, get_optimizer
from .penalties import L1, L2, decay_budget, l2_shrink_factor
from .train import History, TrainingDiverged, evaluate, train
