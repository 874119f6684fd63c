"""RabbitMQ grants (``vhost``): per consumer a vhost and a user whose permissions reach that vhost only.

One step per provider of a ``grants/<provider>.json`` whose grant is ``vhost``, ``<provider>-vhosts``, speaking the
management plugin's HTTP API (rabbitmq.com/docs/http-api-reference: ``/api/vhosts/{vhost}``, ``/api/users/{user}``,
``/api/users/{user}/permissions``, ``/api/permissions/{vhost}/{user}``) as the operator's admin login
(``Operator.admin``). Per consumer it reads, then changes only what differs:

* the vhost named after the grant, created when missing;
* the user of the same name, its password in the consumer's KV entry (generated there when absent, with the user
  name beside it: what the consumer logs in with). The server's ``password_hash`` (base64 of a 4-byte salt and the
  salted SHA-256 or SHA-512 digest, rabbitmq.com/docs/passwords) is checked against Vault's password, so a user
  whose password differs is given Vault's again; tags are none (no management UI login);
* permissions ``.*`` configure, write and read on its own vhost, and none on any other (others are removed).

The management API is reached at the host of the rendered AMQP endpoint and the port named ``management`` of the
provider's Service in the build; ``--endpoint <provider>=host:port`` names the management API another way. The
passwords travel in request bodies and the admin's in the Authorization header, never in argv.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from hearth.bootstrap.build import Build
from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.bootstrap.operator import Admin, Operator, kv_read, kv_secret, kv_username, strip_kv
from hearth.bootstrap.vault import KV_MOUNT, Vault

MANAGEMENT_PORT = "management"
"""The name of the provider Service's port the management plugin listens on."""
ALL = ".*"
HASHES = {
    "rabbit_password_hashing_sha256": hashlib.sha256,
    "rabbit_password_hashing_sha512": hashlib.sha512,
}


def password_matches(password_hash: str, algorithm: str, password: str) -> bool:
    """Whether RabbitMQ's ``password_hash`` (base64 of salt[4] + H(salt + password)) is that of ``password``."""
    digest = HASHES.get(algorithm)
    try:
        raw = base64.b64decode(password_hash, validate=True)
    except ValueError:
        return False
    if digest is None or len(raw) <= 4:
        return False
    salt = raw[:4]
    return raw[4:] == digest(salt + password.encode()).digest()


def management_endpoint(build: Build, endpoint: str, port_name: str = MANAGEMENT_PORT) -> str | None:
    """``host:port`` of a management API: the rendered endpoint's host (``<service>.<namespace>.svc``) and the port
    named ``port_name`` (``management``) of that Service in the build; None when the build's Service has none."""
    host = endpoint.rpartition(":")[0]
    service, _, rest = host.partition(".")
    namespace = rest.partition(".")[0]
    for doc in build.manifests("Service"):
        meta = doc.get("metadata") or {}
        if meta.get("name") != service or meta.get("namespace") != namespace:
            continue
        for port in (doc.get("spec") or {}).get("ports") or []:
            if port.get("name") == port_name:
                return f"{host}:{port['port']}"
    return None


@dataclass
class Management:
    """The management HTTP API at ``endpoint`` as ``admin``; errors are one-line StepErrors, no body echoed."""

    endpoint: str
    admin: Admin = field(repr=False)
    timeout: float = 10.0

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """``method`` on ``/api/<path>``; the decoded JSON (None for 404 on a GET or an empty reply)."""
        url = f"http://{self.endpoint}/api/{path}"
        try:
            answer = requests.request(
                method, url, json=body, auth=(self.admin.username, self.admin.password), timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise Unreachable(f"RabbitMQ management API at {self.endpoint}: {type(exc).__name__}") from exc
        if answer.status_code == 404 and method == "GET":
            return None
        if answer.status_code == 401:
            raise StepError(f"RabbitMQ at {self.endpoint} refuses the admin login {self.admin.username}")
        if answer.status_code >= 300:
            raise StepError(f"{method} /api/{path} at {self.endpoint}: HTTP {answer.status_code} {answer.reason}")
        return answer.json() if answer.content else None


def _q(name: str) -> str:
    return quote(name, safe="")


def rabbitmq_steps(vault: Vault, build: Build, operator: Operator) -> list[Step]:
    """The ``<provider>-vhosts`` step of every ``vhost`` provider in the build."""
    steps: list[Step] = []
    for _, spec in sorted(build.provider_grants().items()):
        if spec.get("grant") == "vhost":
            rendered = management_endpoint(build, str(spec["endpoint"]))
            steps.append(vhosts_step(vault, spec, operator, rendered))
    return steps


def vhosts_step(vault: Vault, spec: dict[str, Any], operator: Operator, rendered: str | None) -> Step:
    """A vhost and a user per consumer of ``spec``'s provider, permissions on that vhost only."""
    provider, consumers = str(spec["provider"]), list(spec["consumers"])

    def read() -> list[Change]:
        if provider not in operator.endpoints and rendered is None:
            raise StepError(f"the build's Service of {provider} has no port named {MANAGEMENT_PORT}")
        api = Management(operator.endpoint(provider, rendered or ""), operator.admin(provider))
        changes: list[Change] = []
        for consumer in consumers:
            changes += _consumer_changes(vault, api, str(consumer["name"]), str(consumer["secret"]))
        return changes

    summary = f"{len(consumers)} vhosts on {provider}, each with a user of its own"
    return FuncStep(f"{provider}-vhosts", summary, read)


def _consumer_changes(vault: Vault, api: Management, name: str, secret: str) -> list[Change]:
    changes: list[Change] = []
    if api.call("GET", f"vhosts/{_q(name)}") is None:

        def vhost() -> None:
            api.call("PUT", f"vhosts/{_q(name)}", {})

        changes.append(Change(f"vhost {name}", vhost))
    password = (kv_read(vault, strip_kv(secret)) or {}).get("password")
    user = api.call("GET", f"users/{_q(name)}")
    if not (
        isinstance(password, str)
        and isinstance(user, dict)
        and password_matches(str(user.get("password_hash", "")), str(user.get("hashing_algorithm", "")), password)
        and not user.get("tags")
    ):

        def put_user() -> None:
            value, _ = kv_secret(vault, strip_kv(secret), "password")
            kv_username(vault, secret, name)
            api.call("PUT", f"users/{_q(name)}", {"password": value, "tags": ""})

        verb = "generate into" if password is None else "take from"
        what = "create" if user is None else "reset"
        changes.append(Change(f"user {name}: {what}, password: {verb} Vault {KV_MOUNT}/{strip_kv(secret)}", put_user))
    wanted = {"vhost": name, "configure": ALL, "write": ALL, "read": ALL}
    have = [] if user is None else api.call("GET", f"users/{_q(name)}/permissions") or []
    others = sorted(str(p.get("vhost")) for p in have if p.get("vhost") != name)
    own = [p for p in have if p.get("vhost") == name]
    if others or not own or any(own[0].get(k) != v for k, v in wanted.items()):

        def permissions() -> None:
            for other in others:
                api.call("DELETE", f"permissions/{_q(other)}/{_q(name)}")
            api.call("PUT", f"permissions/{_q(name)}/{_q(name)}", {k: v for k, v in wanted.items() if k != "vhost"})

        dropped = f" (remove {', '.join(others)})" if others else ""
        changes.append(Change(f"user {name}: permissions on vhost {name} only{dropped}", permissions))
    return changes
