"""Checks that need the whole catalog: references between files, the dependency graph, addresses, ports."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from hearth.capabilities import CAPABILITIES
from hearth.catalog.models import Catalog, Component
from hearth.catalog.placeholders import KNOWN, placeholders
from hearth.catalog.yamlsource import Located
from hearth.graph import find_cycle


def check_catalog(catalog: Catalog, platform_doc: Located, component_docs: dict[str, Located]) -> None:
    """Raise the first CatalogError the catalog as a whole contains; return None when it is coherent."""
    _check_network(catalog, platform_doc)
    _check_ports(catalog, platform_doc)
    _check_components(catalog, component_docs)
    _check_platform_references(catalog, platform_doc)
    _check_needs_wired(catalog, component_docs)
    _check_placeholders(catalog, component_docs)


def _check_placeholders(catalog: Catalog, docs: dict[str, Located]) -> None:
    """A ``${name}`` in a component file must be one the build fills in."""
    for name in sorted(catalog.components):
        dumped = catalog.components[name].model_dump(by_alias=True, exclude_defaults=True)
        for path, placeholder in placeholders(dumped):
            if placeholder not in KNOWN:
                raise docs[name].error(path, f"unknown placeholder ${{{placeholder}}} (known: {', '.join(KNOWN)})")


def wires(provider: Component, consumer: Component) -> bool:
    """Whether a need on ``provider`` means more than order: a flow to or from it, or use of what it installs."""
    for provide in provider.provides:
        spec = CAPABILITIES[provide.capability]
        if spec.direction == "none" and spec.reaches is None:
            return True
        if spec.direction == "to-provider" and provide.port is not None:
            return True
        if spec.direction == "from-provider" and consumer.web is not None:
            return True
    return False


def _check_needs_wired(catalog: Catalog, docs: dict[str, Located]) -> None:
    """Every need produces wiring through a capability of its provider, or says why it only orders the deploy."""
    components = catalog.components
    for name in sorted(components):
        component, doc = components[name], docs[name]
        for need in component.order_only:
            if need not in component.needs:
                raise doc.error(("order_only", need), f"{need!r} is not one of the component's needs")
        pods = {p.name for p in component.install.pods}
        for i, egress in enumerate(component.egress):
            if egress.pod is not None and egress.pod not in pods:
                raise doc.error(("egress", i, "pod"), f"names pod {egress.pod!r}, which install.pods does not declare")
        for i, need in enumerate(component.needs):
            if need not in component.order_only and not wires(components[need], component):
                raise doc.error(
                    ("needs", i),
                    f"{need} provides nothing {name} connects to or uses; give it a capability, or state the "
                    f"need in order_only with a reason",
                )


def _check_network(catalog: Catalog, doc: Located) -> None:
    p = catalog.platform
    seen: dict[IPv4Address, str] = {}

    def claim(ip: IPv4Address, loc: tuple[str | int, ...]) -> None:
        if ip in seen:
            raise doc.error(loc, f"duplicate IP {ip} (already used by {seen[ip]})")
        seen[ip] = ".".join(str(x) for x in loc)

    def inside(ip: IPv4Address, net: IPv4Network, loc: tuple[str | int, ...], what: str) -> None:
        if ip not in net:
            raise doc.error(loc, f"IP {ip} is outside the {what} {net}")

    inside(p.proxmox.lan_ip, p.lan_subnet, ("proxmox", "lan_ip"), "LAN subnet")
    claim(p.proxmox.lan_ip, ("proxmox", "lan_ip"))
    gw = p.gateway
    inside(gw.wireguard_address, gw.wireguard_subnet, ("gateway", "wireguard_address"), "WireGuard subnet")
    claim(gw.wireguard_address, ("gateway", "wireguard_address"))
    names: set[str] = set()
    for i, node in enumerate(p.nodes):
        if node.name in names:
            raise doc.error(("nodes", i, "name"), f"duplicate node {node.name!r}")
        names.add(node.name)
        inside(node.lan_ip, p.lan_subnet, ("nodes", i, "lan_ip"), "LAN subnet")
        claim(node.lan_ip, ("nodes", i, "lan_ip"))
        inside(node.wireguard_ip, gw.wireguard_subnet, ("nodes", i, "wireguard_ip"), "WireGuard subnet")
        claim(node.wireguard_ip, ("nodes", i, "wireguard_ip"))
    if not any(n.role == "control-plane" for n in p.nodes):
        raise doc.error(("nodes",), "no node has role control-plane")
    nets = [
        ("lan_subnet", p.lan_subnet),
        ("pod_cidr", p.pod_cidr),
        ("service_cidr", p.service_cidr),
        ("gateway.wireguard_subnet", gw.wireguard_subnet),
    ]
    for i, (name_a, net_a) in enumerate(nets):
        for name_b, net_b in nets[i + 1 :]:
            if net_a.overlaps(net_b):
                loc = tuple(name_b.split("."))
                raise doc.error(loc, f"{net_b} overlaps {name_a} {net_a}")


def _check_ports(catalog: Catalog, doc: Located) -> None:
    taken: list[tuple[int, int, str, int]] = []
    for i, row in enumerate(catalog.platform.ports):
        low, high = row.bounds()
        for other_low, other_high, proto, j in taken:
            if proto == row.protocol and low <= other_high and other_low <= high:
                other = catalog.platform.ports[j]
                raise doc.error(
                    ("ports", i, "port"),
                    f"port clash: {row.port}/{row.protocol} ({row.service}) overlaps "
                    f"{other.port}/{other.protocol} ({other.service})",
                )
        taken.append((low, high, row.protocol, i))


def _check_components(catalog: Catalog, docs: dict[str, Located]) -> None:
    namespaces = {ns.name for ns in catalog.platform.namespaces}
    components = catalog.components
    for name in sorted(components):
        component, doc = components[name], docs[name]
        if component.namespace not in namespaces:
            raise doc.error(("namespace",), f"unknown namespace {component.namespace!r} (not in platform.yaml)")
        for i, need in enumerate(component.needs):
            if need not in components:
                raise doc.error(("needs", i), f"unknown dependency {need!r}")
            if need in component.needs[:i]:  # point at the repeat, not at the first mention
                raise doc.error(("needs", i), f"dependency {need!r} is listed twice")
        if component.web is not None and component.web.sso == "oidc":
            providers = [c for c in component.needs if "oidc" in components[c].capabilities()]
            if not providers:
                raise doc.error(("web", "sso"), "sso: oidc needs a component that provides oidc in 'needs'")
        hosts = {c.web.host: c.name for c in components.values() if c.web is not None and c.name < name}
        if component.web is not None and component.web.host in hosts:
            raise doc.error(("web", "host"), f"host {component.web.host!r} is also used by {hosts[component.web.host]}")
    graph = {name: list(c.needs) for name, c in components.items()}
    cycle = find_cycle(graph)
    if cycle:
        start = cycle[0]
        index = components[start].needs.index(cycle[1])
        raise docs[start].error(("needs", index), "dependency cycle: " + " -> ".join(cycle))


def _check_platform_references(catalog: Catalog, doc: Located) -> None:
    p, components = catalog.platform, catalog.components
    if p.sso.provider not in components:
        raise doc.error(("sso", "provider"), f"unknown component {p.sso.provider!r}")
    if "oidc" not in components[p.sso.provider].capabilities():
        raise doc.error(("sso", "provider"), f"{p.sso.provider!r} does not provide oidc")
    for i, backup in enumerate(p.backups):
        if backup.target not in components:
            raise doc.error(("backups", i, "target"), f"unknown component {backup.target!r}")
    for provider, consumers in p.database_allocation.items():
        if provider not in components:
            raise doc.error(("database_allocation", provider), f"unknown component {provider!r}")
        for j, name in enumerate(consumers):
            if name not in components:
                raise doc.error(("database_allocation", provider, j), f"unknown component {name!r}")
    known = set(components) | {t for c in components.values() for t in (c.namespace, *c.tags)}
    for i, order in enumerate(p.stated_orders):
        for j, step in enumerate(order.steps):
            for k, name in enumerate(step):
                if name not in known:
                    raise doc.error(("stated_orders", i, "steps", j, k), f"unknown component or tag {name!r}")
