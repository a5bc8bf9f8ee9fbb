"""One CLI: the same option means the same thing in every command; dates and --fail-on are checked."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import FIXTURES
from verify.dates import DateError, parse_date
from verify.report import FLAG_CODES

VERIFY = [sys.executable, "-m", "verify"]
COMMANDS = [["check"], ["scan"], ["schema"], ["index"], ["index", "add"], ["index", "list"], ["index", "remove"],
            ["index", "stats"]]


def run(*args, env=None, cwd=None):
    return subprocess.run([*VERIFY, *map(str, args)], capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def options_of(help_text: str) -> dict[str, str]:
    """--option -> the help line it starts (as click prints it without rich)."""
    out = {}
    for line in help_text.splitlines():
        m = re.match(r"\s+(?:-\w, )?(--[\w-]+)(?: (\S+))?", line)
        if m:
            out[m.group(1)] = m.group(2) or ""
    return out


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_no_placeholders(command):
    p = run(*command, "--help")
    assert p.returncode == 0, p.stderr
    for junk in ("<bool>", "{", "<list", "<path>", "<int>", "<float>", "<str>"):
        assert junk not in p.stdout, (command, junk)


def test_check_and_scan_share_every_analysis_option():
    check, scan = options_of(run("check", "--help").stdout), options_of(run("scan", "--help").stdout)
    shared = {o: m for o, m in check.items() if o != "--json"}
    assert {o: scan.get(o) for o in shared} == shared  # same names, same metavars
    for option in ("--known", "--claimed-date", "--keyframes", "--no-scenes", "--max-duration", "--timeout",
                   "--excerpts", "--html", "--index", "--no-index", "--quiet"):
        assert option in scan


def test_quiet_and_json_mean_the_same_everywhere(tmp_path):
    for command in (["check"], ["scan"], ["index", "add"], ["index", "list"], ["index", "remove"], ["index", "stats"]):
        assert "--quiet" in options_of(run(*command, "--help").stdout), command
    for command in (["check"], ["index", "list"], ["index", "stats"]):
        assert options_of(run(*command, "--help").stdout)["--json"] == "PATH", command
    assert options_of(run("scan", "--help").stdout)["--html"] == "PATH"
    p = run(FIXTURES / "photo.jpg", "--html", "-", "-q")
    assert p.returncode == 2 and "cannot go to stdout" in p.stderr


@pytest.mark.parametrize("text,message", [("2023-13-45", "month 13 does not exist"),
                                          ("2023-02-30", "February 2023 has 28 days"),
                                          ("yesterday", "use YYYY-MM-DD")])
def test_one_date_parser_and_message_for_every_date_option(tmp_path, text, message):
    with pytest.raises(DateError, match=message):
        parse_date(text)
    p = run(FIXTURES / "photo.jpg", "--claimed-date", text, "-q")
    assert p.returncode == 2 and message in p.stderr and len(p.stderr.strip().splitlines()) == 1
    p = run("index", "add", FIXTURES / "photo.jpg", "--index", tmp_path / "i.sqlite", "--date", text)
    assert p.returncode == 2 and message in p.stderr
    p = run("scan", tmp_path, "--out", tmp_path / "out", "--claimed-date", text)
    assert p.returncode == 2 and message in p.stderr


def test_basic_iso_dates_are_accepted_everywhere(tmp_path):
    assert parse_date("20201011") == parse_date("2020-10-11")
    out = tmp_path / "r.json"
    assert run(FIXTURES / "photo.jpg", "--claimed-date", "20190504", "--json", out, "-q").returncode == 0
    assert json.loads(out.read_text())["analysis"]["claimed_date"] == "2019-05-04"
    p = run("index", "add", FIXTURES / "photo.jpg", "--index", tmp_path / "i.sqlite", "--date", "20150101", "-q")
    assert p.returncode == 0, p.stderr
    refs = json.loads(run("index", "list", "--index", tmp_path / "i.sqlite", "--json", "-").stdout)
    assert refs[0]["date"] == "2015-01-01"


@pytest.mark.parametrize("word,hint", [("critcal", "critical"), ("warn", "warning"), ("reencode", "reencoded")])
def test_fail_on_rejects_unknown_words(tmp_path, word, hint):
    for args in ([FIXTURES / "photo.jpg"], ["scan", tmp_path, "--out", tmp_path / "out"]):
        p = run(*args, "--fail-on", word, "-q")
        assert p.returncode == 2, p.stderr
        assert f"unknown flag code or severity '{word}' (did you mean '{hint}'?)" in p.stderr
        assert "reused_footage" in p.stderr  # the list of codes


def test_fail_on_says_which_flags_fired():
    p = run(FIXTURES / "photo.jpg", "--fail-on", "warning,gps_present", "-q")
    assert p.returncode == 1
    assert re.search(r"--fail-on warning,gps_present fired on \S*photo.jpg: .*gps_present", p.stderr)


def test_every_flag_code_in_the_code_is_registered_and_documented():
    root = FIXTURES.parent
    used = set()
    for path in (root / "verify").rglob("*.py"):
        used |= set(re.findall(r"add_flag\(\s*\"([a-z0-9_]+)\"", path.read_text()))
    assert used and used <= set(FLAG_CODES), used - set(FLAG_CODES)
    readme = (root / "README.md").read_text()
    assert [c for c in FLAG_CODES if f"| `{c}` |" not in readme] == []


def test_finding_the_default_index_imports_no_index_code(tmp_path):
    """Which index a run searches is decided before any clip is opened; when there is none, the index
    code (and numpy, which it needs) must not be imported then: decoding would start later."""
    import os

    code = ("import sys; from verify.cli_options import resolve_index; "
            "print(resolve_index(None, False).location, sorted(m for m in ('verify.matching.store', 'numpy') "
            "if m in sys.modules))")
    for index, location in ((tmp_path / "missing.sqlite", "None"), ("postgresql://u@h/db", "postgresql://u@h/db")):
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           env={**os.environ, "VERIFY_INDEX": str(index)})
        assert p.returncode == 0, p.stderr
        assert p.stdout.split() == [location, "[]"], p.stdout


def test_the_default_index_is_used_and_can_be_turned_off(tmp_path):
    import os

    env = {**os.environ, "VERIFY_INDEX": str(tmp_path / "team.sqlite")}
    p = run("index", "add", FIXTURES / "cup.mp4", "--title", "Cup", "--date", "2017-09-01", env=env)
    assert p.returncode == 0 and (tmp_path / "team.sqlite").is_file(), p.stderr
    out = tmp_path / "r.json"
    p = run(FIXTURES / "ministry.mp4", "--json", out, "--no-scenes", env=env)
    assert p.returncode == 0, p.stderr
    r = json.loads(out.read_text())
    assert r["reference_search"]["searched"] and r["reference_search"]["default_index"] is True and r["reused"]
    assert "default index" in r["reference_search"]["note"] and "Cup" in p.stdout
    p = run(FIXTURES / "ministry.mp4", "--json", out, "--no-scenes", "--no-index", "-q", env=env)
    assert p.returncode == 0 and json.loads(out.read_text())["reference_search"]["searched"] is False
    scan_in = tmp_path / "in"
    scan_in.mkdir()
    (scan_in / "m.mp4").write_bytes((FIXTURES / "ministry.mp4").read_bytes())
    p = run("scan", scan_in, "--out", tmp_path / "out", "--no-scenes", "--fail-on", "reused_footage", "-q", env=env)
    assert p.returncode == 1, p.stderr
