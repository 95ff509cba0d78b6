"""The Hand-tune page's state, actions and pictures, one concern a module; the page (pages/2_hand_tune.py)
lists its sections.

    keys          session keys with their defaults, the tools and views offered, the last action's message
    actions       the callbacks that make, undo and load edits (uploads included)
    grid          the weight grid: picture, colour scale, and what a stroke on it does (ui.canvas.StrokeCanvas)
    link          the share link, the address that keeps the history over a reload, the downloaded file
    charts        the threshold chart and labelled test images (pure functions)
    neuron_view   the page's top: title, neuron chooser, score, the neuron and its tools
    insight       the threshold section and the closer looks
    record        the record of edits, keeping and sharing

Cross-page state (the model, this session's edited copy) goes through ``ui.state``.
"""
from .. import data  # noqa: F401 - tests read the shipped weights' paths through it
from .actions import (apply_template, chosen_input, parsed_upload, redo, reset, revert, set_bias,
                      set_weight, template_weights, transform, undo, upload, zero_layer)
from .charts import (CHANGED_LISTED, activation_curve, changed_neurons_note, labelled_thumbnails, nice_ticks,
                     sum_range, threshold_label, threshold_svg, tick_label)
from .grid import (BRUSH_CANVAS, GRID_PX, PICK_CANVAS, PRESENTER_GRID_PX, brush_colour, brush_width, colour_limit,
                   grid_image, grid_px, legend_html, pending_stroke)
from .insight import closer_look, threshold
from .keys import *  # noqa: F401,F403 - the session keys and choices, by name
from .keys import init, is_image_layer, layer_name, message, plural, say, tools_for, value
from .link import focus, follow_link_model, keep_in_address, link_code, load_shared_link, model_file, share_link, unload_guard
from .neuron_view import Here, choose_neuron, header, neuron_and_tools, score
from .record import keep_and_share, your_edits
