"""Who may read what: every rendered ACL policy (sys/policy) and Kubernetes auth role (auth/kubernetes/role),
written when it differs from Vault's.
"""

from __future__ import annotations

from typing import Any

from hearth.bootstrap.model import Change, FuncStep, Step
from hearth.bootstrap.vault import Vault, differing
from hearth.bootstrap.vault.engines import writer


def policies_step(vault: Vault, policies: dict[str, str]) -> Step:
    """Every rendered ``vault/policies/<name>.hcl`` written as ACL policy ``<name>`` when its text differs."""

    def read() -> list[Change]:
        changes = []
        for name, text in policies.items():
            current = vault.read(f"sys/policy/{name}")
            if current is not None and str(current.get("rules", "")).strip() == text.strip():
                continue
            body = {"policy": text}
            changes.append(Change(f"write policy {name}", writer(vault, f"sys/policy/{name}", body)))
        return changes

    return FuncStep("vault-policies", f"{len(policies)} rendered policies", read)


def kubernetes_roles_step(vault: Vault, roles: dict[str, dict[str, Any]]) -> Step:
    """Every rendered ``vault/roles/<name>.json`` written as Kubernetes auth role ``<name>`` when a field differs."""

    def read() -> list[Change]:
        changes = []
        for name, role in roles.items():
            wanted = {k: v for k, v in role.items() if k != "name"}
            keys = differing(wanted, vault.read(f"auth/kubernetes/role/{name}"))
            if keys:
                changes.append(
                    Change(
                        f"write auth/kubernetes/role/{name} ({', '.join(keys)})",
                        writer(vault, f"auth/kubernetes/role/{name}", wanted),
                    )
                )
        return changes

    return FuncStep("vault-kubernetes-roles", f"{len(roles)} rendered Kubernetes auth roles", read)
