"""Hand-tune: set weights and biases by hand, and see at once what it does on real test data."""
import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from src import templates
from ui import data, figures, state, theme
from ui import hand_tune as ht
from ui.sidebar import page_config, sidebar

page_config("Hand-tune", "🎛️")
ht.init()
ht.load_shared_link()  # before the sidebar: a link chooses the model
model_name = sidebar(uses_edits=False)
t = state.tuning(model_name)
log, scorer, net = t.log, t.scorer, t.log.net
tests = data.test_set()
presenting = state.presenting()
ht.pending_stroke(model_name)  # a stroke the canvas's callback has not applied (none in a browser; AppTest)
n_layers = len(net.weights)

st.title(":material/tune: Hand-tune")
if not presenting:
    st.caption(f"The lesson's thought experiment, for real: set any of the {net.num_parameters:,} weights and "
               f"biases by hand and see what it does. You are editing **your own copy** of the "
               f"{data.MODEL_LABELS[model_name]} model; nobody else sees your edits unless you share them.")
kind, text = ht.message()
if kind:
    with st.container(key="tune_status"):
        getattr(st, kind)(text)

# --- which neuron -------------------------------------------------------------------------------------
c1, c2, c3 = st.columns([1, 1, 2])
layer = c1.selectbox("Layer", list(range(1, n_layers + 1)), key=ht.LAYER, bind="query-params",
                     help=f"1 to {n_layers - 1} are the hidden layers, {n_layers} the output layer.")
neuron = c2.selectbox("Neuron", list(range(net.sizes[layer])), key=ht.NEURON, bind="query-params")
n_in = net.sizes[layer - 1]
image_layer = ht.is_image_layer(layer, net)
c3.markdown(f"**{ht.layer_name(layer, n_layers)}**, neuron **{neuron}**: {n_in} incoming weights and a bias. "
            + ("Its weights form a 28x28 grid, one per pixel." if image_layer else
               f"Its inputs are the {n_in} neurons of {ht.layer_name(layer - 1, n_layers)}."))
reload_loses = ht.keep_in_address(model_name, layer, neuron)  # None: a reload of the tab keeps every edit

# --- the score, always in view --------------------------------------------------------------------------
trained_acc = data.test_accuracy(model_name)
changed = log.changed_neurons()
with st.container(horizontal=True, key="tune_score", gap="medium", vertical_alignment="center"):
    if scorer is not None:
        last = scorer.before[1] if scorer.before else None
        st.metric("Test accuracy now", f"{scorer.accuracy:.2%}", width="content",
                  delta=f"{(scorer.accuracy - last) * 100:+.2f} pts last edit" if last is not None else None)
        st.metric("Trained model", f"{trained_acc:.2%}", width="content", delta_color="off", delta_arrow="off",
                  delta=f"{(scorer.accuracy - trained_acc) * 100:+.2f} pts since" if log.edited else None)
    st.metric("Edits", len(log.done), ht.plural(len(changed), "neuron") + " changed", width="content",
              delta_color="off", delta_arrow="off")
    with st.container(horizontal=True, width="content", gap="small"):
        st.button("Undo", icon=":material/undo:", on_click=ht.undo, args=(model_name,), disabled=not log.done,
                  key="tune_undo")
        st.button("Redo", icon=":material/redo:", on_click=ht.redo, args=(model_name,), disabled=not log.undone,
                  key="tune_redo")
        st.button("Reset", icon=":material/restart_alt:", on_click=ht.reset, args=(model_name,),
                  disabled=not log.edited, key="tune_reset")

if reload_loses:
    st.caption(f":material/warning: {reload_loses} Download the model to keep them.")


@st.fragment
def template_tool(model_name, neuron):
    """Choosing and placing a pattern reruns only this part (its preview); using it reruns the page."""
    st.selectbox("Pattern", list(templates.TEMPLATES), key=ht.TEMPLATE,
                 help="Positive (blue) where ink should be, negative (red) around it.")
    p1, p2, p3 = st.columns(3)
    p1.slider("Centre row", 4, 23, key=ht.T_ROW)
    p2.slider("Centre column", 4, 23, key=ht.T_COL)
    p3.slider("Strength", 0.1, 5.0, step=0.1, key=ht.T_STRENGTH)
    st.image(figures.signed_image(ht.template_weights().reshape(templates.SIZE, templates.SIZE), None, 112),
             caption="preview")
    if st.button("Use this pattern", on_click=ht.apply_template, args=(model_name, neuron), key="tune_apply_t",
                 type="primary"):
        st.rerun()  # the edit changes the grid and the score outside this fragment


# --- the neuron and the tools to change it ----------------------------------------------------------------
w = net.weights[layer - 1][neuron]
b = float(net.biases[layer - 1][neuron])
tools = ht.tools_for(layer, net)
if st.session_state[ht.TOOL] not in tools:
    st.session_state[ht.TOOL] = tools[0]
tool = st.session_state[ht.TOOL]
view, panel = st.columns([1, 1.3], gap="medium")
with view:
    if image_layer:
        limit = ht.colour_limit(log.trained.weights[0][neuron])
        mark = (st.session_state[ht.ROW], st.session_state[ht.COL]) if tool == ht.EXACT else None
        with st.container(key="tune_grid"):
            # Each stroke becomes an edit in the callback, before the page is drawn; the next canvas (a new
            # key) shows the new weights as its background and has no history for its toolbar to replay.
            st_canvas(stroke_width=ht.brush_width(), stroke_color=ht.brush_colour(),
                      background_image=figures.png(ht.grid_image(w, limit, mark)), height=ht.GRID_PX, width=ht.GRID_PX,
                      drawing_mode="freedraw", return_image_data=True, key=ht.canvas_key(),
                      on_change=lambda: ht.brush_stroke(model_name, neuron))
            st.html(ht.legend_html(limit))
        st.caption(f"Its {n_in} weights, one per pixel: blue +, red −, black 0; full colour from ±{limit:.2f} "
                   f"(99% of the trained weights are smaller). Bias **b = {b:.3f}** (trained "
                   f"{float(log.trained.biases[layer - 1][neuron]):.3f})."
                   + (" Orange: the pixel chosen." if mark else " Paint on it: each stroke is one edit."))
    else:
        st.plotly_chart(figures.weight_bars(w, title=f"its {n_in} incoming weights"), key="tune_bars",
                        config={"displayModeBar": False})
        st.markdown(f"bias **b = {b:.3f}** (trained {float(log.trained.biases[layer - 1][neuron]):.3f})")

with panel:
    st.segmented_control("Tool", tools, key=ht.TOOL, label_visibility="collapsed",
                         help="Brush: paint on the grid. Exact: one weight or the bias. Template: an edge, loop or "
                              "blob. Whole: zero, negate, scale or restore the neuron.")
    if tool == ht.BRUSH:
        with st.container(key="tune_brush_controls"):
            st.slider("Brush strength (added to the weights it covers)", -3.0, 3.0, step=0.1,
                      key=ht.BRUSH_STRENGTH)
            st.slider("Brush size (cells of 28)", 1, 6, key=ht.BRUSH_PX)
            st.radio("Mode", ["add", "set"], horizontal=True, key=ht.BRUSH_MODE, label_visibility="collapsed",
                     format_func={"add": "add strength", "set": "set to strength"}.get)
    elif tool == ht.EXACT:
        k_col, v_col = st.columns(2)
        if image_layer:
            k_col.number_input("Pixel row", 0, templates.SIZE - 1, key=ht.ROW)
            k_col.number_input("Pixel column", 0, templates.SIZE - 1, key=ht.COL)
        else:
            k_col.selectbox(f"From neuron of {ht.layer_name(layer - 1, n_layers)}", list(range(n_in)), key=ht.FROM)
        k = ht.chosen_input(layer, net)
        with v_col.form("tune_weight_form", border=False):  # Enter in the box applies it
            st.text_input("New weight", key=ht.VALUE, placeholder=f"now {float(w[k]):.4g}",
                          help="Any number within ±1,000,000. Press Enter or the button.")
            st.form_submit_button("Set weight", on_click=ht.set_weight, args=(model_name, layer, neuron),
                                  key="tune_set_w")
        st.caption(f"weight from input {k}: now {float(w[k]):.4f}, trained "
                   f"{float(log.trained.weights[layer - 1][neuron, k]):.4f}")
        with st.form("tune_bias_form", border=False):
            bias_col, button_col = st.columns([2, 1], vertical_alignment="bottom")
            bias_col.text_input("New bias", key=ht.BIAS, placeholder=f"now {b:.4g}")
            button_col.form_submit_button("Set bias", on_click=ht.set_bias, args=(model_name, layer, neuron),
                                          key="tune_set_b")
    elif tool == ht.PATTERN:
        template_tool(model_name, neuron)
    else:
        st.number_input("Scale factor", -10.0, 10.0, step=0.5, key=ht.SCALE)
        o1, o2, o3, o4 = st.columns(4)
        o1.button("Zero", on_click=ht.transform, args=(model_name, layer, neuron, "zero"), key="tune_zero")
        o2.button("Negate", on_click=ht.transform, args=(model_name, layer, neuron, "negate"), key="tune_negate")
        o3.button("Scale", on_click=ht.transform, args=(model_name, layer, neuron, "scale"), key="tune_scale_btn")
        o4.button("Restore", on_click=ht.revert, args=(model_name, layer, neuron), key="tune_revert",
                  help="Back to this neuron's trained weights and bias")
        st.markdown("**From scratch**: the lesson's “fun and horrifying” experiment: set a whole layer to 0 "
                    "and try to rebuild it by hand, watching the score.")
        st.button(f"Zero all of layer {layer}", on_click=ht.zero_layer, args=(model_name, layer),
                  key="tune_zero_layer", icon=":material/delete_sweep:")

# --- the bias as a threshold, over all 10,000 test images --------------------------------------------------
st.subheader("The bias is a threshold")
th1, th2 = st.columns([2.2, 1], gap="large")
with th1:
    if scorer is not None:
        st.image(ht.threshold_svg(scorer.zs[layer - 1][:, neuron] - b, b, ht.activation_curve(net, layer),
                                  theme.ACTIVATION_COLOURS[net.activation]), width="stretch")
    else:
        st.caption("The weighted sums over the test images need MNIST (see the note above).")
with th2:
    st.markdown(f"The neuron adds up its weighted inputs Σ w·a and then its bias b. It lights up once "
                f"Σ + b > 0, that is once the sum passes **−b**, the dashed line. In the lesson's words, a neuron "
                f"that should be *“only active when the weighted sum exceeds {ht.THRESHOLD_EXAMPLE:g}”* has "
                f"a bias of **−{ht.THRESHOLD_EXAMPLE:g}**.")
    st.button(f"Try it: bias = −{ht.THRESHOLD_EXAMPLE:g}", on_click=ht.set_bias, key="tune_threshold_example",
              args=(model_name, layer, neuron, -ht.THRESHOLD_EXAMPLE), icon=":material/show_chart:")


# --- a closer look, one view at a time (only the chosen one is drawn) ------------------------------------------
def one_input(net, layer, neuron):
    """The network on one input: a drawing from the draw page or a test image."""
    drawing = state.last_drawing()
    sources = (["my drawing"] if drawing is not None else []) + (["test image"] if tests is not None else [])
    if not sources:
        st.info("Draw a digit on the draw page (or make MNIST available) to see a single input here.")
        return
    c1, c2 = st.columns([1, 2.2], gap="large")
    with c1:
        source = st.radio("Input", sources, horizontal=True, key=ht.SOURCE)
        if source == "my drawing":
            x = drawing.reshape(-1)
        else:
            index = st.number_input("Test image #", 0, len(tests.labels) - 1, key=ht.INPUT_INDEX)
            x = tests.x[index]
    fw = net.forward(x)
    with c2:
        st.image(figures.gray_image(x.reshape(templates.SIZE, templates.SIZE), 112), width=112)
        with st.container(key="tune_answer"):
            st.markdown(f"network answers **{int(np.argmax(fw.output))}** · this neuron's activation "
                        f"**{float(fw.activations[layer][neuron]):.3f}** (z = {float(fw.zs[layer - 1][neuron]):.2f})")


def what_excites(scorer, layer, neuron):
    """The test images this neuron answers most and least to."""
    acts = scorer.activations[layer][:, neuron]
    order = np.argsort(acts)
    st.markdown(f"**Test images that excite it most** (activation {acts[order[-1]]:.2f} … {acts[order[-12]]:.2f})")
    st.image(figures.thumbnails(tests.images, order[::-1][:12]))
    st.markdown(f"**…and least** ({acts[order[0]]:.2f} … {acts[order[11]]:.2f})")
    st.image(figures.thumbnails(tests.images, order[:12]))


def what_changed(scorer, model_name):
    """The test images the edits broke or fixed, and per-digit accuracy on request."""
    trained_pred = data.test_predictions(model_name)
    compare = st.radio("Compare with", [ht.COMPARE_TRAINED, ht.COMPARE_LAST], horizontal=True, key=ht.COMPARE)
    before = trained_pred if compare == ht.COMPARE_TRAINED or scorer.before is None else scorer.before[0]
    broken, fixed = scorer.changed_since(before)
    with st.container(key="tune_changes"):
        st.markdown(f"Of all {len(tests.labels):,} test images, **{len(broken):,}** are newly wrong and "
                    f"**{len(fixed):,}** newly right.")
        if len(broken):
            st.caption("newly wrong (label→answer now)")
            st.image(ht.labelled_thumbnails(tests.images, broken[:24], tests.labels, scorer.predictions))
        if len(fixed):
            st.caption("newly right (label→answer now)")
            st.image(ht.labelled_thumbnails(tests.images, fixed[:24], tests.labels, scorer.predictions))
    if st.toggle("Accuracy per digit", key=ht.PER_DIGIT):
        st.plotly_chart(figures.per_digit_bars({"trained": (scorer.per_digit(trained_pred), theme.GREY_CSS),
                                                "now": (scorer.per_digit(), theme.HIGHLIGHT_CSS)}),
                        key="tune_per_digit_chart", config={"displayModeBar": False})


@st.fragment
def closer_look(net, scorer, model_name, layer, neuron):
    """One view at a time; choosing a view, an input or a comparison reruns only this part of the page."""
    views = ht.closer_views(scorer is not None)
    if st.session_state[ht.CLOSER] not in views:
        st.session_state[ht.CLOSER] = views[0]
    view = st.segmented_control("Look closer", views, key=ht.CLOSER)
    if view == ht.CHANGED:
        what_changed(scorer, model_name)
    elif view == ht.EXCITES:
        what_excites(scorer, layer, neuron)
    elif view == ht.ONE_INPUT:
        one_input(net, layer, neuron)


closer_look(net, scorer, model_name, layer, neuron)

# --- the record of edits, keeping and sharing (not in the presenter view) ----------------------------------------
if not presenting:
    st.subheader("Your edits")
    h1, h2 = st.columns(2, gap="large")
    with h1:
        if log.done:
            first = max(1, len(log.done) - 14)
            st.text("\n".join(f"{i}. {e.label}" for i, e in enumerate(log.done[-15:], start=first)))
        else:
            st.caption("No edits yet.")
    with h2, st.container(key="tune_changed"):
        if changed:
            n_params = sum(len(v[0]) for v in log.diff().values())
            st.markdown(f"**Against the trained model**: {ht.plural(n_params, 'parameter')} "
                        f"{'differs' if n_params == 1 else 'differ'}, "
                        f"in {ht.plural(len(changed), 'neuron')}.")
            for l_, j in changed[:ht.CHANGED_LISTED]:
                cols = st.columns([3, 1], vertical_alignment="center")
                cols[0].markdown(f"{ht.layer_name(l_, n_layers)}, neuron {j}")
                cols[1].button("Restore", key=f"tune_revert_{l_}_{j}", on_click=ht.revert, args=(model_name, l_, j))
            note = ht.changed_neurons_note(changed)
            if note:
                st.caption(note)
        else:
            st.caption("Identical to the trained model.")

    st.subheader("Keep and share")
    k1, k2, k3 = st.columns(3, gap="large")
    with k1:
        st.download_button("Download this model (.npz)", ht.model_file(model_name),
                           file_name=f"{model_name}-edited.npz", mime="application/octet-stream",
                           icon=":material/download:", key="tune_download")
    with k2:
        st.file_uploader("Load a weights file", type=["npz"], key=ht.UPLOAD, on_change=ht.upload,
                         max_upload_size=20, args=(model_name,), help="An .npz in this app's format (see README).")
    with k3, st.container(key="tune_share"):
        url, length, _ = ht.share_link(model_name, layer, neuron)
        if not log.edited:
            st.caption("Make an edit to get a share link. The address bar keeps your edits too: "
                       "a reload of this tab opens them again.")
        elif url:
            st.markdown("**Share link** (opens this exact network; the address bar holds it too, "
                        "so a reload keeps your edits):")
            st.code(url, language=None, wrap_lines=True)
        else:
            st.warning(f"These edits need a {length:,}-character link, too long for an address: a reload of "
                       "this tab would lose them (your browser asks first). **Download the model** to keep them, "
                       "and share the file.")
# Ask before the tab unloads when the address cannot hold the edits; hide the canvas's own toolbar.
ht.page_script(warn=bool(reload_loses))
