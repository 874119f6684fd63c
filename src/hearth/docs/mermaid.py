"""The document's diagrams as Mermaid flowcharts: topology, dependency graph by waves, north-south path.

Each function returns the diagram's source (no fences). Node ids are derived from names (``n_`` + the name with
every other character as ``_``), so no id is a Mermaid keyword; labels are quoted with ``"`` escaped as
``#quot;``, the entity Mermaid reads in labels.
"""

from __future__ import annotations

import re
from collections import defaultdict

from hearth.docs.facts import Facts, universal_needs
from hearth.graph import DependencyGraph

__all__ = ["dependency_graph", "node_id", "north_south", "topology"]


def node_id(name: str) -> str:
    """A Mermaid node id for ``name``: letters, digits and ``_`` only, never a keyword."""
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _node(name: str, label: str, shape: str = "[]") -> str:
    return f"{node_id(name)}{shape[0]}{_label(label)}{shape[1]}"


def _providers(facts: Facts, capability: str) -> list[str]:
    comps = facts.catalog.components
    return [name for name in sorted(comps) if capability in comps[name].capabilities()]


def topology(facts: Facts) -> str:
    """Internet, the gateway, the tunnel, the nodes, the cluster ingress and what it routes to per namespace."""
    platform = facts.catalog.platform
    gateway = platform.gateway
    lines = ["flowchart TD", f"  {_node('internet', 'Internet', '()')}"]
    lines.append(f"  {_node('gateway', f'{gateway.name} ({gateway.public_ip})')}")
    lines.append(f"  {_node('tunnel', f'WireGuard {gateway.wireguard_subnet}, gateway {gateway.wireguard_address}')}")
    lines += ["  n_internet --> n_gateway", "  n_gateway --> n_tunnel"]
    lines.append(f"  subgraph cluster[{_label(f'Kubernetes {platform.kubernetes_version}')}]")
    for node in platform.nodes:
        lines.append(f"    {_node('node ' + node.name, f'{node.name} {node.lan_ip} / {node.wireguard_ip}')}")
    ingress = _providers(facts, "ingress")
    for name in ingress:
        lines.append(f"    {_node(name, f'{facts.display(name)} ({facts.catalog.components[name].namespace})')}")
    lines.append("  end")
    routed: dict[str, list[str]] = defaultdict(list)
    for name, component in sorted(facts.catalog.components.items()):
        if component.web is not None:
            routed[component.namespace].append(facts.display(name))
    for node in platform.nodes:
        lines.append(f"  n_tunnel --> {node_id('node ' + node.name)}")
    for name in ingress:
        for node in platform.nodes:
            lines.append(f"  {node_id('node ' + node.name)} --> {node_id(name)}")
        for namespace, names in sorted(routed.items()):
            lines.append(f"  {node_id(name)} --> {_node('ns ' + namespace, f'{namespace}/*: ' + ', '.join(names))}")
    return "\n".join(lines) + "\n"


def dependency_graph(facts: Facts) -> str:
    """Components in one subgraph per deploy wave; an edge ``b --> a`` means a needs b (b is deployed first).

    Needs every component has (the providers of ``everyone_needs`` capabilities) are drawn once, as the wave."""
    graph = DependencyGraph.from_catalog(facts.catalog)
    plan = graph.plan()
    universal = universal_needs(graph)
    lines = ["flowchart LR"]
    for index, wave in enumerate(plan.waves):
        lines.append(f"  subgraph wave{index}[{_label(f'wave {index}')}]")
        lines += [f"    {_node(name, facts.display(name))}" for name in wave]
        lines.append("  end")
    for name in plan.components:
        for dep in graph.needs[name]:
            if dep not in universal:
                lines.append(f"  {node_id(dep)} --> {node_id(name)}")
    for index in range(1, len(plan.waves)):
        lines.append(f"  wave{index - 1} ~~~ wave{index}")
    return "\n".join(lines) + "\n"


def north_south(facts: Facts) -> str:
    """A request's path from the internet to a service: gateway, tunnel connector, cluster entrypoint, the
    public hostnames per namespace, and the raw TCP routes, as the north-south audit measured them."""
    audit = facts.audit["north_south"]
    gateway = facts.catalog.platform.gateway
    lines = ["flowchart LR", f"  {_node('internet', 'Internet', '()')}"]
    lines.append(f"  {_node('gateway', f'{gateway.name} {gateway.public_ip}: ' + ', '.join(gateway.services))}")
    lines.append("  n_internet --> n_gateway")
    tunnel = _providers(facts, "tunnel")
    ingress = _providers(facts, "ingress")
    for name in tunnel:
        lines.append(f"  {_node(name, f'{facts.display(name)} (tunnel connector)')}")
        lines.append(f"  n_gateway -- {_label(f'WireGuard {gateway.wireguard_subnet}')} --> {node_id(name)}")
    for name in ingress:
        lines.append(f"  {_node(name, f'{facts.display(name)} (cluster ingress)')}")
        lines += [f"  {node_id(t)} --> {node_id(name)}" for t in tunnel]
    per_namespace: dict[str, list[str]] = defaultdict(list)
    hosts = {c.web.host: c for c in facts.catalog.components.values() if c.web is not None}
    for hostname, problem in sorted(audit["hostnames"].items()):
        component = hosts.get(hostname.split(".", 1)[0])
        namespace = component.namespace if component else "unknown"
        per_namespace[namespace].append(hostname + (" (unreachable)" if problem else ""))
    for namespace, names in sorted(per_namespace.items()):
        label = f"{namespace}: {len(names)} hostnames"
        for name in ingress:
            lines.append(f"  {node_id(name)} -- HTTPS --> {_node('hosts ' + namespace, label)}")
    for route, problem in sorted(audit["tcp_routes"].items()):
        for name in ingress:
            text = route + (" (unreachable)" if problem else "")
            lines.append(f"  {node_id(name)} -- TCP --> {_node('tcp ' + route, text)}")
    return "\n".join(lines) + "\n"
