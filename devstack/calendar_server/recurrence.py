"""The RFC 5545 recurrence rules the local calendar expands: FREQ DAILY/WEEKLY/MONTHLY/YEARLY with
INTERVAL, COUNT, UNTIL and (weekly) BYDAY, and EXDATE. Anything else is refused when the event is stored."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# However long a rule runs, one event never expands to more instances than this.
MAX_INSTANCES = 5000

Moment = datetime | date  # an aware UTC datetime, or a date for all-day events


class RecurrenceError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    frequency: str
    interval: int = 1
    count: int | None = None
    until: Moment | None = None
    weekdays: tuple[int, ...] = ()
    exdates: frozenset[Moment] = frozenset()


def parse(lines: list[str], *, all_day: bool) -> Rule:
    rule: Rule | None = None
    exdates: set[Moment] = set()
    for line in lines:
        name, _, value = line.partition(":")
        name = name.split(";")[0].upper()
        if name == "RRULE":
            if rule is not None:
                raise RecurrenceError("only one RRULE is supported")
            rule = _rrule(value, all_day=all_day)
        elif name == "EXDATE":
            exdates.update(_moment(part, all_day=all_day) for part in value.split(","))
        else:
            raise RecurrenceError(f"unsupported recurrence line: {line}")
    if rule is None:
        raise RecurrenceError("recurrence needs an RRULE")
    return Rule(rule.frequency, rule.interval, rule.count, rule.until, rule.weekdays, frozenset(exdates))


def _rrule(value: str, *, all_day: bool) -> Rule:
    parts = dict(part.split("=", 1) for part in value.upper().split(";") if "=" in part)
    frequency = parts.get("FREQ", "")
    if frequency not in FREQUENCIES:
        raise RecurrenceError(f"FREQ must be one of {', '.join(FREQUENCIES)}")
    unknown = set(parts) - {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"}
    if unknown:
        raise RecurrenceError(f"unsupported RRULE parts: {', '.join(sorted(unknown))}")
    try:
        interval = int(parts.get("INTERVAL", "1"))
        count = int(parts["COUNT"]) if "COUNT" in parts else None
    except ValueError as error:
        raise RecurrenceError("INTERVAL and COUNT must be integers") from error
    if interval < 1 or (count is not None and count < 1):
        raise RecurrenceError("INTERVAL and COUNT must be positive")
    weekdays = tuple(sorted(WEEKDAYS.index(day) for day in parts["BYDAY"].split(","))) if "BYDAY" in parts else ()
    if weekdays and frequency != "WEEKLY":
        raise RecurrenceError("BYDAY is supported with FREQ=WEEKLY only")
    until = _moment(parts["UNTIL"], all_day=all_day) if "UNTIL" in parts else None
    return Rule(frequency, interval, count, until, weekdays)


def _moment(value: str, *, all_day: bool) -> Moment:
    value = value.strip()
    try:
        if len(value) == 8:
            day = datetime.strptime(value, "%Y%m%d").date()
            return day if all_day else datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError as error:
        raise RecurrenceError(f"bad date in recurrence: {value}") from error
    return moment.date() if all_day else moment


def occurrences(rule: Rule, start: Moment, *, until: Moment) -> Iterator[Moment]:
    """Each instance's start from `start` on, while before `until` (and the rule's own end), at most MAX_INSTANCES."""
    for produced, candidate in enumerate(_candidates(rule, start), start=1):
        if rule.until is not None and candidate > rule.until:
            return
        if candidate >= until or produced > MAX_INSTANCES:
            return
        if rule.count is not None and produced > rule.count:
            return
        if candidate not in rule.exdates:
            yield candidate


def _candidates(rule: Rule, start: Moment) -> Iterator[Moment]:
    step = 0
    while True:
        if rule.frequency == "DAILY":
            yield start + timedelta(days=step * rule.interval)
        elif rule.frequency == "WEEKLY":
            week_start = start - timedelta(days=start.weekday()) + timedelta(weeks=step * rule.interval)
            for weekday in rule.weekdays or (start.weekday(),):
                candidate = week_start + timedelta(days=weekday)
                if candidate >= start:
                    yield candidate
        else:
            months = step * rule.interval * (12 if rule.frequency == "YEARLY" else 1)
            year, month = divmod(start.month - 1 + months, 12)
            if start.day <= calendar.monthrange(start.year + year, month + 1)[1]:
                yield start.replace(year=start.year + year, month=month + 1)
        step += 1
