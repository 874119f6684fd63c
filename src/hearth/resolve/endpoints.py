"""Where a capability or a port is served: the providing component's pod and port, and the address a consumer
reaches it at.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.catalog.models import Component, Port
from hearth.resolve.records import Pod, Resolved


def served_pod(provider: Component, pods: list[Pod], capability: str) -> tuple[Pod, Port] | None:
    for provide in provider.provides:
        if provide.capability != capability or provide.port is None:
            continue
        port = next(p for p in provider.ports if p.name == provide.port)
        pod = next((p for p in pods if p.name == provide.pod), None) if provide.pod else None
        pod = pod or next((p for p in pods if port in p.ports), None)
        if pod is not None:
            return pod, port
    return None


def pod_carrying(pods: list[Pod], port_name: str) -> tuple[Pod, Port] | None:
    for pod in pods:
        for port in pod.ports:
            if port.name == port_name:
                return pod, port
    return None


def served_at(component: Component, pods: list[Pod], port_name: str, pod_name: str | None) -> tuple[Pod | None, Port]:
    port = next(p for p in component.ports if p.name == port_name)
    pod = next((p for p in pods if p.name == pod_name), None) if pod_name else None
    return pod or next((p for p in pods if port in p.ports), None), port


@dataclass(frozen=True)
class Endpoint:
    """Where a capability is served: the providing component, its pod and port."""

    component: Component
    pod: Pod
    port: Port

    @property
    def host(self) -> str:
        """The in-cluster DNS name of the pod's Service (``<service>.<namespace>.svc``)."""
        return f"{self.pod.service}.{self.pod.namespace}.svc"


def providers(resolved: Resolved, capability: str) -> list[Component]:
    """Components that provide ``capability``, by name."""
    return resolved.providers_of(capability)


def provider_endpoint(resolved: Resolved, capability: str) -> Endpoint | None:
    """The first provider of ``capability`` that serves it on a port, with the pod carrying that port."""
    for component in providers(resolved, capability):
        found = served_pod(component, resolved.pods_of(component.name), capability)
        if found is not None:
            return Endpoint(component, *found)
    return None


def tcp_entrypoint(resolved: Resolved, number: int) -> Endpoint | None:
    """The router entrypoint whose Service port is ``number``: where a raw TCP port published through the tunnel
    enters the cluster (an ``entrypoint`` provider's port, e.g. Traefik's ``smtp`` 8025 behind Service port 25)."""
    for component in providers(resolved, "entrypoint"):
        pods = resolved.pods_of(component.name)
        for provide in component.provides:
            if provide.capability != "entrypoint" or provide.port is None:
                continue
            pod, port = served_at(component, pods, provide.port, provide.pod)
            if pod is not None and pod.service_port(port) == number:
                return Endpoint(component, pod, port)
    return None


def pod_with_port(resolved: Resolved, component: Component, port_name: str) -> tuple[Pod, Port] | None:
    """The component's pod that carries the named port, and the port."""
    return pod_carrying(resolved.pods_of(component.name), port_name)


def service_address(pod: Pod, port: Port) -> tuple[str, int]:
    """Where a consumer reaches ``port`` of ``pod``: its Service's cluster DNS name and the Service's port."""
    return f"{pod.service}.{pod.namespace}.svc.cluster.local", pod.service_port(port)


def provider_address(resolved: Resolved, provider: str, capability: str) -> tuple[str, int] | None:
    """:func:`service_address` of the pod ``provider`` serves ``capability`` on; None when it serves it on none."""
    found = served_pod(resolved.component(provider), resolved.pods_of(provider), capability)
    return service_address(*found) if found is not None else None
