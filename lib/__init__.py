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
    toy2d.py       the 2-D lab: two moons, decision-region figures, logit slope vs weight size
                   (its live panel: panel.boundary_panel)
    mc_dropout.py, dropout_plots.py   chapter 3's MC dropout (and auroc) and figures
    dropout_modes.py  chapter 3: the book's dropout as rescaled inverted dropout (ScaledSGD)
    search.py      chapter 4's random search and method comparison
    theory.py      the theory that ties the chapters together: priors, dropout as L2, early stopping
                   as L2, framework conventions (figures in theory_plots.py)
    augment.py     chapter 4's data augmentation: shifted copies of the digits, compared at equal compute
    exercises/     the exercise checks (machinery in checks.py, one module per chapter)
    argcheck.py    argument checks shared by everything
"""
from .data import load_mnist, take, train_val_split
from .layers import Affine, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from .net import MultiLayerNet
from .optimizers import SGD, Adam, AdamW, Momentum, RMSProp, SGDW, get_optimizer
from .penalties import L1, L2, decay_budget, l2_shrink_factor
from .train import History, TrainingDiverged, evaluate, train
