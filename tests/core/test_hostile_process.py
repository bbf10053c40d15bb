"""A process override, or a text to lint, can never hang the console (issue 9, part 4).

A hostile corpus: override files that attack the YAML loader (aliases that expand to gigabytes,
deep nesting, huge and binary files, pipes and devices where a file should be, numbers that take
seconds to convert, tags that would run code) and lint rules whose patterns backtrack
catastrophically in a backtracking engine, run against long texts aimed at them and at the
linter's own checks. Every case runs the real command line in a subprocess, timed by this
process with a hang guard of BUDGET seconds (a normal answer takes a fraction of that): it must
answer in time, without a traceback, with its documented exit code and, for a refused file, one
line naming the file and the line of the mistake.

Each command's corpus is one test that runs every case and reports all that fail together.
"""

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.cli import main

ROOT = Path(__file__).resolve().parents[2]
# The hang guard: seconds of wall-clock time per command, start-up included. A hostile file
# that makes loading blow up takes minutes, not a few times a normal answer; so the guard is
# 2 s, or eight times a plain `process check` timed here when other work slows the machine.
def _budget() -> float:
    with tempfile.TemporaryDirectory() as home:
        start = time.monotonic()
        subprocess.run([sys.executable, "-m", "console", "--home", home, "process", "check"], cwd=ROOT,
                       capture_output=True, env=os.environ.copy(), stdin=subprocess.DEVNULL, timeout=120)
        return max(2.0, 8 * (time.monotonic() - start))


BUDGET = _budget()
REFUSED = 2  # a process with mistakes is bad input (console/cli.py)


@dataclass
class Answer:
    code: int | None  # None: still running when the budget ran out (it was killed)
    out: str
    err: str
    seconds: float


def console(*argv: str) -> Answer:
    """Run `python -m console ARGV` with the test's home; kill it when the budget runs out."""
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "console", *argv], cwd=ROOT, capture_output=True,
                              env=os.environ.copy(), timeout=BUDGET, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as stopped:
        out, err = (stopped.stdout or b""), (stopped.stderr or b"")
        return Answer(None, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                      time.monotonic() - start)
    return Answer(done.returncode, done.stdout.decode("utf-8", "replace"),
                  done.stderr.decode("utf-8", "replace"), time.monotonic() - start)


def why_not(answer: Answer, codes: tuple[int, ...]) -> str | None:
    """What is wrong with an answer in general: too slow, a traceback, an unexpected exit."""
    if answer.code is None:
        return f"no answer within {BUDGET:.1f} s"
    if answer.seconds > BUDGET:
        return f"answered in {answer.seconds:.1f} s"
    if "Traceback" in answer.err or "Fatal Python error" in answer.err:
        return "traceback: " + answer.err.strip().splitlines()[-1]
    if answer.code not in codes:
        return f"exit {answer.code}, expected {codes}: {answer.err.strip()[:300]}"
    return None


def report(failures: dict[str, str]) -> None:
    assert not failures, f"{len(failures)} case(s) failed:\n" + "\n".join(
        f"  {case}: {why}" for case, why in failures.items())


# -- override files ----------------------------------------------------------------------------

def laughs(depth: int, width: int = 9) -> str:
    """Billion laughs: each anchor is a list of `width` aliases of the one before."""
    lines = ["severities:", "  - id: sev1", "    criteria: &l0 [lol]"]
    for level in range(1, depth):
        lines.append(f"    examples{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


SMALL_BOMB = ("severities:\n- id: sev1\n  criteria: &a [x,x,x,x,x,x,x,x,x]\n  examples: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
              "  paged: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  response: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
              "  summary: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n")  # the 423-byte kind of file

RULE = ("lint_rules:\n  - id: org-rule\n    source: optional\n    enabled: true\n    scope: [all]\n"
        "    check: regex\n    pattern: {pattern}\n    message: Hostile.\n    suggestion: None.\n"
        "    page: after/effective_post_mortems\n")


def rule(pattern: str) -> str:
    return RULE.format(pattern="'" + pattern.replace("'", "''") + "'")


def prompt_items(count: int) -> str:
    item = ("  - id: org-{i:06d}\n    audience: everyone\n    moment: lull\n"
            "    text: \"Prompt number {i} for the organisation.\"\n    page: before/call_etiquette\n")
    return "prompts:\n" + "".join(item.format(i=i) for i in range(count))


# (case, file name, content: bytes, or a function that makes the entry in the folder,
#  the expected line of the one problem, or None for a process that loads, and words of it)
OVERRIDES = [
    ("billion laughs", "severities.yaml", laughs(9), 3, "YAML anchors (&l0) are not allowed"),
    ("the issue's 423-byte alias bomb", "severities.yaml", SMALL_BOMB, 3, "YAML anchors (&a) are not allowed"),
    ("alias bomb of mappings", "roles.yaml",
     "roles:\n  - id: ic\n    duties: &m {before: [a, b]}\n    purpose: {x: *m, y: *m, z: *m}\n", 3,
     "YAML anchors (&m) are not allowed"),
    ("a list that contains itself", "severities.yaml", "severities:\n  - id: sev1\n    criteria: &self [*self]\n",
     3, "YAML anchors (&self)"),
    ("an anchor on a scalar", "severities.yaml", "severities:\n  - id: sev1\n    title: &t Critical\n", 3,
     "YAML anchors (&t) are not allowed"),
    ("an alias with no anchor", "severities.yaml", "severities:\n  - id: sev1\n\n    title: *nowhere\n", 4,
     "YAML aliases (*nowhere) are not allowed"),
    ("an anchor on an item", "prompts.yaml", "prompts:\n  - &p\n    id: org-x\n", 2, "YAML anchors (&p)"),
    ("a merge key from an alias", "severities.yaml",
     "severities:\n  - id: sev1\n    cadence: &c {responders: 5}\n  - id: sev2\n    <<: *c\n", 3, "YAML anchors (&c)"),
    ("an inline merge key", "severities.yaml", "severities:\n  - id: sev1\n    <<: {title: Big}\n", 3,
     "YAML merge keys (<<) are not allowed"),
    ("an anchored lint pattern", "lint_rules.yaml",
     "lint_rules:\n  - id: u1-outage\n    pattern: &p '\\boutage\\b'\n", 3, "YAML anchors (&p)"),
    ("50,000 nested flow lists", "severities.yaml", "severities: " + "[" * 50_000 + "]" * 50_000 + "\n", 1,
     "bad YAML"),
    ("20,000 nested flow mappings", "severities.yaml", "severities: " + "{a: " * 20_000 + "}" * 20_000 + "\n",
     1, "nested deeper than 20 levels"),
    ("30 nested block lists", "severities.yaml",
     "severities:\n" + "".join("  " * i + "-\n" for i in range(1, 31)), 21, "nested deeper than 20 levels"),
    ("a 2 MiB file", "prompts.yaml", prompt_items(17_000), 1, "is larger than 128 KiB"),
    ("a 128 KiB file loads", "prompts.yaml", prompt_items(900), None, "ok:"),
    ("a 100 KB text value loads", "severities.yaml",
     "severities:\n  - id: sev1\n    summary: \"" + "very long " * 10_000 + "\"\n", None, "ok:"),
    ("a 1,025-character plain key", "severities.yaml", "severities:\n  - id: sev1\n    " + "k" * 1025 + ": 1\n",
     3, "bad YAML"),
    ("a 100 KB unknown key", "severities.yaml", "severities:\n  - id: sev1\n    ? " + "k" * 100_000 + "\n    : 1\n",
     3, "unknown key 'kkkkk"),
    ("a 100 KB id", "prompts.yaml", "prompts:\n  - id: " + "x" * 100_000 + "\n", 2, "missing:"),
    ("a value of 20,000 empty lists", "prompts.yaml",
     "prompts:\n  - id: org-a\n    text: [" + "[], " * 20_000 + "]\n    audience: everyone\n    moment: lull\n"
     "    page: before/call_etiquette\n", 3, "text must be text, not [[], [], "),
    ("invalid UTF-8 on line 3", "severities.yaml", b"severities:\n  - id: sev1\n    title: caf\xe9\n", 3,
     "is not UTF-8 text (byte 0xe9 at column 15)"),
    ("UTF-16 text", "severities.yaml", "severities: []\n".encode("utf-16"), 1, "is not UTF-8 text (byte 0xff"),
    ("a UTF-8 byte-order mark loads", "severities.yaml",
     "\ufeffseverities:\n  - id: sev1\n    title: Critical\n".encode(), None, "ok:"),
    ("random binary", "severities.yaml", bytes(range(256)) * 64, 2, "is not UTF-8 text (byte 0x80 at column 118)"),
    ("a NUL byte on line 4", "severities.yaml", "severities:\n  - id: sev1\n\n    title: \"é\x00b\"\n", 4,
     "character #x0000 is not allowed"),
    ("an escape character after accents", "severities.yaml", "# ééééé\nseverities:\n  - id: sev1\n    title: a\x1bb\n", 4,
     "character #x001b is not allowed"),
    ("tabs for indentation", "severities.yaml", "severities:\n\t- id: sev1\n", 2, "bad YAML"),
    ("a duplicate key", "severities.yaml", "severities:\n  - id: sev1\n    title: A\n    title: B\n", 4,
     "duplicate key 'title'"),
    ("a list at the root", "severities.yaml", "- id: sev1\n", 1, "expected a mapping of list names"),
    ("a scalar at the root", "severities.yaml", "just words\n", 1, "expected a mapping of list names"),
    ("two documents", "severities.yaml", "severities: []\n---\nroles: []\n", 1, "found another document"),
    ("!!python/object", "severities.yaml", "severities:\n  - !!python/object:os.system {}\n", 2, "bad YAML"),
    ("!!python/object/apply", "severities.yaml",
     "severities:\n  - id: sev1\n    title: !!python/object/apply:os.system ['touch /tmp/owned']\n", 3, "bad YAML"),
    ("!!python/name", "severities.yaml", "severities: !!python/name:builtins.exit\n", 1, "bad YAML"),
    ("an unknown local tag", "severities.yaml", "severities:\n  - id: sev1\n    title: !shout big\n", 3, "bad YAML"),
    ("a 5,000-digit number", "severities.yaml", "severities:\n  - id: sev1\n    level: 1" + "0" * 5000 + "\n", 3,
     "a number of 5001 characters is too long"),
    ("a base-60 number 100 KB long", "severities.yaml",
     "severities:\n  - id: sev1\n    level: 1" + ":59" * 33_000 + "\n", 3, "characters is too long"),
    ("a base-60 float 100 KB long", "severities.yaml",
     "severities:\n  - id: sev1\n    level: 1" + ":59" * 33_000 + ".5\n", 3, "characters is too long"),
    ("a list as a key", "severities.yaml", "severities:\n  - id: sev1\n    ? [a, b]\n    : c\n", 3,
     "keys must be words"),
    ("a quote left open for 10,000 lines", "severities.yaml",
     "severities:\n  - id: sev1\n    title: \"open\n" + "more words\n" * 10_000, 3, "bad YAML"),
    ("an unknown file name", "severities.yml.yaml", "severities: []\n", 1, "unknown process file"),
    ("a file name with a newline", "sev\nerities.yaml", "severities: []\n", 1, "unknown process file 'sev\\nerities"),
    # Lint patterns: what RE2 cannot run is refused here, with the line of the pattern.
    ("a lookbehind", "lint_rules.yaml", rule("(?<!full )outage"), 7, "cannot run in RE2: invalid perl operator"),
    ("a lookahead", "lint_rules.yaml", rule("outage(?! report)"), 7, "group named hit"),
    ("a backreference", "lint_rules.yaml", rule("\\b(\\w+) \\1\\b"), 7, "cannot run in RE2: invalid escape"),
    ("a repeat of repeats", "lint_rules.yaml", rule("((a{100}){100}){100}"), 7, "invalid repetition size"),
    ("a pattern too large", "lint_rules.yaml", rule("\\pL{1000}"), 7, "cannot run in RE2: pattern too large"),
    ("a pattern that matches nothing but emptiness", "lint_rules.yaml", rule("(.*z)?"), 7,
     "can match empty text"),
    ("an unclosed group", "lint_rules.yaml", rule("out(age"), 7, "cannot run in RE2: missing )"),
    # Catastrophic for a backtracking engine, linear for RE2: these are valid.
    ("^(a+)+$ is valid", "lint_rules.yaml", rule("^(a+)+$"), None, "ok:"),
    ("(a|aa)*b is valid", "lint_rules.yaml", rule("(a|aa)*b"), None, "ok:"),
    ("(x+x+)+y is valid", "lint_rules.yaml", rule("(x+x+)+y"), None, "ok:"),
    ("(.*a){20} is valid", "lint_rules.yaml", rule("(.*a){20}"), None, "ok:"),
    ("12,000 words in one pattern are valid", "lint_rules.yaml",
     rule("|".join(f"w{i:05d}x" for i in range(12_000))), None, "ok:"),
    # Sub-teams (issue 14): subteams.yaml is as guarded as every process file.
    ("an alias bomb of sub-teams", "subteams.yaml", "subteams:\n  - &t {id: delta, name: Delta}\n  - *t\n", 2,
     "YAML anchors (&t) are not allowed"),
    ("2,000 sub-teams load", "subteams.yaml", "subteams:\n" + "".join(
        f"  - {{id: t{i}, name: T{i}, room: '#t{i}', bridge: '{i}'}}\n" for i in range(2_000)), None, "ok:"),
    ("a threshold of 400 digits", "subteams.yaml", "span_of_control:\n  - id: ic-span\n    threshold: "
     + "9" * 400 + "\n", 3, "a number of 400 characters is too long"),
]


def special(kind: str):
    """An entry that is not a regular file, where one is expected."""
    def make(path: Path) -> None:
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "directory":
            path.mkdir()
        elif kind == "device":
            path.symlink_to("/dev/zero")
        elif kind == "dangling":
            path.symlink_to(path.with_name("missing"))
    return make


OVERRIDES += [
    ("a pipe named severities.yaml", "severities.yaml", special("fifo"), 1, "is not a regular file"),
    ("a folder named roles.yaml", "roles.yaml", special("directory"), 1, "is not a regular file"),
    ("a link to /dev/zero", "severities.yaml", special("device"), 1, "is not a regular file"),
    ("a dangling link", "severities.yaml", special("dangling"), 1, "is not a regular file"),
]


def scenario(injects: str, extra: str = "") -> str:
    """A drill scenario file (data/scenarios/) with the given injects."""
    return ("scenarios:\n- id: org-drill\n  title: Org drill\n  severity: 2\n  summary: A drill.\n"
            f"  page: during/during_an_incident\n{extra}  injects:\n{injects}")


INJECT = "  - id: i1\n    at: {at}\n    type: {type}\n    from: Support\n    text: {text}\n"


def inject(at="5m", type="sme_report", text="It broke.") -> str:
    return INJECT.format(at=at, type=type, text=text)


OVERRIDES += [
    ("a scenario loads", "scenarios/org.yaml", scenario(inject() + inject(at=90).replace("i1", "i2")), None, "ok:"),
    ("an inject of an unknown type", "scenarios/org.yaml", scenario(inject(type="gossip")), 10,
     "type refers to 'gossip', which is not defined (in inject_types)"),
    ("an inject at '5 minutes'", "scenarios/org.yaml", scenario(inject(at="5 minutes")), 9, "bad time into the drill"),
    ("an inject a week in", "scenarios/org.yaml", scenario(inject(at="168h")), 9, "outside 0..24h"),
    ("an inject at true", "scenarios/org.yaml", scenario(inject(at="true")), 9, "at must be a time into the drill"),
    ("an inject of 10,001 characters", "scenarios/org.yaml", scenario(inject(text="x" * 10_001)), 12,
     "text is 10001 characters; at most 10000"),
    ("a scenario with no injects", "scenarios/org.yaml", scenario("  []\n".replace("  []", "    []")), 7,
     "has an empty injects list"),
    ("a scenario at SEV-9", "scenarios/org.yaml", scenario(inject()).replace("severity: 2", "severity: 9"), 4,
     "severity 9 is out of range"),
    ("an alias bomb in a scenario", "scenarios/org.yaml",
     scenario(inject()).replace("summary: A drill.", "summary: &s A drill.\n  title2: *s"), 5, "YAML anchors (&s)"),
    ("a 2 MiB scenario file", "scenarios/org.yaml", scenario(inject(text="y" * 9_000) * 230), 1, "is larger than 128 KiB"),
    ("a pipe named scenarios/org.yaml", "scenarios/org.yaml", special("fifo"), 1, "is not a regular file"),
    ("a folder named scenarios/org.yaml", "scenarios/org.yaml", special("directory"), 1, "is not a regular file"),
    ("a scenario file that is not UTF-8", "scenarios/org.yaml", scenario(inject()).encode() + b"\xff\n", 13,
     "is not UTF-8 text"),
    ("a debrief check no code runs", "drills.yaml",
     "debrief_checks:\n- id: vibes\n  title: Good vibes\n  check: vibes\n  page: before/call_etiquette\n", 4,
     "check 'vibes' is not one of"),
    ("a roles check without roles", "drills.yaml",
     "debrief_checks:\n- id: early\n  title: Early\n  check: roles_named\n  page: before/call_etiquette\n", 2,
     "needs roles"),
    ("a qualification of a role nobody has", "drills.yaml",
     "qualification:\n- id: drill\n  role: wizard\n", 3, "role refers to 'wizard'"),
]


def write_override(folder: Path, name: str, content) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if callable(content):
        content(path)
    else:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def check_override(folder: Path, path: Path, line: int | None, words: str) -> str | None:
    answer = console("process", "check", str(folder))
    if line is None:
        return why_not(answer, (0,)) or (None if answer.out.startswith(words) else f"printed {answer.out[:200]!r}")
    problem = why_not(answer, (REFUSED,))
    if problem:
        return problem
    lines = answer.err.splitlines()
    if answer.out or len(lines) != 2 or lines[1] != "1 problem(s); the process was not loaded":
        return f"expected one problem on stderr, got {answer.err[:400]!r}"
    shown = str(path).replace("\n", "\\x0a")
    if not lines[0].startswith(f"{shown}:{line}: ") or words not in lines[0] or len(lines[0]) > 600:
        return f"expected {shown}:{line}: …{words}…, got {lines[0][:300]!r}"
    return None


def test_process_check_answers_every_hostile_override_in_time(tmp_path):
    assert len(OVERRIDES) >= 50
    failures = {}
    for number, (case, name, content, line, words) in enumerate(OVERRIDES):
        folder = tmp_path / f"case{number}"
        path = write_override(folder, name, content)
        why = check_override(folder, path, line, words)
        if why:
            failures[case] = why
    report(failures)


# -- commands that load the process on the way ----------------------------------------------------

def test_log_and_lint_refuse_an_alias_bomb_in_time(tmp_path, capsys):
    assert main(["declare", "Checkout down"]) == 0
    capsys.readouterr()
    folder = tmp_path / "process"
    path = write_override(folder, "severities.yaml", SMALL_BOMB)
    doc = tmp_path / "pm.md"
    doc.write_text("# Postmortem\n\n## 1. Overview\nFine.\n", encoding="utf-8")
    failures = {}
    for argv in (["log", "INC-1", "a note"], ["lint", "INC-1", "--file", str(doc)]):
        answer = console("--process", str(folder), *argv)
        why = why_not(answer, (REFUSED,))
        expected = f"incident-console: error: {path}:3: YAML anchors (&a) are not allowed in process files"
        if not why and not (answer.err.startswith(expected) and answer.err.count("\n") == 1):
            why = f"stderr {answer.err[:300]!r}"
        if why:
            failures[argv[0]] = why
    report(failures)


# -- lint texts ----------------------------------------------------------------------------------

SECTIONS = ["Overview", "What happened", "Contributing factors", "Resolution", "Impact", "Responders",
            "Timeline", "How did we do?", "Action items", "Messaging"]


def postmortem(body: str) -> str:
    """A post-mortem with `body` in every section, so every check of the linter reads it."""
    return "# Postmortem: hostile\n\nOwner: Dee\n\n" + "".join(
        f"## {n}. {title}\n{body}\n\n" for n, title in enumerate(SECTIONS, start=1))


N = 10_000
# (case, the pattern of an extra rule or None for the default rules, a section's body, and
#  whether that rule finds something there)
LINT_TEXTS = [
    ("^(a+)+$ on the issue's 41-character line", "^(a+)+$", "a" * 40 + "!", False),
    ("^(a+)+$ on 10,000 a's", "^(a+)+$", ("a" * 30 + "!\n") * (N // 31), False),
    ("(a|aa)*b on 10,000 a's", "(a|aa)*b", "a" * N, False),
    ("(a|aa)*b on 10,000 a's and a b", "(a|aa)*b", "a" * N + "b", True),
    ("(x+x+)+y on 10,000 x's", "(x+x+)+y", "x" * N, False),
    ("(.*a){20}z on 19 a's far apart", "(.*a){20}z", ("a" + "b" * 500) * 19, False),
    ("(\\w+\\s?)+$ on words and a stop", "(\\w+\\s?)+$", "word " * (N // 5) + "!", True),
    ("a(.*z)? that reads to the end for each a", "a(.*z)?", "a" * N, True),
    ("one character, every character", ".", "é" * N, True),
    ("a pattern of non-ASCII words", "caf\\pL na\\pLve", "café naïve " * (N // 11), True),
    ("a run of stops", None, "." * N + "x", None),
    ("a run of question marks", None, "?" * N + "x", None),
    ("a 10,000-capital word", None, "A" * N + "b", None),
    ("a 10,000-capital acronym before an expansion", None, "A" * N + " (a b c)", None),
    ("spaces before a table pipe", None, " " * N + "|x", None),
    ("a table row of 10,000 dashes", None, "|" + "-" * N + "x", None),
    ("a long word before a stop", None, "a" * N + " .", None),
    ("abbreviations", None, "e.g. " * (N // 5), None),
    ("an impact table of 2,000 rows", None, "| a | b |\n|---|---|\n" + "| x | y |\n" * 2000, None),
    ("action items with many dated tags", None, "- OPS-1 " + "sev1_20260329 " * (N // 14), None),
    ("a name and 10,000 spaces", None, "Ana Lima" + " " * N + "x", None),
    ("backticks left open", None, "```x\n" * (N // 5), None),
    ("a long link", None, "https://" + "a" * N, None),
    ("a host name of 5,000 labels", None, "a." * (N // 2) + "x", None),
    ("a ticket key of 2,500 parts", None, "ABC-" * (N // 4), None),
    ("a 10,000-digit time cell", None, "| Time | Link |\n|---|---|\n" + "| 14:0" + "0" * N + " | |\n", None),
]


def test_lint_answers_every_hostile_text_in_time(tmp_path, capsys):
    assert main(["declare", "Checkout down"]) == 0
    assert main(["role", "INC-1", "ic", "Ana Lima"]) == 0
    capsys.readouterr()
    failures = {}
    for number, (case, pattern, body, finds) in enumerate(LINT_TEXTS):
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        if pattern is not None:
            write_override(folder, "lint_rules.yaml", rule(pattern))
        doc = tmp_path / f"case{number}.md"
        doc.write_text(postmortem(body), encoding="utf-8")
        answer = console("--process", str(folder), "lint", "INC-1", "--file", str(doc))
        why = why_not(answer, (0, 1))
        if not why and answer.err:
            why = f"stderr {answer.err[:300]!r}"
        if not why and finds is not None and finds != (": org-rule: " in answer.out):
            why = "the rule found nothing" if finds else "the rule found something"
        if why:
            failures[case] = why
    report(failures)


def test_a_pattern_finds_character_spans_in_non_ascii_text(tmp_path):
    """RE2 works on UTF-8 bytes; a finding's offsets are still characters of the text, and a
    group named `hit` is what is underlined."""
    from console import lint
    from console.process import load_process

    folder = tmp_path / "process"
    write_override(folder, "lint_rules.yaml", rule("caf\\pL na\\pLve (?P<hit>blame)"))
    whole = "# Postmortem\n\n## 1. Overview\nNot café naïve blame, but café naïve blame.\n"
    findings = [f for f in lint.lint(load_process(folder), whole) if f.rule == "org-rule"]
    starts = [i for i in range(len(whole)) if whole.startswith("blame", i)]
    assert [(f.start, f.end, f.text, f.line) for f in findings] == [(s, s + 5, "blame", 4) for s in starts]


@pytest.mark.parametrize("pattern, text, expected", [
    ("\\b(?:full|total|complete) outages?\\b|\\b(?P<hit>outages?)\\b",
     "A total outage, then an outage; full outages and outages.", ["outage", "outages"]),
    ("(?P<hit>Ana) (?:was|is) to blame", "ana was to blame, and Ana is to blame", ["ana", "Ana"]),
])
def test_a_group_named_hit_is_what_a_match_reports(pattern, text, expected):
    from console import lint

    spans = lint._regex(pattern, text, lint._Section("message", 0, len(text)))
    assert [text[start:end] for start, end in spans] == expected
