"""Stated figures: the numbers ``claims.yaml`` gives by key, against the ones measured on the build.

A claim written with ``~`` holds within 5 points (percentages) or 10% (quantities); others must be equal. The keys
are listed in :mod:`hearth.verify.statements`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hearth.quantity import QuantityError, format_bytes, parse_quantity
from hearth.verify.build.model import Build
from hearth.verify.capacity.report import Capacity
from hearth.verify.compliance.results import Compliance
from hearth.verify.statements.report import Statement

__all__ = ["figure_statements", "measured_figures"]

#: A measured figure: (computed value, display, detail, is a percentage).
Figure = tuple[Decimal, str, str, bool]


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


def measured_figures(build: Build, compliance: Compliance, capacity: Capacity) -> dict[str, Figure]:
    """key -> (computed value, display, detail, is a percentage)."""
    components = sorted({r.component for r in build.releases})
    upstream = sorted({r.component for r in build.releases if not r.local})
    hearth_charts = compliance.hearth_charts
    out: dict[str, Figure] = {
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


def figure_statements(claims: Mapping[str, Any], figures: Mapping[str, Figure]) -> list[Statement]:
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
