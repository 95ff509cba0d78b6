"""Draw & classify: draw a digit and watch it flow through the network."""
import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from src.network import close_call
from src.preprocess import preprocess
from ui import data, figures, session
from ui.sidebar import page_config, sidebar

page_config("Draw & classify", "✏️")
model_name = sidebar()
net = session.network(model_name)
tests = data.test_set()

st.title(":material/draw: Draw & classify")
st.caption("Draw a digit; the network answers after every stroke. Or feed it a real MNIST test digit, "
           "a blank image, or random noise.")

SOURCES = {"canvas": ":material/draw: My drawing", "test": ":material/image: MNIST test image",
           "blank": ":material/check_box_outline_blank: Blank", "noise": ":material/grain: Noise"}
st.session_state.setdefault("draw_source", "canvas")
st.session_state.setdefault("draw_test_index", 0)
st.session_state.setdefault("draw_noise_seed", 0)


def use_drawing():
    st.session_state.draw_source = "canvas"


def pick_random_test_image():
    st.session_state.draw_source = "test"
    st.session_state.draw_test_index = int(np.random.default_rng().integers(0, len(tests.labels)))


def pick_next_mistake():
    st.session_state.draw_source = "test"
    wrong = np.flatnonzero(data.test_predictions(model_name) != tests.labels)
    later = wrong[wrong > st.session_state.draw_test_index]
    st.session_state.draw_test_index = int(later[0] if later.size else wrong[0])


def new_noise():
    st.session_state.draw_source = "noise"
    st.session_state.draw_noise_seed += 1


@st.fragment
def live():
    """Canvas, input, prediction and the network: the part that reruns on every stroke."""
    source = st.segmented_control("Input", list(SOURCES), format_func=SOURCES.get, key="draw_source",
                                  required=True) or "canvas"
    left, middle, right = st.columns([340, 400, 320], gap="medium")
    with left:
        stroke = st.slider("Pen width", 6, 40, 20, key="draw_stroke")
        canvas = st_canvas(stroke_width=stroke, stroke_color="#FFFFFF", background_color="#000000",
                           height=280, width=280, drawing_mode="freedraw", return_image_data=True,
                           key="draw_canvas", on_change=use_drawing)
        st.caption("Undo, redo and clear are in the canvas's toolbar.")
        centre = st.toggle("Pre-process like MNIST", value=True, key="draw_centre",
                           help="Crop to the ink, scale it to fit 20x20, centre its mass in 28x28. "
                                "Turn it off and draw a small digit in a corner to see why it is there.")

    with middle:
        label, steps = None, None
        if source == "canvas":
            image = canvas.image_data  # decoded from PNG on every access: read it once
            steps = preprocess(image if image is not None else np.zeros((280, 280)), centre=centre)
            x = steps.digit
            if steps.readable:
                st.session_state["last_drawing"] = x  # the hand-tune page can test edits on it
            figures_row = [(figures.box_overlay(steps.ink, steps.box), "your drawing, ink box in blue")]
            if centre and steps.fitted is not None:
                frame = np.zeros((20, 20), np.float32)  # show the fitted ink inside its 20x20 box
                fh, fw = steps.fitted.shape
                frame[(20 - fh) // 2:(20 - fh) // 2 + fh, (20 - fw) // 2:(20 - fw) // 2 + fw] = steps.fitted
                figures_row.append((figures.gray_image(frame, 140), "scaled to fit 20x20"))
            figures_row.append((figures.gray_image(x, 140), "28x28: what the network reads"))
            for col, (img, caption) in zip(st.columns(len(figures_row)), figures_row):
                col.image(img, caption=caption, width="stretch")
        elif source == "test" and tests is None:
            st.info("The MNIST test images are not available here; draw instead.")
            x = np.zeros((28, 28), np.float32)
        elif source == "test":
            b1, b2 = st.columns(2)
            b1.button(":material/casino: Random", on_click=pick_random_test_image, width="stretch", key="draw_random")
            b2.button(":material/skip_next: Next mistake", on_click=pick_next_mistake, width="stretch", key="draw_mistake",
                      help=f"The next test image the {data.MODEL_LABELS[model_name]} model gets wrong")
            index = st.number_input("Test image #", 0, len(tests.labels) - 1, key="draw_test_index")
            x = tests.x[index].reshape(28, 28)
            label = int(tests.labels[index])
            st.image(figures.gray_image(x, 196), caption=f"test image #{index}: labelled {label}")
        elif source == "blank":
            x = np.zeros((28, 28), np.float32)
            st.image(figures.gray_image(x, 196), caption="all 784 inputs at 0")
        else:
            st.button(":material/casino: New noise", on_click=new_noise, key="draw_new_noise")
            x = np.random.default_rng(st.session_state.draw_noise_seed).random((28, 28)).astype(np.float32)
            st.image(figures.gray_image(x, 196), caption="every pixel random in [0, 1]")

    forward = net.forward(x.reshape(784))
    output = forward.output
    answer = int(np.argmax(output))
    with right:
        with st.container(key="prediction", border=True):
            if steps is not None and steps.status == "blank":
                st.markdown("### Draw a digit")
                st.caption("The canvas is empty: draw one with the mouse, a pen or a finger.")
            elif steps is not None and steps.status == "dot":
                st.markdown("### Draw a digit")
                st.caption("That is a dot, not a digit: draw a whole digit, as large as you like.")
            else:
                st.markdown(f"<div style='font-size:4.5rem;font-weight:700;line-height:1'>{answer}</div>",
                            unsafe_allow_html=True)
                st.markdown(f"the network's answer · output activation **{output[answer]:.2f}**")
                pair = close_call(output)
                if pair:
                    st.warning(f"A close call: **{pair[0]} or {pair[1]}?**", icon=":material/help:")
                if label is not None:
                    st.markdown(":green[right: the label is **%d**]" % label if label == answer else f":red[wrong: the label is **{label}**]")
                if source in ("blank", "noise"):
                    st.caption("There is no digit here, yet the network must answer something: "
                               "it knows only ten possible answers.")
        if steps is None or steps.readable:
            st.plotly_chart(figures.output_bars(output), key="draw_outputs", config={"displayModeBar": False})

    st.subheader("Inside the network")
    layer_names = {1: "hidden layer 1", 2: "hidden layer 2", 3: "output layer"}
    c1, c2 = st.columns(2)
    layer = c1.selectbox("Look at a neuron in", list(layer_names), format_func=layer_names.get, key="draw_layer")
    neuron = c2.selectbox("Neuron", range(net.sizes[layer]), key="draw_neuron")
    st.image(figures.network_svg(net, forward, chosen=(layer, neuron)), width="stretch")
    show_neuron(layer, neuron, forward)


def show_neuron(layer, neuron, forward):
    """The chosen neuron's incoming weights, and what they do with this input."""
    w = net.weights[layer - 1][neuron]
    b = float(net.biases[layer - 1][neuron])
    a_in = forward.activations[layer - 1]
    z = float(forward.zs[layer - 1][neuron])
    st.markdown(f"**Layer {layer}, neuron {neuron}**: weighted sum z = Σ w·a + b = "
                f"{z - b:.2f} + ({b:.2f}) = **{z:.2f}**, activation a = **{forward.activations[layer][neuron]:.3f}**")
    if layer == 1:
        limit = float(np.max(np.abs(w)))
        product = w * a_in
        c1, c2, c3 = st.columns(3)
        c1.image(figures.signed_image(w.reshape(28, 28), limit, 196), caption="its 784 weights (blue +, red −)")
        c2.image(figures.gray_image(a_in.reshape(28, 28), 196), caption="this input")
        c3.image(figures.signed_image(product.reshape(28, 28), None, 196),
                 caption=f"weights × input: sums to {product.sum():.2f}")
    else:
        st.plotly_chart(figures.weight_bars(w, title=f"its {len(w)} incoming weights"),
                        key="draw_neuron_bars", config={"displayModeBar": False})


live()
