"""Parameters: where the 13,002 weights and biases live, layer by layer."""
import numpy as np
import streamlit as st

from src.network import count_parameters
from src.weights_file import WeightsFileError, load
from ui import data, inputs, session
from ui import parameters as params
from ui.sidebar import page_config, sidebar

page_config("Parameters", "🔢")
model_name = sidebar()

st.title(":material/grid_on: Parameters")
st.caption("Every weight and bias of the network, counted from the arrays of the model in use, never typed in.")

with st.expander("Inspect another weights file (any layer sizes)"):
    upload = st.file_uploader("A weights file in this app's .npz format", type=["npz"], key="params_upload",
                              max_upload_size=20)
net, source = session.network(model_name), f"the {data.MODEL_LABELS[model_name]} model"
if session.edited_copy(model_name) is net:
    source = f"your hand-edited {data.MODEL_LABELS[model_name]} model"
if upload is not None:
    try:
        net, source = load(upload), f"“{upload.name}”"
    except WeightsFileError as e:
        st.error(f"“{upload.name}” could not be read: {e}. Showing {source} instead.")

# --- where they live -----------------------------------------------------------------------------------------
rows = net.parameter_counts()
total = net.num_parameters
st.subheader(f"{total:,} parameters in {source}")
with st.container(key="params_table"):
    st.dataframe(
        [{"layer": str(r["layer"]), "from → to": f"{net.sizes[r['layer'] - 1]} → {net.sizes[r['layer']]}",
          "W shape": f"{r['shape'][0]}x{r['shape'][1]}", "weights": r["weights"], "biases": r["biases"],
          "layer total": r["total"], "share": f"{r['total'] / total:.1%}"} for r in rows]
        + [{"layer": "all", "from → to": " → ".join(map(str, net.sizes)), "W shape": "", "weights": sum(r["weights"] for r in rows),
            "biases": sum(r["biases"] for r in rows), "layer total": total, "share": "100.0%"}],
        hide_index=True, width="stretch")
    st.markdown(" + ".join(f"{r['total']:,}" for r in rows) + f" = **{total:,}**")
st.plotly_chart(params.proportions_figure(rows), key="params_proportions", config={"displayModeBar": False})
st.caption(f"The first layer holds {rows[0]['total'] / total:.1%} of all parameters: one weight from every pixel "
           "to every first-layer neuron.")

# --- the layer computation with real numbers ------------------------------------------------------------------------
st.subheader("Each layer, with its real dimensions")
act = "σ" if net.activation == "sigmoid" else "ReLU"
if net.sizes[0] != 784:
    st.info("This model does not take 28x28 images, so it cannot be shown reading one.")
else:
    left, right = st.columns([1, 4], gap="large")
    with left:
        x, label, text = inputs.choose_input("params")
    fw = net.forward(x)
    with right:
        layer = st.segmented_control("Layer", list(range(1, len(net.weights) + 1)), default=1, key="params_layer",
                                     format_func=lambda l: f"layer {l}", required=True) or 1
        w, b = net.weights[layer - 1], net.biases[layer - 1]
        a_in, z, a_out = fw.activations[layer - 1], fw.zs[layer - 1], fw.activations[layer]
        f = "softmax" if layer == len(net.weights) and net.output == "softmax" else act
        st.markdown(f"$a^{{({layer})}} = \\mathrm{{{f}}}(W a^{{({layer - 1})}} + b)$ with **W** {w.shape[0]}x{w.shape[1]}, "
                    f"**a({layer - 1})** {a_in.size}, **b** {b.size} → **a({layer})** {a_out.size}")
        st.plotly_chart(params.heat(w, f"W: {w.shape[0]} rows (neurons) x {w.shape[1]} columns (inputs)",
                                    height=max(120, 12 * w.shape[0] + 40)), key="params_w")
        st.plotly_chart(params.heat(a_in[None, :], f"a({layer - 1}): the {a_in.size} inputs, lined up under "
                                                   "the columns they multiply", height=70, signed=False,
                                    zmax=max(1.0, float(a_in.max()))), key="params_a_in")
        v1, v2, v3 = st.columns(3)
        v1.plotly_chart(params.heat(b[:, None], "b", height=12 * b.size + 40), key="params_b")
        v2.plotly_chart(params.heat(z[:, None], "z = W a + b", height=12 * b.size + 40), key="params_z")
        v3.plotly_chart(params.heat(a_out[:, None], f"a({layer}) = {f}(z)", height=12 * b.size + 40, signed=False,
                                    zmax=max(1.0, float(a_out.max()))), key="params_a_out")
        j = int(np.argmax(a_out))
        st.markdown(f"For example neuron {j}: z = Σₖ W[{j},k]·a({layer - 1})ₖ + b[{j}] = "
                    f"{float(z[j] - b[j]):.3f} + ({float(b[j]):.3f}) = **{float(z[j]):.3f}**, "
                    f"and a({layer})[{j}] = **{float(a_out[j]):.3f}**. Input: {text}.")

# --- comparisons ------------------------------------------------------------------------------------------------------
st.subheader("Weights and biases compared")
choices = {"Sigmoid vs ReLU": {"Sigmoid": data.shipped("sigmoid"), "ReLU": data.shipped("relu")}}
edited = session.edited_copy(model_name)
if edited is not None:
    choices["Edited vs trained"] = {"edited": edited, "trained": data.shipped(model_name)}
if upload is not None and net is not session.network(model_name) and net.sizes == data.shipped(model_name).sizes:
    choices["Uploaded file vs trained"] = {"uploaded": net, "trained": data.shipped(model_name)}
which = st.radio("Compare", list(choices), horizontal=True, key="params_compare")
models = choices[which]
tabs = st.tabs([f"layer {l}" for l in range(1, 4)])
for l, tab in enumerate(tabs, start=1):
    with tab:
        st.plotly_chart(params.histograms_figure(models, l), key=f"params_hist_{l}", config={"displayModeBar": False})
        st.dataframe(params.summary_rows(models, l), hide_index=True, width="stretch")
        a, b_ = list(models.values())
        if which != "Sigmoid vs ReLU":
            diff = a.weights[l - 1] - b_.weights[l - 1]
            st.plotly_chart(params.heat(diff, f"W difference ({int(np.count_nonzero(diff)):,} entries differ)"),
                            key=f"params_diff_{l}")

# --- galleries ----------------------------------------------------------------------------------------------------------
if net.sizes[0] == 784:
    st.subheader("What the first layer looks for")
    st.caption("Each of the first hidden layer's neurons has one weight per pixel: shown as a 28x28 image, blue "
               "positive, red negative, on one shared scale. The lesson hoped for edges and loops; a trained "
               "network's are rarely that tidy.")
    st.image(params.gallery(net.weights[0], per_row=8))
    if len(net.weights) > 2:
        st.markdown("**The second layer, projected back to pixels**: each second-layer neuron's weights applied to "
                    "the first layer's weight images, W(2) W(1), one 28x28 image per neuron. It ignores the "
                    "first layer's activation, so read it as a rough sketch of what the neuron likes.")
        st.image(params.gallery(net.weights[1] @ net.weights[0], per_row=8))

# --- what if ----------------------------------------------------------------------------------------------------------
st.subheader("What if: other sizes")
w1, w2 = st.columns([1, 2], gap="large")
with w1:
    hidden_text = st.text_input("Hidden layer sizes, comma separated", "16, 16", key="whatif_hidden",
                                help="For example 16, 16 (the lesson's), 100, or 512, 256, 128")
    try:
        hidden = [int(s) for s in hidden_text.replace(" ", "").split(",") if s]
        if not all(1 <= h <= 100_000 for h in hidden) or len(hidden) > 20:
            raise ValueError
    except ValueError:
        st.error("Give up to 20 whole numbers from 1 to 100,000, separated by commas.")
        hidden = None
with w2:
    if hidden is not None:
        sizes = [784, *hidden, 10]
        counts = count_parameters(sizes)
        n = sum(w + b for w, b in counts)
        with st.container(key="whatif_result"):
            st.markdown(f"**{' → '.join(map(str, sizes))}** has **{n:,}** parameters "
                        f"({n / 13002:.2f}x the lesson's 13,002): "
                        + " + ".join(f"({sizes[i]}x{sizes[i + 1]} + {b})" for i, (w, b) in enumerate(counts)))
