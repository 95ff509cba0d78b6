"""The few Streamlit helpers the pages share: cached loaders, the sidebar, figures."""
