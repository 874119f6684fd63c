"""The annotations the auditor reads: hearth's own, of the manifest contract, and the others it interprets.

The ``hearth.dev/*`` keys are documented in docs/manifest-contract.md; the renderer writes them, the auditor only
reads them (it never imports the renderer, so the keys are spelled here again).
"""

from __future__ import annotations

__all__ = [
    "ANNOTATION",
    "BACKUP_EXEMPT",
    "BACKUP_TARGET",
    "COMPONENT",
    "CONNECTS_TO",
    "DISK_BYTES",
    "EXCEPTION_PREFIX",
    "HELM_HOOK",
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

ANNOTATION = "hearth.dev"
# on pod templates (workloads, Helm test Pods, stand-ins)
COMPONENT = f"{ANNOTATION}/component"
CONNECTS_TO = f"{ANNOTATION}/connects-to"
ROLE = f"{ANNOTATION}/role"
WEBHOOK_PORT = f"{ANNOTATION}/webhook-port"
EXCEPTION_PREFIX = f"{ANNOTATION}/exception-"
# on stand-ins (cluster/)
STAND_IN = f"{ANNOTATION}/stand-in"
WORKLOAD_KIND = f"{ANNOTATION}/workload-kind"
REPLICAS = f"{ANNOTATION}/replicas"
# backups
BACKUP_EXEMPT = f"{ANNOTATION}/backup-exempt"
MONITORED_BY = f"{ANNOTATION}/monitored-by"
BACKUP_TARGET = f"{ANNOTATION}/backup-target"
RETENTION = f"{ANNOTATION}/retention"
# on Nodes (cluster/nodes.yaml)
DISK_BYTES = f"{ANNOTATION}/disk-bytes"

HELM_HOOK = "helm.sh/hook"
VELERO_BACKUP_VOLUMES = "backup.velero.io/backup-volumes"
VAULT_INJECT = "vault.hashicorp.com/agent-inject"
VAULT_SERVICE = "vault.hashicorp.com/service"
