"""Vault for the dump jobs: their KV paths, agent templates, policies and roles.

A dump job gets no Kubernetes Secret: the Vault agent renders its credentials into ``/vault/secrets/`` from the
KV entries named here, under a Vault role bound to the job's own ServiceAccount. (Velero, a catalog component,
has its policy and role from its needs like any other.)
"""

from __future__ import annotations

import json

from hearth.catalog.models import Component
from hearth.dumps import DUMP_POD
from hearth.render.secrets import kubernetes_role, policy_text
from hearth.resolve.records import Resolved


def dump_secret_paths(component: Component) -> dict[str, str]:
    """Vault KV entries the dump job reads: the database account it dumps with, and its S3 access key."""
    base = f"kv/data/{component.namespace}/{component.name}"
    return {"database": f"{base}/backup", "s3": f"{base}/backup-s3"}


def agent_template(path: str, lines: list[str]) -> str:
    """A Vault agent template rendering ``lines`` from the KV entry at ``path``."""
    body = "\n".join(lines)
    return f'{{{{- with secret "{path}" -}}}}\n{body}\n{{{{- end }}}}\n'


def backup_vault_files(resolved: Resolved) -> dict[str, str]:
    """The Vault policy and role of each dump job (whose projected token has audience vault)."""
    files: dict[str, str] = {}
    for name, component in sorted(resolved.catalog.components.items()):
        if (name, DUMP_POD) not in resolved.pods:
            continue
        role_name = f"{name}-backup"
        policy = policy_text(f"{component.namespace}/{role_name}", dump_secret_paths(component).values())
        files[f"vault/policies/{role_name}.hcl"] = policy
        role = kubernetes_role(role_name, component.namespace)
        files[f"vault/roles/{role_name}.json"] = json.dumps(role, indent=2, sort_keys=True) + "\n"
    return files
