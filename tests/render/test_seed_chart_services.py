"""The seed's routes to upstream charts name a Service the chart really creates, on a port that Service has.

Traefik's CRD provider resolves an IngressRoute service by the Service's name and one of its ``port`` values, and a
forward-auth Middleware's address by cluster DNS: a Service named after the release alone, or a container port the
Service does not listen on, leaves the route (or every forward-auth app) without a backend.
"""

from __future__ import annotations

from typing import Any

import pytest

from hearth.catalog.loader import load_catalog
from hearth.render.ingress import forward_auth_middleware, ingress_route
from hearth.render.platform import render_platform
from hearth.resolve import resolve

# What each chart's templates name the Service of the web pod, and the values key of that Service's port (with
from hearth.resolve.records import Resolved

# the chart's default when hearth's values leave it unset).
#  - authentik 2026.8.0 templates/server/service.yaml: authentik.server.fullname = "<fullname>-server"; port
#    server.service.servicePortHttp (values.yaml default 80).
#  - consul 2.0.3 templates/server-service.yaml: "<fullname>-server", port http 8500 (TLS off).
#  - kube-prometheus-stack 88.5.3, grafana subchart 12.11.1 templates/service.yaml: grafana.fullname =
#    "<release>-grafana"; port grafana.service.port (charts/grafana/values.yaml default 80, targetPort 3000).
#  - gitlab 9.8.4 charts/webservice/templates/service.yaml: "<release>-webservice-default", workhorse port 8181.
#  - harbor templates/nginx/service.yaml: expose.clusterIP.name; port expose.clusterIP.ports.httpPort (default 80).
#  - nextcloud 9.2.4 templates/service.yaml: nextcloud.fullname; port service.port (values.yaml default 8080).
#  - coder helm/coder/templates/service.yaml: Service "coder", port 80 hardcoded (targetPort http).
#  - devtron-operator 0.23.3 charts/devtron/templates/devtron-service.yaml: "devtron-service" (hardcoded); port
#    components.devtron.service.port (values.yaml default 80, targetPort devtron 8080).
#  - supabase 0.7.2 charts/supabase/templates/kong/service.yaml: supabase.kong.fullname = "<release>-supabase-kong";
#    port service.kong.port (values.yaml default 8000).
#  - kestra 1.0.54 charts/kestra/templates/service.yaml: kestra.fullname (the release name when it contains
#    "kestra"); port service.ports.http.port (values.yaml default 8080).
#  - n8n 1.11.0 charts/n8n/templates/service-main.yaml: "<n8n.fullname>-main"; port service.port (values.yaml
#    default 5678).
#  - penpot 1.7.0 charts/penpot/templates/frontend-service.yml: penpot.fullname (the release name when it contains
#    "penpot"); port frontend.service.port (values.yaml default 8080).
#  - bytebase 1.1.5 helm-charts/bytebase/templates/service.yaml: "bytebase-entrypoint", port 80 hardcoded (targetPort
#    bytebase.option.port).
CHART_SERVICES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "authentik": ("authentik-server", ("server", "service", "servicePortHttp"), 80),
    "bytebase": ("bytebase-entrypoint", (), 80),
    "coder": ("coder", (), 80),
    "consul": ("consul-server", (), 8500),
    "devtron": ("devtron-service", ("components", "devtron", "service", "port"), 80),
    "gitlab": ("gitlab-webservice-default", (), 8181),
    "harbor": ("harbor", ("expose", "clusterIP", "ports", "httpPort"), 80),
    "kestra": ("kestra", ("service", "ports", "http", "port"), 8080),
    "monitoring": ("monitoring-grafana", ("grafana", "service", "port"), 80),
    "n8n": ("n8n-main", ("service", "port"), 5678),
    "nextcloud": ("nextcloud", ("service", "port"), 8080),
    "penpot": ("penpot", ("frontend", "service", "port"), 8080),
    "supabase": ("supabase-supabase-kong", ("service", "kong", "port"), 8000),
}


@pytest.fixture(scope="module")
def seed() -> Resolved:
    """The packaged seed platform, resolved."""
    return resolve(load_catalog(None))


def _service_port(values: dict[str, Any], path: tuple[str, ...], default: int) -> int:
    if not path:
        return default
    node: Any = values
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return int(node)


@pytest.mark.parametrize("name", sorted(CHART_SERVICES))
def test_route_names_the_charts_service_on_a_port_it_listens_on(seed: Resolved, name: str) -> None:
    service, path, default = CHART_SERVICES[name]
    component = seed.catalog.components[name]
    route = ingress_route(seed, component, None)
    assert route is not None
    (target,) = route["spec"]["routes"][0]["services"]
    assert target["name"] == service
    assert target["port"] == _service_port(render_platform(seed).upstream[name].values, path, default)


def test_forward_auth_reaches_the_authentik_server_service(seed: Resolved) -> None:
    service, path, default = CHART_SERVICES["authentik"]
    port = _service_port(seed.catalog.components["authentik"].install.values, path, default)
    apps = [c for c in seed.catalog.components.values() if c.web is not None and c.web.sso == "forward-auth"]
    assert apps
    for app in apps:
        middleware = forward_auth_middleware(seed, app)
        assert middleware is not None
        address = middleware["spec"]["forwardAuth"]["address"]
        assert address.startswith(f"http://{service}.service.svc.cluster.local:{port}/"), address
