"""The Sigmoid vs ReLU page's further sections about the trained models: how they trained (curves and recipe
from the weights files), what happens inside their hidden layers (statistics stored beside the weights), and
their accuracy per digit and where they disagree. Each section is drawn only when chosen."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from src import stats
from src.network import SIDE
from src.scoring import per_digit_accuracy

from . import data, figures, theme

COLOURS = theme.ACTIVATION_COLOURS
NAMES = tuple(data.MODEL_LABELS)  # ('sigmoid', 'relu')
PLOT_CONFIG = {"displayModeBar": False}


def curves_figures(series: dict, x_title="epoch") -> tuple:
    """Loss and test accuracy of both models, as two figures: ``series`` = {name: (x, loss, accuracy in [0, 1])}.

    Two charts in two columns, not two subplots of one: on a phone the columns stack, each chart full width,
    where two subplots side by side in 390 px crowd each other's axis titles."""
    loss, accuracy = go.Figure(), go.Figure()
    for name, (x, cost, acc) in series.items():
        style = dict(name=data.MODEL_LABELS[name], mode="lines+markers", line=dict(color=COLOURS[name]))
        loss.add_trace(go.Scatter(x=x, y=cost, **style))
        accuracy.add_trace(go.Scatter(x=x, y=[a * 100 if a is not None else None for a in acc], **style))
    for fig, y_title in ((loss, "training loss"), (accuracy, "test accuracy (%)")):
        fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), xaxis_title=x_title, yaxis_title=y_title,
                          legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    return loss, accuracy


def show_curves(series: dict, key: str, x_title="epoch"):
    """The two charts of ``curves_figures`` side by side (stacked on a phone), keyed ``<key>_loss`` and
    ``<key>_accuracy``."""
    for col, fig, part in zip(st.columns(2), curves_figures(series, x_title), ("loss", "accuracy")):
        col.plotly_chart(fig, key=f"{key}_{part}", config=PLOT_CONFIG)


def training_curves(nets: dict) -> dict:
    """{name: (epochs, loss, test accuracy)} from each weights file's meta (no MNIST needed)."""
    out = {}
    for name, net in nets.items():
        c = net.meta.get("curves") if isinstance(net.meta, dict) else None
        if isinstance(c, dict) and all(isinstance(c.get(k), list) for k in ("epoch", "loss", "test_accuracy")):
            out[name] = (c["epoch"], c["loss"], c["test_accuracy"])
    return out


_INITS = {"xavier": "Xavier", "he": "He", "normal": "N(0, 1)"}


def training_recipe(nets: dict) -> str:
    """How the models were trained, from their files' meta: the settings they share, then where they differ.
    E.g. 'adam (lr 0.003), cosine schedule, 60 epochs, batch 64, seed 0, ±5° augmentation; Sigmoid: Xavier
    initialisation, ReLU: He initialisation'."""
    recipes = {name: net.meta.get("training") for name, net in nets.items()}
    if not all(isinstance(r, dict) for r in recipes.values()):
        return "not recorded in the weights files"

    def describe(r, key):
        value = r.get(key)
        return {"optimizer": f"{value} (lr {r.get('lr')})", "schedule": f"{value} schedule", "epochs": f"{value} epochs",
                "batch_size": f"batch {value}", "seed": f"seed {value}",
                "init": f"{_INITS.get(value, value)} initialisation",
                "augment_degrees": f"±{value:g}° augmentation" if isinstance(value, (int, float)) and value else "no "
                "augmentation"}[key]

    keys = ("optimizer", "schedule", "epochs", "batch_size", "seed", "augment_degrees", "init")
    same = [k for k in keys if len({str(r.get(k)) for r in recipes.values()}) == 1]
    differ = [k for k in keys if k not in same]
    text = ", ".join(describe(next(iter(recipes.values())), k) for k in same)
    for k in differ:
        text += "; " + ", ".join(f"{data.MODEL_LABELS[n]}: {describe(r, k)}" for n, r in recipes.items())
    return text


def gradient_figure(insides: dict) -> go.Figure:
    fig = go.Figure()
    for name, r in insides.items():
        for when, dash, words in (("grad_init", "dot", "at initialisation"), ("grad_trained", "solid", "trained")):
            fig.add_trace(go.Scatter(x=[f"layer {l}" for l in range(1, len(r[when]) + 1)], y=r[when],
                                     name=f"{data.MODEL_LABELS[name]}, {words}", mode="lines+markers",
                                     line=dict(color=COLOURS[name], dash=dash)))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10),
                      yaxis=dict(type="log", dtick=1, exponentformat="power", title="RMS of ∂C/∂W"),
                      legend=dict(orientation="h", y=-0.2))
    return fig


# --- statistics over the test set: stored beside the weights, checked by hash ---------------------------------
@st.cache_resource(show_spinner="Measuring what each network does inside…")
def _inside(name: str, mtime: float, have_tests: bool):
    # Stored in weights/<name>.stats.json with the weights file's SHA-256 (src.stats): read, not computed,
    # so the first visitor waits for nothing. Recomputed (and stored again) only when the weights changed.
    tests = data.test_set() if have_tests else None
    found, how = stats.stored_or_computed(data.WEIGHTS[name], data.shipped(name),
                                          (tests.x, tests.labels) if tests is not None else None)
    return found


def inside(name: str) -> dict | None:
    """Saturation / dead units over the test set and gradient sizes per layer of the trained model ``name``
    (src.stats.summarise); None when neither stored nor computable (no MNIST)."""
    path = data.WEIGHTS[name]
    found = _inside(name, path.stat().st_mtime, False)
    if found is None and data.test_set() is not None:
        found = _inside(name, path.stat().st_mtime, True)
    return found


def inside_rows(insides: dict) -> list:
    """The table: one row per hidden layer, sigmoid's saturation and ReLU's off share and dead units."""
    s, r = insides["sigmoid"], insides["relu"]
    rows = []
    for st_row, si_row, rt_row, ri_row in zip(s["trained"], s["at_initialisation"], r["trained"],
                                              r["at_initialisation"]):
        rows.append({"hidden layer": st_row["layer"],
                     "sigmoid saturated": f"{st_row['saturated']:.1%}",
                     "sigmoid at initialisation": f"{si_row['saturated']:.1%}",
                     "sigmoid units never above 0.05": len(st_row["dead"]),
                     "ReLU off (a = 0)": f"{rt_row['off']:.1%}",
                     "ReLU at initialisation": f"{ri_row['off']:.1%}",
                     "ReLU dead units": len(rt_row["dead"])})
    return rows


def gradient_ratio(inside_stats: dict) -> float:
    """First layer's gradient over the last layer's, at initialisation."""
    g = inside_stats["grad_init"]
    return g[0] / g[-1]


def disagreements(predictions: dict, labels) -> dict:
    """Where the two models answer differently: indices and who is right there."""
    s, r = predictions["sigmoid"], predictions["relu"]
    idx = np.flatnonzero(s != r)
    s_right, r_right = int(np.sum(s[idx] == labels[idx])), int(np.sum(r[idx] == labels[idx]))
    return {"indices": idx, "sigmoid_right": s_right, "relu_right": r_right,
            "neither": int(len(idx)) - s_right - r_right}


# --- the sections ---------------------------------------------------------------------------------------------
def training_section():
    st.subheader("How they trained")
    trained = {name: data.shipped(name) for name in NAMES}
    curves = training_curves(trained)
    if not curves:
        st.info("These weights files carry no training curves.")
        return
    show_curves(curves, "cmp_curves")
    st.caption(f"From the weights files: {training_recipe(trained)}. With Adam and a good recipe the gap is "
               "small; the race uses plain SGD, where it shows.")


def inside_section():
    st.subheader("Inside the hidden layers, over the 10,000 test images")
    insides = {name: inside(name) for name in NAMES}
    if any(v is None for v in insides.values()):
        st.info(data.without_test_set("These numbers are measured over"))
        return
    with st.container(key="cmp_inside"):
        st.table(inside_rows(insides))
    st.caption("The trained models. Saturated: a sigmoid activation below 0.05 or above 0.95, where its slope is "
               "under 0.048. Off: a ReLU at exactly 0, passing no gradient for that image. Dead: a unit that is "
               "so for every test image.")
    g1, g2 = st.columns([1.6, 1], gap="large")
    g1.plotly_chart(gradient_figure(insides), key="cmp_gradients", config=PLOT_CONFIG)
    g2.markdown("**The gradient reaching each layer** (root-mean-square of ∂C/∂W over 2,000 test images). "
                "Backpropagation multiplies by the activation's slope at every layer on the way back; "
                "a sigmoid's slope is at most 0.25, ReLU's is 1 where it is on. First layer vs last at "
                f"initialisation: sigmoid {gradient_ratio(insides['sigmoid']):.2f}x, "
                f"ReLU {gradient_ratio(insides['relu']):.2f}x.")


def per_digit_series(predictions: dict, labels) -> dict:
    """{legend: (accuracy per digit, colour)} for the bar chart, each legend with the model's overall accuracy."""
    return {f"{data.MODEL_LABELS[n]} ({float((p == labels).mean()):.2%})": (per_digit_accuracy(p, labels), COLOURS[n])
            for n, p in predictions.items()}


def accuracy_section():
    st.subheader("Accuracy per digit, and where they disagree")
    tests = data.test_set()
    preds = {name: data.test_predictions(name) for name in NAMES}
    if tests is None or any(p is None for p in preds.values()):
        st.info(data.without_test_set("Accuracy per digit and the disagreements are measured on"))
        return
    a1, a2 = st.columns([1.4, 1], gap="large")
    a1.plotly_chart(figures.per_digit_bars(per_digit_series(preds, tests.labels), y_min=80, height=280),
                    key="cmp_per_digit", config=PLOT_CONFIG)
    d = disagreements(preds, tests.labels)
    with a2:
        with st.container(key="cmp_disagree"):
            st.markdown(f"They disagree on **{len(d['indices'])}** of {len(tests.labels):,} test images: "
                        f"sigmoid is right on **{d['sigmoid_right']}** of them, ReLU on **{d['relu_right']}**, "
                        f"neither on {d['neither']}.")
        shown = d["indices"][:24]
        if len(shown):
            st.image(figures.thumbnails(tests.images, shown, per_row=12, size=SIDE),
                     caption="the first 24 (label: sigmoid / ReLU): " + ", ".join(
                         f"{tests.labels[i]}: {preds['sigmoid'][i]}/{preds['relu'][i]}" for i in shown[:8]) + " …")
    st.caption("The trained models (not your edited copy).")
