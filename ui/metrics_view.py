"""Response metrics drawn as a chart: per month, one bar per severity, for the chosen measure.

Drawn with QPainter (no QtCharts, which would need the Addons wheel). The window is not modal
and exports without dialogs: CSV and PNG go to the exports folder and the path is shown.
"""

import math
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from console import metrics
from console.errors import ConsoleError
from console.files import write_private
from ui import actions, palette
from ui.actions import Where

ZERO_BAR = 2.0  # px: a median of 0 minutes is still a bar (no bar means no incident)


def axis_top(largest: float) -> float:
    """The value at the top of the minutes axis: the largest median rounded up to 1, 2 or 5
    times a power of ten, so the half-way mark is a round number too (1 when all are 0)."""
    if largest <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(largest))
    return next(step * scale for step in (1, 2, 5, 10) if largest <= step * scale * (1 + 1e-9))


def tick(value: float) -> str:
    """An axis mark: 0.5, 1, 25, 500 - never a half rounded to 0."""
    return f"{value:g}"


class MetricsChart(QWidget):
    """Grouped bars: months along the bottom, minutes up the side, a colour per severity."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(500, 280)
        self.setAccessibleName("Metrics chart")
        self.rows: list[metrics.MonthRow] = []
        self.measure = metrics.MEASURES[0]

    def set_data(self, rows: list[metrics.MonthRow], measure: str) -> None:
        self.rows, self.measure = rows, measure
        self.update()

    def series(self) -> tuple[list[str], list[int], dict[tuple[str, int], float]]:
        months = sorted({r.month for r in self.rows})
        levels = sorted({r.severity for r in self.rows})
        values = {(r.month, r.severity): r.medians[self.measure] / 60
                  for r in self.rows if r.medians[self.measure] is not None}
        return months, levels, values

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        months, levels, values = self.series()
        area = QRectF(self.rect()).adjusted(60, 30, -20, -50)
        painter.setPen(text)
        title = QFont(self.font())
        title.setBold(True)
        painter.setFont(title)
        painter.drawText(QRectF(0, 4, self.width(), 22), Qt.AlignmentFlag.AlignCenter,
                         f"{metrics.MEASURE_NAMES[self.measure]}, median minutes (drills left out)")
        painter.setFont(self.font())
        if not values:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "No incidents with this measure yet.")
            return
        top = axis_top(max(values.values()))
        painter.setPen(QPen(text, 1))
        painter.drawLine(area.bottomLeft(), area.bottomRight())
        painter.drawLine(area.bottomLeft(), area.topLeft())
        for fraction in (0.0, 0.5, 1.0):
            y = area.bottom() - area.height() * fraction
            painter.drawText(QRectF(0, y - 8, 55, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             tick(top * fraction))
        group = area.width() / len(months)
        bar = max(4.0, (group * 0.8) / max(len(levels), 1))
        for m, month in enumerate(months):
            x0 = area.left() + m * group + group * 0.1
            for s, level in enumerate(levels):
                value = values.get((month, level))
                if value is None:
                    continue
                height = max(area.height() * value / top, ZERO_BAR)
                painter.fillRect(QRectF(x0 + s * bar, area.bottom() - height, bar - 2, height),
                                 palette.colour(palette.severity(level)))
            painter.setPen(text)
            painter.drawText(QRectF(area.left() + m * group, area.bottom() + 4, group, 18),
                             Qt.AlignmentFlag.AlignCenter, month)
        x = area.left()
        for level in levels:
            painter.fillRect(QRectF(x, area.bottom() + 28, 12, 12), palette.colour(palette.severity(level)))
            painter.drawText(QRectF(x + 16, area.bottom() + 25, 60, 18), Qt.AlignmentFlag.AlignLeft, f"SEV-{level}")
            x += 80


class MetricsWindow(QWidget):
    """Signals: exported(str): the path written."""

    exported = Signal(str)

    def __init__(self, export_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Metrics — Incident Console")
        self.resize(900, 480)
        self.export_dir = export_dir
        self.measure_box = QComboBox(self)
        self.measure_box.setAccessibleName("Measure")
        for key, name in metrics.MEASURE_NAMES.items():
            self.measure_box.addItem(name, key)
        self.chart = MetricsChart(self)
        # The keys are rows of `ui.actions` (Where.METRICS), as every key is.
        self.actions_by_name = {**actions.install(self, Where.METRICS, metrics=self),
                                **actions.install_window(self)}
        self.csv_button = QPushButton(f"Export CSV ({actions.keys_of('metrics_csv')})", self)
        self.png_button = QPushButton(f"Export PNG ({actions.keys_of('metrics_png')})", self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Measure:", self))
        top.addWidget(self.measure_box, 1)
        top.addWidget(self.csv_button)
        top.addWidget(self.png_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.message)
        self.rows: list[metrics.MonthRow] = []
        self.measure_box.currentIndexChanged.connect(self._on_measure_changed)
        self.csv_button.clicked.connect(self.export_csv)
        self.png_button.clicked.connect(self.export_png)

    def _on_measure_changed(self, _index: int) -> None:
        self.chart.set_data(self.rows, self.measure_box.currentData())

    def set_incidents(self, incidents) -> None:
        self.rows = metrics.monthly(incidents)
        self.chart.set_data(self.rows, self.measure_box.currentData())

    def _path(self, suffix: str) -> Path:
        from console.paths import ensure_private_dir

        ensure_private_dir(self.export_dir)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        return self.export_dir / f"metrics-{stamp}.{suffix}"

    def _write(self, suffix: str, data: str | bytes) -> Path | None:
        """The export written to the exports folder (atomically, 0600), or None with the
        reason shown."""
        path = self._path(suffix)
        try:
            write_private(path, data)
        except ConsoleError as exc:
            self.message.setText(f"Not exported: {exc}")
            return None
        self.message.setText(f"Wrote {path}")
        self.exported.emit(str(path))
        return path

    def export_csv(self) -> Path | None:
        return self._write("csv", metrics.to_csv(self.rows))

    def export_png(self) -> Path | None:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.chart.grab().save(buffer, "PNG")
        buffer.close()
        return self._write("png", bytes(data.data()))
