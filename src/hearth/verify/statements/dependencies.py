"""Stated orders and database allocation, against the dependencies the build shows between components.

An order is contradicted by helmfile ``needs:``; a database's consumers are the components whose pods'
connects-to reach one of its Services. The rules are in :mod:`hearth.verify.statements`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hearth.verify.build.model import Build
from hearth.verify.statements.report import Statement

__all__ = ["allocation_statements", "order_statement"]

_NOT_CONSUMERS = frozenset({"ingress-controller", "metrics-scraper"})


def _resolve_step(name: str, build: Build) -> set[str]:
    named = {r.component for r in build.releases if r.component == name}
    if named:
        return named
    for label in ("tier", "namespace"):
        found = {r.component for r in build.releases if r.labels.get(label) == name}
        if found:
            return found
    return set()


def order_statement(order: Mapping[str, Any], build: Build) -> Statement:
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


def allocation_statements(claims: Mapping[str, Any], build: Build) -> list[Statement]:
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
