"""Hostile input at the command line: one line on stderr, the documented exit, nothing changed.

The corpus runs the real `incident-console` (`python -m console`) in a subprocess per case,
against a real home with a seeded database, and checks for every case: the exit status (2 bad
input, 1 the environment, as documented in console/cli.py), no traceback and no "internal
error" (the last-resort guard must never be what answers), exactly one line on stderr and
nothing on stdout, and every table of the database and every file of the scratch folder
unchanged. Arguments that are not UTF-8 are passed as bytes, as a shell would pass them.
"""

import ctypes
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from console import domain
from tests.helpers import run

ROOT = Path(__file__).resolve().parents[2]
BIG = "x" * 10_001
FAR = "99999999999999999999"  # more than SQLite's 64-bit integers


def _case(argv, code=2, stdin=b"", env=None):
    return (list(argv), code, stdin, env or {})


# `evidence` commands that must keep no copy either (test_hostile_evidence_keeps_no_copy).
EVIDENCE_CASES = [
    _case(["evidence"]),
    _case(["evidence", "frobnicate", "INC-1"]),
    _case(["evidence", "add", "INC-1"]),
    _case(["evidence", "add", "INC-1", ""]),
    _case(["evidence", "add", "INC-1", "{dir}/zero-link"]),  # a symlink to /dev/zero
    _case(["evidence", "add", "INC-1", "/dev/zero"]),
    _case(["evidence", "add", "INC-1", "{dir}/fifo"]),
    _case(["evidence", "add", "INC-1", "{dir}/folder"]),
    _case(["evidence", "add", "INC-1", "{dir}/missing.bin"]),
    _case(["evidence", "add", "INC-1", "{dir}/dangling"]),
    _case(["evidence", "add", "INC-1", "{dir}/loop1"]),
    _case(["evidence", "add", "INC-1", "{dir}/afile/below"]),
    _case(["evidence", "add", "INC-1", "{dir}/new\nline.txt"]),  # a path with a line break
    _case(["evidence", "add", "INC-1", b"{dir}/\xff.bin"]),  # a path that is not UTF-8
    _case(["evidence", "add", "INC-9", "{dir}/afile"]),  # no such incident: nothing is copied
    _case(["evidence", "add", "INC-" + FAR, "{dir}/afile"]),
    _case(["evidence", "add", "", "{dir}/afile"]),
    _case(["evidence", "add", "INC-1", "{dir}/afile", "--note", "x" * 501]),
    _case(["evidence", "add", "INC-1", "{dir}/afile", "--note", b"\xff"]),
    _case(["evidence", "add", "INC-1", "{dir}/afile", "--by", "\x01"]),
    _case(["evidence", "add", "INC-1", "{dir}/afile", "--at", "14:00"]),
    _case(["evidence", "list"]),
    _case(["evidence", "list", "INC-9"]),
    _case(["evidence", "list", "INC-\u0661"]),
    _case(["evidence", "verify", "INC-9"]),
    _case(["evidence", "verify", "INC-1", "--by", "\u200b"]),
    _case(["evidence", "export", "INC-1"]),
    _case(["evidence", "export", "INC-9", "--to", "{dir}/out"]),
    _case(["evidence", "export", "INC-1", "--to", "{dir}/out"]),  # nothing to export
    _case(["evidence", "export", "INC-1", "--to", "{dir}/afile"]),
]


# A security incident's (INC-2 in the seeded home; issue 14): its codename, forensics, statements.
SECURITY_CASES = [
    _case(["codename", "INC-1", "Jade Roc"]),  # not a security incident
    _case(["forensics-clear", "INC-1"]),
    _case(["log", "INC-1", "/codename Jade Roc"]),
    _case(["codename", "INC-2", "Jade/Roc"]),
    _case(["codename", "INC-2", "Jade.Roc"]),
    _case(["codename", "INC-2", "x" * 61]),
    _case(["codename", "INC-2", b"Jade \xff"]),
    _case(["codename", "INC-2", "   "]),
    _case(["codename", "INC-9", "Jade Roc"]),
    _case(["forensics-clear", "INC-2", BIG]),
    _case(["update", "INC-2", "customers", "We take security very seriously. Sorry."]),
    _case(["update", "INC-2", "customers", "Notice 2026-11-30\nThe key leaked on AWS. Sorry.", "--override"]),
    _case(["log", "INC-2", "/update customers Notice: we take your security very seriously"]),
    _case(["export", "INC-2", "--format", "json", "-o", "{dir}/out.json", "--by", b"\xff"]),
    _case(["export", "INC-2", "--format", "json", "-o", "{dir}/out.json", "--by", "\x01\x02"]),
]


# (argv, exit, stdin, extra environment). "{dir}" is the scratch folder (see `scratch`).
CASES = SECURITY_CASES + [
    # -- the 21 tracebacks of issue 9 -------------------------------------------------------
    _case(["log", "INC-1", b"\xff\xfe"]),
    _case(["declare", b"\xff"]),
    _case(["log", "INC-1", "hi", "--by", b"\xff"]),
    _case(["log", "INC-1", "hi", "--at", "0001-01-01T00:30+01:00"]),
    _case(["log", "INC-1", "hi", "--at", "9999-12-31T23:59-14:00"]),
    _case(["postmortem", "meeting", "INC-1", "0001-01-01T00:30+01:00"]),
    _case(["postmortem", "meeting", "INC-1", "9999-12-31T23:59-14:00"]),
    _case(["followup-done", "A" + FAR]),
    _case(["postmortem", "save", "INC-1", "{dir}/missing.md"]),
    _case(["postmortem", "save", "INC-1", "{dir}/folder"]),
    _case(["postmortem", "save", "INC-1", "{dir}/bad.txt"]),
    _case(["lint", "INC-1", "--file", "{dir}/missing.md"]),
    _case(["lint", "INC-1", "--file", "{dir}/folder"]),
    _case(["lint", "INC-1", "--file", "{dir}/bad.txt"]),
    _case(["postmortem", "due", "INC-1", "--holidays", "{dir}/missing.txt"]),
    _case(["postmortem", "due", "INC-1", "--holidays", "{dir}/folder"]),
    _case(["postmortem", "due", "INC-1", "--holidays", "{dir}/bad.txt"]),
    _case(["export", "INC-1", "--format", "json", "-o", "{dir}/missing/x.json"]),
    _case(["export", "INC-1", "--format", "json", "-o", "{dir}/folder"]),
    _case(["--home", "{dir}/afile", "list"]),
    _case(["--home", "{dir}/afile/sub", "list"]),
    _case(["--home", "{dir}/loop1", "list"]),
    # -- usage ------------------------------------------------------------------------------
    _case(["frobnicate"]),
    _case([b"\xff"]),
    _case(["--bogus"]),
    _case(["--home"]),
    _case(["list", "extra"]),
    _case(["list", "--json", "extra"]),
    _case(["list", "--csv"]),
    _case(["metrics", "extra"]),
    _case(["metrics", "--json"]),
    _case(["followups", "extra"]),
    _case(["followups", "--all", "--json", "x"]),
    # -- declare ----------------------------------------------------------------------------
    _case(["declare"]),
    _case(["declare", ""]),
    _case(["declare", "   "]),
    _case(["declare", "\x01\x02\x7f"]),
    _case(["declare", "\u200b\u200e\u202e"]),
    _case(["declare", "x" * 201]),
    _case(["declare", b"Checkout \xc3\x28 down"]),
    _case(["declare", b"\xed\xa0\x80"]),  # an encoded surrogate is not UTF-8 either
    _case(["declare", "T", "extra"]),
    _case(["declare", "T", "--sev"]),
    _case(["declare", "T", "--sev", "0"]),
    _case(["declare", "T", "--sev", "6"]),
    _case(["declare", "T", "--sev", "-1"]),
    _case(["declare", "T", "--sev", FAR]),
    _case(["declare", "T", "--sev", "\u0661"]),  # Arabic-Indic 1
    _case(["declare", "T", "--sev", "\uff11"]),  # fullwidth 1
    _case(["declare", "T", "--sev", "\u00b9"]),  # superscript 1
    _case(["declare", "T", "--sev", "SEV-"]),
    _case(["declare", "T", "--sev", ""]),
    _case(["declare", "T", "--sev", "1.5"]),
    _case(["declare", "T", "--at", "1969-12-31T23:59:59Z"]),
    _case(["declare", "T", "--at", "10000-01-01T00:00Z"]),
    _case(["declare", "T", "--at", "2026-02-30T10:00Z"]),
    _case(["declare", "T", "--at", "25:00"]),
    _case(["declare", "T", "--at", "\u0661\u0664:\u0660\u0662"]),
    _case(["declare", "T", "--at", ""]),
    _case(["declare", "T", "--at", "2999-01-01T00:00Z"]),
    _case(["declare", "T", "--at", "now"]),
    _case(["declare", "T", "--at", "2026-03-29T13:00"]),
    _case(["declare", "T", "--at", "2026-03-29T13:00+24:00"]),
    _case(["declare", "T", "--started", "0001-01-01T00:00+00:01"]),
    _case(["declare", "T", "--by", "\x01"]),
    _case(["declare", "T", "--by", "\u200b\u200d\u2060\ufeff"]),
    _case(["declare", "T", "--by", "\u202e\u2066\u061c"]),
    _case(["declare", "T", "--by", "x" * 101]),
    _case(["declare", "T", b"--by=\xfe"]),
    _case(["declare", "\u202e\u200b"]),
    # -- log --------------------------------------------------------------------------------
    _case(["log"]),
    _case(["log", "INC-1"]),
    _case(["log", "INC-1", "a", "b"]),
    _case(["log", "", "hi"]),
    _case(["log", "INC-", "hi"]),
    _case(["log", "INC-0", "hi"]),
    _case(["log", "INC--1", "hi"]),
    _case(["log", "-1", "hi"]),
    _case(["log", "INC-1.0", "hi"]),
    _case(["log", "INC-\u0661", "hi"]),
    _case(["log", "INC-\uff11", "hi"]),
    _case(["log", "INC-\u06f1", "hi"]),  # Extended Arabic-Indic 1
    _case(["log", "INC-" + FAR, "hi"]),
    _case(["log", "INC-999999999", "hi"]),
    _case(["log", "INC-9", "hi"]),
    _case(["log", "\u202eINC-1", "hi"]),
    _case(["log", "INC-1", ""]),
    _case(["log", "INC-1", "   "]),
    _case(["log", "INC-1", "\x01\x7f"]),
    _case(["log", "INC-1", "\u200b\u202e\u2069"]),
    _case(["log", "INC-1", BIG]),
    _case(["log", "INC-1", b"note \xc0\xaf"]),
    _case(["log", "INC-1", "/nonsense"]),
    _case(["log", "INC-1", "/task"]),
    _case(["log", "INC-1", "/sev \u0662"]),
    _case(["log", "INC-1", "/sev 9"]),
    _case(["log", "INC-1", "/sev " + FAR]),
    _case(["log", "INC-1", "/pin E" + FAR]),
    _case(["log", "INC-1", "/pin E\u0663"]),
    _case(["log", "INC-1", "/task Ben \u0665m look"]),
    _case(["log", "INC-1", "/task Ben 99999m look"]),
    _case(["log", "INC-1", "@25:00 hi"]),
    _case(["log", "INC-1", "@0001-01-01T00:30+01:00 hi"]),
    _case(["log", "INC-1", "@9999-12-31T23:59-14:00 hi"]),
    _case(["log", "INC-1", "d:"]),
    _case(["log", "INC-1", "hi", "--kind", "gossip"]),
    _case(["log", "INC-1", "hi", "--kind", ""]),
    _case(["log", "INC-1", "hi", "--kind", b"\xff"]),
    _case(["log", "INC-1", "hi", "--kind", "note", "--at", "1900-01-01T00:00Z"]),
    _case(["log", "INC-1", "hi", "--at", "99:99"]),
    _case(["log", "INC-1", "hi", "--by", "x" * 101]),
    _case(["log", "INC-1", "hi", "--by", "\u200f"]),
    _case(["log", "INC-1", "hi"], env={"INCIDENT_CONSOLE_NAME": "\u200b\u200e"}),
    # -- sev, status, role ------------------------------------------------------------------
    _case(["sev"]),
    _case(["sev", "INC-1"]),
    _case(["sev", "INC-1", "2"]),  # already SEV-2
    _case(["sev", "INC-1", "\u0662"]),
    _case(["sev", "INC-1", "\uff12"]),
    _case(["sev", "INC-1", "2.0"]),
    _case(["sev", "INC-1", "-2"]),
    _case(["sev", "INC-1", FAR]),
    _case(["sev", "INC-1", "SEV-9"]),
    _case(["sev", "INC-1", ""]),
    _case(["sev", "INC-1", "1", "--at", "0001-01-01T00:30+01:00"]),
    _case(["status", "INC-1", "done"]),
    _case(["status", "INC-1", ""]),
    _case(["status", "INC-1", "active"]),  # already
    _case(["status", "INC-1", "resolved\u200b"]),
    _case(["status", "INC-1", b"\xff"]),
    _case(["status", "INC-1", "mitigated", "--at", "9999-12-31T23:59-14:00"]),
    _case(["role"]),
    _case(["role", "INC-1", "ic"]),
    _case(["role", "INC-1", "boss", "Ana"]),
    _case(["role", "INC-1", "", "Ana"]),
    _case(["role", "INC-1", "ic", ""]),
    _case(["role", "INC-1", "ic", "\u200b\u200f"]),
    _case(["role", "INC-1", "ic", b"An\xe1"]),
    _case(["role", "INC-1", "ic", "x" * 101]),
    _case(["role", "INC-1", "ic", "Ana"]),  # already IC
    _case(["role", "INC-1", "ic", "A\u200bna\u200e"]),  # the same Ana: already IC
    _case(["relieve", "INC-1", "ic", "Zed"]),  # does not hold it
    _case(["relieve", "INC-1", "boss", "Ana"]),  # no such role
    _case(["role", "INC-1", "sme", "Dee", ""]),  # an empty service
    _case(["reassign", "INC-1", "T99", "Ben"]),  # no such task
    _case(["check", "INC-1", "no-such-step"]),
    _case(["uncheck", "INC-1", "ic-during-01-announce"]),  # not checked
    _case(["update", "INC-1", "martians", "hello"]),  # no such audience
    _case(["pin", "INC-1", "E99999"]),
    _case(["role", "INC-1", "ic", "Bo", "--at", "2026-13-01T00:00Z"]),
    # -- tasks ------------------------------------------------------------------------------
    _case(["task", "INC-1", "Ben", "15"]),
    _case(["task", "INC-1", "Ben", "0", "look"]),
    _case(["task", "INC-1", "Ben", "1441", "look"]),
    _case(["task", "INC-1", "Ben", "-5", "look"]),
    _case(["task", "INC-1", "Ben", "\u0665", "look"]),
    _case(["task", "INC-1", "Ben", "\uff15", "look"]),
    _case(["task", "INC-1", "Ben", FAR, "look"]),
    _case(["task", "INC-1", "Ben", "5h", "look"]),
    _case(["task", "INC-1", "Ben", "", "look"]),
    _case(["task", "INC-1", "", "5", "look"]),
    _case(["task", "INC-1", "\u202e", "5", "look"]),
    _case(["task", "INC-1", "Ben", "5", ""]),
    _case(["task", "INC-1", "Ben", "5", "x" * 201]),
    _case(["task-done", "INC-1"]),
    _case(["task-done", "INC-1", "T0"]),
    _case(["task-done", "INC-1", "T99"]),
    _case(["task-done", "INC-1", "T\u0661"]),
    _case(["task-done", "INC-1", "T" + FAR]),
    _case(["task-done", "INC-1", ""]),
    _case(["task-done", "INC-1", "X1"]),
    _case(["task-extend", "INC-1", "T1", "0"]),
    _case(["task-extend", "INC-1", "T1", "\u0661\u0660"]),
    _case(["task-extend", "INC-1", "T1", FAR]),
    _case(["task-extend", "INC-1", "T9", "5"]),
    # -- checklists, process, handbook ------------------------------------------------------
    _case(["check", "INC-1", ""]),
    _case(["check", "INC-1", "no-such-item"]),
    _case(["check", "INC-1", b"\xff"]),
    _case(["uncheck", "INC-1"]),
    _case(["process"]),
    _case(["process", "frob"]),
    _case(["process", "check", "{dir}/missing"]),
    _case(["process", "check", "{dir}/afile"]),
    _case(["process", "check", "{dir}/loop1"]),
    _case(["process", "show"]),
    _case(["process", "show", "--json", "x"]),
    _case(["handbook"]),
    _case(["handbook", "search"]),
    _case(["handbook", "search", "x", "--limit", "0"]),
    _case(["handbook", "search", "x", "--limit", "-1"]),
    _case(["handbook", "search", "x", "--limit", FAR]),
    _case(["handbook", "search", "x", "--limit", "\u0661\u0660"]),
    _case(["handbook", "search", "x", "--limit", "ten"]),
    _case(["handbook", "search", b"\xff"]),
    _case(["handbook", "search", "zzqxjvkw"], code=1),  # no matches: said, exit 1
    # -- the post-mortem --------------------------------------------------------------------
    _case(["postmortem"]),
    _case(["postmortem", "show"]),
    _case(["postmortem", "show", "INC-0"]),
    _case(["postmortem", "show", "INC-9"]),
    _case(["postmortem", "save", "INC-1"]),
    _case(["postmortem", "save", "INC-1", "{dir}/latin1.txt"]),
    _case(["postmortem", "save", "INC-1", "{dir}/big.txt"]),
    _case(["postmortem", "save", "INC-1", "{dir}/fifo"]),
    _case(["postmortem", "save", "INC-1", "/dev/null"]),
    _case(["postmortem", "save", "INC-1", "{dir}/dangling"]),
    _case(["postmortem", "save", "INC-1", "{dir}/loop1"]),
    _case(["postmortem", "save", "INC-1", "{dir}/afile/x.md"]),
    _case(["postmortem", "save", "INC-1", b"{dir}/\xff.md"]),
    _case(["postmortem", "save", "INC-1", "{dir}/empty.md"]),
    _case(["postmortem", "save", "INC-1", "-"], stdin=b"# PM\n\xff\xfe\n"),
    _case(["postmortem", "save", "INC-1", "-"], stdin=b""),
    _case(["postmortem", "save", "INC-1", "-"], stdin=b"  \n\t\n"),
    _case(["postmortem", "save", "INC-1", "-"], stdin=b"a" * 1_000_001),
    _case(["postmortem", "save", "INC-9", "-"], stdin=b"# PM\n"),
    _case(["postmortem", "owner", "INC-1", "Ana", "2026-02-30"]),
    _case(["postmortem", "owner", "INC-1", "Ana", "tomorrow"]),
    _case(["postmortem", "owner", "INC-1", "Ana", ""]),
    _case(["postmortem", "owner", "INC-1", "Ana", "\uff12\uff10\uff12\uff17-01-01"]),
    _case(["postmortem", "owner", "INC-1", "", "2027-01-01"]),
    _case(["postmortem", "owner", "INC-1", "\u200b", "2027-01-01"]),
    _case(["postmortem", "owner", "INC-1", b"\xff", "2027-01-01"]),
    _case(["postmortem", "ack", "INC-1"]),  # nobody named yet
    _case(["postmortem", "status", "INC-1", "bogus"]),
    _case(["postmortem", "status", "INC-1", ""]),
    _case(["postmortem", "meeting", "INC-1", "garbage"]),
    _case(["postmortem", "meeting", "INC-1", ""]),
    _case(["postmortem", "meeting", "INC-1", "2099-01-01T10:00Z"]),  # beyond ten years
    _case(["postmortem", "meeting", "INC-1", "1960-01-01T10:00Z"]),
    _case(["postmortem", "due", "INC-1", "--holidays", "{dir}/holidays-bad.txt"]),
    _case(["postmortem", "due", "INC-1", "--holidays", "{dir}/fifo"]),
    _case(["postmortem", "due", "INC-1", "--holidays", "{dir}/latin1.txt"]),
    _case(["lint"]),
    _case(["lint", "INC-9"]),
    _case(["lint", "INC-1", "--file", "{dir}/fifo"]),
    _case(["lint", "INC-1", "--file", "{dir}/big.txt"]),
    _case(["lint", "INC-1", "--file", "{dir}/loop1"]),
    # -- follow-ups -------------------------------------------------------------------------
    _case(["followup", "INC-1", ""]),
    _case(["followup", "INC-1", "\x01"]),
    _case(["followup", "INC-1", BIG]),
    _case(["followup", "INC-1", "fix it", "--due", "2026-13-01"]),
    _case(["followup", "INC-1", "fix it", "--due", "\u0662\u0660\u0662\u0667-01-01"]),
    _case(["followup", "INC-1", "fix it", "--ticket", "x" * 501]),
    _case(["followup", "INC-1", b"fix \xff"]),
    _case(["followup", "INC-9", "fix it"]),
    _case(["followup-done"]),
    _case(["followup-done", "A0"]),
    _case(["followup-done", "A\u0661"]),
    _case(["followup-done", "A\uff11"]),
    _case(["followup-done", ""]),
    _case(["followup-done", "B1"]),
    _case(["followup-done", "A-1"]),
    _case(["followup-done", "A99"]),
    # -- export -----------------------------------------------------------------------------
    _case(["export"]),
    _case(["export", "INC-1"]),
    _case(["export", "INC-1", "--format", "docx"]),
    _case(["export", "INC-9", "--format", "json"]),
    _case(["export", "INC-\u0661", "--format", "json"]),
    _case(["export", "INC-1", "--format", "pdf"]),
    _case(["export", "INC-1", "--format", "json", "-o", "{dir}/afile/x.json"]),
    # -- verify (the record chain) ----------------------------------------------------------
    _case(["verify"]),
    _case(["verify", "INC-1", "--all"]),
    _case(["verify", "INC-9"]),
    _case(["verify", "INC-\u0661"]),
    _case(["verify", b"\xff"]),
    _case(["verify", "--export", "{dir}/missing.json"]),
    _case(["verify", "--export", "{dir}/folder"]),
    _case(["verify", "--export", "{dir}/fifo"]),
    _case(["verify", "--export", "{dir}/dangling"]),
    _case(["verify", "--export", "{dir}/bad.txt"]),
    _case(["verify", "--export", "{dir}/big.txt"]),
    _case(["verify", "--export", "{dir}/empty.md"]),
    _case(["verify", "--export", b"{dir}/\xff"]),
    _case(["verify", "INC-1", "--head", "zz", "--links", "1"]),
    _case(["verify", "INC-1", "--head", "a" * 64, "--links", FAR]),
    _case(["verify", "--all", "--head", "a" * 64, "--links", "1"]),
    # -- the home folder --------------------------------------------------------------------
    _case(["--home", "{dir}/loop1/x", "list"]),
    _case(["--home", "", "list"]),
    _case(["--home", "/dev/null", "list"]),
    _case(["--home", "{dir}/fifo", "log", "INC-1", "hi"]),
    _case(["--home", "{dir}/afile", "declare", "T"]),
    _case(["--home", "{dir}/afile", "process", "check"]),
    _case(["list"], env={"INCIDENT_CONSOLE_HOME": "{dir}/afile"}),
    _case(["declare", "T"], env={"INCIDENT_CONSOLE_HOME": "{dir}/loop2/deeper"}),
    # -- drills and training (issue 14) -----------------------------------------------------
    _case(["drill"]),
    _case(["drill", "start"]),
    _case(["drill", "start", "no-such-scenario"]),
    _case(["drill", "start", "checkout-failure", "--speed", "0"]),
    _case(["drill", "start", "checkout-failure", "--speed", "61"]),
    _case(["drill", "start", "checkout-failure", "--speed", "\u0661\u0660"]),
    _case(["drill", "start", "checkout-failure", "--speed", FAR]),
    _case(["drill", "start", "checkout-failure", "--speed", "-1"]),
    _case(["drill", "start", "checkout-failure", "--replay", "INC-1"]),
    _case(["drill", "start", "--replay", "INC-" + FAR]),
    _case(["drill", "start", "--replay", "INC-99"]),
    _case(["drill", "start", "--replay", b"\xff"]),
    _case(["drill", "start", b"\xff"]),
    _case(["drill", "start", "checkout-failure", "--by", BIG]),
    _case(["drill", "start", "checkout-failure", "--process", "{dir}/afile"]),
    _case(["drill", "tick", "INC-1"]),
    _case(["drill", "tick", "INC-99"]),
    _case(["drill", "tick", "nonsense"]),
    _case(["drill", "debrief"]),
    _case(["drill", "debrief", "INC-99"]),
    _case(["drill", "debrief", "INC-" + FAR]),
    _case(["drill", "debrief", b"\xffINC"]),
    _case(["training", "add"]),
    _case(["training", "add", "Ana"]),
    _case(["training", "add", "Ana", "juggling"]),
    _case(["training", "add", "Ana", "shadow", "INC-99"]),
    _case(["training", "add", "Ana", "shadow", "INC-1", "extra"]),
    _case(["training", "add", "", "shadow"]),
    _case(["training", "add", BIG, "shadow"]),
    _case(["training", "add", b"\xff", "shadow"]),
    _case(["training", "add", "Ana", "shadow", "--note", BIG]),
    _case(["training", "Ana", "Ben"]),
    _case(["training", "Ana", "--note", "x"]),
    # -- people (issue 13) ------------------------------------------------------------------
    _case(["people", "import"]),
    _case(["people", "import", "a.csv", "b.csv"]),
    _case(["people", "import", "{dir}/missing.csv"]),
    _case(["people", "import", "{dir}/folder"]),
    _case(["people", "import", "{dir}/fifo"]),
    _case(["people", "import", "{dir}/bad.txt"]),
    _case(["people", "import", "{dir}/big.txt"]),
    _case(["people", "import", "{dir}/empty.md"]),
    _case(["people", "import", "{dir}/people-bad.csv"]),
    _case(["people", "import", "{dir}/people-twice.csv"]),
    _case(["people", "import", "{dir}/people-bad.vcf"]),
    _case(["people", "import", "{dir}/people-open.vcf"]),
    _case(["people", b"\xff"]),
    _case(["people", "--bogus"]),
    # -- import slack (issue 13) ------------------------------------------------------------
    _case(["import"]),
    _case(["import", "slack"]),
    _case(["import", "teams", "{dir}/slack.zip", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/slack.zip", "INC-1"]),
    _case(["import", "slack", "{dir}/slack.zip", "--channel", "inc-checkout"]),
    _case(["import", "slack", "{dir}/slack.zip", "--channel", "nope", "INC-1"]),
    _case(["import", "slack", "{dir}/slack.zip", "--channel", "inc-checkout", "INC-9"]),
    _case(["import", "slack", "{dir}/slack.zip", "--channel", "inc-checkout", "INC-\u0661"]),
    _case(["import", "slack", "{dir}/missing.zip", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/fifo", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/folder", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/bad.txt", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/slack-bomb.zip", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/slack-traversal.zip", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/slack-badjson.zip", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/slack-types.zip", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/slack-nousers.zip", "--channel", "inc-checkout", "INC-1"]),
    _case(["import", "slack", "{dir}/slack-future.zip", "--channel", "inc-checkout", "INC-1"]),
    # -- backup, backups, restore, doctor ---------------------------------------------------------
    _case(["restore"]),
    _case(["restore", "{dir}/missing.sqlite3"]),
    _case(["restore", "{dir}/folder"]),
    _case(["restore", "{dir}/bad.txt"]),
    _case(["restore", "{dir}/empty.md"]),
    _case(["restore", "{dir}/other.sqlite3"]),
    _case(["restore", "{dir}/newer.sqlite3"]),
    _case(["restore", "{dir}/truncated.sqlite3"]),
    _case(["restore", "{dir}/link.sqlite3"]),
    _case(["restore", "{dir}/dangling"]),
    _case(["restore", "{dir}/fifo"]),
    _case(["restore", "{dir}/loop1"]),
    _case(["restore", "{dir}/good.sqlite3", "extra"]),
    _case(["backup", "--to", "{dir}/folder"]),
    _case(["backup", "--to", "{dir}/afile"]),
    _case(["backup", "--to", "{dir}/missing/x.sqlite3"]),
    _case(["backup", "--to", "{dir}/dangling"]),
    _case(["backup", "extra"]),
    _case(["backups", "extra"]),
    _case(["doctor", "--bogus"]),
    # -- sub-teams (issue 14): nothing is spun off in the seeded incident --------------------------
    _case(["subteam"]),
    _case(["subteam", "add"]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "20m"]),
    _case(["subteam", "add", "INC-1", "Delta", "Dee", "20m", "replica lag"]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "0", "replica lag"]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "1441m", "replica lag"]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", FAR, "replica lag"]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "\u0662\u0660", "replica lag"]),
    _case(["subteam", "add", "INC-1", "Alpha", "", "20m", "replica lag"]),
    _case(["subteam", "add", "INC-1", "Alpha", "x" * 101, "20m", "replica lag"]),
    _case(["subteam", "add", "INC-1", "Alpha", b"D\xffee", "20m", "replica lag"]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "20m", ""]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "20m", BIG]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "20m", "x" * 201]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "20m", "-- members: Ben"]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "20m", "lag -- members: " + "y" * 101]),
    _case(["subteam", "add", "INC-1", "Alpha", "Dee", "20m", "lag", "--at", "9999-12-31T23:59-14:00"]),
    _case(["subteam", "add", "INC-9", "Alpha", "Dee", "20m", "replica lag"]),
    _case(["subteam", "add", "INC-" + FAR, "Alpha", "Dee", "20m", "replica lag"]),
    _case(["subteam", "join", "INC-1", "Alpha", "Ben"]),
    _case(["subteam", "join", "INC-1", "Alpha"]),
    _case(["subteam", "join", "INC-1", "Zulu", "Ben"]),
    _case(["subteam", "join", "INC-1", b"\xff", "Ben"]),
    _case(["subteam", "done", "INC-1", "Alpha"]),
    _case(["subteam", "done", "INC-1", ""]),
    _case(["subteam", "done", "INC-1", "Alpha", "--at", "14:00"]),
    _case(["subteam", "list"]),
    _case(["subteam", "list", "INC-9"]),
    _case(["subteam", "list", "INC-\u0661"]),
    _case(["subteam", "drop", "INC-1", "Alpha"]),
    _case(["role", "INC-1", "subteam_leader", "Dee"]),
    _case(["relieve", "INC-1", "subteam_leader", "Dee"]),
    _case(["log", "INC-1", "/subteam Alpha Dee replica lag"]),
    _case(["log", "INC-1", "/subteam Omega Dee 5m replica lag"]),
    _case(["log", "INC-1", "/join Alpha"]),
    _case(["log", "INC-1", "/subteam-done"]),
    _case(["log", "INC-1", "@14:00 /subteam-done Alpha"]),
    # -- destinations, the outbox, the invitation (issue 13): the URL is never echoed ----------
    _case(["notify"]),
    _case(["notify", "add", "a b", "json://h/x", "--audience", "customers"]),
    _case(["notify", "add", "x" * 41, "json://h/x", "--audience", "customers"]),
    _case(["notify", "add", "../etc", "json://h/x", "--audience", "customers"]),
    _case(["notify", "add", "\u202eevil", "json://h/x", "--audience", "customers"]),
    _case(["notify", "add", b"\xff", "json://h/x", "--audience", "customers"]),
    _case(["notify", "add", "ok", "json://h/x", "--audience", "nobody"]),
    _case(["notify", "add", "ok", "json://h/x", "--audience", b"\xff"]),
    _case(["notify", "add", "ok", "json://h/x"]),
    _case(["notify", "add", "ok", "nosuch://secret@h/x", "--audience", "customers"]),
    _case(["notify", "add", "ok", "", "--audience", "customers"]),
    _case(["notify", "add", "ok", "json://h/x\nsecret", "--audience", "customers"]),
    _case(["notify", "add", "ok", BIG, "--audience", "customers"]),
    _case(["notify", "add", "ok", b"json://h/\xff", "--audience", "customers"]),
    _case(["notify", "add", "sms", "twilio://AC" + "a" * 32 + ":" + "b" * 32 + "@15551234567/15557654321",
           "--audience", "page", "--security"]),
    _case(["notify", "add", "ok", "json://h/x", "--audience", "customers"], 1,
          env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}),
    _case(["notify", "add", "ok", "json://h/x", "--audience", "customers"], 1,
          env={"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}),
    _case(["notify", "test", "nosuch"]),
    _case(["notify", "remove", "nosuch"]),
    _case(["notify", "remove", "a/b"]),
    _case(["outbox", "resend", "M0"]),
    _case(["outbox", "resend", "Mx"]),
    _case(["outbox", "drop", "M99"]),
    _case(["outbox", "release", FAR]),
    _case(["outbox", "release", "M\u0661"]),
    _case(["outbox", "frobnicate"]),
    _case(["invite", "INC-1", "--via", "nosuch", "--to", "a@example.com"]),
    _case(["invite", "INC-1", "--via", "mail", "--to", "not an address"]),
    _case(["invite", "INC-1", "--via", "mail"]),
    _case(["invite", "INC-9", "--via", "mail", "--to", "a@example.com"]),
    _case(["invite", "INC-1", "--to", "a@example.com"]),
    _case(["update", "INC-1", "customers", "We are sorry; working on it.", "--override", "yes"]),
    # -- the evidence log (issue 14): nothing copied, nothing recorded ---------------------------
    *EVIDENCE_CASES,
]


def _id(case) -> str:
    argv, _, stdin, env = case
    words = [a.decode("utf-8", "backslashreplace") if isinstance(a, bytes) else a for a in argv]
    text = " ".join(w[:24] for w in words) + (" <stdin" if stdin else "") + (" env" if env else "")
    return text.encode("ascii", "backslashreplace").decode()[:70] or "nothing"


def _console(argv, *, home: Path, stdin: bytes = b"", env=None, preexec_fn=None, timeout=60):
    environment = {k: v for k, v in os.environ.items() if k != "INCIDENT_CONSOLE_DEBUG"}
    environment.update(INCIDENT_CONSOLE_HOME=str(home), INCIDENT_CONSOLE_NAME="Tester",
                       QT_QPA_PLATFORM="offscreen")
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "console", *argv], input=stdin, env=environment, cwd=ROOT,
                          capture_output=True, timeout=timeout, preexec_fn=preexec_fn)


def _dump(db: Path) -> list:
    """Every row of every table (and the schema): what "the database is unchanged" means."""
    conn = sqlite3.connect(db)
    try:
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        return [schema] + [(t, sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"')))) for t in tables]
    finally:
        conn.close()


def _listing(folder: Path) -> list:
    """Every name under `folder` (links not followed) with its type and size."""
    found = []
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(parent, name)
            info = path.lstat()
            size = info.st_size if stat.S_ISREG(info.st_mode) else 0
            found.append((str(path.relative_to(folder)), stat.S_IFMT(info.st_mode), size))
    return sorted(found)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A real home with one incident (roles, notes, a task, a follow-up, a saved post-mortem),
    and a scratch folder of hostile files."""
    base = tmp_path_factory.mktemp("hostile")
    home, scratch = base / "home", base / "scratch"
    for argv, stdin in [
        (["declare", "Checkout down", "--sev", "2", "--by", "Ana"], b""),
        (["log", "INC-1", "db-2 lagging", "--by", "Ben"], b""),
        (["log", "INC-1", "d: fail over to db-3"], b""),
        (["role", "INC-1", "ic", "Ana"], b""),
        (["task", "INC-1", "Ben", "15", "check the replicas"], b""),
        (["followup", "INC-1", "alert on replica lag", "--owner", "Ana"], b""),
        (["postmortem", "save", "INC-1", "-"], "# Post-mortem\n\nThe replicas lagged.\n".encode()),
        (["declare", "Leaked admin token", "--sev", "1", "--security", "--by", "Ana"], b""),  # INC-2
    ]:
        result = _console(argv, home=home, stdin=stdin)
        assert result.returncode == 0, result.stderr.decode()
    scratch.mkdir()
    (scratch / "afile").write_text("a file, not a folder\n")
    (scratch / "bad.txt").write_bytes(b"# Post-mortem\n\xff\xfe broken\n")
    (scratch / "latin1.txt").write_bytes("2027-01-01  # caf\xe9\n".encode("latin-1"))
    (scratch / "big.txt").write_bytes(b"a" * 1_000_001)
    (scratch / "empty.md").write_bytes(b"")
    (scratch / "holidays-bad.txt").write_text("2027-01-01\nnot a date\n")
    (scratch / "folder").mkdir()
    os.mkfifo(scratch / "fifo")
    _hostile_people_and_slack(scratch)
    (scratch / "dangling").symlink_to(scratch / "nowhere")
    (scratch / "loop1").symlink_to(scratch / "loop2")
    (scratch / "loop2").symlink_to(scratch / "loop1")
    # restore's hostile files: someone else's SQLite, a newer schema, a truncated file, a link
    other = sqlite3.connect(scratch / "other.sqlite3")
    other.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)")
    other.commit()
    other.close()
    good = (home / "data" / "incidents.sqlite3").read_bytes()  # every command has closed it
    (scratch / "good.sqlite3").write_bytes(good)
    (scratch / "truncated.sqlite3").write_bytes(good[: len(good) // 2])
    (scratch / "newer.sqlite3").write_bytes(good)
    newer = sqlite3.connect(scratch / "newer.sqlite3")
    newer.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                  "VALUES ('incident_console', '9999_from_the_future', '2030-01-01')")
    newer.commit()
    newer.execute("PRAGMA journal_mode = DELETE")
    newer.close()
    (scratch / "link.sqlite3").symlink_to(scratch / "good.sqlite3")
    (scratch / "zero-link").symlink_to("/dev/zero")
    (scratch / "new\nline.txt").write_text("a name with a line break\n")
    (scratch / os.fsdecode(b"\xff.bin")).write_text("a name that is not UTF-8\n")
    return home, scratch


def _hostile_people_and_slack(scratch: Path) -> None:
    """Files for `people import` and `import slack` (issue 13): bad ones, and one good export."""
    import json
    import zipfile

    from tests import slack_fixture

    (scratch / "people-bad.csv").write_text("Name,Email\nAna,ana@example.com\nBen,not-an-address\n")
    (scratch / "people-twice.csv").write_text("Name,Email\nAna,ana@example.com\nAnna,ANA@example.com\n")
    (scratch / "people-bad.vcf").write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Ana\nEMAIL:ana\nEND:VCARD\n")
    (scratch / "people-open.vcf").write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Ana\n")
    slack_fixture.realistic(scratch / "slack-source")
    (scratch / "slack-source" / "slack-export.zip").rename(scratch / "slack.zip")
    good = {"users.json": json.dumps(slack_fixture.USERS), "channels.json": json.dumps(slack_fixture.CHANNELS)}
    day = "inc-checkout/2026-03-29.json"
    message = {"type": "message", "user": "U01ANA", "ts": slack_fixture.ts(14, 0), "text": "hi"}
    for name, members in {
        "slack-traversal.zip": {**good, "../../evil.json": "[]", day: json.dumps([message])},
        "slack-badjson.zip": {**good, day: '[{"ts": '},
        "slack-types.zip": {**good, day: json.dumps([{**message, "ts": 1774792680}])},
        "slack-nousers.zip": {"channels.json": good["channels.json"], day: json.dumps([message])},
        "slack-future.zip": {**good, day: json.dumps([{**message, "ts": "9999999999.000001"}])},
    }.items():
        with zipfile.ZipFile(scratch / name, "w", zipfile.ZIP_DEFLATED) as packed:
            for member, data in members.items():
                packed.writestr(member, data)
    with zipfile.ZipFile(scratch / "slack-bomb.zip", "w", zipfile.ZIP_DEFLATED) as packed:
        for member, data in good.items():
            packed.writestr(member, data)
        with packed.open(day, "w") as member:  # 60 MB of spaces from ~60 KB
            for _ in range(60):
                member.write(b" " * (1 << 20))


def _fill(value, scratch: Path):
    if isinstance(value, bytes):
        return value.replace(b"{dir}", os.fsencode(scratch))
    return value.replace("{dir}", str(scratch))


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[f"{i:03d} {_id(c)}" for i, c in enumerate(CASES)])
def test_hostile_input_gets_one_line_and_changes_nothing(seeded, case):
    home, scratch = seeded
    argv, code, stdin, env = case
    db = home / "data" / "incidents.sqlite3"
    before, files_before = _dump(db), _listing(scratch)

    result = _console([_fill(a, scratch) for a in argv], home=home, stdin=stdin,
                      env={k: _fill(v, scratch) for k, v in env.items()})

    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    assert "internal error" not in err, err
    assert result.returncode == code, err
    assert err.endswith("\n") and err.count("\n") == 1 and err.strip(), err
    assert err.startswith("incident-console"), err
    assert result.stdout == b""
    assert _dump(db) == before
    assert _listing(scratch) == files_before


# -- the home folder ---------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_a_new_home_and_the_folders_above_it_are_created_0700(tmp_path, umask):
    home = tmp_path / "above" / "home"
    result = _console(["list"], home=home, preexec_fn=lambda: os.umask(umask))
    assert result.returncode == 0, result.stderr.decode()
    for folder in (tmp_path / "above", home, home / "data"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def _permissions_apply():
    """The child's preexec_fn under which file permissions hold: None for a user; for root,
    one that gives up the power to ignore them (the test is skipped where that is refused)."""
    if os.geteuid() != 0:
        return None
    probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_without_root_privileges,
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root without CAP_SETPCAP: permissions cannot be tested")
    return _without_root_privileges


def _without_root_privileges():
    """In the child: give up the capabilities that let root ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("argv", [["list"], ["declare", "T"], ["process", "check"],
                                  ["handbook", "search", "severity"]])
def test_a_home_we_may_not_enter_is_one_line_exit_1(tmp_path, argv):
    home = tmp_path / "locked"
    home.mkdir()
    preexec = _permissions_apply()
    home.chmod(0)
    try:
        result = _console(argv, home=home, preexec_fn=preexec)
    finally:
        home.chmod(0o700)
    err = result.stderr.decode()
    assert "Traceback" not in err
    assert result.returncode == 1, err
    assert err.count("\n") == 1 and "permission denied" in err and str(home) in err
    assert list(home.iterdir()) == []


# -- names cannot be spoofed ---------------------------------------------------------------------

SPOOFS = ["A\u200bna", "An\u200da", "\u200eAna\u200f", "\u202eAna\u202c", "\u2066Ana\u2069", "Ana\ufeff",
          "A\u2060na", "\u061cAna"]


@pytest.mark.parametrize("spoof", SPOOFS)
def test_names_lose_bidi_controls_and_zero_width_characters(capsys, service, clock, spoof):
    assert run(capsys, "declare", "Checkout down", "--by", spoof, clock=clock)[0] == 0
    assert run(capsys, "role", "INC-1", "ic", spoof, "--by", spoof, clock=clock)[0] == 0
    assert run(capsys, "task", "INC-1", spoof, "15", "look", "--by", spoof, clock=clock)[0] == 0
    assert run(capsys, "followup", "INC-1", "fix", "--owner", spoof, clock=clock)[0] == 0
    read = service.read
    assert [a.person for a in read.roster.all(1)] == ["Ana"]
    assert {e.author for e in read.timeline.all(1)} == {"Ana"}
    assert [t.owner for t in read.tasks.all(1)] == ["Ana"]
    assert [i.owner for i in read.followups.all()] == ["Ana"]
    # and the same Ana cannot be made IC twice under two spellings
    code, _, err = run(capsys, "role", "INC-1", "ic", "Ana", clock=clock)
    assert code == 2 and "already" in err


def test_prose_keeps_them_a_name_made_only_of_them_is_empty(capsys, service, clock):
    assert run(capsys, "declare", "Checkout down", clock=clock)[0] == 0
    family, hebrew = "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u05e9\u05dc\u05d5\u05dd \u200fOK"
    assert run(capsys, "log", "INC-1", f"{family} {hebrew}", "--kind", "note", clock=clock)[0] == 0
    assert service.read.timeline.all(1)[-1].text == f"{family} {hebrew}"
    assert domain.clean_text("Checkout\u202e down", "title", domain.MAX_TITLE) == "Checkout down"
    code, _, err = run(capsys, "role", "INC-1", "ic", "\u200b\u202e", clock=clock)
    assert code == 2 and "person is empty" in err


# -- every typed number: ASCII digits only -------------------------------------------------------

DIGITS = {"arabic-indic": "\u0663", "extended-arabic-indic": "\u06f3", "fullwidth": "\uff13",
          "devanagari": "\u0969", "superscript": "\u00b3"}


@pytest.mark.parametrize("script", DIGITS)
@pytest.mark.parametrize("parse, template", [
    (domain.parse_ref, "INC-{}"), (domain.parse_task_ref, "T{}"), (domain.parse_entry_ref, "E{}"),
    (domain.parse_action_item_ref, "A{}"), (domain.parse_minutes, "{}m"), (domain.parse_severity, "SEV-{}"),
], ids=["ref", "task", "entry", "action-item", "minutes", "severity"])
def test_refs_minutes_and_severities_take_ascii_digits_only(parse, template, script):
    assert parse(template.format("3")) == 3
    with pytest.raises(domain.InputError):
        parse(template.format(DIGITS[script]))


def test_numbers_too_big_for_storage_are_refused_not_overflowed():
    for parse, template in [(domain.parse_ref, "INC-{}"), (domain.parse_task_ref, "T{}"),
                            (domain.parse_entry_ref, "E{}"), (domain.parse_action_item_ref, "A{}"),
                            (domain.parse_minutes, "{}"), (domain.parse_severity, "{}")]:
        with pytest.raises(domain.InputError):
            parse(template.format(FAR))


# -- what is left: output that cannot be written, and our own bugs -----------------------------


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_full_standard_output_is_one_line_exit_1(seeded, buffered):
    home, _ = seeded
    with open("/dev/full", "wb") as full:
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        environment.update(INCIDENT_CONSOLE_HOME=str(home), **({} if buffered else {"PYTHONUNBUFFERED": "1"}))
        result = subprocess.run([sys.executable, "-m", "console", "list"], stdout=full, stderr=subprocess.PIPE,
                                env=environment, cwd=ROOT, timeout=60)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert err.count("\n") == 1 and "standard output: No space left on device" in err


def test_a_bug_of_ours_is_still_one_line_exit_70(capsys, monkeypatch, clock):
    """The last resort: an exception nobody expected is named in one line, not hidden."""
    from console import cli

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "_run", broken)
    code, out, err = run(capsys, "list", clock=clock)
    assert (code, out) == (70, "")
    assert err.count("\n") == 1
    assert "internal error (a bug, please report it): ZeroDivisionError: division by zero" in err
    monkeypatch.setenv("INCIDENT_CONSOLE_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        run(capsys, "list", clock=clock)


# -- the evidence log (issue 14) -----------------------------------------------------------------


def test_hostile_evidence_keeps_no_copy(seeded):
    """No refused `evidence` command leaves anything in the evidence folder (not even the folder)."""
    home, scratch = seeded
    for argv, code, _, _ in EVIDENCE_CASES:
        result = _console([_fill(a, scratch) for a in argv], home=home)
        assert result.returncode == code, result.stderr.decode()
        assert not (home / "data" / "evidence").exists(), argv


def _evidence_home(tmp_path):
    home = tmp_path / "home"
    assert _console(["declare", "Intrusion", "--security"], home=home).returncode == 0
    (tmp_path / "capture.pcap").write_bytes(b"\xd4\xc3\xb2\xa1" + os.urandom(4096))
    return home, home / "data" / "evidence"


def test_an_unreadable_evidence_file_is_one_line_exit_2(tmp_path):
    home, kept = _evidence_home(tmp_path)
    preexec = _permissions_apply()
    secret = tmp_path / "capture.pcap"
    secret.chmod(0)
    before = _dump(home / "data" / "incidents.sqlite3")
    result = _console(["evidence", "add", "INC-1", str(secret)], home=home, preexec_fn=preexec)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err == f"incident-console: error: evidence file {secret}: permission denied\n"
    assert _dump(home / "data" / "incidents.sqlite3") == before
    assert not kept.exists()


def test_a_world_readable_evidence_folder_is_made_private_before_a_copy_goes_in(tmp_path):
    home, kept = _evidence_home(tmp_path)
    kept.mkdir(mode=0o777)
    kept.chmod(0o777)
    result = _console(["evidence", "add", "INC-1", str(tmp_path / "capture.pcap")], home=home)
    assert result.returncode == 0, result.stderr.decode()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700
    (copy,) = kept.iterdir()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o400


def test_an_evidence_folder_that_is_a_symlink_is_refused_exit_1(tmp_path):
    home, kept = _evidence_home(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    kept.symlink_to(shared)
    before = _dump(home / "data" / "incidents.sqlite3")
    result = _console(["evidence", "add", "INC-1", str(tmp_path / "capture.pcap")], home=home)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert err.count("\n") == 1 and "not a folder of its own" in err
    assert list(shared.iterdir()) == []
    assert _dump(home / "data" / "incidents.sqlite3") == before
