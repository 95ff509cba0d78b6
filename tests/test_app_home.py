"""AppTest: the home page loads both models and shows their measured accuracy."""
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def test_home_shows_both_models_accuracy(mnist_test, shipped):
    from src.train import pixels
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    x, labels = pixels(mnist_test[0]), mnist_test[1]
    for name, label in (("sigmoid", "Sigmoid accuracy"), ("relu", "ReLU accuracy")):
        expected = f"{shipped[name].accuracy(x, labels):.2%}"
        assert any(k == label and v == expected for k, v in metrics.items()), (metrics, expected)
