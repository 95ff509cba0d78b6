"""The Probe page's parts, one at a time: what a neuron wants to see, a morph between two digits, the fewest
pixels that fool the network, the neurons it cannot do without, and what it makes of noise. Each part is a
fragment: its widgets rerun only that part. The computations are ui.probe's, the pictures ui.probe_figures'."""
from __future__ import annotations

import streamlit as st

from . import data, figures, inputs, state, theme
from . import probe as pr
from . import probe_figures as pf
from src.words import a as article


def header(model_name: str, net):
    st.title(":material/biotech: Probe")
    st.caption(f"The lesson hoped the hidden layers would find edges and loops. Probe {pr.network_label(model_name, net)} "
               "and find out what it really looks for.")


# --- What does it want to see? ------------------------------------------------------------------------------
@st.fragment
def want_to_see(model_name: str, net):
    tests, presenting = data.test_set(), state.presenting()
    st.subheader("What does it want to see?")
    st.caption("Start from an image and nudge its 784 pixels, step by step, in the direction that raises one "
               "neuron's activation; the direction comes from backpropagation, carried down to the pixels, which "
               "stay between 0 and 1. Without a penalty the network's favourite image is noise; a smoothness "
               "penalty makes it blobby. It never draws a digit.")
    controls, result = st.columns([2, 3], gap="large")
    with controls:
        kind = st.segmented_control("Climb", list(pr.DREAM_KINDS), format_func=pr.DREAM_KINDS.get,
                                    key=pr.DREAM_KIND, required=True, wrap=True) or "digit"
        if kind == "digit":
            st.segmented_control("Digit", list(range(net.sizes[-1])), key=pr.DREAM_DIGIT, required=True, wrap=True)
        else:
            pr.keep_valid(pr.DREAM_LAYER, pr.hidden_layers(net), 1)
            c1, c2 = st.columns(2)
            layer = c1.selectbox("Hidden layer", pr.hidden_layers(net), key=pr.DREAM_LAYER)
            pr.keep_valid(pr.DREAM_NEURON, list(range(net.sizes[layer])), 0)
            c2.selectbox("Neuron", list(range(net.sizes[layer])), key=pr.DREAM_NEURON)
        options = pr.start_options(tests)
        pr.keep_valid(pr.DREAM_START, options, inputs.BLANK)
        start_kind = st.segmented_control("Start from", options, key=pr.DREAM_START, required=True, wrap=True)
        if start_kind == inputs.TEST:
            st.number_input("Test image #", 0, len(tests.labels) - 1, key=pr.DREAM_INDEX)
        elif start_kind == inputs.NOISE and not presenting:
            st.number_input("Noise seed", 0, 10**6, key=pr.DREAM_SEED)
        st.slider("Smoothness penalty", 0.0, 1.0, step=0.05, key=pr.DREAM_SMOOTH,
                  help="Pulls each pixel towards its neighbours (total variation). 0: the network alone decides.")
        st.toggle("Also run without the penalty, side by side", key=pr.DREAM_COMPARE)
        if not presenting:
            with st.expander("More settings"):
                if kind == "digit":
                    st.radio("Climb the digit's", list(pr.OBJECTIVES), format_func=pr.OBJECTIVES.get,
                             key=pr.DREAM_OBJECTIVE)
                st.slider("Ink penalty", 0.0, 1.0, step=0.05, key=pr.DREAM_INK,
                          help="Pulls every pixel towards black (L2): the least ink that still excites the neuron.")
                st.slider("Steps", 20, pr.DREAM_MAX_STEPS, step=10, key=pr.DREAM_STEPS)
                st.slider("Step size", 0.01, 0.2, step=0.01, key=pr.DREAM_LR,
                          help="How far a typical pixel moves in one step (it shrinks to a tenth over the run).")
        run = st.button("Run", type="primary", key=pr.DREAM_RUN, icon=":material/play_arrow:")
    with result:
        start, start_text = pr.start_image(tests)
        if run:
            progress, picture = st.empty(), st.empty()
            st.session_state[pr.DREAM_RESULT] = pr.run_dreams(net, start, progress, picture)
        shown = st.session_state[pr.DREAM_RESULT]
        if shown is None:
            st.image(pf.gray(start), caption=f"Start: {start_text}", width=pr.IMAGE_PX, output_format="PNG")
            st.info("Choose a digit or a neuron and press **Run**: 200 steps take well under a second.",
                    icon=":material/play_arrow:")
            return
        with st.container(key="probe_dream_result"):
            st.markdown(f"**What maximises {shown.title}**")
            if shown.fingerprint != pr.fingerprint(net):
                st.caption("Computed for another network (the other model, or before an edit): press Run again.")
            for caption, d, snapshots in shown.runs:
                left, right = st.columns([1, 2])
                left.image(pf.gray(d.image), caption=caption, width=pr.IMAGE_PX, output_format="PNG")
                right.image(pf.filmstrip([im for _, im in snapshots], size=56), output_format="PNG",
                            caption="steps " + ", ".join(str(s) for s, _ in snapshots))
                right.markdown(pr.dream_summary(d, net, shown.layer))
            st.plotly_chart(pf.trace_figure(shown), key="probe_dream_trace", config=pr.PLOT_CONFIG)


def opening(title: str):
    """A part's heading, and the MNIST test set it works on; None (with a note saying why) when there is none."""
    st.subheader(title)
    tests = data.test_set()
    if tests is None:
        st.info(data.without_test_set("This part needs"), icon=":material/dataset:")
    return tests


# --- Morph ------------------------------------------------------------------------------------------------
@st.fragment
def morph(model_name: str, net):
    tests = opening("Morph: from one digit to another")
    if tests is None:
        return
    st.caption("Fade one test image into another, (1 − t)·A + t·B, and watch the outputs along the way: where "
               "does the answer flip, and which hidden neurons change the most?")
    a, b = pr.morph_indices(model_name, tests)
    last = len(tests.labels) - 1
    c1, c2, _ = st.columns([1, 1, 2])
    a = c1.number_input("Image A: test #", 0, last, key=pr.MORPH_A)
    b = c2.number_input("Image B: test #", 0, last, key=pr.MORPH_B)
    m = pr.morph(net, tests, int(a), int(b))
    t = st.slider("t: from A (0) to B (1)", 0.0, 1.0, step=1 / (pr.MORPH_POINTS - 1), key=pr.MORPH_T)
    k = pr.morph_point(m, t)
    left, right = st.columns([2, 3], gap="large")
    with left.container(key="probe_morph_images"):
        st.image(pf.filmstrip([m.images[0], m.images[k], m.images[-1]], size=112), output_format="PNG",
                 caption=f"A ({article(tests.labels[a])}, answered {m.answers[0]}) · at t = {m.ts[k]:.3f}: answered "
                         f"{m.answers[k]} ({m.outputs[k, m.answers[k]]:.0%}) · B ({article(tests.labels[b])}, answered "
                         f"{m.answers[-1]})")
        if m.flip_index is None:
            st.markdown(f"The answer never changes: **{m.answers[0]}** all the way.")
        else:
            st.markdown(f"The answer flips from **{m.answers[0]}** to **{m.answers[m.flip_index]}** at "
                        f"**t = {m.flip_t:.3f}**.")
    right.plotly_chart(pf.morph_figure(m, m.ts[k]), key="probe_morph_chart", config=pr.PLOT_CONFIG)
    st.markdown("**The hidden neurons that changed most from A to B** (pick one to see what it reads)")
    top = pr.morph_top(m)
    pr.keep_valid(pr.MORPH_PICK, top, top[0])
    pick = st.pills("Hidden neuron", top, key=pr.MORPH_PICK, format_func=pr.neuron_label,
                    label_visibility="collapsed") or top[0]
    left, right = st.columns([3, 2], gap="large")
    left.dataframe(pr.morph_rows(m), hide_index=True, width="stretch",
                   column_config={"at A": st.column_config.NumberColumn(format="%.3f"),
                                  "at B": st.column_config.NumberColumn(format="%.3f"),
                                  "change": st.column_config.ProgressColumn(
                                      format="%.3f", min_value=0.0, max_value=max(r["change"] for r in m.ranking))})
    with right.container(key="probe_morph_weights"):
        layer, neuron = pr.parse_neuron(pick)
        kind, figure = pr.incoming_weights(net, layer, neuron)
        if kind == "image":
            st.image(figure, caption=f"L{layer} #{neuron}: its 784 weights, blue positive, red negative",
                     width=pr.IMAGE_PX, output_format="PNG")
        else:
            st.plotly_chart(figure, key="probe_morph_bars", config=pr.PLOT_CONFIG)
        st.page_link("pages/2_hand_tune.py", label=f"Open L{layer} #{neuron} in Hand-tune", icon=":material/tune:",
                     query_params={"layer": layer, "neuron": neuron})


# --- Fool it ------------------------------------------------------------------------------------------------
@st.fragment
def fool_it(model_name: str, net):
    tests = opening("Fool it")
    if tests is None:
        return
    st.caption("The fewest pixels, each set to black or white, that change the network's answer. The gradient "
               "says which pixels matter most; a person would still read the same digit.")
    c1, c2, _ = st.columns([1, 1, 2])
    index = c1.number_input("Test image #", 0, len(tests.labels) - 1, key=pr.FOOL_INDEX)
    c2.selectbox("Make it answer", [pr.ANY_DIGIT] + list(range(net.sizes[-1])), key=pr.FOOL_TARGET)
    target = pr.fool_target()
    f = pr.fool(net, tests, int(index), target)
    with st.container(key="probe_fool"):
        pictures, numbers = st.columns([2, 1])
        pictures.image(pf.side_by_side(tests.x[index], f.image), output_format="PNG", width=2 * pr.IMAGE_PX + 8,
                       caption=f"Left: the original, {article(tests.labels[index])}, answered {f.before} "
                               f"({f.output_before[f.before]:.0%}). Right: the fooled image, answered {f.after} "
                               f"({f.output_after[f.after]:.0%}), drawn dimmed (its brightest ink at "
                               f"{pf.dimmed_words()}) so the changed pixels stand out: blue where ink was added, "
                               "red where it was removed.")
        numbers.metric("Pixels changed", f"{f.count}", help="Out of 784.")
        numbers.metric("Total change", f"{f.total_change:.2f}", help="The sum of |new − old| over the pixels.")
        if f.flipped:
            numbers.markdown(f"Answer **{f.before} → {f.after}**")
        else:
            numbers.warning(f"Not fooled with {f.count} pixels: the answer stays {f.after}.")


# --- Break it -----------------------------------------------------------------------------------------------
@st.fragment
def break_it(model_name: str, net):
    tests = opening("Break it")
    if tests is None:
        return
    n_hidden = len(pr.off_options(net))
    st.caption(f"Switch hidden neurons off (their activation forced to 0) and score the network on the 10,000 "
               f"test images again. Which of the {n_hidden} does it need?")
    ab = pr.ablator(model_name, net, tests)
    options = pr.off_options(net)
    st.session_state[pr.BREAK_OFF] = [k for k in st.session_state[pr.BREAK_OFF] if k in options]
    st.multiselect("Switch off", options, key=pr.BREAK_OFF, format_func=pr.neuron_label,
                   placeholder="choose hidden neurons, e.g. L1 #0")
    result = ab.ablate(pr.switched_off())
    with st.container(key="probe_break"):
        left, right = st.columns([1, 3], gap="large")
        left.metric("Test accuracy", f"{result.accuracy:.2%}",
                    delta=f"{(result.accuracy - ab.intact.accuracy) * 100:+.2f} points" if result is not ab.intact else None)
        left.caption(f"Intact: {ab.intact.accuracy:.2%}")
        if st.session_state[pr.BREAK_OFF]:
            left.button("Switch all back on", key="probe_break_clear", on_click=pr.clear_off)
        series = {"intact": (ab.intact.per_digit, theme.PAIR_COLOURS[1])}
        if result is not ab.intact:
            series["with these off"] = (result.per_digit, theme.RED_CSS)
        right.plotly_chart(figures.per_digit_bars(series, y_min=pr.per_digit_floor(ab.intact, result), height=230),
                           key="probe_break_digits", config=pr.PLOT_CONFIG)
    if st.button(f"Rank all {n_hidden} neurons", key=pr.BREAK_RANK, icon=":material/leaderboard:"):
        st.session_state[pr.BREAK_RANKED] = True
    if st.session_state[pr.BREAK_RANKED]:
        rows = pr.ranking(model_name, net, tests)
        with st.container(key="probe_ranking"):
            worst = rows[0]
            st.markdown(f"**Each neuron alone switched off**: the accuracy drop, neuron by neuron. It needs "
                        f"**L{worst['layer']} #{worst['neuron']}** most: "
                        f"−{worst['drop'] * 100:.1f} points without it.")
            st.plotly_chart(pf.ranking_figure(rows), key="probe_ranking_chart", config=pr.PLOT_CONFIG)
            st.dataframe(pr.ranking_rows(rows, 10), hide_index=True, width="stretch",
                         column_config={"accuracy without it": st.column_config.NumberColumn(format="%.2f%%"),
                                        "drop (points)": st.column_config.NumberColumn(format="%.2f")})
            top3 = [pr.neuron_key(r["layer"], r["neuron"]) for r in rows[:3]]
            st.button("Switch off the three that matter most", key="probe_break_top3", on_click=pr.switch_off_top,
                      args=(top3,))


# --- Noise --------------------------------------------------------------------------------------------------
@st.fragment
def noise(model_name: str, net):
    presenting = state.presenting()
    st.subheader("Noise")
    st.caption("Random images that are no digit at all. The network has no way to say “none of these”: it "
               "answers a digit every time, often confidently.")
    kind = st.segmented_control("Kind", list(pr.NOISE_LABELS), format_func=pr.NOISE_SHORT.get, key=pr.NOISE_KIND,
                                required=True, wrap=True)
    st.caption(pr.NOISE_LABELS[kind or "uniform"])
    c1, c2, _ = st.columns([1, 1, 2])
    c1.selectbox("Images", pr.NOISE_SIZES, key=pr.NOISE_N, format_func=lambda n: f"{n:,}")
    if not presenting:
        c2.number_input("Seed", 0, 10**6, key=pr.NOISE_SEED)
    c = pr.census(net)
    with st.container(key="probe_noise"):
        left, right = st.columns([1, 3], gap="large")
        top = int(c.counts.argmax())
        left.metric("Most common answer", f"{top}", help=f"{c.counts[top]:,} of {c.n:,} images")
        left.metric("Median confidence", f"{c.median_confidence:.0%}",
                    help="The winning output's activation, the median over all the images.")
        left.caption(f"mean {c.mean_confidence:.0%} over {c.n:,} images")
        right.plotly_chart(pf.census_figure(c), key="probe_noise_chart", config=pr.PLOT_CONFIG)
        x, answers, confidence = pr.noise_examples(net)
        st.image(pf.filmstrip(list(x), size=56), output_format="PNG",
                 caption="Examples: " + " · ".join(f"{a} ({p:.0%})" for a, p in zip(answers, confidence)))


PARTS = {"want": want_to_see, "morph": morph, "fool": fool_it, "break": break_it, "noise": noise}


def chosen_part(model_name: str, net):
    """The part chooser under the title, and the part chosen (only that one is drawn)."""
    section = st.segmented_control("Part", list(pr.SECTIONS), format_func=pr.SECTIONS.get, key=pr.SECTION,
                                   required=True, label_visibility="collapsed") or "want"
    PARTS[section](model_name, net)
