"""Parameters: where a network's weights and biases live, layer by layer, counted from its arrays."""
from ui import parameters, parameters_sections as sections
from ui.sidebar import page_config, sidebar

page_config("Parameters", "🔢")
model_name = sidebar()
parameters.init(model_name)

sections.header()
net, edited, uploaded, source, file_name = sections.which_network(model_name)
sections.where_they_live(net, source, file_name)
sections.each_layer(net)
sections.galleries(net)
sections.compared(model_name, edited, uploaded)
sections.what_if(net, source)  # not in presenter view
