"""Packaged content: the default process definition (found on disk by console.paths.shipped)."""
