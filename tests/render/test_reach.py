"""The policies backups and Helm tests add, evaluated by hearth's own NetworkPolicy model (hearth.verify.reach).

Everything a cluster would hold for the ``data`` case (every chart's objects and test pods, the stand-ins for
upstream pods and CoreDNS) goes into one reach matrix: the new pods reach exactly what they need.
"""

from __future__ import annotations

import pytest

from hearth.render.model import Manifest, RenderedPlatform
from hearth.verify.reach import ReachMatrix, build_matrix


@pytest.fixture(scope="module")
def matrix(rendered_cases: dict[str, RenderedPlatform]) -> ReachMatrix:
    platform = rendered_cases["data"]
    docs: list[Manifest] = platform.all_manifests()
    for objects in platform.cluster.values():
        docs += [d for d in objects if d["kind"] != "Node"]
    return build_matrix(docs)


@pytest.mark.parametrize(
    ("src", "dst", "port", "allowed"),
    [
        ("db/postgres-backup", "db/postgres", 5432, True),
        ("db/postgres-backup", "db/minio", 9000, True),
        ("db/postgres-backup", "service/vault-server", 8200, True),
        ("db/postgres-backup", "db/mongodb", 27017, False),
        ("db/mongodb-backup", "db/mongodb", 27017, True),
        ("db/mongodb-backup", "db/postgres", 5432, False),
        ("service/velero", "db/minio", 9000, True),
        ("service/velero-node-agent", "db/minio", 9000, True),
        ("service/velero", "service/vault-server", 8200, True),
        ("service/velero", "db/postgres", 5432, False),
        ("service/prometheus-server", "service/velero", 8085, True),
        ("db/minio", "service/velero", 8085, False),
        ("db/postgres-test", "db/postgres", 5432, True),
        ("db/postgres-test", "db/minio", 9000, False),
        ("apps/notes-test", "apps/notes", 8080, True),
        ("service/vault-test", "service/vault-server", 8200, True),
        ("db/valkey-test", "db/postgres", 5432, False),
    ],
)
def test_reach(matrix: ReachMatrix, src: str, dst: str, port: int, allowed: bool) -> None:
    """A backup job, Velero, Prometheus and test pods reach exactly their targets."""
    assert matrix.allowed(src, dst, port) is allowed
