"""AppTest: the parameters page shows counts computed from the loaded model's arrays."""

from src.network import Network
from src.weights_file import to_bytes
from tests.pages_helpers import container_text, open_page

PAGE = "pages/4_parameters.py"


def table(at):
    return at.dataframe[0].value


def test_counts_match_the_arrays_of_the_shipped_model(shipped):
    at = open_page(PAGE)
    t = table(at)
    net = shipped["sigmoid"]
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        assert t["weights"][l] == w.size and t["biases"][l] == b.size and t["layer total"][l] == w.size + b.size
        assert t["W shape"][l] == f"{w.shape[0]}x{w.shape[1]}"
    assert list(t["layer total"]) == [12560, 272, 170, 13002]
    assert t["share"][0] == "96.6%"
    assert "12,560 + 272 + 170 = **13,002**" in container_text(at, "params_table")
    assert at.subheader[0].value.startswith("13,002 parameters")


def test_a_model_with_other_layer_sizes(rng):
    net = Network.initialise((784, 30, 20, 10), activation="relu", seed=1)
    at = open_page(PAGE)
    at.file_uploader(key="params_upload").upload("wide.npz", to_bytes(net), "application/octet-stream").run()
    assert not at.exception
    t = table(at)
    expected = [784 * 30 + 30, 30 * 20 + 20, 20 * 10 + 10]
    assert list(t["layer total"]) == expected + [sum(expected)]
    assert list(t["W shape"])[:3] == ["30x784", "20x30", "10x20"]
    assert at.subheader[0].value.startswith(f"{sum(expected):,} parameters in “wide.npz”")


def test_a_model_that_does_not_take_images_is_counted_but_not_run():
    net = Network.initialise((5, 3, 2), seed=0)
    at = open_page(PAGE)
    at.file_uploader(key="params_upload").upload("tiny.npz", to_bytes(net), "application/octet-stream").run()
    assert not at.exception
    assert list(table(at)["layer total"]) == [18, 8, 26]
    assert any("does not take 28x28" in i.value for i in at.info)


def test_bad_upload_says_why_and_keeps_the_model():
    at = open_page(PAGE)
    at.file_uploader(key="params_upload").upload("junk.npz", b"junk", "application/octet-stream").run()
    assert any("could not be read" in e.value for e in at.error)
    assert list(table(at)["layer total"]) == [12560, 272, 170, 13002]


def test_edited_model_is_counted_and_compared(shipped):
    at = open_page(PAGE)
    at.switch_page("pages/2_hand_tune.py").run()
    at.text_input(key="tune_value").set_value("5").run()
    at.button(key="tune_set_w").click().run()
    at.switch_page(PAGE).run()
    assert "hand-edited" in at.subheader[0].value
    assert "Edited vs trained" in at.radio(key="params_compare").options


def test_what_if_calculator():
    at = open_page(PAGE)
    at.text_input(key="whatif_hidden").set_value("100").run()
    assert f"**{784 * 100 + 100 + 100 * 10 + 10:,}**" in container_text(at, "whatif_result")
    at.text_input(key="whatif_hidden").set_value("512, 256, 128").run()
    n = 784 * 512 + 512 + 512 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert f"**{n:,}**" in container_text(at, "whatif_result")
    at.text_input(key="whatif_hidden").set_value("16, banana").run()
    assert any("whole numbers" in e.value for e in at.error)


def test_count_parameters_agrees_with_built_networks():
    from src.network import count_parameters
    for sizes in [(784, 16, 16, 10), (784, 100, 10), (3, 7, 5, 2, 9)]:
        built = Network.initialise(sizes).parameter_counts()
        assert [(r["weights"], r["biases"]) for r in built] == count_parameters(sizes)
