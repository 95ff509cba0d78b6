"""Home: what the network is, a picture of it, and the way into each page."""
import numpy as np
import streamlit as st

from ui import data, figures, parameters, state
from ui.registry import HOME, PAGES
from ui.share import share_panel
from ui.sidebar import page_config, sidebar

page_config("Home")
model_name = sidebar()
net = state.network(model_name)
tests = data.test_set()
sizes = net.sizes

presenting = state.presenting()
title, share = st.columns([3, 2] if presenting else [5, 1], vertical_alignment="center" if presenting else "bottom")
title.title("The plain vanilla neural network")
if presenting:  # projected: the way in, big, for the room to scan
    with share.container(key="home_share"):
        share_panel(size=360)
else:
    with share.popover("Share this app", icon=":material/qr_code_2:", width="stretch"):
        share_panel(title="")
st.markdown(
    "This is the network of 3Blue1Brown's *But what is a neural network?*, trained and opened up. "
    f"A 28x28 image of a handwritten digit becomes **{sizes[0]}** input neurons, one per pixel, each holding a "
    f"brightness from 0 to 1. Hidden layers of **{' and '.join(map(str, sizes[1:-1]))}** neurons and an output "
    f"layer of **{sizes[-1]}**, one per digit, follow. Every neuron computes a weighted sum of the layer before "
    "it plus a bias, and squashes it: `a' = σ(W a + b)`. Learning means finding the "
    f"**{net.num_parameters:,}** weights and biases that make the right output neuron light up."
)

left, right = st.columns([3, 2], gap="large")
with left:
    x = tests.x[0] if tests is not None else np.zeros(784, np.float32)
    forward = net.forward(x)
    st.image(figures.network_svg(net, forward), width="stretch",
             caption=f"The {data.MODEL_LABELS[model_name]} model reading "
                     + (f"the first MNIST test image (it answers {int(np.argmax(forward.output))}). "
                        if tests is not None else "a blank image. ")
                     + "Blue connections are positive weights, red negative; a neuron's brightness is its activation.")
with right:
    st.markdown("**Where the parameters live**")
    parameters.parameter_table(net, columns=parameters.HOME_COLUMNS)
    cols = st.columns(2)
    for col, name in zip(cols, data.MODEL_LABELS):
        acc = data.test_accuracy(name)
        col.metric(f"{data.MODEL_LABELS[name]} accuracy",
                   f"{acc:.2%}" if acc is not None else "n/a",
                   help=f"Measured on the 10,000 MNIST test images. {data.shipped(name).num_parameters:,} "
                        f"parameters, layers {data.shipped(name).sizes}.")

st.subheader("Explore")
cards = [p for p in PAGES if p is not HOME]
for row in range(0, len(cards), 3):
    for col, page in zip(st.columns(3), cards[row:row + 3]):
        with col.container(border=True, height="stretch", key=f"home_card_{page.url_path}"):
            st.page_link(page.path, label=f"**{page.label}**", icon=page.icon)
            st.caption(page.blurb)
