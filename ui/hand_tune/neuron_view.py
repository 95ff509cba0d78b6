"""The top of the Hand-tune page: its title and last message, which neuron, the score, and the neuron with the
tools that change it."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from src import templates
from src.network import SIDE

from .. import data, figures, state
from . import actions, grid
from .keys import (BIAS, BRUSH, BRUSH_MODE, BRUSH_PX, BRUSH_STRENGTH, COL, EXACT, FROM, LAYER, NEURON, PATTERN, ROW,
                   SCALE, T_COL, T_ROW, T_STRENGTH, TEMPLATE, TOOL, VALUE, WHOLE, is_image_layer, layer_name,
                   message, plural, tools_for, value)

PAGE_CSS = """<style>
.st-key-tune_threshold_narrow { display: none !important; }
@media (max-width: 640px) {
  .st-key-tune_threshold_wide { display: none !important; }
  .st-key-tune_threshold_narrow { display: flex !important; }
}
</style>"""


@dataclass(frozen=True)
class Here:
    """What the page works on: the model, and the neuron chosen."""

    model_name: str
    layer: int
    neuron: int

    @property
    def tuning(self):
        return state.tuning(self.model_name)

    @property
    def log(self):
        return self.tuning.log

    @property
    def scorer(self):
        return self.tuning.scorer

    @property
    def net(self):
        return self.tuning.log.net

    @property
    def n_layers(self) -> int:
        return len(self.net.weights)

    @property
    def n_in(self) -> int:
        return self.net.sizes[self.layer - 1]

    @property
    def w(self):
        return self.net.weight(self.layer)[self.neuron]

    @property
    def b(self) -> float:
        return float(self.net.bias(self.layer)[self.neuron])

    @property
    def trained_b(self) -> float:
        return float(self.log.trained.bias(self.layer)[self.neuron])


def header(model_name, presenting):
    """The title, what the page is for, and the outcome of the last action."""
    st.html(PAGE_CSS)
    st.title(":material/tune: Hand-tune")
    net = state.tuning(model_name).log.net
    if not presenting:
        st.caption(f"The lesson's thought experiment, for real: set any of the {net.num_parameters:,} weights and "
                   f"biases by hand and see what it does. You are editing **your own copy** of the "
                   f"{data.MODEL_LABELS[model_name]} model; nobody else sees your edits unless you share them.")
    kind, text = message()
    if kind:
        with st.container(key="tune_status"):
            getattr(st, kind)(text)


def choose_neuron(model_name) -> Here:
    """Which layer and neuron (both kept in the address), and what that neuron reads."""
    net = state.tuning(model_name).log.net
    n_layers = len(net.weights)
    c1, c2, c3 = st.columns([1, 1, 2])
    layer = c1.selectbox("Layer", list(range(1, n_layers + 1)), key=LAYER, bind="query-params",
                         help=f"1 to {n_layers - 1} are the hidden layers, {n_layers} the output layer.")
    neuron = c2.selectbox("Neuron", list(range(net.sizes[layer])), key=NEURON, bind="query-params")
    here = Here(model_name, layer, neuron)
    c3.markdown(f"**{layer_name(layer, n_layers)}**, neuron **{neuron}**: {here.n_in} incoming weights and a bias. "
                + ("Its weights form a 28x28 grid, one per pixel." if is_image_layer(layer, net) else
                   f"Its inputs are the {here.n_in} neurons of {layer_name(layer - 1, n_layers)}."))
    return here


def score(here: Here, reload_loses: str | None):
    """The test accuracy now and trained, the number of edits, Undo, Redo and Reset: always in view."""
    log, scorer = here.log, here.scorer
    trained_acc = data.test_accuracy(here.model_name)
    changed = log.changed_neurons()
    with st.container(horizontal=True, key="tune_score", gap="medium", vertical_alignment="center"):
        if scorer is not None:
            last = scorer.before[1] if scorer.before else None
            st.metric("Test accuracy now", f"{scorer.accuracy:.2%}", width="content",
                      delta=f"{(scorer.accuracy - last) * 100:+.2f} pts last edit" if last is not None else None)
            st.metric("Trained model", f"{trained_acc:.2%}", width="content", delta_color="off", delta_arrow="off",
                      delta=f"{(scorer.accuracy - trained_acc) * 100:+.2f} pts since" if log.edited else None)
        st.metric("Edits", len(log.done), plural(len(changed), "neuron") + " changed", width="content",
                  delta_color="off", delta_arrow="off")
        with st.container(horizontal=True, width="content", gap="small"):
            args = (here.model_name,)
            st.button("Undo", icon=":material/undo:", on_click=actions.undo, args=args, disabled=not log.done,
                      key="tune_undo")
            st.button("Redo", icon=":material/redo:", on_click=actions.redo, args=args, disabled=not log.undone,
                      key="tune_redo")
            st.button("Reset", icon=":material/restart_alt:", on_click=actions.reset, args=args,
                      disabled=not log.edited, key="tune_reset")
    if reload_loses:
        st.caption(f":material/warning: {reload_loses} Download the model to keep them.")


def open_tool(here: Here) -> str:
    """The tool open for this neuron (the first one when the open one does not apply to its layer)."""
    tools = tools_for(here.layer, here.net)
    if value(TOOL) not in tools:
        st.session_state[TOOL] = tools[0]
    return st.session_state[TOOL]


def neuron_and_tools(here: Here, presenting: bool):
    """The neuron's weights (a grid to paint on, or bars) beside the tool that changes them."""
    tools = tools_for(here.layer, here.net)
    tool = open_tool(here)
    view, panel = st.columns([1, 1.3], gap="medium")
    with view:
        the_weights(here, tool, presenting)
    with panel:
        st.segmented_control("Tool", tools, key=TOOL, label_visibility="collapsed",
                             help="Brush: paint on the grid. Exact: one weight or the bias. Template: an edge, loop "
                                  "or blob. Whole: zero, negate, scale or restore the neuron.")
        {BRUSH: brush_tool, EXACT: exact_tool, PATTERN: template_tool, WHOLE: whole_tool}[tool](here)


def the_weights(here: Here, tool: str, presenting: bool):
    b_text = f"Bias **b = {here.b:.3f}** (trained {here.trained_b:.3f})."
    if is_image_layer(here.layer, here.net):
        limit = grid.colour_limit(here.log.trained.weight(here.layer)[here.neuron])
        grid.draw_grid(here.w, limit, here.model_name, here.neuron, tool == BRUSH, tool == EXACT)
        how = {BRUSH: " Paint on it: each stroke is one edit.",
               EXACT: " Orange: the pixel chosen; click a cell to choose another."}.get(tool, "")
        touch = (" On a touch screen a finger scrolls the page: tap the grid first, then paint."
                 if tool == BRUSH and not presenting else "")
        st.caption(f"Its {here.n_in} weights, one per pixel: blue +, red −, black 0; full colour from ±{limit:.2f} "
                   f"(99% of the trained weights are smaller). {b_text}{how}{touch}")
    else:
        fig = figures.weight_bars(here.w, title=f"its {here.n_in} incoming weights")
        if presenting:
            fig.update_layout(font_size=18, title_font_size=20, height=max(fig.layout.height or 0, 420))
            fig.update_xaxes(tickfont_size=18, title_font_size=18)  # Streamlit's theme sets axes' own sizes
            fig.update_yaxes(tickfont_size=18, title_font_size=18)
        st.plotly_chart(fig, key="tune_bars", config={"displayModeBar": False})
        st.markdown(b_text)


def brush_tool(here: Here):
    with st.container(key="tune_brush_controls"):
        st.slider("Brush strength (added to the weights it covers)", -3.0, 3.0, step=0.1, key=BRUSH_STRENGTH,
                  persist_state="session")
        st.slider(f"Brush size (cells of {SIDE})", 1, 6, key=BRUSH_PX, persist_state="session")
        st.radio("Mode", ["add", "set"], horizontal=True, key=BRUSH_MODE, label_visibility="collapsed",
                 format_func={"add": "add strength", "set": "set to strength"}.get, persist_state="session")


def exact_tool(here: Here):
    k_col, v_col = st.columns(2)
    if is_image_layer(here.layer, here.net):
        k_col.number_input("Pixel row", 0, SIDE - 1, key=ROW)
        k_col.number_input("Pixel column", 0, SIDE - 1, key=COL)
    else:
        k_col.selectbox(f"From neuron of {layer_name(here.layer - 1, here.n_layers)}", list(range(here.n_in)),
                        key=FROM)
    k = actions.chosen_input(here.layer, here.net)
    args = (here.model_name, here.layer, here.neuron)
    with v_col.form("tune_weight_form", border=False):  # Enter in the box applies it
        st.text_input("New weight", key=VALUE, placeholder=f"now {float(here.w[k]):.4g}",
                      help="Any number within ±1,000,000. Press Enter or the button.")
        st.form_submit_button("Set weight", on_click=actions.set_weight, args=args, key="tune_set_w")
    st.caption(f"weight from input {k}: now {float(here.w[k]):.4f}, trained "
               f"{float(here.log.trained.weight(here.layer)[here.neuron, k]):.4f}")
    with st.form("tune_bias_form", border=False):
        bias_col, button_col = st.columns([2, 1], vertical_alignment="bottom")
        bias_col.text_input("New bias", key=BIAS, placeholder=f"now {here.b:.4g}")
        button_col.form_submit_button("Set bias", on_click=actions.set_bias, args=args, key="tune_set_b")


@st.fragment
def template_tool(here: Here):
    """Choosing and placing a pattern reruns only this part (its preview); using it reruns the page."""
    st.selectbox("Pattern", list(templates.TEMPLATES), key=TEMPLATE,
                 help="Positive (blue) where ink should be, negative (red) around it.")
    p1, p2, p3 = st.columns(3)
    p1.slider("Centre row", 4, 23, key=T_ROW)
    p2.slider("Centre column", 4, 23, key=T_COL)
    p3.slider("Strength", 0.1, 5.0, step=0.1, key=T_STRENGTH)
    st.image(figures.signed_image(actions.template_weights().reshape(SIDE, SIDE), None, 112),
             caption="preview")
    if st.button("Use this pattern", on_click=actions.apply_template, args=(here.model_name, here.neuron),
                 key="tune_apply_t", type="primary"):
        st.rerun()  # the edit changes the grid and the score outside this fragment


def whole_tool(here: Here):
    args = (here.model_name, here.layer, here.neuron)
    st.number_input("Scale factor", -10.0, 10.0, step=0.5, key=SCALE)
    o1, o2, o3, o4 = st.columns(4)
    o1.button("Zero", on_click=actions.transform, args=(*args, "zero"), key="tune_zero")
    o2.button("Negate", on_click=actions.transform, args=(*args, "negate"), key="tune_negate")
    o3.button("Scale", on_click=actions.transform, args=(*args, "scale"), key="tune_scale_btn")
    o4.button("Restore", on_click=actions.revert, args=args, key="tune_revert",
              help="Back to this neuron's trained weights and bias")
    st.markdown("**From scratch**: the lesson's “fun and horrifying” experiment: set a whole layer to 0 "
                "and try to rebuild it by hand, watching the score.")
    st.button(f"Zero all of layer {here.layer}", on_click=actions.zero_layer, args=(here.model_name, here.layer),
              key="tune_zero_layer", icon=":material/delete_sweep:")
