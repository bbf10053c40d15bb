"""The evidence log (issue 14): kept copies 0400 in a 0700 folder named by hash, copied before
recorded, verified, exported with a manifest, and the chain of custody in the record."""

import hashlib
import json
import os
import stat
import tracemalloc
from importlib.resources import files

import jsonschema
import pytest

from console import evidence_files, incident_json, paths
from console.errors import InputError, StorageUnavailable
from console.evidence import evidence_uid
from tests.helpers import full_tmpfs, run, without_unsigned_note


@pytest.fixture
def incident(service):
    return service.incidents.declare("Intrusion on the build host", by="Ana", severity=2, security=True).incident


@pytest.fixture
def kept(where):
    return where.evidence_dir


def _file(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _rows(service, table: str) -> list:
    return service.ledger.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def test_a_file_added_is_copied_read_only_named_by_hash_and_recorded(service, clock, incident, kept, tmp_path):
    data = b"GET /admin HTTP/1.1\r\n" * 100
    original = _file(tmp_path, "access.log", data)
    added = service.evidence.add(incident.id, original, folder=kept, by="Ana", note="from the proxy")

    sha = hashlib.sha256(data).hexdigest()
    copy = kept / sha
    assert copy.read_bytes() == data
    assert stat.S_IMODE(copy.stat().st_mode) == 0o400
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700
    assert sorted(os.listdir(kept)) == [sha]  # no temporary file left behind
    item = added.item
    assert (item.ref, item.sha256, item.size, item.name, item.added_by, item.added_at) == (
        "V1", sha, len(data), "access.log", "Ana", "2026-03-29T14:00:00.000Z")
    assert item.sources == ((str(original), True),)
    assert not added.again
    entry = added.change.entries[0]
    assert entry.kind == "evidence" and entry.author == "Ana"
    assert sha in entry.text and str(original) in entry.text and "from the proxy" in entry.text
    assert service.read.chain.verify(incident.id) is None  # the entry, with the full hash, is chained
    (body,) = service.ledger.execute("SELECT body FROM ops WHERE verb = 'evidence.add'").fetchone()
    assert json.loads(body)["sha256"] == sha


def test_the_same_file_twice_is_one_copy_and_two_custody_events(service, clock, incident, kept, tmp_path):
    original = _file(tmp_path, "dump.bin", b"\x00\x01" * 5000)
    service.evidence.add(incident.id, original, folder=kept, by="Ana")
    clock.advance(minutes=3)
    moved = _file(tmp_path, "elsewhere.bin", original.read_bytes())
    again = service.evidence.add(incident.id, moved, folder=kept, by="Ben")
    other = service.incidents.declare("Second incident", by="Ana").incident
    service.evidence.add(other.id, original, folder=kept, by="Cy")

    assert again.again and again.item.ref == "V1"
    assert len(os.listdir(kept)) == 1  # one copy for the three adds, two incidents
    assert [i.ref for i in service.read.evidence.items(incident.id)] == ["V1"]
    assert [(e.action, e.by, e.path) for e in service.read.evidence.custody(incident.id)] == [
        ("added", "Ana", str(original)), ("added", "Ben", str(moved))]
    assert service.read.evidence.items(incident.id)[0].sources == ((str(original), True), (str(moved), True))
    assert "added again" in again.change.entries[0].text


def test_a_large_file_is_hashed_and_copied_streaming(service, incident, kept, tmp_path):
    size = 48 * 1024 * 1024
    big = tmp_path / "disk.img"
    with open(big, "wb") as out:
        block = os.urandom(1 << 20)
        for _ in range(size >> 20):
            out.write(block)
    tracemalloc.start()
    try:
        added = service.evidence.add(incident.id, big, folder=kept, by="Ana")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert added.item.size == size
    assert peak < 8 * 1024 * 1024, f"{peak:,} bytes in memory at once for a {size:,}-byte file"
    digest = hashlib.sha256()
    with open(big, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    assert added.item.sha256 == digest.hexdigest()


def test_verify_finds_a_tampered_copy_and_a_missing_one(service, clock, incident, kept, tmp_path, capsys):
    a = _file(tmp_path, "a.txt", b"first")
    b = _file(tmp_path, "b.txt", b"second")
    service.evidence.add(incident.id, a, folder=kept, by="Ana")
    service.evidence.add(incident.id, b, folder=kept, by="Ana")
    clean = service.evidence.verify(incident.id, folder=kept, by="Ben")
    assert clean.failed == () and [f.state for f in clean.findings] == ["match", "match"]
    assert "2 of 2 kept copies match" in clean.change.entries[0].text

    copy_a = kept / hashlib.sha256(b"first").hexdigest()
    copy_a.chmod(0o600)
    copy_a.write_bytes(b"firsT")
    (kept / hashlib.sha256(b"second").hexdigest()).unlink()
    found = service.evidence.verify(incident.id, folder=kept, by="Ben")
    assert [(f.item.ref, f.state) for f in found.failed] == [("V1", "changed"), ("V2", "missing")]
    assert "the kept copy has changed" in found.change.entries[0].text
    assert [i.state for i in service.read.evidence.items(incident.id)] == ["changed", "missing"]
    service.close()  # the CLI says it too, with exit 1
    code, out, err = run(capsys, "evidence", "verify", "INC-1", "--by", "Cy")
    assert code == 1 and err == ""
    assert "V1 a.txt" in out and "FAILED: the kept copy has changed" in out
    assert "FAILED: the kept copy is missing" in out
    assert out.splitlines()[-1].startswith("INC-1: 2 of 2 kept copies FAILED")


def test_a_moved_or_changed_original_is_reported_and_is_not_a_failure(service, incident, kept, tmp_path, capsys):
    a = _file(tmp_path, "a.txt", b"first")
    b = _file(tmp_path, "b.txt", b"second")
    service.evidence.add(incident.id, a, folder=kept, by="Ana")
    service.evidence.add(incident.id, b, folder=kept, by="Ana")
    a.rename(tmp_path / "moved.txt")
    b.write_bytes(b"second, edited")
    found = service.evidence.verify(incident.id, folder=kept, by="Ben")
    assert found.failed == ()
    assert [(f.what, f.state) for f in found.findings] == [
        ("copy", "match"), ("original", "gone"), ("copy", "match"), ("original", "changed")]
    service.close()
    code, out, err = run(capsys, "evidence", "verify", "INC-1")
    assert code == 0 and err == ""
    assert f"note: the original at {a} is no longer there (moved or deleted)" in out
    assert f"note: the original at {b} has changed since it was added" in out
    assert "the original's business, the kept copy is the evidence" in out
    assert out.splitlines()[-1] == "INC-1: all 2 kept copies match"


def test_export_writes_the_copies_a_manifest_and_checkable_sums(service, clock, incident, kept, tmp_path):
    a = _file(tmp_path, "a.txt", b"first")
    service.evidence.add(incident.id, a, folder=kept, by="Ana", note="from the proxy")
    clock.advance(minutes=5)
    out = tmp_path / "for-legal"
    exported = service.evidence.export(incident.id, folder=kept, to=out, by="Dee")

    assert sorted(os.listdir(out)) == ["SHA256SUMS", "V1-a.txt", "manifest.json"]
    assert all(stat.S_IMODE((out / n).stat().st_mode) == 0o400 for n in os.listdir(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for line in (out / "SHA256SUMS").read_text().splitlines():  # what `sha256sum -c` checks
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["incident"] == "INC-1" and "Intrusion" not in (out / "manifest.json").read_text()
    assert manifest["marking"] == "Attorney Work Project"  # a security incident's, first
    assert list(manifest)[0] == "marking"
    assert manifest["files"][0]["sha256"] == hashlib.sha256(b"first").hexdigest()
    assert manifest["custody"][0]["note"] == "from the proxy"
    assert exported.manifest_sha256 == hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    entry = exported.change.entries[0]
    assert entry.text.startswith(f"Evidence exported by Dee to {out}: 1 file")
    assert exported.manifest_sha256 in entry.text
    assert service.read.evidence.custody(incident.id)[-1][:3] == ("exported", None, str(out))


def test_export_refuses_a_folder_with_files_and_a_tampered_copy(service, incident, kept, tmp_path):
    a = _file(tmp_path, "a.txt", b"first")
    service.evidence.add(incident.id, a, folder=kept, by="Ana")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        service.evidence.export(incident.id, folder=kept, to=busy, by="Dee")
    copy = kept / hashlib.sha256(b"first").hexdigest()
    copy.chmod(0o600)
    copy.write_bytes(b"forged")
    events = len(service.read.evidence.custody(incident.id))
    with pytest.raises(StorageUnavailable, match="has changed"):
        service.evidence.export(incident.id, folder=kept, to=tmp_path / "new", by="Dee")
    assert not (tmp_path / "new").exists()  # the folder it made is gone with what it wrote
    assert len(service.read.evidence.custody(incident.id)) == events


def test_a_full_evidence_folder_keeps_nothing_and_records_nothing(service, incident, kept, tmp_path):
    original = _file(tmp_path, "capture.pcap", os.urandom(200_000))
    before = _rows(service, "entries")
    with full_tmpfs(kept, "64k") as filler:
        with pytest.raises(StorageUnavailable, match="the disk is full; nothing was kept"):
            service.evidence.add(incident.id, original, folder=kept, by="Ana")
        assert os.listdir(kept) == [filler.name]  # no temporary file, no copy
    assert _rows(service, "entries") == before
    assert _rows(service, "evidence") == [] and _rows(service, "evidence_custody") == []


def test_a_world_readable_evidence_folder_is_tightened_and_a_copy_stays_0400(service, incident, kept, tmp_path):
    paths.ensure_private_dir(kept)
    kept.chmod(0o755)
    service.evidence.add(incident.id, _file(tmp_path, "a.txt", b"a"), folder=kept, by="Ana")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700


def test_an_evidence_folder_that_is_a_symlink_is_refused(service, incident, kept, tmp_path):
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir(mode=0o777)
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.symlink_to(elsewhere)
    with pytest.raises(StorageUnavailable, match="not a folder of its own"):
        service.evidence.add(incident.id, _file(tmp_path, "a.txt", b"a"), folder=kept, by="Ana")
    assert os.listdir(elsewhere) == []


@pytest.mark.parametrize("make, said", [
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: os.mkfifo(p), "is a FIFO"),
    (lambda p: p.symlink_to("/dev/zero"), "is a device"),
    (lambda p: None, "no such file"),
])
def test_only_a_regular_file_can_be_evidence(service, incident, kept, tmp_path, make, said):
    target = tmp_path / "thing"
    make(target)
    with pytest.raises(InputError, match=said):
        service.evidence.add(incident.id, target, folder=kept, by="Ana")
    assert not kept.exists() or os.listdir(kept) == []


def test_the_custody_is_in_the_json_export_and_validates(service, clock, incident, kept, tmp_path):
    schema = json.loads(files("data").joinpath("export.schema.json").read_text(encoding="utf-8"))
    a = _file(tmp_path, "a.txt", b"first")
    service.evidence.add(incident.id, a, folder=kept, by="Ana", note="proxy log")
    clock.advance(minutes=1)
    service.evidence.verify(incident.id, folder=kept, by="Ben")
    clock.advance(minutes=1)
    service.evidence.export(incident.id, folder=kept, to=tmp_path / "out", by="Cy")
    document = json.loads(incident_json.to_json(service.read, incident.id))
    jsonschema.validate(document, schema)
    evidence = document["evidence"]
    assert evidence["items"][0]["id"] == "V1" and evidence["items"][0]["sources"] == [str(a)]
    assert [(c["action"], c["by"], c["evidence"]) for c in evidence["custody"]] == [
        ("added", "Ana", "V1"), ("verified", "Ben", None), ("exported", "Cy", None)]
    assert evidence["custody"][1]["result"] == {"copies": {"V1": "match"}, "originals": []}
    assert evidence["custody"][2]["path"] == str(tmp_path / "out")
    kinds = [e["kind"] for e in document["timeline"]]
    assert kinds.count("evidence") == 3
    document["evidence"]["custody"][0]["action"] = "deleted"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_in_a_team_the_record_travels_and_the_bytes_stay(tmp_path, incident, service, kept):
    """Another console gets the evidence and its custody from the ops; its copy is "kept on
    another console" there, which is not a failure."""
    from console.service import IncidentService
    from tests.conftest import FakeClock

    service.evidence.add(incident.id, _file(tmp_path, "a.txt", b"first"), folder=kept, by="Ana")
    other = IncidentService.open(tmp_path / "other" / "incidents.sqlite3", FakeClock())
    try:
        assert other.sync.apply(service.sync.outgoing(100)) == 2
        (item,) = other.read.evidence.items(1)
        assert item.uid == evidence_uid(incident.uid, hashlib.sha256(b"first").hexdigest())
        assert not item.here
        found = other.evidence.verify(1, folder=tmp_path / "other-evidence", by="Ben")
        assert found.failed == () and [f.state for f in found.findings] == ["elsewhere"]
        assert other.read.chain.verify(1) is None
    finally:
        other.close()


def test_the_cli_adds_lists_and_exports(capsys, tmp_path, where):
    assert run(capsys, "declare", "Intrusion", "--security", "--by", "Ana")[0] == 0
    a = _file(tmp_path, "a.txt", b"first")
    code, out, err = run(capsys, "evidence", "add", "INC-1", str(a), "--note", "proxy", "--by", "Ana")
    sha = hashlib.sha256(b"first").hexdigest()
    assert (code, err) == (0, "") and out == f"INC-1 V1 {sha} 5 bytes a.txt\n"
    code, out, err = run(capsys, "evidence", "list", "INC-1")
    assert code == 0 and out.startswith(f"V1  {sha[:16]}") and "Ana" in out and "not verified" in out
    code, out, _ = run(capsys, "evidence", "list", "INC-1", "--json")
    listed = json.loads(out)
    assert listed["evidence"][0]["sha256"] == sha and listed["custody"][0]["note"] == "proxy"
    code, out, err = run(capsys, "evidence", "export", "INC-1", "--to", str(tmp_path / "out"))
    assert code == 0 and "1 files" not in out and (tmp_path / "out" / "V1-a.txt").exists()
    code, out, err = run(capsys, "export", "INC-1", "--format", "json")
    assert without_unsigned_note(err) == "" and json.loads(out)["evidence"]["custody"][-1]["action"] == "exported"
    assert evidence_files.size_text(1) == "1 byte" and evidence_files.size_text(12_300) == "12.3 kB"


def test_doctor_finds_an_evidence_folder_others_can_enter(capsys, service, incident, kept, tmp_path):
    service.evidence.add(incident.id, _file(tmp_path, "a.txt", b"a"), folder=kept, by="Ana")
    service.close()
    kept.chmod(0o755)
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and f"{kept} is 0755 (should be 0700)" in out


def test_a_changed_copy_is_replaced_by_the_same_file_added_again_and_the_entry_says_so(
        service, incident, kept, tmp_path):
    original = _file(tmp_path, "a.txt", b"first")
    service.evidence.add(incident.id, original, folder=kept, by="Ana")
    copy = kept / hashlib.sha256(b"first").hexdigest()
    copy.chmod(0o600)
    copy.write_bytes(b"forged")
    again = service.evidence.add(incident.id, original, folder=kept, by="Ben")
    assert copy.read_bytes() == b"first" and stat.S_IMODE(copy.stat().st_mode) == 0o400
    assert "had changed and is replaced by this one" in again.change.entries[0].text


def test_two_consoles_adding_the_same_file_apart_agree_on_the_evidence(tmp_path):
    """The same content added on two consoles before they sync is one piece of evidence with
    two adds, numbered and named the same on both (the JSON exports are equal)."""
    from console.service import IncidentService
    from tests.conftest import FakeClock

    clocks = {name: FakeClock() for name in ("ana", "ben")}
    consoles = {name: IncidentService.open(tmp_path / name / "incidents.sqlite3", clock)
                for name, clock in clocks.items()}
    try:
        for console in consoles.values():
            console.sync.join("memory")
        ana, ben = consoles["ana"], consoles["ben"]
        incident = ana.incidents.declare("Intrusion", by="Ana", security=True).incident
        ben.sync.apply(ana.sync.outgoing(100))
        ana.sync.mark_pushed([op.uid for op in ana.sync.outgoing(100)])
        clocks["ben"].advance(seconds=1)
        ben.evidence.add(1, _file(tmp_path, "other.bin", b"other"), folder=tmp_path / "kb", by="Ben")
        clocks["ana"].advance(seconds=2)
        ana.evidence.add(incident.id, _file(tmp_path, "ana-name.bin", b"same"), folder=tmp_path / "ka", by="Ana")
        clocks["ben"].advance(seconds=3)
        ben.evidence.add(1, _file(tmp_path, "ben-name.bin", b"same"), folder=tmp_path / "kb", by="Ben")
        from_ana, from_ben = ana.sync.outgoing(100), ben.sync.outgoing(100)
        ana.sync.apply(from_ben)
        ben.sync.apply(from_ana)
        exports = [json.loads(incident_json.to_json(c.read, 1)) for c in (ana, ben)]
        assert exports[0]["evidence"] == exports[1]["evidence"]
        items = exports[0]["evidence"]["items"]
        assert [(i["id"], i["name"], len(i["sources"])) for i in items] == [
            ("V1", "other.bin", 1), ("V2", "ana-name.bin", 2)]
    finally:
        for console in consoles.values():
            console.close()
