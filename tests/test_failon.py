"""--fail-on: codes and severities (a severity means that severity or worse), reused spans count."""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import date

import pytest

from conftest import FIXTURES, analysed
from verify.failon import FailOnError, fired, fired_codes, parse_fail_on
from verify.flags import metadata_flags


def test_parse_fail_on_is_case_and_space_tolerant():
    assert parse_fail_on(" Critical, reencoded ,,") == {"critical", "reencoded"}
    assert parse_fail_on(None) == frozenset()
    with pytest.raises(FailOnError, match="at least one"):  # an empty gate is a mistake, not "never fail"
        parse_fail_on(" , ")


def test_severity_means_that_severity_or_worse():
    pairs = [("a", "info"), ("b", "warning"), ("c", "critical")]
    assert fired(pairs, False, frozenset({"critical"})) == ["c"]
    assert fired(pairs, False, frozenset({"warning"})) == ["b", "c"]
    assert fired(pairs, False, frozenset({"info"})) == ["a", "b", "c"]
    assert fired(pairs, False, frozenset({"a", "critical"})) == ["a", "c"]
    assert fired(pairs, False, frozenset({"nothing"})) == []
    assert fired(pairs, False, frozenset()) == []


def test_reused_spans_count_as_critical_reused_footage():
    assert fired([], True, frozenset({"reused_footage"})) == ["reused_footage"]
    assert fired([], True, frozenset({"critical"})) == ["reused_footage"]
    assert fired([("reused_footage", "critical")], True, frozenset({"critical"})) == ["reused_footage"]
    assert fired([], False, frozenset({"reused_footage"})) == []


def test_real_reports():
    ministry = copy.deepcopy(analysed("ministry.mp4").report)
    assert fired_codes(ministry, parse_fail_on("critical")) == []
    assert fired_codes(ministry, parse_fail_on("warning")) == ["reencoded"]
    assert fired_codes(ministry, parse_fail_on("gps_present,reused_footage")) == ["gps_present"]
    ministry.flags.clear()
    metadata_flags(ministry, date(2023, 12, 20))  # the metadata says 2020-10-11
    assert fired_codes(ministry, parse_fail_on("critical")) == ["creation_time_conflict"]
    assert fired_codes(ministry, parse_fail_on("warning")) == ["reencoded", "creation_time_conflict"]
    ministry.reused.append({"start_s": 0.0, "end_s": 4.0, "ref": {"title": "t"}})
    assert fired_codes(ministry, parse_fail_on("reused_footage,reencoded")) == ["reencoded", "reused_footage"]


@pytest.mark.parametrize("fail_on,expected", [
    ("critical", 0),  # the photo has a warning and an info flag, nothing critical
    ("warning", 1),
    ("reused_footage,GPS_PRESENT", 1),
])
def test_exit_codes_on_the_photo(fail_on, expected):
    p = subprocess.run([sys.executable, "-m", "verify", str(FIXTURES / "photo.jpg"), "--fail-on", fail_on, "-q"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == expected, p.stderr


def test_claimed_date_conflict_fails_critical_and_bad_input_wins():
    p = subprocess.run([sys.executable, "-m", "verify", str(FIXTURES / "photo.jpg"), "--claimed-date", "2022-02-24",
                        "--fail-on", "critical", "-q"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    p = subprocess.run([sys.executable, "-m", "verify", str(FIXTURES / "photo.jpg"), str(FIXTURES / "missing.mp4"),
                        "--fail-on", "warning", "-q"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "missing.mp4: no such file" in p.stderr
