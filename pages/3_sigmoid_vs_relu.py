"""Sigmoid vs ReLU: the lesson's closing remark, shown side by side on the same architecture."""
import numpy as np
import streamlit as st

from src import race as racing
from src.activations import relu, sigmoid
from src.network import close_call
from src.scoring import per_digit_accuracy
from ui import compare, data, figures, inputs
from ui.sidebar import page_config, sidebar

page_config("Sigmoid vs ReLU", "⚖️")
sidebar()
tests = data.test_set()
nets = {name: data.shipped(name) for name in data.MODEL_LABELS}

st.title(":material/compare: Sigmoid vs ReLU")
st.caption("The lesson ends on a note: modern networks use ReLU, max(0, z), because sigmoid networks were hard "
           "to train. Here are both, 784-16-16-10, trained the same way, side by side.")

# --- the two functions ----------------------------------------------------------------------------------
st.subheader("The two functions, and their slopes")
left, right = st.columns([1, 2.6], gap="large")
with left:
    x, label, text = inputs.choose_input("cmp")
    c1, c2 = st.columns(2)
    layer = c1.selectbox("Hidden layer", [1, 2], key="cmp_layer")
    neuron = c2.selectbox("Neuron", list(range(16)), key="cmp_neuron")
forwards = {name: net.forward(x) for name, net in nets.items()}
marks = {name: float(fw.zs[layer - 1][neuron]) for name, fw in forwards.items()}
with right:
    st.plotly_chart(compare.functions_figure(marks), key="cmp_functions", config={"displayModeBar": False})
    st.caption(f"The dot is where neuron {neuron} of hidden layer {layer} sits for {text}, in each model. "
               "Where the sigmoid's slope is near 0 (saturated), almost no learning signal passes back through it; "
               "ReLU's slope is 1 wherever it is on, and 0 where it is off.")
st.dataframe([
    {"z": z, "σ(z)": float(sigmoid(np.float64(z))), "slope of σ": float(sigmoid(np.float64(z)) * (1 - sigmoid(np.float64(z)))),
     "ReLU(z)": float(relu(np.float64(z))), "slope of ReLU": float(z > 0)}
    for z in (-1000, -10, 0, 10, 1000)], hide_index=True, key="cmp_values")

# --- both models, one input -------------------------------------------------------------------------------
st.subheader(f"Both models read {text}")
cols = st.columns(2, gap="large")
for col, (name, fw) in zip(cols, forwards.items()):
    with col:
        answer, pair = int(np.argmax(fw.output)), close_call(fw.output)
        with st.container(key=f"cmp_answer_{name}", border=True):
            st.markdown(f"**{data.MODEL_LABELS[name]}** answers **{answer}** "
                        f"(output {float(fw.output[answer]):.2f})"
                        + (f" · close call: {pair[0]} or {pair[1]}?" if pair else "")
                        + ("" if label is None else (" · right" if answer == label else f" · wrong, it is a {label}")))
        st.plotly_chart(compare.layers_figure(fw, name), key=f"cmp_layers_{name}", config={"displayModeBar": False})

# --- how they trained ---------------------------------------------------------------------------------------
st.subheader("How they trained")
curves = {name: (net.meta["curves"]["epoch"], net.meta["curves"]["loss"], net.meta["curves"]["test_accuracy"])
          for name, net in nets.items() if "curves" in net.meta}
if curves:
    st.plotly_chart(compare.curves_figure(curves), key="cmp_curves", config={"displayModeBar": False})
    seeds = {net.meta["training"]["seed"] for net in nets.values()}
    st.caption(f"From the weights files: both trained with the same recipe and seed {', '.join(map(str, seeds))} "
               "(Adam, cosine schedule, mild augmentation, 60 epochs). With Adam and a good recipe the gap is small; "
               "the race below uses plain SGD, where it shows.")

# --- a live race -----------------------------------------------------------------------------------------------
st.subheader("A race")
st.caption("Train a sigmoid and a ReLU network from the **same initial weights** on the same images, in the same "
           "order, and watch their test accuracy. Real training, by this project's trainer.")
if tests is None:
    st.info("The race needs the MNIST training images, which are not available here.")
else:
    r1, r2, r3, r4 = st.columns(4)
    n_images = r1.select_slider("Training images", [1000, 2000, 5000, 10000, 20000, 60000], 5000, key="race_images")
    epochs = r2.slider("Epochs", 1, racing.MAX_EPOCHS, 2, key="race_epochs")
    optimizer = r3.selectbox("Optimiser", ["sgd", "adam"], key="race_optimizer",
                             format_func={"sgd": "plain SGD (lr 0.5)", "adam": "Adam (lr 0.003)"}.get)
    r4.write("")
    start = r4.button("Start the race", type="primary", icon=":material/flag:", key="race_start")
    st.caption(f"Capped at {racing.MAX_EPOCHS} epochs and {racing.MAX_SECONDS} s; at most {compare.RACES_AT_ONCE} "
               "races run at once on this server. Press Stop (or change anything) to cancel.")
    if start:
        slots = compare.race_slots()
        if not slots.acquire(blocking=False):
            st.warning("Other visitors' races are using the server right now; try again in a few seconds.")
        else:
            try:
                st.button("Stop", icon=":material/stop:", key="race_stop")
                progress, chart = st.progress(0.0, text="starting…"), st.empty()
                train_images, train_labels = data.train_set()

                def show(result, done):
                    st.session_state["race_result"] = {
                        "images": list(result.images_seen), "acc": {k: list(v) for k, v in result.accuracy.items()},
                        "loss": {k: list(v) for k, v in result.loss.items()}, "done": done, "stopped": None,
                        "settings": (n_images, epochs, optimizer)}
                    progress.progress(done, text=f"{done:.0%} · sigmoid {result.accuracy['sigmoid'][-1]:.1%} · "
                                                 f"ReLU {result.accuracy['relu'][-1]:.1%}")
                    chart.plotly_chart(compare.curves_figure(
                        {k: (result.images_seen, result.loss[k], result.accuracy[k]) for k in result.accuracy},
                        "training images seen"), config={"displayModeBar": False})

                result = racing.race(train_images, train_labels, tests.images[:2000], tests.labels[:2000],
                                     n_images=n_images, epochs=epochs, optimizer=optimizer, on_checkpoint=show)
                st.session_state["race_result"]["stopped"] = result.stopped
                st.session_state["race_result"]["seconds"] = result.seconds
            finally:
                slots.release()
            st.rerun()
    last = st.session_state.get("race_result")
    if last:
        with st.container(key="race_finished"):
            a_s, a_r = last["acc"]["sigmoid"][-1], last["acc"]["relu"][-1]
            state = "finished" if last["done"] >= 1 else f"stopped at {last['done']:.0%}"
            st.markdown(f"Race {state}: **Sigmoid {a_s:.1%}**, **ReLU {a_r:.1%}** on 2,000 test images "
                        f"({last['settings'][0]:,} training images, {last['settings'][1]} epochs, "
                        f"{last['settings'][2].upper()}"
                        + (f", {last['seconds']:.1f} s" if "seconds" in last else "") + ").")
        st.plotly_chart(compare.curves_figure({k: (last["images"], last["loss"][k], last["acc"][k]) for k in last["acc"]},
                                              "training images seen"),
                        key="race_chart", config={"displayModeBar": False})

# --- inside, over the test set ---------------------------------------------------------------------------------
st.subheader("Inside, over the 10,000 test images")
insides = {name: compare.inside(name) for name in nets}
if all(v is not None for v in insides.values()):
    s, r = insides["sigmoid"], insides["relu"]
    rows = []
    for l in (1, 2):
        rows.append({"hidden layer": l,
                     "sigmoid saturated": f"{s['trained'][l - 1]['saturated']:.1%}",
                     "…at initialisation": f"{s['init_summary'][l - 1]['saturated']:.1%}",
                     "sigmoid units never above 0.05": len(s["trained"][l - 1]["dead"]),
                     "ReLU off (a = 0)": f"{r['trained'][l - 1]['off']:.1%}",
                     "ReLU dead units": len(r["trained"][l - 1]["dead"])})
    st.dataframe(rows, hide_index=True, key="cmp_inside")
    st.caption("Saturated: a sigmoid activation below 0.05 or above 0.95, where its slope is under 0.048. "
               "Off: a ReLU at exactly 0, passing no gradient for that image. Dead: a unit that is so for every "
               "test image.")
    g1, g2 = st.columns([1.6, 1], gap="large")
    g1.plotly_chart(compare.gradient_figure(insides), key="cmp_gradients", config={"displayModeBar": False})
    g2.markdown("**The gradient reaching each layer** (root-mean-square of ∂C/∂W over 2,000 test images). "
                "Backpropagation multiplies by the activation's slope at every layer on the way back; "
                "a sigmoid's slope is at most 0.25, ReLU's is 1 where it is on. "
                f"Sigmoid, layer 1 vs layer 3 at initialisation: "
                f"{s['grad_init'][0] / s['grad_init'][2]:.2f}x; ReLU: {r['grad_init'][0] / r['grad_init'][2]:.2f}x.")

# --- accuracy, and where they disagree ---------------------------------------------------------------------------
if tests is not None:
    st.subheader("Accuracy, and where they disagree")
    preds = {name: data.test_predictions(name) for name in nets}
    a1, a2 = st.columns([1.4, 1], gap="large")
    a1.plotly_chart(figures.per_digit_bars(
        {f"{data.MODEL_LABELS[n]} ({np.mean(preds[n] == tests.labels):.2%})":
         (per_digit_accuracy(preds[n], tests.labels), compare.COLOURS[n]) for n in nets}, y_min=80, height=280),
        key="cmp_per_digit", config={"displayModeBar": False})
    disagree = np.flatnonzero(preds["sigmoid"] != preds["relu"])
    with a2:
        with st.container(key="cmp_disagree"):
            s_right = int(np.sum(preds["sigmoid"][disagree] == tests.labels[disagree]))
            r_right = int(np.sum(preds["relu"][disagree] == tests.labels[disagree]))
            st.markdown(f"They disagree on **{len(disagree)}** of 10,000 test images: sigmoid is right on "
                        f"**{s_right}** of them, ReLU on **{r_right}**, neither on {len(disagree) - s_right - r_right}.")
        shown = disagree[:24]
        st.image(figures.thumbnails(tests.images, shown, per_row=12, size=28),
                 caption="the first 24 (label: sigmoid / ReLU): " + ", ".join(
                     f"{tests.labels[i]}: {preds['sigmoid'][i]}/{preds['relu'][i]}" for i in shown[:8]) + " …")
