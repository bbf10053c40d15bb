"""The `pdf` export: the post-mortem's printable page (the `html` export) laid out by Qt's
printing, QTextDocument onto a QPdfWriter.

It registers itself with the core's export registry (`console.exports`) as the entry point
`pdf` in the `incident_console.exporters` group (pyproject.toml), so `incident-console export
--format pdf` and the window's "export everything" find it while the core never names `ui`.
Importing this module loads no Qt: `render_pdf` does, offscreen when there is no display.

The PDF is rendered into memory and returned as bytes: the caller writes it like every other
export (`console.files.write_private`) or sends it to standard output. The document loads
nothing from outside the page: QTextDocument would otherwise read any local file an `<img>`
names into the PDF, so only `data:` images (already inside the page) are resolved (`_seal`).
"""

import os

from console import exports

_app = None


def _seal(document) -> None:
    """Make `document` unable to read anything from outside the page.

    QTextDocument resolves an image through `loadResource`, and when that yields nothing it
    reads the named file itself (`QImage.load`), bypassing any override; printing works on a
    clone that would do the same. What it has been given with `addResource` wins over both and
    is copied into the clone, so every image not inside the page (`data:`) is given an empty
    one before anything is laid out.
    """
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QImage, QTextDocument

    blank = QImage(1, 1, QImage.Format.Format_ARGB32)
    blank.fill(0)
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            form = it.fragment().charFormat()
            if form.isImageFormat():
                name = form.toImageFormat().name()
                if not name.lower().startswith("data:"):
                    document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), blank)
            it += 1
        block = block.next()


def render_pdf(html: str, header: str | None = None) -> bytes:
    """The page as an A4 PDF, in memory; `header` (a security incident's marking) is printed
    at the top of every page."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument
    from PySide6.QtWidgets import QApplication

    # A QApplication, not a bare QGuiApplication: if this process later shows a window (the
    # app itself, or a test run), widgets need the full application object.
    global _app
    _app = QApplication.instance() or QApplication([])  # Qt needs one alive while printing
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setTitle("Post-mortem")
    document = QTextDocument()
    # No ligatures: a hash printed as "6ﬀec1" (one glyph for "ff") would not copy back out of
    # the PDF as the head it is, nor would any other text a reader checks by hand.
    font = document.defaultFont()
    font.setFeature(QFont.Tag("liga"), 0)
    document.setDefaultFont(font)
    document.setHtml(html)
    _seal(document)
    if header:
        _print_with_header(document, writer, header)
    else:
        document.print_(writer)
    del writer  # ends the PDF: the writer finishes its stream when it goes
    buffer.close()
    return bytes(data.data())


def _print_with_header(document, writer, header: str) -> None:
    """Lay `document` out in pages below a band that holds `header`, and paint each page."""
    from PySide6.QtCore import QRectF, QSizeF, Qt
    from PySide6.QtGui import QFont, QPainter

    painter = QPainter(writer)
    try:
        document.documentLayout().setPaintDevice(writer)
        page = writer.pageLayout().paintRectPixels(writer.resolution())
        font = QFont(document.defaultFont())
        font.setBold(True)
        painter.setFont(font)
        band = painter.fontMetrics().height() * 2
        height = page.height() - band
        document.setPageSize(QSizeF(page.width(), height))
        for number in range(document.pageCount()):
            if number:
                writer.newPage()
            painter.save()
            painter.drawText(QRectF(0, 0, page.width(), band * 0.75), Qt.AlignmentFlag.AlignCenter, header.upper())
            painter.drawLine(0, int(band * 0.8), page.width(), int(band * 0.8))
            painter.translate(0, band - number * height)
            document.drawContents(painter, QRectF(0, number * height, page.width(), height))
            painter.restore()
    finally:
        painter.end()


def _render(reader, incident_id, process, now) -> bytes:
    page = exports.find("html").export(reader, incident_id, process=process, now=now)
    incident = reader.incidents.get(incident_id)
    return render_pdf(page, exports.security_mark(incident, process) if incident.security else None)


EXPORTER = exports.Exporter(
    "pdf", ".pdf", "the post-mortem's printable page as an A4 PDF (needs -o)", _render,
    binary=True, needs_file=True, needs_process=True,
)
