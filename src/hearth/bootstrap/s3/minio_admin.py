"""The users step of a provider whose ``user_api`` is ``minio-admin``: MinIO's admin API (``/minio/admin/v3/`` on the
S3 port), spoken with minio-py's ``MinioAdmin`` (github.com/minio/minio-py 7.2.20, minio/minioadmin.py), the
Python counterpart of github.com/minio/madmin-go (v3.0.109, the version MinIO RELEASE.2025-09-07T16-13-09Z's
go.mod names; routes in that release's cmd/admin-router.go, handlers in cmd/admin-handlers-users.go).

Per grant, reading before writing:

* the user, ``GET user-info?accessKey=<consumer>`` (madmin-go user-commands.go ``GetUserInfo``; HTTP 404
  ``XMinioAdminNoSuchUser`` when absent). A MinIO user's access key is its name, the consumer's; its secret key is
  generated here (``secrets``: 40 URL-safe characters, within the 8 to 40 of MinIO's internal/auth/credentials.go)
  and set with ``PUT add-user?accessKey=<consumer>``, whose body ``{"secretKey": ..., "status": "enabled"}`` is
  encrypted with the admin's secret key (madmin-go encrypt.go ``EncryptData``: Argon2id, AES-256-GCM; minio-py
  minio/crypto.py ``encrypt``); the same call sets a new secret on an existing user and keeps its policies
  (cmd/iam-store.go ``AddUser``). The server never returns a user's secret (``UserInfo.secretKey`` stays empty), so
  Vault's is kept while the user is enabled and a listing of its bucket signed with it is accepted;
* the canned policy ``hearth-bucket-<consumer>`` (``bucket_policy``), ``GET info-canned-policy?name=`` (the policy
  document; 404 ``XMinioAdminNoSuchPolicy``), written with ``PUT add-canned-policy?name=`` when it differs;
* its attachment: the user's ``policyName`` (comma-separated) must be that policy alone; others are detached and it
  is attached with ``POST idp/builtin/policy/detach`` and ``attach`` (an encrypted ``{"policies": [...], "user":
  ...}``, madmin-go policy-commands.go ``AttachPolicy``/``DetachPolicy``).

The secret travels only in the encrypted body and the Vault write, never in argv, a log or a report line; an error
is the HTTP status and MinIO's error code, never the reply's body.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import urllib3
from minio.credentials.providers import StaticProvider
from minio.error import MinioAdminException
from minio.minioadmin import MinioAdmin

from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.bootstrap.operator import Operator, kv_read, strip_kv
from hearth.bootstrap.s3.server import S3Server, accepted, admin_server, bucket_policy, canonical_policy
from hearth.bootstrap.sigv4 import REGION, Keys
from hearth.bootstrap.vault import KV_MOUNT, Vault

POLICY_PREFIX = "hearth-bucket-"
SECRET_BYTES = 30
"""``secrets.token_urlsafe(30)``: 40 characters, MinIO's longest secret key (internal/auth/credentials.go)."""
NO_USER, NO_POLICY = "XMinioAdminNoSuchUser", "XMinioAdminNoSuchPolicy"


def policy_name(user: str) -> str:
    """The canned policy of ``user``'s bucket."""
    return f"{POLICY_PREFIX}{user}"


@dataclass
class MinioAdminApi:
    """MinIO's admin API at ``endpoint`` (plain HTTP in-cluster) as the admin ``keys``; errors are one line."""

    endpoint: str
    keys: Keys = field(repr=False)
    timeout: float = 10.0
    client: MinioAdmin = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # No retries: a step fails at once with one line, and the next run starts again (minio-py retries 5 times
        # with 5-minute timeouts by default).
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout), retries=False)
        credentials = StaticProvider(self.keys.access_key_id, self.keys.secret_access_key)
        self.client = MinioAdmin(
            endpoint=self.endpoint, credentials=credentials, region=REGION, secure=False, http_client=http
        )

    def call(self, what: str, fn: Callable[[], str], missing: str = "") -> str | None:
        """``fn()``'s reply; None when the server answers 404 with error code ``missing``."""
        try:
            return fn()
        except MinioAdminException as exc:
            status, error = str(getattr(exc, "_code", "")), _error_code(str(getattr(exc, "_body", "")))
            if missing and status == "404" and error == missing:
                return None
            raise StepError(f"MinIO admin {what} at {self.endpoint}: HTTP {status} {error}".rstrip()) from None
        except urllib3.exceptions.HTTPError as exc:
            raise Unreachable(f"MinIO admin API at {self.endpoint}: {type(exc).__name__}") from None
        except (ValueError, OSError) as exc:  # a reply that does not decrypt or is cut short
            raise StepError(f"MinIO admin {what} at {self.endpoint}: unreadable reply ({type(exc).__name__})") from None

    def user(self, user: str) -> dict[str, Any] | None:
        """The user's info (``status``, ``policyName``), None when MinIO has no such user."""
        reply = self.call(f"user-info {user}", lambda: self.client.user_info(user), missing=NO_USER)
        return None if reply is None else _json_object(reply, f"user-info {user}", self.endpoint)

    def policy(self, name: str) -> Any:
        """The canned policy ``name`` as compared (``canonical_policy``), None when absent or not a policy."""
        reply = self.call(f"info-canned-policy {name}", lambda: self.client.policy_info(name), missing=NO_POLICY)
        return None if reply is None else canonical_policy(_json_object(reply, f"policy {name}", self.endpoint))


def _error_code(body: str) -> str:
    """The ``Code`` of MinIO's JSON error reply (cmd/api-errors.go), empty if there is none."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    return str(parsed.get("Code", "")) if isinstance(parsed, dict) else ""


def _json_object(reply: str, what: str, endpoint: str) -> dict[str, Any]:
    try:
        parsed = json.loads(reply)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise StepError(f"MinIO admin {what} at {endpoint}: the reply is not a JSON object")
    return parsed


def minio_users_step(vault: Vault, spec: dict[str, Any], operator: Operator) -> Step:
    """A MinIO user per grant of ``spec``, reaching its bucket only; its keys in the grant's KV entry."""
    provider, consumers = str(spec["provider"]), list(spec["consumers"])

    def read() -> list[Change]:
        server = admin_server(spec, operator)
        api = MinioAdminApi(server.endpoint, server.keys, server.timeout)
        changes: list[Change] = []
        for consumer in consumers:
            user, bucket, secret = str(consumer["consumer"]), str(consumer["name"]), str(consumer["secret"])
            changes += _user_changes(vault, api, server, user, bucket, strip_kv(secret))
        return changes

    summary = f"{len(consumers)} users on {provider} through MinIO's admin API, each reaching its own bucket"
    return FuncStep(f"{provider}-bucket-users", summary, read)


def _user_changes(
    vault: Vault, api: MinioAdminApi, server: S3Server, user: str, bucket: str, secret: str
) -> list[Change]:
    changes: list[Change] = []
    info = api.user(user)
    stored = kv_read(vault, secret) or {}
    enabled = info is not None and info.get("status") == "enabled"
    kept = stored.get("access_key_id") == user and stored.get("bucket") == bucket
    if not (enabled and kept and accepted(server, bucket, stored)):

        def set_secret() -> None:
            key = secrets.token_urlsafe(SECRET_BYTES)
            api.call(f"add-user {user}", lambda: api.client.user_add(user, key))
            data = {**(kv_read(vault, secret) or {}), "bucket": bucket, "access_key_id": user, "secret_access_key": key}
            vault.write(f"{KV_MOUNT}/data/{secret}", {"data": data})

        into = f"into Vault {KV_MOUNT}/{secret}"
        if info is None:
            what = f"create, its secret key {into}"
        elif not enabled:
            what = f"enable, a new secret key {into}"
        else:
            what = f"a new secret key {into} (Vault's is missing or refused)"
        changes.append(Change(f"user {user}: {what}", set_secret))
    name, wanted = policy_name(user), bucket_policy(bucket)
    if api.policy(name) != canonical_policy(wanted):

        def put_policy() -> None:
            api.call(f"add-canned-policy {name}", lambda: api.client.policy_add(name, policy=wanted))

        changes.append(Change(f"policy {name}: bucket {bucket} only", put_policy))
    attached = [p for p in str((info or {}).get("policyName", "")).split(",") if p]
    others = sorted(p for p in attached if p != name)
    if name not in attached or others:

        def attach() -> None:
            if others:
                api.call(f"detach {', '.join(others)}", lambda: api.client.detach_policy(others, user=user))
            if name not in attached:
                api.call(f"attach {name}", lambda: api.client.attach_policy([name], user=user))

        parts = [f"attach policy {name}"] if name not in attached else []
        parts += [f"detach {', '.join(others)}"] if others else []
        changes.append(Change(f"user {user}: {', '.join(parts)}", attach))
    return changes
