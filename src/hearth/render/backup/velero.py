"""Velero for the platform: its upstream release, its companion chart ``velero-hearth``, stand-ins and Vault files.

The companion chart (keyed ``velero`` in ``RenderedPlatform.charts``) carries what the upstream chart is not
asked for: the cluster-wide Schedules of ``platform.backups``, the NetworkPolicies of Velero's pods (rendered
from the backup links), a PodDisruptionBudget for the server, the ServiceMonitor of the server's metrics
Service (when something provides ``metrics``), and a Helm test that fetches the server's ``/metrics``. The
stand-ins under ``cluster/upstream/velero.yaml`` describe the server and node-agent pods and the metrics Service
as the chart creates them, with the intent annotations of the manifest contract.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hearth.catalog.models import Component
from hearth.render.backup.links import (
    SCRAPES,
    Link,
    backup_links,
    connects_to,
    render_backup_policies,
    velero_peers,
)
from hearth.render.backup.vault import backup_vault_files
from hearth.render.backup.velero_pods import (
    VELERO,
    VELERO_CHART,
    VELERO_CHART_VERSION,
    VELERO_IMAGE,
    VELERO_SERVICE_LABELS,
    resource_values,
    velero_component,
    velero_namespace,
    velero_pods,
)
from hearth.render.backup.velero_schedules import cluster_schedule
from hearth.render.backup.velero_values import velero_values
from hearth.render.defaults import ANNOTATION, CHART_VERSION, metadata
from hearth.render.helmtests import HelmTest, render_helm_tests
from hearth.render.intent import COMPONENT, CONNECTS_TO
from hearth.render.model import ChartRender, Manifest, UpstreamRelease
from hearth.render.observability import MONITORING_API
from hearth.render.workload import pod_disruption_budget
from hearth.resolve import Resolved, provider_endpoint, providers, standard_labels

STAND_IN = f"{ANNOTATION}/stand-in"
WORKLOAD_KIND = f"{ANNOTATION}/workload-kind"
REPLICAS = f"{ANNOTATION}/replicas"
NODE_AGENT_REASON = (
    "Velero's node-agent runs as root with hostPath /var/lib/kubelet/pods to read pod volumes for file-system "
    "backups (vmware-tanzu/helm-charts charts/velero values.yaml nodeAgent.podSecurityContext runAsUser 0)"
)


def _stand_ins(resolved: Resolved, links: list[Link]) -> list[Manifest]:
    """Velero's pods (intent from the links, kind, replicas, resources) and the chart's metrics Service."""
    stand_in = f"pod created by upstream chart velero {VELERO_CHART_VERSION}"
    out: list[Manifest] = []
    for pod, peer in velero_peers(resolved):
        annotations = {
            STAND_IN: stand_in,
            COMPONENT: VELERO,
            WORKLOAD_KIND: pod.kind,
            REPLICAS: str(pod.replicas),
        }
        targets = connects_to(links, peer)
        if targets:
            annotations[CONNECTS_TO] = targets
        container: dict[str, Any] = {
            "name": peer.name,
            "image": f"{VELERO_IMAGE['repository']}:{VELERO_IMAGE['tag']}",
            "ports": [{"name": p.name, "containerPort": p.port, "protocol": p.protocol} for p in pod.ports],
        }
        if pod.resources is not None:
            container["resources"] = resource_values(pod.resources)
        out.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": metadata(peer.name, pod.namespace, pod.labels, annotations),
                "spec": {"containers": [container]},
            }
        )
    server = velero_pods(resolved)[0]
    out.append(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": metadata(server.service, server.namespace, VELERO_SERVICE_LABELS, {STAND_IN: stand_in}),
            "spec": {
                "selector": dict(sorted(server.labels.items())),
                "ports": [
                    {"name": p.name, "port": p.port, "targetPort": p.name, "protocol": p.protocol} for p in server.ports
                ],
            },
        }
    )
    return out


def _service_monitors(resolved: Resolved, component: Component, links: list[Link]) -> list[Manifest]:
    """A ServiceMonitor per scrape link into Velero: the chart's metrics Service, as its servicemonitor.yaml has it.

    It selects the Service by the labels templates/service.yaml puts on it; empty when nothing scrapes metrics.
    """
    assert component.metrics is not None
    return [
        {
            "apiVersion": MONITORING_API,
            "kind": "ServiceMonitor",
            "metadata": metadata(str(link.dst.service), link.dst.namespace, standard_labels(component)),
            "spec": {
                "selector": {"matchLabels": dict(sorted(VELERO_SERVICE_LABELS.items()))},
                "namespaceSelector": {"matchNames": [link.dst.namespace]},
                "endpoints": [
                    {
                        "port": link.port_name,
                        "path": component.metrics.path,
                        "interval": resolved.catalog.platform.scrape_interval,
                        "scheme": "http",
                    }
                ],
            },
        }
        for link in links
        if link.stated_by == SCRAPES and link.dst.chart == VELERO
    ]


def _disruption_budgets(resolved: Resolved) -> list[Manifest]:
    """A PDB for each Velero pod not from a DaemonSet (the server), as for other upstream charts' pods."""
    return [
        pod_disruption_budget(
            peer.name, pod.namespace, {"app.kubernetes.io/part-of": "hearth"}, dict(sorted(pod.labels.items()))
        )
        for pod, peer in velero_peers(resolved)
        if pod.kind != "DaemonSet"
    ]


def _helm_test(resolved: Resolved, component: Component) -> HelmTest:
    """``hearth.render.helmtests``' test of Velero, seen with Velero's pods joined to the resolved platform."""
    pods = {pod.key: pod for pod in velero_pods(resolved)}
    return render_helm_tests(replace(resolved, pods={**resolved.pods, **pods}), component)


@dataclass
class VeleroRender:
    """Velero's upstream release, its companion chart, stand-ins and Vault files."""

    release: UpstreamRelease
    chart: ChartRender
    stand_ins: list[Manifest]
    files: dict[str, str]


def render_velero(resolved: Resolved) -> VeleroRender | None:
    """Velero for the platform, or None when no component provides ``s3`` to store backups in."""
    s3 = provider_endpoint(resolved, "s3")
    if s3 is None:
        return None
    ns = velero_namespace(resolved)
    component = velero_component(resolved)
    links = backup_links(resolved)
    release = UpstreamRelease(
        component=VELERO,
        namespace=ns,
        repo_name=VELERO_CHART["repo_name"],
        repo_url=VELERO_CHART["repo_url"],
        chart=VELERO,
        version=VELERO_CHART_VERSION,
        values=velero_values(resolved, s3),
        needs=sorted({c.name for cap in ("namespaces", "s3", "secrets") for c in providers(resolved, cap)}),
        crd_groups=["velero.io"],
    )
    test = _helm_test(resolved, component)
    chart = ChartRender(
        name=f"{VELERO}-hearth",
        component=VELERO,
        namespace=ns,
        version=CHART_VERSION,
        app_version=VELERO_IMAGE["tag"],
        description="Velero: the platform's backup Schedules, and the policies, budget, monitor and test of its pods",
        manifests=[cluster_schedule(resolved, row) for row in resolved.catalog.platform.backups]
        + render_backup_policies(resolved, VELERO)
        + _disruption_budgets(resolved)
        + _service_monitors(resolved, component, links)
        + test.manifests,
        tests=test.tests,
    )
    return VeleroRender(release, chart, _stand_ins(resolved, links), backup_vault_files(resolved))


def allow_node_agent(namespaces: list[Manifest], namespace: str) -> list[Manifest]:
    """The Namespace objects with Velero's namespace enforcing ``privileged``, the node-agent's stated need."""
    out = []
    for manifest in namespaces:
        if manifest.get("kind") == "Namespace" and manifest["metadata"]["name"] == namespace:
            meta = dict(manifest["metadata"])
            meta["labels"] = {**meta["labels"], "pod-security.kubernetes.io/enforce": "privileged"}
            meta["annotations"] = dict(
                sorted({**meta.get("annotations", {}), f"{ANNOTATION}/exception-privileged": NODE_AGENT_REASON}.items())
            )
            manifest = {**manifest, "metadata": meta}
        out.append(manifest)
    return out
