"""The document's second half: security, deployment, resources, backups, monitoring, status, statements.

Each function returns the Markdown lines of one section. Counts and verdicts are the audit's (``hearth check``
over the same build), the deploy waves :mod:`hearth.graph`'s, the rules those of ``prometheus/rules.yaml``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from hearth.docs import mermaid
from hearth.docs.facts import Facts
from hearth.docs.text import exact, gib, mark, table
from hearth.graph import DependencyGraph
from hearth.verify.report import TITLES

__all__ = ["backups", "deployment", "monitoring", "resources", "security", "statements", "status"]


def security(facts: Facts) -> list[str]:
    """Zero trust and north-south as measured, identity and secrets from the grants, the compliance table."""
    zt, ns = facts.audit["zero_trust"], facts.audit["north_south"]
    lines = ["## Security Architecture", "", "### Network Security", ""]
    lines.append(f"Zero trust: {mark(facts.status('zero_trust'))}. {zt['summary']}.")
    lines.append("")
    lines += table(
        ("Measure", "Count"),
        (
            ("Endpoints (pods, workloads, outside peers)", zt["endpoints"]),
            ("NetworkPolicies", zt["policies"]),
            ("Intended flows (from the manifests' contract)", zt["intended"]),
            ("Allowed flows (the policies' reachability matrix)", zt["allowed"]),
            ("Extra flows (allowed, not intended)", len(zt["extra"])),
            ("Missing flows (intended, denied)", len(zt["missing"])),
            ("Allowed into unmanaged namespaces", len(zt["unmanaged"])),
            ("Unresolved intent", len(zt["unresolved"])),
        ),
    )
    lines += ["<!-- figure: reachability -->", ""]
    lines.append(f"North-south: {mark(facts.status('north_south'))}. {ns['summary']}.")
    lines += ["", "```mermaid", *mermaid.north_south(facts).splitlines(), "```", ""]
    grants = Counter(grant.kind for grant in facts.resolved.grants)
    sso = Counter(c.web.sso for c in facts.catalog.components.values() if c.web is not None)
    lines += ["### Identity & Access", ""]
    lines += table(
        ("Measure", "Count"),
        [
            *((f"Web apps with SSO mode {mode}", n) for mode, n in sorted(sso.items())),
            *((f"Grants of kind {kind}", n) for kind, n in sorted(grants.items())),
        ],
    )
    features = facts.audit["compliance"]["features"]
    lines += ["### Compliance", "", f"Compliance: {mark(facts.status('compliance'))}. "]
    lines[-1] += facts.audit["compliance"]["summary"] + "."
    lines.append("")
    lines += table(
        ("Feature", "hearth charts", "upstream charts"),
        ((name, f["hearth"]["text"], f["upstream"]["text"]) for name, f in features.items()),
    )
    failing = [
        (chart["chart"], name, f["detail"])
        for chart in facts.audit["compliance"]["charts"]
        for name, f in chart["features"].items()
        if f["status"] == "fail"
    ]
    if failing:
        lines += ["Failing:", "", *table(("Chart", "Feature", "Detail"), failing)]
    return lines


def deployment(facts: Facts) -> list[str]:
    """The Ansible pipeline, the deploy waves and critical path, and the dependency graph by waves."""
    lines = ["## Deployment Architecture", "", "### Deployment Pipeline", ""]
    lines += [f"{i}. {role.play} (`--tags {','.join(role.tags)}`)" for i, role in enumerate(facts.roles, 1)]
    plan = DependencyGraph.from_catalog(facts.catalog).plan()
    lines += ["", "### Deploy Waves", ""]
    lines += table(
        ("Wave", "Components", "Count"),
        ((i, ", ".join(facts.display(n) for n in wave), len(wave)) for i, wave in enumerate(plan.waves)),
    )
    path = " → ".join(facts.display(n) for n in plan.critical_path)
    lines += [f"Critical path ({plan.critical_seconds} s of startup): {path}", ""]
    lines += ["### Dependency Graph", "", "```mermaid", *mermaid.dependency_graph(facts).splitlines(), "```", ""]
    lines += ["<!-- figure: dependencies -->", ""]
    return lines


def resources(facts: Facts) -> list[str]:
    """Requests placed per node against allocatable, and every PVC with the total against the node disks."""
    cap = facts.audit["capacity"]
    lines = ["## Resource Allocation", "", f"Capacity: {mark(facts.status('capacity'))}. {cap['summary']}.", ""]
    lines += ["### Cluster Resources", ""]
    rows: list[tuple[object, ...]] = []
    for node in cap["nodes"]:
        rows.append(
            (
                node["node"],
                f"{node['cpu_requested_m']}m / {node['cpu_allocatable_m']}m",
                f"{node['cpu_percent']}%",
                f"{gib(node['memory_requested_bytes'])} / {gib(node['memory_allocatable_bytes'])}",
                f"{node['memory_percent']}%",
                f"{gib(node['claims_bytes'])} / {gib(node['disk_bytes'])}",
                len(node["pods"]),
            )
        )
    cpu = sum(n["cpu_requested_m"] for n in cap["nodes"]), sum(n["cpu_allocatable_m"] for n in cap["nodes"])
    rows.append(
        (
            "**Total (placed)**",
            f"{cpu[0]}m / {cpu[1]}m",
            f"{cap['cpu_percent']}%",
            f"{gib(sum(n['memory_requested_bytes'] for n in cap['nodes']))} / "
            f"{gib(sum(n['memory_allocatable_bytes'] for n in cap['nodes']))}",
            f"{cap['memory_percent']}%",
            f"{gib(cap['storage']['claims_bytes'])} / {gib(cap['storage']['disk_bytes'])}",
            sum(len(n["pods"]) for n in cap["nodes"]),
        )
    )
    headers = ("Node", "CPU requested", "CPU %", "Memory requested", "Memory %", "PVCs / disk", "Pods")
    lines += table(headers, rows)
    lines += ["<!-- figure: capacity -->", ""]
    demand = cap["demand"]
    lines.append(
        f"Every steady-state pod, placed or not, requests {demand['cpu_m']}m CPU ({demand['cpu_percent']}%) and "
        f"{gib(demand['memory_bytes'])} memory ({demand['memory_percent']}%) of the allocatable; "
        f"{len(cap['unplaced'])} pods fit on no node" + (": " + ", ".join(cap["unplaced"]) if cap["unplaced"] else "")
    )
    lines += ["", "### Storage Allocation", ""]
    rows = [(p.key, p.size, p.storage_class, facts.display(p.component)) for p in facts.pvcs]
    rows.append(("**Total**", exact(sum(p.bytes for p in facts.pvcs)), "", f"{len(facts.pvcs)} PVCs"))
    lines += table(("PVC", "Size", "Storage class", "Component"), rows)
    storage = cap["storage"]
    lines.append(
        f"Claims of every pod {exact(storage['claims_bytes'])} against {gib(storage['disk_bytes'])} of node disk"
        + (": overcommitted." if storage["overcommitted"] else ".")
    )
    return [*lines, ""]


def backups(facts: Facts) -> list[str]:
    """Every Velero Schedule and dump CronJob of the build, and the coverage verdict."""
    audit = facts.audit["backups"]
    lines = ["### Backup Schedule", "", f"Backups: {mark(facts.status('backups'))}. {audit['summary']}.", ""]
    lines += table(
        ("Kind", "Name", "Schedule", "Retention", "Volumes", "Target"),
        (
            (s["kind"], s["name"], f"`{s['schedule']}`", s["retention"], "yes" if s["volumes"] else "no", s["target"])
            for s in [*audit["schedules"], *audit["dumps"]]
        ),
    )
    return lines


# A rule group longer than this (one rule per component or per backup) is counted, not listed.
LISTED_GROUP = 12


def _rule_groups(facts: Facts) -> list[tuple[str, list[dict[str, Any]]]]:
    path = Path(facts.report.build_dir) / "prometheus/rules.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return [(str(group.get("name")), list(group.get("rules") or [])) for group in (data or {}).get("groups") or []]


def monitoring(facts: Facts) -> list[str]:
    """Metrics, logs and alerts as the observability audit measured them, and the rendered alert rules."""
    audit = facts.audit["observability"]
    rows = audit["components"]
    platform = facts.catalog.platform
    lines = ["## Monitoring & Observability", "", f"Observability: {mark(facts.status('observability'))}. "]
    lines[-1] += audit["summary"] + "."
    lines += ["", "### Metrics", ""]
    lines.append(f"- Scrape interval: {platform.scrape_interval}")
    lines.append(f"- Components with metrics: {sum(r['metrics'] for r in rows)} of {len(rows)}")
    lines.append(f"- Scraped: {sum(bool(r['scraped']) or r['scraped_by_chart'] for r in rows if r['metrics'])}")
    lines.append(f"- With an alert: {sum(bool(r['alerts']) for r in rows if r['metrics'])}")
    lines.append("- Dashboards: " + ", ".join(f"{d.title} (grafana.com {d.gnet_id})" for d in platform.dashboards))
    lines += ["", "### Logging", ""]
    lines.append("- Collectors: " + (", ".join(audit["collectors"]) or "none"))
    collected = sum(1 for v in audit["namespaces"].values() if v["collected"])
    lines.append(f"- Namespaces collected: {collected} of {len(audit['namespaces'])}")
    lines += ["", "### Alerting Rules", ""]
    groups = _rule_groups(facts)
    lines += table(("Group", "Rules"), ((name, len(rules)) for name, rules in groups))
    shown = [rule for _, rules in groups if len(rules) <= LISTED_GROUP for rule in rules]
    lines += table(
        ("Alert", "Severity", "For", "Summary"),
        (
            (r["alert"], (r.get("labels") or {}).get("severity", ""), r.get("for", ""), r["annotations"]["summary"])
            for r in shown
        ),
    )
    lines += [f"- {warning}" for warning in audit["warnings"]]
    return [*lines, ""]


def status(facts: Facts) -> list[str]:
    """One row per audit section with its computed verdict; the platform's verdict under it."""
    lines = ["## Status Summary", ""]
    lines += table(
        ("Section", "Status", "Measured"),
        ((TITLES[key], mark(facts.status(key)), facts.audit[key]["summary"]) for key in facts.audit),
    )
    verdict = "❌ check fails" if facts.report.failed else "✅ check passes"
    counts = Counter(facts.status(key) for key in facts.audit)
    summary = ", ".join(f"{counts[v]} {v}" for v in ("pass", "warn", "fail"))
    lines += [f"**Platform status**: {verdict} ({summary}).", ""]
    return lines


def statements(facts: Facts) -> list[str]:
    """The statements audit: each claim of the seed document with the figure computed for it."""
    audit = facts.audit["statements"]
    lines = ["## Differences from the Seed's Statements", "", f"{mark(facts.status('statements'))}: "]
    lines[-1] += audit["summary"] + "."
    lines.append("")
    ordered = sorted(audit["statements"], key=lambda s: s["verdict"] != "contradicted")
    lines += table(
        ("Kind", "Claim", "Stated", "Computed", "Verdict", "How it is measured"),
        ((s["kind"], s["claim"], s["stated"], s["computed"], mark(s["verdict"]), s["detail"]) for s in ordered),
    )
    lines += [f"- note: {note}" for note in audit["notes"]]
    return lines
