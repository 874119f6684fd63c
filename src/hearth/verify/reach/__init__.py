"""NetworkPolicy reachability: which endpoint may open which connection to which.

This evaluates ``networking.k8s.io/v1`` NetworkPolicy semantics over any set of
Kubernetes manifests, independently of hearth's catalog, so that the policies
hearth renders can be checked against an implementation that did not write them.

Model. Every Pod, and every workload (Deployment, StatefulSet, DaemonSet,
ReplicaSet, ReplicationController, Job, CronJob) as one pod named after it, is an
endpoint ``namespace/name``; each ``--peer-ip`` is an endpoint outside the cluster
that only ``ipBlock`` peers match and that no policy selects. Endpoints are
numbered, and every set of endpoints is a Python ``int`` used as a bitset: the
pods a policy selects, the peers a rule admits, the pods declaring a named port.
The matrix is then, per destination and probed port, one bitset of allowed
sources computed with a handful of bit operations rather than a policy scan per
pair.

Semantics (as the API server defaults and the upstream e2e suite expects): a pod
is isolated for a direction iff a policy of its namespace selects it with that
direction in ``policyTypes`` (default ``[Ingress]``, plus ``Egress`` when the
policy has egress rules); allowed traffic is the union of the rules of all
policies selecting it; a connection is allowed iff the source's egress and the
destination's ingress both allow it. Named ports are resolved on the destination
pod. Connections from an endpoint to itself, and between two outside IPs, are
not listed.

Modules: :mod:`~hearth.verify.reach.records` (endpoints, probes, rows, input parsing),
:mod:`~hearth.verify.reach.parse` (strict reading of manifest fields), :mod:`~hearth.verify.reach.model`
(endpoints and policies as bitsets), :mod:`~hearth.verify.reach.matrix` (the matrix and its queries); this one
holds the entry points and re-exports the public names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

from rich.table import Table

from hearth.verify.build.manifests import Document, load_documents
from hearth.verify.reach.matrix import ReachMatrix
from hearth.verify.reach.model import ReachModel
from hearth.verify.reach.parse import as_document
from hearth.verify.reach.records import (
    PROTOCOLS,
    Connection,
    ContainerPort,
    Endpoint,
    Probe,
    ReachInputError,
    parse_peer_ip,
    parse_port_spec,
)

__all__ = [
    "PROTOCOLS",
    "Connection",
    "ContainerPort",
    "Endpoint",
    "Probe",
    "ReachInputError",
    "ReachMatrix",
    "ReachResult",
    "build_matrix",
    "parse_peer_ip",
    "parse_port_spec",
    "render_table",
    "run_reach",
]


def build_matrix(
    docs: Iterable[Document | Mapping[str, Any]],
    ports: Sequence[Probe] | None = None,
    peer_ips: Sequence[str] = (),
) -> ReachMatrix:
    """Compute the full matrix for already-loaded objects (files' documents or plain dicts).

    ``ports`` fixes the probes for every destination; without it each destination
    is probed on its declared container ports. Raises :class:`ManifestError` on
    objects that the API server would reject in ways that change the answer.
    """
    documents = [as_document(item, i) for i, item in enumerate(docs)]
    return ReachMatrix(ReachModel(documents, peer_ips), ports)


@dataclass(frozen=True)
class ReachResult:
    """The outcome of ``hearth reach``: the matrix, and its rows as :class:`Connection` records."""

    matrix: ReachMatrix

    @cached_property
    def connections(self) -> list[Connection]:
        """Every probed connection, allowed or not, in the matrix's deterministic order."""
        return list(self.matrix.connections())

    def to_json(self) -> dict[str, list[dict[str, object]]]:
        """The JSON-ready form: ``{"connections": [{"from", "to", "port", "protocol", "allowed"}]}``."""
        return {"connections": [connection.to_dict() for connection in self.connections]}

    def dumps(self) -> str:
        """:meth:`to_json` serialised with stable indentation, for ``--json`` output."""
        return json.dumps(self.to_json(), indent=2)

    def write_json(self, stream: TextIO, *, allowed_only: bool = False) -> int:
        """Write the JSON of :meth:`dumps` (only the allowed rows with ``allowed_only``) to ``stream`` row by
        row, never holding the rows in memory: 5,000 pods make 25 million of them. Returns the rows written."""
        rows = self.matrix.allowed_flows() if allowed_only else self.matrix.connections()
        names: dict[str, str] = {}

        def quoted(name: str) -> str:
            text = names.get(name)
            if text is None:
                text = names[name] = json.dumps(name)
            return text

        stream.write('{\n  "connections": [')
        count = 0
        for row in rows:
            separator = ",\n" if count else "\n"
            stream.write(
                f'{separator}    {{\n      "from": {quoted(row.src)},\n      "to": {quoted(row.dst)},\n'
                f'      "port": {row.port},\n      "protocol": {quoted(row.protocol)},\n'
                f'      "allowed": {"true" if row.allowed else "false"}\n    }}'
            )
            count += 1
        stream.write("\n  ]\n}\n" if count else "]\n}\n")
        return count


def run_reach(paths: list[Path], ports: list[str], peer_ips: list[str]) -> ReachResult:
    """Load manifests under ``paths`` and evaluate reachability: the ``hearth reach`` command.

    ``ports`` are ``PORT[/PROTO]`` specs (none: each destination's declared
    ports); ``peer_ips`` add outside endpoints. Bad input raises
    :class:`ReachInputError` or :class:`ManifestError` (both ``ValueError``)
    whose ``str()`` is one line fit to print.
    """
    probes = [parse_port_spec(spec) for spec in ports]
    ips = [parse_peer_ip(ip) for ip in peer_ips]
    documents = load_documents(paths)
    return ReachResult(build_matrix(documents, probes or None, ips))


def render_table(result: ReachResult, *, allowed_only: bool = False, title: str | None = None) -> Table:
    """A rich table of the connections (or only the allowed ones), for terminal output."""
    table = Table(title=title)
    for column in ("From", "To", "Port"):
        table.add_column(column, justify="right" if column == "Port" else "left")
    table.add_column("Verdict")
    rows = result.matrix.allowed_flows() if allowed_only else iter(result.connections)
    for row in rows:
        verdict = "[green]allow[/green]" if row.allowed else "[red]deny[/red]"
        table.add_row(row.src, row.dst, f"{row.port}/{row.protocol}", verdict)
    return table
