"""Hand-tune (being built)."""
import streamlit as st

from ui.sidebar import page_config, sidebar

page_config("Hand-tune", "🎛️")
sidebar()
st.title("🎛️ Hand-tune")
st.info("This page is being built.")
