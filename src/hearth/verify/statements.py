"""Statements: what ``claims.yaml`` says the platform is, against what the other sections measured.

``claims.yaml`` holds the seed document's statements as written (see ``hearth.render.claims``). Each becomes a
:class:`Statement` with both figures and a verdict, ``holds`` or ``contradicted``. A contradicted statement is a
finding about the document, not a failure of the platform, so this section never fails ``hearth check``.

* figures, by key: ``services.total`` (components with a helmfile release), ``namespaces.total`` (Namespace
  objects in ``manifests/``), ``compliance.charts`` (charts hearth renders that hold workloads),
  ``compliance.percent`` (the lowest feature percentage over those charts), ``nodes.cpu_total``,
  ``nodes.memory_total``, ``nodes.disk_total`` (Node capacities and disks), ``utilization.<node>`` and
  ``utilization.total`` (requested share of allocatable, the larger of cpu and memory; per node what the
  placement put there, in total every pod's requests, placed or not), ``storage.pvc_total``.
  A claim written with ``~`` holds within 5 points (percentages) or 10% (quantities); others must be equal.
* stated orders: each step names components or tags, resolved through the helmfile release labels
  (``component``, then ``tier``, then ``namespace``); every pair where an earlier step's component ``needs:``
  (directly, in ``helmfile.yaml``) a later step's component contradicts the order.
* database allocation: the stated consumers of each database against the components whose pods' connects-to
  reach one of the database's Services (the database itself, ingress controllers and metrics scrapers aside).
* backup rows: each stated Velero row against the Schedule of that name (cron, ttl, volumes), each dump row
  against the dump CronJob of its component (cron, ``hearth.dev/retention``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rich.table import Table

from hearth.quantity import QuantityError, format_bytes, parse_quantity
from hearth.verify.audit import Build
from hearth.verify.backups import dump_jobs, velero_schedules
from hearth.verify.capacity import Capacity
from hearth.verify.compliance import Compliance

__all__ = ["Statement", "Statements", "audit_statements"]

_HOURS = {"h": 1, "d": 24, "w": 7 * 24, "m": 30 * 24, "y": 365 * 24}
_NOT_CONSUMERS = frozenset({"ingress-controller", "metrics-scraper"})


@dataclass
class Statement:
    """One statement of the document: what it claims, what was computed, whether it holds."""

    kind: str
    key: str
    claim: str
    stated: str
    computed: str
    holds: bool | None
    detail: str = ""
    items: list[dict[str, object]] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``holds``, ``contradicted`` or ``not computed``."""
        return "not computed" if self.holds is None else ("holds" if self.holds else "contradicted")

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "kind": self.kind,
            "key": self.key,
            "claim": self.claim,
            "stated": self.stated,
            "computed": self.computed,
            "verdict": self.verdict,
            "detail": self.detail,
            "items": self.items,
        }


@dataclass
class Statements:
    """Section 5 of ``hearth check``: never a failure."""

    statements: list[Statement]
    notes: list[str]

    failed = False

    def summary(self) -> str:
        """One line."""
        counts = {
            v: sum(1 for s in self.statements if s.verdict == v) for v in ("holds", "contradicted", "not computed")
        }
        return f"{len(self.statements)} statements: {counts['holds']} hold, {counts['contradicted']} contradicted" + (
            f", {counts['not computed']} not computed" if counts["not computed"] else ""
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "status": "pass",
            "summary": self.summary(),
            "statements": [s.to_json() for s in self.statements],
            "notes": self.notes,
        }

    def tables(self) -> Iterator[Table]:
        """One row per statement."""
        table = Table(title="Statements of the document (claims.yaml) against the build", title_justify="left")
        for column in ("Statement", "Stated", "Computed", "Verdict", "Detail"):
            table.add_column(column)
        marks = {"holds": "[green]holds[/green]", "contradicted": "[yellow]contradicted[/yellow]", "not computed": "-"}
        for item in self.statements:
            table.add_row(item.claim, item.stated, item.computed, marks[item.verdict], item.detail)
        yield table


# --------------------------------------------------------------------------- figures


def _number(value: object) -> Decimal | None:
    try:
        return parse_quantity(str(value))
    except QuantityError:
        return None


def _close(stated: Decimal, computed: Decimal, approximate: bool, percent: bool) -> bool:
    if not approximate:
        return stated == computed
    if percent:
        return abs(stated - computed) <= 5
    return abs(stated - computed) <= abs(stated) / 10


def _figures(build: Build, compliance: Compliance, capacity: Capacity) -> dict[str, tuple[Decimal, str, str, bool]]:
    """key -> (computed value, display, detail, is a percentage)."""
    components = sorted({r.component for r in build.releases})
    upstream = sorted({r.component for r in build.releases if not r.local})
    hearth_charts = compliance.hearth_charts
    out: dict[str, tuple[Decimal, str, str, bool]] = {
        "services.total": (
            Decimal(len(components)),
            str(len(components)),
            f"components with a release in helmfile.yaml ({len(upstream)} from upstream charts)",
            False,
        ),
        "namespaces.total": (
            Decimal(len(build.namespaces_rendered)),
            str(len(build.namespaces_rendered)),
            "Namespace objects: " + ", ".join(build.namespaces_rendered),
            False,
        ),
        "compliance.charts": (
            Decimal(len(hearth_charts)),
            str(len(hearth_charts)),
            f"charts hearth renders with workloads (and {len(compliance.upstream_charts)} upstream companions)",
            False,
        ),
    }
    lowest = compliance.lowest_feature()
    if lowest is not None:
        feature, percent = lowest
        detail = f"lowest feature: {feature}" if percent < 100 else "every feature at 100%"
        out["compliance.percent"] = (Decimal(str(percent)), f"{percent:g}%", detail, True)
    nodes = build.nodes
    out["nodes.cpu_total"] = (
        Decimal(sum(n.cpu_capacity for n in nodes)) / 1000,
        f"{sum(n.cpu_capacity for n in nodes) / 1000:g} cores",
        f"{len(nodes)} Nodes in cluster/nodes.yaml",
        False,
    )
    memory = sum(n.memory_capacity for n in nodes)
    out["nodes.memory_total"] = (Decimal(memory), format_bytes(memory), "Node memory capacity", False)
    disk = sum(n.disk for n in nodes)
    out["nodes.disk_total"] = (Decimal(disk), format_bytes(disk), "Node disks", False)
    for usage in capacity.nodes:
        share = max(usage.cpu_percent, usage.memory_percent)
        out[f"utilization.{usage.name}"] = (
            Decimal(str(share)),
            f"{share:g}%",
            f"requests: cpu {usage.cpu_percent:g}%, memory {usage.memory_percent:g}% of allocatable",
            True,
        )
    if capacity.nodes:
        share = max(capacity.demand_cpu_percent, capacity.demand_memory_percent)
        extra = f" ({len(capacity.unplaced)} pods fit nowhere)" if capacity.unplaced else ""
        out["utilization.total"] = (
            Decimal(str(share)),
            f"{share:g}%",
            f"requests of all pods: cpu {capacity.demand_cpu_percent:g}%, memory "
            f"{capacity.demand_memory_percent:g}% of allocatable{extra}",
            True,
        )
    out["storage.pvc_total"] = (
        Decimal(capacity.claims_total),
        format_bytes(capacity.claims_total),
        "PersistentVolumeClaims in manifests/ and cluster/",
        False,
    )
    return out


def _figure_statements(
    claims: Mapping[str, Any], figures: Mapping[str, tuple[Decimal, str, str, bool]]
) -> list[Statement]:
    out = []
    for raw in claims.get("stated_figures") or []:
        key, claim, value = str(raw.get("key")), str(raw.get("claim", raw.get("key"))), raw.get("value")
        stated = _number(value)
        if key not in figures or stated is None:
            why = "no measurement for this key" if key not in figures else "stated value is not a number"
            out.append(Statement("figure", key, claim, str(value), "-", None, why))
            continue
        computed, shown, detail, percent = figures[key]
        stated_text = f"{value}%" if percent else str(value)
        holds = _close(stated, computed, "~" in claim, percent)
        out.append(Statement("figure", key, claim, stated_text, shown, holds, detail))
    return out


# --------------------------------------------------------------------------- order


def _resolve_step(name: str, build: Build) -> set[str]:
    named = {r.component for r in build.releases if r.component == name}
    if named:
        return named
    for label in ("tier", "namespace"):
        found = {r.component for r in build.releases if r.labels.get(label) == name}
        if found:
            return found
    return set()


def _order_statement(order: Mapping[str, Any], build: Build) -> Statement:
    steps = [[str(n) for n in step] for step in order.get("steps") or []]
    explicit = {name for step in steps for name in step if _resolve_step(name, build) == {name}}
    step_of: dict[str, int] = {}
    unknown = []
    for index, step in enumerate(steps):
        for name in step:
            members = _resolve_step(name, build)
            if not members:
                unknown.append(name)
            for member in sorted(members):
                if member in explicit and member != name:
                    continue
                step_of.setdefault(member, index)
    releases = {r.key: r for r in build.releases}
    needs: set[tuple[str, str]] = set()
    for release in build.releases:
        for need in release.needs:
            target = releases.get(need)
            if target is not None and target.component != release.component:
                needs.add((release.component, target.component))
    pairs = sorted(
        (step_of[a], a, step_of[b], b) for a, b in needs if a in step_of and b in step_of and step_of[b] > step_of[a]
    )
    chain = " -> ".join("/".join(step) for step in steps)
    items: list[dict[str, object]] = [
        {"earlier": a, "earlier_step": i + 1, "needs": b, "later_step": j + 1} for i, a, j, b in pairs
    ]
    detail = "; ".join(f"{a} (step {i + 1}) needs {b} (step {j + 1})" for i, a, j, b in pairs)
    if unknown:
        detail = (detail + "; " if detail else "") + f"no release label matches: {', '.join(sorted(set(unknown)))}"
    unordered = sorted({r.component for r in build.releases} - step_of.keys())
    if unordered:
        detail = (detail + "; " if detail else "") + f"not in any step: {', '.join(unordered)}"
    computed = f"{len(pairs)} contradicting needs" if pairs else "consistent with helmfile needs"
    return Statement(
        "order",
        str(order.get("name", "order")),
        str(order.get("source", chain)),
        chain,
        computed,
        not pairs,
        detail,
        items,
    )


# --------------------------------------------------------------------------- database allocation


def _consumers(build: Build, database: str) -> dict[str, list[str]] | None:
    services = {s.key for s in build.services if any(p.component == database for p in build.service_pods(s))}
    if not services:
        return None
    found: dict[str, list[str]] = {}
    for pod in build.pods:
        if pod.component in (None, database) or pod.roles & _NOT_CONSUMERS:
            continue
        for entry in pod.connects_to:
            if entry.rpartition(":")[0] in services:
                found.setdefault(str(pod.component), []).append(pod.endpoint)
    return {name: sorted(set(pods)) for name, pods in sorted(found.items())}


def _allocation_statements(claims: Mapping[str, Any], build: Build) -> list[Statement]:
    out = []
    for database, users in (claims.get("database_allocation") or {}).items():
        stated = sorted(str(u) for u in users or [])
        found = _consumers(build, str(database))
        claim = f"{database} consumers"
        if found is None:
            out.append(Statement("allocation", str(database), claim, ", ".join(stated), "-", None, "no Service of it"))
            continue
        computed = sorted(found)
        missing = sorted(set(stated) - set(computed))
        extra = sorted(set(computed) - set(stated))
        detail = "; ".join(
            part
            for part in (
                f"stated, not connecting: {', '.join(missing)}" if missing else "",
                f"connecting, not stated: {', '.join(extra)}" if extra else "",
            )
            if part
        )
        items: list[dict[str, object]] = [{"consumer": name, "pods": pods} for name, pods in found.items()]
        out.append(
            Statement(
                "allocation",
                str(database),
                claim,
                ", ".join(stated),
                ", ".join(computed),
                not missing and not extra,
                detail,
                items,
            )
        )
    return out


# --------------------------------------------------------------------------- backup rows


def _hours(text: str) -> int | None:
    """``7d`` -> 168; ``168h0m0s`` -> 168; the first term of ``7d 4w 12m``."""
    match = re.match(r"^\s*([0-9]+)([hdwmy])", text)
    return int(match.group(1)) * _HOURS[match.group(2)] if match else None


def _backup_statements(claims: Mapping[str, Any], build: Build) -> list[Statement]:
    schedules = {s.cover.name.split("/", 1)[-1]: s for s in velero_schedules(build)}
    dumps = {job.name: cover for cover, _ in dump_jobs(build) for job in build.pods if job.endpoint == cover.name}
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
            jobs = [
                c for c in dumps.values() if any(p.endpoint == c.name and p.component == component for p in build.pods)
            ]
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


def audit_statements(build: Build, compliance: Compliance, capacity: Capacity) -> Statements:
    """Every statement of ``claims.yaml`` against the measurements (an empty section without the file)."""
    if build.claims is None:
        return Statements([], ["no claims.yaml in the build: the document's statements were not checked"])
    claims = build.claims
    statements = _figure_statements(claims, _figures(build, compliance, capacity))
    statements += [_order_statement(order, build) for order in claims.get("stated_orders") or []]
    statements += _allocation_statements(claims, build)
    statements += _backup_statements(claims, build)
    notes = []
    if not any(pod.roles for pod in build.pods):
        notes.append(
            "no pod carries hearth.dev/role: database consumers include ingress controllers and metrics scrapers"
        )
    return Statements(statements, notes)
