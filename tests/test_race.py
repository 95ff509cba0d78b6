"""The sigmoid-vs-ReLU race: both networks start from the same weights as src/race.py builds them, train with
the stated recipe (checked against an explicit SGD loop), honour the stop signal and the time cap, and add only
a few MB of memory (no float copy of the training images). Synthetic uint8 images: no MNIST needed."""
import threading
import tracemalloc

import numpy as np
import pytest

from src import race as racing
from src.network import Network, one_hot
from src.race import STOPPED, TIME_LIMIT, race, starting_networks


@pytest.fixture(scope="module")
def digits():
    """600 training and 200 test images, uint8 (n, 28, 28), with labels a network can learn: the label sets
    which 28-pixel row band is bright."""
    rng = np.random.default_rng(5)

    def make(n):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, d in enumerate(labels):
            images[i, 2 + 2 * d:4 + 2 * d] = 230
        return images, labels

    return make(600), make(200)


def sigmoid64(z):
    return 1 / (1 + np.exp(-z))


def accuracy64(net, x, labels):
    """Accuracy by a float64 forward pass written out here (not Network.forward)."""
    a = x.astype(np.float64)
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ w.astype(np.float64).T + b
        a = z if l == len(net.weights) - 1 else (sigmoid64(z) if net.activation == "sigmoid" else np.maximum(z, 0))
    return float(np.mean(np.argmax(a, axis=1) == labels))


def test_both_start_from_the_same_weights_the_race_builds(digits):
    (images, labels), (test_images, test_labels) = digits
    result = race(images, labels, test_images, test_labels, n_images=200, epochs=1, checkpoints=2)
    start_s, start_r = result.initial["sigmoid"], result.initial["relu"]
    assert (start_s.activation, start_r.activation) == ("sigmoid", "relu")
    for l in range(len(start_s.weights)):
        np.testing.assert_array_equal(start_s.weights[l], start_r.weights[l])
        np.testing.assert_array_equal(start_s.biases[l], start_r.biases[l])
    # ... and they are the race's Xavier start for its seed (a ReLU net seeded or scaled differently fails here)
    rng = np.random.default_rng(0)
    for l, (n_in, n_out) in enumerate([(784, 16), (16, 16), (16, 10)]):
        expected = (rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / (n_in + n_out))).astype(np.float32)
        np.testing.assert_array_equal(start_r.weights[l], expected)
        assert not np.any(start_r.biases[l])
    # training moved both away from that start, differently
    assert not np.array_equal(result.nets["sigmoid"].weights[0], start_s.weights[0])
    assert not np.array_equal(result.nets["sigmoid"].weights[0], result.nets["relu"].weights[0])


def test_starting_networks_differ_only_in_activation():
    nets = starting_networks(seed=3)
    again = starting_networks(seed=3)
    other = starting_networks(seed=4)
    np.testing.assert_array_equal(nets["relu"].weights[1], nets["sigmoid"].weights[1])
    np.testing.assert_array_equal(nets["relu"].weights[1], again["relu"].weights[1])
    assert not np.array_equal(nets["relu"].weights[1], other["relu"].weights[1])
    nets["relu"].weights[0][0, 0] += 1  # copies: changing one leaves the other alone
    assert nets["sigmoid"].weights[0][0, 0] != nets["relu"].weights[0][0, 0]


def test_race_is_plain_sgd_from_its_start_on_the_same_batches(digits):
    (images, labels), (test_images, test_labels) = digits
    result = race(images, labels, test_images, test_labels, n_images=300, epochs=2, optimizer="sgd", checkpoints=4)
    # An explicit loop: batch 32, the order from default_rng(seed + 1), W -= 0.5 * ∂C/∂W (no momentum, no L2).
    for name in ("sigmoid", "relu"):
        net = result.initial[name].copy()
        rng = np.random.default_rng(1)
        x = images[:300].reshape(300, -1).astype(np.float32) / np.float32(255)
        for _ in range(2):
            order = rng.permutation(300)
            for i in range(0, 300, 32):
                batch = order[i:i + 32]
                nabla_w, nabla_b, _ = net.backprop(x[batch], one_hot(labels[batch]))
                for p, g in zip(net.weights + net.biases, nabla_w + nabla_b):
                    p -= np.float32(0.5) * g
        for a, b in zip(net.weights + net.biases, result.nets[name].weights + result.nets[name].biases):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    # the accuracy reported at the end is the trained networks' accuracy on the test images
    x_test = test_images.reshape(len(test_images), -1).astype(np.float64) / 255
    for name in ("sigmoid", "relu"):
        assert result.accuracy[name][-1] == pytest.approx(accuracy64(result.nets[name], x_test, test_labels), abs=1e-9)
    assert result.stopped is None and result.fraction_done == 1.0
    assert result.steps[-1] == result.total_steps == 2 * 10
    assert result.images_seen[-1] == 600


def test_stop_signal_ends_training_where_it_is_given(digits):
    (images, labels), (test_images, test_labels) = digits
    asked = []

    def should_stop():
        asked.append(1)
        return len(asked) >= 7  # the 7th question: after step 7

    result = race(images, labels, test_images, test_labels, n_images=600, epochs=5, checkpoints=10,
                  should_stop=should_stop)
    assert result.stopped == STOPPED
    assert result.steps[-1] == 7 and result.total_steps == 5 * 19
    assert result.fraction_done == pytest.approx(7 / 95)
    # the networks hold exactly 7 steps of training: replay 7 steps from the start
    replay = race(images, labels, test_images, test_labels, n_images=600, epochs=5, checkpoints=10,
                  should_stop=lambda it=iter(range(100)): next(it) >= 6)
    np.testing.assert_array_equal(replay.nets["relu"].weights[0], result.nets["relu"].weights[0])
    assert len(result.accuracy["relu"]) == len(result.steps)  # scored where it stopped


def test_time_cap_ends_a_race_and_says_so(digits):
    (images, labels), (test_images, test_labels) = digits
    result = race(images, labels, test_images, test_labels, n_images=600, epochs=5, max_seconds=0.0)
    assert result.stopped == TIME_LIMIT and result.max_seconds == 0.0
    assert result.steps[-1] == 1 < result.total_steps
    done = race(images, labels, test_images, test_labels, n_images=200, epochs=1, max_seconds=60)
    assert done.stopped is None


def test_settings_are_bounded(digits):
    (images, labels), (test_images, test_labels) = digits
    result = race(images, labels, test_images, test_labels, n_images=10**9, epochs=99,
                  should_stop=lambda: True)
    assert result.total_steps == racing.MAX_EPOCHS * -(-len(images) // 32)  # n_images capped at what there is
    assert result.stopped == STOPPED and result.steps == [0, 1]


def test_a_race_adds_megabytes_not_a_float_copy_of_the_images():
    """60,000 uint8 images (47 MB): a float32 copy per network would add 2 x 188 MB. Peak traced allocation
    during a race (stopped after 40 steps) stays under 20 MB."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (60_000, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 60_000).astype(np.uint8)
    x_test = rng.random((2000, 784), dtype=np.float32)  # float rows are used as they are, not copied
    steps = iter(range(10**6))
    tracemalloc.start()
    try:
        race(images, labels, x_test, labels[:2000], n_images=60_000, epochs=1, checkpoints=2,
             should_stop=lambda: next(steps) >= 40)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"a race allocated {peak / 2**20:.0f} MB at its peak"


def test_float_test_rows_and_uint8_test_images_score_the_same(digits):
    (images, labels), (test_images, test_labels) = digits
    x_test = test_images.reshape(len(test_images), -1).astype(np.float32) / np.float32(255)
    a = race(images, labels, test_images, test_labels, n_images=200, epochs=1, checkpoints=3)
    b = race(images, labels, x_test, test_labels, n_images=200, epochs=1, checkpoints=3)
    assert a.accuracy == b.accuracy


def test_starting_networks_are_networks():
    nets = starting_networks()
    assert all(isinstance(n, Network) and n.sizes == [784, 16, 16, 10] for n in nets.values())


def test_race_run_trains_in_a_thread_and_stops_on_its_signal(digits):
    """src.race.RaceRun: the page's handle on a race. Its thread trains with race(); stop() ends the training
    itself (the thread ends with the race stopped early), keeps the first reason given, and on_end runs once."""
    from src.race import PAGE_CLOSED, PRESSED_STOP, RaceRun
    (images, labels), (test_images, test_labels) = digits
    ended = []
    run = RaceRun(600, 5, "sgd", len(test_labels))
    release = threading.Event()
    original = run._checkpoint

    def slow_checkpoint(result, fraction):  # hold the trainer at its first checkpoint until told to go on
        original(result, fraction)
        release.wait(30)

    run._checkpoint = slow_checkpoint
    run.start(images, labels, test_images, test_labels, on_end=lambda: ended.append(1))
    assert run.running
    run.stop(PAGE_CLOSED)
    run.stop(PRESSED_STOP)  # a second reason does not replace the first
    release.set()
    run.thread.join(30)
    assert not run.running and ended == [1]
    assert run.stop_reason == PAGE_CLOSED
    assert run.result.stopped == STOPPED and run.result.steps[-1] == 1 < run.result.total_steps
    curves, done = run.snapshot()
    assert curves["acc"]["relu"] == run.result.accuracy["relu"] and done == run.result.fraction_done


def test_a_race_run_that_fails_says_so_and_still_ends(digits):
    from src.race import RaceRun
    ended = []
    run = RaceRun(600, 1, "sgd", 10)
    (images, labels), _ = digits
    wrong = np.zeros((10, 5), np.float32)  # test rows of 5 values: the first scoring raises inside the thread
    run.start(images, labels, wrong, np.zeros(10, np.uint8), on_end=lambda: ended.append(1))
    run.thread.join(30)
    assert run.failed and run.result is None and ended == [1]
