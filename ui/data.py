"""Cached, shared, read-only data: the shipped models and the MNIST test set.

``st.cache_resource`` hands the same objects to every visitor, so every array here is marked
read-only: a page that wants to change weights takes its own copy (see ``ui.state.tuning``).

MNIST may be missing, unreadable or still downloading: ``test_set()`` then returns None and
``mnist_notice()`` gives the one message the sidebar shows. A missing MNIST is downloaded at most once per
server process, in the background (``src.infra.mnist.start_download``): no page ever waits on the network.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from src.infra import mnist, weights_file
from src.network import Network
from src.train import pixels

from .text import sentence

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = {"sigmoid": ROOT / "weights" / "sigmoid.npz", "relu": ROOT / "weights" / "relu.npz"}
MODEL_LABELS = {"sigmoid": "Sigmoid", "relu": "ReLU"}


def download_allowed() -> bool:
    """MNIST_DOWNLOAD=0 means never fetch MNIST (tests, or a deployment that must not reach out)."""
    return os.environ.get("MNIST_DOWNLOAD", "1") != "0"


def _freeze(net: Network) -> Network:
    for arr in net.weights + net.biases:
        arr.flags.writeable = False
    return net


@st.cache_resource(show_spinner=False)
def _load(path: str, mtime: float) -> Network:
    # mtime in the key: a replaced weights file is read again instead of served stale
    return _freeze(weights_file.load(path))


def shipped(name: str) -> Network:
    """The trained model 'sigmoid' or 'relu', shared by all sessions and read-only."""
    path = WEIGHTS[name]
    return _load(str(path), path.stat().st_mtime)


@dataclass(frozen=True)
class TestSet:
    images: np.ndarray  # (10000, 28, 28) uint8
    labels: np.ndarray  # (10000,) uint8
    x: np.ndarray       # (10000, 784) float32 in [0, 1], what the network reads


def _stamp(folder: Path, split: str = "test"):
    """What changes when the split's files appear or change: their names, sizes and times (a cheap stat)."""
    out = []
    for name in mnist.SPLITS[split]:
        for p in (folder / name, folder / f"{name}.gz"):
            try:
                s = p.stat()
                out.append((p.name, s.st_size, s.st_mtime_ns))
            except OSError:
                pass
    return tuple(out)


@st.cache_resource(show_spinner="Loading the 10,000 MNIST test images…")
def _test_set(folder: str, stamp) -> TestSet | str:
    # The outcome is cached either way, keyed on the files' stamp: a missing or damaged MNIST is not
    # re-read and re-hashed on every rerun, and a finished download (new stamp) is picked up at once.
    try:
        images, labels = mnist.load("test", folder, allow_download=False)
    except mnist.MnistError as e:
        return mnist.problem(folder, "test") or str(e)
    x = pixels(images)
    for arr in (images, labels, x):
        arr.flags.writeable = False
    return TestSet(images, labels, x)


def _test_set_or_problem() -> TestSet | str:
    folder = mnist.default_dir()
    return _test_set(str(folder), _stamp(folder))


def test_set() -> TestSet | None:
    """The MNIST test set, or None when it cannot be had (``mnist_notice`` says why)."""
    found = _test_set_or_problem()
    # not isinstance(found, TestSet): after Streamlit reloads an edited module the cached object's class is
    # the old TestSet, and only a problem is ever a str
    return None if isinstance(found, str) else found


@st.cache_resource(show_spinner=False, max_entries=8)
def _problem(folder: str, split: str, stamp) -> str | None:
    return mnist.problem(folder, split)


def mnist_problem(split: str = "test") -> str | None:
    """None when the MNIST ``split`` ('train' or 'test') is on this server and intact; else one sentence naming
    exactly which files are missing or damaged, and how to get them (``python -m src.infra.mnist download``).
    Cached on the files' stamp: checked again only when they change."""
    folder = mnist.default_dir()
    found = _problem(str(folder), split, _stamp(folder, split))
    return sentence(found) if found else None


def without_test_set(lead: str) -> str:
    """'<lead> the MNIST test images. <Which files are missing or damaged, and how to get them.>'"""
    return f"{lead} the MNIST test images. " + (mnist_problem("test") or "They could not be read.")


def mnist_notice() -> str | None:
    """One message for the top of the page when the MNIST test set is not available, else None.

    Starts the background download the first time it is needed (once per server process)."""
    found = _test_set_or_problem()
    if not isinstance(found, str):
        return None
    lead = "The MNIST test images are not available, so scores on real data are hidden (accuracies shown are "
    lead += "the ones measured when the models were trained); drawing, hand-editing and the parameters still work. "
    found = sentence(found)
    if not download_allowed():
        return lead + found
    status = mnist.start_download(mnist.default_dir())
    if status.state == "running":
        return lead + "Downloading them now (about 11 MB, verified); reload in a minute. " + found
    if status.state == "failed":
        return lead + f"The download did not work ({status.message}). " + found
    return lead + found


@st.cache_resource(show_spinner=False)
def _predictions(name: str, mtime: float, folder: str, stamp) -> np.ndarray:
    p = shipped(name).predict(_test_set(folder, stamp).x)
    p.flags.writeable = False
    return p


def test_predictions(name: str) -> np.ndarray | None:
    """A shipped model's answer for each of the 10,000 test images (None without MNIST)."""
    if test_set() is None:
        return None
    folder = mnist.default_dir()
    return _predictions(name, WEIGHTS[name].stat().st_mtime, str(folder), _stamp(folder))


def test_accuracy(name: str) -> float | None:
    """Measured test accuracy of a shipped model (falls back to the figure stored in its file)."""
    predictions = test_predictions(name)
    if predictions is None:
        acc = shipped(name).meta.get("test_accuracy")
        return float(acc) if isinstance(acc, (int, float)) else None
    return float(np.mean(predictions == test_set().labels))


@st.cache_resource(show_spinner="Loading the 60,000 MNIST training images…")
def _train_set(folder: str, stamp):
    images, labels = mnist.load("train", folder, allow_download=False)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def train_set():
    """The MNIST training images and labels (uint8, read-only); raises MnistError when unavailable."""
    folder = mnist.default_dir()
    return _train_set(str(folder), _stamp(folder, "train"))
