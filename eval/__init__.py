"""Offline evaluation: metrics, runs over labelled sets with the one pipeline, reports."""
