"""The PyTorch reference for `python -m lib.bench`: the same workloads, written as a PyTorch user would.

    /path/to/torch-env/bin/python tools/bench_torch.py [--workload book-overfit] [--repeat 3] [--threads 1]

torch is not a dependency of this project: run this script with the Python of a separate
environment that has torch and numpy (README, Speed).  `python -m lib.bench --torch PYTHON`
starts it as a worker (--worker: it reads one workload name per line on stdin, runs it once and
answers with one JSON line), so that its runs interleave with the library's in one benchmark run.

The work is exactly lib.bench's: the same 300 training and 10,000 test images (read with lib.data),
the same 784-100x6-10 ReLU network in float32 with the same He-initialized weights (copied from
lib's MultiLayerNet(seed=0)), plain SGD lr 0.01, the same mini-batches of 100 (201 epochs of 3
steps), the mini-batch loss read every step; for book-overfit, after every epoch, accuracy and
cross-entropy on all 300 training and all 10,000 test images (one forward pass over each set,
no gradients).  torch.set_num_threads follows --threads (lib.bench passes its own setting).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORKLOADS = ("book-overfit", "train-only")


def build(seed=0):
    """nn.Sequential with the weights of lib's MultiLayerNet(784, [100] * 6, 10, seed=seed)."""
    import torch
    from torch import nn
    from lib.net import MultiLayerNet
    lib_net = MultiLayerNet(784, [100] * 6, 10, seed=seed)
    layers = []
    for i in range(1, lib_net.n_layers + 1):
        W, b = lib_net.params[f"W{i}"], lib_net.params[f"b{i}"]
        linear = nn.Linear(*W.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))   # nn.Linear keeps W as (out, in)
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def run(workload, data, seed=0, epochs=201, batch_size=100, lr=0.01):
    """One timed run: (wall-clock seconds, CPU seconds, the last test accuracy or None)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    x_train, t_train, x_test, t_test = data
    model = build(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)          # lib.train's mini-batch order, epoch by epoch
    n, test_acc = len(x_train), None
    start, cpu = time.perf_counter(), time.process_time()
    for epoch in range(epochs):
        order = torch.from_numpy(rng.permutation(n))
        batch_losses = []
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            loss = F.cross_entropy(model(x_train[idx]), t_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        if workload == "book-overfit":
            with torch.no_grad():
                for x, t in ((x_train, t_train), (x_test, t_test)):
                    scores = model(x)
                    acc = (scores.argmax(dim=1) == t).float().mean().item()
                    F.cross_entropy(scores, t).item()
            test_acc = acc
    return time.perf_counter() - start, time.process_time() - cpu, test_acc


def load_data():
    import torch
    from lib.data import load_mnist
    (x_train, t_train), (x_test, t_test) = load_mnist()
    return tuple(torch.from_numpy(a) for a in (x_train[:300], t_train[:300], x_test, t_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=WORKLOADS, default="book-overfit")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (default 3)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", 1)),
                        help="torch.set_num_threads (default: $OMP_NUM_THREADS, else 1)")
    parser.add_argument("--worker", action="store_true",
                        help="for lib.bench: read workload names on stdin, answer one JSON line each")
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    data = load_data()
    if args.worker:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        for line in sys.stdin:
            name, epochs = line.split()
            seconds, cpu, acc = run(name, data, epochs=int(epochs))
            print(json.dumps({"workload": name, "seconds": seconds, "cpu_seconds": cpu, "test_acc": acc}), flush=True)
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    run(args.workload, data, epochs=3)   # warm-up
    for i in range(args.repeat):
        seconds, cpu, acc = run(args.workload, data)
        print(f"{args.workload} run {i + 1}: {seconds:.3f} s (CPU {cpu:.3f} s)" + ("" if acc is None else f", test accuracy {acc:.4f}"),
              flush=True)


if __name__ == "__main__":
    main()
