"""Vault (or OpenBao: the same HTTP API) from empty to configured, as steps that read before they write.

Order: initialize, unseal, then with the root token from the operator's key file (or ``VAULT_TOKEN``): the
Kubernetes auth method, KV v2, the database engine, the PKI root and intermediate and the role cert-manager's
ClusterIssuer signs with, and every rendered policy and Kubernetes auth role. API paths and fields are Vault's
(developer.hashicorp.com/vault/api-docs: system/init, system/unseal, system/mounts, system/auth, system/policy,
auth/kubernetes, secret/pki); hvac (pinned in pyproject.toml) speaks them.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import requests

from hearth.bootstrap.build import Build
from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.catalog.secrets_init import SecretsInit

# The in-cluster API server address, as the Kubernetes auth method is configured from inside the cluster
# (developer.hashicorp.com/vault/docs/auth/kubernetes#configuration).
KUBERNETES_HOST = "https://kubernetes.default.svc"
KV_MOUNT = "kv"
DATABASE_MOUNT = "database"
ROOT_PKI_MOUNT = "pki_root"
ROOT_TTL = "87600h"  # 10 years: the offline-ish root outlives every intermediate
INTERMEDIATE_TTL = "43800h"  # 5 years
# The catalog's seal names and the ``type`` Vault's sys/seal-status reports for them.
SEAL_TYPES = {"shamir": "shamir", "static": "static", "transit": "transit"}

# sys/init answers once the keys are made and a raft node has elected itself, which a loaded machine takes past the
# client's usual 10 s; a client that gives up after the server initialized has lost the only copy of the keys.
INIT_TIMEOUT = 120.0

_DURATION = re.compile(r"(\d+)([hms])")


def seconds(value: object) -> object:
    """A Vault duration (``1h``, ``2160h0m0s``, ``90s`` or a number) in seconds; other values as they are."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value and _DURATION.sub("", value) == "":
        return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in _DURATION.findall(value))
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def differing(wanted: dict[str, Any], current: dict[str, Any] | None) -> list[str]:
    """The keys of ``wanted`` whose value ``current`` lacks or holds differently (durations compared in seconds,
    lists as lists, a one-element list equal to its element as Vault returns ``audience``)."""
    if current is None:
        return sorted(wanted)
    out = []
    for key, value in wanted.items():
        have = current.get(key)
        want = seconds(value) if key.endswith("ttl") else value
        got = seconds(have) if key.endswith("ttl") else have
        if isinstance(want, str) and isinstance(got, list) and got == [want]:
            continue
        if want != got:
            out.append(key)
    return sorted(out)


@dataclass(frozen=True)
class VaultFacts:
    """What the catalog states for the Vault bootstrap: init parameters, the platform's name and domain."""

    init: SecretsInit
    platform: str
    domain: str


@dataclass
class Vault:
    """An hvac client for one Vault, whose errors become one-line ``StepError``s without secrets.

    The token is taken only when a step needs one: ``token`` (from ``VAULT_TOKEN``), else the root token of the
    operator's key file, which the init step may have written a moment earlier.
    """

    address: str
    keys_file: Path | None
    token: str | None = None
    timeout: float = 10.0
    ca: Path | None = None
    """The CA (PEM) an https Vault's certificate is verified with (the platform's bootstrap CA: the ``ca.crt`` of
    Secret ``vault-ca``); None: the system's trust store. Verification is never switched off."""
    client: hvac.Client = field(init=False)

    @property
    def verify(self) -> str | bool:
        """What requests verifies TLS with: the CA file, else the system's trust store."""
        return str(self.ca) if self.ca is not None else True

    def __post_init__(self) -> None:
        self.client = hvac.Client(url=self.address, timeout=self.timeout, verify=self.verify)

    def call(self, what: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, its Vault or connection errors turned into a StepError naming ``what`` and the endpoint."""
        try:
            return fn()
        except hvac.exceptions.VaultError as exc:
            message = "; ".join(str(e) for e in (exc.errors or [])) if getattr(exc, "errors", None) else str(exc)
            raise StepError(f"{what} at {self.address}: {type(exc).__name__}: {message.splitlines()[0][:200]}") from exc
        except requests.RequestException as exc:
            raise Unreachable(f"{what}: cannot reach Vault at {self.address}: {type(exc).__name__}") from exc

    def wait_active(self, timeout: float = 30.0) -> None:
        """Wait (bounded) until ``sys/health`` answers 200: initialized, unsealed and the active node, which a
        raft node becomes a few seconds after init or unseal; writes before that fail."""
        deadline = time.monotonic() + timeout
        code = 0
        while time.monotonic() < deadline:
            try:
                answer = requests.get(f"{self.address}/v1/sys/health", timeout=self.timeout, verify=self.verify)
                code = answer.status_code
            except requests.RequestException:
                code = 0
            if code == 200:
                return
            time.sleep(0.2)
        raise StepError(f"Vault at {self.address} not active after {timeout:.0f} s (sys/health {code})")

    def keys(self) -> dict[str, Any]:
        """The operator's key file (written by the init step), or a StepError saying how to name it."""
        if self.keys_file is None:
            raise StepError("no key file named: pass --keys-file FILE (written once by the init step)")
        try:
            data = json.loads(self.keys_file.read_text())
        except (OSError, ValueError) as exc:
            raise StepError(f"{self.keys_file}: cannot read the key file: {type(exc).__name__}") from exc
        if not isinstance(data, dict):
            raise StepError(f"{self.keys_file}: not a key file written by hearth bootstrap")
        return data

    def authed(self) -> hvac.Client:
        """The client with a token: ``VAULT_TOKEN``'s, else the key file's root token."""
        if not self.client.token:
            token = self.token or self.keys().get("root_token")
            if not isinstance(token, str) or not token:
                raise StepError("no token: set VAULT_TOKEN or pass the --keys-file the init step wrote")
            self.client.token = token
        return self.client

    def read(self, path: str) -> dict[str, Any] | None:
        """GET ``/v1/<path>``: the ``data`` of the answer, None when Vault has nothing there (404)."""
        client = self.authed()
        answer = self.call(f"read {path}", lambda: client.read(path))
        if answer is None:
            return None
        data = answer.get("data") if isinstance(answer, dict) else None
        return data if isinstance(data, dict) else (answer if isinstance(answer, dict) else {})

    def list(self, path: str) -> list[str]:
        """LIST ``/v1/<path>``: the keys, empty when there are none (404)."""
        client = self.authed()
        answer = self.call(f"list {path}", lambda: client.list(path))
        keys = (answer or {}).get("data", {}).get("keys", [])
        return [str(k) for k in keys]

    def write(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        """POST ``data`` to ``/v1/<path>``: the ``data`` of the answer ({} for 204)."""
        client = self.authed()
        answer = self.call(f"write {path}", lambda: client.write_data(path, data=data))
        if isinstance(answer, dict):
            inner = answer.get("data")
            return inner if isinstance(inner, dict) else answer
        return {}


def write_keys_file(path: Path, content: dict[str, Any]) -> None:
    """Create ``path`` mode 0600 with ``content``, only if it does not exist: the keys are written once."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(content, out, indent=2)
        out.write("\n")


# ---- init and unseal (unauthenticated endpoints) ----------------------------------------------------------------
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


# ---- engines and auth methods -------------------------------------------------------------------------------------
def _mount_changes(vault: Vault, path: str, kind: str, options: dict[str, str], max_ttl: str = "") -> list[Change]:
    mounts = vault.read("sys/mounts") or {}
    mount = mounts.get(f"{path}/")
    config: dict[str, Any] = {"max_lease_ttl": max_ttl} if max_ttl else {}
    if mount is None:
        body: dict[str, Any] = {"type": kind, "options": options, "config": config}
        return [Change(f"enable {kind} at {path}/", lambda: _ignore(vault.write(f"sys/mounts/{path}", body)))]
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
        Change(
            f"tune {path}/: {', '.join(sorted(tune))}", lambda: _ignore(vault.write(f"sys/mounts/{path}/tune", tune))
        )
    ]


def _ignore(_: object) -> None:
    return None


def _writer(vault: Vault, path: str, body: dict[str, Any]) -> Callable[[], None]:
    """An action writing ``body`` to ``path`` (bound now, run later)."""

    def apply() -> None:
        vault.write(path, body)

    return apply


def mount_step(vault: Vault, name: str, path: str, kind: str, options: dict[str, str], summary: str) -> Step:
    """A secrets engine of ``kind`` enabled at ``path`` with ``options`` (tuned when they differ)."""
    return FuncStep(name, summary, lambda: _mount_changes(vault, path, kind, options))


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
            changes.append(Change("enable auth kubernetes/", lambda: _ignore(vault.write("sys/auth/kubernetes", body))))
        else:
            config = vault.read("auth/kubernetes/config")
        wanted = {"kubernetes_host": KUBERNETES_HOST} | ({"kubernetes_ca_cert": ca_cert} if ca_cert else {})
        if differing(wanted, config):
            changes.append(
                Change(
                    f"configure auth kubernetes/ with {KUBERNETES_HOST}",
                    lambda: _ignore(vault.write("auth/kubernetes/config", wanted)),
                )
            )
        return changes

    return FuncStep("vault-auth-kubernetes", "Kubernetes auth method enabled and configured", read)


# ---- PKI ----------------------------------------------------------------------------------------------------------
def _issuers(vault: Vault, mount: str) -> list[str]:
    return vault.list(f"{mount}/issuers")


def pki_root_step(vault: Vault, facts: VaultFacts) -> Step:
    """The root CA: a PKI engine at ``pki_root/`` holding one internally generated root issuer."""

    def read() -> list[Change]:
        changes = _mount_changes(vault, ROOT_PKI_MOUNT, "pki", {}, ROOT_TTL)
        mounted = not any(c.description.startswith("enable") for c in changes)
        if not mounted or not _issuers(vault, ROOT_PKI_MOUNT):
            body = {"common_name": f"{facts.platform} root CA", "ttl": ROOT_TTL, "key_type": "ec", "key_bits": 384}
            changes.append(
                Change(
                    f"generate the root CA ({facts.platform} root CA) in {ROOT_PKI_MOUNT}/",
                    lambda: _ignore(vault.write(f"{ROOT_PKI_MOUNT}/root/generate/internal", body)),
                )
            )
        return changes

    return FuncStep("vault-pki-root", "PKI root CA", read)


def pki_intermediate_step(vault: Vault, facts: VaultFacts, mount: str) -> Step:
    """The intermediate CA cert-manager's ClusterIssuer signs with: its own engine, signed by the root."""

    def read() -> list[Change]:
        changes = _mount_changes(vault, mount, "pki", {}, INTERMEDIATE_TTL)
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
                lambda: _ignore(vault.write(f"{mount}/roles/{role}", wanted)),
            )
        ]

    return FuncStep("vault-pki-role", f"PKI role {role} for hosts under {facts.domain}", read)


# ---- policies and roles ---------------------------------------------------------------------------------------------
def policies_step(vault: Vault, policies: dict[str, str]) -> Step:
    """Every rendered ``vault/policies/<name>.hcl`` written as ACL policy ``<name>`` when its text differs."""

    def read() -> list[Change]:
        changes = []
        for name, text in policies.items():
            current = vault.read(f"sys/policy/{name}")
            if current is not None and str(current.get("rules", "")).strip() == text.strip():
                continue
            body = {"policy": text}
            changes.append(Change(f"write policy {name}", _writer(vault, f"sys/policy/{name}", body)))
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
                        _writer(vault, f"auth/kubernetes/role/{name}", wanted),
                    )
                )
        return changes

    return FuncStep("vault-kubernetes-roles", f"{len(roles)} rendered Kubernetes auth roles", read)


def _longest_certificate(build: Build) -> str:
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
