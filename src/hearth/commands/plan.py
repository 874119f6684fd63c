"""``hearth plan`` and ``hearth graph``: the deploy order of a catalog, as data and as text."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hearth.catalog.models import Catalog
from hearth.commands.terminal import Voice, load, out, user_errors
from hearth.graph import DependencyGraph

if TYPE_CHECKING:
    from rich.table import Table


def catalog_counts(catalog: Catalog) -> str:
    """The catalog's counts as every command states them: components (each has a release), the managed namespaces
    (each a Namespace object hearth renders; ``hearth check``'s statements count the same), and the components
    that live in namespaces hearth does not manage, named apart, then the nodes."""
    managed = {ns.name for ns in catalog.platform.namespaces if ns.managed}
    outside = sorted(c.namespace for c in catalog.components.values() if c.namespace not in managed)
    apart = ""
    if outside:
        where = ", ".join(sorted(set(outside)))
        apart = f" ({len(outside)} of the components in unmanaged {where})"
    return (
        f"{len(catalog.components)} components in {len(managed)} managed namespaces{apart}, "
        f"{len(catalog.platform.nodes)} nodes"
    )


def build_plan(catalog: Catalog, tags: list[str] | None, with_needs: bool = True) -> dict[str, Any]:
    """The plan of the selected components as the JSON document ``hearth plan --output json`` prints."""
    graph = DependencyGraph.from_catalog(catalog)
    chosen = graph.select(tags, with_needs=with_needs)
    plan = graph.plan(chosen)
    components = []
    for wave in plan.waves:
        for name in wave:
            c = catalog.components[name]
            components.append(
                {
                    "name": name,
                    "display_name": c.display_name,
                    "namespace": c.namespace,
                    "version": c.version,
                    "needs": sorted(c.needs),
                    "wave": plan.wave_of[name],
                    "storage": c.storage.size if c.storage else None,
                    "tags": graph.tags[name],
                }
            )
    return {
        "components": components,
        "waves": plan.waves,
        "critical_path": plan.critical_path,
        "critical_seconds": plan.critical_seconds,
    }


def plan_table(plan: dict[str, Any]) -> Table:
    """A table of the plan, one row per component, grouped by wave."""
    from rich.table import Table

    table = Table(title=f"{len(plan['components'])} components in {len(plan['waves'])} waves")
    for column in ("wave", "component", "namespace", "version", "storage", "needs"):
        table.add_column(column)
    for row in plan["components"]:
        table.add_row(
            str(row["wave"]),
            row["name"],
            row["namespace"],
            row["version"],
            row["storage"] or "-",
            ", ".join(row["needs"]) or "-",
        )
    return table


def _by_namespace(catalog: Catalog) -> list[tuple[str, list[str]]]:
    """Component names grouped by namespace, both sorted, for the graph renderers."""
    groups: dict[str, list[str]] = {}
    for name, c in sorted(catalog.components.items()):
        groups.setdefault(c.namespace, []).append(name)
    return sorted(groups.items())


def _edges(catalog: Catalog) -> list[tuple[str, str]]:
    """Every (component, need) pair, sorted."""
    return [(name, need) for name, c in sorted(catalog.components.items()) for need in sorted(c.needs)]


def graph_mermaid(catalog: Catalog) -> str:
    """The dependency graph as a Mermaid flowchart, one subgraph per namespace."""

    def ident(name: str) -> str:
        return name.replace("-", "_")

    lines = ["flowchart LR"]
    for ns, names in _by_namespace(catalog):
        lines.append(f"  subgraph ns_{ident(ns)}[{ns}]")
        lines += [f'    {ident(n)}["{catalog.components[n].display_name}"]' for n in names]
        lines.append("  end")
    lines += [f"  {ident(a)} --> {ident(b)}" for a, b in _edges(catalog)]
    return "\n".join(lines) + "\n"


def graph_dot(catalog: Catalog) -> str:
    """The dependency graph in Graphviz dot, one cluster per namespace."""
    lines = ["digraph hearth {", "  rankdir=LR;"]
    for ns, names in _by_namespace(catalog):
        lines.append(f'  subgraph "cluster_{ns}" {{ label="{ns}";')
        lines += [f'    "{n}" [label="{catalog.components[n].display_name}"];' for n in names]
        lines.append("  }")
    lines += [f'  "{a}" -> "{b}";' for a, b in _edges(catalog)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def stated_order_conflicts(catalog: Catalog) -> list[str]:
    """Each place where an order the catalog states (the seed's dependency chain) contradicts the needs."""
    graph = DependencyGraph.from_catalog(catalog)
    return [str(c) for order in catalog.claims.stated_orders for c in graph.order_conflicts(order.name, order.steps)]


def split_tags(tags: list[str] | None) -> list[str] | None:
    """``--tags a,b --tags c`` as [a, b, c]; None when none given."""
    return [t.strip() for raw in (tags or []) for t in raw.split(",") if t.strip()] or None


def plan_command(
    platform: Path | None, tags: list[str] | None, voice: Voice, *, no_deps: bool, json_output: bool
) -> None:
    """``hearth plan``: the waves and the critical path as a table (with the order warnings) or as JSON."""
    voice.stage("load: catalog")
    catalog = load(platform)
    voice.stage("plan: selection, waves and critical path")
    with user_errors():
        result = build_plan(catalog, split_tags(tags), with_needs=not no_deps)
    for wave, names in enumerate(result["waves"]):
        voice.detail(f"wave {wave}: {len(names)} components")
    voice.done()
    if json_output:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    out().print(plan_table(result))
    for line in stated_order_conflicts(catalog):
        voice.warn(f"warning: stated order {line}")
    out().print(f"critical path ({result['critical_seconds']}s): " + " -> ".join(result["critical_path"]))


def graph_command(platform: Path | None, voice: Voice, *, dot: bool) -> None:
    """``hearth graph``: the dependency graph as Mermaid, or Graphviz dot."""
    voice.stage("load: catalog")
    catalog = load(platform)
    voice.stage(f"graph: {'dot' if dot else 'mermaid'}")
    text = graph_dot(catalog) if dot else graph_mermaid(catalog)
    voice.detail(f"{len(catalog.components)} components, {len(_edges(catalog))} edges")
    voice.done()
    sys.stdout.write(text)
