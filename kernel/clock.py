"""The city's clock: its zone, the one stored form of an instant, and how an instant is written on a
command line. The wall shows the city's time (China Standard Time), whatever zone the machine is in."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone

CITY_TZ = timezone(timedelta(hours=8), "CST")

# The instants a simulated city may start at (its figures are calibrated on this century's sources).
FIRST_YEAR, LAST_YEAR = 2000, 2099


def city_text(moment: datetime) -> str:
    """The one stored and sent form: +08:00, whole seconds (so stored times compare as strings)."""
    if moment.tzinfo is None:
        raise ValueError(f"the time {moment} has no time-zone offset")
    return moment.astimezone(CITY_TZ).isoformat(timespec="seconds")


def parse_city_instant(text: str) -> datetime:
    """An ISO 8601 instant ("2027-01-01T00:00:30+08:00", "2028-02-29 23:55"); without an offset it is
    the city's time. Returned in the city's time to the whole second, so one instant has one spelling.
    Raises ValueError saying what is expected."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a date and time such as 2027-01-01T00:00:30+08:00 or 2028-02-29 23:55 "
                         f"(no offset: the city's time, UTC+8), got {text!r}") from None
    try:
        local = (moment if moment.tzinfo else moment.replace(tzinfo=CITY_TZ)).astimezone(CITY_TZ)
    except OverflowError:  # an offset that pushes year 1 or 9999 off the calendar
        local = None
    if local is None or not FIRST_YEAR <= local.year <= LAST_YEAR:
        raise ValueError(f"the instant must lie in the years {FIRST_YEAR} to {LAST_YEAR}, got {text!r}")
    return local.replace(microsecond=0)


def instant_argument(text: str) -> datetime:
    """`parse_city_instant` as an argparse `type=`: a bad instant is a usage error in words."""
    try:
        return parse_city_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
