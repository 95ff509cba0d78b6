"""The edit log (apply, undo, redo, diff, reset), share links, and the incremental scorer."""
import base64
import hashlib
import zlib

import numpy as np
import pytest

from src.edits import EditError, EditLog, LinkError, MAX_LINK_CHARS, check_value, decode_link, encode_link, fingerprint
from src.network import Network
from src.scoring import Scorer
from src.templates import make


@pytest.fixture
def trained():
    net = Network.initialise(seed=11)
    for arr in net.weights + net.biases:
        arr.flags.writeable = False  # as the app shares it: any write would raise
    return net


def test_edits_apply_undo_redo_exactly(trained):
    log = EditLog(trained, "sigmoid")
    w0 = [w.copy() for w in log.net.weights]
    log.set_weight(1, 3, 100, 2.5)
    log.set_bias(2, 0, -1.25)
    log.set_row(1, 5, make("vertical edge"), "template")
    assert log.net.weights[0][3, 100] == np.float32(2.5) and log.net.biases[1][0] == np.float32(-1.25)
    assert log.changed_neurons() == [(1, 3), (1, 5), (2, 0)]
    log.undo(); log.undo()
    assert log.changed_neurons() == [(1, 3)]
    log.redo()
    assert log.changed_neurons() == [(1, 3), (2, 0)]
    log.undo(); log.undo()
    assert not log.edited
    for a, b in zip(w0, log.net.weights):
        np.testing.assert_array_equal(a, b)
    assert log.undo() is None
    # a new edit clears the redo stack
    log.redo()
    log.set_weight(1, 0, 0, 1.0)
    assert log.undone == []


def test_trained_model_is_never_modified(trained):
    before = [a.copy() for a in trained.weights + trained.biases]
    log = EditLog(trained, "sigmoid")
    log.zero_layer(1)
    log.set_row(1, 0, np.ones(784), "ones", bias=3)
    log.reset()
    for a, b in zip(before, trained.weights + trained.biases):
        np.testing.assert_array_equal(a, b)


def test_diff_revert_reset_and_zero_layer(trained):
    log = EditLog(trained, "relu")
    log.set_weight(1, 2, 5, 9.0)
    log.set_bias(1, 2, 1.0)
    log.set_weight(3, 1, 4, -2.0)
    diff = log.diff()
    assert set(diff) == {(1, "W"), (1, "b"), (3, "W")}
    idx, was, now = diff[(1, "W")]
    assert list(idx) == [2 * 784 + 5] and now[0] == 9.0 and was[0] == trained.weights[0][2, 5]
    log.revert_neuron(1, 2)
    assert log.changed_neurons() == [(3, 1)]
    log.reset()
    assert not log.edited
    log.undo()  # reset is undoable
    assert log.changed_neurons() == [(3, 1)]
    log.zero_layer(2)
    assert not log.net.weights[1].any() and not log.net.biases[1].any()
    assert log.done[-1].label.startswith("layer 2: all 272")


def test_a_no_op_edit_is_not_recorded(trained):
    log = EditLog(trained)
    assert log.set_weight(1, 0, 0, float(trained.weights[0][0, 0])) is None
    assert log.done == []


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e7, "abc", None])
def test_absurd_values_are_refused_and_nothing_changes(trained, bad):
    log = EditLog(trained)
    with pytest.raises(EditError):
        log.set_weight(1, 0, 0, bad)
    with pytest.raises(EditError):
        log.set_row(1, 0, np.full(784, bad if isinstance(bad, float) else np.nan), "x")
    assert not log.edited


def test_edits_outside_the_network_are_refused(trained):
    log = EditLog(trained)
    for call in (lambda: log.set_weight(1, 16, 0, 1), lambda: log.set_weight(1, 0, 784, 1),
                 lambda: log.set_bias(4, 0, 1), lambda: log.set_row(1, 0, np.zeros(10), "x")):
        with pytest.raises(EditError):
            call()
    assert check_value("1.5") == 1.5


def _random_edits(log, rng, n=20):
    for _ in range(n):
        kind = rng.integers(4)
        if kind == 0:
            log.set_weight(int(rng.integers(1, 4)), int(rng.integers(10)), int(rng.integers(16)), float(rng.normal()))
        elif kind == 1:
            log.set_bias(int(rng.integers(1, 4)), int(rng.integers(10)), float(rng.normal()))
        elif kind == 2:
            log.set_row(1, int(rng.integers(16)), make("loop", strength=float(rng.uniform(0.5, 3))), "loop")
        elif log.done:
            log.undo()


def test_share_link_round_trip_reproduces_the_edited_network(trained):
    rng = np.random.default_rng(3)
    log = EditLog(trained, "sigmoid")
    _random_edits(log, rng)
    log.set_weight(2, 1, 1, 0.1)  # decimal values survive exactly
    code = encode_link(log)
    name, diff = decode_link(code, {"sigmoid": trained})
    other = EditLog(trained, name)
    other.load_diff(diff, "from a link")
    for a, b in zip(log.net.weights + log.net.biases, other.net.weights + other.net.biases):
        np.testing.assert_array_equal(a, b)
    assert other.net.weights[1][1, 1] == np.float32(0.1)


def test_link_sizes(trained):
    log = EditLog(trained, "sigmoid")
    log.set_weight(1, 0, 400, 3.0)
    assert len(encode_link(log)) < 80
    log.set_row(1, 0, make("horizontal edge", strength=2), "edge")
    assert len(encode_link(log)) < 600  # a template compresses well
    log.zero_layer(1)
    assert len(encode_link(log)) < MAX_LINK_CHARS  # "from scratch": 12,560 zeros


def _forge(text):
    body = zlib.compress(text.encode())
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()[:4] + body).decode().rstrip("=")


def test_tampered_truncated_or_foreign_links_are_refused(trained):
    log = EditLog(trained, "sigmoid")
    log.set_row(1, 3, make("blob"), "blob")
    code = encode_link(log)
    models = {"sigmoid": trained}
    flipped = code[:20] + ("A" if code[20] != "A" else "B") + code[21:]
    fp = fingerprint(trained)
    cases = {
        flipped: "damaged",
        code[: len(code) // 2]: "damaged|incomplete",
        code + "!": "characters",
        "": "missing",
        _forge(f"1;tanh;{fp};W1:=1"): "does not have",
        _forge("1;sigmoid;deadbeef;W1:=1"): "different trained",
        _forge(f"9;sigmoid;{fp};W1:=1"): "another version",
        _forge(f"1;sigmoid;{fp};W1:12545=1"): "does not exist",
        _forge(f"1;sigmoid;{fp};W1:=nan"): "not finite",
        _forge(f"1;sigmoid;{fp};b2:=1e30"): "beyond",
        _forge(f"1;sigmoid;{fp};W7:=1"): "malformed",
        _forge(f"1;sigmoid;{fp};W1:x=1"): "malformed",
        _forge(f"1;sigmoid;{fp};Q1:=1"): "malformed",
    }
    for bad, message in cases.items():
        with pytest.raises(LinkError, match=message):
            decode_link(bad, models)


def test_incremental_scorer_agrees_with_full_recomputation(trained):
    rng = np.random.default_rng(0)
    x = rng.random((500, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 500)
    log = EditLog(trained, "sigmoid")
    scorer = Scorer(log.net, x, labels)
    log.listeners.append(scorer.on_edit)
    for step in range(60):
        _random_edits(log, rng, 1)
        if step % 7 == 0:
            log.set_row(1, int(rng.integers(16)), rng.normal(size=784), "random row")
        if step % 11 == 0 and log.done:
            log.undo(); log.redo()
        full = log.net.forward(x)
        np.testing.assert_allclose(scorer.z1, full.zs[0], rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(scorer.activations[-1], full.output, rtol=1e-4, atol=1e-5)
        for layer in range(1, len(log.net.weights) + 1):  # the 1-based accessors read the same layers as Forward's
            np.testing.assert_allclose(scorer.z(layer), full.z(layer), rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(scorer.a(layer), full.a(layer), rtol=1e-4, atol=1e-5)
        assert scorer.accuracy == pytest.approx(np.mean(full.output.argmax(1) == labels), abs=2 / 500)
    scorer.recompute()
    assert scorer.accuracy == np.mean(log.net.predict(x) == labels)
    assert scorer.a(0) is x
    with pytest.raises(IndexError):
        scorer.z(0)  # the input has no weighted sums (zs[-1] would be the output's)


def test_scorer_reports_before_after_and_broken_fixed(trained):
    rng = np.random.default_rng(1)
    x = rng.random((300, 784)).astype(np.float32)
    log = EditLog(trained)
    labels = log.net.predict(x)  # labels = the trained answers: 100% before any edit
    scorer = Scorer(log.net, x, labels)
    log.listeners.append(scorer.on_edit)
    assert scorer.accuracy == 1.0
    log.zero_layer(3)  # every output equal: argmax picks 0 for all
    before_predictions, before_acc = scorer.before
    assert before_acc == 1.0 and scorer.accuracy == np.mean(labels == 0)
    broken, fixed = scorer.changed_since(before_predictions)
    np.testing.assert_array_equal(broken, np.flatnonzero(labels != 0))
    assert fixed.size == 0
    per_digit = scorer.per_digit()
    for d in range(10):
        if (labels == d).any():
            assert per_digit[d] == (1.0 if d == 0 else 0.0)
        else:
            assert np.isnan(per_digit[d])


# --- history in links, the fingerprint decides the model, typed numbers as typed ------------------------------

def _replayed(trained, code, name="sigmoid"):
    from src.edits import decode_steps
    got, steps = decode_steps(code, {name: trained})
    other = EditLog(trained, got)
    other.load_steps(steps)
    return other


def test_a_link_carries_the_history_so_undo_takes_back_one_step(trained):
    rng = np.random.default_rng(5)
    log = EditLog(trained, "sigmoid")
    _random_edits(log, rng, 12)
    log.set_bias(2, 3, 0.5)
    states = []  # the network after each step of the history, replayed independently from the trained model
    replay = EditLog(trained, "sigmoid")
    for edit in log.done:
        replay.apply("x", [(c.layer, c.param, c.indices, c.new) for c in edit.changes])
        states.append([a.copy() for a in replay.net.weights + replay.net.biases])
    other = _replayed(trained, encode_link(log, merged=0))
    assert len(other.done) == len(log.done)
    for expected in reversed(states):
        for a, b in zip(expected, other.net.weights + other.net.biases):
            np.testing.assert_array_equal(a, b)
        other.undo()
    assert not other.edited


def test_merged_steps_give_the_same_network_in_fewer_steps(trained):
    log = EditLog(trained, "sigmoid")
    log.set_weight(1, 0, 5, 2.0)
    log.set_weight(1, 0, 5, float(trained.weights[0][0, 5]))  # back to trained: nothing left of it
    log.set_bias(1, 1, 3.0)
    log.set_bias(3, 2, -1.0)
    other = _replayed(trained, encode_link(log, merged=3))
    assert len(other.done) == 2 and other.changed_neurons() == log.changed_neurons()
    for a, b in zip(log.net.weights + log.net.biases, other.net.weights + other.net.biases):
        np.testing.assert_array_equal(a, b)
    assert len(_replayed(trained, encode_link(log)).done) == 1  # by default one step: the shortest code


def test_the_fingerprint_decides_the_model(trained):
    other_net = Network.initialise(seed=12)
    log = EditLog(other_net, "relu")
    log.set_bias(1, 0, 2.0)
    code = encode_link(log)
    name, diff = decode_link(code, {"sigmoid": trained, "relu": other_net})
    assert name == "relu"
    # a code whose name says sigmoid but whose numbers were made on the relu weights opens relu
    forged = encode_link(EditLog(other_net, "sigmoid", done=[]))
    from src.edits import decode_steps
    assert decode_steps(forged, {"sigmoid": trained, "relu": other_net})[0] == "relu"
    with pytest.raises(LinkError, match="different trained"):
        decode_link(code, {"relu": trained})


def test_old_one_step_links_still_open(trained):
    log = EditLog(trained, "sigmoid")
    log.set_weight(1, 2, 7, 1.5)
    fp = fingerprint(trained)
    old = _forge(f"1;sigmoid;{fp};W1:{2 * 784 + 7 + 1}=1.5")
    name, diff = decode_link(old, {"sigmoid": trained})
    np.testing.assert_array_equal(diff[(1, "W")][0], [2 * 784 + 7])
    with pytest.raises(LinkError, match="more steps of edits than a version 1 link may have"):
        decode_link(_forge(f"1;sigmoid;{fp};W1:=1;/;W1:=2"), {"sigmoid": trained})


@pytest.mark.parametrize("typed, shown", [("-1000000.5", "-1000000.5 is beyond ±1,000,000"),
                                          ("1e9", "1e9 is beyond"), ("x" * 10_000, "“" + "x" * 40 + "…” is not")])
def test_a_refused_value_is_quoted_as_typed_and_briefly(typed, shown):
    with pytest.raises(EditError) as info:
        check_value(typed)
    assert shown in str(info.value) and len(str(info.value)) < 120
