"""A race: a sigmoid and a ReLU network, from the same initial weights, trained side by side on the same
images in the same order, with their test accuracy measured as they go."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .network import Network
from .train import TrainConfig, batch_steps, pixels

# Bounds that keep a race from hogging a shared server: the largest race (60,000 images x 5 epochs, both
# networks) takes ~5-10 s here; a race never runs longer than MAX_SECONDS.
MAX_IMAGES = 60_000
MAX_EPOCHS = 5
MAX_SECONDS = 30


@dataclass
class RaceResult:
    steps: list = field(default_factory=list)        # training step at each checkpoint
    images_seen: list = field(default_factory=list)  # images trained on, per network, at each checkpoint
    accuracy: dict = field(default_factory=lambda: {"sigmoid": [], "relu": []})
    loss: dict = field(default_factory=lambda: {"sigmoid": [], "relu": []})
    nets: dict = field(default_factory=dict)
    stopped: str | None = None  # why it ended early, if it did
    seconds: float = 0.0


def race(images, labels, test_images, test_labels, n_images=5000, epochs=2, optimizer="sgd", lr=None,
         seed=0, checkpoints=25, on_checkpoint=None, should_stop=None, max_seconds=MAX_SECONDS) -> RaceResult:
    """Train both from identical (Xavier, ``seed``) initial weights; score on the test images at
    ``checkpoints`` evenly spaced moments. ``on_checkpoint(result, fraction_done)`` reports progress."""
    n_images = int(np.clip(n_images, 100, min(MAX_IMAGES, len(images))))
    epochs = int(np.clip(epochs, 1, MAX_EPOCHS))
    lr = lr if lr is not None else (0.5 if optimizer == "sgd" else 3e-3)
    config = TrainConfig(epochs=epochs, batch_size=32, optimizer=optimizer, lr=lr, momentum=0.0,
                         schedule="constant", l2=0.0, seed=seed)
    images, labels = images[:n_images], labels[:n_images]
    x_test = pixels(test_images)
    result = RaceResult()
    result.nets = {name: Network.initialise(activation=name, init="xavier", seed=seed) for name in ("sigmoid", "relu")}
    runs = {name: batch_steps(net, images, labels, config) for name, net in result.nets.items()}
    total = -(-n_images // config.batch_size) * epochs
    marks = set(np.linspace(0, total, checkpoints + 1).round().astype(int).tolist())
    costs = {"sigmoid": [], "relu": []}
    start = time.perf_counter()

    def checkpoint(step):
        result.steps.append(step)
        result.images_seen.append(min(step * config.batch_size, n_images * epochs))
        for name, net in result.nets.items():
            result.accuracy[name].append(net.accuracy(x_test, test_labels))
            recent = costs[name][-20:]
            result.loss[name].append(float(np.mean(recent)) if recent else None)
        if on_checkpoint is not None:
            on_checkpoint(result, step / total)

    checkpoint(0)
    for step in range(1, total + 1):
        for name, run in runs.items():
            costs[name].append(next(run).cost)
        if step in marks:
            checkpoint(step)
        if should_stop is not None and should_stop():
            result.stopped = "stopped"
            break
        if time.perf_counter() - start > max_seconds:
            result.stopped = f"time limit of {max_seconds} s reached"
            break
    result.seconds = time.perf_counter() - start
    return result
