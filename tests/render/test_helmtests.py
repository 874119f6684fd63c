"""Rules of helmtests.py: one Helm test pod per chart that can probe its component, and its two policies."""

from __future__ import annotations

from hearth.render.helmtests import CURL_IMAGE, NC_IMAGE, TEST_LABEL
from hearth.render.model import Manifest, RenderedPlatform
from hearth.resolve import Resolved


def _tests(platform: RenderedPlatform) -> dict[str, Manifest]:
    out = {}
    for name, chart in platform.charts.items():
        assert len(chart.tests) <= 1
        if chart.tests:
            out[name] = chart.tests[0]
    return out


def test_a_test_pod_for_every_component_with_a_health_check(
    resolved_cases: dict[str, Resolved], rendered_cases: dict[str, RenderedPlatform]
) -> None:
    """Hearth-rendered components and upstream companions alike; components without health get none."""
    for case, platform in rendered_cases.items():
        healthy = {n for n, c in resolved_cases[case].catalog.components.items() if c.health is not None}
        assert set(_tests(platform)) == healthy, case


def test_probe_commands_by_health_kind(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """http -> curl through the Service, tcp -> nc -z, exec -> the protocol's own client against the Service."""
    web, data = _tests(rendered_cases["web"]), _tests(rendered_cases["data"])

    def command(pod: Manifest) -> tuple[str, list[str]]:
        (container,) = pod["spec"]["containers"]
        return container["image"], container["command"]

    assert command(web["wiki"]) == (
        CURL_IMAGE,
        ["curl", "-fsS", "--max-time", "10", "-o", "/dev/null", "--insecure", "https://wiki.apps.svc:3000/healthz"],
    )
    assert command(web["dashboard"]) == (NC_IMAGE, ["nc", "-z", "-w", "5", "dashboard.apps.svc", "8080"])
    assert command(web["vault"])[1][-1] == "http://vault.service.svc:8200/v1/sys/health"
    assert (
        command(data["prometheus"])[1][-1] == "http://prometheus-kube-prometheus-prometheus.service.svc:9090/-/healthy"
    )
    assert command(data["postgres"]) == (
        "docker.io/library/postgres:18.6",
        ["pg_isready", "-h", "postgres.db.svc", "-p", "5432"],
    )
    assert command(data["valkey"])[1] == ["valkey-cli", "-h", "valkey.db.svc", "-p", "6379", "ping"]
    assert command(data["mongodb"])[1][:5] == ["mongosh", "--host", "mongodb.db.svc", "--port", "27017"]


def test_test_pods_are_hooks_restricted_and_bounded(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """Hook annotations, no token, non-root, read-only root, all capabilities dropped, requests and limits."""
    for platform in rendered_cases.values():
        for name, pod in _tests(platform).items():
            meta = pod["metadata"]
            assert meta["annotations"]["helm.sh/hook"] == "test"
            assert meta["annotations"]["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
            assert meta["labels"][TEST_LABEL] == name
            spec = pod["spec"]
            assert spec["automountServiceAccountToken"] is False and spec["restartPolicy"] == "Never"
            assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] > 0
            (container,) = spec["containers"]
            ctx = container["securityContext"]
            assert ctx["allowPrivilegeEscalation"] is False and ctx["readOnlyRootFilesystem"] is True
            assert ctx["capabilities"] == {"drop": ["ALL"]}
            assert set(container["resources"]) == {"requests", "limits"}
            assert ":" in container["image"] and not container["image"].endswith(":latest")


def test_test_pod_may_reach_exactly_the_probed_port(rendered_cases: dict[str, RenderedPlatform]) -> None:
    """An egress policy on the test pod and an ingress policy on the component's pod, for that one port."""
    chart = rendered_cases["data"].charts["postgres"]
    policies = {m["metadata"]["name"]: m for m in chart.manifests if m["kind"] == "NetworkPolicy"}
    egress = policies["postgres-helm-test"]["spec"]
    assert egress["podSelector"] == {"matchLabels": {TEST_LABEL: "postgres"}}
    assert egress["ingress"] == [] and set(egress["policyTypes"]) == {"Ingress", "Egress"}
    (rule,) = egress["egress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 5432}]
    admit = policies["postgres-admit-helm-test"]["spec"]
    assert admit["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/instance": "postgres",
        "app.kubernetes.io/name": "postgres",
    }
    assert admit["ingress"][0]["from"][0]["podSelector"] == {"matchLabels": {TEST_LABEL: "postgres"}}
    assert admit["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 5432}]
