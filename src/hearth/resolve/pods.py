"""A component's pods: the one hearth renders (with its standard labels) or those its upstream chart creates,
each with where Prometheus scrapes it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hearth.catalog.models import Component
from hearth.contract import INSTANCE, MANAGED_BY, NAME, PART_OF, VERSION
from hearth.resolve.records import HEARTH_POD, Pod


def _label_value(text: str) -> str:
    """``text`` as a valid label value (at most 63 of alphanumerics, '-', '_', '.', alphanumeric at both ends):
    a tag pinned by digest (``latest@sha256:f7ee...``) would otherwise make the API server refuse the object."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "-", text)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned)


def standard_labels(component: Component) -> dict[str, str]:
    """Labels of a pod hearth renders; selectors use the first two only, so they never change on upgrade."""
    return {
        NAME: component.name,
        INSTANCE: component.name,
        PART_OF: "hearth",
        VERSION: _label_value(component.image.tag if component.image else component.version),
        MANAGED_BY: "hearth",
    }


def selector_labels(component: Component) -> dict[str, str]:
    """The labels a Service, PDB or NetworkPolicy selects a hearth-rendered pod by."""
    labels = standard_labels(component)
    return {k: labels[k] for k in (NAME, INSTANCE)}


def component_pods(component: Component) -> list[Pod]:
    return _with_metrics(component, _declared_pods(component))


def _with_metrics(component: Component, pods: list[Pod]) -> list[Pod]:
    """Each pod with where it is scraped: its own ``metrics``, else the component's on the first pod carrying it."""
    own = {p.name: p.metrics for p in component.install.pods if p.metrics is not None}
    metrics = component.metrics
    scraped = next((p.name for p in pods if metrics is not None and any(x.name == metrics.port for x in p.ports)), None)
    return [replace(pod, metrics=own.get(pod.name) or (metrics if pod.name == scraped else None)) for pod in pods]


def _declared_pods(component: Component) -> list[Pod]:
    if component.install.method == "chart":
        by_name = {p.name: p for p in component.ports}
        result = []
        for index, chart_pod in enumerate(component.install.pods):
            default_service = component.service_name or component.name
            service = chart_pod.service or (default_service if index == 0 else f"{component.name}-{chart_pod.name}")
            result.append(
                Pod(
                    component.name,
                    chart_pod.name,
                    component.namespace,
                    dict(chart_pod.labels),
                    tuple(by_name[n] for n in chart_pod.ports),
                    service,
                    chart_pod.kind,
                    chart_pod.replicas,
                    chart_pod.resources,
                    upstream=True,
                    api_access=chart_pod.api_access,
                    service_ports=tuple(sorted(chart_pod.service_ports.items())),
                    connects_to_needs=chart_pod.uses_needs,
                )
            )
        return result
    if component.image is None:
        return []
    kind = "StatefulSet" if component.storage is not None else "Deployment"
    return [
        Pod(
            component.name,
            HEARTH_POD,
            component.namespace,
            selector_labels(component),
            tuple(component.ports),
            component.service_name or component.name,
            kind,
            component.replicas,
            component.resources,
            upstream=False,
            api_access=component.security.api_access,
        )
    ]
