"""Capacity's storage: the PersistentVolumeClaims pods mount, and what they take of the Nodes' disks.

Claims are the PVCs of ``manifests/`` and ``cluster/`` plus, per replica, a StatefulSet's ``volumeClaimTemplates``.
A claim of a node-local class (``openebs-hostpath`` and other ``*hostpath*``/``*local*`` classes) is provisioned
on the disk of the node its pod runs on, and binds the pod to that node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hearth.verify.build.fields import byte_amount
from hearth.verify.build.model import Build

if TYPE_CHECKING:  # placement imports Claim from here
    from hearth.verify.capacity.placement import PlacedPod

__all__ = ["Claim", "claimed_bytes", "claims_in_build", "node_local_bytes"]

_NODE_LOCAL = re.compile(r"hostpath|local")


@dataclass(frozen=True)
class Claim:
    """A PersistentVolumeClaim a pod mounts: ``namespace/name``, requested bytes, whether node-local."""

    key: str
    size: int
    storage_class: str | None

    @property
    def node_local(self) -> bool:
        """Provisioned on one node's disk (hostpath/local classes): the pod is bound to that node."""
        return bool(self.storage_class and _NODE_LOCAL.search(self.storage_class))


def claims_in_build(build: Build) -> dict[str, Claim]:
    """The build's PersistentVolumeClaims by ``namespace/name``."""
    out = {}
    for doc in build.documents:
        if doc.kind != "PersistentVolumeClaim":
            continue
        meta = doc.obj.get("metadata") or {}
        spec = doc.obj.get("spec") or {}
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        key = f"{meta.get('namespace') or 'default'}/{meta.get('name')}"
        out[key] = Claim(key, byte_amount(size), spec.get("storageClassName"))
    return out


def node_local_bytes(nodes: Sequence[str], placement: Mapping[str, Sequence[PlacedPod]]) -> dict[str, int]:
    """Per node (in ``nodes`` order), the bytes of the node-local claims of the pods placed there.

    A claim mounted by pods on several nodes counts on the first of them only.
    """
    out: dict[str, int] = {}
    counted: set[str] = set()
    for node in nodes:
        local: dict[str, int] = {}
        for pod in placement[node]:
            for claim in pod.claims:
                if claim.node_local and claim.key not in counted:
                    local[claim.key] = claim.size
        counted |= local.keys()
        out[node] = sum(local.values())
    return out


def claimed_bytes(claims: Mapping[str, Claim], pods: Sequence[PlacedPod]) -> int:
    """Bytes of every claim: the build's PVCs and the claims of the pods (templates' claims per replica), once each."""
    sizes = {claim.key: claim.size for claim in claims.values()}
    for pod in pods:
        sizes.update((claim.key, claim.size) for claim in pod.claims)
    return sum(sizes.values())
