"""Small words that depend on a number."""
import numpy as np
import pytest

from src.words import a, plural
from ui.inputs import TEST, make_input


@pytest.mark.parametrize("n, said", [(8, "an 8"), (7, "a 7"), (0, "a 0"), (1, "a 1"), (11, "an 11"), (18, "an 18"),
                                     (80, "an 80"), (12, "a 12"), (11_000, "an 11000"), (110, "a 110")])
def test_the_article_follows_how_the_number_is_said(n, said):
    assert a(n) == said


def test_plural():
    assert plural(1, "participant") == "1 participant" and plural(2, "participant") == "2 participants"
    assert plural(3, "try", "tries") == "3 tries" and plural(1_000, "neuron") == "1,000 neurons"


def test_a_test_image_of_an_eight_is_an_8():
    class Tests:
        x = np.zeros((2, 784), np.float32)
        labels = np.array([8, 7])
    assert make_input(TEST, Tests, 0)[2] == "test image #0 (an 8)"
    assert make_input(TEST, Tests, 1)[2] == "test image #1 (a 7)"
