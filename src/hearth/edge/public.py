"""What the gateway publishes: every web component's hostname, and the raw TCP ports components state.

Hostnames are ``<web.host>.<platform.domain>`` (the same names the cluster's IngressRoutes and Certificates use);
the cluster Traefik that receives them is the provider of the ``ingress`` capability, found by capability.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.catalog.models import Port
from hearth.resolve.endpoints import Endpoint, pod_with_port, provider_endpoint, tcp_entrypoint
from hearth.resolve.records import Resolved


@dataclass(frozen=True)
class PublicHost:
    """A public hostname and the component it belongs to."""

    component: str
    host: str


@dataclass(frozen=True)
class PublicTcp:
    """A raw TCP port the gateway publishes, and where it enters the cluster: the router's Service port of the
    TCP entrypoint that routes it (an IngressRouteTCP) to the component."""

    component: str
    port: Port
    service_host: str
    service_port: int
    proxy_protocol: bool = False
    """whether the router's entrypoint reads a PROXY protocol header itself (its ``proxy_protocol`` maps the port to
    itself), so the gateway sends one and the client's address reaches the cluster."""

    @property
    def key(self) -> str:
        """``<component>-<port name>``: the name of the entrypoint, router and Pangolin resource."""
        return f"{self.component}-{self.port.name}"


def public_hosts(resolved: Resolved) -> list[PublicHost]:
    """Every public hostname of the platform, sorted: one per component with ``web``."""
    domain = resolved.catalog.platform.domain
    hosts = [
        PublicHost(name, f"{c.web.host}.{domain}")
        for name, c in resolved.catalog.components.items()
        if c.web is not None
    ]
    return sorted(hosts, key=lambda h: h.host)


def public_tcp(resolved: Resolved) -> list[PublicTcp]:
    """Every raw TCP port a component lists in ``public_tcp`` that a router entrypoint takes, with the router's
    Service and port, by port number (a port no entrypoint takes is not routed in the cluster, so not published)."""
    out: list[PublicTcp] = []
    for name, component in sorted(resolved.catalog.components.items()):
        for port_name in component.public_tcp:
            found = pod_with_port(resolved, component, port_name)
            entry = tcp_entrypoint(resolved, found[1].port) if found is not None else None
            if found is None or entry is None:
                continue
            router = entry.pod
            host = f"{router.service}.{router.namespace}.svc.cluster.local"
            proxy = entry.component.proxy_protocol.get(entry.port.name) == entry.port.name
            out.append(PublicTcp(name, found[1], host, router.service_port(entry.port), proxy))
    return sorted(out, key=lambda t: t.port.port)


def cluster_ingress(resolved: Resolved) -> Endpoint | None:
    """The cluster Traefik's TLS entrypoint: the provider of ``ingress``, or None when the platform has none."""
    return provider_endpoint(resolved, "ingress")
