"""Vault initialized with the catalog's key shares and threshold (the keys written once to the operator's file,
mode 0600) and unsealed from that file: the unauthenticated endpoints sys/init and sys/unseal
(developer.hashicorp.com/vault/api-docs/system/init, .../system/unseal).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hearth.bootstrap.model import Change, FuncStep, Step, StepError
from hearth.bootstrap.vault import INIT_TIMEOUT, SEAL_TYPES, Vault, VaultFacts


def write_keys_file(path: Path, content: dict[str, Any]) -> None:
    """Create ``path`` mode 0600 with ``content``, only if it does not exist: the keys are written once."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(content, out, indent=2)
        out.write("\n")


def init_step(vault: Vault, facts: VaultFacts) -> Step:
    """Initialize an uninitialized Vault with the catalog's shares and threshold; keys to the operator's file."""

    def read() -> list[Change]:
        status = vault.call("read sys/init", vault.client.sys.read_init_status)
        if status.get("initialized"):
            return []
        seal = vault.call("read sys/seal-status", vault.client.sys.read_seal_status).get("type", "")
        stated = facts.init.unseal.method
        if seal != SEAL_TYPES[stated]:
            raise StepError(f"Vault's seal is {seal!r} but the catalog states {stated!r} (secrets_init.unseal)")
        kind = "unseal" if seal == "shamir" else "recovery"
        shares, threshold = facts.init.key_shares, facts.init.key_threshold
        target = vault.keys_file

        def apply() -> None:
            if target is None:
                raise StepError("Vault is not initialized: pass --keys-file FILE to receive its keys (mode 0600)")
            if target.exists():
                raise StepError(f"{target} exists: refusing to overwrite a key file; move it or name another")
            if not target.parent.is_dir():
                raise StepError(f"{target.parent}: no such directory for the key file")
            prefix = "secret" if kind == "unseal" else "recovery"
            body = {f"{prefix}_shares": shares, f"{prefix}_threshold": threshold}
            answer = vault.call(
                "write sys/init", lambda: vault.client.adapter.post("/v1/sys/init", json=body, timeout=INIT_TIMEOUT)
            )
            keys = answer.get("keys_base64") or answer.get("recovery_keys_base64") or []
            write_keys_file(
                target,
                {
                    "kind": kind,
                    "shares": shares,
                    "threshold": threshold,
                    "keys_base64": keys,
                    "root_token": answer.get("root_token", ""),
                },
            )

        where = target if target is not None else "(no --keys-file)"
        return [Change(f"initialize: {shares} {kind} key shares, threshold {threshold}; keys to {where}", apply)]

    return FuncStep("vault-init", "Vault initialized with the catalog's key shares and threshold", read)


def unseal_step(vault: Vault) -> Step:
    """Submit the threshold of unseal keys from the operator's file when a Shamir-sealed Vault is sealed."""

    def read() -> list[Change]:
        status = vault.call("read sys/seal-status", vault.client.sys.read_seal_status)
        if not status.get("initialized"):
            raise StepError("Vault is not initialized yet (vault-init)")
        if not status.get("sealed"):
            vault.wait_active()
            return []
        if status.get("type") != "shamir":
            raise StepError(f"sealed with the {status.get('type')!r} seal, which unseals itself: check its key")
        keys = vault.keys()
        threshold = int(status.get("t") or keys.get("threshold") or 0)
        shares = [k for k in keys.get("keys_base64", []) if isinstance(k, str)]
        if keys.get("kind") != "unseal" or len(shares) < threshold:
            raise StepError(f"{vault.keys_file}: fewer than {threshold} unseal keys")

        def apply() -> None:
            vault.call("submit unseal keys", lambda: vault.client.sys.submit_unseal_keys(shares[:threshold]))
            after = vault.call("read sys/seal-status", vault.client.sys.read_seal_status)
            if after.get("sealed"):
                raise StepError("still sealed after the threshold of keys")
            vault.wait_active()

        return [Change(f"unseal with {threshold} of {len(shares)} key shares", apply)]

    return FuncStep("vault-unseal", "Vault unsealed", read)
