"""Sigmoid vs ReLU: the lesson's closing remark, shown side by side on the same architecture."""
import streamlit as st

from src import race as racing
from src.scoring import per_digit_accuracy
from ui import compare, data, figures, inputs, state
from ui.sidebar import page_config, sidebar

page_config("Sigmoid vs ReLU", "⚖️")
sidebar(uses_model=False, uses_edits=False)  # this page always shows both models
compare.init()
nets = compare.networks()
tests = data.test_set()

st.title(":material/compare: Sigmoid vs ReLU")
st.caption("The lesson ends on a note: modern networks use ReLU, max(0, z), because sigmoid networks were hard "
           "to train. Here are both, the same layers, trained the same way, side by side.")

# --- the two functions ----------------------------------------------------------------------------------
st.subheader("The two functions, and their slopes")
left, right = st.columns([1, 2.6], gap="large")
with left:
    x, truth, text = inputs.choose_input(compare.INPUT_PREFIX)
    c1, c2 = st.columns(2)
    reference = nets["sigmoid"]
    layer = c1.selectbox("Hidden layer", compare.hidden_layers(reference), key=compare.LAYER,
                         persist_state="session")
    neuron = c2.selectbox("Neuron", list(range(reference.sizes[layer])), key=compare.NEURON,
                          persist_state="session")
    own_z = st.number_input("Put any z on the curves", -compare.MAX_OWN_Z, compare.MAX_OWN_Z, value=None, step=1.0,
                            format="%g", placeholder="e.g. -1000", key=compare.OWN_Z, persist_state="session")
    st.button("σ(−1000), the lesson's example", key=compare.LESSON_Z, icon=":material/school:",
              on_click=compare.use_lesson_z)
    if compare.has_edited_copy() and compare.secondary_controls():
        st.toggle("Use my hand-edited copy", key=state.USE_EDITS,
                  help="You have edited a model on the Hand-tune page; the curves and the side-by-side use it.")
forwards = {name: net.forward(x) for name, net in nets.items()}
marks = compare.neuron_marks(forwards, layer, neuron)
with right:
    for col, name in zip(st.columns(2), compare.NAMES):
        with col.container(key=f"cmp_function_{name}"):
            st.image(compare.functions_svg(name, marks, own_z), width="stretch")
    st.caption(f"The dot is where neuron {neuron} of hidden layer {layer} sits for {text}, in each model; the z axis "
               "stretches to take it in. Where the sigmoid's slope is near 0 (saturated), almost no learning signal "
               "passes back through it; ReLU's slope is 1 wherever it is on, and 0 where it is off.")
with st.container(key="cmp_values"):
    st.table(compare.worked_values())
    st.caption("σ(−1000) is not 0 but e⁻¹⁰⁰⁰ ≈ 5×10⁻⁴³⁵, so small that a computer's floats (and the slope) round it "
               "to 0: a neuron that far out has stopped learning.")

# --- both models, one input -------------------------------------------------------------------------------
st.subheader(f"Both models read {text}")
for col, (name, fw) in zip(st.columns(2, gap="large"), forwards.items()):
    with col.container(key=f"cmp_answer_{name}", border=True):
        st.markdown(compare.answer_text(name, fw.output, truth))
    with col.container(key=f"cmp_layers_{name}"):
        st.image(compare.activations_svg(fw, name), width="stretch")

# --- more, one section at a time (each drawn only when chosen) ---------------------------------------------------
more = st.segmented_control("More", list(compare.SECTIONS), format_func=compare.SECTIONS.get, key=compare.MORE,
                            persist_state="session",
                            help="Each opens below; only the one you choose is drawn.")
trained = {name: data.shipped(name) for name in compare.NAMES}

if more == "training":
    st.subheader("How they trained")
    curves = compare.training_curves(trained)
    if curves:
        st.plotly_chart(compare.curves_figure(curves), key="cmp_curves", config=compare.PLOT_CONFIG)
        st.caption(f"From the weights files: {compare.training_recipe(trained)}. With Adam and a good recipe the "
                   "gap is small; the race uses plain SGD, where it shows.")
    else:
        st.info("These weights files carry no training curves.")

elif more == "race":
    st.subheader("A race")
    st.caption("Train a sigmoid and a ReLU network from the **same initial weights** on the same images, in the same "
               "order, and watch their test accuracy. Real training, by this project's trainer.")
    run = st.session_state[compare.RACE]
    running = run is not None and run.running
    if compare.secondary_controls():
        r1, r2, r3 = st.columns(3)
        r1.select_slider("Training images", compare.RACE_IMAGE_CHOICES, key=compare.RACE_IMAGES,
                         persist_state="session", disabled=running)
        r2.slider("Epochs", 1, racing.MAX_EPOCHS, key=compare.RACE_EPOCHS, persist_state="session",
                  disabled=running)
        r3.selectbox("Optimiser", list(compare.OPTIMIZERS), format_func=compare.OPTIMIZERS.get,
                     key=compare.RACE_OPTIMIZER, persist_state="session", disabled=running)
    if running:
        st.button("Stop", icon=":material/stop:", key=compare.RACE_STOP, on_click=compare.stop_race)
        compare.show_race_progress()
    else:
        st.button("Start the race", type="primary", icon=":material/flag:", key=compare.RACE_START,
                  on_click=compare.start_race, disabled=tests is None)
        if tests is None:
            st.info("The race trains on the 60,000 MNIST training images and scores on the test images, which "
                    "are not here (see the note at the top).")
    if compare.secondary_controls():
        st.caption(f"Capped at {racing.MAX_EPOCHS} epochs and {racing.MAX_SECONDS} s; at most "
                   f"{compare.RACES_AT_ONCE} races run at once on this server.")
    if st.session_state[compare.RACE_NOTE]:
        st.warning(st.session_state[compare.RACE_NOTE])
    if run is not None and not running:
        with st.container(key="race_finished"):
            st.markdown(compare.race_summary(run))
        curves, _ = run.snapshot()
        if curves:
            st.plotly_chart(compare.race_figure(curves), key="race_chart", config=compare.PLOT_CONFIG)

elif more == "inside":
    st.subheader("Inside the hidden layers, over the 10,000 test images")
    insides = {name: compare.inside(name) for name in compare.NAMES}
    if all(v is not None for v in insides.values()):
        with st.container(key="cmp_inside"):
            st.table(compare.inside_rows(insides))
        st.caption("The trained models. Saturated: a sigmoid activation below 0.05 or above 0.95, where its slope is "
                   "under 0.048. Off: a ReLU at exactly 0, passing no gradient for that image. Dead: a unit that is "
                   "so for every test image.")
        g1, g2 = st.columns([1.6, 1], gap="large")
        g1.plotly_chart(compare.gradient_figure(insides), key="cmp_gradients", config=compare.PLOT_CONFIG)
        g2.markdown("**The gradient reaching each layer** (root-mean-square of ∂C/∂W over 2,000 test images). "
                    "Backpropagation multiplies by the activation's slope at every layer on the way back; "
                    "a sigmoid's slope is at most 0.25, ReLU's is 1 where it is on. First layer vs last at "
                    f"initialisation: sigmoid {compare.gradient_ratio(insides['sigmoid']):.2f}x, "
                    f"ReLU {compare.gradient_ratio(insides['relu']):.2f}x.")
    else:
        st.info("These numbers are measured over the MNIST test images, which are not here (see the note at the "
                "top).")

elif more == "accuracy":
    st.subheader("Accuracy per digit, and where they disagree")
    preds = {name: data.test_predictions(name) for name in compare.NAMES}
    if tests is None or any(p is None for p in preds.values()):
        st.info("Accuracy is measured on the MNIST test images, which are not here (see the note at the top).")
    else:
        a1, a2 = st.columns([1.4, 1], gap="large")
        a1.plotly_chart(figures.per_digit_bars(
            {f"{data.MODEL_LABELS[n]} ({float((preds[n] == tests.labels).mean()):.2%})":
             (per_digit_accuracy(preds[n], tests.labels), compare.COLOURS[n]) for n in compare.NAMES},
            y_min=80, height=280), key="cmp_per_digit", config=compare.PLOT_CONFIG)
        d = compare.disagreements(preds, tests.labels)
        with a2:
            with st.container(key="cmp_disagree"):
                st.markdown(f"They disagree on **{len(d['indices'])}** of {len(tests.labels):,} test images: "
                            f"sigmoid is right on **{d['sigmoid_right']}** of them, ReLU on **{d['relu_right']}**, "
                            f"neither on {d['neither']}.")
            shown = d["indices"][:24]
            if len(shown):
                st.image(figures.thumbnails(tests.images, shown, per_row=12, size=28),
                         caption="the first 24 (label: sigmoid / ReLU): " + ", ".join(
                             f"{tests.labels[i]}: {preds['sigmoid'][i]}/{preds['relu'][i]}" for i in shown[:8]) + " …")
        st.caption("The trained models (not your edited copy).")
else:
    st.caption("Choose above: the training curves from the weights files, a live training race, what happens inside "
               "the hidden layers, or the accuracy per digit.")
