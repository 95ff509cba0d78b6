"""Hand-tune: set weights and biases by hand, and see at once what it does on real test data."""
import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from src import templates
from ui import data, figures, tune
from ui.session import tuning
from ui.sidebar import page_config, sidebar

page_config("Hand-tune", "🎛️")
shared_for = tune.load_shared_link({name: data.shipped(name) for name in data.MODEL_LABELS})
if shared_for:
    st.session_state["model"] = shared_for  # before the sidebar's model radio is drawn
model_name = sidebar(edited_choice=False)
t = tuning(model_name)
log, scorer, net = t.log, t.scorer, t.log.net
tests = data.test_set()

st.title(":material/tune: Hand-tune")
st.caption("The lesson's thought experiment, for real: set any of the 13,002 weights and biases by hand and "
           f"see what it does. You are editing **your own copy** of the {data.MODEL_LABELS[model_name]} model; "
           "nobody else sees your edits unless you share them.")
tune.show_message()

# --- which neuron -------------------------------------------------------------------------------------
c1, c2, c3 = st.columns([1, 1, 2])
layer = c1.selectbox("Layer", [1, 2, 3], key="layer", bind="query-params",
                     help="1 and 2 are the hidden layers, 3 the output layer.")
neuron = c2.selectbox("Neuron", list(range(net.sizes[layer])), key="neuron", bind="query-params")
n_in = net.sizes[layer - 1]
c3.markdown(f"**{tune.LAYER_NAMES[layer]}**, neuron **{neuron}**: {n_in} incoming weights and a bias. "
            + ("Its weights form a 28x28 grid, one per pixel." if layer == 1 else
               f"Its inputs are the {n_in} neurons of {tune.LAYER_NAMES[layer - 1]}."))

# --- the score, always in view --------------------------------------------------------------------------
trained_acc = data.test_accuracy(model_name)
m1, m2, m3, m4 = st.columns([1.2, 1.2, 1, 1.6])
if scorer is not None:
    last = scorer.before[1] if scorer.before else scorer.accuracy
    m1.metric("Test accuracy now", f"{scorer.accuracy:.2%}", f"{(scorer.accuracy - last) * 100:+.2f} pts last edit")
    m2.metric("Trained model", f"{trained_acc:.2%}", f"{(scorer.accuracy - trained_acc) * 100:+.2f} pts since",
              delta_color="off")
changed = log.changed_neurons()
m3.metric("Edits", len(log.done), f"{len(changed)} neuron{'s' * (len(changed) != 1)} changed", delta_color="off")
with m4:
    b1, b2, b3 = st.columns(3)
    b1.button("Undo", icon=":material/undo:", on_click=tune.undo, args=(model_name,), disabled=not log.done,
              key="tune_undo", width="stretch")
    b2.button("Redo", icon=":material/redo:", on_click=tune.redo, args=(model_name,), disabled=not log.undone,
              key="tune_redo", width="stretch")
    b3.button("Reset", icon=":material/restart_alt:", on_click=tune.reset, args=(model_name,),
              disabled=not log.edited, key="tune_reset", width="stretch")

# --- the neuron and the tools to change it ----------------------------------------------------------------
w = net.weights[layer - 1][neuron]
b = float(net.biases[layer - 1][neuron])
view, tools = st.columns([1, 1.3], gap="large")
with view:
    if layer == 1:
        limit = float(max(np.max(np.abs(log.trained.weights[0][neuron])), np.max(np.abs(w)), 1e-6))
        strength = st.session_state.get("tune_brush_strength", 1.0)
        colour = "rgba(88,196,221,0.6)" if strength >= 0 else "rgba(252,98,85,0.6)"
        # Each stroke becomes an edit in the callback, before the page is drawn; the new weights then
        # become the canvas's background, which wipes the stroke (the canvas clears on a new background).
        st_canvas(stroke_width=st.session_state.get("tune_brush_size", 20), stroke_color=colour,
                  background_image=tune.weight_png(w, limit), height=280, width=280, drawing_mode="freedraw",
                  return_image_data=True, key="tune_brush", on_change=lambda: tune.brush_stroke(model_name, neuron))
        st.image(figures.legend_bar(), width=280)
        st.markdown(f"<div style='width:280px;display:flex;justify-content:space-between;font-size:0.8rem'>"
                    f"<span>−{limit:.2f}</span><span>0</span><span>+{limit:.2f}</span></div>",
                    unsafe_allow_html=True)
        st.caption("Its 784 weights, one per pixel: blue positive, red negative, black 0. "
                   "Paint on the grid with the brush set on the right.")
    else:
        st.plotly_chart(figures.weight_bars(w, title=f"its {n_in} incoming weights"), key="tune_bars",
                        config={"displayModeBar": False})
    st.markdown(f"bias **b = {b:.3f}** (trained {float(log.trained.biases[layer - 1][neuron]):.3f})")

with tools:
    tabs = st.tabs(["Brush", "Exact values", "Templates", "Whole neuron"] if layer == 1
                   else ["Exact values", "Whole neuron"])
    if layer == 1:
        with tabs[0]:
            st.slider("Brush strength (added to each weight it covers)", -3.0, 3.0, 1.0, 0.1,
                      key="tune_brush_strength")
            st.slider("Brush size (pixels of 28)", 1, 6, 2, key="tune_brush_px")
            st.session_state["tune_brush_size"] = 10 * st.session_state["tune_brush_px"]
            st.radio("Mode", ["add", "set"], horizontal=True, key="tune_brush_mode",
                     format_func={"add": "add strength", "set": "set to strength"}.get)
            st.caption("Drag over the grid on the left. Each stroke becomes one edit you can undo.")
    with tabs[0 if layer > 1 else 1]:
        k_col, v_col = st.columns(2)
        if layer == 1:
            r = k_col.number_input("Pixel row", 0, 27, 14, key="tune_row")
            c = k_col.number_input("Pixel column", 0, 27, 14, key="tune_col")
            k = int(r) * 28 + int(c)
        else:
            k = k_col.selectbox(f"From neuron of {tune.LAYER_NAMES[layer - 1]}", list(range(n_in)), key="tune_k")
        v_col.text_input("New weight", value=f"{float(w[k]):.4g}", key="tune_value",
                         help="Any number within ±1,000,000.")
        v_col.button("Set weight", on_click=tune.set_weight, args=(model_name, layer, neuron, k),
                     key="tune_set_w")
        st.caption(f"weight from input {k}: now {float(w[k]):.4f}, trained "
                   f"{float(log.trained.weights[layer - 1][neuron, k]):.4f}")
        bias_col, button_col = st.columns([2, 1], vertical_alignment="bottom")
        bias_col.text_input("New bias", value=f"{b:.4g}", key="tune_bias")
        button_col.button("Set bias", on_click=tune.set_bias, args=(model_name, layer, neuron), key="tune_set_b")
    if layer == 1:
        with tabs[2]:
            st.selectbox("Pattern", list(templates.TEMPLATES), key="tune_template",
                         help="Positive (blue) where ink should be, negative (red) around it.")
            p1, p2, p3 = st.columns(3)
            p1.slider("Centre row", 4, 23, 14, key="tune_t_row")
            p2.slider("Centre column", 4, 23, 14, key="tune_t_col")
            p3.slider("Strength", 0.1, 5.0, 1.0, 0.1, key="tune_t_strength")
            preview = templates.make(st.session_state["tune_template"], st.session_state["tune_t_row"],
                                     st.session_state["tune_t_col"], st.session_state["tune_t_strength"])
            st.image(figures.signed_image(preview.reshape(28, 28), None, 112), caption="preview")
            st.button("Use this pattern", on_click=tune.apply_template, args=(model_name, neuron), key="tune_apply_t",
                      type="primary")
    with tabs[-1]:
        st.number_input("Scale factor", -10.0, 10.0, 2.0, 0.5, key="tune_scale")
        o1, o2, o3, o4 = st.columns(4)
        o1.button("Zero", on_click=tune.transform, args=(model_name, layer, neuron, "zero"), key="tune_zero")
        o2.button("Negate", on_click=tune.transform, args=(model_name, layer, neuron, "negate"), key="tune_negate")
        o3.button("Scale", on_click=tune.transform, args=(model_name, layer, neuron, "scale"), key="tune_scale_btn")
        o4.button("Restore", on_click=tune.revert, args=(model_name, layer, neuron), key="tune_revert",
                  help="Back to this neuron's trained weights and bias")
        st.divider()
        st.markdown("**From scratch** — the lesson's “fun and horrifying” experiment: set a whole layer to 0 "
                    "and try to rebuild it by hand, watching the score.")
        st.button(f"Zero all of layer {layer}", on_click=tune.zero_layer, args=(model_name, layer),
                  key="tune_zero_layer", icon=":material/delete_sweep:")

# --- what it does: on one input, then on all 10,000 test images -----------------------------------------------
st.subheader("What it does")
in1, in2 = st.columns([1, 2.2], gap="large")
with in1:
    has_drawing = "last_drawing" in st.session_state
    sources = (["my drawing"] if has_drawing else []) + (["test image"] if tests is not None else [])
    if sources:
        source = st.radio("Input", sources, horizontal=True, key="tune_source")
    else:
        source = None
        st.info("Draw a digit on the draw page (or make MNIST available) to see a single input here.")
    x = None
    if source == "my drawing":
        x = st.session_state["last_drawing"].reshape(784)
    elif source == "test image":
        index = st.number_input("Test image #", 0, len(tests.labels) - 1, 0, key="tune_input_index")
        x = tests.x[index]
    if x is not None:
        fw = net.forward(x)
        answer = int(np.argmax(fw.output))
        st.image(figures.gray_image(x.reshape(28, 28), 112), width=112)
        with st.container(key="tune_answer"):
            st.markdown(f"network answers **{answer}** · this neuron's activation "
                        f"**{float(fw.activations[layer][neuron]):.3f}** (z = {float(fw.zs[layer - 1][neuron]):.2f})")
with in2:
    if scorer is not None:
        st.plotly_chart(tune.threshold_figure(net, scorer, layer, neuron), key="tune_threshold",
                        config={"displayModeBar": False})

if scorer is not None:
    acts = scorer.activations[layer][:, neuron]
    order = np.argsort(acts)
    st.markdown(f"**Which test images excite it most** (activation {acts[order[-1]]:.2f} … "
                f"{acts[order[-12]]:.2f})")
    st.image(figures.thumbnails(tests.images, order[::-1][:12]))
    st.markdown(f"**…and least** ({acts[order[0]]:.2f} … {acts[order[11]]:.2f})")
    st.image(figures.thumbnails(tests.images, order[:12]))

    st.subheader("On all 10,000 test images")
    trained_pred = data.test_predictions(model_name)
    d1, d2 = st.columns([1.4, 1], gap="large")
    d1.plotly_chart(figures.per_digit_bars({"trained": (scorer.per_digit(trained_pred), "rgba(200,200,200,0.55)"),
                                            "now": (scorer.per_digit(), figures.BLUE_CSS)}),
                    key="tune_per_digit", config={"displayModeBar": False})
    with d2:
        compare = st.radio("Compare with", ["the trained model", "before the last edit"], horizontal=True,
                           key="tune_compare")
        before = trained_pred if compare == "the trained model" or scorer.before is None else scorer.before[0]
        broken, fixed = scorer.changed_since(before)
        with st.container(key="tune_changes"):
            st.markdown(f"**{len(broken)}** images newly wrong, **{len(fixed)}** newly right")
        if len(broken):
            st.caption("newly wrong (label → answer now)")
            st.image(figures.thumbnails(tests.images, broken[:24], per_row=12, size=28))
        if len(fixed):
            st.caption("newly right")
            st.image(figures.thumbnails(tests.images, fixed[:24], per_row=12, size=28))

# --- the record of edits, keeping and sharing -----------------------------------------------------------------
st.subheader("Your edits")
h1, h2 = st.columns(2, gap="large")
with h1:
    if log.done:
        st.markdown("\n".join(f"{i}. {e.label}" for i, e in enumerate(log.done[-15:], start=max(1, len(log.done) - 14))))
    else:
        st.caption("No edits yet.")
with h2:
    if changed:
        diff = log.diff()
        st.markdown(f"**Against the trained model**: {sum(len(v[0]) for v in diff.values()):,} parameters differ, "
                    f"in {len(changed)} neurons.")
        for l_, j in changed[:12]:
            cols = st.columns([3, 1], vertical_alignment="center")
            cols[0].markdown(f"{tune.LAYER_NAMES[l_]}, neuron {j}")
            cols[1].button("Restore", key=f"tune_revert_{l_}_{j}", on_click=tune.revert, args=(model_name, l_, j))
    else:
        st.caption("Identical to the trained model.")

st.subheader("Keep and share")
k1, k2, k3 = st.columns(3, gap="large")
with k1:
    st.download_button("Download this model (.npz)", tune.model_file(model_name),
                       file_name=f"{model_name}-edited.npz", mime="application/octet-stream",
                       icon=":material/download:", key="tune_download")
with k2:
    st.file_uploader("Load a weights file", type=["npz"], key="tune_upload", on_change=tune.upload, max_upload_size=20,
                     args=(model_name,), help="An .npz in this app's format (see README).")
with k3:
    url, length = tune.share_link(model_name)
    if not log.edited:
        st.caption("Make an edit to get a share link.")
    elif url:
        st.markdown("**Share link** (opens this exact network):")
        st.code(url, language=None, wrap_lines=True)
    else:
        st.warning(f"These edits need a {length:,}-character link, too long for a URL. "
                   "Download the model instead and share the file.")
