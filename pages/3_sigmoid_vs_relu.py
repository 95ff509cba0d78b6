"""Sigmoid vs ReLU: the lesson's closing remark, shown side by side on the same architecture."""
from ui import compare
from ui.sidebar import page_config, sidebar

page_config("Sigmoid vs ReLU", "⚖️")
sidebar(uses_model=False, uses_edits=False)  # this page always shows both models
compare.init()

compare.header()
forwards, truth, text = compare.the_two_functions(compare.networks())
compare.both_models(forwards, truth, text)
compare.more()  # how they trained, a race, inside the hidden layers, accuracy per digit: one at a time
