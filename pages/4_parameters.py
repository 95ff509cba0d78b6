"""Parameters (being built)."""
import streamlit as st

from ui.sidebar import page_config, sidebar

page_config("Parameters", "🔢")
sidebar()
st.title("🔢 Parameters")
st.info("This page is being built.")
