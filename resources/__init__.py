"""Packaged content: handbook pages, icons and the stylesheet (read through importlib.resources)."""
