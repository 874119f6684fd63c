"""Vault for the backup identities (Velero and each dump job): their KV paths, agent templates, policies and roles.

Neither Velero nor a dump job gets a Kubernetes Secret: the Vault agent renders their credentials into
``/vault/secrets/`` from the KV entries named here, under a Vault role bound to their ServiceAccount.
"""

from __future__ import annotations

import json
from typing import Any

from hearth.catalog.models import Component
from hearth.render.backup.dump_targets import dump_target
from hearth.render.backup.velero_pods import VELERO, velero_namespace
from hearth.resolve import Resolved


def dump_secret_paths(component: Component) -> dict[str, str]:
    """Vault KV entries the dump job reads: the database account it dumps with, and its S3 access key."""
    base = f"kv/data/{component.namespace}/{component.name}"
    return {"database": f"{base}/backup", "s3": f"{base}/backup-s3"}


def velero_secret_path(namespace: str) -> str:
    """The Vault KV entry holding Velero's S3 access key."""
    return f"kv/data/{namespace}/{VELERO}/s3"


def agent_template(path: str, lines: list[str]) -> str:
    """A Vault agent template rendering ``lines`` from the KV entry at ``path``."""
    body = "\n".join(lines)
    return f'{{{{- with secret "{path}" -}}}}\n{body}\n{{{{- end }}}}\n'


def _vault_files(name: str, namespace: str, paths: list[str], audience: str | None) -> dict[str, str]:
    policy = [f"# Vault policy for {namespace}/{name}, rendered by hearth."]
    for path in paths:
        policy += [f'path "{path}" {{', '  capabilities = ["read"]', "}", ""]
    role: dict[str, Any] = {
        "name": name,
        "bound_service_account_names": [name],
        "bound_service_account_namespaces": [namespace],
        "token_policies": [name],
        "token_ttl": "1h",
    }
    if audience is not None:
        role["audience"] = audience
    return {
        f"vault/policies/{name}.hcl": "\n".join(policy).rstrip() + "\n",
        f"vault/roles/{name}.json": json.dumps(role, indent=2, sort_keys=True) + "\n",
    }


def backup_vault_files(resolved: Resolved) -> dict[str, str]:
    """The Vault policy and role of Velero, and of each dump job (whose projected token has audience vault)."""
    ns = velero_namespace(resolved)
    files = _vault_files(VELERO, ns, [velero_secret_path(ns)], None)
    for _, component in sorted(resolved.catalog.components.items()):
        if dump_target(resolved, component) is not None:
            files.update(
                _vault_files(
                    f"{component.name}-backup",
                    component.namespace,
                    list(dump_secret_paths(component).values()),
                    "vault",
                )
            )
    return files
