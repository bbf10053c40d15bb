"""The drill bar (Ctrl+Shift+D, over the incident list): pick a scenario and a speed; Enter starts it.

The scenarios are the process's (`data/scenarios/`, console/scenarios.py), after the replay of
the incident selected in the list when it has anything to replay; the bar is a row over the
list, never a dialog. Up and Down pick the scenario (from the speed box too), digits typed
over the list set the speed, Enter starts the drill and Esc closes the bar.
"""

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QListView, QPushButton, QSpinBox, QWidget

from console.scenarios import MAX_SPEED, MIN_SPEED, Scenario
from ui import actions


class ScenarioListModel(QAbstractListModel):
    """The process's scenarios, one a row: id, title, severity and length."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._scenarios: list[Scenario] = []

    def set_scenarios(self, scenarios: list[Scenario]) -> None:
        self.beginResetModel()
        self._scenarios = list(scenarios)
        self.endResetModel()

    def scenario_at(self, row: int) -> Scenario:
        return self._scenarios[row]

    def scenarios(self) -> list[Scenario]:
        return list(self._scenarios)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._scenarios)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._scenarios):
            return None
        scenario = self._scenarios[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            minutes = scenario.injects[-1].at / 60 if scenario.injects else 0
            flags = ", security" if scenario.security else ""
            return (f"{scenario.title}  (SEV-{scenario.severity}{flags}; {len(scenario.injects)} injects "
                    f"over {minutes:g} min)  {scenario.id}")
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return scenario.summary
        return None


class DrillBar(QFrame):
    """Start a drill without leaving the keyboard.

    Signals:
        start_requested(str, int): the scenario's id and the speed.
    """

    start_requested = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drillBar")
        self.model = ScenarioListModel(self)
        self.view = QListView(self)
        self.view.setObjectName("scenarioList")
        self.view.setAccessibleName("Drill scenarios")
        self.view.setModel(self.model)
        self.view.setMaximumHeight(self.view.fontMetrics().height() * 6)
        self.speed = QSpinBox(self)
        self.speed.setAccessibleName("Drill speed")
        self.speed.setRange(MIN_SPEED, MAX_SPEED)
        self.speed.setSuffix("x")
        self.speed.setToolTip(f"How many times faster than real time the injects come ({MIN_SPEED}-{MAX_SPEED})")
        self.button = QPushButton("Start drill", self)
        self.message = QLabel(self)
        self.message.setObjectName("formMessage")
        self.summary = QLabel(self)
        self.summary.setObjectName("fieldNote")
        self.summary.setWordWrap(True)
        speed_label = QLabel("&Speed:", self)
        speed_label.setBuddy(self.speed)
        layout = QGridLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(QLabel("Start a drill:", self), 0, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.view, 0, 1, 2, 1)
        layout.addWidget(speed_label, 0, 2)
        layout.addWidget(self.speed, 0, 3)
        layout.addWidget(self.button, 0, 4)
        layout.addWidget(self.summary, 2, 1, 1, 4)
        layout.addWidget(self.message, 3, 1, 1, 4)
        layout.setColumnStretch(1, 1)
        self.button.clicked.connect(self.submit)
        self.view.selectionModel().currentChanged.connect(self._show_summary)
        self.view.activated.connect(lambda _: self.submit())
        for field in (self.view, self.speed, self.button):
            field.installEventFilter(self)
        self._pending = False
        self._typed_speed = ""

    def set_scenarios(self, scenarios: list[Scenario]) -> None:
        self.model.set_scenarios(scenarios)
        if scenarios:
            self.view.setCurrentIndex(self.model.index(0))

    def open_bar(self) -> None:
        self._pending = False
        self._typed_speed = ""
        self.message.clear()
        self.show()
        if self.model.rowCount() == 0:
            self.message.setText("The process has no drill scenarios (data/scenarios/).")
        self.view.setFocus()

    def close_bar(self) -> None:
        self._pending = False
        self.hide()

    def show_error(self, text: str) -> None:
        self._pending = False
        self.message.setText(text)

    def current(self) -> Scenario | None:
        index = self.view.currentIndex()
        return self.model.scenario_at(index.row()) if index.isValid() else None

    def submit(self) -> None:
        scenario = self.current()
        if self._pending or scenario is None:
            return
        self._pending = True
        self.message.setText(f"Starting {scenario.id} at {self.speed.value()}x…")
        self.start_requested.emit(scenario.id, self.speed.value())

    def _show_summary(self, current: QModelIndex, _previous=None) -> None:
        self.summary.setText(self.model.scenario_at(current.row()).summary if current.isValid() else "")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        """Enter starts from anywhere in the bar, Esc closes it, Up and Down pick the scenario
        from the speed box too (its own Up and Down are PgUp and PgDown)."""
        kind = event.type()
        if actions.claims(event, actions.ESC):
            return True
        if kind == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.submit()
                return True
            if key == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            if watched is self.speed and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                row = self.view.currentIndex().row() + (1 if key == Qt.Key.Key_Down else -1)
                if 0 <= row < self.model.rowCount():
                    self.view.setCurrentIndex(self.model.index(row))
                return True
            if watched is self.speed and key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self.speed.stepBy(1 if key == Qt.Key.Key_PageUp else -1)
                return True
            if watched is self.view and event.text().isascii() and event.text().isdigit():
                # Digits typed over the list set the speed (clamped to what a drill allows).
                self._typed_speed = (self._typed_speed + event.text())[-2:]
                self.speed.setValue(min(max(int(self._typed_speed), MIN_SPEED), MAX_SPEED))
                return True
            self._typed_speed = ""
        return super().eventFilter(watched, event)
