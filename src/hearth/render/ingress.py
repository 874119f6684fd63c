"""Routing people to web apps: a Traefik IngressRoute per component with ``web``, and forward-auth Middleware.

Providers are found by capability (``ingress``, ``oidc``, ``certificates``), never by name. The IngressRoute
lives in the component's namespace and names the component's own Service: for an upstream-chart component, the
Service of the pod that carries ``web.port``. Its TLS secret is the one the component's Certificate
(``hearth.render.tls``) fills.

Each port a component lists in ``public_tcp`` (mail: SMTP, submission, IMAPS) gets an ``IngressRouteTCP`` on the
router's entrypoint whose Service port is that port (``hearth.resolve.endpoints.tcp_entrypoint``), matching any SNI
(``HostSNI(`*`)``, the only rule a non-TLS TCP router takes) and passing the bytes through to the component's
Service: TLS (implicit or STARTTLS) stays end to end with the mail server. Where the component maps the port in
``proxy_protocol`` (a listener of its own that reads a PROXY protocol header), the route goes to that port instead,
through a ``ServersTransportTCP`` with ``proxyProtocol.version: 2`` (traefik.io/v1alpha1, the CRD provider's form of
``tcp.serversTransports``), so the application sees the client's address the router read from the gateway's header.

Forward-auth apps get a ``Middleware`` in their own namespace, since Traefik's CRD provider refuses
cross-namespace references unless ``allowCrossNamespace`` is set. It points at the identity provider's
embedded outpost, as authentik documents for Traefik on Kubernetes
(goauthentik/authentik website/docs/add-secure-apps/providers/proxy/_traefik_ingress.md, and
docs.goauthentik.io/add-secure-apps/providers/proxy/server_traefik/). The outpost is meant to run in
domain-level mode, so its callbacks go to the identity provider's own host and no per-app
``/outpost.goauthentik.io/`` route (which would need a cross-namespace Service) is needed.
"""

from __future__ import annotations

from typing import Any

from hearth.catalog.models import Component
from hearth.render.bootstrap_tls import serves_tls, trust_secret
from hearth.render.model import Manifest
from hearth.resolve.endpoints import pod_with_port, provider_endpoint, providers, tcp_entrypoint
from hearth.resolve.pods import standard_labels
from hearth.resolve.records import Resolved

TRAEFIK_API = "traefik.io/v1alpha1"
# The PROXY protocol version the router sends ahead of a proxied TCP route (v2: binary, IPv4 and IPv6).
PROXY_PROTOCOL_VERSION = 2
ENTRY_POINT = "websecure"
# authentik's embedded outpost answers forward-auth for Traefik on this path of its HTTP port (9000).
OUTPOST_PATH = "/outpost.goauthentik.io/auth/traefik"
AUTH_RESPONSE_HEADERS = [
    "X-authentik-username",
    "X-authentik-groups",
    "X-authentik-email",
    "X-authentik-name",
    "X-authentik-uid",
]


def fqdn(resolved: Resolved, component: Component) -> str | None:
    """The public host name of a web component: ``<web.host>.<platform.domain>``."""
    if component.web is None:
        return None
    return f"{component.web.host}.{resolved.catalog.platform.domain}"


def tls_secret_name(component: Component) -> str:
    """The Secret the component's Certificate fills and its IngressRoute serves."""
    return f"{component.name}-tls"


def _labels(component: Component) -> dict[str, str]:
    labels = standard_labels(component)
    return dict(sorted(labels.items()))


def forward_auth_middleware(resolved: Resolved, component: Component) -> Manifest | None:
    """The forwardAuth Middleware for a ``forward-auth`` app, or None when it is not one or no IdP exists."""
    if component.web is None or component.web.sso != "forward-auth":
        return None
    idp = provider_endpoint(resolved, "oidc")
    if idp is None:
        return None
    address = (
        f"http://{idp.pod.service}.{idp.pod.namespace}.svc.cluster.local:{idp.pod.service_port(idp.port)}{OUTPOST_PATH}"
    )
    return {
        "apiVersion": TRAEFIK_API,
        "kind": "Middleware",
        "metadata": {
            "name": f"{component.name}-forward-auth",
            "namespace": component.namespace,
            "labels": _labels(component),
        },
        "spec": {
            "forwardAuth": {
                "address": address,
                "trustForwardHeader": True,
                "authResponseHeaders": list(AUTH_RESPONSE_HEADERS),
            }
        },
    }


def ingress_route(resolved: Resolved, component: Component, middleware: Manifest | None) -> Manifest | None:
    """The IngressRoute for a web component, or None when it has no web port or no router exists."""
    host = fqdn(resolved, component)
    if component.web is None or host is None or not providers(resolved, "ingress"):
        return None
    target = pod_with_port(resolved, component, component.web.port)
    if target is None:
        return None
    pod, port = target
    service: dict[str, Any] = {"kind": "Service", "name": pod.service, "namespace": pod.namespace}
    service["port"] = pod.service_port(port)
    if serves_tls(component, component.web.port):
        service |= {"scheme": "https", "serversTransport": backend_transport_name(component)}
    if component.web.internal_service is not None:
        service = {"kind": "TraefikService", "name": component.web.internal_service}
    route: dict[str, Any] = {"kind": "Rule", "match": f"Host(`{host}`)", "services": [service]}
    if middleware is not None:
        route["middlewares"] = [{"name": middleware["metadata"]["name"], "namespace": component.namespace}]
    spec: dict[str, Any] = {"entryPoints": [ENTRY_POINT], "routes": [route]}
    if providers(resolved, "certificates"):
        spec["tls"] = {"secretName": tls_secret_name(component)}
    return {
        "apiVersion": TRAEFIK_API,
        "kind": "IngressRoute",
        "metadata": {"name": component.name, "namespace": component.namespace, "labels": _labels(component)},
        "spec": spec,
    }


def proxy_transport_name(component: Component) -> str:
    """The component's ServersTransportTCP: the router's PROXY protocol v2 hop to its proxied listeners."""
    return f"{component.name}-proxy-protocol"


def proxy_transport(component: Component) -> Manifest:
    """The ServersTransportTCP the component's proxied TCP routes use: a PROXY v2 header before the bytes."""
    return {
        "apiVersion": TRAEFIK_API,
        "kind": "ServersTransportTCP",
        "metadata": {
            "name": proxy_transport_name(component),
            "namespace": component.namespace,
            "labels": _labels(component),
        },
        "spec": {"proxyProtocol": {"version": PROXY_PROTOCOL_VERSION}},
    }


def tcp_routes(resolved: Resolved, component: Component) -> list[Manifest]:
    """One IngressRouteTCP per ``public_tcp`` port that has a router entrypoint, to the port's proxied listener
    (with the PROXY v2 transport, rendered once) when ``proxy_protocol`` maps it; none without a router."""
    out: list[Manifest] = []
    proxied = False
    for port_name in component.public_tcp if providers(resolved, "ingress") else []:
        target = pod_with_port(resolved, component, port_name)
        entry = tcp_entrypoint(resolved, target[1].port) if target is not None else None
        backend_name = component.proxy_protocol.get(port_name)
        backend = pod_with_port(resolved, component, backend_name) if backend_name is not None else target
        if target is None or entry is None or backend is None:
            continue
        pod, port = backend
        service: dict[str, Any] = {"name": pod.service, "namespace": pod.namespace, "port": pod.service_port(port)}
        if backend_name is not None:
            service["serversTransport"] = proxy_transport_name(component)
            proxied = True
        out.append(
            {
                "apiVersion": TRAEFIK_API,
                "kind": "IngressRouteTCP",
                "metadata": {
                    "name": f"{component.name}-{port_name}",
                    "namespace": component.namespace,
                    "labels": _labels(component),
                },
                "spec": {
                    "entryPoints": [entry.port.name],
                    "routes": [{"match": "HostSNI(`*`)", "services": [service]}],
                },
            }
        )
    return [proxy_transport(component), *out] if proxied else out


def backend_transport_name(component: Component) -> str:
    """The ServersTransport Traefik reaches a TLS backend through: ``<component>-backend``."""
    return f"{component.name}-backend"


def backend_transport(resolved: Resolved, component: Component) -> Manifest | None:
    """A ServersTransport verifying the web port's TLS with the bootstrap CA (Traefik v3 ``rootCAs``) when the
    component's listener serves TLS from it, under a name its certificate carries; None otherwise."""
    target = pod_with_port(resolved, component, component.web.port) if component.web else None
    if component.web is None or target is None or not serves_tls(component, component.web.port):
        return None
    pod = target[0]
    return {
        "apiVersion": TRAEFIK_API,
        "kind": "ServersTransport",
        "metadata": {
            "name": backend_transport_name(component),
            "namespace": component.namespace,
            "labels": _labels(component),
        },
        "spec": {"serverName": f"{pod.service}.{pod.namespace}.svc", "rootCAs": [{"secret": trust_secret(component)}]},
    }


def render_ingress(resolved: Resolved, component: Component) -> list[Manifest]:
    """The IngressRoute (and forward-auth Middleware, and a TLS backend's ServersTransport) of a web component,
    and its raw TCP routes."""
    middleware = forward_auth_middleware(resolved, component)
    route = ingress_route(resolved, component, middleware)
    transport = backend_transport(resolved, component) if route is not None else None
    routes = [m for m in (middleware, transport, route) if m is not None] if route is not None else []
    return routes + tcp_routes(resolved, component)
