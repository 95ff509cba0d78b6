"""A race: a sigmoid and a ReLU network, from the same initial weights, trained side by side on the same
images in the same order, with their test accuracy measured as they go."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from .network import DEFAULT_SIZES, Network
from .train import TrainConfig, batch_steps, pixels

# Bounds that keep a race from hogging a shared server: the largest race (60,000 images x 5 epochs, both
# networks) takes ~10-20 s here; a race never runs longer than MAX_SECONDS.
MAX_IMAGES = 60_000
MAX_EPOCHS = 5
MAX_SECONDS = 30
ACTIVATIONS = ("sigmoid", "relu")

# Why a race ended early (RaceResult.stopped); None when it ran to the end.
STOPPED = "stopped"        # the should_stop signal (the visitor pressed Stop)
TIME_LIMIT = "time limit"  # it reached max_seconds
# Why a RaceRun was told to stop (RaceRun.stop_reason): the visitor's Stop, or their page went away.
PRESSED_STOP = "pressed stop"
PAGE_CLOSED = "page closed"


@dataclass
class RaceResult:
    steps: list = field(default_factory=list)        # training step at each checkpoint
    images_seen: list = field(default_factory=list)  # images trained on, per network, at each checkpoint
    accuracy: dict = field(default_factory=lambda: {name: [] for name in ACTIVATIONS})
    loss: dict = field(default_factory=lambda: {name: [] for name in ACTIVATIONS})
    initial: dict = field(default_factory=dict)      # {activation: Network} as each started (copies)
    nets: dict = field(default_factory=dict)         # {activation: Network} as trained so far
    total_steps: int = 0
    stopped: str | None = None   # STOPPED or TIME_LIMIT when it ended early, else None
    max_seconds: float = MAX_SECONDS
    seconds: float = 0.0

    @property
    def fraction_done(self) -> float:
        return self.steps[-1] / self.total_steps if self.steps and self.total_steps else 0.0


def starting_networks(sizes=DEFAULT_SIZES, seed=0) -> dict:
    """{'sigmoid': Network, 'relu': Network} with identical weights and biases: one Xavier initialisation
    (seed ``seed``), copied, so the only difference between the two is the hidden activation."""
    start = Network.initialise(sizes, "sigmoid", init="xavier", seed=seed)
    return {name: Network([w.copy() for w in start.weights], [b.copy() for b in start.biases], name)
            for name in ACTIVATIONS}


def race_config(epochs, optimizer="sgd", lr=None, seed=0) -> TrainConfig:
    """The recipe both networks train with: batch 32, constant learning rate, no momentum, no L2."""
    lr = lr if lr is not None else (0.5 if optimizer == "sgd" else 3e-3)
    return TrainConfig(epochs=epochs, batch_size=32, optimizer=optimizer, lr=lr, momentum=0.0,
                       schedule="constant", l2=0.0, seed=seed)


def race(images, labels, test_images, test_labels, n_images=5000, epochs=2, optimizer="sgd", lr=None,
         seed=0, checkpoints=25, on_checkpoint=None, should_stop=None, max_seconds=MAX_SECONDS) -> RaceResult:
    """Train both from ``starting_networks(seed=seed)`` on the first ``n_images`` uint8 ``images``
    (n, 28, 28); score on the test images at ``checkpoints`` evenly spaced moments.

    ``test_images``: uint8 (m, 28, 28), or float rows (m, 784) in [0, 1] as the network reads them.
    ``on_checkpoint(result, fraction_done)`` reports progress. ``should_stop()`` is asked after every
    training step; when it says True the race ends there (``result.stopped == STOPPED``). A race that runs
    past ``max_seconds`` ends with ``result.stopped == TIME_LIMIT``.

    Memory: the images stay uint8 and are converted a batch at a time (src.train.batch_steps); what a race
    adds is two 13,002-parameter networks, their optimiser state and one batch.
    """
    n_images = int(np.clip(n_images, 100, min(MAX_IMAGES, len(images))))
    epochs = int(np.clip(epochs, 1, MAX_EPOCHS))
    config = race_config(epochs, optimizer, lr, seed)
    images, labels = images[:n_images], labels[:n_images]
    x_test = np.asarray(test_images)
    x_test = pixels(x_test) if x_test.dtype == np.uint8 else x_test.reshape(len(x_test), -1)
    result = RaceResult(max_seconds=max_seconds)
    result.nets = starting_networks(seed=seed)
    result.initial = {name: net.copy() for name, net in result.nets.items()}
    runs = {name: batch_steps(net, images, labels, config) for name, net in result.nets.items()}
    result.total_steps = total = -(-n_images // config.batch_size) * epochs
    marks = set(np.linspace(0, total, checkpoints + 1).round().astype(int).tolist())
    costs = {name: [] for name in ACTIVATIONS}
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
    step = 0
    for step in range(1, total + 1):
        for name, run in runs.items():
            costs[name].append(next(run).cost)
        if step in marks:
            checkpoint(step)
        if step < total and should_stop is not None and should_stop():
            result.stopped = STOPPED
            break
        if step < total and time.perf_counter() - start > max_seconds:
            result.stopped = TIME_LIMIT
            break
    if result.steps[-1] != step:  # ended between checkpoints: score where it stopped
        checkpoint(step)
    result.seconds = time.perf_counter() - start
    return result


class RaceRun:
    """One visitor's race, trained in a background thread (``race``) while a page shows its progress.

    ``stop()`` sets the event the trainer checks after every step, so Stop ends the training itself, not
    just a page's script. The thread touches nothing but this object; a page reads ``snapshot()``."""

    def __init__(self, n_images: int, epochs: int, optimizer: str, test_images: int):
        self.settings = (int(n_images), int(epochs), optimizer)
        self.test_images = int(test_images)
        self.stop_signal = threading.Event()
        self.stop_reason: str | None = None   # PRESSED_STOP or PAGE_CLOSED once stop() was called
        self._lock = threading.Lock()
        self._curves = None
        self._done = 0.0
        self.result: RaceResult | None = None
        self.failed: str | None = None
        self.thread: threading.Thread | None = None

    def start(self, images, labels, x_test, test_labels, on_end=None, max_seconds=None):
        """Train in a daemon thread; ``on_end()`` is called when it ends, however it ends."""
        n_images, epochs, optimizer = self.settings
        limit = MAX_SECONDS if max_seconds is None else max_seconds

        def work():
            try:
                self.result = race(images, labels, x_test, test_labels, n_images=n_images, epochs=epochs,
                                   optimizer=optimizer, on_checkpoint=self._checkpoint,
                                   should_stop=self.stop_signal.is_set, max_seconds=limit)
                self._checkpoint(self.result, self.result.fraction_done)
            except Exception:  # noqa: BLE001 - a race that fails says so on the page, never kills the server
                self.failed = "The race stopped with an error; try again."
            finally:
                if on_end is not None:
                    on_end()

        self.thread = threading.Thread(target=work, name="sigmoid-vs-relu race", daemon=True)
        self.thread.start()

    def _checkpoint(self, result: RaceResult, fraction: float):
        with self._lock:
            self._curves = {"images": list(result.images_seen),
                            "acc": {k: list(v) for k, v in result.accuracy.items()},
                            "loss": {k: list(v) for k, v in result.loss.items()}}
            self._done = fraction

    def snapshot(self):
        """(curves dict or None, fraction done) as of the last checkpoint."""
        with self._lock:
            return self._curves, self._done

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def stop(self, reason: str = PRESSED_STOP, wait: float = 0.0):
        """Ask the trainer to stop after its current step (a step takes milliseconds); wait up to ``wait`` s
        for it to end. The first reason given is kept."""
        if self.stop_reason is None:
            self.stop_reason = reason
        self.stop_signal.set()
        if wait and self.thread is not None:
            self.thread.join(wait)
