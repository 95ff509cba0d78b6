"""Probe: what the network really looks for: the image each neuron wants, where its answer flips between two
digits, how few pixels fool it, which neurons it cannot do without, and what it makes of noise."""
from ui import probe, probe_sections, state
from ui.sidebar import page_config, sidebar

page_config("Probe", "🔬")
model_name = sidebar()
probe.init()
net = state.network(model_name)

probe_sections.header(model_name, net)
probe_sections.chosen_part(model_name, net)  # one part at a time: want to see, morph, fool it, break it, noise
