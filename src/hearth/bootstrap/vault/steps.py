"""The Vault steps in dependency order, from the build's files and the catalog's facts."""

from __future__ import annotations

from hearth.bootstrap.build import Build
from hearth.bootstrap.model import Step
from hearth.bootstrap.vault import DATABASE_MOUNT, KV_MOUNT, Vault, VaultFacts, seconds
from hearth.bootstrap.vault.access import kubernetes_roles_step, policies_step
from hearth.bootstrap.vault.engines import kubernetes_auth_step, mount_step
from hearth.bootstrap.vault.pki import pki_intermediate_step, pki_role_step, pki_root_step
from hearth.bootstrap.vault.seal import init_step, unseal_step


def _longest_certificate(build: Build) -> str:
    """The longest ``duration`` of the build's Certificates, the signing role's max_ttl (2160h when none states one)."""
    durations = [
        str(doc["spec"]["duration"])
        for doc in build.manifests("Certificate")
        if isinstance(doc.get("spec"), dict) and doc["spec"].get("duration")
    ]
    if not durations:
        return "2160h"
    return max(durations, key=lambda d: int(str(seconds(d))) if str(seconds(d)).isdigit() else 0)


def vault_steps(vault: Vault, build: Build, facts: VaultFacts, kubernetes_ca: str | None = None) -> list[Step]:
    """The Vault steps in dependency order, from the build's files and the catalog's facts."""
    _, path = build.cluster_issuer()
    parts = path.split("/")
    if len(parts) != 3 or parts[1] != "sign":
        raise ValueError(f"ClusterIssuer spec.vault.path {path!r} is not <mount>/sign/<role>")
    mount, role = parts[0], parts[2]
    return [
        init_step(vault, facts),
        unseal_step(vault),
        kubernetes_auth_step(vault, kubernetes_ca),
        mount_step(vault, "vault-kv", KV_MOUNT, "kv", {"version": "2"}, "KV version 2 at kv/"),
        mount_step(vault, "vault-database-engine", DATABASE_MOUNT, "database", {}, "database secrets engine"),
        pki_root_step(vault, facts),
        pki_intermediate_step(vault, facts, mount),
        pki_role_step(vault, facts, mount, role, _longest_certificate(build)),
        policies_step(vault, build.policies()),
        kubernetes_roles_step(vault, build.roles()),
    ]
