"""North-south: the seed's stated traffic path and internet egress, measured on the NetworkPolicies alone.

``claims.yaml`` states the path (Internet -> gateway VPS -> WireGuard tunnel -> cluster Traefik -> services), the
gateway's public address, which components carry the tunnel, and which components reach outside and on what.
Everything else comes from the manifests: the public hostnames are the ``Host(...)`` rules of the IngressRoutes,
the router is the pods Traefik's IngressRoutes are served by (``hearth.dev/role: ingress-controller``), its
entrypoints are its container ports of those names, and the backends are what each route's Service selects.

A hostname passes when some tunnel pod may reach some router pod on one of the route's entrypoints and the
router may reach every backend pod of the route; each raw TCP route (``IngressRouteTCP``, the mail ports the
gateway publishes) is measured the same way on its entrypoints, and warned about (not failed) when its backend is
not sent the client's address: a service with no ``serversTransport`` naming a ``ServersTransportTCP`` with a
``proxyProtocol`` version, so the application sees the router as every client (SPF, DMARC and login banning see the
wrong address). Each declared egress must be open to its destination
(the gateway's address, or a documentation address standing for the internet); any other pod of a managed
namespace that reaches that internet address is an undeclared exit and fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from hearth.verify.build.fields import namespace_of
from hearth.verify.build.model import Build
from hearth.verify.reach import ReachMatrix
from hearth.verify.tables import titled_table

# TEST-NET-3 (RFC 5737): an address no policy names and no cluster range holds, standing for "the internet".
INTERNET_PROBE = "203.0.113.10"
_HOST = re.compile(r"Host\(`([^`]+)`\)")


@dataclass
class NorthSouth:
    """Section 6 of ``hearth check``: public hostnames reachable through the tunnel, egress as declared."""

    hostnames: dict[str, str] = field(default_factory=dict)
    """hostname -> "" when reachable, else why not."""
    tcp_routes: dict[str, str] = field(default_factory=dict)
    """``<namespace>/<IngressRouteTCP> (<entrypoints>)`` -> "" when reachable through the tunnel, else why not."""
    egress: list[tuple[str, str, str]] = field(default_factory=list)
    """(source endpoint, destination and port, "" when open or why not)."""
    undeclared: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """what works but loses something: a raw TCP route whose backend is not sent the client's address."""
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A dark hostname, a closed declared egress, or an undeclared exit."""
        dark = any(self.hostnames.values()) or any(self.tcp_routes.values())
        return dark or any(why for _, _, why in self.egress) or bool(self.undeclared)

    def summary(self) -> str:
        """One line."""
        dark = sum(1 for why in self.hostnames.values() if why)
        closed = sum(1 for *_, why in self.egress if why)
        dark_tcp = sum(1 for why in self.tcp_routes.values() if why)
        return (
            f"{len(self.hostnames)} public hostnames, {dark} unreachable through the tunnel; "
            f"{len(self.tcp_routes)} raw TCP routes, {dark_tcp} unreachable; "
            f"{len(self.egress)} declared exits, {closed} closed; {len(self.undeclared)} undeclared exits"
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape of the section."""
        return {
            "status": "fail" if self.failed else "pass",
            "summary": self.summary(),
            "hostnames": dict(sorted(self.hostnames.items())),
            "tcp_routes": dict(sorted(self.tcp_routes.items())),
            "egress": [{"from": s, "to": d, "problem": why} for s, d, why in self.egress],
            "undeclared": self.undeclared,
            "warnings": self.warnings,
            "notes": self.notes,
        }

    def tables(self) -> Iterator[Table]:
        """Only what fails: dark hostnames, closed exits, undeclared exits."""
        rows = [(h, why) for h, why in sorted(self.hostnames.items()) if why]
        rows += [(f"TCP {r}", why) for r, why in sorted(self.tcp_routes.items()) if why]
        rows += [(f"{s} -> {d}", why) for s, d, why in self.egress if why]
        rows += [(u, "reaches the internet without a declared egress") for u in self.undeclared]
        if rows:
            table = titled_table(
                "North-south failures",
                (
                    "What",
                    "Problem",
                ),
            )
            for what, why in rows:
                table.add_row(what, why)
            yield table
        if self.warnings:
            table = titled_table("North-south warnings", ("Warning",))
            for warning in self.warnings:
                table.add_row(warning)
            yield table


def _ports(spec: list[str]) -> list[tuple[int, str]]:
    out = []
    for item in spec:
        number, _, protocol = str(item).partition("/")
        out.append((int(number), protocol or "TCP"))
    return out


def _route_hosts(build: Build) -> list[tuple[str, list[str], list[tuple[str, str | int]]]]:
    """(hostname, entrypoints, [(Service key, port)]) for every IngressRoute rule naming a Host."""
    found = []
    for doc in build.of_kind("IngressRoute"):
        spec: dict[str, Any] = doc.obj.get("spec") or {}
        entrypoints = [str(e) for e in spec.get("entryPoints") or []]
        namespace = namespace_of(doc.obj)
        for route in spec.get("routes") or []:
            services = [
                (f"{s.get('namespace') or namespace}/{s.get('name')}", s.get("port", ""))
                for s in route.get("services") or []
                if s.get("kind", "Service") == "Service"
            ]
            for host in _HOST.findall(str(route.get("match", ""))):
                found.append((host, entrypoints, services))
    return found


def _tcp_routes(build: Build) -> list[tuple[str, list[str], list[tuple[str, str | int]]]]:
    """(route, entrypoints, [(Service key, port)]) for every IngressRouteTCP: raw TCP the gateway publishes."""
    found = []
    for doc in build.of_kind("IngressRouteTCP"):
        spec: dict[str, Any] = doc.obj.get("spec") or {}
        entrypoints = [str(e) for e in spec.get("entryPoints") or []]
        namespace = namespace_of(doc.obj)
        services = [
            (f"{s.get('namespace') or namespace}/{s.get('name')}", s.get("port", ""))
            for route in spec.get("routes") or []
            for s in route.get("services") or []
        ]
        name = f"{namespace}/{doc.obj.get('metadata', {}).get('name')} ({', '.join(entrypoints)})"
        found.append((name, entrypoints, services))
    return found


def outside_peers(build: Build) -> list[str]:
    """The outside endpoints north-south probes besides the control plane: the stated gateway and the internet
    (none when ``claims.yaml`` states no traffic path)."""
    traffic = (build.claims or {}).get("traffic")
    return [str(traffic.get("gateway", "")), INTERNET_PROBE] if traffic else []


def _unproxied_tcp_routes(build: Build) -> list[str]:
    """A warning for each IngressRouteTCP service the router sends no PROXY protocol header to."""
    proxying = set()
    for doc in build.of_kind("ServersTransportTCP"):
        version = ((doc.obj.get("spec") or {}).get("proxyProtocol") or {}).get("version")
        if version in (1, 2):
            proxying.add(f"{namespace_of(doc.obj)}/{doc.obj.get('metadata', {}).get('name')}")
    warnings = []
    for doc in build.of_kind("IngressRouteTCP"):
        namespace = namespace_of(doc.obj)
        route = f"{namespace}/{doc.obj.get('metadata', {}).get('name')}"
        for rule in (doc.obj.get("spec") or {}).get("routes") or []:
            for s in rule.get("services") or []:
                if f"{namespace}/{s.get('serversTransport')}" not in proxying:
                    warnings.append(
                        f"TCP {route}: {s.get('namespace') or namespace}/{s.get('name')}:{s.get('port', '')} is not "
                        "sent the client's address (no serversTransport with proxyProtocol); it sees the router as "
                        "every client"
                    )
    return sorted(warnings)


def audit_north_south(build: Build, matrix: ReachMatrix | None = None) -> NorthSouth:
    """Measure the stated traffic path and egress of ``claims.yaml`` against the build's NetworkPolicies."""
    result = NorthSouth()
    traffic = (build.claims or {}).get("traffic")
    if not traffic:
        result.notes.append("claims.yaml states no traffic path: north-south was not checked")
        return result
    gateway = str(traffic.get("gateway", ""))
    tunnel = set(traffic.get("tunnel") or [])
    declared = traffic.get("egress") or []
    if matrix is None:
        matrix = build.reach([*build.control_plane_ips, *outside_peers(build)])
    pods = build.pods
    tunnel_pods = [p for p in pods if p.component in tunnel and not p.helm_test]
    routers = [p for p in pods if "ingress-controller" in p.roles]
    if not tunnel_pods:
        result.notes.append(f"no pod of the stated tunnel components {sorted(tunnel)} in the build")
    for host, entrypoints, services in _route_hosts(build):
        result.hostnames[host] = _host_problem(build, matrix, tunnel_pods, routers, entrypoints, services)
    for name, entrypoints, services in _tcp_routes(build):
        result.tcp_routes[name] = _host_problem(build, matrix, tunnel_pods, routers, entrypoints, services)
    result.warnings += _unproxied_tcp_routes(build)
    declared_exits = set()
    for row in declared:
        sources = [p for p in build.pods_of(row.get("component")) if not p.helm_test]
        if row.get("pod"):
            sources = [p for p in sources if p.name.endswith(f"-{row['pod']}") or p.name == row["pod"]]
        target = gateway if row.get("to") == "gateway" else INTERNET_PROBE
        for src in sources:
            for number, protocol in _ports(row.get("ports") or []):
                declared_exits.add((src.endpoint, number, protocol))
                ok = matrix.allowed(src.endpoint, target, number, protocol)
                result.egress.append((src.endpoint, f"{row.get('to')} {number}/{protocol}", "" if ok else "denied"))
    managed = set(build.namespaces_rendered)
    probes = sorted({(n, p) for _, n, p in declared_exits} | {(443, "TCP"), (80, "TCP")})
    for src in pods:
        if src.namespace not in managed or src.helm_test:
            continue
        for number, protocol in probes:
            if (src.endpoint, number, protocol) in declared_exits:
                continue
            if matrix.allowed(src.endpoint, INTERNET_PROBE, number, protocol):
                result.undeclared.append(f"{src.endpoint} -> internet {number}/{protocol}")
    result.undeclared.sort()
    return result


def _host_problem(
    build: Build,
    matrix: ReachMatrix,
    tunnel_pods: list[Any],
    routers: list[Any],
    entrypoints: list[str],
    services: list[tuple[str, str | int]],
) -> str:
    """ "" when the hostname is reachable end to end, else the first broken hop."""
    entered = []
    for router in routers:
        numbers = [
            (int(p["containerPort"]), str(p.get("protocol", "TCP")))
            for c in router.spec.get("containers") or []
            for p in c.get("ports") or []
            if p.get("name") in entrypoints
        ]
        if any(matrix.allowed(t.endpoint, router.endpoint, n, proto) for t in tunnel_pods for n, proto in numbers):
            entered.append(router)
    if not entered:
        return f"no tunnel pod may reach the router on {', '.join(entrypoints) or 'any entrypoint'}"
    for key, ref in services:
        service = build.services_by_key.get(key)
        port = service.port(ref) if service is not None else None
        if service is None or port is None:
            return f"route names {key}:{ref}, which the build does not have"
        for pod, number, protocol in build.target_ports(service, port):
            if not any(matrix.allowed(r.endpoint, pod.endpoint, number, protocol) for r in entered):
                return f"the router may not reach {pod.endpoint} on {number}/{protocol}"
    return ""


__all__ = ["INTERNET_PROBE", "NorthSouth", "audit_north_south"]
