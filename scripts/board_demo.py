"""Seed a mid-incident board and save screenshots of it (used for the README and reviews).

    python scripts/board_demo.py OUTDIR [WIDTHxHEIGHT] [light|dark]
Runs offscreen unless QT_QPA_PLATFORM says otherwise.
"""

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from console import paths  # noqa: E402
from console.clock import SystemClock  # noqa: E402
from console.service import IncidentService  # noqa: E402


def seed(home: Path) -> int:
    clock = SystemClock()
    service = IncidentService.open(paths.resolve(home).db_path, clock)
    now = clock.now()
    incident = service.incidents.declare("Checkout returns 502 errors for EU customers", by="Ana Alvarez",
                                         severity=1, declared_at=now - timedelta(minutes=37),
                                         started_at=now - timedelta(minutes=45)).incident
    iid = incident.id
    for role, person, minutes in [("ic", "Ana Alvarez", 36), ("deputy", "Ben Okafor", 35),
                                  ("scribe", "Cy Mwangi", 35), ("sme", "Dee Patel", 30)]:
        service.roster.assign(iid, role, person, by="Ana Alvarez", at=now - timedelta(minutes=minutes))
    for minutes, kind, text, who in [
        (33, "finding", "Error rate on checkout-api at 38% since 13:58", "Dee Patel"),
        (31, "finding", "Deploy 4121 went out at 13:56; suspect it", "Ben Okafor"),
        (25, "decision", "Polled: roll back deploy 4121, no strong objections; Dee executing", "Ana Alvarez"),
        (12, "action", "Rollback of 4121 started", "Dee Patel"),
        (4, "finding", "Error rate falling: 12%", "Dee Patel"),
    ]:
        service.timeline.log(iid, text, by=who, kind=kind, occurred_at=now - timedelta(minutes=minutes))
    service.tasks.add(iid, "Dee Patel", 10, "confirm the rollback finished on all hosts", by="Ana Alvarez",
                      at=now - timedelta(minutes=12))
    service.tasks.add(iid, "Ben Okafor", 15, "check the canary dashboards for 4121", by="Ana Alvarez",
                      at=now - timedelta(minutes=6))
    service.tasks.add(iid, "Eve Larsen", 20, "draft the status page post", by="Ana Alvarez")
    from console.board import checklist_item
    from console.process import load_process

    process = load_process()
    for item in ("ic-during-01-announce", "ic-during-02-no-ic", "ic-during-03-roles",
                 "ic-during-04-experts", "ic-during-05-symptoms"):
        service.checklist.set(iid, item, True, by="Ana Alvarez", label=checklist_item(process, item)["text"])
    service.updates.send(iid, "responders", "SEV-1, rollback under way, next update in 15 minutes", by="Ana Alvarez")
    # A busy timeline: every kind the scribe types, pins, a correction and a retraction.
    extra = [
        ("roster", "IC: Ana Alvarez, Deputy: Ben Okafor, Scribe: Cy Mwangi", "Cy Mwangi"),
        ("page", "Paged the payments team", "Ben Okafor"),
        ("system", "Status bot: checkout NORMAL -> DEGRADED", "Cy Mwangi"),
        ("comms", "Status page: investigating elevated checkout errors (EU)", "Eve Larsen"),
        ("note", "Ben: need better detection of bad deploys in canary", "Cy Mwangi"),
        ("todo", "Why did the canary not catch the 502s?", "Cy Mwangi"),
        ("finding", "Replica lag on db-2 is 40 s", "Dee Patel"),
        ("note", "Wrong incident: meant for INC-7", "Cy Mwangi"),
    ]
    ids = {}
    for i, (kind, text, who) in enumerate(extra):
        ids[text] = service.timeline.log(iid, text, by=who, kind=kind,
                                         occurred_at=now - timedelta(minutes=3, seconds=-10 * i)).entries[0].id
    service.history.revise(iid, ids["Replica lag on db-2 is 40 s"], "Replica lag on db-2 is 45 s (measured again)",
                           by="Dee Patel")
    service.history.retract(iid, ids["Wrong incident: meant for INC-7"], by="Cy Mwangi", reason="wrong incident")
    for text in ("Why did the canary not catch the 502s?", "Paged the payments team"):
        service.history.set_pin(iid, ids[text], True, by="Cy Mwangi")
    service.timeline.log(iid, "Call over; continue in the chat room", by="Cy Mwangi", kind="call_end")
    service.close()
    return iid


def main() -> None:
    out = Path(sys.argv[1])
    size = sys.argv[2] if len(sys.argv) > 2 else "1366x768"
    theme = sys.argv[3] if len(sys.argv) > 3 else "light"
    width, height = (int(x) for x in size.split("x"))
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    if theme == "dark":
        from ui.palette import reference_palette

        app.setPalette(reference_palette("dark"))  # a dark desktop: the one the palette is measured on
    from ui import app as ui_app

    with tempfile.TemporaryDirectory() as tmp:
        iid = seed(Path(tmp))
        window = ui_app.build(paths.resolve(tmp), app=app, author="Ana Alvarez")
        window.resize(width, height)
        for _ in range(50):
            app.processEvents()
            if window.process is not None:
                break
            from PySide6.QtTest import QTest
            QTest.qWait(20)
        window.open_incident(iid)
        page = window.incident_page
        page.prompts.show_moment("before_decision")
        from PySide6.QtTest import QTest
        QTest.qWait(300)
        page.tick()
        QTest.qWait(100)
        window.grab().save(str(out / f"board-{size}-{theme}.png"))
        if size == "1366x768" and theme == "light":
            # The post-mortem editor with a few sentences a reviewer would flag.
            page.close_out.open_postmortem()
            editor = page.close_out.postmortem_window
            text = editor.editor.toPlainText().replace(
                "_To write:_ One or two short sentences",
                "Ben Okafor broke checkout with deploy 4121. It was human error. The outage lasted "
                "37 minutes. We will add a canary check.\n\n_To write:_ One or two short sentences", 1)
            editor.editor.setPlainText(text)
            editor.refresh()
            editor.resize(1366, 768)
            QTest.qWait(100)
            editor.grab().save(str(out / "postmortem-editor.png"))
        window.close()


if __name__ == "__main__":
    main()
