"""Hand-tune: set weights and biases by hand, and see at once what it does on real test data."""
from ui import hand_tune as ht
from ui import state
from ui.sidebar import page_config, sidebar

page_config("Hand-tune", "🎛️")
ht.init()
ht.load_shared_link()  # before the sidebar: a link chooses the model
model_name = sidebar(uses_edits=False)
ht.follow_link_model(model_name)                 # a link whose model= disagreed with its edits: their model
presenting = state.presenting()
ht.pending_stroke(model_name)                    # a stroke no callback applied (AppTest: none in a browser)

ht.header(model_name, presenting)                # title, what the page is for, the last action's outcome
here = ht.choose_neuron(model_name)              # layer and neuron, kept in the address
reload_loses = ht.keep_in_address(model_name, here.layer, here.neuron)  # None: a reload keeps every edit
ht.score(here, reload_loses)                     # accuracy now and trained, edits, Undo / Redo / Reset
ht.neuron_and_tools(here, presenting)            # the weights (grid or bars) and Brush / Exact / Template / Whole
ht.threshold(here, presenting)                   # the bias as a threshold over all test images
ht.closer_look(here)                             # what changed, what excites it, one input
if not presenting:
    ht.your_edits(here)                          # the record of edits, Restore per neuron
    ht.keep_and_share(here)                      # download, load a file, share link
ht.unload_guard(warn=bool(reload_loses))         # the tab asks before losing edits the address cannot hold
