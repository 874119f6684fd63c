"""Rules for what the gateway publishes: a raw TCP port (``public_tcp``) must have a router entrypoint to enter by.

The entrypoints are the ``entrypoint`` capabilities routers provide, by the port their Service exposes (a chart
pod's ``service_ports`` mapping, else the container port), since that is the port the tunnel forwards to.
"""

from __future__ import annotations

from hearth.catalog.component import Component
from hearth.catalog.yamlsource import CatalogError, Located


def _entrypoint_ports(components: dict[str, Component]) -> set[int]:
    """The Service ports of every ``entrypoint`` a router provides (a chart pod's mapping, else the port)."""
    out: set[int] = set()
    for component in components.values():
        numbers = {p.name: p.port for p in component.ports}
        for provide in component.provides:
            if provide.capability != "entrypoint" or provide.port not in numbers:
                continue
            mapped = [
                pod.service_ports[provide.port]
                for pod in component.install.pods
                if provide.port in pod.service_ports and provide.pod in (None, pod.name)
            ]
            out.add(mapped[0] if mapped else numbers[provide.port])
    return out


def public_tcp_errors(components: dict[str, Component], docs: dict[str, Located]) -> list[CatalogError]:
    """A raw TCP port published through the tunnel needs a router entrypoint on that port to route it."""
    entrypoints = _entrypoint_ports(components)
    if not entrypoints:
        return []
    errors = []
    for name in sorted(components):
        numbers = {p.name: p.port for p in components[name].ports}
        for i, port_name in enumerate(components[name].public_tcp):
            number = numbers.get(port_name)
            if number is not None and number not in entrypoints:
                message = (
                    f"port {port_name!r} ({number}) is published, but no router entrypoint takes {number}; give the "
                    "router an entrypoint capability whose Service port is it"
                )
                errors.append(docs[name].error(("public_tcp", i), message))
    return errors
