"""Zero trust: the flows the manifests mean (intent) against the flows the NetworkPolicies allow.

Intent is read from Kubernetes and CRD semantics and the few ``hearth.dev`` annotations of the manifest
contract, never from the catalog. An intended flow is ``(source endpoint, destination endpoint, container port,
protocol)``, endpoints named as :mod:`hearth.verify.reach` names them. The rules:

* ``hearth.dev/connects-to`` on any pod template (workloads, Helm test Pods, backup CronJobs, stand-ins):
  ``NS/SERVICE:PORT`` reaches the pods the Service selects, on the ``targetPort`` of that Service port
  (a named ``targetPort`` is looked up on each selected pod). This is how Helm tests reach what they probe and
  backup jobs reach their database and store.
* every pod reaches the pods of Service ``kube-system/kube-dns`` on its port-53 ports (UDP and TCP).
* pods with ``hearth.dev/role: ingress-controller`` reach every Service of every Traefik ``IngressRoute``
  (``IngressRouteTCP``/``UDP`` too, and plain ``Ingress`` backends) and every ``forwardAuth`` Middleware address.
* pods with ``hearth.dev/role: metrics-scraper`` reach every ``ServiceMonitor`` and ``PodMonitor`` endpoint.
* pods with ``vault.hashicorp.com/agent-inject: "true"`` and a ``vault.hashicorp.com/service`` address reach
  that Service (without the address the agent uses the injector's setting, which no manifest shows: then the
  pod's own connects-to is all there is, and the report counts such pods).
* the API server, i.e. the InternalIPs of control-plane Nodes, reaches the Services of Validating/Mutating
  webhook configurations, and pods with ``hearth.dev/role: webhook`` on the container ports listed in their
  ``hearth.dev/webhook-port`` annotation (names or numbers, comma-separated).

The allowed flows come from :func:`hearth.verify.reach.build_matrix` over ``manifests/`` and ``cluster/`` with
the control-plane IPs as outside peers, probed on the ports the endpoints declare. A flow allowed but not
intended is EXTRA, one intended but not allowed is MISSING; both fail. Self-connections are ignored. Extra flows
into namespaces hearth does not render (no ``Namespace`` in ``manifests/``, e.g. ``kube-system``) are listed
apart as ``unmanaged``: hearth writes no policies there. Intent that points nowhere (an unknown Service or port)
is UNRESOLVED and fails too: it is a broken manifest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from rich.table import Table

from hearth.verify.audit import ANNOTATION, Build, PodTemplate, ServiceInfo, selector_matches
from hearth.verify.manifests import Document
from hearth.verify.reach import ReachMatrix, build_matrix

__all__ = ["Flow", "FlowFinding", "Unresolved", "ZeroTrust", "audit_zero_trust", "intended_flows"]

WEBHOOK_PORT = f"{ANNOTATION}/webhook-port"
VAULT_INJECT = "vault.hashicorp.com/agent-inject"
VAULT_SERVICE = "vault.hashicorp.com/service"
_TRAEFIK_GROUPS = ("traefik.io/", "traefik.containo.us/")
_MONITORING_GROUP = "monitoring.coreos.com/"
_WEBHOOK_CONFIGS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")


@dataclass(frozen=True, order=True)
class Flow:
    """A connection: ``src`` may open ``port/protocol`` on ``dst``."""

    src: str
    dst: str
    port: int
    protocol: str

    def __str__(self) -> str:
        return f"{self.src} -> {self.dst} {self.port}/{self.protocol}"


@dataclass(frozen=True)
class FlowFinding:
    """An extra or missing flow, with why it is intended (if it is) and which policy side decides it."""

    flow: Flow
    reasons: tuple[str, ...]
    cause: str

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape: from, to, port, protocol, reasons, cause."""
        return {
            "from": self.flow.src,
            "to": self.flow.dst,
            "port": self.flow.port,
            "protocol": self.flow.protocol,
            "reasons": list(self.reasons),
            "cause": self.cause,
        }


@dataclass(frozen=True, order=True)
class Unresolved:
    """Intent that could not be resolved to pods and ports: where it was stated and what is wrong."""

    source: str
    statement: str
    problem: str

    def to_json(self) -> dict[str, str]:
        """Stable JSON shape."""
        return {"source": self.source, "statement": self.statement, "problem": self.problem}


@dataclass
class Intent:
    """Intended flows with their reasons, plus what could not be resolved and notes on unread intent."""

    flows: dict[Flow, set[str]] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, flow: Flow, reason: str) -> None:
        """Record an intended flow (self-connections are dropped)."""
        if flow.src != flow.dst:
            self.flows.setdefault(flow, set()).add(reason)


# --------------------------------------------------------------------------- resolving references


def _service_targets(
    build: Build, intent: Intent, where: str, statement: str, service: ServiceInfo | None, port_ref: str | int
) -> list[tuple[PodTemplate, int, str]]:
    """Pods and container ports behind a Service port; records an Unresolved entry when there are none."""
    if service is None:
        intent.unresolved.append(Unresolved(where, statement, "no such Service in manifests/ or cluster/"))
        return []
    port = service.port(port_ref)
    if port is None:
        intent.unresolved.append(Unresolved(where, statement, f"Service {service.key} has no port {port_ref!r}"))
        return []
    targets = build.target_ports(service, port)
    if not targets:
        problem = (
            f"Service {service.key} selects no pod"
            if not build.service_pods(service)
            else f"no selected pod declares targetPort {port.target!r}"
        )
        intent.unresolved.append(Unresolved(where, statement, problem))
    return targets


def _address_service(build: Build, address: str, namespace: str) -> tuple[ServiceInfo | None, int | None]:
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


def _api_group(obj: dict[str, Any]) -> str:
    return str(obj.get("apiVersion", ""))


def _meta(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or "default"), str(meta.get("name", ""))


# --------------------------------------------------------------------------- intent rules


def _connects_to(build: Build, intent: Intent) -> None:
    for pod in build.pods:
        for entry in pod.connects_to:
            ref, colon, port = entry.rpartition(":")
            namespace, slash, name = ref.partition("/")
            if not (colon and slash and namespace and name and port):
                intent.unresolved.append(Unresolved(pod.endpoint, entry, "connects-to entry is not NS/SERVICE:PORT"))
                continue
            service = build.services_by_key.get(f"{namespace}/{name}")
            for dst, number, protocol in _service_targets(build, intent, pod.endpoint, entry, service, port):
                intent.add(Flow(pod.endpoint, dst.endpoint, number, protocol), f"connects-to {entry}")


def _dns(build: Build, intent: Intent) -> None:
    service = build.services_by_key.get("kube-system/kube-dns")
    if service is None:
        intent.notes.append("no Service kube-system/kube-dns in cluster/: DNS intent not measured")
        return
    targets = [t for p in service.ports if p.port == 53 for t in build.target_ports(service, p)]
    if not targets:
        intent.unresolved.append(Unresolved("kube-system/kube-dns", "DNS", "kube-dns selects no pod serving 53"))
    for pod in build.pods:
        for dst, number, protocol in targets:
            intent.add(Flow(pod.endpoint, dst.endpoint, number, protocol), "DNS")


def _with_role(build: Build, role: str) -> list[PodTemplate]:
    return [pod for pod in build.pods if role in pod.roles]


_Route = tuple[str, str, ServiceInfo | None, str | int]  # where, statement, Service, Service port


def _traefik_routes(build: Build, doc: Document) -> list[_Route]:
    """Services of an IngressRoute (TCP/UDP too): ``routes[].services[]`` of kind Service."""
    namespace, name = _meta(doc.obj)
    out: list[_Route] = []
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


def _forward_auth(build: Build, doc: Document) -> list[_Route]:
    """The address of a Middleware's ``forwardAuth``, as a Service and port."""
    namespace, name = _meta(doc.obj)
    address = ((doc.obj.get("spec") or {}).get("forwardAuth") or {}).get("address")
    if not isinstance(address, str):
        return []
    service, number = _address_service(build, address, namespace)
    statement = f"Middleware {namespace}/{name} forwardAuth {address}"
    return [(f"{namespace}/{name}", statement, service, number if number is not None else "")]


def _ingress_backends(build: Build, doc: Document) -> list[_Route]:
    """Service backends of a networking.k8s.io Ingress (default backend and every path)."""
    namespace, name = _meta(doc.obj)
    spec = doc.obj.get("spec") or {}
    backends = [spec.get("defaultBackend")] + [
        (path or {}).get("backend")
        for rule in spec.get("rules") or []
        for path in ((rule or {}).get("http") or {}).get("paths") or []
    ]
    out: list[_Route] = []
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


def _routing(build: Build, intent: Intent) -> None:
    routers = _with_role(build, "ingress-controller")
    routes: list[_Route] = []
    for doc in build.documents:
        group = _api_group(doc.obj)
        if group.startswith(_TRAEFIK_GROUPS) and doc.kind in ("IngressRoute", "IngressRouteTCP", "IngressRouteUDP"):
            routes += _traefik_routes(build, doc)
        elif group.startswith(_TRAEFIK_GROUPS) and doc.kind == "Middleware":
            routes += _forward_auth(build, doc)
        elif doc.kind == "Ingress" and group.startswith("networking.k8s.io/"):
            routes += _ingress_backends(build, doc)
    if routes and not routers:
        intent.notes.append(
            f"{len(routes)} IngressRoute/Middleware/Ingress targets, but no pod has hearth.dev/role: "
            "ingress-controller: routing intent is only what the router's connects-to states"
        )
    for where, statement, service, ref in routes:
        for dst, number, protocol in _service_targets(build, intent, where, statement, service, ref):
            for router in routers:
                intent.add(Flow(router.endpoint, dst.endpoint, number, protocol), statement)


def _namespaces_of(selector: dict[str, Any] | None, own: str) -> set[str] | None:
    """Namespaces a monitor's ``namespaceSelector`` covers (None: all)."""
    selector = selector or {}
    if selector.get("any"):
        return None
    names = selector.get("matchNames")
    return {str(n) for n in names} if names else {own}


def _scraping(build: Build, intent: Intent) -> None:
    scrapers = _with_role(build, "metrics-scraper")
    monitors = [d for d in build.documents if _api_group(d.obj).startswith(_MONITORING_GROUP)]
    targets: list[tuple[str, PodTemplate, int, str]] = []
    for doc in monitors:
        namespace, name = _meta(doc.obj)
        spec = doc.obj.get("spec") or {}
        namespaces = _namespaces_of(spec.get("namespaceSelector"), namespace)
        where = f"{doc.kind} {namespace}/{name}"
        if doc.kind == "ServiceMonitor":
            services = [
                s
                for s in build.services
                if (namespaces is None or s.namespace in namespaces)
                and selector_matches(spec.get("selector"), s.labels)
            ]
            if not services:
                intent.unresolved.append(Unresolved(f"{namespace}/{name}", where, "selects no Service"))
            for endpoint in spec.get("endpoints") or []:
                endpoint = endpoint or {}
                for service in services:
                    if endpoint.get("port") is not None:
                        for dst, number, protocol in _service_targets(
                            build,
                            intent,
                            f"{namespace}/{name}",
                            f"{where} port {endpoint['port']}",
                            service,
                            str(endpoint["port"]),
                        ):
                            targets.append((where, dst, number, protocol))
                    elif endpoint.get("targetPort") is not None:
                        targets += _pod_port_targets(
                            build, intent, where, build.service_pods(service), endpoint["targetPort"]
                        )
        elif doc.kind == "PodMonitor":
            pods = [
                p
                for p in build.pods
                if (namespaces is None or p.namespace in namespaces)
                and selector_matches(spec.get("selector"), p.labels)
            ]
            for endpoint in spec.get("podMetricsEndpoints") or []:
                endpoint = endpoint or {}
                ref = endpoint.get("port", endpoint.get("targetPort"))
                if ref is not None:
                    targets += _pod_port_targets(build, intent, where, pods, ref)
    if targets and not scrapers:
        intent.notes.append(
            f"{len(monitors)} ServiceMonitors/PodMonitors, but no pod has hearth.dev/role: metrics-scraper: "
            "scraping intent is only what the scraper's connects-to states"
        )
    for where, dst, number, protocol in targets:
        for scraper in scrapers:
            intent.add(Flow(scraper.endpoint, dst.endpoint, number, protocol), where)


def _pod_port_targets(
    build: Build, intent: Intent, where: str, pods: list[PodTemplate], ref: object
) -> list[tuple[str, PodTemplate, int, str]]:
    out = []
    for pod in pods:
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            number = int(ref)
            declared = next((p for p in pod.ports if p.number == number), None)
            out.append((where, pod, number, declared.protocol if declared else "TCP"))
        else:
            named = pod.port_named(str(ref))
            if named is None:
                intent.unresolved.append(Unresolved(pod.endpoint, f"{where} port {ref}", "pod declares no such port"))
            else:
                out.append((where, pod, named.number, named.protocol))
    return out


def _vault(build: Build, intent: Intent) -> None:
    without = []
    for pod in build.pods:
        if pod.annotations.get(VAULT_INJECT, "").lower() != "true":
            continue
        address = pod.annotations.get(VAULT_SERVICE)
        if address is None:
            without.append(pod.endpoint)
            continue
        service, port = _address_service(build, address, pod.namespace)
        statement = f"{VAULT_SERVICE}: {address}"
        for dst, number, protocol in _service_targets(build, intent, pod.endpoint, statement, service, port or ""):
            intent.add(Flow(pod.endpoint, dst.endpoint, number, protocol), "Vault Agent")
    if without:
        intent.notes.append(
            f"{len(without)} pods use the Vault Agent injector without {VAULT_SERVICE}: their Vault connection is "
            "only what their connects-to states"
        )


def _webhooks(build: Build, intent: Intent) -> None:
    sources = build.control_plane_ips
    calls: list[tuple[str, PodTemplate, int, str]] = []
    for doc in build.documents:
        if doc.kind not in _WEBHOOK_CONFIGS:
            continue
        _, name = _meta(doc.obj)
        for hook in doc.obj.get("webhooks") or []:
            service = ((hook or {}).get("clientConfig") or {}).get("service")
            if not service:
                continue
            key = f"{service.get('namespace', 'default')}/{service.get('name')}"
            statement = f"{doc.kind} {name} -> {key}:{service.get('port', 443)}"
            for dst, number, protocol in _service_targets(
                build, intent, name, statement, build.services_by_key.get(key), int(service.get("port", 443))
            ):
                calls.append((statement, dst, number, protocol))
    for pod in _with_role(build, "webhook"):
        refs = [r.strip() for r in pod.annotations.get(WEBHOOK_PORT, "").split(",") if r.strip()]
        if not refs:
            intent.unresolved.append(
                Unresolved(pod.endpoint, "hearth.dev/role: webhook", f"no {WEBHOOK_PORT} annotation names its port")
            )
        for ref in refs:
            calls += _pod_port_targets(build, intent, f"webhook {pod.endpoint}", [pod], ref)
    if calls and not sources:
        intent.notes.append("webhooks present, but no control-plane Node in cluster/nodes.yaml to call them from")
    for statement, dst, number, protocol in calls:
        for ip in sources:
            intent.add(Flow(ip, dst.endpoint, number, protocol), statement)


def intended_flows(build: Build) -> Intent:
    """Every flow the manifests mean, with the reasons, by the rules in this module's docstring."""
    intent = Intent()
    for rule in (_connects_to, _dns, _routing, _scraping, _vault, _webhooks):
        rule(build, intent)
    intent.unresolved = sorted(set(intent.unresolved))
    return intent


# --------------------------------------------------------------------------- the comparison


@dataclass
class ZeroTrust:
    """Section 1 of ``hearth check``: extra, missing and unresolved flows."""

    endpoints: int
    policies: int
    peers: list[str]
    intended: int
    allowed: int
    extra: list[FlowFinding]
    missing: list[FlowFinding]
    unmanaged: list[FlowFinding]
    unresolved: list[Unresolved]
    notes: list[str]

    @property
    def failed(self) -> bool:
        """Any extra, missing or unresolved flow."""
        return bool(self.extra or self.missing or self.unresolved)

    def summary(self) -> str:
        """One line."""
        return (
            f"{self.endpoints} endpoints, {self.policies} NetworkPolicies: {self.intended} intended and "
            f"{self.allowed} allowed flows; {len(self.extra)} extra, {len(self.missing)} missing, "
            f"{len(self.unresolved)} unresolved"
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape of the section."""
        return {
            "status": "fail" if self.failed else "pass",
            "summary": self.summary(),
            "endpoints": self.endpoints,
            "policies": self.policies,
            "peers": self.peers,
            "intended": self.intended,
            "allowed": self.allowed,
            "extra": [f.to_json() for f in self.extra],
            "missing": [f.to_json() for f in self.missing],
            "unmanaged": [f.to_json() for f in self.unmanaged],
            "unresolved": [u.to_json() for u in self.unresolved],
            "notes": self.notes,
        }

    def tables(self) -> Iterator[Table]:
        """Rich tables: extra, missing, unmanaged and unresolved (only the non-empty ones)."""
        for title, rows in (("EXTRA flows (allowed, not intended)", self.extra), ("MISSING flows", self.missing)):
            if rows:
                table = Table(title=title, title_justify="left")
                for column in ("From", "To", "Port", "Why intended / cause"):
                    table.add_column(column)
                for finding in rows:
                    why = "; ".join(finding.reasons) if finding.reasons else ""
                    table.add_row(
                        finding.flow.src,
                        finding.flow.dst,
                        f"{finding.flow.port}/{finding.flow.protocol}",
                        f"{why} [{finding.cause}]" if why else finding.cause,
                    )
                yield table
        if self.unmanaged:
            table = Table(title="Allowed into namespaces hearth does not manage (not failures)", title_justify="left")
            for column in ("From", "To", "Port", "Cause"):
                table.add_column(column)
            for finding in self.unmanaged:
                f = finding.flow
                table.add_row(f.src, f.dst, f"{f.port}/{f.protocol}", finding.cause)
            yield table
        if self.unresolved:
            table = Table(title="UNRESOLVED intent", title_justify="left")
            for column in ("Where", "Statement", "Problem"):
                table.add_column(column)
            for item in self.unresolved:
                table.add_row(item.source, item.statement, item.problem)
            yield table


def _extra_cause(matrix: ReachMatrix, pods: frozenset[str], flow: Flow) -> str:
    """Why an extra flow is allowed, as far as isolation tells: an unisolated side, or admitting rules."""
    causes = []
    if not matrix.ingress_isolated(flow.dst):
        causes.append("destination not ingress-isolated")
    if flow.src in pods and not matrix.egress_isolated(flow.src):
        causes.append("source not egress-isolated")
    return ", ".join(causes) or "a policy on each side admits it"


def _missing_cause(matrix: ReachMatrix, flow: Flow) -> str:
    egress, ingress = matrix.sides(flow.src, flow.dst, flow.port, flow.protocol)
    denied = [side for side, ok in (("source egress", egress), ("destination ingress", ingress)) if not ok]
    return f"denied by {' and '.join(denied)}" if denied else "denied"


def audit_zero_trust(build: Build, matrix: ReachMatrix | None = None) -> ZeroTrust:
    """Compare intended with allowed flows over the build (``matrix``: a prebuilt one, for benchmarks)."""
    peers = build.control_plane_ips
    if matrix is None:
        matrix = build_matrix(build.documents, None, peers)
    intent = intended_flows(build)
    known = {e.name for e in matrix.endpoints}
    unresolved = list(intent.unresolved)
    for flow in sorted(intent.flows):
        for name in (flow.src, flow.dst):
            if name not in known:  # pragma: no cover - every pod template is an endpoint of the matrix
                unresolved.append(Unresolved(name, str(flow), "not an endpoint of the reachability matrix"))
    allowed = {Flow(c.src, c.dst, c.port, c.protocol) for c in matrix.allowed_flows()}
    pods = frozenset(e.name for e in matrix.endpoints if e.namespace is not None)
    managed = set(build.namespaces_rendered)
    extra: list[FlowFinding] = []
    unmanaged: list[FlowFinding] = []
    for flow in sorted(allowed - intent.flows.keys()):
        finding = FlowFinding(flow, (), _extra_cause(matrix, pods, flow))
        namespace = flow.dst.split("/", 1)[0]
        (unmanaged if managed and namespace not in managed else extra).append(finding)
    missing = [
        FlowFinding(flow, tuple(sorted(intent.flows[flow])), _missing_cause(matrix, flow))
        for flow in sorted(intent.flows)
        if flow.src in known and flow.dst in known and not matrix.allowed(flow.src, flow.dst, flow.port, flow.protocol)
    ]
    policies = sum(1 for doc in build.documents if doc.kind == "NetworkPolicy")
    return ZeroTrust(
        endpoints=len(matrix.endpoints),
        policies=policies,
        peers=peers,
        intended=len(intent.flows),
        allowed=len(allowed),
        extra=extra,
        missing=missing,
        unmanaged=unmanaged,
        unresolved=sorted(set(unresolved)),
        notes=intent.notes,
    )
