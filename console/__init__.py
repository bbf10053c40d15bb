"""Incident Console core: domain, storage, export and CLI.

Nothing in this package may import Qt: the core must run headless (CLI, tests, scripts)
and a test enforces it.
"""

__version__ = "0.1.0"
