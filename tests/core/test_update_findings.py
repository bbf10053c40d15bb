"""Every status update is checked by the message rules as it is sent (issue 11): the core's
update operation returns what they found with the Change and records the update all the same;
the CLI prints each finding as one line on stderr after the acknowledgement, exit 0. Real
store, the process as loaded (an override's rules are the ones that run)."""

import sqlite3

import pytest

from console.errors import InputError
from tests.helpers import run

HOSTED = "Card payments fail on api-east-12; a fix should be complete in 15 minutes. We are sorry."


def sent(where):
    conn = sqlite3.connect(where.db_path)
    try:
        return conn.execute("SELECT audience, text FROM updates ORDER BY id").fetchall()
    finally:
        conn.close()


def test_the_update_operation_returns_its_findings_and_records_the_update(service, where):
    incident = service.incidents.declare("Card payments failing", by="Ana", severity=2).incident
    service.roster.assign(incident.id, "ic", "Ana Alvarez", by="Ana")
    change = service.updates.send(incident.id, "customers", HOSTED + " Ana broke the config.", by="Ana")
    assert [(f.rule, f.text) for f in change.findings] == [
        ("u12-no-internal-detail", "api-east-12"), ("u11-no-eta", "in 15 minutes"),
        ("u3-no-naming", "Ana broke")]  # Ana is on the roster
    assert sent(where) == [("customers", HOSTED + " Ana broke the config.")]
    assert change.entries[0].text.startswith("Update to customers: Card payments fail")
    # A clean update finds nothing; the responders' rules let an estimate through.
    clean = "We are sorry: some card payments fail. A fix is being rolled out. Next update at 15:00 UTC."
    assert service.updates.send(incident.id, "customers", clean, by="Ana").findings == ()
    assert service.updates.send(incident.id, "responders", "Rollback done in 10 minutes", by="Ana").findings == ()


def test_a_security_incident_gets_the_security_rules(service):
    stock = "We take the security of your data very seriously. We are sorry."
    plain = service.incidents.declare("Invoices readable", by="Ana", severity=2).incident
    assert service.updates.send(plain.id, "customers", stock, by="Ana").findings == ()
    secure = service.incidents.declare("Invoices readable", by="Ana", severity=2, security=True).incident
    # On a security incident they are not advice: the statement is not recorded as sent.
    with pytest.raises(InputError, match="u15b-dated-title \\(and 1 more\\)"):
        service.updates.send(secure.id, "customers", stock, by="Ana")
    assert service.read.updates.all(secure.id) == []


def test_the_cli_prints_each_finding_after_the_acknowledgement(capsys, where, clock):
    assert run(capsys, "declare", "Card payments failing", "--sev", "2", clock=clock)[0] == 0
    code, out, err = run(capsys, "update", "INC-1", "customers", HOSTED, clock=clock)
    assert code == 0
    assert out.startswith("INC-1 ") and "[comms]" in out and out.count("\n") == 1
    assert err.splitlines() == [
        "incident-console: u12-no-internal-detail: “api-east-12”: Internal detail such as a server name or "
        "network address. It means nothing to customers. Try: Describe what customers notice, not which "
        "machine is affected.",
        "incident-console: u11-no-eta: “in 15 minutes”: This promises a time for the fix. Missed estimates "
        "anger customers. Try: Say which stage we are at: aware, investigating, fix being rolled out, "
        "resolved. Give the next update time instead."]
    # The same through the command language (what the note box and the palette run).
    code, out, err = run(capsys, "log", "INC-1", "/update executives db1.corp is full", clock=clock)
    assert code == 0 and "incident-console: u12-no-internal-detail: “db1.corp”" in err
    assert len(sent(where)) == 2
    code, out, err = run(capsys, "update", "INC-1", "responders", "Rolling back, next update 14:30", clock=clock)
    assert (code, err) == (0, "")


def test_an_override_that_switches_a_rule_off_is_obeyed(capsys, where, clock, tmp_path):
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "lint_rules.yaml").write_text("lint_rules:\n  - id: u12-no-internal-detail\n    enabled: false\n",
                                            encoding="utf-8")
    assert run(capsys, "declare", "Card payments failing", "--sev", "2", clock=clock)[0] == 0
    code, _, err = run(capsys, "--process", str(folder), "update", "INC-1", "customers", HOSTED, clock=clock)
    assert code == 0 and "u12-no-internal-detail" not in err and "u11-no-eta" in err


PARTNERS = """\
update_templates:
  - id: partners-notice
    audience: partners
    kind: comms
    title: Notice to partners
    body: "{ref}: {status}. Next notice {next_update}."
    rules: [u17-unfilled]
    page: training/internal_liaison
"""


def test_an_audience_added_by_an_override_takes_updates(capsys, where, clock, tmp_path):
    """The audiences are the process's: one an override adds is stored like the shipped ones
    (the updates table once refused any but three with a CHECK, as an IntegrityError)."""
    folder = tmp_path / "process"
    folder.mkdir()
    (folder / "updates.yaml").write_text(PARTNERS, encoding="utf-8")
    assert run(capsys, "declare", "Card payments failing", "--sev", "2", clock=clock)[0] == 0
    code, out, err = run(capsys, "--process", str(folder), "update", "INC-1", "partners",
                         "Card payments fail for some shoppers; next notice 15:00 UTC.", clock=clock)
    assert (code, err) == (0, ""), err
    assert "Update to partners: Card payments fail" in out
    code, _, err = run(capsys, "--process", str(folder), "log", "INC-1", "/update partners all clear", clock=clock)
    assert code == 0, err
    assert [a for a, _ in sent(where)] == ["partners", "partners"]
    # Without the override the word is no audience: refused in one line, nothing written.
    code, _, err = run(capsys, "update", "INC-1", "partners", "again", clock=clock)
    assert code == 2 and err.count("\n") == 1 and "partners" in err
    assert len(sent(where)) == 2
