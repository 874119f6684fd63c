"""Cron schedules, parsed as the Kubernetes CronJob controller and Velero parse them.

Both call ``cron.ParseStandard`` of github.com/robfig/cron/v3 (parser.go): five fields (minute, hour, day of
month, month, day of week) or a descriptor (``@yearly``, ``@annually``, ``@monthly``, ``@weekly``, ``@daily``,
``@midnight``, ``@hourly``, ``@every <duration>``). A field is a comma-separated list of ``*``, ``?``, a number or
a name, or a range ``a-b``, each optionally with a step ``/n``; ``a/n`` means ``a-max/n``. The API server also
refuses ``TZ`` in a schedule (kubernetes pkg/apis/batch/validation: validateScheduleFormat). This module follows
the same rules and the same bounds, so that a schedule the cluster would refuse is a catalog error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class CronError(ValueError):
    """A schedule the CronJob controller (and Velero) would refuse."""


@dataclass(frozen=True)
class _Bounds:
    name: str
    low: int
    high: int
    names: dict[str, int]


_MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
FIELDS = (
    _Bounds("minute", 0, 59, {}),
    _Bounds("hour", 0, 23, {}),
    _Bounds("day of month", 1, 31, {}),
    _Bounds("month", 1, 12, _MONTHS),
    _Bounds("day of week", 0, 6, _DAYS),
)
DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_INT = re.compile(r"^[+-]?[0-9]+$")  # what Go's strconv.Atoi accepts
_DURATION = re.compile(r"^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+$|^[+-]?0$")  # ParseDuration


def _number(text: str, bounds: _Bounds, whole: str) -> int:
    if text.lower() in bounds.names:
        return bounds.names[text.lower()]
    if not _INT.match(text) or len(text) > 19:
        raise CronError(f"{bounds.name} {whole!r}: {text!r} is not a number" + (" or a name" if bounds.names else ""))
    value = int(text)
    if value < 0:
        raise CronError(f"{bounds.name} {whole!r}: negative number {value} not allowed")
    return value


def _range(expr: str, bounds: _Bounds) -> None:
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    if low_high[0] in ("*", "?"):
        start, end = bounds.low, bounds.high  # robfig ignores what follows "*-", and so does this
    else:
        if len(low_high) > 2:
            raise CronError(f"{bounds.name} {expr!r}: too many hyphens")
        start = _number(low_high[0], bounds, expr)
        end = _number(low_high[1], bounds, expr) if len(low_high) == 2 else start
    if len(range_and_step) > 2:
        raise CronError(f"{bounds.name} {expr!r}: too many slashes")
    step = 1
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], _Bounds("step", 0, 0, {}), expr)
        if len(low_high) == 1:  # "N/step" means "N-max/step"
            end = bounds.high
    if start < bounds.low:
        raise CronError(f"{bounds.name} {expr!r}: {start} is below the minimum {bounds.low}")
    if end > bounds.high:
        raise CronError(f"{bounds.name} {expr!r}: {end} is above the maximum {bounds.high}")
    if start > end:
        raise CronError(f"{bounds.name} {expr!r}: the range starts after it ends")
    if step == 0:
        raise CronError(f"{bounds.name} {expr!r}: the step must be a positive number")


def parse_schedule(schedule: str) -> None:
    """Raise CronError unless ``schedule`` is one the CronJob controller and Velero accept."""
    if not schedule.strip():
        raise CronError("an empty schedule")
    if "TZ" in schedule:
        raise CronError(f"{schedule!r}: TZ or CRON_TZ cannot be part of a CronJob schedule")
    if schedule.startswith("@"):
        if schedule.startswith("@every "):
            if not _DURATION.match(schedule.removeprefix("@every ")):
                raise CronError(f"{schedule!r}: not a duration such as 1h30m after @every")
        elif schedule not in DESCRIPTORS:
            raise CronError(f"{schedule!r}: unknown descriptor (one of {', '.join(sorted(DESCRIPTORS))}, @every)")
        return
    fields = schedule.split()
    if len(fields) != len(FIELDS):
        raise CronError(f"{schedule!r} is not a five-field cron schedule (found {len(fields)} fields)")
    for text, bounds in zip(fields, FIELDS, strict=True):
        for expr in (part for part in text.split(",") if part):
            _range(expr, bounds)
