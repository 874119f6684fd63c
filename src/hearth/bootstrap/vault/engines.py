"""Secrets engines and auth methods: a mount enabled and tuned (sys/mounts), the Kubernetes auth method
(sys/auth, auth/kubernetes/config), and the small actions the steps bind now and run later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hearth.bootstrap.model import Change, FuncStep, Step, StepError
from hearth.bootstrap.vault import KUBERNETES_HOST, Vault, differing, seconds


def mount_changes(vault: Vault, path: str, kind: str, options: dict[str, str], max_ttl: str = "") -> list[Change]:
    mounts = vault.read("sys/mounts") or {}
    mount = mounts.get(f"{path}/")
    config: dict[str, Any] = {"max_lease_ttl": max_ttl} if max_ttl else {}
    if mount is None:
        body: dict[str, Any] = {"type": kind, "options": options, "config": config}
        return [Change(f"enable {kind} at {path}/", lambda: ignore(vault.write(f"sys/mounts/{path}", body)))]
    if mount.get("type") != kind:
        raise StepError(f"{path}/ is mounted as {mount.get('type')!r}, not {kind!r}: move it away first")
    have = {k: str(v) for k, v in (mount.get("options") or {}).items()}
    tune: dict[str, Any] = {}
    if any(have.get(k) != v for k, v in options.items()):
        tune["options"] = options
    if max_ttl and seconds((mount.get("config") or {}).get("max_lease_ttl")) != seconds(max_ttl):
        tune["max_lease_ttl"] = max_ttl
    if not tune:
        return []
    return [
        Change(f"tune {path}/: {', '.join(sorted(tune))}", lambda: ignore(vault.write(f"sys/mounts/{path}/tune", tune)))
    ]


def ignore(_: object) -> None:
    return None


def writer(vault: Vault, path: str, body: dict[str, Any]) -> Callable[[], None]:
    """An action writing ``body`` to ``path`` (bound now, run later)."""

    def apply() -> None:
        vault.write(path, body)

    return apply


def mount_step(vault: Vault, name: str, path: str, kind: str, options: dict[str, str], summary: str) -> Step:
    """A secrets engine of ``kind`` enabled at ``path`` with ``options`` (tuned when they differ)."""
    return FuncStep(name, summary, lambda: mount_changes(vault, path, kind, options))


def kubernetes_auth_step(vault: Vault, ca_cert: str | None = None) -> Step:
    """The Kubernetes auth method enabled at ``kubernetes/`` and pointed at the in-cluster API server.

    Vault in a pod reads the API server's CA from its ServiceAccount mount; a Vault outside the cluster (or a test)
    is given ``ca_cert`` (PEM) by the operator instead.
    """

    def read() -> list[Change]:
        methods = vault.read("sys/auth") or {}
        changes: list[Change] = []
        config: dict[str, Any] | None = None
        if "kubernetes/" not in methods:
            body = {"type": "kubernetes"}
            changes.append(Change("enable auth kubernetes/", lambda: ignore(vault.write("sys/auth/kubernetes", body))))
        else:
            config = vault.read("auth/kubernetes/config")
        wanted = {"kubernetes_host": KUBERNETES_HOST} | ({"kubernetes_ca_cert": ca_cert} if ca_cert else {})
        if differing(wanted, config):
            changes.append(
                Change(
                    f"configure auth kubernetes/ with {KUBERNETES_HOST}",
                    lambda: ignore(vault.write("auth/kubernetes/config", wanted)),
                )
            )
        return changes

    return FuncStep("vault-auth-kubernetes", "Kubernetes auth method enabled and configured", read)
