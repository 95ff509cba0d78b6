"""Shared fixtures: MNIST from MNIST_DIR (skipped with a reason where it is absent) and the shipped models."""
from pathlib import Path

import numpy as np
import pytest

from src.infra import mnist, weights_file

ROOT = Path(__file__).resolve().parents[1]


def _mnist_or_skip(split):
    if not mnist.available(split):
        pytest.skip(f"MNIST {split} files not found in {mnist.default_dir()} (set MNIST_DIR); no download in tests")
    return mnist.load(split, allow_download=False)


@pytest.fixture(scope="session")
def mnist_test():
    """(images uint8 (10000, 28, 28), labels) of the MNIST test set."""
    return _mnist_or_skip("test")


@pytest.fixture(scope="session")
def mnist_train():
    return _mnist_or_skip("train")


@pytest.fixture(scope="session")
def shipped():
    """The two shipped models, by activation."""
    return {name: weights_file.load(ROOT / "weights" / f"{name}.npz") for name in ("sigmoid", "relu")}


@pytest.fixture
def rng():
    return np.random.default_rng(0)
