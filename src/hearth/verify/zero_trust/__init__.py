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

The rules are in :mod:`hearth.verify.zero_trust.rules` (routes into the cluster:
:mod:`hearth.verify.zero_trust.routes`), the records in :mod:`hearth.verify.zero_trust.flows`; this module
compares and reports, and re-exports them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from rich.table import Table

from hearth.verify.build.model import Build
from hearth.verify.reach import ReachMatrix
from hearth.verify.tables import titled_table
from hearth.verify.zero_trust.flows import Flow, FlowFinding, Intent, Unresolved
from hearth.verify.zero_trust.rules import intended_flows

__all__ = ["Flow", "FlowFinding", "Intent", "Unresolved", "ZeroTrust", "audit_zero_trust", "intended_flows"]


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
    # The measured flows themselves (not in the JSON, which carries counts): the reachability matrix's allowed
    # flows and the intended ones, for pictures such as the heat map of ``hearth docs``.
    flows_allowed: list[Flow] = field(default_factory=list)
    flows_intended: list[Flow] = field(default_factory=list)

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
                table = titled_table(title, ("From", "To", "Port", "Why intended / cause"))
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
            table = titled_table(
                "Allowed into namespaces hearth does not manage (not failures)", ("From", "To", "Port", "Cause")
            )
            for finding in self.unmanaged:
                f = finding.flow
                table.add_row(f.src, f.dst, f"{f.port}/{f.protocol}", finding.cause)
            yield table
        if self.unresolved:
            table = titled_table("UNRESOLVED intent", ("Where", "Statement", "Problem"))
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
        matrix = build.reach(peers)
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
        flows_allowed=sorted(allowed),
        flows_intended=sorted(intent.flows),
    )
