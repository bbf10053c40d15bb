"""The post-mortem draft, generated from the record in the template's order.

The template (`data/postmortem.yaml`) gives the header fields and the ten sections in order.
What the record knows is filled in: the time spent at each severity (read back from the
timeline's severity entries, so a change back-dated with `--at` counts from when it
happened), who held which role, the timeline table from the scribe's log (see `_timeline`),
and the scribe's TODO entries as action items. What only a person can write is left as a
one-line hint, `_To write:_ …`, in plain Markdown (an HTML comment would vanish from the
rendered page and the writer would never see it).

Everything taken from the record is text people typed under stress, so it is escaped
before it lands in the Markdown: a note with `|` or a newline can never split a table row,
and `<script>` stays text. Qt-free, and it never writes: it reads through a `Reader`.

Also what the CLI and the window both need of a post-mortem: its current text (the latest saved
version, else a fresh draft), its Markdown file, the people it names (`roster`) and the
invitation to its meeting (`invitation`, an .ics file).
"""

import re
from datetime import datetime, timezone

from console import meeting, times
from console.domain import ActionItem, Entry, Incident
from console.vocabulary import COMMANDER, SCRIBE
from console.errors import NothingToExport
from console.process import Process
from console.queries import Reader
from console.updates import entry_text

TO_WRITE = "_To write:_"
TO_BE_SET = "to be set"
# Severity entries are written by `Incidents.set_severity` as "Severity SEV-2 -> SEV-1"
# (or "Severity not set -> SEV-2" when the declaration gave none).
_SEVERITY_CHANGE = re.compile(r"^Severity (?:SEV-(\d)|not set) -> SEV-(\d)$")
# A data link is the first web address in the entry's text; the characters that could end a
# table cell or open HTML are not part of one.
_LINK = re.compile(r"https?://[^\s<>|`\\\"']+")
# Explicit bidirectional embeddings, overrides and isolates: in a table they can make a row
# read in a different order than it is written ("Trojan Source"). Right-to-left letters
# themselves are kept; only these invisible controls are dropped.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_MARKDOWN_ESCAPES = {"\\": "\\\\", "|": "\\|", "`": "\\`", "&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_inline(text: str) -> str:
    """Text from the record, made safe for one Markdown table cell or list item.

    Backslashes first (so a typed `\\|` cannot un-escape our `\\|`), then the pipe, the
    backtick, `&` and angle brackets; newlines become `<br>` (the one piece of HTML we
    write ourselves) and tabs spaces; bidirectional controls are dropped.
    """
    text = text.translate(_BIDI_CONTROLS)
    text = "".join(_MARKDOWN_ESCAPES.get(ch, ch) for ch in text)
    lines = [line.strip() for line in re.split(r"\r\n|\r|\n", text.replace("\t", " "))]
    return "<br>".join(line for line in lines if line)


def severity_periods(
    incident: Incident, entries: list[Entry], now: datetime
) -> list[tuple[int | None, str, str]]:
    """The incident's severity over time, as (level, from, to), from impact start to the end.

    The end is the resolution, or `now` while the incident is open. The starting level is
    the one the first severity change moved away from (so a declaration with no severity is
    `None` until it was set), else the incident's severity. Changes are taken in the order
    they happened (`occurred_at`); one dated before impact start counts from impact start.
    """
    changes = []
    for entry in sorted((e for e in entries if e.kind == "severity"), key=lambda e: e.sort_key):
        match = _SEVERITY_CHANGE.match(entry.text)
        if match:
            old = int(match.group(1)) if match.group(1) else None
            changes.append((entry.occurred_at, old, int(match.group(2))))
    start = incident.started_at
    end = incident.resolved_at or times.to_text(now)
    level = changes[0][1] if changes else incident.severity
    periods: list[tuple[int | None, str, str]] = []
    cursor = start
    for at, _old, new in changes:
        at = min(max(at, start), end)
        if at > cursor:
            periods.append((level, cursor, at))
        cursor, level = max(cursor, at), new
    if end > cursor:
        periods.append((level, cursor, end))
    return periods


def time_at_severity(
    incident: Incident, entries: list[Entry], now: datetime
) -> dict[int | None, int]:
    """Whole seconds spent at each level (None: severity not set), most severe first."""
    totals: dict[int | None, int] = {}
    for level, start, end in severity_periods(incident, entries, now):
        seconds = round((times.from_text(end) - times.from_text(start)).total_seconds())
        totals[level] = totals.get(level, 0) + seconds
    return dict(sorted(totals.items(), key=lambda item: (item[0] is None, item[0] or 0)))


def generate(
    reader: Reader,
    process: Process,
    incident_id: int,
    *,
    all_entries: bool = False,
    now: datetime | None = None,
) -> str:
    """The post-mortem draft of an incident, as Markdown in the template's order.

    The timeline table is generated from the scribe's log (`_timeline`), or holds every entry
    with `all_entries`; retracted entries are never shown.
    `now` ends the impact of an incident still open (the wall clock when not given).
    """
    now = now or datetime.now(timezone.utc)
    incident = reader.incidents.get(incident_id)
    # Only the kinds each section needs are read (by index), so a long incident's draft does
    # not load its whole timeline unless every entry was asked for.
    severity = _kind(reader, incident_id, "severity")
    todos = _kind(reader, incident_id, "todo")
    out = [f"# Postmortem: {incident.ref} {escape_inline(incident.shown_title)}", ""]
    out += _header(reader, process, incident)
    fills = {
        "impact": lambda section: _impact(section, incident, severity, now),
        "responders": lambda section: _responders(reader, process, incident),
        "timeline": lambda section: _timeline(reader, process, incident, section, all_entries),
        "action_items": lambda section: _action_items(reader, incident, todos),
    }
    for section in sorted(process.items("sections"), key=lambda s: s["number"]):
        out += [f"## {section['number']}. {section['title']}", ""]
        fill = fills.get(section.get("fill", "none"))
        if fill is not None:
            out += fill(section)
            continue
        out += [f"{TO_WRITE} {section['help']}", ""]
        for letter, sub in _lettered(section):
            out += [f"### {section['number']}{letter}. {sub['title']}", ""]
            out += [f"{TO_WRITE} {sub['help']}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _kind(reader: Reader, incident_id: int, kind: str) -> list[Entry]:
    """Every entry of one kind, in timeline order."""
    found = reader.search.filter(incident_id, kinds=(kind,), limit=-1)
    return sorted(found, key=lambda e: e.sort_key)


def _lettered(section: dict) -> list[tuple[str, dict]]:
    return [(chr(ord("a") + i), sub) for i, sub in enumerate(section.get("subsections") or [])]


def _utc(stamp: str) -> str:
    """`2026-03-29T14:05:00.000Z` -> `2026-03-29 14:05`."""
    return f"{stamp[:10]} {stamp[11:16]}"


def _header(reader: Reader, process: Process, incident: Incident) -> list[str]:
    record = reader.postmortem.record(incident.id)
    statuses = {s["id"]: s["label"] for s in process.items("statuses")}
    values: dict[str, str] = {}
    if record and record.owner:
        owner = f"{escape_inline(record.owner)}, due {record.deadline}"
        if record.acknowledged_at:
            owner += f", acknowledged {_utc(record.acknowledged_at)} UTC"
        else:
            owner += ", not acknowledged yet"
        values["owner"] = owner
    if record and record.meeting_at:
        values["meeting"] = f"{_utc(record.meeting_at)} UTC"
    if record and record.recording:
        values["recording"] = escape_inline(record.recording)
    status = record.status if record else "draft"
    values["status"] = statuses.get(status, status)
    lines = [f"- **{field['label']}:** {values.get(field['id'], TO_BE_SET)}"
             for field in process.items("header")]
    return lines + [""]


def _impact(
    section: dict, incident: Incident, severity_entries: list[Entry], now: datetime
) -> list[str]:
    out: list[str] = []
    for letter, sub in _lettered(section):
        out += [f"### {section['number']}{letter}. {sub['title']}", ""]
        if sub["id"] != "time_at_severity":
            out += [f"{TO_WRITE} {sub['help']}", ""]
            continue
        totals = time_at_severity(incident, severity_entries, now)
        for level in (1, 2):  # the handbook asks for both rows, 0 included
            totals.setdefault(level, 0)
        totals = dict(sorted(totals.items(), key=lambda item: (item[0] is None, item[0] or 0)))
        end = (
            f"resolved {_utc(incident.resolved_at)} UTC" if incident.resolved_at
            else f"still open at {_utc(times.to_text(now))} UTC"
        )
        out += [f"From impact start {_utc(incident.started_at)} UTC to {end}.", ""]
        out += ["| Severity | Minutes | Duration |", "|---|---:|---|"]
        for level, seconds in totals.items():
            name = f"SEV-{level}" if level is not None else "not set"
            out.append(f"| {name} | {seconds // 60} | {times.format_duration(seconds)} |")
        out.append("")
    return out


def _responders(reader: Reader, process: Process, incident: Incident) -> list[str]:
    """Each person once, in the order they joined, with every role they held and when."""
    names = {r["id"]: r["name"] for r in process.items("roles")}
    shorts = {r["id"]: r["short"] for r in process.items("roles")}
    people: dict[str, list[str]] = {}
    marks: dict[str, set[str]] = {}
    for a in reader.roster.all(incident.id):
        role = names.get(a.role, a.role)  # a role since removed from the process: its id
        until = _utc(a.to_at)[11:] if a.to_at else "end"
        key = a.person.casefold()
        people.setdefault(key, [escape_inline(a.person)]).append(
            f"{role} {_utc(a.from_at)[11:]}–{until}"
        )
        if a.role in (COMMANDER, SCRIBE):
            marks.setdefault(key, set()).add(shorts.get(a.role, a.role))
    for person, held in _teams_held(reader, incident):
        people.setdefault(person.casefold(), [escape_inline(person)]).append(held)
    if not people:
        return ["_No roles were recorded._", ""]
    out = []
    for key, (name, *held) in people.items():
        held_marks = sorted(marks.get(key, ()), key=["IC", "Scribe"].index)
        mark = "".join(f" **({m})**" for m in held_marks)
        out.append(f"- {name}{mark}: {'; '.join(held)} (UTC)")
    return out + [""]


def _teams_held(reader: Reader, incident: Incident) -> list[tuple[str, str]]:
    """(person, what they did in the sub-teams) in the order it happened: who led which team on
    what problem, and who was in which team when (until they moved, or the team was done)."""
    teams = reader.subteams.all(incident.id)
    if not teams:
        return []
    by_id = {t.id: t for t in teams}
    held = [(t.started_at, t.leader, f"led {escape_inline(t.name)} on {escape_inline(t.problem)} "
             f"{_utc(t.started_at)[11:]}–{_utc(t.done_at)[11:] if t.done_at else 'end'}") for t in teams]
    joins = reader.subteams.memberships(incident.id)
    for place, m in enumerate(joins):
        team = by_id[m.subteam_id]
        later = [n.joined_at for n in joins[place + 1:] if n.person.casefold() == m.person.casefold()]
        ends = [e for e in (team.done_at, min(later) if later else None) if e]
        until = _utc(min(ends))[11:] if ends else "end"
        held.append((m.joined_at, m.person, f"in {escape_inline(team.name)} {_utc(m.joined_at)[11:]}–{until}"))
    return [(person, text) for _, person, text in sorted(held, key=lambda h: h[0])]


IMPACT_BEGAN = "Impact began"


def _timeline(reader: Reader, process: Process, incident: Incident, section: dict,
              all_entries: bool) -> list[str]:
    """The timeline table: when the impact began (the incident's impact start), then the events
    of the scribe's log, each with the first web address in it as its data link.

    The events are the entries of the kinds the template's timeline section names (`kinds` in
    postmortem.yaml: the page, status and severity changes, hand-overs, decisions, key actions,
    findings...), and every pinned entry whatever its kind: pins refine it. Two kinds of entry
    are left out unless pinned, as noise: the status updates to audiences the section does not
    name (`updates`: the customers' public posts are events, the responders' reports are not),
    and the checklist's ticks (key-action entries that say "Checked: " a step of the process).
    With `all_entries`, every entry. Retracted entries are never shown.
    """
    if all_entries:
        entries = reader.timeline.all(incident.id)
    else:
        entries = _events(reader, process, incident, section)
    rows = [(incident.started_at, IMPACT_BEGAN, "")]
    for e in entries:
        if e.retracted:
            continue
        text = e.current_text
        link = _LINK.search(text)
        # "(see https://x/y)." links to https://x/y: closing punctuation ends the sentence
        rows.append((e.occurred_at, text, link.group(0).rstrip(".,;:!?)]}") if link else ""))
    rows.sort(key=lambda row: row[0])  # stable: the impact start leads its minute
    out = ["| Time (UTC) | Event | Data link |", "|---|---|---|"]
    for at, text, href in rows:
        out.append(f"| {_utc(at)} | {escape_inline(text)} | {escape_inline(href)} |")
    return out + [""]


def _events(reader: Reader, process: Process, incident: Incident, section: dict) -> list[Entry]:
    """The entries the generated timeline shows, in timeline order (see `_timeline`)."""
    kinds = tuple(section.get("kinds") or ())
    pinned = reader.timeline.pinned(incident.id)
    logged = reader.search.filter(incident.id, kinds=kinds, limit=-1) if kinds else []
    audiences = set(section.get("updates") or ())
    not_public = {(u.sent_at, entry_text(u.audience, u.text))
                  for u in reader.updates.all(incident.id) if u.audience not in audiences}
    steps = {item["text"] for group in process.items("checklists") for item in group["items"]}

    def noise(e: Entry) -> bool:
        if (e.occurred_at, e.text) in not_public:
            return True
        label, colon, step = e.text.partition(": ")
        return e.kind == "action" and bool(colon) and " " not in label and step in steps

    chosen = {e.id: e for e in logged if not noise(e)}
    chosen.update((e.id, e) for e in pinned)
    return sorted(chosen.values(), key=lambda e: e.sort_key)


def _action_items(reader: Reader, incident: Incident, todos: list[Entry]) -> list[str]:
    """Every TODO entry not retracted (as its action item once imported), then every other
    action item (added by hand, or from an entry retracted after it was imported)."""
    if incident.severity is not None:
        sev = f"sev{incident.severity}"
        tags = f" — tags: {sev}_{incident.declared_at[:10].replace('-', '')}, {sev}"
    else:
        tags = " — tags: severity not set"
    items = reader.followups.all(incident.id)
    by_entry = {i.source_entry_id: i for i in items if i.source_entry_id is not None}
    out, shown = [], set()
    for e in todos:
        if e.kind != "todo" or e.retracted:
            continue
        item = by_entry.get(e.id)
        if item is not None:
            shown.add(item.id)
        out.append(_item_line(item.text if item else e.current_text, item, tags))
    out += [_item_line(i.text, i, tags) for i in items if i.id not in shown]
    if not out:
        return ["_No TODO entries or action items yet._", ""]
    return out + [""]


def _item_line(text: str, item: ActionItem | None, tags: str) -> str:
    done = "x" if item is not None and item.done_at else " "
    line = f"- [{done}] {escape_inline(text)}{tags}"
    if item is not None:
        fields = (("owner", item.owner), ("due", item.due_on), ("ticket", item.ticket))
        extra = [f"{label}: {escape_inline(value)}" for label, value in fields if value]
        if extra:
            line += " — " + ", ".join(extra)
    return line


def current_text(reader: Reader, process: Process, incident_id: int, *, draft: bool = False,
                 all_entries: bool = False, now: datetime | None = None) -> str:
    """The latest saved post-mortem, or a draft generated from the record (always, with `draft`)."""
    saved = None if draft else reader.postmortem.latest_text(incident_id)
    return saved or generate(reader, process, incident_id, all_entries=all_entries, now=now)


def markdown_file(text: str) -> str:
    """The post-mortem's Markdown as written, ending in a line break: the `md` export.

    A passthrough: the generator already escapes user text, and changing a single character
    here would make the file differ from what the owner reviewed. Only a missing final newline
    is added, which POSIX tools and diffs expect.
    """
    return text if text.endswith("\n") else text + "\n"


def roster(reader: Reader, incident_id: int) -> list[str]:
    """Everyone who held a role in the incident, by name: who is invited, whom lint protects."""
    return sorted({a.person for a in reader.roster.all(incident_id)}, key=str.casefold)


def invitees(reader: Reader, incident_id: int) -> list[str]:
    """Who the post-mortem meeting invites, by name: the owner, then everyone who held a role."""
    people = roster(reader, incident_id)
    record = reader.postmortem.record(incident_id)
    if record is not None and record.owner and record.owner not in people:
        people.insert(0, record.owner)
    return people


def invitation(reader: Reader, incident_id: int, *, now: datetime, marking: str | None = None) -> str:
    """The post-mortem meeting as an .ics file: the owner, the ICs and every responder invited,
    each with their e-mail address where the people directory has one (else a name-only URN).

    No meeting booked yet is `NothingToExport` (the window's "export everything" leaves the
    invitation out; the CLI says how to book one).
    """
    incident = reader.incidents.get(incident_id)
    record = reader.postmortem.record(incident_id)
    if record is None or not record.meeting_at:
        raise NothingToExport(f"no meeting booked for {incident.ref} yet: "
                              f"incident-console postmortem meeting {incident.ref} TIME")
    people = invitees(reader, incident_id)
    description = ((f"{marking}. " if marking else "")
                   + f"Post-mortem review of {incident.ref} {incident.shown_title}. "
                   f"Owner: {record.owner or 'not named'}. Agenda: timeline recap; key and unusual "
                   "points; how it could have been caught; customer impact; action items.")
    title = marking or f"Post-mortem: {incident.ref} {incident.shown_title}"  # a marking: alone
    return meeting.ics_invitation(
        uid=f"postmortem-{incident.ref}@incident-console", title=title,
        start=times.from_text(record.meeting_at), organizer=record.owner or "Incident Commander",
        attendees=[(person, reader.people.email_of(person)) for person in people], description=description, now=now,
    )
