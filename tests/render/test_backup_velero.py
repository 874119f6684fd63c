"""Velero as a catalog component: its pods' intent, monitor, budget and Helm test come from the same renderers as
every other upstream chart's, and its stand-ins state the chart values' resources, its kind and replicas.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate

from hearth.render.helmtests import CURL_IMAGE, TEST_LABEL
from hearth.render.intent import CONNECTS_TO
from hearth.render.model import ChartRender, Manifest, RenderedPlatform
from hearth.resolve.records import Resolved

# charts/velero/values.yaml of chart 12.1.0: the commented defaults of `resources` and `nodeAgent.resources`.
SERVER_DEFAULTS = {"requests": {"cpu": "500m", "memory": "128Mi"}, "limits": {"cpu": "1000m", "memory": "512Mi"}}
AGENT_DEFAULTS = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "1000m", "memory": "1024Mi"}}


def _only(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def _chart(platform: RenderedPlatform) -> ChartRender:
    return platform.charts["velero"]


def _stand_ins(platform: RenderedPlatform) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in _only(platform.cluster["upstream/velero"], "Pod")}


def test_velero_pods_connect_to_s3_and_vault_only(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """Server and node-agent state exactly their needs' endpoints: the s3 provider and Vault."""
    pods = _stand_ins(rendered_cases["data"])
    assert set(pods) == {"velero", "velero-node-agent"}
    for pod in pods.values():
        assert set(pod["metadata"]["annotations"][CONNECTS_TO].split(",")) == {"db/minio:api", "service/vault:http"}


def test_prometheus_scrapes_the_velero_server_through_a_pod_monitor(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """The component's metrics port is on the server pod only: one PodMonitor selecting the server's labels; the
    chart's own ServiceMonitor is off."""
    resolved, platform = resolved_cases["data"], rendered_cases["data"]
    (monitor,) = _only(_chart(platform).manifests, "PodMonitor")
    assert not _only(_chart(platform).manifests, "ServiceMonitor")
    server = _stand_ins(platform)["velero"]
    assert monitor["spec"]["selector"]["matchLabels"] == server["metadata"]["labels"]
    assert monitor["metadata"]["namespace"] == "service"
    assert [e["portNumber"] for e in monitor["spec"]["podMetricsEndpoints"]] == [8085]
    scrapes = [f for f in resolved.ingress_of(("velero", "main")) if f.src and f.src[0] == "prometheus"]
    assert [f.port.port for f in scrapes] == [8085]
    assert not [f for f in resolved.ingress_of(("velero", "node-agent")) if f.src and f.src[0] == "prometheus"]
    assert platform.upstream["velero"].values["metrics"] == {"enabled": True, "serviceMonitor": {"enabled": False}}


def test_velero_stand_ins_state_kind_replicas_and_the_chart_values_resources(
    rendered_cases: dict[str, RenderedPlatform],
) -> None:
    """Server: a Deployment of one; node-agent: a DaemonSet of one per node; requests and limits are the chart's
    documented defaults, the same in the values and on the stand-ins."""
    platform = rendered_cases["data"]
    pods = _stand_ins(platform)
    expected = {"velero": ("Deployment", "1"), "velero-node-agent": ("DaemonSet", "3")}
    for name, (kind, replicas) in expected.items():
        annotations = pods[name]["metadata"]["annotations"]
        assert (annotations["hearth.dev/workload-kind"], annotations["hearth.dev/replicas"]) == (kind, replicas)
        assert annotations["hearth.dev/component"] == "velero"
    values = platform.upstream["velero"].values
    assert values["resources"] == pods["velero"]["spec"]["containers"][0]["resources"] == SERVER_DEFAULTS
    agent = pods["velero-node-agent"]["spec"]["containers"][0]["resources"]
    assert values["nodeAgent"]["resources"] == agent == AGENT_DEFAULTS


def test_velero_hearth_has_a_budget_for_the_server_only(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """The PDB selects the server's labels (name: velero), not the node-agent's, and keeps one pod drainable."""
    platform = rendered_cases["data"]
    (budget,) = _only(_chart(platform).manifests, "PodDisruptionBudget")
    pods = {n: p["metadata"]["labels"] for n, p in _stand_ins(platform).items()}
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
    rendered_cases: dict[str, RenderedPlatform],
) -> None:
    """helmtests' pod: curl through the metrics Service; one policy lets it out, one lets it into the server."""
    platform = rendered_cases["data"]
    (test,) = _chart(platform).tests
    kubernetes_validate.validate(test, "1.28.0", strict=True)
    (container,) = test["spec"]["containers"]
    assert container["image"] == CURL_IMAGE
    assert container["command"][-1] == "http://velero.service.svc:8085/metrics"
    assert test["metadata"]["annotations"][CONNECTS_TO] == "service/velero:http-monitoring"
    assert test["metadata"]["annotations"]["helm.sh/hook"] == "test"
    server_labels, test_labels = _stand_ins(platform)["velero"]["metadata"]["labels"], {TEST_LABEL: "velero"}
    policies = _only(platform.component_manifests("velero"), "NetworkPolicy")
    port = {"protocol": "TCP", "port": 8085}
    assert any(
        p["spec"]["podSelector"]["matchLabels"] == test_labels and _rule_admits(p, "egress", server_labels, port)
        for p in policies
    )
    assert any(
        p["spec"]["podSelector"]["matchLabels"] == server_labels and _rule_admits(p, "ingress", test_labels, port)
        for p in policies
    )
