"""Home: what the network is, and the way into each page."""
import streamlit as st

from ui import data
from ui.sidebar import page_config, sidebar

page_config("Home")
model = sidebar()

st.title("The plain vanilla neural network")
st.markdown(
    "The network of 3Blue1Brown's *But what is a neural network?*: **784** input neurons for a 28x28 digit, "
    "two hidden layers of **16**, **10** outputs, and **13,002** weights and biases. Each layer computes "
    "`a' = σ(W a + b)`."
)
cols = st.columns(2)
for col, name in zip(cols, data.MODEL_LABELS):
    net = data.shipped(name)
    acc = data.test_accuracy(name)
    col.metric(f"{data.MODEL_LABELS[name]} model, test accuracy",
               f"{acc:.2%}" if acc is not None else "n/a",
               help=f"{net.num_parameters:,} parameters, layers {net.sizes}")
