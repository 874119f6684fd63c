"""The platform's CA in Vault's PKI engine (developer.hashicorp.com/vault/api-docs/secret/pki): an internally
generated root at ``pki_root/``, the intermediate cert-manager's ClusterIssuer signs with, and its signing role.
"""

from __future__ import annotations

from typing import Any

from hearth.bootstrap.model import Change, FuncStep, Step
from hearth.bootstrap.vault import INTERMEDIATE_TTL, ROOT_PKI_MOUNT, ROOT_TTL, Vault, VaultFacts, differing
from hearth.bootstrap.vault.engines import ignore, mount_changes


def _issuers(vault: Vault, mount: str) -> list[str]:
    return vault.list(f"{mount}/issuers")


def pki_root_step(vault: Vault, facts: VaultFacts) -> Step:
    """The root CA: a PKI engine at ``pki_root/`` holding one internally generated root issuer."""

    def read() -> list[Change]:
        changes = mount_changes(vault, ROOT_PKI_MOUNT, "pki", {}, ROOT_TTL)
        mounted = not any(c.description.startswith("enable") for c in changes)
        if not mounted or not _issuers(vault, ROOT_PKI_MOUNT):
            body = {"common_name": f"{facts.platform} root CA", "ttl": ROOT_TTL, "key_type": "ec", "key_bits": 384}
            changes.append(
                Change(
                    f"generate the root CA ({facts.platform} root CA) in {ROOT_PKI_MOUNT}/",
                    lambda: ignore(vault.write(f"{ROOT_PKI_MOUNT}/root/generate/internal", body)),
                )
            )
        return changes

    return FuncStep("vault-pki-root", "PKI root CA", read)


def pki_intermediate_step(vault: Vault, facts: VaultFacts, mount: str) -> Step:
    """The intermediate CA cert-manager's ClusterIssuer signs with: its own engine, signed by the root."""

    def read() -> list[Change]:
        changes = mount_changes(vault, mount, "pki", {}, INTERMEDIATE_TTL)
        mounted = not any(c.description.startswith("enable") for c in changes)
        if mounted and _issuers(vault, mount):
            return changes

        def apply() -> None:
            name = f"{facts.platform} intermediate CA"
            csr = vault.write(f"{mount}/intermediate/generate/internal", {"common_name": name, "key_type": "ec"})
            signed = vault.write(
                f"{ROOT_PKI_MOUNT}/root/sign-intermediate",
                {"csr": csr["csr"], "common_name": name, "ttl": INTERMEDIATE_TTL, "format": "pem_bundle"},
            )
            chain = "\n".join(p for p in (signed.get("certificate"), signed.get("issuing_ca")) if p)
            vault.write(f"{mount}/intermediate/set-signed", {"certificate": chain})

        changes.append(Change(f"generate the intermediate CA in {mount}/, signed by {ROOT_PKI_MOUNT}/", apply))
        return changes

    return FuncStep("vault-pki-intermediate", "PKI intermediate CA signed by the root", read)


def pki_role_wanted(facts: VaultFacts, max_ttl: str) -> dict[str, Any]:
    """The signing role: hosts under the platform's domain only, no bare domain, localhost or IPs, any key type
    (cert-manager sends its own CSR; the build's Certificates ask for ECDSA)."""
    return {
        "allowed_domains": [facts.domain],
        "allow_subdomains": True,
        "allow_bare_domains": False,
        "allow_glob_domains": False,
        "allow_localhost": False,
        "allow_ip_sans": False,
        "enforce_hostnames": True,
        "key_type": "any",
        "max_ttl": max_ttl,
    }


def pki_role_step(vault: Vault, facts: VaultFacts, mount: str, role: str, max_ttl: str) -> Step:
    """The role of the ClusterIssuer's ``<mount>/sign/<role>`` path, as ``pki_role_wanted`` states it."""
    wanted = pki_role_wanted(facts, max_ttl)

    def read() -> list[Change]:
        keys = differing(wanted, vault.read(f"{mount}/roles/{role}"))
        if not keys:
            return []
        return [
            Change(
                f"write PKI role {mount}/roles/{role} ({', '.join(keys)})",
                lambda: ignore(vault.write(f"{mount}/roles/{role}", wanted)),
            )
        ]

    return FuncStep("vault-pki-role", f"PKI role {role} for hosts under {facts.domain}", read)
