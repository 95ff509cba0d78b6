"""Sigmoid vs ReLU (being built)."""
import streamlit as st

from ui.sidebar import page_config, sidebar

page_config("Sigmoid vs ReLU", "⚖️")
sidebar()
st.title("⚖️ Sigmoid vs ReLU")
st.info("This page is being built.")
