"""The shipped models: shape, format, provenance, and accuracy measured here on the MNIST test set."""
import numpy as np
import pytest

from src.network import Network
from src.train import pixels

REQUIRED = {"sigmoid": 0.955, "relu": 0.963}


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_shipped_model_shape_and_meta(shipped, name):
    net = shipped[name]
    assert net.sizes == [784, 16, 16, 10] and net.activation == name and net.output == "softmax"
    assert net.num_parameters == 13002
    meta = net.meta
    assert meta["command"].startswith("python -m src.train") and f"--activation {name}" in meta["command"]
    for key in ("seed", "epochs", "optimizer", "schedule", "lr", "augment_degrees"):
        assert key in meta["training"]
    curves = meta["curves"]
    assert len(curves["loss"]) == len(curves["test_accuracy"]) == meta["training"]["epochs"]
    assert set(meta["mnist_sha256"]) == {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_shipped_model_accuracy(shipped, mnist_test, name):
    images, labels = mnist_test
    x = pixels(images)
    acc = shipped[name].accuracy(x, labels)
    assert acc >= REQUIRED[name], f"{name}: {acc:.2%} < {REQUIRED[name]:.1%}"
    # the figure recorded in the file is the one measured here
    assert acc == pytest.approx(shipped[name].meta["test_accuracy"], abs=1e-4)
    # and it agrees with a plain NumPy forward pass written out independently
    net = shipped[name]
    a = x.astype(np.float64)
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ w.astype(np.float64).T + b
        a = z if l == 2 else (1 / (1 + np.exp(-z)) if name == "sigmoid" else np.maximum(z, 0))
    assert np.mean(a.argmax(1) == labels) == pytest.approx(acc, abs=2e-4)


def test_training_is_deterministic_for_a_seed(mnist_train):
    from src.train import TrainConfig, train
    images, labels = mnist_train
    nets = []
    for _ in range(2):
        net = Network.initialise(activation="relu", seed=5)
        train(net, images[:2000], labels[:2000], TrainConfig(epochs=2, seed=5, augment_degrees=5,
                                                             augment_scale=0.05, augment_shift=1))
        nets.append(net)
    for a, b in zip(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases):
        np.testing.assert_array_equal(a, b)


def test_training_learns_and_records_curves(mnist_train, mnist_test):
    from src.train import TrainConfig, train
    images, labels = mnist_train
    net = Network.initialise(activation="sigmoid", seed=1)
    seen = []
    history = train(net, images[:5000], labels[:5000], TrainConfig(epochs=3, optimizer="sgd", lr=0.5),
                    test=(mnist_test[0][:1000], mnist_test[1][:1000]), on_epoch=seen.append)
    assert [r["epoch"] for r in seen] == history["epoch"] == [1, 2, 3]
    assert history["loss"][-1] < history["loss"][0]
    assert history["test_accuracy"][-1] > 0.8


def test_training_can_be_stopped(mnist_train):
    from src.train import TrainConfig, train
    images, labels = mnist_train
    net = Network.initialise(activation="relu")
    before = net.weights[0].copy()
    calls = []
    history = train(net, images[:2000], labels[:2000], TrainConfig(epochs=5),
                    should_stop=lambda: calls.append(1) or len(calls) > 3)
    assert history["epoch"] == [] and len(calls) == 4
    assert not np.array_equal(before, net.weights[0])  # the three batches before the stop did train


def test_augment_is_a_small_affine_change(mnist_test, rng):
    from src.train import augment
    images = mnist_test[0][:500]
    same = augment(images, rng, 0, 0, 0)
    np.testing.assert_array_equal(same, pixels(images))
    moved = augment(images, rng, 5, 0.05, 1)
    assert moved.shape == (500, 784) and moved.min() >= 0 and moved.max() <= 1
    # ink is roughly conserved and the images still look alike
    assert np.allclose(moved.sum(1), same.sum(1), rtol=0.2)
    assert np.mean(np.abs(moved - same)) < 0.15
