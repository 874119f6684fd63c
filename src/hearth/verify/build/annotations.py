"""The annotations the auditor reads: hearth's own, of the manifest contract, and the others it interprets.

The keys are the contract's vocabulary (:mod:`hearth.contract`), shared with the renderer; docs/manifest-contract.md
says what each means.
"""

from __future__ import annotations

from hearth.contract import (
    ANNOTATION,
    BACKUP_EXEMPT,
    BACKUP_TARGET,
    COMPONENT,
    CONNECTS_TO,
    DISK_BYTES,
    EXCEPTION_PREFIX,
    HELM_HOOK,
    MONITORED_BY,
    REPLICAS,
    RETENTION,
    ROLE,
    STAND_IN,
    VAULT_INJECT,
    VAULT_SERVICE,
    VELERO_BACKUP_VOLUMES,
    WEBHOOK_PORT,
    WORKLOAD_KIND,
)

__all__ = [
    "ANNOTATION",
    "BACKUP_EXEMPT",
    "BACKUP_TARGET",
    "COMPONENT",
    "CONNECTS_TO",
    "DISK_BYTES",
    "EXCEPTION_PREFIX",
    "HELM_HOOK",
    "MONITORED_BY",
    "REPLICAS",
    "RETENTION",
    "ROLE",
    "STAND_IN",
    "VAULT_INJECT",
    "VAULT_SERVICE",
    "VELERO_BACKUP_VOLUMES",
    "WEBHOOK_PORT",
    "WORKLOAD_KIND",
]
