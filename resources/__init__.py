"""Packaged content: handbook pages, icons and the stylesheet (found on disk by console.paths.shipped)."""
