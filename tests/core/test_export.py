"""The JSON export matches its published schema and computes the metrics."""

import json
from datetime import timedelta
from importlib.resources import files

import jsonschema
import pytest

from console import export


@pytest.fixture(scope="module")
def schema():
    return json.loads(files("data").joinpath("export.schema.json").read_text(encoding="utf-8"))


def test_export_validates_and_carries_everything(service, clock, schema):
    start = clock.now() - timedelta(minutes=12)
    incident = service.declare("Checkout down", by="Ana", severity=1, started_at=start).incident
    service.assign_role(incident.id, "ic", "Ana", by="Ana")
    clock.advance(minutes=30)
    service.log(incident.id, "rolled back deploy 4121", by="Ben", kind="action",
                occurred_at=clock.now() - timedelta(minutes=1))
    service.set_status(incident.id, "mitigated", by="Ana")
    clock.advance(minutes=15)
    service.set_status(incident.id, "resolved", by="Ana")
    document = json.loads(export.to_json(service.read, incident.id))
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
    incident = service.declare("Ünïcode ✓ title «quoted»", by="Ana").incident
    document = export.to_document(service.read, incident.id)
    jsonschema.validate(document, schema)
    assert document["metrics"]["time_to_declare"] == 0
    assert document["metrics"]["time_to_resolve_from_start"] is None
    assert "Ünïcode ✓" in export.to_json(service.read, incident.id)


def test_the_schema_rejects_a_broken_export(service, schema):
    incident = service.declare("x", by="Ana").incident
    document = export.to_document(service.read, incident.id)
    document["timeline"][0]["occurred_at"] = "2026-03-29 14:00"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
