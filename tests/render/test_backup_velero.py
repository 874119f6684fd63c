"""Backup intent from the backup links, and what ``velero-hearth`` carries for Velero's own pods.

The connects-to of every backup pod (dump jobs, Velero stand-ins) is exactly the links it states; Prometheus'
scrape of Velero is stated by a ServiceMonitor instead. Velero's stand-ins state the resources set in the chart
values, its kind and replicas; ``velero-hearth`` has the server's PDB and a Helm test of its ``/metrics``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import kubernetes_validate

from hearth.render.backup import render_velero
from hearth.render.backup.links import CONNECTS, SCRAPES, backup_links
from hearth.render.backup.velero import VeleroRender
from hearth.render.helmtests import CURL_IMAGE, TEST_LABEL
from hearth.render.intent import CONNECTS_TO
from hearth.render.model import Manifest, RenderedPlatform
from hearth.resolve import Resolved, resolve

# charts/velero/values.yaml of chart 12.1.0: the commented defaults of `resources` and `nodeAgent.resources`.
SERVER_DEFAULTS = {"requests": {"cpu": "500m", "memory": "128Mi"}, "limits": {"cpu": "1000m", "memory": "512Mi"}}
AGENT_DEFAULTS = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "1000m", "memory": "1024Mi"}}


def _velero(resolved: Resolved) -> VeleroRender:
    velero = render_velero(resolved)
    assert velero is not None
    return velero


def _pod_templates(platform: RenderedPlatform) -> dict[str, Manifest]:
    """Backup pod templates by the name of their link source: dump CronJobs' pods and Velero's stand-ins."""
    out: dict[str, Manifest] = {}
    for chart in platform.charts.values():
        for m in chart.manifests:
            if m["kind"] == "CronJob":
                out[f"{m['metadata']['labels']['app.kubernetes.io/instance']}-dump"] = m["spec"]["jobTemplate"]["spec"][
                    "template"
                ]
    for m in platform.cluster["upstream/velero"]:
        if m["kind"] == "Pod":
            out[m["metadata"]["name"]] = m
    return out


def _only(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def test_connects_to_is_exactly_the_links_each_backup_pod_states(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """Dump jobs list their database, s3 and Vault; Velero's pods s3 and Vault; nothing the links do not have."""
    links = backup_links(resolved_cases["data"])
    stated: dict[str, set[str]] = defaultdict(set)
    for link in links:
        if link.stated_by == CONNECTS:
            stated[link.src.name].add(link.target)
    pods = _pod_templates(rendered_cases["data"])
    assert set(pods) == set(stated) == {"postgres-dump", "mongodb-dump", "velero", "velero-node-agent"}
    for name, pod in pods.items():
        assert set(pod["metadata"]["annotations"][CONNECTS_TO].split(",")) == stated[name], name
    assert "service/vault:http" in stated["postgres-dump"]
    assert stated["velero"] == stated["velero-node-agent"] == {"db/minio:api", "service/vault:http"}


def test_prometheus_scrapes_velero_through_a_service_monitor(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """The scrape link is stated by a ServiceMonitor in velero-hearth on the chart's metrics Service; the chart's
    own ServiceMonitor is off."""
    resolved = resolved_cases["data"]
    (scrape,) = [lk for lk in backup_links(resolved) if lk.stated_by == SCRAPES]
    assert (scrape.src.name, scrape.dst.name, scrape.port, scrape.port_name) == (
        "prometheus-server", "velero", 8085, "http-monitoring"
    )  # fmt: skip
    velero = _velero(resolved)
    (monitor,) = _only(velero.chart.manifests, "ServiceMonitor")
    assert _only(rendered_cases["data"].charts["velero"].manifests, "ServiceMonitor") == [monitor]
    (service,) = _only(velero.stand_ins, "Service")
    spec = monitor["spec"]
    assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"] == "service"
    assert spec["namespaceSelector"] == {"matchNames": ["service"]}
    # What templates/servicemonitor.yaml selects, and what templates/service.yaml labels its Service with.
    assert (
        spec["selector"]["matchLabels"]
        == service["metadata"]["labels"]
        == {
            "app.kubernetes.io/instance": "velero",
            "app.kubernetes.io/name": "velero",
        }
    )
    assert spec["endpoints"] == [{"port": "http-monitoring", "path": "/metrics", "interval": "30s", "scheme": "http"}]
    assert [p["name"] for p in service["spec"]["ports"]] == ["http-monitoring"]
    server = next(p for p in velero.stand_ins if p["kind"] == "Pod" and p["metadata"]["name"] == "velero")
    assert service["spec"]["selector"] == server["metadata"]["labels"]
    assert velero.release.values["metrics"] == {"enabled": True, "serviceMonitor": {"enabled": False}}


def test_no_service_monitor_and_no_scrape_without_a_metrics_provider(resolved_cases: dict[str, Resolved]) -> None:
    """Without a component providing metrics, neither the link nor the monitor exist; the rest of Velero stays."""
    catalog = resolved_cases["data"].catalog
    components = {n: c for n, c in catalog.components.items() if "metrics" not in c.capabilities()}
    resolved = resolve(catalog.model_copy(update={"components": components}))
    assert not [lk for lk in backup_links(resolved) if lk.stated_by == SCRAPES]
    velero = _velero(resolved)
    assert _only(velero.chart.manifests, "ServiceMonitor") == []
    assert not [
        p for p in _only(velero.chart.manifests, "NetworkPolicy") if p["metadata"]["name"] == "velero-backup-ingress"
    ]
    assert velero.release.values["metrics"]["serviceMonitor"] == {"enabled": False}
    assert velero.chart.tests  # the Helm test does not depend on a scraper


def test_velero_stand_ins_state_kind_replicas_and_the_chart_values_resources(
    resolved_cases: dict[str, Resolved],
) -> None:
    """Server: a Deployment of one; node-agent: a DaemonSet on each schedulable node; requests and limits are the
    chart's documented defaults, the same in the values and on the stand-ins."""
    resolved = resolved_cases["data"]
    velero = _velero(resolved)
    pods = {p["metadata"]["name"]: p for p in _only(velero.stand_ins, "Pod")}
    nodes = sum(1 for n in resolved.catalog.platform.nodes if n.schedulable)
    expected = {"velero": ("Deployment", "1"), "velero-node-agent": ("DaemonSet", str(nodes))}
    for name, (kind, replicas) in expected.items():
        annotations = pods[name]["metadata"]["annotations"]
        assert (annotations["hearth.dev/workload-kind"], annotations["hearth.dev/replicas"]) == (kind, replicas)
        assert annotations["hearth.dev/component"] == "velero"
    values = velero.release.values
    assert values["resources"] == pods["velero"]["spec"]["containers"][0]["resources"] == SERVER_DEFAULTS
    assert (
        values["nodeAgent"]["resources"]
        == pods["velero-node-agent"]["spec"]["containers"][0]["resources"]
        == AGENT_DEFAULTS
    )


def test_velero_hearth_has_a_budget_for_the_server_only(resolved_cases: dict[str, Resolved]) -> None:
    """The PDB selects the server's labels (name: velero), not the node-agent's, and keeps one pod drainable."""
    velero = _velero(resolved_cases["data"])
    (budget,) = _only(velero.chart.manifests, "PodDisruptionBudget")
    pods = {p["metadata"]["name"]: p["metadata"]["labels"] for p in _only(velero.stand_ins, "Pod")}
    selector = budget["spec"]["selector"]["matchLabels"]
    assert selector == pods["velero"] and selector != pods["velero-node-agent"]
    assert budget["spec"]["maxUnavailable"] == 1 and budget["metadata"]["namespace"] == "service"


def _rule_admits(policy: Manifest, direction: str, selector: dict[str, str], port: dict[str, Any]) -> bool:
    key = "to" if direction == "egress" else "from"
    return any(
        port in rule["ports"] and any(peer["podSelector"]["matchLabels"] == selector for peer in rule[key])
        for rule in policy["spec"].get(direction, [])
    )


def test_velero_helm_test_fetches_the_server_metrics_with_policies_at_both_ends(
    resolved_cases: dict[str, Resolved],
) -> None:
    """helmtests' pod: curl through the metrics Service; one policy lets it out, one lets it into the server."""
    velero = _velero(resolved_cases["data"])
    (test,) = velero.chart.tests
    kubernetes_validate.validate(test, "1.28.0", strict=True)
    (container,) = test["spec"]["containers"]
    assert container["image"] == CURL_IMAGE
    assert container["command"][-1] == "http://velero.service.svc:8085/metrics"
    assert test["metadata"]["annotations"][CONNECTS_TO] == "service/velero:http-monitoring"
    assert test["metadata"]["annotations"]["helm.sh/hook"] == "test"
    server = next(p for p in velero.stand_ins if p["kind"] == "Pod" and p["metadata"]["name"] == "velero")
    server_labels, test_labels = server["metadata"]["labels"], {TEST_LABEL: "velero"}
    policies = _only(velero.chart.manifests, "NetworkPolicy")
    port = {"protocol": "TCP", "port": 8085}
    assert any(
        p["spec"]["podSelector"]["matchLabels"] == test_labels and _rule_admits(p, "egress", server_labels, port)
        for p in policies
    )
    assert any(
        p["spec"]["podSelector"]["matchLabels"] == server_labels and _rule_admits(p, "ingress", test_labels, port)
        for p in policies
    )
