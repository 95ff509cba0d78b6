"""Draw & classify: draw a digit and watch it flow through the network, live, as the pen moves."""
import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from src.network import SIDE
from ui import data, draw, draw_canvas, figures, state
from ui.sidebar import page_config, sidebar

page_config("Draw & classify", "✏️")
model_name = sidebar()
draw.init()
tests = data.test_set()
presenting = state.presenting()

st.html(draw.PAGE_CSS)
st.title(":material/draw: Draw & classify")
if not presenting:
    st.caption("Draw a digit; the network answers as you draw. Or feed it "
               + ("an MNIST test digit, " if tests is not None else "") + "a blank image, or random noise.")


@st.fragment
def live():
    """Everything a stroke changes: the input, the answer, the picture of the network. One rerun per stroke."""
    net = state.network(model_name)
    draw.settle_source(tests)
    source = st.segmented_control("Input", draw.sources(tests), format_func=draw.SOURCES.get, key=draw.SOURCE,
                                  required=True, persist_state="session", label_visibility="collapsed")
    if tests is None and not presenting:
        st.caption("The MNIST test images are not available here (see the note above), so the page offers "
                   "drawing, a blank image and noise.")

    if source == "instant":
        x = draw.instant_drawing(net, presenting)  # the surface, the answer, the outputs and the picture, live
        forward = net.forward(x.reshape(-1))
        if not presenting:
            st.toggle("Pre-process like MNIST", key=draw.CENTRE, persist_state="session",
                      help="Crop to the ink, scale it to fit 20x20, centre its mass in 28x28. Turn it off "
                           "and draw a small digit in a corner to see why it is there.")
    else:
        forward = server_input(net, source)

    if source != "instant":  # the instant surface has the picture of the network in it
        st.subheader("Inside the network")
    layer, neuron = draw.settle_neuron(net)
    names = draw.layer_names(net)
    if not presenting:
        c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
        layer = c1.selectbox("Look at a neuron in", list(names), format_func=names.get, key=draw.LAYER,
                             persist_state="session")
        neuron = c2.selectbox("Neuron", range(net.sizes[layer]), key=draw.NEURON, persist_state="session")
        c3.toggle("Show its weights", key=draw.DETAILS,
                  help="The chosen neuron's incoming weights, and what they do with this input.")
    if source != "instant":
        st.caption("Click a neuron in the picture to look at it.")
        draw.network_picture(figures.network_svg(net, forward, chosen=(layer, neuron)))
        weighted, b, z, a = draw.neuron_sum(net, forward, layer, neuron)
        st.markdown(f"**{names[layer].capitalize()}, neuron {neuron}**: weighted sum z = Σ w·a + b = "
                    f"{weighted:.2f} + ({b:.2f}) = **{z:.2f}**, activation a = **{a:.3f}**")
    if st.session_state[draw.DETAILS] and not presenting:
        show_weights(net, forward, layer, neuron)


def server_input(net, source):
    """The inputs the server answers: the classic canvas (one rerun per stroke), a test image, blank or noise.
    Shows the input, the answer and the pre-processing steps; returns the forward pass."""
    input_col, answer_col, steps_col = st.columns([330, 330, 340], gap="medium")
    steps, label = None, None
    with input_col:
        if source == "canvas":
            result = st_canvas(stroke_width=st.session_state[draw.PEN], stroke_color="#FFFFFF",
                               background_color="#000000", height=draw_canvas.CANVAS_SIDE, width=draw_canvas.CANVAS_SIDE,
                               drawing_mode="freedraw", return_image_data=True,
                               initial_drawing=draw_canvas.canvas_initial(), key=draw.CANVAS)
            draw_canvas.hide_toolbar()
            steps = draw_canvas.read_drawing(result)
            x = steps.digit
            with st.container(horizontal=True, key="draw_canvas_tools"):
                st.button(":material/undo: Undo", on_click=draw_canvas.undo, key="draw_undo",
                          disabled=not st.session_state[draw.HISTORY])
                st.button(":material/delete: Clear", on_click=draw_canvas.clear, key="draw_clear",
                          disabled=not st.session_state[draw.HISTORY])
                if not presenting:
                    with st.popover(":material/stylus: Pen", key="draw_pen_popover"):
                        st.slider("Pen width (px)", *draw.PEN_RANGE, key=draw.PEN, persist_state="session")
        elif source == "test":
            with st.container(horizontal=True):
                st.button(":material/casino: Random", on_click=draw.pick_random_test_image, key="draw_random")
                st.button(":material/skip_next: Next mistake", on_click=draw.pick_next_mistake, key="draw_mistake",
                          help="The next test image that the network in use (see the sidebar) gets wrong")
            index = st.number_input("Test image #", 0, len(tests.labels) - 1, key=draw.TEST_INDEX,
                                    persist_state="session")
            x = tests.x[index].reshape(SIDE, SIDE)
            label = int(tests.labels[index])
            st.image(figures.gray_image(x, 196), caption=f"test image #{index}, labelled {label}")
        elif source == "blank":
            x = np.zeros((SIDE, SIDE), np.float32)
            st.image(figures.gray_image(x, 196), caption="all 784 inputs at 0")
        else:
            st.button(":material/casino: New noise", on_click=draw.new_noise, key="draw_new_noise")
            x = draw.noise_image(st.session_state[draw.NOISE_SEED])
            st.image(figures.gray_image(x, 196), caption="every pixel random in [0, 1]")

    forward = net.forward(x.reshape(-1))
    answer, caption, pair, verdict = draw.answer_lines(forward.output, steps, source, label)
    with answer_col:
        with st.container(key="prediction", border=True, horizontal=True, vertical_alignment="center"):
            if answer is None:
                st.markdown("### Draw a digit", width="content")
            else:
                st.markdown(f"<div style='font-size:4rem;font-weight:700;line-height:1'>{answer}</div>",
                            unsafe_allow_html=True, width="content")
            with st.container(gap="small"):
                st.caption(caption)
                if pair:
                    st.warning(f"A close call: **{pair[0]} or {pair[1]}?**", icon=":material/help:")
                if verdict:
                    st.markdown(verdict)
        if answer is not None:
            st.image(figures.output_bars_svg(forward.output), width="stretch")
            st.caption(draw.one_function(net))

    if steps is not None:
        with steps_col:
            if steps.status != "blank":
                st.markdown("**What the network reads**")
                row = [(figures.box_overlay(steps.ink, steps.box), "your drawing, ink box in blue")]
                if steps.fitted is not None:
                    row.append((figures.gray_image(draw_canvas.fitted_frame(steps.fitted), 140), "scaled to fit 20x20"))
                row.append((figures.gray_image(x, 140), "28x28: the 784 inputs"))
                with st.container(horizontal=True, gap="small"):  # one row, on a phone too
                    for img, text in row:
                        st.image(img, caption=text, width=96)
            if not presenting:
                st.toggle("Pre-process like MNIST", key=draw.CENTRE, persist_state="session",
                          help="Crop to the ink, scale it to fit 20x20, centre its mass in 28x28. Turn it off "
                               "and draw a small digit in a corner to see why it is there.")

    return forward


def show_weights(net, forward, layer, neuron):
    """The chosen neuron's incoming weights, and what they do with this input."""
    w = net.weight(layer)[neuron]
    a_in = forward.a(layer - 1)
    side = int(round(np.sqrt(w.size)))
    if layer == 1 and side * side == w.size:
        product = w * a_in
        c1, c2, c3 = st.columns(3)
        c1.image(figures.signed_image(w.reshape(side, side), None, 196), caption=f"its {w.size} weights (blue +, red −)")
        c2.image(figures.gray_image(a_in.reshape(side, side), 196), caption="this input")
        c3.image(figures.signed_image(product.reshape(side, side), None, 196),
                 caption=f"weights × input: sums to {product.sum():.2f}")
    else:
        st.image(figures.weight_bars_svg(w), width=520,
                 caption=f"its {len(w)} incoming weights, from the neurons of layer {layer - 1} (blue +, red −)")


live()
