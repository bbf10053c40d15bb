"""The JSON export matches its published schema and computes the metrics."""

import json
from datetime import timedelta
from importlib.resources import files

import jsonschema
import pytest

from console import incident_json


@pytest.fixture(scope="module")
def schema():
    return json.loads(files("data").joinpath("export.schema.json").read_text(encoding="utf-8"))


def test_export_validates_and_carries_everything(service, clock, schema):
    start = clock.now() - timedelta(minutes=12)
    incident = service.incidents.declare("Checkout down", by="Ana", severity=1, started_at=start).incident
    service.roster.assign(incident.id, "ic", "Ana", by="Ana")
    clock.advance(minutes=30)
    service.timeline.log(incident.id, "rolled back deploy 4121", by="Ben", kind="action",
                         occurred_at=clock.now() - timedelta(minutes=1))
    service.incidents.set_status(incident.id, "mitigated", by="Ana")
    clock.advance(minutes=15)
    service.incidents.set_status(incident.id, "resolved", by="Ana")
    document = json.loads(incident_json.to_json(service.read, incident.id))
    jsonschema.validate(document, schema)
    assert document["format"] == "incident-console/1"
    assert document["incident"]["ref"] == "INC-1"
    assert document["roles"] == [
        {"role": "ic", "person": "Ana", "from": "2026-03-29T14:00:00.000Z", "to": None}
    ]
    stamps = [e["occurred_at"] for e in document["timeline"]]
    assert stamps == sorted(stamps) and all(s.endswith("Z") for s in stamps)
    assert document["metrics"] == {
        "time_to_declare": 12 * 60,
        "time_to_mitigate_from_start": 42 * 60,
        "time_to_mitigate_from_declared": 30 * 60,
        "time_to_resolve_from_start": 57 * 60,
        "time_to_resolve_from_declared": 45 * 60,
    }


def test_an_open_incident_has_null_metrics_and_still_validates(service, schema):
    incident = service.incidents.declare("Ünïcode ✓ title «quoted»", by="Ana").incident
    document = incident_json.to_document(service.read, incident.id)
    jsonschema.validate(document, schema)
    assert document["metrics"]["time_to_declare"] == 0
    assert document["metrics"]["time_to_resolve_from_start"] is None
    assert "Ünïcode ✓" in incident_json.to_json(service.read, incident.id)


def test_the_schema_rejects_a_broken_export(service, schema):
    incident = service.incidents.declare("x", by="Ana").incident
    document = incident_json.to_document(service.read, incident.id)
    document["timeline"][0]["occurred_at"] = "2026-03-29 14:00"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_export_carries_the_board(service, clock, schema):
    incident = service.incidents.declare("Checkout down", by="Ana", severity=1).incident
    first = service.tasks.add(incident.id, "Ben", 30, "Roll back deploy 4121", by="Ana").task
    second = service.tasks.add(incident.id, "Cy", 5, "Check replicas", by="Ana").task
    clock.advance(minutes=10)
    service.tasks.extend(incident.id, second.id, 15, by="Ana")
    service.tasks.done(incident.id, first.id, by="Ben")
    service.checklist.set(incident.id, "ic-during-02", True, by="Ana", label="b")
    service.checklist.set(incident.id, "ic-during-01", True, by="Ana", label="a")
    clock.advance(minutes=1)
    service.checklist.set(incident.id, "ic-during-01", False, by="Ben", label="a")
    service.updates.send(incident.id, "executives", "Checkout down.\nNext update 14:30.", by="Dee")
    document = json.loads(incident_json.to_json(service.read, incident.id))
    jsonschema.validate(document, schema)
    assert document["format"] == "incident-console/1"
    assert document["tasks"] == [
        {"id": "T1", "owner": "Ben", "text": "Roll back deploy 4121",
         "assigned_at": "2026-03-29T14:00:00.000Z", "due_at": "2026-03-29T14:30:00.000Z",
         "done_at": "2026-03-29T14:10:00.000Z", "extensions": []},
        {"id": "T2", "owner": "Cy", "text": "Check replicas",
         "assigned_at": "2026-03-29T14:00:00.000Z", "due_at": "2026-03-29T14:25:00.000Z",
         "done_at": None,
         "extensions": [{"minutes": 15, "at": "2026-03-29T14:10:00.000Z", "by": "Ana"}]},
    ]
    assert document["checklist"] == [
        {"item": "ic-during-01", "checked": False, "by": "Ben", "at": "2026-03-29T14:11:00.000Z"},
        {"item": "ic-during-02", "checked": True, "by": "Ana", "at": "2026-03-29T14:10:00.000Z"},
    ]
    assert document["updates"] == [
        {"audience": "executives", "text": "Checkout down.\nNext update 14:30.", "by": "Dee",
         "sent_at": "2026-03-29T14:11:00.000Z"}
    ]


def test_an_incident_without_a_board_exports_empty_lists(service, schema):
    incident = service.incidents.declare("x", by="Ana").incident
    document = incident_json.to_document(service.read, incident.id)
    jsonschema.validate(document, schema)
    assert (document["tasks"], document["checklist"], document["updates"]) == ([], [], [])


@pytest.mark.parametrize("key", ["tasks", "checklist", "updates"])
def test_the_schema_requires_the_board_and_rejects_unknown_fields(service, schema, key):
    incident = service.incidents.declare("x", by="Ana").incident
    service.tasks.add(incident.id, "Ben", 5, "y", by="Ana")
    service.checklist.set(incident.id, "ic-during-01", True, by="Ana", label="a")
    service.updates.send(incident.id, "customers", "z", by="Ana")
    document = incident_json.to_document(service.read, incident.id)
    broken = dict(document)
    del broken[key]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    document[key][0]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
