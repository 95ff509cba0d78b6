"""Mini-batch training in NumPy: softmax / cross-entropy, SGD with momentum or Adam, a learning-rate
schedule, L2 weight decay and optional small random affine augmentation. Deterministic for a seed.

    python -m src.train --activation relu --out weights/relu.npz
"""
from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

from .infra import mnist, weights_file
from .network import Network, one_hot


@dataclass
class TrainConfig:
    epochs: int = 30
    batch_size: int = 64
    optimizer: str = "adam"        # "adam" or "sgd" (with momentum)
    lr: float = 3e-3
    momentum: float = 0.9          # SGD only
    schedule: str = "cosine"       # "cosine" (to 0 over all steps) or "constant"
    l2: float = 1e-4               # weight decay on W (not on b), added to the gradient
    augment_degrees: float = 0.0   # random rotation in ±degrees
    augment_scale: float = 0.0     # random scale in 1 ± scale
    augment_shift: float = 0.0     # random shift in ±pixels, each axis
    seed: int = 0

    @property
    def augments(self):
        return bool(self.augment_degrees or self.augment_scale or self.augment_shift)


def pixels(images) -> np.ndarray:
    """uint8 images (n, 28, 28) -> float32 rows (n, 784) in [0, 1], as the network takes them."""
    return (np.asarray(images).reshape(len(images), -1).astype(np.float32)) / np.float32(255.0)


def augment(images, rng, degrees=5.0, scale=0.05, shift=1.0) -> np.ndarray:
    """Each image rotated, scaled and shifted by a small random amount (bilinear, zero outside).

    images: uint8 or float (n, 28, 28). Returns float32 (n, 784) in [0, 1].
    """
    imgs = np.asarray(images)
    imgs = imgs.astype(np.float32) / np.float32(255.0) if imgs.dtype == np.uint8 else imgs.astype(np.float32)
    n, h, w = imgs.shape
    theta = np.deg2rad(rng.uniform(-degrees, degrees, n)).astype(np.float32)
    s = rng.uniform(1 - scale, 1 + scale, n).astype(np.float32)
    t = rng.uniform(-shift, shift, (n, 2)).astype(np.float32)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # Inverse map: for each output pixel, where in the source image it comes from.
    dy = yy[None] - cy - t[:, 0, None, None]
    dx = xx[None] - cx - t[:, 1, None, None]
    cos, sin = (np.cos(theta) / s)[:, None, None], (np.sin(theta) / s)[:, None, None]
    sy = cos * dy - sin * dx + cy
    sx = sin * dy + cos * dx + cx
    y0, x0 = np.floor(sy), np.floor(sx)
    fy, fx = sy - y0, sx - x0
    # Gather from a zero-bordered copy through flat indices (np.take is much faster than 3-D fancy indexing).
    hp, wp = h + 2, w + 2
    flat = np.pad(imgs, ((0, 0), (1, 1), (1, 1))).reshape(-1)
    yi = np.clip(y0 + 1, 0, hp - 2).astype(np.int64)
    xi = np.clip(x0 + 1, 0, wp - 2).astype(np.int64)
    inside = (y0 >= -1) & (y0 <= h - 1) & (x0 >= -1) & (x0 <= w - 1)
    base = (np.arange(n, dtype=np.int64) * hp * wp)[:, None, None] + yi * wp + xi
    tl, tr = np.take(flat, base), np.take(flat, base + 1)
    bl, br = np.take(flat, base + wp), np.take(flat, base + wp + 1)
    out = np.where(inside, (1 - fy) * ((1 - fx) * tl + fx * tr) + fy * ((1 - fx) * bl + fx * br), 0.0)
    return out.reshape(n, h * w).astype(np.float32)


def accuracy(net: Network, images, labels, chunk=10_000) -> float:
    """``net``'s accuracy on uint8 ``images`` (n, 28, 28), converted a chunk at a time (no float copy of all)."""
    right = sum(int(np.sum(net.predict(pixels(images[i:i + chunk])) == labels[i:i + chunk]))
                for i in range(0, len(images), chunk))
    return right / max(len(images), 1)


class _Adam:
    def __init__(self, params, b1=0.9, b2=0.999, eps=1e-8):
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.b1, self.b2, self.eps, self.t = b1, b2, eps, 0

    def step(self, params, grads, lr):
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            p -= (lr / c1) * m / (np.sqrt(v / c2) + self.eps)


class _Momentum:
    def __init__(self, params, momentum=0.9):
        self.velocity = [np.zeros_like(p) for p in params]
        self.momentum = momentum

    def step(self, params, grads, lr):
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.momentum
            v -= lr * g
            p += v


def learning_rate(config: TrainConfig, step: int, total_steps: int) -> float:
    if config.schedule == "cosine":
        return 0.5 * config.lr * (1 + np.cos(np.pi * step / max(total_steps, 1)))
    if config.schedule == "constant":
        return config.lr
    raise ValueError(f"unknown schedule {config.schedule!r}")


@dataclass
class Step:
    """What one mini-batch did: its epoch (from 1), the step number (from 1) out of ``total``, the batch's
    mean cost and size, and whether it ended its epoch."""

    epoch: int
    step: int
    total: int
    cost: float
    size: int
    epoch_end: bool


def batch_steps(net: Network, images, labels, config: TrainConfig):
    """Train ``net`` in place one mini-batch at a time, yielding a ``Step`` after each.

    A generator, so a caller can interleave two trainings (the sigmoid-vs-ReLU race), report progress or
    stop between batches.
    """
    rng = np.random.default_rng(config.seed + 1)  # +1: the stream differs from the one that made the weights
    n_out = net.sizes[-1]
    params = net.weights + net.biases
    opt = _Adam(params) if config.optimizer == "adam" else _Momentum(params, config.momentum)
    n = len(images)
    steps_per_epoch = -(-n // config.batch_size)
    total = steps_per_epoch * config.epochs
    step = 0
    for epoch in range(1, config.epochs + 1):
        # Without augmentation each batch is converted from uint8 as it is used: no float32 copy of the whole
        # training set (60,000 x 784 x 4 bytes = 188 MB per network; a race trains two). Same numbers either way.
        x = np.concatenate([augment(images[i:i + 256], rng, config.augment_degrees, config.augment_scale,
                                    config.augment_shift) for i in range(0, n, 256)]) if config.augments else None
        order = rng.permutation(n)
        for i in range(0, n, config.batch_size):
            batch = order[i:i + config.batch_size]
            x_batch = x[batch] if x is not None else pixels(images[batch])
            nabla_w, nabla_b, cost = net.backprop(x_batch, one_hot(labels[batch], n_out))
            if config.l2:
                nabla_w = [g + config.l2 * w for g, w in zip(nabla_w, net.weights)]
            opt.step(params, nabla_w + nabla_b, learning_rate(config, step, total))
            step += 1
            yield Step(epoch, step, total, cost, len(batch), i + config.batch_size >= n)


def train(net: Network, images, labels, config: TrainConfig, test=None, on_epoch=None, should_stop=None):
    """Train ``net`` in place on uint8 ``images`` (n, 28, 28) with ``labels``; return the per-epoch history.

    ``test`` is an optional (images, labels) pair scored after each epoch. ``on_epoch(record)`` is called
    after each epoch; ``should_stop()`` is checked between mini-batches and ends training early.
    """
    x_test = pixels(test[0]) if test is not None else None
    history = {"epoch": [], "loss": [], "train_accuracy": [], "test_accuracy": [], "seconds": []}
    start, cost_sum = time.perf_counter(), 0.0
    for s in batch_steps(net, images, labels, config):
        cost_sum += s.cost * s.size
        if s.epoch_end:
            record = {"epoch": s.epoch, "loss": float(cost_sum / len(images)),
                      "train_accuracy": accuracy(net, images, labels),
                      "test_accuracy": net.accuracy(x_test, test[1]) if test is not None else None,
                      "seconds": time.perf_counter() - start}
            for k, v in record.items():
                history[k].append(v)
            if on_epoch is not None:
                on_epoch(record)
            start, cost_sum = time.perf_counter(), 0.0
        if should_stop is not None and should_stop():
            break
    return history


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m src.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    d = TrainConfig()
    parser.add_argument("--activation", choices=["sigmoid", "relu"], default="sigmoid")
    parser.add_argument("--output", choices=["softmax", "sigmoid"], default="softmax")
    parser.add_argument("--sizes", default="784,16,16,10", help="layer sizes, comma separated")
    parser.add_argument("--init", choices=["xavier", "he", "normal"], default=None,
                        help="default: he for relu, xavier for sigmoid")
    parser.add_argument("--epochs", type=int, default=d.epochs)
    parser.add_argument("--batch-size", type=int, default=d.batch_size)
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default=d.optimizer)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--momentum", type=float, default=d.momentum)
    parser.add_argument("--schedule", choices=["cosine", "constant"], default=d.schedule)
    parser.add_argument("--l2", type=float, default=d.l2)
    parser.add_argument("--augment-degrees", type=float, default=0.0)
    parser.add_argument("--augment-scale", type=float, default=0.0)
    parser.add_argument("--augment-shift", type=float, default=0.0)
    parser.add_argument("--train-limit", type=int, default=None, help="use only the first N training images")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--out", required=True, help="where to write the .npz weights file")
    args = parser.parse_args(argv)

    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer, lr=args.lr,
                         momentum=args.momentum, schedule=args.schedule, l2=args.l2,
                         augment_degrees=args.augment_degrees, augment_scale=args.augment_scale,
                         augment_shift=args.augment_shift, seed=args.seed)
    try:
        train_images, train_labels = mnist.load("train")
        test_images, test_labels = mnist.load("test")
    except mnist.MnistError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.train_limit:
        train_images, train_labels = train_images[:args.train_limit], train_labels[:args.train_limit]
    sizes = tuple(int(s) for s in args.sizes.split(","))
    net = Network.initialise(sizes, args.activation, args.output, seed=args.seed, init=args.init)

    def progress(r):
        print(f"epoch {r['epoch']:3d}/{config.epochs}  loss {r['loss']:.4f}  train {r['train_accuracy']:.2%}  "
              f"test {r['test_accuracy']:.2%}  {r['seconds']:.1f}s", flush=True)

    history = train(net, train_images, train_labels, config, (test_images, test_labels), progress)
    net.meta = {
        "activation": args.activation, "output": args.output, "layers": list(sizes),
        "input": "pixel / 255 in [0, 1], 28x28 row-major, ink high",
        "command": "python -m src.train " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
        "training": {**asdict(config), "init": args.init or ("he" if args.activation == "relu" else "xavier"),
                     "loss": "cross-entropy" if args.output == "softmax" else "quadratic",
                     "train_images": int(len(train_images))},
        "curves": history,
        "test_accuracy": history["test_accuracy"][-1],
        "mnist_sha256": {name: sha for name, (_, sha) in mnist.FILES.items()},
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "numpy": np.__version__,
    }
    weights_file.save(net, args.out)
    print(f"wrote {args.out}: test accuracy {history['test_accuracy'][-1]:.2%}, "
          f"{sum(history['seconds']):.0f}s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
