"""Canary: the Qt bindings must not drop references to None, True or False.

PySide6 6.12.0 on Python 3.11 lowers None's reference count by one on every call of a Qt method
that returns nothing; after enough calls None is "deallocated" and the interpreter aborts
(`Fatal Python error: none_dealloc`) in the middle of an incident. pyproject.toml keeps that
build away from 3.11; this test fails if an affected build is ever installed again.

Each method the window calls most is warmed up (first calls fill the bindings' caches), then
called thousands of times with the collector off; the counts must not move. On Python 3.12+
the three singletons are immortal: their counts never change, and the fault cannot hurt.
"""

import ctypes
import gc
import sys

import pytest
from PySide6.QtCore import QModelIndex, QRect, QStringListModel, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QPlainTextEdit

CALLS = 3000
BATCH = 100
_INCREF = ctypes.pythonapi.Py_IncRef
_INCREF.argtypes = [ctypes.py_object]
SINGLETONS = {"None": None, "True": True, "False": False}


def _counts() -> dict[str, int]:
    return {name: sys.getrefcount(obj) for name, obj in SINGLETONS.items()}


def _drift(call) -> dict[str, int]:
    """How far each singleton's count moved over CALLS calls of `call` (0 is healthy).

    Measured in batches: a faulty build is caught after one batch and every reference it took
    is handed back, so the run reports the fault instead of aborting on it.
    """
    for _ in range(50):
        call()
    gc.collect()
    gc.disable()
    try:
        before = _counts()
        for _ in range(0, CALLS, BATCH):
            for _ in range(BATCH):
                call()
            drift = {name: count - before[name] for name, count in _counts().items()}
            if min(drift.values()) < 0:
                break
    finally:
        gc.enable()
    for name, moved in drift.items():
        for _ in range(-moved):
            _INCREF(SINGLETONS[name])
    return drift


@pytest.fixture
def painter():
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    p = QPainter(image)
    yield p
    p.end()


def _calls(qtbot, painter):
    """The Qt calls the window makes most, each as a zero-argument callable."""
    label, line, text, view = QLabel(), QLineEdit(), QPlainTextEdit(), QListView()
    for widget in (label, line, text, view):
        qtbot.addWidget(widget)
    model = QStringListModel(["a", "b", "c"])
    view.setModel(model)
    timer = QTimer()
    pen, colour, rect = QPen(QColor("#336699")), QColor("#ffffff"), QRect(0, 0, 8, 8)
    return {
        "QLabel.setText": lambda: label.setText("SEV-1"),
        "QLineEdit.setText": lambda: line.setText("note"),
        "QLineEdit.selectAll": line.selectAll,
        "QPlainTextEdit.setPlainText": lambda: text.setPlainText("draft"),
        "QWidget.setVisible": lambda: label.setVisible(False),
        "QWidget.update": label.update,
        "QWidget.isVisible": label.isVisible,
        "QWidget.hasFocus": line.hasFocus,
        "QTimer.start": lambda: timer.start(1000),
        "QTimer.isActive": timer.isActive,
        "QPainter.setPen": lambda: painter.setPen(pen),
        "QPainter.save/restore": lambda: (painter.save(), painter.restore()),
        "QPainter.drawRect": lambda: painter.drawRect(rect),
        "QPainter.fillRect": lambda: painter.fillRect(rect, colour),
        "QPainter.drawText": lambda: painter.drawText(rect, 0, "x"),
        "QAbstractItemModel.dataChanged": lambda: model.dataChanged.emit(
            model.index(0), model.index(2)),
        "QAbstractItemView.setCurrentIndex": lambda: view.setCurrentIndex(model.index(1)),
        "QModelIndex.isValid": lambda: QModelIndex().isValid(),
    }


def test_qt_calls_keep_none_true_and_false_alive(qtbot, painter):
    calls = _calls(qtbot, painter)
    drifted = {}
    for name, call in calls.items():
        drift = _drift(call)
        # A leak (a count going up) is harmless; a count going down is the abort.
        if min(drift.values()) < 0:
            drifted[name] = drift
    assert not drifted, (
        "these Qt bindings drop references to None/True/False (the session would abort with "
        f"'Fatal Python error: none_dealloc'); pin another PySide6 build: {drifted}"
    )


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal on Python 3.12+")
def test_the_canary_sees_a_dropped_reference():
    """The measurement itself notices a callable that drops one reference to None per call."""
    decref = ctypes.pythonapi.Py_DecRef
    decref.argtypes = [ctypes.py_object]
    drift = _drift(lambda: decref(None))
    for _ in range(50):  # the warm-up calls; _drift gave back the measured ones
        _INCREF(None)
    assert drift["None"] <= -BATCH + 2
