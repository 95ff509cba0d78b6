"""The Streamlit side: one module per page that owns its state, callbacks and computations, and what pages share
(registry, state, sidebar, data, figures, theme, text, canvas, share, inputs, blas)."""
