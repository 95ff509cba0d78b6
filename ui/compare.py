"""Figures and cached statistics for the sigmoid-vs-ReLU page."""
from __future__ import annotations

import threading

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from src import mnist, stats
from src.activations import relu, relu_prime, sigmoid, sigmoid_prime
from src.network import Network

from . import data, figures

COLOURS = {"sigmoid": "#F4D345", "relu": figures.BLUE_CSS}
# At most this many races train at once on the whole server; more visitors wait their turn.
RACES_AT_ONCE = 2


@st.cache_resource
def race_slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(RACES_AT_ONCE)


def functions_figure(marks):
    """σ and ReLU with their slopes; ``marks`` = {name: z} puts each model's neuron on its curve."""
    z = np.linspace(-8, 8, 401)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("sigmoid σ(z) and its slope", "ReLU(z) and its slope"))
    for col, (f, df, name) in enumerate(((sigmoid, sigmoid_prime, "sigmoid"), (relu, relu_prime, "relu")), start=1):
        fig.add_trace(go.Scatter(x=z, y=f(z), name=f"{name}(z)", line=dict(color=COLOURS[name], width=3)), 1, col)
        fig.add_trace(go.Scatter(x=z, y=df(z), name=f"slope of {name}", line=dict(color=COLOURS[name], dash="dot")),
                      1, col)
        if name in marks:
            zm = float(np.clip(marks[name], -8, 8))
            fig.add_trace(go.Scatter(x=[zm], y=[float(f(np.float64(zm)))], mode="markers+text",
                                     marker=dict(size=13, color="white", line=dict(width=2, color=COLOURS[name])),
                                     text=[f"z = {marks[name]:.2f}<br>slope {float(df(np.float64(marks[name]))):.3f}"],
                                     textposition="top left" if zm > 0 else "top right", showlegend=False), 1, col)
    fig.update_yaxes(range=[-0.1, 1.15], row=1, col=1)
    fig.update_yaxes(range=[-0.5, 8.2], row=1, col=2)
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.15))
    return fig


def layers_figure(forward, name):
    """One model's activations for one input: both hidden layers and the output, as bars."""
    fig = make_subplots(rows=3, cols=1, subplot_titles=("hidden layer 1", "hidden layer 2", "output"),
                        vertical_spacing=0.12)
    for row, a in enumerate(forward.activations[1:], start=1):
        labels = [str(i) for i in range(len(a))]
        fig.add_trace(go.Bar(x=labels, y=a, marker_color=COLOURS[name], showlegend=False), row, 1)
        fig.update_xaxes(type="category", row=row, col=1)
    fig.update_layout(height=480, margin=dict(l=10, r=10, t=30, b=10))
    return fig


def curves_figure(series, x_title="epoch"):
    """Loss and test accuracy of both models: ``series`` = {name: (x, loss, accuracy)}."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("training loss", "test accuracy"))
    for name, (x, loss, acc) in series.items():
        fig.add_trace(go.Scatter(x=x, y=loss, name=f"{data.MODEL_LABELS[name]}", mode="lines+markers",
                                 line=dict(color=COLOURS[name])), 1, 1)
        fig.add_trace(go.Scatter(x=x, y=[a * 100 if a is not None else None for a in acc], mode="lines+markers",
                                 name=data.MODEL_LABELS[name], line=dict(color=COLOURS[name]), showlegend=False), 1, 2)
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title="%", row=1, col=2)
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.3))
    return fig


@st.cache_resource(show_spinner="Measuring what each network does inside…")
def _inside(name: str, mtime: float, folder: str):
    net = data.shipped(name)
    ts = data.test_set()
    x, labels = ts.x[:2000], ts.labels[:2000]
    meta = net.meta.get("training", {})
    start = Network.initialise(net.sizes, name, net.output, seed=meta.get("seed", 0), init=meta.get("init"))
    return {"trained": stats.hidden_summary(net, ts.x), "init_summary": stats.hidden_summary(start, ts.x),
            "grad_init": stats.gradient_sizes(start, x, labels), "grad_trained": stats.gradient_sizes(net, x, labels)}


def inside(name: str):
    """Saturation / dead units over the test set and gradient sizes per layer (None without MNIST)."""
    try:
        return _inside(name, data.WEIGHTS[name].stat().st_mtime, str(mnist.default_dir()))
    except mnist.MnistError:
        return None


def gradient_figure(results):
    fig = go.Figure()
    for name, r in results.items():
        for when, dash in (("grad_init", "dot"), ("grad_trained", "solid")):
            fig.add_trace(go.Scatter(x=[f"layer {l}" for l in range(1, len(r[when]) + 1)], y=r[when],
                                     name=f"{data.MODEL_LABELS[name]}, {'at initialisation' if when == 'grad_init' else 'trained'}",
                                     mode="lines+markers", line=dict(color=COLOURS[name], dash=dash)))
    fig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(type="log", dtick=1, exponentformat="power", title="RMS of ∂C/∂W"),
                      legend=dict(orientation="h", y=-0.2))
    return fig
