"""The manifest contract's vocabulary: the ``hearth.dev/*`` keys and the standard labels, spelled once.

The renderer writes these keys and the auditor reads them (docs/manifest-contract.md says what each means). This
module is a vocabulary, not logic, like ``hearth.quantity``: sharing it keeps the two spellings from drifting while
the auditor still imports nothing of the catalog or the renderer.
"""

from __future__ import annotations

ANNOTATION = "hearth.dev"
# on pod templates (workloads, Helm test Pods, stand-ins)
COMPONENT = f"{ANNOTATION}/component"
CONNECTS_TO = f"{ANNOTATION}/connects-to"
ROLE = f"{ANNOTATION}/role"
WEBHOOK_PORT = f"{ANNOTATION}/webhook-port"
EXCEPTION_PREFIX = f"{ANNOTATION}/exception-"
MONITORED_BY = f"{ANNOTATION}/monitored-by"
HELM_TEST = f"{ANNOTATION}/helm-test"
"""A label: the Helm test pod of the component named by its value."""
# on stand-ins (cluster/)
STAND_IN = f"{ANNOTATION}/stand-in"
WORKLOAD_KIND = f"{ANNOTATION}/workload-kind"
REPLICAS = f"{ANNOTATION}/replicas"
# backups
BACKUP_EXEMPT = f"{ANNOTATION}/backup-exempt"
BACKUP_TARGET = f"{ANNOTATION}/backup-target"
RETENTION = f"{ANNOTATION}/retention"
RETENTION_RUNS = f"{ANNOTATION}/retention-runs"
# on Nodes (cluster/nodes.yaml) and Namespaces
DISK_BYTES = f"{ANNOTATION}/disk-bytes"
DESCRIPTION = f"{ANNOTATION}/description"

# Build files shared by the renderer and a consumer of the build other than the auditor
GENERATED_SECRETS_FILE = "cluster/generated-secrets.json"
"""The Secrets ``hearth apply`` generates once (without their values): written by hearth.render.seal_key, read by
hearth.deploy.generated."""

# Standard labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels).
NAME = "app.kubernetes.io/name"
INSTANCE = "app.kubernetes.io/instance"
VERSION = "app.kubernetes.io/version"
PART_OF = "app.kubernetes.io/part-of"
MANAGED_BY = "app.kubernetes.io/managed-by"
HEARTH_LABELS = {PART_OF: "hearth", MANAGED_BY: "hearth"}
"""Every object hearth renders is part of and managed by hearth."""

# Other projects' keys hearth writes or interprets.
HELM_HOOK = "helm.sh/hook"
VELERO_BACKUP_VOLUMES = "backup.velero.io/backup-volumes"
VAULT_INJECT = "vault.hashicorp.com/agent-inject"
VAULT_SERVICE = "vault.hashicorp.com/service"
