"""The weights file format: round trips, and every kind of bad file refused whole with a clear message."""
import io
import json

import numpy as np
import pytest

from src.infra import weights_file
from src.network import Network
from src.infra.weights_file import MAX_FILE_BYTES, WeightsFileError, from_arrays, load, save, to_bytes


def _arrays(net):
    arrays = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        arrays[f"W{l}"], arrays[f"b{l}"] = w, b
    arrays["meta"] = np.array(json.dumps({"activation": net.activation, "output": net.output}))
    return arrays


def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_round_trip_keeps_every_number_and_meta(tmp_path):
    net = Network.initialise(activation="relu", seed=4)
    net.meta = {"test_accuracy": 0.5, "curves": {"loss": [1.0, 0.5]}}
    save(net, tmp_path / "m.npz")
    back = weights_file.load(tmp_path / "m.npz")
    assert back.activation == "relu" and back.output == "softmax" and back.sizes == [784, 16, 16, 10]
    for a, b in zip(net.weights + net.biases, back.weights + back.biases):
        np.testing.assert_array_equal(a, b)
        assert b.dtype == np.float32
    assert back.meta["curves"] == {"loss": [1.0, 0.5]} and back.meta["layers"] == [784, 16, 16, 10]
    # file objects and raw bytes load too
    assert weights_file.load(io.BytesIO(to_bytes(net))).sizes == net.sizes
    assert weights_file.load(to_bytes(net)).sizes == net.sizes
    assert not list(tmp_path.glob(".*tmp")), "atomic save left a temporary file"


def test_file_is_plain_npz_without_pickle(tmp_path):
    net = Network.initialise()
    save(net, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as f:
        assert sorted(f.files) == ["W1", "W2", "W3", "b1", "b2", "b3", "meta"]
        assert f["W1"].shape == (16, 784) and f["W1"].dtype == np.float32
        assert json.loads(str(f["meta"]))["activation"] == "sigmoid"


GOOD = _arrays(Network.initialise((4, 3, 2)))


@pytest.mark.parametrize("data, message", [
    (b"hello, not a zip", "not a weights file"),
    (_npz(**{k: v for k, v in GOOD.items() if k != "b2"}), "missing arrays: b2"),
    (_npz(**GOOD, W9=np.zeros(2)), "unexpected arrays: W9"),
    (_npz(**GOOD, extra=np.zeros(2)), "unexpected arrays: .extra.npy"),
    (_npz(**{**GOOD, "W2": np.zeros((2, 5))}), "do not chain"),
    (_npz(**{**GOOD, "b1": np.zeros(4)}), "b1 has shape"),
    (_npz(**{**GOOD, "W1": np.full((3, 4), np.nan)}), "non-finite"),
    (_npz(**{**GOOD, "b2": np.array([np.inf, 0.0])}), "non-finite"),
    (_npz(**{**GOOD, "W1": np.full((3, 4), 1e9)}), "beyond"),
    (_npz(**{**GOOD, "meta": np.array(json.dumps({"activation": "tanh"}))}), "unknown activation"),
    (_npz(**{**GOOD, "meta": np.array(json.dumps({"activation": "relu", "output": "linear"}))}), "unknown output"),
    (_npz(**{**GOOD, "meta": np.array("{not json")}), "not valid JSON"),
    (_npz(**{k: v for k, v in GOOD.items() if k != "meta"}), "missing array 'meta'"),
    (_npz(**{**GOOD, "W1": np.array([["a"] * 4] * 3)}), "must hold floating-point numbers"),
    (_npz(**{**GOOD, "meta": np.array(json.dumps({"activation": "relu", "layers": [4, 3, 3]}))}), "says layers"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_files_are_refused_with_a_message(data, message):
    with pytest.raises(WeightsFileError, match=message):
        load(data)


def test_pickled_objects_are_refused():
    data = _npz(**{**GOOD, "W1": np.array([{"evil": 1}], dtype=object)})
    with pytest.raises(WeightsFileError, match="pickled"):
        load(data)


def test_damaged_archive_is_refused():
    good = _npz(**GOOD)
    damaged = good[:200] + bytes(len(good) - 400) + good[-200:]
    with pytest.raises(WeightsFileError):
        load(damaged)


def test_oversized_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.npz"
    with open(big, "wb") as f:
        f.seek(MAX_FILE_BYTES + 10)
        f.write(b"\0")
    with pytest.raises(WeightsFileError, match="refused"):
        load(big)
    with pytest.raises(WeightsFileError, match="refused"):
        load(io.BytesIO(b"\0" * (MAX_FILE_BYTES + 1)))


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(WeightsFileError, match="no weights file"):
        load(tmp_path / "nope.npz")


def test_from_arrays_builds_the_same_network_load_does_and_shares_its_checks():
    net = from_arrays(GOOD)
    loaded = load(_npz(**GOOD))
    assert net.sizes == loaded.sizes == [4, 3, 2] and net.activation == loaded.activation == "sigmoid"
    for a, b in zip(net.weights + net.biases, loaded.weights + loaded.biases):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == np.float32
    # the same limits refuse the same arrays, whichever way they come in
    for bad, message in ((dict(GOOD, W1=np.zeros((3, 4), np.int64)), "floating-point"),
                         (dict(GOOD, W2=np.zeros((0, 3)), b2=np.zeros(0)), "zero-width"),
                         (dict(GOOD, W1=np.full((3, 4), -1e300)), "beyond")):
        with pytest.raises(WeightsFileError, match=message):
            from_arrays(bad)
        with pytest.raises(WeightsFileError, match=message):
            load(_npz(**bad))


def test_digest_and_read_bytes_give_a_cache_key_for_an_upload():
    data = _npz(**GOOD)
    upload = io.BytesIO(data)
    assert weights_file.read_bytes(upload) == data
    assert weights_file.digest(data) == weights_file.digest(bytes(data)) != weights_file.digest(data + b"\0")
    assert len(weights_file.digest(data)) == 64
