"""Rules of helmtests.py: one Helm test pod per chart that can probe its component, and its two policies."""

from __future__ import annotations

import re

from hearth.catalog.models import Component
from hearth.protocols import AMQP_HEADER, AMQP_START, NC_IMAGE
from hearth.render.helmtests import CURL_IMAGE, TEST_LABEL, render_helm_tests
from hearth.render.model import Manifest, RenderedPlatform
from hearth.resolve import resolve
from hearth.resolve.records import Resolved


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
        components = resolved_cases[case].catalog.components
        healthy = {n for n, c in components.items() if c.health is not None}
        assert {n for n in _tests(platform) if n in components} == healthy, case


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
    assert command(data["valkey"])[1] == ["sh", "-c", "valkey-cli -h valkey.db.svc -p 6379 ping | grep -q PONG"]
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


# A broker whose own health check (rabbitmq-diagnostics) needs the Erlang cookie, so it cannot run remotely.
_BROKER: dict[str, object] = {
    "name": "broker",
    "display_name": "Broker",
    "namespace": "db",
    "version": "4.3",
    "install": {"method": "hearth", "reason": "A single StatefulSet."},
    "image": {"repository": "docker.io/library/rabbitmq", "tag": "4.3.5-management"},
    "ports": [{"name": "amqp", "port": 5672}, {"name": "management", "port": 15672}],
    "health": {"kind": "exec", "command": ["rabbitmq-diagnostics", "-q", "ping"]},
    "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    "provides": [{"capability": "amqp", "port": "amqp"}],
    "security": {"run_as_user": 999},
}


def test_amqp_is_tested_by_its_opening_handshake(resolved_cases: dict[str, Resolved]) -> None:
    """From busybox, through the Service: the AMQP 0-9-1 header out, a Connection.Start method frame back."""
    base = resolved_cases["data"]
    broker = Component.model_validate(_BROKER)
    resolved = resolve(base.catalog.model_copy(update={"components": {**base.catalog.components, "broker": broker}}))
    test = render_helm_tests(resolved, broker)
    (pod,) = test.tests
    (container,) = pod["spec"]["containers"]
    assert container["image"] == NC_IMAGE
    assert pod["spec"]["securityContext"]["runAsUser"] == 65532
    shell, flag, script = container["command"]
    assert (shell, flag) == ("sh", "-c")
    assert script.startswith(f"printf '{AMQP_HEADER}' | nc -w 5 broker.db.svc 5672 | ")
    assert script.endswith(f"| grep -q '{AMQP_START}'")
    # The header is "AMQP" 0 0 9 1 (printf octal escapes); the frame: type 1, channel 0, class 10, method 10.
    assert AMQP_HEADER.encode().decode("unicode_escape") == "AMQP\x00\x00\x09\x01"
    frame = " 01 00 00 00 00 01 f0 00 0a 00 0a"  # `od -An -tx1` of a real RabbitMQ's first 11 bytes
    assert re.match(AMQP_START, frame) and not re.match(AMQP_START, " 48 54 54 50 2f 31 2e 30 20 34 30")
    egress = next(m for m in test.manifests if m["metadata"]["name"] == "broker-helm-test")
    assert egress["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 5672}]
