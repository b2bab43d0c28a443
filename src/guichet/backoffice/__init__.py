"""The advisor console."""
