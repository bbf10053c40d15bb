"""PDF through Qt's own printing: the post-mortem's HTML laid out by QTextDocument onto a
QPdfWriter. Used by the window and by `incident-console export --format pdf` (which loads Qt
only for this format, offscreen when there is no display)."""

import os
from pathlib import Path


_app = None


def write_pdf(html: str, path: Path) -> None:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
    from PySide6.QtWidgets import QApplication

    # A QApplication, not a bare QGuiApplication: if this process later shows a window (the
    # app itself, or a test run), widgets need the full application object.
    global _app
    _app = QApplication.instance() or QApplication([])  # Qt needs one alive while printing
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setTitle("Post-mortem")
    document = QTextDocument()
    document.setHtml(html)
    document.print_(writer)
    path.chmod(0o600)
