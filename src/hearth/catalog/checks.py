"""Rules between values of the catalog: within one file (a health check naming an undeclared port) and across
files (an unknown dependency, a cycle, a duplicate IP).

One module on purpose: it is the one place every rule between values lives (the models point here), so a reader
looking for why a catalog is refused reads one file; its sections (within a component, within the platform, across
files) are marked below.

The models check the shape of each value; every rule that relates two of them is here, as a function returning
``Problem``s — the key path the problem is about and what is wrong — so the loader can name the file, line and
field of each, and report every problem of a catalog in one run.
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import get_args

from hearth.capabilities import CAPABILITIES, UserApi
from hearth.catalog.component import Component
from hearth.catalog.credential_checks import credential_errors, webhook_key_errors
from hearth.catalog.fields import Port
from hearth.catalog.kubelet import SystemPod
from hearth.catalog.placeholders import KNOWN, PROVIDER_FIELDS, placeholders, provider_placeholder
from hearth.catalog.platform import Platform
from hearth.catalog.publish_checks import public_tcp_errors
from hearth.catalog.yamlsource import CatalogError, Loc, Located
from hearth.graph import find_cycle

Problem = tuple[Loc, str]


def _duplicate_ports(ports: list[Port], loc: Loc) -> Iterator[Problem]:
    """A port name or a port number and protocol declared a second time, pointing at the repeat."""
    names: set[str] = set()
    numbers: set[tuple[int, str]] = set()
    for i, port in enumerate(ports):
        if port.name in names:
            yield (*loc, i, "name"), f"port name {port.name!r} is declared twice"
        if (port.port, port.protocol) in numbers:
            yield (*loc, i, "port"), f"port {port.port}/{port.protocol} is declared twice"
        names.add(port.name)
        numbers.add((port.port, port.protocol))


# --------------------------------------------------------------------------------------------- one component


def component_problems(c: Component) -> list[Problem]:
    """What is incoherent within one component: its ports, the ports and pods its parts name, its exceptions."""
    problems = list(_duplicate_ports(c.ports, ("ports",)))
    declared = {p.name for p in c.ports}
    undeclared = "names port {!r}, which the component does not declare"
    refs: list[tuple[Loc, str | None]] = [
        (("health", "port"), c.health.port if c.health else None),
        (("metrics", "port"), c.metrics.port if c.metrics else None),
        (("web", "port"), c.web.port if c.web else None),
    ]
    refs += [(("provides", i, "port"), p.port) for i, p in enumerate(c.provides)]
    refs += [(("webhooks", i, "port"), w.port) for i, w in enumerate(c.webhooks)]
    refs += [(("public_tcp", i), name) for i, name in enumerate(c.public_tcp)]
    refs += [(("proxy_protocol", name), name) for name in c.proxy_protocol]
    refs += [(("proxy_protocol", name), proxied) for name, proxied in c.proxy_protocol.items()]
    for i, pod in enumerate(c.install.pods):
        refs += [(("install", "pods", i, "ports", j), name) for j, name in enumerate(pod.ports)]
    for i, sidecar in enumerate(c.sidecars):
        refs += [(("sidecars", i, "ports", j), name) for j, name in enumerate(sidecar.ports)]
    problems += [(loc, undeclared.format(name)) for loc, name in refs if name is not None and name not in declared]
    problems += _pod_problems(c)
    sso_pod = c.web.sso_pod if c.web else None
    if sso_pod is not None and sso_pod not in {p.name for p in c.install.pods}:
        problems.append((("web", "sso_pod"), f"names pod {sso_pod!r}, which install.pods does not list"))
    for i, sidecar in enumerate(c.sidecars):
        probed = sidecar.health.port if sidecar.health else None
        if probed is not None and probed not in sidecar.ports:
            problems.append(
                (("sidecars", i, "health", "port"), f"names port {probed!r}, which is not one of the sidecar's ports")
            )
    if c.install.method == "hearth" and c.metrics is not None and c.metrics.scraped_by == "chart":
        problems.append((("metrics", "scraped_by"), "chart is for components installed from an upstream chart"))
    containers = {c.name, *(s.name for s in c.sidecars)}
    with_health = {c.name} if c.health else set()
    with_health |= {s.name for s in c.sidecars if s.health}
    for i, exception in enumerate(c.security.exceptions):
        if exception.container is not None and exception.container not in containers:
            problems.append(
                (
                    ("security", "exceptions", i, "container"),
                    f"names container {exception.container!r}, which is neither the component nor one of its sidecars",
                )
            )
        elif exception.kind == "no-probe" and (exception.container is None or exception.container in with_health):
            problems.append(
                (
                    ("security", "exceptions", i, "container"),
                    "a no-probe exception names the one container without a health check"
                    + (f"; {exception.container!r} has one" if exception.container else ""),
                )
            )
    if c.install.method == "chart" and c.security.api_access:
        problems.append((("security", "api_access"), "is for hearth workloads; mark the chart's pods with api_access"))
    if c.install.method == "hearth" and c.image is not None and c.resources is None:
        problems.append((("resources",), "a workload rendered by hearth needs resources (requests and limits)"))
    problems += [(("needs", i), "a component cannot need itself") for i, n in enumerate(c.needs) if n == c.name]
    problems += _user_api_problems(c)
    return problems


def _user_api_problems(c: Component) -> list[Problem]:
    """A provider of a capability whose servers differ in their user API says which it speaks; no other does."""
    problems: list[Problem] = []
    for i, provide in enumerate(c.provides):
        states = CAPABILITIES[provide.capability].states_user_api
        if states and provide.user_api is None:
            apis = ", ".join(get_args(UserApi))
            message = f"a provider of {provide.capability} states the API its users are made through: user_api ({apis})"
            problems.append((("provides", i), message))
        elif not states and provide.user_api is not None:
            stating = ", ".join(sorted(name for name, spec in CAPABILITIES.items() if spec.states_user_api))
            message = f"only providers of {stating} state a user_api, not of {provide.capability}"
            problems.append((("provides", i, "user_api"), message))
    return problems


def _pod_problems(c: Component) -> list[Problem]:
    """The pods of an upstream chart: what provides, webhooks and the pods themselves name must exist."""
    problems: list[Problem] = []
    pods = {pod.name for pod in c.install.pods}
    named = [(("provides", i, "pod"), p.pod) for i, p in enumerate(c.provides)]
    named += [(("webhooks", i, "pod"), w.pod) for i, w in enumerate(c.webhooks)]
    for loc, pod_name in named:
        if pod_name is not None and pod_name not in pods:
            problems.append((loc, f"names pod {pod_name!r}, which install.pods does not declare"))
    for i, pod in enumerate(c.install.pods):
        where: Loc = ("install", "pods", i)
        if pod.metrics is not None and pod.metrics.port not in pod.ports:
            problems.append(
                ((*where, "metrics", "port"), f"names port {pod.metrics.port!r}, which the pod does not carry")
            )
        for mapped in pod.service_ports:
            if mapped not in pod.ports:
                problems.append(((*where, "service_ports", mapped), f"port {mapped!r} is not a port of the pod"))
        for j, peer in enumerate(pod.talks_to):
            if peer not in pods:
                problems.append(((*where, "talks_to", j), f"names {peer!r}, not a pod of this chart"))
    return problems


# ------------------------------------------------------------------------------------------------ platform


def system_pod_problems(pod: SystemPod) -> list[Problem]:
    """What is incoherent within one system pod: replicas and nodes that its kind ignores, ports it cannot have."""
    problems: list[Problem] = []
    if pod.replicas != 1 and pod.kind != "Deployment":
        problems.append((("replicas",), f"replicas is for Deployments; a {pod.kind} runs one pod per node"))
    if pod.nodes != "all" and pod.kind != "StaticPod":
        problems.append(
            (
                ("nodes",),
                "nodes restricts static pods, whose manifests the installer writes on those nodes; a "
                f"{pod.kind} runs wherever the scheduler places it",
            )
        )
    if pod.host_network and pod.ports:
        problems.append(
            (
                ("ports",),
                "a host-network pod listens on the node's address, which NetworkPolicy pod selectors do not reach: "
                "state no ports",
            )
        )
    problems += _duplicate_ports(pod.ports, ("ports",))
    return problems


def platform_problems(p: Platform) -> list[Problem]:
    """What is incoherent within ``platform.yaml`` alone: addresses, networks, port allocations, system pods."""
    problems = _network_problems(p) + _port_allocation_problems(p)
    seen: set[str] = set()
    for i, pod in enumerate(p.system_pods):
        key = f"{pod.namespace}/{pod.name}"
        if key in seen:
            problems.append((("system_pods", i, "name"), f"system pod {key} is listed twice"))
        seen.add(key)
        problems += [(("system_pods", i, *loc), message) for loc, message in system_pod_problems(pod)]
    return problems


def _network_problems(p: Platform) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[IPv4Address, str] = {}

    def claim(ip: IPv4Address, loc: Loc) -> None:
        if ip in seen:
            problems.append((loc, f"duplicate IP {ip} (already used by {seen[ip]})"))
        else:
            seen[ip] = ".".join(str(x) for x in loc)

    def inside(ip: IPv4Address, net: IPv4Network, loc: Loc, what: str) -> None:
        if ip not in net:
            problems.append((loc, f"IP {ip} is outside the {what} {net}"))

    inside(p.proxmox.lan_ip, p.lan_subnet, ("proxmox", "lan_ip"), "LAN subnet")
    claim(p.proxmox.lan_ip, ("proxmox", "lan_ip"))
    gw = p.gateway
    inside(gw.wireguard_address, gw.wireguard_subnet, ("gateway", "wireguard_address"), "WireGuard subnet")
    claim(gw.wireguard_address, ("gateway", "wireguard_address"))
    names: set[str] = set()
    for i, node in enumerate(p.nodes):
        if node.name in names:
            problems.append((("nodes", i, "name"), f"duplicate node {node.name!r}"))
        names.add(node.name)
        inside(node.lan_ip, p.lan_subnet, ("nodes", i, "lan_ip"), "LAN subnet")
        claim(node.lan_ip, ("nodes", i, "lan_ip"))
        inside(node.wireguard_ip, gw.wireguard_subnet, ("nodes", i, "wireguard_ip"), "WireGuard subnet")
        claim(node.wireguard_ip, ("nodes", i, "wireguard_ip"))
    if not any(n.role == "control-plane" for n in p.nodes):
        problems.append((("nodes",), "no node has role control-plane"))
    nets = [
        ("lan_subnet", p.lan_subnet),
        ("pod_cidr", p.pod_cidr),
        ("service_cidr", p.service_cidr),
        ("gateway.wireguard_subnet", gw.wireguard_subnet),
    ]
    for i, (name_a, net_a) in enumerate(nets):
        for name_b, net_b in nets[i + 1 :]:
            if net_a.overlaps(net_b):
                problems.append((tuple(name_b.split(".")), f"{net_b} overlaps {name_a} {net_a}"))
    return problems


def _port_allocation_problems(p: Platform) -> list[Problem]:
    problems: list[Problem] = []
    for i, row in enumerate(p.ports):
        low, high = row.bounds()
        for other in p.ports[:i]:
            other_low, other_high = other.bounds()
            if other.protocol == row.protocol and low <= other_high and other_low <= high:
                problems.append(
                    (
                        ("ports", i, "port"),
                        f"port clash: {row.port}/{row.protocol} ({row.service}) overlaps "
                        f"{other.port}/{other.protocol} ({other.service})",
                    )
                )
                break
    return problems


# ---------------------------------------------------------------------------------------------- whole catalog


def catalog_errors(
    platform: Platform | None,
    platform_doc: Located | None,
    components: dict[str, Component],
    docs: dict[str, Located],
    broken: frozenset[str] = frozenset(),
) -> list[CatalogError]:
    """Every problem between the files of a catalog, located in the file it is about.

    ``platform`` is None when ``platform.yaml`` did not load; ``broken`` names components whose files exist but did
    not load, so that what refers to them is not reported again as unknown.
    """
    errors: list[CatalogError] = []
    for name in sorted(components):
        doc = docs[name]
        errors += [doc.error(loc, message) for loc, message in component_problems(components[name])]
    errors += _reference_errors(components, docs, broken)
    errors += _wiring_errors(components, docs)
    errors += public_tcp_errors(components, docs)
    errors += credential_errors(components, docs, platform.sso.provider if platform is not None else None)
    if platform is not None and platform_doc is not None:
        errors += [platform_doc.error(loc, message) for loc, message in platform_problems(platform)]
        errors += _namespace_errors(platform, components, docs)
        errors += _sso_mode_errors(platform, components, docs)
        routing = platform.alert_routing
        errors += webhook_key_errors(routing.webhook_secret if routing else None, components, docs)
        errors += [
            platform_doc.error(loc, message)
            for loc, message in _platform_reference_problems(platform, components, broken)
        ]
    return errors


def wires(provider: Component, consumer: Component) -> bool:
    """Whether a need on ``provider`` means more than order: a flow to or from it, or use of what it installs."""
    for provide in provider.provides:
        spec = CAPABILITIES[provide.capability]
        if spec.direction == "none" and (spec.reaches is None or spec.crd_groups):
            return True  # use of what it installs (its CRDs), or ordering a capability means by itself
        if spec.direction == "to-provider" and provide.port is not None:
            return True
        if spec.direction == "from-provider" and consumer.web is not None:
            return True
    return False


def _wiring_errors(components: dict[str, Component], docs: dict[str, Located]) -> list[CatalogError]:
    """Every need wires something through its provider's capabilities or says why it only orders the deploy;
    egress names pods the component has; every ``${placeholder}`` is one the build fills in."""
    errors: list[CatalogError] = []
    for name in sorted(components):
        component, doc = components[name], docs[name]
        for need in component.order_only:
            if need not in component.needs:
                errors.append(doc.error(("order_only", need), f"{need!r} is not one of the component's needs"))
        pods = {p.name for p in component.install.pods}
        for i, egress in enumerate(component.egress):
            if egress.pod is not None and egress.pod not in pods:
                message = f"names pod {egress.pod!r}, which install.pods does not declare"
                errors.append(doc.error(("egress", i, "pod"), message))
        for i, need in enumerate(component.needs):
            if (
                need in components
                and need != name
                and need not in component.order_only
                and not wires(components[need], component)
            ):
                message = (
                    f"{need} provides nothing {name} connects to or uses; give it a capability, or state the "
                    "need in order_only with a reason"
                )
                errors.append(doc.error(("needs", i), message))
        dumped = component.model_dump(by_alias=True, exclude_defaults=True)
        provided = {cap for need in component.needs if need in components for cap in components[need].capabilities()}
        for path, placeholder in placeholders(dumped):
            wanted = provider_placeholder(placeholder)
            if wanted is not None and wanted[0] not in provided:
                message = f"${{{placeholder}}}: none of {name}'s needs provides {wanted[0]!r}"
                errors.append(doc.error(path, message))
            elif wanted is None and placeholder not in KNOWN:
                known = ", ".join([*KNOWN, *(f"<capability>.{field}" for field in PROVIDER_FIELDS)])
                errors.append(doc.error(path, f"unknown placeholder ${{{placeholder}}} (known: {known})"))
    return errors


def _sso_mode_errors(p: Platform, components: dict[str, Component], docs: dict[str, Located]) -> list[CatalogError]:
    """A web app's ``sso`` must be a mode ``platform.yaml`` lists under ``sso.modes`` (``none`` always is)."""
    modes = set(p.sso.modes) | {"none"}
    return [
        docs[name].error(("web", "sso"), f"sso mode {c.web.sso!r} is not in platform.yaml sso.modes ({known})")
        for name, c in sorted(components.items())
        if c.web is not None and c.web.sso not in modes
        for known in [", ".join(sorted(p.sso.modes))]
    ]


def _namespace_errors(p: Platform, components: dict[str, Component], docs: dict[str, Located]) -> list[CatalogError]:
    namespaces = {ns.name for ns in p.namespaces}
    return [
        docs[name].error(("namespace",), f"unknown namespace {c.namespace!r} (not in platform.yaml)")
        for name, c in sorted(components.items())
        if c.namespace not in namespaces
    ]


def _reference_errors(
    components: dict[str, Component], docs: dict[str, Located], broken: frozenset[str]
) -> list[CatalogError]:
    """Dependencies that do not exist or repeat, a host used twice, a dependency cycle.

    An app's SSO needs no ``needs`` entry: it logs in through the platform's ``sso.provider`` (wiring, not deploy
    order), which :func:`_sso_mode_errors` checks.
    """
    errors: list[CatalogError] = []
    needed_by: dict[str, list[str]] = {}
    for name, c in sorted(components.items()):
        for need in dict.fromkeys(c.needs):
            needed_by.setdefault(need, []).append(name)
    hosts: dict[str, str] = {}
    for name in sorted(components):
        component, doc = components[name], docs[name]
        for i, need in enumerate(component.needs):
            if need not in components and need not in broken:
                users = ", ".join(needed_by[need])
                errors.append(doc.error(("needs", i), f"unknown dependency {need!r} ({need} is needed by: {users})"))
            if need in component.needs[:i]:  # point at the repeat, not at the first mention
                errors.append(doc.error(("needs", i), f"dependency {need!r} is listed twice"))
        web = component.web
        if web is not None and web.host in hosts:
            errors.append(doc.error(("web", "host"), f"host {web.host!r} is also used by {hosts[web.host]}"))
        elif web is not None:
            hosts[web.host] = name
    graph = {name: [n for n in c.needs if n in components and n != name] for name, c in components.items()}
    cycle = find_cycle(graph)
    if cycle:
        start = cycle[0]
        index = components[start].needs.index(cycle[1])
        errors.append(docs[start].error(("needs", index), "dependency cycle: " + " -> ".join(cycle)))
    return errors


def _platform_reference_problems(
    p: Platform, components: dict[str, Component], broken: frozenset[str]
) -> list[Problem]:
    """Names in ``platform.yaml`` that must be components (the claims' names are checked by ``catalog.claims``)."""
    problems: list[Problem] = []

    def unknown(name: str) -> bool:
        return name not in components and name not in broken

    if unknown(p.sso.provider):
        problems.append((("sso", "provider"), f"unknown component {p.sso.provider!r}"))
    elif p.sso.provider in components and "oidc" not in components[p.sso.provider].capabilities():
        problems.append((("sso", "provider"), f"{p.sso.provider!r} does not provide oidc"))
    for i, backup in enumerate(p.backups):
        if unknown(backup.target):
            problems.append((("backups", i, "target"), f"unknown component {backup.target!r}"))
    return problems
