"""Vault for the dump jobs: their KV paths, agent templates, policies and roles.

A dump job gets no Kubernetes Secret: the Vault agent renders its credentials into ``/vault/secrets/`` from the
KV entries named here, under a Vault role bound to the job's own ServiceAccount. (Velero, a catalog component,
has its policy and role from its needs like any other.)
"""

from __future__ import annotations

import json

from hearth.catalog.models import Component
from hearth.dumps import DUMP_POD
from hearth.render.backup.storage import DUMP_BUCKET
from hearth.render.provider_grants import BACKUP_SECRET
from hearth.render.secrets import kubernetes_role, policy_text
from hearth.resolve.endpoints import provider_endpoint
from hearth.resolve.records import Resolved


def dump_secret_paths(component: Component, store: Component) -> dict[str, str]:
    """Vault KV entries the dump job reads: the database account it dumps with, and the S3 access key of the
    dumps bucket's user, the entry ``hearth bootstrap`` writes for that user on ``store`` (the provider of s3;
    ``grants/<store>.json`` lists it), so the job reads what the grant makes rather than an entry nothing writes."""
    s3 = BACKUP_SECRET.format(namespace=store.namespace, provider=store.name, bucket=DUMP_BUCKET)
    return {"database": f"kv/data/{component.namespace}/{component.name}/backup", "s3": kv_data(s3)}


def kv_data(entry: str) -> str:
    """The KV version 2 API path of an entry (``kv/<entry>`` -> ``kv/data/<entry>``)."""
    return "kv/data/" + entry.removeprefix("kv/")


def agent_template(path: str, lines: list[str]) -> str:
    """A Vault agent template rendering ``lines`` from the KV entry at ``path``."""
    body = "\n".join(lines)
    return f'{{{{- with secret "{path}" -}}}}\n{body}\n{{{{- end }}}}\n'


def backup_vault_files(resolved: Resolved) -> dict[str, str]:
    """The Vault policy and role of each dump job (whose projected token has audience vault)."""
    files: dict[str, str] = {}
    store = provider_endpoint(resolved, "s3")
    for name, component in sorted(resolved.catalog.components.items()):
        if (name, DUMP_POD) not in resolved.pods or store is None:
            continue
        role_name = f"{name}-backup"
        paths = dump_secret_paths(component, store.component)
        policy = policy_text(f"{component.namespace}/{role_name}", paths.values())
        files[f"vault/policies/{role_name}.hcl"] = policy
        role = kubernetes_role(role_name, component.namespace)
        files[f"vault/roles/{role_name}.json"] = json.dumps(role, indent=2, sort_keys=True) + "\n"
    return files
