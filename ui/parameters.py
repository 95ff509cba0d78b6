"""The Parameters page's state and computations: which network is shown (the model in use or an uploaded file),
where its weights and biases live, each layer's computation with its real numbers, which models can be
compared, and a what-if. The pictures are ui.parameters_pictures', the page's sections ui.parameters_sections'.

Everything is counted from the arrays (``net.sizes``, ``len(net.weights)``), so any legal weights file works.

An upload is parsed once (ui.uploads): the parsed network is kept in the session under the SHA-256 of the file's
bytes, and later reruns (any widget) reuse it instead of reading the file again.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from src.network import Network, count_parameters

from . import data, state, theme, uploads
from .parameters_pictures import MAX_NEURONS
from .text import clean

# --- this page's session keys, with their defaults --------------------------------------------------------
UPLOAD = "params_upload"            # the file uploader (a weights file to inspect instead of the model in use)
PARSED = "params_parsed"            # the last upload, parsed once: {SHA-256: ui.uploads.Parsed}
LAYER = "params_layer"              # the layer shown in "each layer, with its real dimensions"
INPUT = "params"                    # prefix of the input chooser's keys (ui.inputs)
HOVER = "params_hover"              # W as an interactive heatmap (colour bar, values on hover) instead of an image
SHOW_PROJECTION = "params_show_projection"  # the second layer projected back to pixels
SHOW_COMPARE = "params_show_compare"        # the histograms and statistics section
COMPARE = "params_compare"          # which pair of models to compare
COMPARE_LAYER = "params_compare_layer"
WHATIF = "params_whatif"            # hidden layer sizes typed into the what-if calculator

DEFAULTS = {PARSED: {}, LAYER: 1, HOVER: False, SHOW_PROJECTION: False, SHOW_COMPARE: False,
            COMPARE_LAYER: 1}


def init(model_name: str):
    """Every key of this page gets its default; the what-if starts from the hidden sizes of the trained model."""
    state.init_defaults(DEFAULTS)
    st.session_state.setdefault(WHATIF, ", ".join(map(str, data.shipped(model_name).sizes[1:-1])))


# --- the network shown: the model in use, or an uploaded file (parsed once) ---------------------------------
def parsed_upload(upload) -> uploads.Parsed | None:
    """The uploaded file parsed, once per file (ui.uploads): only the last upload is kept, so a session holds
    at most one uploaded network, and removing the file frees it."""
    return uploads.parsed(upload, PARSED, keep=1)


def source_label(model_name: str, uploaded: bool = False, edited: bool = False) -> str:
    """Markdown naming the network shown. Never the uploaded file's name: that is the visitor's text, and even
    escaped, Markdown turns a bare https://… or name@host in it into a live link (GFM autolinks); the page shows
    the name with ``file_name_text`` in a plain-text element instead."""
    if uploaded:
        return "the uploaded file"
    label = data.MODEL_LABELS[model_name]
    return f"your hand-edited {label} model" if edited else f"the {label} model"


def file_name_text(name: str) -> str:
    """An uploaded file's name for st.text (no Markdown at all): one line, no control characters, bounded."""
    return f"File: {clean(name, 120)}"


# --- where they live -----------------------------------------------------------------------------------------
def count_rows(net: Network) -> list:
    """The table of per-layer counts, plus a total row, all from the arrays."""
    rows, total = net.parameter_counts(), net.num_parameters
    out = [{"layer": str(r["layer"]), "from → to": f"{net.sizes[r['layer'] - 1]} → {net.sizes[r['layer']]}",
            "W shape": f"{r['shape'][0]}x{r['shape'][1]}", "weights": r["weights"], "biases": r["biases"],
            "layer total": r["total"], "share": f"{r['total'] / total:.1%}"} for r in rows]
    out.append({"layer": "all", "from → to": " → ".join(map(str, net.sizes)), "W shape": "",
                "weights": sum(r["weights"] for r in rows), "biases": sum(r["biases"] for r in rows),
                "layer total": total, "share": "100.0%"})
    return out


COUNT_COLUMNS = ("weights", "biases", "layer total")
HOME_COLUMNS = ("from → to", "weights", "biases", "layer total")  # the home page's short version


def parameter_table(net: Network, columns=None):
    """The table of per-layer counts (``count_rows``) with its numbers written as numbers (12,560), the
    Parameters page's and the home page's alike; ``columns`` chooses and orders the columns shown (all: None)."""
    st.dataframe(count_rows(net), hide_index=True, width="stretch", column_order=columns,
                 column_config={c: st.column_config.NumberColumn(format="localized") for c in COUNT_COLUMNS})


def sum_text(net: Network) -> str:
    """'12,560 + 272 + 170 = **13,002**': each layer's total and their sum."""
    return " + ".join(f"{r['total']:,}" for r in net.parameter_counts()) + f" = **{net.num_parameters:,}**"


def first_layer_text(net: Network) -> str:
    share = net.parameter_counts()[0]["total"] / net.num_parameters
    return (f"Layer 1 holds {share:.1%} of all parameters: one weight from every input to every first-layer "
            "neuron.")


def layer_colours(n_layers: int) -> list:
    """One shade of the lesson's blue per layer, from full (layer 1) to faint: CSS colours."""
    r, g, b = (int(c) for c in theme.BLUE)
    return [f"rgba({r},{g},{b},{a:.2f})" for a in np.linspace(1.0, 0.35, n_layers)]


def proportions_html(net: Network) -> str:
    """How the parameters divide between the layers: one bar, each layer's label in a legend beside it.

    The labels live outside the bar, so a layer holding 1% of the parameters is as readable as one holding 96%."""
    rows, total = net.parameter_counts(), net.num_parameters
    colours = layer_colours(len(rows))
    segments = "".join(
        f'<div title="layer {r["layer"]}: {r["total"]:,}" style="flex:{r["total"]} 0 0;min-width:3px;'
        f'background:{c};height:100%"></div>' for r, c in zip(rows, colours))
    legend = "".join(
        f'<span style="white-space:nowrap;margin-right:1.2em"><span style="display:inline-block;width:.8em;'
        f'height:.8em;background:{c};margin-right:.35em;vertical-align:middle;border:1px solid #666"></span>'
        f'layer {r["layer"]} ({net.sizes[r["layer"] - 1]} → {net.sizes[r["layer"]]}): '
        f'<b>{r["total"]:,}</b> ({r["total"] / total:.1%})</span>' for r, c in zip(rows, colours))
    return (f'<div class="params-proportions" style="font-size:.9rem;color:#ddd">'
            f'<div style="display:flex;gap:2px;height:22px;border-radius:3px;overflow:hidden">{segments}</div>'
            f'<div style="margin-top:.4em;line-height:1.8">{legend}</div></div>')


# --- the layer computation -------------------------------------------------------------------------------
def activation_name(net: Network, layer: int) -> str:
    """The function layer ``layer`` (1..L) applies: the output's for the last layer, else the hidden one."""
    if layer == len(net.weights):
        return "softmax" if net.output == "softmax" else "σ"
    return "σ" if net.activation == "sigmoid" else "ReLU"


def vector_rows(b, z, a, max_rows=MAX_NEURONS) -> list:
    """b, z = W a + b and a = f(z) side by side, one row per neuron (the first ``max_rows``)."""
    return [{"neuron": j, "b": float(b[j]), "z = W·a + b": float(z[j]), "a = f(z)": float(a[j])}
            for j in range(min(len(b), max_rows))]


def table_height(rows: int, row_px=35, most=600) -> int:
    """Pixels for a dataframe to show ``rows`` rows without scrolling (up to ``most``)."""
    return min(most, row_px * (rows + 1) + 3)


def example_text(layer: int, z, b, a, text: str) -> str:
    """One neuron's sum written out: the most active one."""
    j = int(np.argmax(a))
    return (f"For example neuron {j}, the most active: z = Σₖ W[{j},k]·a({layer - 1})ₖ + b[{j}] = "
            f"{float(z[j] - b[j]):.3f} + ({float(b[j]):.3f}) = **{float(z[j]):.3f}**, "
            f"and a({layer})[{j}] = **{float(a[j]):.3f}**. Input: {text}.")


def keep_valid(key: str, options: list, default):
    """Before a widget is drawn: reset its stored value when it is not among the (new) options."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


# --- comparing weights ----------------------------------------------------------------------------------
def compare_choices(model_name: str, edited: Network | None, uploaded: Network | None) -> dict:
    """{choice: {legend name: (network, colour)}}: the pairs that can be compared, in one place."""
    trained = data.shipped(model_name)
    label = data.MODEL_LABELS[model_name]
    choices = {"Sigmoid vs ReLU": {data.MODEL_LABELS[n]: (data.shipped(n), theme.ACTIVATION_COLOURS[n])
                                   for n in data.MODEL_LABELS}}
    if edited is not None:
        choices["Edited vs trained"] = {f"edited {label}": (edited, theme.PAIR_COLOURS[0]),
                                        f"trained {label}": (trained, theme.PAIR_COLOURS[1])}
    if uploaded is not None:
        if len(uploaded.weights) == len(trained.weights):
            choices["Uploaded file vs trained"] = {"uploaded file": (uploaded, theme.PAIR_COLOURS[0]),
                                                   f"trained {label}": (trained, theme.PAIR_COLOURS[1])}
        else:  # other depths: no layer-by-layer pair, but its own weights are worth seeing
            choices["Uploaded file"] = {"uploaded file": (uploaded, theme.PAIR_COLOURS[0])}
    return choices


def compared_layers(models: dict) -> list:
    """Layers 1..L that every compared model has."""
    return list(range(1, min(len(net.weights) for net, _ in models.values()) + 1))


# --- what if: other sizes --------------------------------------------------------------------------------
def parse_hidden(text: str):
    """'16, 16' -> [16, 16]; None unless it is 0 to 20 whole numbers from 1 to 100,000."""
    try:
        hidden = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        return None
    return hidden if len(hidden) <= 20 and all(1 <= h <= 100_000 for h in hidden) else None


def whatif_text(hidden: list, reference: Network, reference_name: str) -> str:
    """The parameter count of the same inputs and outputs with other hidden sizes, against the reference."""
    sizes = [reference.sizes[0], *hidden, reference.sizes[-1]]
    counts = count_parameters(sizes)
    n = sum(w + b for w, b in counts)
    ref = reference.num_parameters
    return (f"**{' → '.join(map(str, sizes))}** has **{n:,}** parameters "
            f"({n / ref:.2f}x the {ref:,} of {reference_name}): "
            + " + ".join(f"({sizes[i]}x{sizes[i + 1]} + {b})" for i, (_, b) in enumerate(counts)))
