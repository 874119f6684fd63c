"""Velero as its chart runs it: the pinned chart and image, its namespace, and its two pods.

Velero is not a catalog component, but the seed's ``backup`` role installs it: an upstream release (chart
vmware-tanzu/velero 12.1.0, Velero v1.18.1) storing in the component that provides ``s3``. This module describes
it once, in the catalog's own terms (a ``Component`` with its chart pods, and the resolved ``Pod``s), so the
release values, the stand-ins, the policies, the PDB, the ServiceMonitor and the Helm test all read the same
labels, ports and resources.
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import (
    ChartPod,
    ChartRef,
    Component,
    Health,
    Image,
    Install,
    Metrics,
    Port,
    ResourceAmounts,
    Resources,
)
from hearth.resolve import HEARTH_POD, Pod, Resolved, provider_endpoint

VELERO = "velero"
VELERO_NAMESPACE = "service"
# Source: reference services.yaml velero; vmware-tanzu/helm-charts charts/velero/Chart.yaml (12.1.0, 1.18.1).
VELERO_CHART = {"repo_name": "vmware-tanzu", "repo_url": "https://vmware-tanzu.github.io/helm-charts"}
VELERO_CHART_VERSION = "12.1.0"
VELERO_IMAGE = {"repository": "docker.io/velero/velero", "tag": "v1.18.1"}
# templates/service.yaml and the containers of deployment.yaml and node-agent-daemonset.yaml: port
# http-monitoring, 8085, the pods' metrics listener; the Service (named velero) selects the server pod only.
METRICS_PORT = Port(name="http-monitoring", port=8085, protocol="TCP")
VELERO_METRICS_PORT = METRICS_PORT.port
# The server pod is named like a component's main pod, so its objects are plainly "velero" (the Deployment's
# own name in templates/deployment.yaml); the node-agent's are "velero-node-agent".
SERVER_POD = HEARTH_POD
NODE_AGENT_POD = "node-agent"
# Pod template labels of templates/deployment.yaml and node-agent-daemonset.yaml (those selectors rely on).
VELERO_SERVER_LABELS = {"name": "velero", "app.kubernetes.io/name": "velero", "app.kubernetes.io/instance": "velero"}
VELERO_AGENT_LABELS = {
    "name": "node-agent",
    "app.kubernetes.io/name": "velero",
    "app.kubernetes.io/instance": "velero",
}
# Labels of templates/service.yaml that templates/servicemonitor.yaml selects by (the name label is not on it).
VELERO_SERVICE_LABELS = {"app.kubernetes.io/name": "velero", "app.kubernetes.io/instance": "velero"}
# The chart sets no resources; these are the defaults its values.yaml documents (commented out there) for the
# server (`resources`) and the node-agent (`nodeAgent.resources`), from Velero's install defaults.
SERVER_RESOURCES = Resources(
    requests=ResourceAmounts(cpu="500m", memory="128Mi"), limits=ResourceAmounts(cpu="1000m", memory="512Mi")
)
NODE_AGENT_RESOURCES = Resources(
    requests=ResourceAmounts(cpu="500m", memory="512Mi"), limits=ResourceAmounts(cpu="1000m", memory="1024Mi")
)


def velero_namespace(resolved: Resolved) -> str:
    """Velero's namespace: ``service`` as the seed has it, else the s3 provider's namespace."""
    if any(ns.name == VELERO_NAMESPACE for ns in resolved.catalog.platform.namespaces):
        return VELERO_NAMESPACE
    s3 = provider_endpoint(resolved, "s3")
    return s3.pod.namespace if s3 is not None else VELERO_NAMESPACE


def resource_values(resources: Resources) -> dict[str, Any]:
    """Requests and limits as a container's (and the chart's values') ``resources``."""
    return {
        "requests": {"cpu": resources.requests.cpu, "memory": resources.requests.memory},
        "limits": {"cpu": resources.limits.cpu, "memory": resources.limits.memory},
    }


def velero_component(resolved: Resolved) -> Component:
    """Velero described as a catalog component: the chart's two pods, the metrics port, /metrics as health.

    The server is a Deployment of one replica (templates/deployment.yaml ``replicas: 1``); the node-agent a
    DaemonSet, one pod per schedulable node. Both talk to the API server.
    """
    nodes = sum(1 for node in resolved.catalog.platform.nodes if node.schedulable)
    source = f"vmware-tanzu/helm-charts charts/velero {VELERO_CHART_VERSION}"
    return Component(
        name=VELERO,
        display_name="Velero",
        namespace=velero_namespace(resolved),
        version=VELERO_IMAGE["tag"],
        description="backups of cluster state and volumes to the s3 provider",
        service_name=VELERO,
        install=Install(
            method="chart",
            reason="the seed's backup role installs Velero from its upstream chart",
            chart=ChartRef(
                repo=VELERO_CHART["repo_url"],
                name=f"{VELERO_CHART['repo_name']}/{VELERO}",
                version=VELERO_CHART_VERSION,
            ),
            pods=[
                ChartPod(
                    name=SERVER_POD,
                    labels=VELERO_SERVER_LABELS,
                    ports=[METRICS_PORT.name],
                    kind="Deployment",
                    replicas=1,
                    resources=SERVER_RESOURCES,
                    service=VELERO,
                    api_access=True,
                    source=f"{source} templates/deployment.yaml",
                ),
                ChartPod(
                    name=NODE_AGENT_POD,
                    labels=VELERO_AGENT_LABELS,
                    ports=[METRICS_PORT.name],
                    kind="DaemonSet",
                    replicas=nodes,
                    resources=NODE_AGENT_RESOURCES,
                    api_access=True,
                    source=f"{source} templates/node-agent-daemonset.yaml",
                ),
            ],
        ),
        image=Image(repository=VELERO_IMAGE["repository"], tag=VELERO_IMAGE["tag"]),
        ports=[METRICS_PORT],
        health=Health(kind="http", port=METRICS_PORT.name, path="/metrics"),
        metrics=Metrics(port=METRICS_PORT.name),
    )


def velero_pods(resolved: Resolved) -> list[Pod]:
    """Velero's server and node-agent pods, as ``hearth.resolve`` describes a chart's pods: server first."""
    component = velero_component(resolved)
    by_name = {p.name: p for p in component.ports}
    return [
        Pod(
            VELERO,
            pod.name,
            component.namespace,
            dict(pod.labels),
            tuple(by_name[n] for n in pod.ports),
            pod.service or f"{VELERO}-{pod.name}",
            pod.kind,
            pod.replicas,
            pod.resources,
            upstream=True,
            api_access=pod.api_access,
        )
        for pod in component.install.pods
    ]
