"""The page's figures from the audit: capacity per node, reachability per namespace, the dependency graph.

Each function returns HTML (a ``<figure>`` with inline SVG from :mod:`hearth.docs.svg`). The reachability
figures use the zero-trust section's measured flows (the matrix's allowed flows, the intended flows, the extra
and missing findings), never the catalog.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from itertools import pairwise

from hearth.docs import svg
from hearth.docs.facts import Facts, namespace_of, universal_needs
from hearth.graph import DependencyGraph
from hearth.quantity import format_bytes

__all__ = ["FIGURES", "capacity", "dependencies", "reachability"]


def _figure(picture: str, caption: str) -> str:
    return f'<figure class="picture">{picture}<figcaption>{escape(caption)}</figcaption></figure>'


def capacity(facts: Facts) -> str:
    """Per node: cpu and memory requested against allocatable, PVCs against disk; the cluster's whole demand."""
    cap = facts.audit["capacity"]
    groups: dict[str, list[svg.Bar]] = {}
    for node in cap["nodes"]:
        groups[node["node"]] = [
            svg.Bar(
                "CPU requests",
                node["cpu_requested_m"],
                node["cpu_allocatable_m"],
                f"{node['cpu_requested_m']}m of {node['cpu_allocatable_m']}m ({node['cpu_percent']}%)",
            ),
            svg.Bar(
                "memory requests",
                node["memory_requested_bytes"],
                node["memory_allocatable_bytes"],
                f"{format_bytes(node['memory_requested_bytes'])} of {format_bytes(node['memory_allocatable_bytes'])} "
                f"({node['memory_percent']}%)",
            ),
            svg.Bar(
                "PVCs on its disk",
                node["claims_bytes"],
                node["disk_bytes"],
                f"{format_bytes(node['claims_bytes'])} of {format_bytes(node['disk_bytes'])}",
            ),
        ]
    demand, storage = cap["demand"], cap["storage"]
    cpu_total = sum(n["cpu_allocatable_m"] for n in cap["nodes"])
    memory_total = sum(n["memory_allocatable_bytes"] for n in cap["nodes"])
    groups["cluster: every pod, placed or not"] = [
        svg.Bar("CPU requests", demand["cpu_m"], cpu_total, f"{demand['cpu_m']}m ({demand['cpu_percent']}%)"),
        svg.Bar(
            "memory requests",
            demand["memory_bytes"],
            memory_total,
            f"{format_bytes(demand['memory_bytes'])} ({demand['memory_percent']}%)",
        ),
        svg.Bar(
            "all PVCs",
            storage["claims_bytes"],
            storage["disk_bytes"],
            f"{format_bytes(storage['claims_bytes'])} of {format_bytes(storage['disk_bytes'])}",
        ),
    ]
    picture = svg.bars(groups, "Capacity per node")
    return _figure(picture, "Capacity per node: the tick is 100% of allocatable (disk); red is over it.")


def _flag_notes(facts: Facts) -> dict[tuple[str, str], str]:
    zt = facts.report.section("zero_trust")
    counts: dict[tuple[str, str], Counter[str]] = {}
    for kind, findings in (("extra", zt.extra), ("missing", zt.missing)):
        for finding in findings:
            pair = (namespace_of(finding.flow.src), namespace_of(finding.flow.dst))
            counts.setdefault(pair, Counter())[kind] += 1
    return {pair: ", ".join(f"{n} {kind}" for kind, n in sorted(c.items())) for pair, c in counts.items()}


def reachability(facts: Facts) -> str:
    """The allowed flows counted per (source namespace, destination namespace), then per namespace the flows
    each of its endpoints may open into each namespace; extra and missing flows flag their cells."""
    zt = facts.report.section("zero_trust")
    pairs = Counter((namespace_of(f.src), namespace_of(f.dst)) for f in zt.flows_allowed)
    intended = Counter((namespace_of(f.src), namespace_of(f.dst)) for f in zt.flows_intended)
    flags = _flag_notes(facts)
    names = sorted({ns for pair in [*pairs, *intended] for ns in pair})
    title = f"Allowed flows between namespaces ({len(zt.flows_allowed)} allowed, {len(zt.flows_intended)} intended)"
    parts = [_figure(svg.heat_map(names, names, pairs, title, flags), title + "; rows are sources, red: a finding.")]
    for namespace in names:
        mine = [f for f in zt.flows_allowed if namespace_of(f.src) == namespace]
        if not mine:
            continue
        cells = Counter((f.src, namespace_of(f.dst)) for f in mine)
        rows = sorted({f.src for f in mine})
        columns = sorted({namespace_of(f.dst) for f in mine})
        caption = f"{namespace}: {len(mine)} allowed flows from {len(rows)} endpoints"
        picture = svg.heat_map(rows, columns, cells, caption)
        parts.append(f"<details><summary>{escape(caption)}</summary>{_figure(picture, caption)}</details>")
    return "".join(parts)


def dependencies(facts: Facts) -> str:
    """The dependency graph by deploy waves, the critical path in red (needs every component has omitted)."""
    graph = DependencyGraph.from_catalog(facts.catalog)
    plan = graph.plan()
    universal = universal_needs(graph)
    edges = [(dep, name) for name in plan.components for dep in graph.needs[name] if dep not in universal]
    edges += [pair for pair in pairwise(plan.critical_path) if pair not in edges]
    labels = {name: facts.display(name) for name in plan.components}
    title = f"Dependency graph: {len(plan.components)} components in {len(plan.waves)} waves"
    picture = svg.layered_graph(plan.waves, edges, labels, title, plan.critical_path)
    caption = f"{title}; critical path ({plan.critical_seconds} s) in red: " + " → ".join(plan.critical_path)
    return _figure(picture, caption)


# Where each figure goes: the Markdown carries a comment ``<!-- figure: KEY -->`` the page replaces.
FIGURES = {"capacity": capacity, "reachability": reachability, "dependencies": dependencies}
