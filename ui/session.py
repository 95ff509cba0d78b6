"""Moved to ui.state; kept only until every page imports from there."""
from .state import Tuning, edited_copy, network, tuning  # noqa: F401
