"""Text values SQLite holds as dates and times: read as PostgreSQL and SQLite read them, and,
when they are no date, the reason in the words that fit the value."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

_SPACED_OFFSET = re.compile(r"(.*\d)\s+([+-]\d\d(?::?\d\d)?|Z)")


def parse_iso(text: str) -> dt.datetime:
    """An ISO-8601 date and time as Python reads it, and as SQLite and PostgreSQL read it with
    a space before the offset (Sequelize writes '2020-01-01 00:00:00.000 +00:00')."""
    text = text.strip()
    spaced = _SPACED_OFFSET.fullmatch(text)
    if spaced:
        text = spaced.group(1) + spaced.group(2)
    finer = _FINER.search(text)
    if finer and finer.group(1).strip("0"):  # Python would cut them off: not a value it has
        raise ValueError(FINER_REASON)
    midnight = _END_OF_DAY.fullmatch(text)
    if midnight:  # ISO 8601's end of the day: the next day's 00:00, as PostgreSQL reads it
        start = dt.datetime.fromisoformat(f"{midnight.group(1)} 00:00:00{midnight.group(2) or ''}")
        return start + dt.timedelta(days=1)
    return dt.datetime.fromisoformat(text)


# digits of a second past the sixth: PostgreSQL (and Python) keep microseconds
_FINER = re.compile(r"\d:\d\d\.\d{6}(\d+)")
FINER_REASON = ("fraction of a second finer than a microsecond (timestamptz keeps 6 digits);"
                " --type TABLE.COLUMN=text keeps it as written")  # fmt: skip
_END_OF_DAY = re.compile(r"(\d{4}-\d\d-\d\d)[T ]24:00(?::00(?:\.0*)?)?(Z|[+-]\d\d(?::?\d\d)?)?")


_ISO_SHAPE = re.compile(
    r"(-?\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)
_SLASHED = re.compile(r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})\b")


def date_reason(value: Any) -> str:
    """Why a text is no date or time PostgreSQL can take, in the words that fit it: an
    impossible one (month 13, 30 February), an order that is ambiguous (01/02/2024) or only not
    ISO (13/02/2024), a word, or another shape."""
    text = str(value).strip()
    finer = _FINER.search(text)
    if finer and finer.group(1).strip("0"):
        return FINER_REASON
    iso = _ISO_SHAPE.match(text)
    if iso:
        year, month, day = (int(g) for g in iso.group(1, 2, 3))
        if year == month == day == 0:
            return "zero date (0000-00-00 is no date)"
        if not 1 <= year <= 9999:
            return f"year {year}: outside the years 1 to 9999 SQLite's date functions read"
        if not 1 <= month <= 12:
            return f"impossible date: no month {month}"
        try:
            dt.date(year, month, day)
        except ValueError:
            return f"impossible date: no day {day} in {dt.date(2000, month, 1):%B}" + (
                f" {year}" if month == 2 and day == 29 else ""
            )
        hour, minute, second = (int(g or 0) for g in iso.group(4, 5, 6))
        if hour > 24 or minute > 59 or second > 60:
            return "impossible time of day"
        return "not an ISO-8601 date or time (unknown text after the date)"
    slashed = _SLASHED.match(text)
    if slashed:
        first, second_part = int(slashed.group(1)), int(slashed.group(2))
        if (
            len(slashed.group(1)) <= 2
            and first <= 12
            and second_part <= 12
            and first != second_part
        ):
            return "ambiguous date: day/month or month/day order (not ISO-8601)"
        return "date in day/month/year or month/day/year order (not ISO-8601)"
    if not any(ch.isdigit() for ch in text):
        return "not a date: text without digits"
    return "not an ISO-8601 date or time"


def reason_for(reason: str, value: Any) -> str:
    """The profile's reason, made exact for the value where one word cannot say it."""
    if reason == "not an ISO-8601 date or time":
        return date_reason(value)
    if reason == "invalid JSON" and isinstance(value, str):
        try:
            json.loads(value)  # Python's reader takes NaN and Infinity; JSON and jsonb do not
        except ValueError:
            return reason
        return "NaN or Infinity in JSON (not JSON numbers: jsonb refuses them)"
    return reason
