"""Intent rules of ``hearth check``'s zero-trust section, one small build per rule, plus ``ReachMatrix.sides``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.verify.build.audit import load_build
from hearth.verify.reach import build_matrix
from hearth.verify.zero_trust import Flow, Intent, intended_flows


def _pod(
    namespace: str, name: str, labels: dict[str, str], ports: dict[str, int], **annotations: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "annotations": annotations},
        "spec": {
            "containers": [
                {"name": "c", "ports": [{"name": n, "containerPort": p, "protocol": "TCP"} for n, p in ports.items()]}
            ]
        },
    }


def _service(
    namespace: str, name: str, selector: dict[str, str], ports: list[tuple[str, int, int | str]]
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(selector)},
        "spec": {
            "selector": selector,
            "ports": [{"name": n, "port": p, "targetPort": t, "protocol": "TCP"} for n, p, t in ports],
        },
    }


def _intent(tmp_path: Path, objects: list[dict[str, Any]], cluster: list[dict[str, Any]] | None = None) -> Intent:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "all.yaml").write_text(yaml.safe_dump_all(objects), encoding="utf-8")
    if cluster:
        (tmp_path / "cluster").mkdir()
        (tmp_path / "cluster" / "nodes.yaml").write_text(yaml.safe_dump_all(cluster), encoding="utf-8")
    return intended_flows(load_build(tmp_path))


def _site() -> list[dict[str, Any]]:
    return [
        _pod("app", "site", {"app": "site"}, {"http": 8080}),
        _service("app", "site", {"app": "site"}, [("web", 80, "http")]),
        _pod("sso", "auth", {"app": "auth"}, {"http": 9000}),
        _service("sso", "auth", {"app": "auth"}, [("http", 9000, 9000)]),
    ]


def _router(**annotations: str) -> dict[str, Any]:
    return _pod("ingress", "traefik", {"app": "traefik"}, {"websecure": 8443}, **annotations)


ROUTES: list[dict[str, Any]] = [
    {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "IngressRoute",
        "metadata": {"name": "site", "namespace": "app"},
        "spec": {"routes": [{"match": "Host(`x`)", "services": [{"name": "site", "port": 80}]}]},
    },
    {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "Middleware",
        "metadata": {"name": "sso", "namespace": "ingress"},
        "spec": {"forwardAuth": {"address": "http://auth.sso.svc.cluster.local:9000/outpost"}},
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "site-plain", "namespace": "app"},
        "spec": {"rules": [{"http": {"paths": [{"backend": {"service": {"name": "site", "port": {"name": "web"}}}}]}}]},
    },
]


def test_ingress_controller_reaches_routes_and_forward_auth(tmp_path: Path) -> None:
    """IngressRoute services, Ingress backends and forwardAuth addresses resolve to pods and container ports."""
    intent = _intent(tmp_path, [*_site(), _router(**{"hearth.dev/role": "ingress-controller"}), *ROUTES])
    assert intent.flows[Flow("ingress/traefik", "app/site", 8080, "TCP")] == {
        "IngressRoute app/site -> app/site:80",
        "Ingress app/site-plain -> app/site:web",
    }
    assert intent.flows[Flow("ingress/traefik", "sso/auth", 9000, "TCP")] == {
        "Middleware ingress/sso forwardAuth http://auth.sso.svc.cluster.local:9000/outpost"
    }
    assert not intent.unresolved
    assert intent.notes == ["no Service kube-system/kube-dns in cluster/: DNS intent not measured"]


def test_routes_without_an_ingress_controller_are_noted(tmp_path: Path) -> None:
    """Without hearth.dev/role: ingress-controller no pod is credited with the routes, and the report says so."""
    intent = _intent(tmp_path, [*_site(), _router(), *ROUTES])
    assert not any(flow.src == "ingress/traefik" for flow in intent.flows)
    assert any("ingress-controller" in note for note in intent.notes)


def test_metrics_scraper_reaches_service_and_pod_monitors(tmp_path: Path) -> None:
    """ServiceMonitor endpoints (by Service port or targetPort, any namespace) and PodMonitor ports."""
    objects = [
        _pod("mon", "prom", {"app": "prom"}, {"web": 9090}, **{"hearth.dev/role": "metrics-scraper"}),
        _pod("app", "exporter", {"app": "exporter"}, {"metrics": 9100, "debug": 9101}),
        _service("app", "exporter", {"app": "exporter"}, [("metrics", 80, "metrics"), ("debug", 81, 9101)]),
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": {"name": "exporter", "namespace": "mon"},
            "spec": {
                "namespaceSelector": {"any": True},
                "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["exporter"]}]},
                "endpoints": [{"port": "metrics"}, {"targetPort": 9101}],
            },
        },
        _pod("app", "worker", {"app": "worker"}, {"worker-metrics": 8081}),
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PodMonitor",
            "metadata": {"name": "worker", "namespace": "app"},
            "spec": {
                "selector": {"matchLabels": {"app": "worker"}},
                "podMetricsEndpoints": [{"port": "worker-metrics"}],
            },
        },
    ]
    flows = {flow for flow in _intent(tmp_path, objects).flows if flow.src == "mon/prom"}
    assert flows == {
        Flow("mon/prom", "app/exporter", 9100, "TCP"),
        Flow("mon/prom", "app/exporter", 9101, "TCP"),
        Flow("mon/prom", "app/worker", 8081, "TCP"),
    }


def test_vault_agent_reaches_the_service_it_names(tmp_path: Path) -> None:
    """vault.hashicorp.com/service names the Vault address; injected pods without it are counted in a note."""
    inject = {"vault.hashicorp.com/agent-inject": "true"}
    objects = [
        _pod("vault", "vault", {"app": "vault"}, {"http": 8200}),
        _service("vault", "vault", {"app": "vault"}, [("http", 8200, "http")]),
        _pod("app", "a", {"app": "a"}, {}, **inject, **{"vault.hashicorp.com/service": "https://vault.vault.svc:8200"}),
        _pod("app", "b", {"app": "b"}, {}, **inject),
    ]
    intent = _intent(tmp_path, objects)
    assert intent.flows[Flow("app/a", "vault/vault", 8200, "TCP")] == {"Vault Agent"}
    assert not any(flow.src == "app/b" for flow in intent.flows)
    assert (
        "1 pods use the Vault Agent injector without vault.hashicorp.com/service: their Vault connection is only "
        "what their connects-to states"
    ) in intent.notes


NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "cp", "labels": {"node-role.kubernetes.io/control-plane": ""}},
    "status": {
        "allocatable": {"cpu": "1", "memory": "1Gi"},
        "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
    },
}


def test_api_server_reaches_webhooks(tmp_path: Path) -> None:
    """Webhook configurations' Services and pods with role webhook (on hearth.dev/webhook-port) are called from
    the control-plane InternalIPs; a webhook pod without the port annotation is unresolved."""
    objects = [
        _pod("hooks", "hook", {"app": "hook"}, {"https": 8443}),
        _service("hooks", "hook", {"app": "hook"}, [("https", 443, "https")]),
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": "hook"},
            "webhooks": [
                {"name": "x.example.org", "clientConfig": {"service": {"namespace": "hooks", "name": "hook"}}}
            ],
        },
        _pod(
            "ops",
            "operator",
            {"app": "op"},
            {"https": 10250, "metrics": 8080},
            **{"hearth.dev/role": "webhook", "hearth.dev/webhook-port": "https"},
        ),
        _pod("ops", "portless", {"app": "pl"}, {"https": 9443}, **{"hearth.dev/role": "webhook"}),
    ]
    intent = _intent(tmp_path, objects, [NODE])
    called = {flow for flow in intent.flows if flow.src == "10.0.0.1"}
    assert called == {Flow("10.0.0.1", "hooks/hook", 8443, "TCP"), Flow("10.0.0.1", "ops/operator", 10250, "TCP")}
    assert [(u.source, u.problem) for u in intent.unresolved] == [
        ("ops/portless", "no hearth.dev/webhook-port annotation names its port")
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("nonsense", "connects-to entry is not NS/SERVICE:PORT"),
        ("app/missing:http", "no such Service in manifests/ or cluster/"),
        ("app/site:nope", "Service app/site has no port 'nope'"),
        ("app/empty:http", "Service app/empty selects no pod"),
        ("app/site:bad", "no selected pod declares targetPort 'nosuch'"),
    ],
)
def test_unresolvable_connects_to(tmp_path: Path, entry: str, problem: str) -> None:
    """connects-to entries that point nowhere are reported, each with what is wrong."""
    objects = [
        _pod("app", "site", {"app": "site"}, {"http": 8080}),
        _service("app", "site", {"app": "site"}, [("http", 80, "http"), ("bad", 81, "nosuch")]),
        _service("app", "empty", {"app": "nothing"}, [("http", 80, 80)]),
        _pod("app", "client", {"app": "client"}, {}, **{"hearth.dev/connects-to": entry}),
    ]
    intent = _intent(tmp_path, objects)
    assert [(u.source, u.statement, u.problem) for u in intent.unresolved] == [("app/client", entry, problem)]


def test_connects_to_by_port_number_and_self_connections(tmp_path: Path) -> None:
    """A Service port may be named by number; a pod reaching its own Service is not a flow."""
    objects = [
        _pod("app", "site", {"app": "site"}, {"http": 8080}, **{"hearth.dev/connects-to": "app/site:80"}),
        _service("app", "site", {"app": "site"}, [("http", 80, "http")]),
        _pod("app", "client", {"app": "client"}, {}, **{"hearth.dev/connects-to": "app/site:80"}),
    ]
    assert set(_intent(tmp_path, objects).flows) == {Flow("app/client", "app/site", 8080, "TCP")}


def test_sides_tells_which_policy_denies() -> None:
    """ReachMatrix.sides: (egress allows, ingress admits), for explaining missing flows."""
    docs = [
        _pod("x", "a", {"app": "a"}, {"http": 80}),
        _pod("x", "b", {"app": "b"}, {"http": 80}),
        _pod("y", "c", {"app": "c"}, {"http": 80}),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "deny-b-ingress", "namespace": "x"},
            "spec": {"podSelector": {"matchLabels": {"app": "b"}}},
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "c-egress-to-a", "namespace": "y"},
            "spec": {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "a"}}, "namespaceSelector": {}}]}],
            },
        },
    ]
    matrix = build_matrix(docs)
    assert matrix.sides("x/a", "x/b", 80) == (True, False)
    assert matrix.sides("y/c", "x/b", 80) == (False, False)
    assert matrix.sides("y/c", "x/a", 80) == (True, True)
    assert matrix.sides("x/a", "y/c", 80, "tcp") == (True, True)
