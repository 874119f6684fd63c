"""The Services an ingress controller routes to: Traefik IngressRoutes and forwardAuth Middlewares, Ingresses.

Each route is ``(where, statement, Service, Service port)``: the object stating it (``namespace/name``), a line
for the report, the Service it names (None when the build has no such Service) and the port it names.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hearth.verify.build.fields import api_version, name_of, namespace_of
from hearth.verify.build.manifests import Document
from hearth.verify.build.model import Build, ServiceInfo

__all__ = ["Route", "address_service", "routes"]

_TRAEFIK_GROUPS = ("traefik.io/", "traefik.containo.us/")
Route = tuple[str, str, ServiceInfo | None, str | int]  # where, statement, Service, Service port


def address_service(build: Build, address: str, namespace: str) -> tuple[ServiceInfo | None, int | None]:
    """The Service and port of an in-cluster URL (``http://svc.ns.svc.cluster.local:9000/path``)."""
    try:
        parts = urlsplit(address if "://" in address else f"http://{address}")
        port = parts.port
    except ValueError:
        return None, None
    host = (parts.hostname or "").split(".")
    if not host or not host[0]:
        return None, None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    service_ns = host[1] if len(host) > 1 and host[1] != "svc" else namespace
    return build.services_by_key.get(f"{service_ns}/{host[0]}"), port


def _traefik_routes(build: Build, doc: Document) -> list[Route]:
    """Services of an IngressRoute (TCP/UDP too): ``routes[].services[]`` of kind Service."""
    namespace, name = namespace_of(doc.obj), name_of(doc.obj)
    out: list[Route] = []
    for route in (doc.obj.get("spec") or {}).get("routes") or []:
        for svc in (route or {}).get("services") or []:
            svc = svc or {}
            if svc.get("kind", "Service") != "Service":
                continue
            key = f"{svc.get('namespace') or namespace}/{svc.get('name')}"
            ref: str | int = svc.get("port", "")
            statement = f"{doc.kind} {namespace}/{name} -> {key}:{ref}"
            out.append((f"{namespace}/{name}", statement, build.services_by_key.get(key), ref))
    return out


def _forward_auth(build: Build, doc: Document) -> list[Route]:
    """The address of a Middleware's ``forwardAuth``, as a Service and port."""
    namespace, name = namespace_of(doc.obj), name_of(doc.obj)
    address = ((doc.obj.get("spec") or {}).get("forwardAuth") or {}).get("address")
    if not isinstance(address, str):
        return []
    service, number = address_service(build, address, namespace)
    statement = f"Middleware {namespace}/{name} forwardAuth {address}"
    return [(f"{namespace}/{name}", statement, service, number if number is not None else "")]


def _ingress_backends(build: Build, doc: Document) -> list[Route]:
    """Service backends of a networking.k8s.io Ingress (default backend and every path)."""
    namespace, name = namespace_of(doc.obj), name_of(doc.obj)
    spec = doc.obj.get("spec") or {}
    backends = [spec.get("defaultBackend")] + [
        (path or {}).get("backend")
        for rule in spec.get("rules") or []
        for path in ((rule or {}).get("http") or {}).get("paths") or []
    ]
    out: list[Route] = []
    for backend in backends:
        svc = (backend or {}).get("service")
        if not svc:
            continue
        port = svc.get("port") or {}
        ref: str | int = port.get("number") or port.get("name") or ""
        key = f"{namespace}/{svc.get('name')}"
        statement = f"Ingress {namespace}/{name} -> {key}:{ref}"
        out.append((f"{namespace}/{name}", statement, build.services_by_key.get(key), ref))
    return out


def routes(build: Build) -> list[Route]:
    """Every route of the build's IngressRoutes (TCP/UDP too), forwardAuth Middlewares and Ingresses."""
    found: list[Route] = []
    for doc in build.documents:
        group = api_version(doc.obj)
        if group.startswith(_TRAEFIK_GROUPS) and doc.kind in ("IngressRoute", "IngressRouteTCP", "IngressRouteUDP"):
            found += _traefik_routes(build, doc)
        elif group.startswith(_TRAEFIK_GROUPS) and doc.kind == "Middleware":
            found += _forward_auth(build, doc)
        elif doc.kind == "Ingress" and group.startswith("networking.k8s.io/"):
            found += _ingress_backends(build, doc)
    return found
