"""Mail grants (``mailbox``): per consumer a user account of its own on the mail server, its address on the
platform's domain.

One step per provider of a ``grants/<provider>.json`` whose grant is ``mailbox``, ``<provider>-mailboxes``,
speaking Stalwart's JMAP management API as the operator's admin login (``Operator.admin``, HTTP Basic). Stalwart
v0.16 (the catalog pins v0.16.18) removed the REST management API (``/api/principal``) of v0.15 and before: its
accounts, domains and settings are JMAP objects of the ``urn:stalwart:jmap`` capability, their methods prefixed
``x:`` (stalw.art/docs/ref/, "Schema reference"; UPGRADING/v0_16.md), posted to ``/jmap/`` like any JMAP request
(github.com/stalwartlabs/stalwart v0.16.18 crates/http/src/request.rs). Per consumer it reads, then changes only
what differs:

* the domain: ``x:Domain/query`` by the grants file's ``domain`` (the platform's). Creating a mail domain decides
  its DKIM, DNS and certificate management, which is the operator's setup of Stalwart, so a missing one is a
  failure saying so, not something made here;
* the account: ``x:Account/query`` by ``name`` and ``domainId`` (the filters of resources/schema/schema.json at
  v0.16.18), then ``x:Account/get`` of its ``@type``; a missing one is created (``x:Account/set``) as a ``User``
  named after the grant in that domain (address ``<name>@<domain>``), role ``User``, inherited permissions, no
  encryption at rest, one ``Password`` credential (stalw.art/docs/ref/object/account, "Managing accounts");
* its password, in the consumer's KV entry (generated there when absent; the address beside it as ``username``,
  the login Stalwart authenticates, crates/common/src/auth/authentication.rs), checked by logging in as the account
  (``GET /jmap/session`` with its Basic credentials: 200, or 401); one refused is given Vault's again by replacing
  the account's credentials with that one password.

The management API is the port named ``http`` of the provider's Service in the build (Stalwart's default HTTP
listener, 8080); ``--endpoint <provider>=host:port`` names it another way. Passwords travel in request bodies and
the Authorization header, never in a URL or argv; JMAP errors are reported by their ``type``, never a description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from hearth.bootstrap.build import Build
from hearth.bootstrap.model import Change, FuncStep, Step, StepError, Unreachable
from hearth.bootstrap.operator import Admin, Operator, kv_read, kv_secret, kv_username, strip_kv
from hearth.bootstrap.rabbitmq import management_endpoint
from hearth.bootstrap.vault import KV_MOUNT, Vault

HTTP_PORT = "http"
"""The name of the provider Service's port Stalwart's HTTP listener (JMAP, management) serves."""
USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]


def new_account(name: str, domain_id: str, password: str) -> dict[str, Any]:
    """The ``x:Account/set`` creation of a consumer's user account: a plain user with one password."""
    return {
        "@type": "User",
        "name": name,
        "domainId": domain_id,
        "description": f"{name} (hearth mailbox grant)",
        "credentials": [{"@type": "Password", "secret": password}],
        "roles": {"@type": "User"},
        "permissions": {"@type": "Inherit"},
        "encryptionAtRest": {"@type": "Disabled"},
    }


@dataclass
class Stalwart:
    """Stalwart's JMAP endpoint at ``endpoint`` as ``admin``; errors are one-line StepErrors, no text echoed."""

    endpoint: str
    admin: Admin = field(repr=False)
    timeout: float = 10.0

    def _request(self, method: str, path: str, login: Admin, body: Any = None) -> requests.Response:
        try:
            return requests.request(
                method,
                f"http://{self.endpoint}{path}",
                json=body,
                auth=(login.username, login.password),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise Unreachable(f"Stalwart at {self.endpoint}: {type(exc).__name__}") from exc

    def call(self, method: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """One JMAP method call as the admin; its response arguments, or a StepError with the error's type."""
        answer = self._request(
            "POST", "/jmap/", self.admin, {"using": USING, "methodCalls": [[method, arguments, "c0"]]}
        )
        if answer.status_code == 401:
            raise StepError(f"Stalwart at {self.endpoint} refuses the admin login {self.admin.username}")
        if answer.status_code != 200:
            raise StepError(f"{method} at {self.endpoint}: HTTP {answer.status_code}")
        try:
            (name, result, _) = answer.json()["methodResponses"][0]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise StepError(f"{method} at {self.endpoint}: not a JMAP response") from exc
        if name == "error" or not isinstance(result, dict):
            kind = result.get("type", "?") if isinstance(result, dict) else "?"
            raise StepError(f"{method} at {self.endpoint}: {kind}")
        return result

    def logs_in(self, username: str, password: str) -> bool:
        """Whether ``GET /jmap/session`` as ``username`` with ``password`` is answered (200, not 401)."""
        return self._request("GET", "/jmap/session", Admin(username, password)).status_code == 200


def _set_error(result: dict[str, Any], key: str, what: str, endpoint: str) -> None:
    failed = result.get(key) or {}
    if failed:
        error = next(iter(failed.values()))
        kind = error.get("type", "?") if isinstance(error, dict) else "?"
        raise StepError(f"x:Account/set {what} at {endpoint}: {kind}")


def stalwart_steps(vault: Vault, build: Build, operator: Operator) -> list[Step]:
    """The ``<provider>-mailboxes`` step of every ``mailbox`` provider in the build."""
    steps: list[Step] = []
    for _, spec in sorted(build.provider_grants().items()):
        if spec.get("grant") == "mailbox":
            rendered = management_endpoint(build, str(spec["endpoint"]), HTTP_PORT)
            steps.append(mailboxes_step(vault, spec, operator, rendered))
    return steps


def mailboxes_step(vault: Vault, spec: dict[str, Any], operator: Operator, rendered: str | None) -> Step:
    """A user account per consumer of ``spec``'s provider, its address on the platform's domain."""
    provider, consumers, domain = str(spec["provider"]), list(spec["consumers"]), str(spec["domain"])

    def read() -> list[Change]:
        if provider not in operator.endpoints and rendered is None:
            raise StepError(f"the build's Service of {provider} has no port named {HTTP_PORT}")
        server = Stalwart(operator.endpoint(provider, rendered or ""), operator.admin(provider))
        found = server.call("x:Domain/query", {"filter": {"name": domain}}).get("ids") or []
        if not found:
            raise StepError(f"Stalwart at {server.endpoint} has no domain {domain}: add the platform's domain first")
        changes: list[Change] = []
        for consumer in consumers:
            name, secret = str(consumer["name"]), strip_kv(str(consumer["secret"]))
            changes += _consumer_changes(vault, server, str(found[0]), f"{name}@{domain}", secret)
        return changes

    summary = f"{len(consumers)} mail accounts on {provider}, each with an address on {domain}"
    return FuncStep(f"{provider}-mailboxes", summary, read)


def _consumer_changes(vault: Vault, server: Stalwart, domain_id: str, address: str, secret: str) -> list[Change]:
    name = address.partition("@")[0]
    ids = server.call("x:Account/query", {"filter": {"name": name, "domainId": domain_id}}).get("ids") or []
    account_id = str(ids[0]) if ids else None
    if account_id is not None:
        got = server.call("x:Account/get", {"ids": [account_id], "properties": ["@type", "name", "emailAddress"]})
        accounts = got.get("list") or []
        kind = accounts[0].get("@type") if accounts and isinstance(accounts[0], dict) else None
        if kind != "User":
            raise StepError(f"{address} on Stalwart at {server.endpoint} is a {kind} account, not a user")
    stored = kv_read(vault, secret) or {}
    password = stored.get("password")
    has_password = isinstance(password, str) and bool(password)
    current = (
        account_id is not None
        and has_password
        and stored.get("username") == address
        and server.logs_in(address, str(password))
    )
    if current:
        return []

    def apply() -> None:
        value, _ = kv_secret(vault, secret, "password")
        kv_username(vault, secret, address)
        if account_id is None:
            result = server.call("x:Account/set", {"create": {"mailbox": new_account(name, domain_id, value)}})
            _set_error(result, "notCreated", f"create {address}", server.endpoint)
        else:
            update = {account_id: {"credentials": [{"@type": "Password", "secret": value}]}}
            result = server.call("x:Account/set", {"update": update})
            _set_error(result, "notUpdated", f"update {address}", server.endpoint)

    where = "take from" if has_password else "generate into"
    what = "create" if account_id is None else "reset"
    return [Change(f"account {address}: {what}, password: {where} Vault {KV_MOUNT}/{secret}", apply)]
