"""One date parser for every date option (``--claimed-date``, ``index add --date``).

Accepted: ISO 8601 calendar dates, extended ``2023-12-20`` or basic ``20231220`` (the same on
every Python version: ``date.fromisoformat`` only learnt the basic form in 3.11).  A wrong date
gets one message that says what is wrong: ``month 13 does not exist``, ``2023-02-30: February 2023
has 28 days``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

_FORM = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


class DateError(ValueError):
    """Not a usable date; the message is meant for the user as it is."""


def parse_date(text: str) -> dt.date:
    """``2023-12-20`` or ``20231220`` -> ``date(2023, 12, 20)``; :class:`DateError` otherwise."""
    value = text.strip()
    m = _FORM.match(value)
    if m is None or (("-" in value) and value.count("-") != 2):
        raise DateError(f"{text!r} is not a date: use YYYY-MM-DD (or YYYYMMDD)")
    year, month, day = (int(g) for g in m.groups())
    if year < 1:
        raise DateError(f"{text!r}: year {year} does not exist")
    if not 1 <= month <= 12:
        raise DateError(f"{text!r}: month {month} does not exist")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise DateError(f"{text!r}: {calendar.month_name[month]} {year} has {days} days, not {day}")
    return dt.date(year, month, day)
