"""The Parameters page's sections: which network (the model in use, or an uploaded file), where its
parameters live, each layer's computation with its real numbers, what the first layers look for, the weights
compared, and a what-if. The computations are ui.parameters', the pictures ui.parameters_pictures'. Each
section below the counts is a fragment: its widgets rerun only that section."""
from __future__ import annotations

import streamlit as st

from . import inputs, state
from . import parameters as params
from . import parameters_pictures as pics
from .text import safe


def header():
    st.title(":material/grid_on: Parameters")
    st.caption("Every weight and bias of the network, counted from the arrays of the model in use, never typed in.")


def which_network(model_name: str):
    """The network shown: the model in use (the session's edited copy when on), or an uploaded file (not in
    presenter view). Returns (net, edited copy or None, uploaded net or None, its words, the file's name or None)."""
    net, edited = state.network(model_name), state.edited_copy(model_name)
    source = params.source_label(model_name, edited=edited is not None and net is edited)
    if state.presenting():
        return net, edited, None, source, None
    with st.expander("Inspect another weights file (any layer sizes)"):
        upload = st.file_uploader("A weights file in this app's .npz format", type=["npz"], key=params.UPLOAD,
                                  max_upload_size=20)
    parsed = params.parsed_upload(upload)
    if parsed is not None and parsed.net is not None:
        return parsed.net, edited, parsed.net, params.source_label(model_name, uploaded=True), upload.name
    if parsed is not None:
        st.error(f"The uploaded file could not be read: {safe(parsed.error, 400)}. Showing {source} instead.",
                 icon=":material/error:")
    return net, edited, None, source, None


def where_they_live(net, source: str, file_name: str | None = None):
    """The count per layer, their sum, and how they divide between the layers."""
    st.subheader(f"{net.num_parameters:,} parameters in {source}")
    if file_name is not None:
        st.text(params.file_name_text(file_name))  # the visitor's text: a plain-text element, never Markdown
    with st.container(key="params_table"):
        params.parameter_table(net)
        st.markdown(params.sum_text(net))
    with st.container(key="params_proportions"):
        st.html(params.proportions_html(net))
    st.caption(params.first_layer_text(net))


# --- each layer's computation, with real numbers --------------------------------------------------------------
@st.fragment
def each_layer(net):
    st.subheader("Each layer, with its real dimensions")
    if net.sizes[0] != inputs.PIXELS:
        st.info(f"This model takes {net.sizes[0]:,} inputs, not a 28x28 image, so it cannot be shown reading one.")
        return
    left, right = st.columns([1.4, 3], gap="large")
    with left:
        x, _, text = inputs.choose_input(params.INPUT)
    fw = net.forward(x)
    with right:
        layers = list(range(1, len(net.weights) + 1))
        params.keep_valid(params.LAYER, layers, 1)
        layer = st.segmented_control("Layer", layers, key=params.LAYER, format_func=lambda l: f"layer {l}",
                                     required=True) or 1
        w, b = net.weight(layer), net.bias(layer)
        a_in, z, a_out = fw.a(layer - 1), fw.z(layer), fw.a(layer)
        f = params.activation_name(net, layer)
        st.markdown(f"**a({layer}) = {f}(W a({layer - 1}) + b)** with **W** "
                    f"{w.shape[0]:,}x{w.shape[1]:,}, **a({layer - 1})** {a_in.size:,}, **b** {b.size:,} → "
                    f"**a({layer})** {a_out.size:,}")
        hover = not state.presenting() and st.toggle("Values on hover", key=params.HOVER,
                                             help="W as an interactive heatmap with its colour bar.")
        with st.container(key="params_w"):
            if hover:
                st.plotly_chart(pics.heat_figure(w, f"W of layer {layer}: rows are neurons, columns inputs"),
                                key="params_w_heat", config={"displayModeBar": False})
            else:
                st.caption(f"W: {w.shape[0]:,} rows (one per neuron) x {w.shape[1]:,} columns (one per input)")
                img, limit = pics.matrix_image(w)
                st.image(img, output_format="PNG")
                st.html(pics.legend_html(limit, "weight"))
            st.caption(f"a({layer - 1}): the {a_in.size:,} inputs, "
                       + ("in the order of W's columns" if hover else "lined up under the columns they multiply"))
            st.image(pics.input_strip(a_in, w), output_format="PNG")
            for note in (pics.shown(w.shape[0], pics.MAX_NEURONS, "neurons"),
                         pics.shown(w.shape[1], pics.MAX_INPUTS, "inputs")):
                if note:
                    st.caption(note)
        with st.container(key="params_vectors"):
            # a line above the table: its toolbar (shown above it on hover or touch) lies over this line's
            # empty right end, not over the input strip's picture
            st.caption(f"b, z and a({layer}), neuron by neuron")
            vectors = params.vector_rows(b, z, a_out)
            st.dataframe(vectors, hide_index=True, width="stretch", height=params.table_height(len(vectors)),
                         column_config={"b": st.column_config.NumberColumn(format="%.3f"),
                                        "z = W·a + b": st.column_config.NumberColumn(format="%.3f"),
                                        "a = f(z)": st.column_config.ProgressColumn(
                                            f"a({layer}) = {f}(z)", format="%.3f", min_value=0.0,
                                            max_value=max(1.0, float(a_out.max(initial=0))))})
            note = pics.shown(b.size, pics.MAX_NEURONS, "neurons")
            if note:
                st.caption(note)
            st.markdown(params.example_text(layer, z, b, a_out, text))


# --- what the first layers look for ---------------------------------------------------------------------------
@st.fragment
def galleries(net):
    if net.sizes[0] != inputs.PIXELS:
        return
    st.subheader("What the first layer looks for")
    st.caption("Each first-layer neuron has one weight per pixel: shown as a 28x28 image, blue positive, red "
               "negative, on one shared scale. The lesson hoped for edges and loops; a trained network's are rarely "
               "that tidy.")
    with st.container(key="params_gallery"):
        img, limit = pics.gallery(net.weight(1))
        st.image(img, output_format="PNG")
        st.html(pics.legend_html(limit, "weight"))
        note = pics.shown(net.sizes[1], pics.MAX_NEURONS, "first-layer neurons")
        if note:
            st.caption(note)
    if len(net.weights) > 1 and st.toggle("Show the second layer, projected back to pixels",
                                          key=params.SHOW_PROJECTION):
        st.markdown("Each second-layer neuron's weights applied to the first layer's weight images, W(2) W(1), "
                    "one 28x28 image per neuron. It ignores the first layer's activation, so read it as a rough "
                    "sketch of what the neuron likes.")
        with st.container(key="params_projection"):
            img, limit = pics.gallery(pics.projection(net))
            st.image(img, output_format="PNG")
            st.html(pics.legend_html(limit, "W(2) W(1)"))
            note = pics.shown(net.sizes[2], pics.MAX_NEURONS, "second-layer neurons")
            if note:
                st.caption(note)


# --- the weights compared ---------------------------------------------------------------------------------------
@st.fragment
def compared(model_name: str, edited, uploaded):
    st.subheader("Weights and biases compared")
    if not st.toggle("Show histograms and statistics", key=params.SHOW_COMPARE):
        return
    choices = params.compare_choices(model_name, edited, uploaded)
    if len(choices) > 1:
        params.keep_valid(params.COMPARE, list(choices), next(iter(choices)))
        which = st.radio("Compare", list(choices), horizontal=True, key=params.COMPARE)
    else:
        which = next(iter(choices))
        st.caption(f"Comparing {which}.")
    models = choices[which]
    layers = params.compared_layers(models)
    params.keep_valid(params.COMPARE_LAYER, layers, 1)
    layer = st.segmented_control("Layer", layers, key=params.COMPARE_LAYER, format_func=lambda l: f"layer {l}",
                                 required=True) or 1
    st.plotly_chart(pics.histograms_figure(models, layer), key="params_hist", config={"displayModeBar": False})
    st.dataframe(pics.summary_rows(models, layer), hide_index=True, width="stretch")
    diff = pics.difference(models, layer)
    if diff is not None and which != "Sigmoid vs ReLU":
        with st.container(key="params_diff"):
            st.caption(f"W difference, {' minus '.join(models)}: {int((diff != 0).sum()):,} of {diff.size:,} "
                       "entries differ")
            img, limit = pics.matrix_image(diff)
            st.image(img, output_format="PNG")
            st.html(pics.legend_html(limit, "difference"))


# --- what if: other sizes (not in presenter view) ------------------------------------------------------------
def what_if(net, source):
    """The parameter count with other hidden sizes (not in presenter view)."""
    if not state.presenting():
        _what_if(net, source)


@st.fragment
def _what_if(net, source):
    st.subheader("What if: other sizes")
    w1, w2 = st.columns([1, 2], gap="large")
    with w1:
        hidden = params.parse_hidden(st.text_input("Hidden layer sizes, comma separated", key=params.WHATIF,
                                                   help="For example 16, 16 (the lesson's), 100, or 512, 256, 128"))
        if hidden is None:
            st.error("Give up to 20 whole numbers from 1 to 100,000, separated by commas.")
    with w2:
        if hidden is not None:
            with st.container(key="whatif_result"):
                st.markdown(params.whatif_text(hidden, net, source))

