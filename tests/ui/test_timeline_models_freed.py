"""Opening incident after incident keeps one timeline model, not one per opening."""

from PySide6.QtCore import QCoreApplication, QEvent

from ui.timeline import TimelineModel


def test_switching_incidents_frees_the_previous_timeline_model(qtbot, page, window):
    scribe = page.scribe
    incident = page.incident
    for _ in range(5):
        scribe.show_incident(incident)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    models = scribe.timeline.findChildren(TimelineModel)
    assert models == [scribe.model]
