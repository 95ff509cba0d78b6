"""Cached, shared, read-only data: the shipped models and the MNIST test set.

``st.cache_resource`` hands the same objects to every visitor, so every array here is marked
read-only: a page that wants to change weights takes its own copy (see ``session_model``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from src import mnist, weights_file
from src.network import Network
from src.train import pixels

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = {"sigmoid": ROOT / "weights" / "sigmoid.npz", "relu": ROOT / "weights" / "relu.npz"}
MODEL_LABELS = {"sigmoid": "Sigmoid", "relu": "ReLU"}


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


@st.cache_resource(show_spinner="Loading the 10,000 MNIST test images…")
def _test_set(folder: str) -> TestSet:
    images, labels = mnist.load("test", folder)
    x = pixels(images)
    for arr in (images, labels, x):
        arr.flags.writeable = False
    return TestSet(images, labels, x)


def test_set() -> TestSet | None:
    """The MNIST test set, or None (with a message on the page) when it cannot be had."""
    try:
        return _test_set(str(mnist.default_dir()))
    except mnist.MnistError as e:
        st.warning(f"The MNIST test images are not available, so scores on real data are hidden. {e}", icon="⚠️")
        return None


@st.cache_resource(show_spinner=False)
def _predictions(name: str, mtime: float, folder: str) -> np.ndarray:
    p = shipped(name).predict(_test_set(folder).x)
    p.flags.writeable = False
    return p


def test_predictions(name: str) -> np.ndarray | None:
    """A shipped model's answer for each of the 10,000 test images (None without MNIST)."""
    try:
        return _predictions(name, WEIGHTS[name].stat().st_mtime, str(mnist.default_dir()))
    except mnist.MnistError:
        return None


def test_accuracy(name: str) -> float | None:
    """Measured test accuracy of a shipped model (falls back to the figure stored in its file)."""
    predictions = test_predictions(name)
    if predictions is None:
        return shipped(name).meta.get("test_accuracy")
    return float(np.mean(predictions == _test_set(str(mnist.default_dir())).labels))


@st.cache_resource(show_spinner="Loading the 60,000 MNIST training images…")
def _train_set(folder: str):
    images, labels = mnist.load("train", folder)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def train_set():
    """The MNIST training images and labels (uint8, read-only); raises MnistError when unavailable."""
    return _train_set(str(mnist.default_dir()))
