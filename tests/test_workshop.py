"""Class challenges: room codes, nicknames, the three challenges scored on the server against an independent
computation, the rules (rate limit, capacity, closed rooms, nicknames taken) and the teacher secret."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from src.edits import EditLog, encode_link
from src.infra import challenges, judge as judging, leaderboard, workshop
from src.infra.challenges import make_challenge
from src.infra.databases import SqliteStorage
from src.infra.judge import Judge, decode_image, encode_image
from src.infra.leaderboard import rank
from src.infra.records import Room, Submission
from src.infra.workshop import (ALPHABET, MAX_NICKNAME, ROOM_CODE, Limits, Workshop, WorkshopError, clean_nickname,
                                new_room_code, new_session_token, nickname_key, parse_room_code)


# --- room codes and nicknames -------------------------------------------------------------------------------

def test_room_codes_are_short_and_unambiguous():
    codes = {new_room_code() for _ in range(2000)}
    assert len(codes) > 1990  # random, not a sequence
    for code in codes:
        assert ROOM_CODE.fullmatch(code) and len(code) == 5
    assert not set("ILO01") & set(ALPHABET)
    assert set("".join(codes)) == set(ALPHABET)


@pytest.mark.parametrize("typed, canonical", [("K7QXM", "K7QXM"), ("k7qxm", "K7QXM"), (" k7q-xm ", "K7QXM"),
                                              ("K7 QXM\n", "K7QXM")])
def test_room_codes_as_people_type_them(typed, canonical):
    assert parse_room_code(typed) == canonical


@pytest.mark.parametrize("bad", ["", "K7QX", "K7QXMM", "K7QXO", "K7QX0", "K7QXI", "K7QX1", "K7QXL", "K7QX!",
                                 "Ｋ7QXM", "K7QXM'; --", None, 12345])
def test_bad_room_codes_are_refused_with_advice(bad):
    with pytest.raises(WorkshopError, match="room code"):
        parse_room_code(bad)


def test_nicknames_any_script_normalised_and_cleaned():
    assert clean_nickname("  Ana  ") == "Ana"
    assert clean_nickname("Zoe\u0301") == "Zoé" and len(clean_nickname("Zoe\u0301")) == 3  # NFC
    assert clean_nickname("李小龍") == "李小龍"
    assert clean_nickname("نور") == "نور"
    family = "👩\u200d👩\u200d👧"
    assert clean_nickname(family) == family  # zero-width joiners kept: one emoji, not three
    assert clean_nickname("Ana\u202eevil") == "Anaevil"  # a bidi override cannot flip the leaderboard
    assert clean_nickname("A\u200bn\ufeffa") == "Ana"  # zero-width spaces gone
    assert clean_nickname("Ana\nBob\t\x00x") == "Ana Bob x"  # control characters become spaces
    assert clean_nickname("<b>*Ana*</b>") == "<b>*Ana*</b>"  # kept as typed; pages show it escaped


@pytest.mark.parametrize("bad, why", [("", "visible"), ("   \n\t", "visible"), ("\u200b\u202e", "visible"),
                                      ("x" * (MAX_NICKNAME + 1), "at most"), (None, "nickname"),
                                      ("\u0301\u0301", "visible")])
def test_bad_nicknames_are_refused(bad, why):
    with pytest.raises(WorkshopError, match=why):
        clean_nickname(bad)


def test_nickname_keys_match_what_people_see_as_the_same_name():
    assert nickname_key("Ana") == nickname_key("ANA") == nickname_key("Ａｎａ")
    assert nickname_key("Straße") == nickname_key("STRASSE")
    assert nickname_key("Ana") != nickname_key("Anna")


def test_session_tokens():
    token = new_session_token()
    assert workshop.check_session_token(token) == token
    for bad in ("", "short", "x" * 65, "has space in it", None):
        with pytest.raises(WorkshopError):
            workshop.check_session_token(bad)


# --- challenges ---------------------------------------------------------------------------------------------

def test_challenge_parameters_are_checked():
    assert make_challenge("from_scratch", "relu", layer=2).params == {"layer": 2}
    assert make_challenge("fewest_edits", "sigmoid", max_edits=10).params == {"max_edits": 10, "layer": None}
    assert make_challenge("fool_it", "relu", index=12, target=3).params == {"index": 12, "target": 3}
    for kind, model, params in [("juggling", "relu", {}), ("from_scratch", "tanh", {"layer": 1}),
                                ("from_scratch", "relu", {"layer": 4}), ("from_scratch", "relu", {"layer": "1"}),
                                ("from_scratch", "relu", {"layer": True}), ("fewest_edits", "relu", {"max_edits": 0}),
                                ("fool_it", "relu", {"index": 10_000, "target": 3}),
                                ("fool_it", "relu", {"index": 1, "target": 10}),
                                ("from_scratch", "relu", {"layer": 1, "sneaky": 1})]:
        with pytest.raises(WorkshopError):
            make_challenge(kind, model, **params)



def test_each_kind_is_described_once_and_its_limits_come_from_the_network(shipped):
    """The kinds table says everything a page needs; the edit limit is the network's own parameter count."""
    n = shipped["relu"].num_parameters  # counted from the arrays, independently of the table
    assert make_challenge("fewest_edits", "relu", max_edits=n).params["max_edits"] == n
    with pytest.raises(WorkshopError):
        make_challenge("fewest_edits", "relu", max_edits=n + 1)
    assert challenges.layer_name(1) == "hidden layer 1 (784 → 16)"
    assert challenges.layer_name(3) == "the output layer (16 → 10)"
    for kind in challenges.KIND_LIST:
        assert kind.submits in (challenges.NETWORK, challenges.IMAGE, challenges.STEPS)
        assert kind.gallery in (challenges.LAYER_WEIGHTS, challenges.EDITED_NEURONS, challenges.FOOLED_IMAGE,
                                challenges.CLASS_PROGRESS)
        params = {p.name: p.default if p.default is not None else p.lo for p in kind.params}
        c = make_challenge(kind.id, "relu", **params)
        assert c.title == kind.title and c.describe() and c.format_score(1)


def test_pages_and_ui_name_no_kind_and_no_network_size():
    """A new kind is a row of src.infra.challenges.KIND_LIST: no page or ui module compares kind names or hard-codes
    the network's size."""
    from tests.conftest import ROOT
    files = [ROOT / "pages/6_workshop.py", ROOT / "pages/7_leaderboard.py", *sorted((ROOT / "ui/workshop").glob("*.py"))]
    for f in files:
        text = f.read_text()
        for word in [*challenges.KINDS, "13_002", "13,002", "13002"]:
            assert word not in text, f"{f.name} names {word}"


def test_images_round_trip_at_256_levels():
    q = judging.quantise(np.linspace(0, 1, 784))
    assert q.dtype == np.uint8 and q[0] == 0 and q[-1] == 255
    assert np.array_equal(decode_image(encode_image(q)).ravel(), q)
    for bad in (np.zeros(783), np.full(784, 1.5), np.full(784, -0.1), np.full(784, np.nan), "abc", [[1, 2]]):
        with pytest.raises(WorkshopError):
            judging.quantise(bad)
    with pytest.raises(WorkshopError):
        decode_image("not-an-image")


def test_ranking_best_per_nickname_then_order():
    acc = make_challenge("fewest_edits", "relu", max_edits=50)
    subs = [Submission("R", "Ana", "ana", 0.90, 5, "", 1.0, "a", 1),
            Submission("R", "ana", "ana", 0.95, 9, "", 2.0, "a", 2),   # Ana's best
            Submission("R", "Bo", "bo", 0.95, 4, "", 3.0, "b", 3),     # same accuracy, fewer edits: above Ana
            Submission("R", "Cy", "cy", 0.97, 30, "", 4.0, "c", 4),
            Submission("R", "Di", "di", 0.95, 4, "", 5.0, "d", 5)]     # ties Bo, later: below Bo
    board = rank(acc, subs)
    assert [(e.rank, e.nickname, e.score, e.tries) for e in board] == [
        (1, "Cy", 0.97, 1), (2, "Bo", 0.95, 1), (3, "Di", 0.95, 1), (4, "ana", 0.95, 2)]
    fool = make_challenge("fool_it", "relu", index=0, target=3)
    board = rank(fool, [Submission("R", "Ana", "ana", 40, 40, "", 1.0, "a", 1),
                        Submission("R", "Bo", "bo", 12, 12, "", 2.0, "b", 2),
                        Submission("R", "Ana", "ana", 30, 30, "", 3.0, "a", 3)])
    assert [(e.nickname, e.score) for e in board] == [("Bo", 12), ("Ana", 30)]  # fewer pixels first


# --- scoring on the server, against an independent computation ---------------------------------------------

@pytest.fixture(scope="module")
def judge(request):
    images, labels = request.getfixturevalue("mnist_test")
    trained = request.getfixturevalue("shipped")
    return Judge(trained, images.reshape(len(images), -1).astype(np.float32) / np.float32(255), labels)


def independent_accuracy(net, images, labels):
    """Test accuracy computed apart from Network: float64, the activations written out here."""
    a = images.reshape(len(images), -1).astype(np.float64) / 255.0
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ np.asarray(w, np.float64).T + np.asarray(b, np.float64)
        last = l == len(net.weights) - 1
        a = z if last else (np.maximum(z, 0) if net.activation == "relu" else 1 / (1 + np.exp(-z)))
    return float(np.mean(np.argmax(a, axis=1) == labels))


def test_from_scratch_scores_the_rebuilt_network(judge, shipped, mnist_test):
    images, labels = mnist_test
    ch = make_challenge("from_scratch", "relu", layer=3)
    log = EditLog(shipped["relu"], "relu")
    log.zero_layer(3)
    rng = np.random.default_rng(1)
    for k in range(12):  # a rebuild by hand: some output weights set back to roughly what they were
        n, i = int(rng.integers(10)), int(rng.integers(16))
        log.set_weight(3, n, i, float(shipped["relu"].weights[2][n, i]) * 1.1)
    scored = judge.score(ch, encode_link(log))
    assert scored.score == pytest.approx(independent_accuracy(log.net, images, labels), abs=2e-4)
    assert scored.edits == len({c for e in log.done[1:] for c in e.changes[0].indices.tolist()})


def test_first_layer_rebuilt_is_scored_in_full(judge, shipped, mnist_test):
    """The judge reuses the trained first layer's sums for untouched neurons: a rebuilt first layer (every
    neuron changed) and a single changed neuron must both match a computation from scratch."""
    images, labels = mnist_test
    rng = np.random.default_rng(2)
    log = EditLog(shipped["sigmoid"], "sigmoid")
    log.zero_layer(1)
    for n in range(16):  # the sign of each trained weight, at a few strengths: a short share code
        w = shipped["sigmoid"].weights[0][n]
        log.set_row(1, n, np.sign(w) * np.round(rng.uniform(0.5, 1.5), 1) * (np.abs(w) > 0.05), "rebuilt",
                    bias=float(np.round(shipped["sigmoid"].biases[0][n], 1)))
    code = encode_link(log)
    assert len(code) <= judging.MAX_SUBMISSION_CHARS
    scored = judge.score(make_challenge("from_scratch", "sigmoid", layer=1), code)
    assert scored.score == pytest.approx(independent_accuracy(log.net, images, labels), abs=2e-4)
    # counted from the start (layer 1 all zeros): the rebuilt layer's non-zero entries
    assert scored.edits == np.count_nonzero(log.net.weights[0]) + np.count_nonzero(log.net.biases[0]) > 5000
    one = EditLog(shipped["sigmoid"], "sigmoid")
    one.set_row(1, 7, -shipped["sigmoid"].weights[0][7], "negated")
    scored = judge.score(make_challenge("fewest_edits", "sigmoid", max_edits=13_002), encode_link(one))
    assert scored.score == pytest.approx(independent_accuracy(one.net, images, labels), abs=2e-4)


def test_from_scratch_refuses_a_network_that_kept_the_trained_layer(judge, shipped):
    ch = make_challenge("from_scratch", "relu", layer=2)
    log = EditLog(shipped["relu"], "relu")
    log.set_bias(2, 0, 0.0)  # one bias zeroed is not the layer zeroed
    with pytest.raises(WorkshopError, match="still in your network"):
        judge.score(ch, encode_link(log))


def test_fewest_edits_counts_changes_and_refuses_over_the_limit(judge, shipped, mnist_test):
    images, labels = mnist_test
    ch = make_challenge("fewest_edits", "sigmoid", max_edits=3)
    log = EditLog(shipped["sigmoid"], "sigmoid")
    log.set_weight(1, 0, 100, 2.0)
    log.set_weight(1, 0, 100, 3.0)  # the same weight twice counts once
    log.set_bias(2, 5, -1.0)
    scored = judge.score(ch, encode_link(log))
    assert scored.edits == 2
    assert scored.score == pytest.approx(independent_accuracy(log.net, images, labels), abs=2e-4)
    log.set_weight(3, 1, 1, 0.5)
    log.set_weight(3, 1, 2, 0.5)
    with pytest.raises(WorkshopError, match="at most 3"):
        judge.score(ch, encode_link(log))


def test_fewest_edits_from_a_zeroed_layer_counts_from_that_start(judge, shipped):
    ch = make_challenge("fewest_edits", "relu", max_edits=5, layer=3)
    log = EditLog(shipped["relu"], "relu")
    log.zero_layer(3)
    log.set_bias(3, 4, 1.0)
    assert judge.score(ch, encode_link(log)).edits == 1


def test_submissions_for_another_model_or_damaged_are_refused(judge, shipped):
    ch = make_challenge("fewest_edits", "relu", max_edits=5)
    sig = EditLog(shipped["sigmoid"], "sigmoid")
    sig.set_bias(3, 0, 1.0)
    with pytest.raises(WorkshopError, match="ReLU model"):
        judge.score(ch, encode_link(sig))
    log = EditLog(shipped["relu"], "relu")
    log.set_bias(3, 0, 1.0)
    code = encode_link(log)
    tampered = code[:-3] + ("A" if code[-3] != "A" else "B") + code[-2:]
    with pytest.raises(WorkshopError, match="could not be read"):
        judge.score(ch, tampered)
    with pytest.raises(WorkshopError, match="not an image"):
        judge.score(ch, np.zeros(784))
    with pytest.raises(WorkshopError, match=f"at most {judging.MAX_SUBMISSION_CHARS:,}"):
        judge.score(ch, "A" * (judging.MAX_SUBMISSION_CHARS + 1))
    with pytest.raises(WorkshopError, match="missing"):
        judge.score(ch, "")


def fooling_image(net, images, labels, index, target):
    """Blend test image ``index`` towards an image of ``target`` until ``net`` reads target (independently of
    the judge): the returned float image and its count of changed uint8 pixels."""
    x0 = images[index].astype(np.float64).ravel() / 255
    other = images[np.flatnonzero(labels == target)[0]].astype(np.float64).ravel() / 255
    for t in np.linspace(0, 1, 101):
        x = (1 - t) * x0 + t * other
        q = np.rint(x * 255)
        if net.predict((q / 255).astype(np.float32)) == target:
            return x, int(np.count_nonzero(q != images[index].ravel()))
    raise AssertionError("no blend fooled the network")


def test_fool_it_counts_changed_pixels_and_checks_the_answer(judge, shipped, mnist_test):
    images, labels = mnist_test
    index = int(np.flatnonzero(labels == 4)[0])
    ch = make_challenge("fool_it", "relu", index=index, target=9)
    judge.check(ch)
    x, changed = fooling_image(shipped["relu"], images, labels, index, 9)
    scored = judge.score(ch, x)
    assert scored.score == scored.edits == changed > 0
    assert np.array_equal(decode_image(scored.code), np.rint(x * 255).reshape(28, 28))
    with pytest.raises(WorkshopError, match="reads your image as 4, not 9"):
        judge.score(ch, images[index] / 255)
    with pytest.raises(WorkshopError, match="between 0 and 1"):
        judge.score(ch, x * 2)
    with pytest.raises(WorkshopError, match="not a network"):
        judge.score(ch, "a-share-code")


def test_fool_it_target_must_differ_from_label_and_answer(judge, mnist_test):
    images, labels = mnist_test
    with pytest.raises(WorkshopError, match="another target"):
        judge.check(make_challenge("fool_it", "relu", index=0, target=int(labels[0])))


# --- the rules ----------------------------------------------------------------------------------------------

class FakeJudge:
    """Scores a share code 'score:edits' as given: for testing the rules without MNIST."""

    def check(self, challenge):
        pass

    def score(self, challenge, submission):
        score, edits = submission.split(":")
        return judging.Scored(float(score), int(edits), submission)


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def ws(tmp_path):
    clock = Clock()
    w = Workshop(SqliteStorage(tmp_path / "w.sqlite3"), FakeJudge(),
                 Limits(min_interval=5, attempt_interval=1, per_session=3, max_submissions=6, max_participants=3),
                 clock=clock)
    w.clock_ = clock
    return w


def opened(ws, kind="fewest_edits", **params):
    teacher = new_session_token()
    params = params or {"max_edits": 10}
    return ws.open_room(make_challenge(kind, "relu", **params), teacher), teacher


def test_submit_and_leaderboard(ws):
    room, _ = opened(ws)
    a, b = new_session_token(), new_session_token()
    ws.submit(room.code, "Ana", a, "0.5:3")
    ws.submit(room.code.lower(), "Bo", b, "0.7:1")
    ws.clock_.now += 10
    ws.submit(room.code, "Ana", a, "0.8:2")
    board = ws.leaderboard(room.code)
    assert [(e.nickname, e.score, e.tries) for e in board] == [("Ana", 0.8, 2), ("Bo", 0.7, 1)]
    assert ws.entry_code(room.code, board[0].submission) == "0.8:2"


def test_rate_limit_per_session(ws):
    room, _ = opened(ws)
    a = new_session_token()
    ws.submit(room.code, "Ana", a, "0.5:3")
    ws.clock_.now += 2
    with pytest.raises(WorkshopError, match="every 5 s.*try again in 3 s"):
        ws.submit(room.code, "Ana", a, "0.6:3")
    assert ws.wait_seconds(room.code, a) == pytest.approx(3)
    ws.submit(room.code, "Bo", new_session_token(), "0.6:3")  # others are not held up
    ws.clock_.now += 3
    assert ws.wait_seconds(room.code, a) == 0
    ws.submit(room.code, "Ana", a, "0.6:3")
    ws.clock_.now += 5
    ws.submit(room.code, "Ana", a, "0.6:3")
    ws.clock_.now += 5
    with pytest.raises(WorkshopError, match="your 3 submissions"):
        ws.submit(room.code, "Ana", a, "0.6:3")


def test_refused_attempts_are_rate_limited_too(ws):
    class Refusing(FakeJudge):
        def score(self, challenge, submission):
            raise WorkshopError("not good enough")

    ws.judge = Refusing()
    room, _ = opened(ws)
    a = new_session_token()
    with pytest.raises(WorkshopError, match="not good enough"):
        ws.submit(room.code, "Ana", a, "0.5:3")
    with pytest.raises(WorkshopError, match="one try per second"):
        ws.submit(room.code, "Ana", a, "0.5:3")
    ws.clock_.now += 1
    with pytest.raises(WorkshopError, match="not good enough"):
        ws.submit(room.code, "Ana", a, "0.5:3")


def test_full_room_and_closed_room(ws):
    room, teacher = opened(ws)
    for nick in ("A", "B", "C"):
        ws.submit(room.code, nick, new_session_token(), "0.5:1")
    with pytest.raises(WorkshopError, match="full.*3 participants"):
        ws.submit(room.code, "D", new_session_token(), "0.5:1")
    # those already in may go on until the room's submission cap
    tokens = {}
    for e in ws.storage.submissions(room.code):
        tokens[e.nickname] = e.session
    ws.clock_.now += 10
    for nick in ("A", "B", "C"):
        ws.submit(room.code, nick, tokens[nick], "0.6:1")
    ws.clock_.now += 10
    with pytest.raises(WorkshopError, match="full.*6 submissions"):
        ws.submit(room.code, "A", tokens["A"], "0.7:1")
    ws.close_room(room.code, teacher)
    with pytest.raises(WorkshopError, match="closed"):
        ws.submit(room.code, "A", tokens["A"], "0.7:1")
    assert len(ws.leaderboard(room.code)) == 3  # a closed room still shows its board


def test_limits_of_one_are_said_in_the_singular(tmp_path):
    """A room for one person says '1 participant', not '1 participants' (and so for submissions and rooms)."""
    w = Workshop(SqliteStorage(tmp_path / "w.sqlite3"), FakeJudge(),
                 Limits(min_interval=0, attempt_interval=0, max_submissions=1, max_participants=1,
                        rooms_per_session=1), clock=Clock())
    teacher = new_session_token()
    room = w.open_room(make_challenge("fewest_edits", "relu", max_edits=10), teacher)
    with pytest.raises(WorkshopError) as rooms:
        w.open_room(make_challenge("fewest_edits", "relu", max_edits=10), teacher)
    assert str(rooms.value) == "You have 1 room open already; close one first."
    ana = new_session_token()
    w.submit(room.code, "Ana", ana, "0.5:1")
    with pytest.raises(WorkshopError) as people:
        w.join(room.code, "Bo", new_session_token())
    assert str(people.value) == f"Room {room.code} is full: it has its 1 participant."
    with pytest.raises(WorkshopError) as entries:
        w.submit(room.code, "Ana", ana, "0.6:1")
    assert str(entries.value) == f"Room {room.code} is full: it has taken its 1 submission."


def test_unknown_room_bad_nickname_and_taken_nickname(ws):
    room, _ = opened(ws)
    with pytest.raises(WorkshopError, match="no room"):
        ws.submit("ZZZZZ", "Ana", new_session_token(), "0.5:1")
    with pytest.raises(WorkshopError, match="room code"):
        ws.submit("ZZ", "Ana", new_session_token(), "0.5:1")
    with pytest.raises(WorkshopError, match="visible"):
        ws.submit(room.code, "\u202e", new_session_token(), "0.5:1")
    ws.submit(room.code, "Ana", new_session_token(), "0.5:1")
    with pytest.raises(WorkshopError, match="already “Ana”"):
        ws.submit(room.code, "ANA", new_session_token(), "0.9:1")
    assert [e.score for e in ws.leaderboard(room.code)] == [0.5]


def test_without_mnist_rooms_work_but_submissions_say_why_not(tmp_path):
    ws = Workshop(SqliteStorage(tmp_path / "w.sqlite3"), None)
    room = ws.open_room(make_challenge("from_scratch", "relu", layer=1), new_session_token())
    with pytest.raises(WorkshopError, match="MNIST"):
        ws.submit(room.code, "Ana", new_session_token(), "code")
    assert ws.leaderboard(room.code) == []


def test_thirty_sessions_at_once_never_overfill_a_room(ws):
    ws.limits = Limits(max_submissions=10, max_participants=60, attempt_interval=0)
    room, _ = opened(ws)
    barrier = threading.Barrier(30)
    outcomes = []

    def participant(i):
        barrier.wait()
        try:
            ws.submit(room.code, f"p{i}", new_session_token(), f"0.{i}:1")
            outcomes.append("ok")
        except WorkshopError as e:
            outcomes.append(str(e))

    threads = [threading.Thread(target=participant, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 10
    assert all("full" in o for o in outcomes if o != "ok")
    assert len(ws.storage.submissions(room.code)) == 10


# --- teachers -----------------------------------------------------------------------------------------------

def test_without_a_secret_anyone_opens_and_only_the_opener_closes_or_clears(ws):
    room, teacher = opened(ws)
    assert not room.teacher_only and not ws.secret_configured
    stranger = new_session_token()
    with pytest.raises(WorkshopError, match="Only the teacher who opened"):
        ws.close_room(room.code, stranger)
    with pytest.raises(WorkshopError, match="Only the teacher who opened"):
        ws.clear_room(room.code, stranger, secret="guess")
    ws.submit(room.code, "Ana", stranger, "0.5:1")
    assert ws.clear_room(room.code, teacher) == 1
    assert not ws.close_room(room.code, teacher).is_open


def test_rooms_per_session_are_limited_without_a_secret(ws):
    teacher = new_session_token()
    for _ in range(ws.limits.rooms_per_session):
        ws.open_room(make_challenge("from_scratch", "relu", layer=1), teacher)
    with pytest.raises(WorkshopError, match="rooms open already"):
        ws.open_room(make_challenge("from_scratch", "relu", layer=1), teacher)


def test_with_a_secret_only_the_secret_opens_closes_and_clears(ws, monkeypatch):
    compared = []
    real = workshop.hmac.compare_digest
    monkeypatch.setattr(workshop.hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    ws.secret = "correct horse"
    teacher = new_session_token()
    ch = make_challenge("from_scratch", "relu", layer=1)
    for wrong in (None, "", "correct hors", "correct horse "):
        with pytest.raises(WorkshopError, match="teacher secret"):
            ws.open_room(ch, teacher, secret=wrong)
    room = ws.open_room(ch, teacher, secret="correct horse")
    assert room.teacher_only and compared  # compared in constant time
    # the opener's session alone is not enough: a teacher-only room needs the secret, from any device
    with pytest.raises(WorkshopError, match="teacher secret"):
        ws.close_room(room.code, teacher)
    assert ws.clear_room(room.code, new_session_token(), secret="correct horse") == 0
    assert not ws.close_room(room.code, new_session_token(), secret="correct horse").is_open


def test_is_teacher_is_false_without_a_configured_secret(ws):
    assert not ws.is_teacher("") and not ws.is_teacher("anything") and not ws.is_teacher(None)


def test_a_room_stored_by_another_replica_is_read_back(ws):
    """Rooms are data in the database, nothing kept in this process: a second Workshop on the same storage
    (another app replica) sees the room and its submissions."""
    room, _ = opened(ws)
    ws.submit(room.code, "Ana", new_session_token(), "0.5:1")
    other = Workshop(ws.storage, FakeJudge())
    assert other.room(room.code) == room and len(other.leaderboard(room.code)) == 1
    assert isinstance(room, Room)


# --- joining, identity and the teacher's tools ------------------------------------------------------------

@pytest.mark.parametrize("other", ["Ana", "ana", " Ana ", "ANA", "Ａｎａ", "\u0410na", "\u0391na", "An\u0430",
                                   "A n a"])
def test_a_taken_nickname_or_a_look_alike_is_refused_at_join_with_a_free_suggestion(ws, other):
    room, _ = opened(ws)
    ws.join(room.code, "Ana", new_session_token())
    with pytest.raises(workshop.NicknameTaken, match="already “Ana”") as refused:
        ws.join(room.code, other, new_session_token())
    assert workshop.skeleton(refused.value.suggestion) != workshop.skeleton("Ana")
    ws.join(room.code, refused.value.suggestion, new_session_token())  # the suggestion is free


def test_skeletons_tell_different_names_apart():
    # independent of the table: the Cyrillic and Greek capitals named as Latin look-alikes in TR 39
    import unicodedata
    for ch in "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0391\u0392\u0395\u0397\u039a\u039f\u03a1\u03a4":
        latin = unicodedata.name(ch).split()[-1]  # 'CYRILLIC CAPITAL LETTER A' -> 'A'
        if len(latin) == 1:
            assert workshop.skeleton(ch) == latin.casefold(), unicodedata.name(ch)
    assert len({workshop.skeleton(n) for n in ["Ana", "Anna", "Ana 2", "Åna", "Анна"]}) == 5


def test_the_same_browser_may_rejoin_and_a_joined_browser_is_found_again(ws):
    room, _ = opened(ws)
    a = new_session_token()
    ws.join(room.code, "Ana", a)
    ws.join(room.code, "ana", a)  # its own name again (another case): fine
    assert ws.participant(room.code, a).nickname == "ana"
    assert ws.participant(room.code, new_session_token()) is None
    assert ws.participant(room.code, "not a token!") is None


def test_leaving_keeps_a_submitted_name_from_others_and_a_reload_does_not_rejoin(ws):
    room, _ = opened(ws)
    a = new_session_token()
    ws.submit(room.code, "Ana", a, "0.5:3")
    assert ws.leave(room.code, a) and ws.participant(room.code, a) is None
    with pytest.raises(workshop.NicknameTaken, match="already “Ana”"):
        ws.join(room.code, "\u0430na", new_session_token())
    ws.join(room.code, "Ana", a)  # the same browser may come back under its name


def test_moderation_removes_an_entry_and_bans_a_nickname(ws):
    room, teacher = opened(ws)
    a, b = new_session_token(), new_session_token()
    ws.submit(room.code, "Ana", a, "0.5:3")
    ws.submit(room.code, "Bo", b, "0.7:1")
    with pytest.raises(WorkshopError, match="Only the teacher"):
        ws.remove_entry(room.code, "Ana", a)
    assert ws.remove_entry(room.code, "ANA", teacher) == 1
    assert [e.nickname for e in ws.leaderboard(room.code)] == ["Bo"]
    assert ws.ban(room.code, "Bo", teacher) == 1
    assert ws.leaderboard(room.code) == []
    ws.clock_.now += 10
    with pytest.raises(WorkshopError, match="may not be used"):
        ws.submit(room.code, "Bo", b, "0.9:1")
    with pytest.raises(WorkshopError, match="may not be used"):
        ws.join(room.code, "\u0412o", new_session_token())  # a look-alike of the banned name
    ws.submit(room.code, "Ana", a, "0.6:1")  # a removed entry may come back
    assert [e.nickname for e in ws.leaderboard(room.code)] == ["Ana"]


def test_a_deadline_ends_submissions_with_a_clear_message(ws):
    room, teacher = opened(ws)
    a = new_session_token()
    with pytest.raises(WorkshopError, match="from 1 to"):
        ws.set_deadline(room.code, 0, teacher)
    assert ws.set_deadline(room.code, 2, teacher).deadline == ws.clock_.now + 120
    ws.clock_.now += 119
    ws.submit(room.code, "Ana", a, "0.5:3")
    ws.clock_.now += 10
    with pytest.raises(WorkshopError, match="Time is up"):
        ws.submit(room.code, "Ana", a, "0.9:3")
    assert [e.score for e in ws.leaderboard(room.code)] == [0.5]
    ws.set_deadline(room.code, None, teacher)
    ws.submit(room.code, "Ana", a, "0.9:3")


def test_a_frozen_board_hides_later_submissions_until_the_reveal(ws):
    room, teacher = opened(ws)
    a, b = new_session_token(), new_session_token()
    ws.submit(room.code, "Ana", a, "0.5:3")
    ws.clock_.now += 10
    ws.freeze(room.code, True, teacher)
    ws.clock_.now += 10
    ws.submit(room.code, "Bo", b, "0.9:1")
    ws.submit(room.code, "Ana", a, "0.95:1")
    assert [(e.nickname, e.score) for e in ws.leaderboard(room.code)] == [("Ana", 0.5)]
    assert [p.nickname for p in ws.waiting(room.code)] == []
    ws.freeze(room.code, False, teacher)
    assert [(e.nickname, e.score) for e in ws.leaderboard(room.code)] == [("Ana", 0.95), ("Bo", 0.9)]


def test_who_is_in_but_has_not_submitted(ws):
    room, _ = opened(ws)
    a, b, c = (new_session_token() for _ in range(3))
    for nick, token in (("Ana", a), ("Bo", b), ("Cy", c)):
        ws.join(room.code, nick, token)
        ws.clock_.now += 1
    ws.submit(room.code, "Bo", b, "0.5:3")
    assert [p.nickname for p in ws.waiting(room.code)] == ["Ana", "Cy"]


def test_run_it_again_opens_a_new_room_with_the_same_challenge(ws):
    room, teacher = opened(ws, "fewest_edits", max_edits=7)
    ws.close_room(room.code, teacher)
    with pytest.raises(WorkshopError, match="Only the teacher"):
        ws.run_again(room.code, new_session_token())
    again = ws.run_again(room.code, teacher)
    assert again.code != room.code and again.is_open and again.params == room.params and again.kind == room.kind


def test_a_browser_that_gave_the_secret_stays_a_teacher_for_hours_and_only_it(ws, monkeypatch):
    ws.secret = "s3cret"
    t, other = new_session_token(), new_session_token()
    assert not ws.remember_teacher(t, "wrong") and not ws.is_teacher_browser(t)
    assert ws.remember_teacher(t, "s3cret") and ws.is_teacher_browser(t) and not ws.is_teacher_browser(other)
    room = ws.open_room(make_challenge("fewest_edits", "relu", max_edits=3), t)  # no secret typed again
    assert ws.can_manage(room, t) and not ws.can_manage(room, other)
    with pytest.raises(WorkshopError, match="teacher secret"):
        ws.close_room(room.code, other)
    ws.clock_.now += ws.limits.teacher_hours * 3600 + 1
    assert not ws.is_teacher_browser(t) and not ws.can_manage(room, t)
    assert ws.can_manage(room, other, "s3cret")
    ws.remember_teacher(t, "s3cret")
    ws.secret = "another"  # a new secret: browsers remembered under the old one are teachers no more
    assert not ws.is_teacher_browser(t)


def test_csv_export_is_utf8_and_safe_in_a_spreadsheet(ws):
    import csv
    import io
    ws.limits = Limits()  # room for six participants
    room, teacher = opened(ws)
    nasty = ["=HYPERLINK(\"e.vil\")", "+1", "-2", "@SUM(A1)", "\tTab", "Zoë 🦊"]
    for i, nick in enumerate(nasty):
        ws.clock_.now += 10
        ws.submit(room.code, nick, new_session_token(), f"0.{i + 1}:{i}")
    with pytest.raises(WorkshopError, match="Only the teacher"):
        ws.export_csv(room.code, new_session_token())
    text = ws.export_csv(room.code, teacher)
    rows = list(csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8"))))
    assert rows[0] == ["time", "nickname", "score", "edits", "share code"]
    assert len(rows) == 1 + len(nasty)
    for row, nick, i in zip(rows[1:], nasty, range(len(nasty))):
        clean = workshop.clean_nickname(nick)  # as stored (a tab becomes a space, then trimmed)
        assert row[1] == ("'" + clean if clean[0] in "=+-@" else clean)
        assert float(row[2]) == float(f"0.{i + 1}") and row[3] == str(i) and row[4] == f"0.{i + 1}:{i}"
        assert row[0].endswith("+00:00")
    for row in rows[1:]:
        assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for cell in row)
    assert leaderboard.spreadsheet_safe("\rx") == "'\rx" and leaderboard.spreadsheet_safe("-x") == "'-x"
