"""Vault (or OpenBao: the same HTTP API) from empty to configured, as steps that read before they write.

This module is the client the steps share (``Vault``: an hvac client whose errors become one-line StepErrors, the
engines' mount paths, and how a wanted configuration is compared with Vault's); the steps are in the modules named
for what they configure: ``seal`` (initialize, unseal), ``engines`` (KV v2, the database engine, the Kubernetes
auth method), ``pki`` (the root and intermediate CA and the signing role), ``access`` (the rendered policies and
Kubernetes auth roles), and ``steps``, which puts them in order.

Order: initialize, unseal, then with the root token from the operator's key file (or ``VAULT_TOKEN``): the
Kubernetes auth method, KV v2, the database engine, the PKI root and intermediate and the role cert-manager's
ClusterIssuer signs with, and every rendered policy and Kubernetes auth role. API paths and fields are Vault's
(developer.hashicorp.com/vault/api-docs: system/init, system/unseal, system/mounts, system/auth, system/policy,
auth/kubernetes, secret/pki); hvac (pinned in pyproject.toml) speaks them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import requests

from hearth.bootstrap.model import StepError, Unreachable
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
        # hvac takes a token from VAULT_TOKEN or ~/.vault-token when given none; the operator's token is already
        # ``token`` (plan_steps reads VAULT_TOKEN), and a ~/.vault-token left by a CLI login to another Vault must
        # not stand in for it or for the key file's root token.
        self.client.token = None

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
