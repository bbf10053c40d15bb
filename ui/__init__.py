"""Incident Console's Qt interface (PySide6). Depends on `console`; never the reverse."""
