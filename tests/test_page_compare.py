"""AppTest drives the sigmoid-vs-ReLU page: switch input, run a small race, check the numbers shown."""
import re

import numpy as np

from src.stats import hidden_summary
from src.train import pixels
from tests.pages_helpers import container_text, open_page

PAGE = "pages/3_sigmoid_vs_relu.py"


def answer(at, name):
    return int(re.search(r"answers \*\*(\d)\*\*", container_text(at, f"cmp_answer_{name}")).group(1))


def test_both_models_answer_the_same_input(mnist_test, shipped):
    images, _ = mnist_test
    at = open_page(PAGE)
    at.number_input(key="cmp_index").set_value(8).run()
    for name in ("sigmoid", "relu"):
        assert answer(at, name) == int(shipped[name].predict(pixels(images[8:9]))[0])
    at.button_group(key="cmp_source").set_value("blank").run()
    assert not at.exception
    for name in ("sigmoid", "relu"):
        assert answer(at, name) == int(shipped[name].predict(np.zeros(784, np.float32)))


def test_small_race_finishes_with_both_curves():
    at = open_page(PAGE)
    at.select_slider(key="race_images").set_value(1000)
    at.slider(key="race_epochs").set_value(1)
    at.button(key="race_start").click().run(timeout=120)
    assert not at.exception
    result = at.session_state["race_result"]
    assert result["done"] == 1.0
    for name in ("sigmoid", "relu"):
        acc = result["acc"][name]
        assert len(acc) == 26 and acc[-1] > acc[0]
    assert "Race finished" in container_text(at, "race_finished")


def test_inside_table_matches_direct_computation(mnist_test, shipped):
    at = open_page(PAGE)
    table = at.dataframe[1].value  # after the table of worked values
    x = pixels(mnist_test[0])
    s = hidden_summary(shipped["sigmoid"], x)
    r = hidden_summary(shipped["relu"], x)
    for l in (0, 1):
        assert table["sigmoid saturated"][l] == f"{s[l]['saturated']:.1%}"
        assert table["ReLU off (a = 0)"][l] == f"{r[l]['off']:.1%}"


def test_disagreements_are_counted(mnist_test, shipped):
    x = pixels(mnist_test[0])
    n = int(np.sum(shipped["sigmoid"].predict(x) != shipped["relu"].predict(x)))
    at = open_page(PAGE)
    assert f"They disagree on **{n}** of 10,000" in container_text(at, "cmp_disagree")


def test_worked_values():
    at = open_page(PAGE)
    values = at.dataframe[0].value
    assert list(values["z"]) == [-1000, -10, 0, 10, 1000]
    np.testing.assert_allclose(values["σ(z)"], [0.0, 1 / (1 + np.exp(10)), 0.5, 1 / (1 + np.exp(-10)), 1.0], rtol=1e-9)
    assert list(values["ReLU(z)"]) == [0, 0, 0, 10, 1000]
    assert values["σ(z)"][0] == 0.0 and values["σ(z)"][4] == 1.0
