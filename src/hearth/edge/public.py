"""What the gateway publishes: every web component's hostname, and the raw TCP ports components state.

Hostnames are ``<web.host>.<platform.domain>`` (the same names the cluster's IngressRoutes and Certificates use);
the cluster Traefik that receives them is the provider of the ``ingress`` capability, found by capability.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.catalog.models import Port
from hearth.resolve import Endpoint, Resolved, pod_with_port, provider_endpoint


@dataclass(frozen=True)
class PublicHost:
    """A public hostname and the component it belongs to."""

    component: str
    host: str


@dataclass(frozen=True)
class PublicTcp:
    """A raw TCP port the gateway publishes, and the in-cluster Service port that serves it."""

    component: str
    port: Port
    service_host: str
    service_port: int

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
    """Every raw TCP port a component lists in ``public_tcp``, with the Service that serves it, by port number."""
    out: list[PublicTcp] = []
    for name, component in sorted(resolved.catalog.components.items()):
        for port_name in component.public_tcp:
            found = pod_with_port(resolved, component, port_name)
            if found is None:
                continue
            pod, port = found
            out.append(
                PublicTcp(name, port, f"{pod.service}.{pod.namespace}.svc.cluster.local", pod.service_port(port))
            )
    return sorted(out, key=lambda t: t.port.port)


def cluster_ingress(resolved: Resolved) -> Endpoint | None:
    """The cluster Traefik's TLS entrypoint: the provider of ``ingress``, or None when the platform has none."""
    return provider_endpoint(resolved, "ingress")
