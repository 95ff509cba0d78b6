"""Benchmark the 784-16-16-10 network: training time per epoch and forward-pass speed, NumPy vs PyTorch.

    MNIST_DIR=/path/to/mnist python bench/bench_network.py [--repeats 5]

Every figure is the median of ``--repeats`` runs (min and max beside it); the cases are interleaved
run by run so that a slow patch of the machine touches all of them alike. What is timed:

* ``train()`` epoch: the project's own trainer, ``src.train.train`` with ``TrainConfig(epochs=1)``
  (batch 64, Adam, cosine learning rate, L2 1e-4) on a fresh network, as the trainer itself reports the
  epoch (``history["seconds"]``): augmentation if any, the shuffle, 938 mini-batch steps and the
  train-accuracy pass over all 60,000 images that ``train()`` makes at the end of every epoch.
* step loop: only the shuffle and the 938 steps (``net.backprop`` + L2 + Adam step), the very loop inside
  ``train()``; the PyTorch loop does the same work (same initial weights, same shuffle, softmax
  cross-entropy, L2 on W only, same cosine learning rate), so the two loops compare like with like.
* forward pass: ``net.feedforward`` on the 10,000 test images as float32 (10000, 784), and one image
  (784,) through ``net.forward``; PyTorch under ``torch.inference_mode()``, softmax included.

PyTorch is optional: where it is not installed its rows are skipped. It is run with as many threads as
NumPy's BLAS uses, so both get the same cores.
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: `src` is the repo's

from common import latency, load_mnist  # noqa: E402
from src.network import Network, one_hot  # noqa: E402
from src.train import TrainConfig, _Adam, learning_rate, pixels, train  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

ACTIVATIONS = ("sigmoid", "relu")
AUGMENT = dict(augment_degrees=5.0, augment_scale=0.05, augment_shift=1.0)
SEED = 0


# --- environment ---------------------------------------------------------------------------------
def blas_threads():
    """(threads, library) for the BLAS NumPy uses, read from OpenBLAS itself; (None, why) if it can't be."""
    libs = []
    try:
        with open("/proc/self/maps") as f:  # the libraries actually loaded into this process
            libs = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
    except OSError:
        pass
    libs += glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*"))
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                       "openblas_get_num_threads64_", "openblas_get_num_threads"):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn.restype = ctypes.c_int
                return int(fn()), os.path.basename(path)
    return None, "no OpenBLAS found"


def cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


# --- timing helpers ------------------------------------------------------------------------------
def stats(samples):
    return statistics.median(samples), min(samples), max(samples)


def per_call(fn, min_seconds=0.2):
    """Seconds per call of fn, averaged over enough calls to last about min_seconds."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / calls
        calls *= 2 if elapsed <= 0 else max(2, int(min_seconds / elapsed * 1.2))


# --- the NumPy cases -----------------------------------------------------------------------------
def numpy_train_epoch(images, labels, activation, config):
    """One epoch of src.train.train on a fresh network: (epoch seconds as train() reports it, call wall seconds)."""
    net = Network.initialise(activation=activation, seed=SEED)
    start = time.perf_counter()
    history = train(net, images, labels, config)
    return history["seconds"][0], time.perf_counter() - start


def numpy_step_loop(x, y, activation, config):
    """The shuffle and mini-batch steps of one train() epoch, nothing else: (seconds, trained net)."""
    net = Network.initialise(activation=activation, seed=SEED)
    rng = np.random.default_rng(config.seed + 1)
    params = net.weights + net.biases
    opt = _Adam(params)
    n = len(x)
    total = -(-n // config.batch_size) * config.epochs
    start = time.perf_counter()
    order = rng.permutation(n)
    loss = 0.0
    for step, i in enumerate(range(0, n, config.batch_size)):
        batch = order[i:i + config.batch_size]
        nabla_w, nabla_b, cost = net.backprop(x[batch], y[batch])
        if config.l2:
            nabla_w = [g + config.l2 * w for g, w in zip(nabla_w, net.weights)]
        opt.step(params, nabla_w + nabla_b, learning_rate(config, step, total))
        loss += cost * len(batch)
    return time.perf_counter() - start, net


# --- the PyTorch cases ---------------------------------------------------------------------------
def torch_model(activation):
    """The same 784-16-16-10 network in PyTorch, with the NumPy network's initial weights."""
    net = Network.initialise(activation=activation, seed=SEED)
    act = torch.nn.Sigmoid if activation == "sigmoid" else torch.nn.ReLU
    model = torch.nn.Sequential(torch.nn.Linear(784, 16), act(), torch.nn.Linear(16, 16), act(),
                                torch.nn.Linear(16, 10))
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for layer, w, b in zip(linears, net.weights, net.biases):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    return model


def torch_step_loop(x_t, labels_t, activation, config):
    """One epoch in PyTorch doing train()'s step loop: (seconds, trained model)."""
    model = torch_model(activation)
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(0.9, 0.999), eps=1e-8)
    rng = np.random.default_rng(config.seed + 1)
    n = len(x_t)
    total = -(-n // config.batch_size) * config.epochs
    start = time.perf_counter()
    order = torch.from_numpy(rng.permutation(n))
    loss_sum = 0.0
    for step, i in enumerate(range(0, n, config.batch_size)):
        batch = order[i:i + config.batch_size]
        loss = torch.nn.functional.cross_entropy(model(x_t[batch]), labels_t[batch])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if config.l2:
            with torch.no_grad():
                for w in weights:
                    w.grad.add_(w, alpha=config.l2)  # L2 on W only, as train() does
        for group in opt.param_groups:
            group["lr"] = learning_rate(config, step, total)
        opt.step()
        loss_sum += loss.item() * len(batch)
    return time.perf_counter() - start, model


def torch_forward(model, x_t):
    with torch.inference_mode():
        return torch.softmax(model(x_t), dim=-1)


# --- output --------------------------------------------------------------------------------------
def table(title, rows, unit, scale, extra=None):
    """Print rows of (label, samples) as median / min / max in ``unit`` (samples in seconds × scale)."""
    print(f"\n{title}")
    head = f"  {'what':<52}{'median':>10}{'min':>10}{'max':>10}"
    if extra:
        head += f"{extra[0]:>16}"
    print(head)
    print("  " + "-" * (len(head) - 2))
    for label, samples in rows:
        med, lo, hi = (s * scale for s in stats(samples))
        line = f"  {label:<52}{med:>8.2f}{unit:>2}{lo:>8.2f}{unit:>2}{hi:>8.2f}{unit:>2}"
        if extra:
            line += f"{extra[1](stats(samples)[0]):>16}"
        print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each case; the median is shown")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    wall_start = time.perf_counter()

    train_images, train_labels = load_mnist("train", allow_download=True)
    test_images, test_labels = load_mnist("test", allow_download=True)

    threads, blas_lib = blas_threads()
    print("Environment")
    print(f"  python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}")
    print(f"  CPUs: {cpu_count()} usable (os.cpu_count() {os.cpu_count()}), {platform.machine()}")
    print(f"  OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(not set)')}; "
          f"NumPy's BLAS ({blas_lib}) uses {threads if threads else 'an unknown number of'} thread(s) "
          f"for matrix products (NumPy's element-wise work is single-threaded)")
    if torch:
        torch_threads = threads or cpu_count()
        torch.set_num_threads(torch_threads)
        print(f"  torch.set_num_threads({torch_threads}): the same thread count as NumPy's BLAS "
              f"(torch.get_num_threads() = {torch.get_num_threads()})")
    if hasattr(os, "getloadavg"):
        print(f"  load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"  {args.repeats} timed run(s) per case, after one warm-up; median, min and max shown")

    config = TrainConfig(epochs=1, batch_size=64, optimizer="adam")
    config_aug = TrainConfig(epochs=1, batch_size=64, optimizer="adam", **AUGMENT)
    x_train, y_train = pixels(train_images), one_hot(train_labels)
    x_test = pixels(test_images)
    n_train, n_test = len(x_train), len(x_test)
    if torch:
        x_train_t = torch.from_numpy(x_train)
        labels_t = torch.from_numpy(train_labels.astype(np.int64))
        x_test_t = torch.from_numpy(x_test)

    # Warm-up: every code path once on a slice (allocator, BLAS threads, PyTorch's lazy set-up).
    for act in ACTIVATIONS:
        numpy_train_epoch(train_images[:2048], train_labels[:2048], act, config_aug)
        numpy_step_loop(x_train[:2048], y_train[:2048], act, config)
        if torch:
            torch_step_loop(x_train_t[:2048], labels_t[:2048], act, config)

    # --- training: one epoch, each case on a fresh network, cases interleaved run by run ---
    cases = [(f"NumPy train() epoch, {act}", lambda act=act: numpy_train_epoch(train_images, train_labels, act, config))
             for act in ACTIVATIONS]
    cases.append(("NumPy train() epoch, relu + augmentation",
                  lambda: numpy_train_epoch(train_images, train_labels, "relu", config_aug)))
    cases += [(f"NumPy step loop, {act}", lambda act=act: numpy_step_loop(x_train, y_train, act, config))
              for act in ACTIVATIONS]
    if torch:
        cases += [(f"PyTorch step loop, {act}", lambda act=act: torch_step_loop(x_train_t, labels_t, act, config))
                  for act in ACTIVATIONS]
    train_times = {label: [] for label, _ in cases}
    call_walls = {label: [] for label, _ in cases}
    trained = {}
    for _ in range(args.repeats):
        for label, fn in cases:
            seconds, other = fn()
            train_times[label].append(seconds)
            if isinstance(other, float):
                call_walls[label].append(other)
            else:
                trained[label] = other

    steps = -(-n_train // config.batch_size)
    table(f"Training: seconds for one epoch over {n_train:,} images (batch {config.batch_size} = {steps} steps, "
          f"Adam, cosine lr, L2 {config.l2:g})",
          [(label, train_times[label]) for label, _ in cases], " s", 1.0,
          ("images/s", lambda med: f"{n_train / med:,.0f}"))
    walls = [statistics.median(v) - statistics.median(train_times[k]) for k, v in call_walls.items() if v]
    print("  train() epoch = as train() reports it: augmentation (if any) + shuffle + steps + its train-accuracy\n"
          "                  pass over all 60,000 images at the end of the epoch "
          f"(the call's own set-up adds {min(walls):.2f}-{max(walls):.2f} s)\n"
          "  step loop     = shuffle + mini-batch steps only (forward, backprop, L2, Adam step): the loop in train()")
    if torch:
        print("  PyTorch loop  = the same steps in PyTorch on CPU: same initial weights and shuffle, softmax\n"
              "                  cross-entropy, L2 on W only, same cosine lr; torch.optim.Adam")
        print("  check, test accuracy after the timed epoch: " + ", ".join(
            f"{act} NumPy {trained[f'NumPy step loop, {act}'].accuracy(x_test, test_labels):.2%} / PyTorch "
            f"{(torch_forward(trained[f'PyTorch step loop, {act}'], x_test_t).argmax(1).numpy() == test_labels).mean():.2%}"
            for act in ACTIVATIONS))

    # --- forward pass over the test set, and one image ---
    nets = {act: Network.initialise(activation=act, seed=SEED) for act in ACTIVATIONS}
    models = {act: torch_model(act) for act in ACTIVATIONS} if torch else {}
    one = x_test[0]
    batch_rows, single_rows = [], []
    for act in ACTIVATIONS:
        net = nets[act]
        assert net.feedforward(x_test).shape == (n_test, 10)
        batch_rows.append((f"NumPy net.feedforward, {act}", [per_call(lambda: net.feedforward(x_test))
                                                             for _ in range(args.repeats)]))
        if torch:
            model = models[act]
            np.testing.assert_allclose(torch_forward(model, x_test_t).numpy(), net.feedforward(x_test), atol=1e-5)
            batch_rows.append((f"PyTorch model(x) + softmax, {act}", [per_call(lambda: torch_forward(model, x_test_t))
                                                                      for _ in range(args.repeats)]))
    n_single = 400 * args.repeats
    for act in ACTIVATIONS:
        net = nets[act]
        latency(lambda: net.forward(one), 200)  # warm-up
        single_rows.append((f"NumPy net.forward(one image), {act}", latency(lambda: net.forward(one), n_single)))
        if torch:
            model, one_t = models[act], x_test_t[0]
            latency(lambda: torch_forward(model, one_t), 200)
            single_rows.append((f"PyTorch model(one image) + softmax, {act}",
                                latency(lambda: torch_forward(model, one_t), n_single)))

    table(f"Forward pass over the {n_test:,} test images (float32 {n_test}x784): ms per pass",
          batch_rows, "ms", 1e3, ("images/s", lambda med: f"{n_test / med:,.0f}"))
    print(f"  each run averages enough passes to last 0.2 s; median of {args.repeats} run(s)")
    table(f"Single-image latency (one image, shape (784,)): µs per call, {n_single} calls timed one by one",
          single_rows, "µs", 1e6)

    # --- PyTorch / NumPy ---
    if torch:
        med = {label: statistics.median(s) for label, s in [*train_times.items(), *batch_rows, *single_rows]}
        print("\nPyTorch time / NumPy time, medians (below 1: PyTorch faster)")
        print(f"  {'what':<52}{'sigmoid':>10}{'relu':>10}")
        print("  " + "-" * 72)
        for what, t, n in (("training epoch, step loop vs step loop", "PyTorch step loop, {}", "NumPy step loop, {}"),
                           (f"forward pass, {n_test:,} images", "PyTorch model(x) + softmax, {}",
                            "NumPy net.feedforward, {}"),
                           ("forward pass, one image", "PyTorch model(one image) + softmax, {}",
                            "NumPy net.forward(one image), {}")):
            print(f"  {what:<52}" + "".join(f"{med[t.format(a)] / med[n.format(a)]:>10.2f}" for a in ACTIVATIONS))
    else:
        print("\nPyTorch not installed: skipped")

    load = f", load average at end: {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"\nTotal benchmark time {time.perf_counter() - wall_start:.0f} s{load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
