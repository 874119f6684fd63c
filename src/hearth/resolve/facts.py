"""The catalog's placeholders filled in from the platform and from the providers of each component's needs."""

from __future__ import annotations

from hearth.catalog.models import Catalog, Component
from hearth.catalog.placeholders import substitute
from hearth.resolve.endpoints import served_pod, service_address
from hearth.resolve.needs import grant_name
from hearth.resolve.pods import component_pods
from hearth.resolve.records import Pod


def with_platform_facts(catalog: Catalog) -> Catalog:
    """The catalog with every component's placeholders filled in: ``${domain}`` and ``${pod_cidr}`` from the
    platform, and ``${<capability>.host|port|database}`` from the providers of its needs (each fact stated once, used
    everywhere)."""
    comps = catalog.components
    pods = {name: component_pods(c) for name, c in comps.items()}
    components = {}
    for name, component in comps.items():
        platform = {"domain": catalog.platform.domain, "pod_cidr": str(catalog.platform.pod_cidr)}
        values = {**platform, **_provider_facts(name, component, comps, pods)}
        dumped = component.model_dump(by_alias=True, exclude_defaults=True)
        filled = substitute(dumped, values)
        components[name] = component if filled == dumped else Component.model_validate(filled)
    return catalog.model_copy(update={"components": components})


def _provider_facts(
    name: str, component: Component, comps: dict[str, Component], pods: dict[str, list[Pod]]
) -> dict[str, str]:
    """``<capability>.host``, ``.port`` and ``.database`` for each capability the providers of ``name``'s needs
    serve on a port (the first need in the file wins when two provide one capability)."""
    facts: dict[str, str] = {}
    for need in component.needs:
        for capability in sorted(comps[need].capabilities()):
            found = served_pod(comps[need], pods[need], capability)
            if found is None or f"{capability}.host" in facts:
                continue
            host, port = service_address(*found)
            facts[f"{capability}.host"] = host
            facts[f"{capability}.port"] = str(port)
            facts[f"{capability}.database"] = grant_name(name)
    return facts
