"""Rules of workload.py for sidecars: a sidecar's own health check becomes its probes, by the shared defaults."""

from __future__ import annotations

from typing import Any

from hearth.catalog.checks import component_problems
from hearth.catalog.models import Component
from hearth.render.defaults import probes
from hearth.render.workload import pod_template
from hearth.resolve import resolve
from hearth.resolve.records import Resolved

_RESOURCES = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "128Mi"}}
_DATABASE: dict[str, Any] = {
    "name": "db",
    "display_name": "Database",
    "namespace": "db",
    "version": "1",
    "install": {"method": "hearth", "reason": "A single StatefulSet."},
    "image": {"repository": "docker.io/example/db", "tag": "1.0.0"},
    "ports": [{"name": "sql", "port": 5432}, {"name": "metrics", "port": 9187}],
    "health": {"kind": "tcp", "port": "sql"},
    "metrics": {"port": "metrics"},
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    "sidecars": [
        {
            "name": "exporter",
            "image": {"repository": "docker.io/example/exporter", "tag": "1.0.0"},
            "purpose": "Prometheus exporter",
            "ports": ["metrics"],
            "health": {"kind": "http", "port": "metrics", "path": "/"},
            "resources": _RESOURCES,
        },
        {
            "name": "daemon",
            "image": {"repository": "docker.io/example/daemon", "tag": "1.0.0"},
            "purpose": "A daemon without a port or a tool to check it with",
            "resources": _RESOURCES,
        },
    ],
    "startup_seconds": 20,
}


def _template(resolved: Resolved) -> dict[str, Any]:
    component = Component.model_validate(_DATABASE)
    catalog = resolved.catalog.model_copy(update={"components": {**resolved.catalog.components, "db": component}})
    return pod_template(resolve(catalog), component)


def test_a_sidecar_is_probed_by_its_own_health_check(resolved_cases: dict[str, Resolved]) -> None:
    """Startup, liveness and readiness probes, from the same defaults as the main container's, on its own port."""
    containers = {c["name"]: c for c in _template(resolved_cases["data"])["spec"]["containers"]}
    exporter = containers["exporter"]
    health = Component.model_validate(_DATABASE).sidecars[0].health
    for probe, handler in probes(health, 20).items():
        assert exporter[probe] == handler
    assert exporter["livenessProbe"]["httpGet"] == {"path": "/", "port": "metrics", "scheme": "HTTP"}
    assert exporter["readinessProbe"]["httpGet"]["port"] in {p["name"] for p in exporter["ports"]}
    assert containers["db"]["livenessProbe"]["tcpSocket"] == {"port": "sql"}


def test_a_sidecar_without_health_gets_no_probes(resolved_cases: dict[str, Resolved]) -> None:
    """No invented check: without a stated health check the sidecar has no probes (and the auditor says so)."""
    daemon = next(c for c in _template(resolved_cases["data"])["spec"]["containers"] if c["name"] == "daemon")
    assert not {"startupProbe", "livenessProbe", "readinessProbe"} & set(daemon)


def _with_exceptions(exceptions: list[dict[str, Any]]) -> dict[str, Any]:
    return {**_DATABASE, "security": {"run_as_user": 999, "exceptions": exceptions}}


def _secured(resolved: Resolved, exceptions: list[dict[str, Any]]) -> dict[str, Any]:
    component = Component.model_validate(_with_exceptions(exceptions))
    catalog = resolved.catalog.model_copy(update={"components": {**resolved.catalog.components, "db": component}})
    return pod_template(resolve(catalog), component)


ROOT_REASON = "The daemon image has no USER and writes below /app at start."


def test_an_exception_for_one_container_grants_root_to_it_alone(resolved_cases: dict[str, Resolved]) -> None:
    """run-as-root for the daemon: the pod stays non-root, the daemon alone runs as uid 0, the reason travels."""
    template = _secured(resolved_cases["data"], [{"kind": "run-as-root", "container": "daemon", "reason": ROOT_REASON}])
    spec = template["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    contexts = {c["name"]: c["securityContext"] for c in spec["containers"]}
    assert contexts["daemon"]["runAsNonRoot"] is False and contexts["daemon"]["runAsUser"] == 0
    assert "runAsUser" not in contexts["db"] and "runAsUser" not in contexts["exporter"]
    assert template["metadata"]["annotations"]["hearth.dev/exception-run-as-root.daemon"] == ROOT_REASON


def test_a_pod_wide_exception_applies_to_every_container(resolved_cases: dict[str, Resolved]) -> None:
    cap = {"kind": "capability", "value": "NET_ADMIN", "reason": "The exporter needs raw sockets for ping probes."}
    template = _secured(resolved_cases["data"], [cap])
    for container in template["spec"]["containers"]:
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["NET_ADMIN"]}
    assert "hearth.dev/exception-capability-net_admin" in template["metadata"]["annotations"]


def test_an_exception_naming_no_container_of_the_pod_is_refused() -> None:
    component = Component.model_validate(
        _with_exceptions([{"kind": "run-as-root", "container": "proxy", "reason": ROOT_REASON}])
    )
    problems = component_problems(component)
    assert [loc for loc, _ in problems] == [("security", "exceptions", 0, "container")]
    assert "names container 'proxy'" in problems[0][1]
