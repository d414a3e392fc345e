"""Widgets of the lab."""
