"""Packaged content: the default process definition (read through importlib.resources)."""
