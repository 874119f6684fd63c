"""Stated backup rows: each Velero row against the Schedule of its name, each dump row against its CronJob.

Velero rows compare cron, ttl and volumes; dump rows cron and ``hearth.dev/retention``; retentions compare in
hours (``7d`` and ``168h0m0s`` are the same).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hearth.verify.backups import dump_jobs, velero_schedules
from hearth.verify.build.model import Build
from hearth.verify.statements.report import Statement

__all__ = ["backup_statements"]

_HOURS = {"h": 1, "d": 24, "w": 7 * 24, "m": 30 * 24, "y": 365 * 24}


def _hours(text: str) -> int | None:
    """``7d`` -> 168; ``168h0m0s`` -> 168; the first term of ``7d 4w 12m``."""
    match = re.match(r"^\s*([0-9]+)([hdwmy])", text)
    return int(match.group(1)) * _HOURS[match.group(2)] if match else None


def backup_statements(claims: Mapping[str, Any], build: Build) -> list[Statement]:
    schedules = {s.cover.name.split("/", 1)[-1]: s for s in velero_schedules(build)}
    pods = build.pods_by_endpoint
    dumps = {pods[cover.name].name: cover for cover, _ in dump_jobs(build) if cover.name in pods}
    components: dict[str, set[str | None]] = {}
    for pod in build.pods:
        components.setdefault(pod.endpoint, set()).add(pod.component)
    out = []
    for row in claims.get("backups") or []:
        name, kind = str(row.get("name")), str(row.get("kind"))
        stated = f"{row.get('schedule')}, keep {row.get('retention')}"
        claim = f"backup: {row.get('description', name)}"
        if kind == "velero":
            schedule = schedules.get(name)
            if schedule is None:
                out.append(Statement("backup", name, claim, stated, "no Schedule of that name", False))
                continue
            cover = schedule.cover
            mismatches = []
            if cover.schedule != str(row.get("schedule")):
                mismatches.append(f"cron {cover.schedule}")
            if _hours(cover.retention) != _hours(str(row.get("retention", ""))):
                mismatches.append(f"ttl {cover.retention}")
            if bool(row.get("include_volumes")) != cover.volumes:
                mismatches.append("volumes " + ("included" if cover.volumes else "not included"))
            computed = f"Schedule {cover.name}: {cover.schedule}, ttl {cover.retention}" + (
                ", volumes" if cover.volumes else ", objects only"
            )
            out.append(Statement("backup", name, claim, stated, computed, not mismatches, "; ".join(mismatches)))
        else:
            component = str(row.get("component"))
            jobs = [c for c in dumps.values() if component in components.get(c.name, set())]
            if not jobs:
                out.append(Statement("backup", name, claim, stated, f"no dump CronJob of {component}", False))
                continue
            job = jobs[0]
            mismatches = []
            if job.schedule != str(row.get("schedule")):
                mismatches.append(f"cron {job.schedule}")
            if job.retention != str(row.get("retention")):
                mismatches.append(f"retention {job.retention}")
            computed = f"CronJob {job.name}: {job.schedule}, keep {job.retention}"
            out.append(Statement("backup", name, claim, stated, computed, not mismatches, "; ".join(mismatches)))
    return out
