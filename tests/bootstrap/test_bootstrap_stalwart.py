"""``hearth bootstrap``'s Stalwart step against a fake of Stalwart v0.16's JMAP management API on loopback (no
Stalwart can run here) and a fake of Vault's KV version 2 API.

The fake answers what the step is written to send, as Stalwart v0.16.18 serves it: JMAP requests POSTed to
``/jmap/`` as ``application/json`` with the ``urn:stalwart:jmap`` capability (crates/http/src/request.rs),
``x:Domain/query`` and ``x:Account/query`` filtered by ``name`` (and ``domainId``), ``x:Account/get``,
``x:Account/set`` create and update (stalw.art/docs/ref/object/account), an unknown method answered with a JMAP
``error``; Basic logins, a refused one 401; ``GET /jmap/session`` as an account to check its password.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bootstrap_fakes import (
    Fake,
    FakeVault,
    Reply,
    Request,
    closed_port,
    json_reply,
    run_only,
    served_provider,
    write_admin,
)

from hearth.bootstrap import Options, StepResult
from hearth.catalog.loader import load_catalog
from tools import RunHearth

SEED = load_catalog(None)
STEP = "stalwart-mailboxes"
CONSUMER, SECRET = "stoat", "social/stoat/mail"
DOMAIN = SEED.platform.domain
ADDRESS = f"{CONSUMER}@{DOMAIN}"
ADMIN, ADMIN_PW = "admin", "stalwart-admin-password-not-in-any-output"


@dataclass
class FakeStalwart:
    """Domains and accounts by id, as the JMAP management API reports them; passwords in plain (a fake)."""

    domains: dict[str, str] = field(default_factory=lambda: {"b": DOMAIN})
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 0

    def login(self, request: Request) -> tuple[str, str] | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        return user, password

    def authenticates(self, user: str, password: str) -> bool:
        if (user, password) == (ADMIN, ADMIN_PW):
            return True
        local, _, domain = user.partition("@")
        return any(
            a["name"] == local
            and self.domains.get(a["domainId"]) == domain
            and any(c.get("secret") == password for c in a["credentials"])
            for a in self.accounts.values()
        )

    def handle(self, request: Request) -> Reply:
        login = self.login(request)
        if login is None or not self.authenticates(*login):
            return json_reply(401, {"type": "about:blank", "status": 401, "title": "Unauthorized"})
        if request.method == "GET" and request.path == "/jmap/session":
            return json_reply(200, {"capabilities": {}, "username": login[0]})
        if request.method != "POST" or request.path != "/jmap/" or request.query:
            return json_reply(404, {"type": "about:blank", "status": 404})
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            return json_reply(400, {"type": "urn:ietf:params:jmap:error:notJSON", "status": 400})
        if login[0] != ADMIN:
            return json_reply(403, {"type": "about:blank", "status": 403})
        body = json.loads(request.body)
        if "urn:stalwart:jmap" not in body.get("using", []):
            return json_reply(400, {"type": "urn:ietf:params:jmap:error:unknownCapability", "status": 400})
        responses = [[*self.method(name, args), call] for name, args, call in body["methodCalls"]]
        return json_reply(200, {"methodResponses": responses, "sessionState": "0"})

    def method(self, name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if name == "x:Domain/query":
            wanted = args.get("filter", {}).get("name")
            return name, {"ids": [i for i, d in sorted(self.domains.items()) if d == wanted]}
        if name == "x:Account/query":
            f = args.get("filter", {})
            ids = [
                i
                for i, a in sorted(self.accounts.items())
                if a["name"] == f.get("name") and ("domainId" not in f or a["domainId"] == f["domainId"])
            ]
            return name, {"ids": ids}
        if name == "x:Account/get":
            props = args.get("properties")
            found = [
                {k: v for k, v in {"id": i, **self.accounts[i]}.items() if props is None or k in props or k == "id"}
                for i in args["ids"]
                if i in self.accounts
            ]
            return name, {"list": found, "notFound": [i for i in args["ids"] if i not in self.accounts]}
        if name == "x:Account/set":
            return name, self.set(args)
        return "error", {"type": "unknownMethod"}

    def set(self, args: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"created": {}, "updated": {}, "notCreated": {}, "notUpdated": {}}
        for key, account in (args.get("create") or {}).items():
            required = ("@type", "name", "domainId", "roles", "permissions", "encryptionAtRest")
            if any(r not in account for r in required) or account["domainId"] not in self.domains:
                out["notCreated"][key] = {"type": "invalidProperties", "description": f"cannot create {account}"}
                continue
            self.next_id += 1
            self.accounts[f"a{self.next_id}"] = dict(account)
            out["created"][key] = {"id": f"a{self.next_id}"}
        for key, patch in (args.get("update") or {}).items():
            if key not in self.accounts:
                out["notUpdated"][key] = {"type": "notFound", "description": f"no {patch}"}
                continue
            self.accounts[key].update(patch)
            out["updated"][key] = None
        return out


@dataclass
class World:
    mail: FakeStalwart
    mail_server: Fake
    vault: FakeVault
    options: Options
    files: dict[str, str]
    admin_dir: Path

    def run(self, *, dry_run: bool = False) -> StepResult:
        return run_only(STEP, self.files, self.options, dry_run=dry_run)


@pytest.fixture
def world(seed_files: dict[str, str], tmp_path: Path) -> Iterator[World]:
    mail = FakeStalwart()
    with served_provider("stalwart", mail.handle, tmp_path / "admins", (ADMIN, ADMIN_PW)) as served:
        mail_server, vault, _, options = served
        yield World(mail, mail_server, vault, options, seed_files, tmp_path / "admins")


def test_the_seed_renders_the_mailbox_grant_on_the_platforms_domain(seed_files: dict[str, str]) -> None:
    spec = json.loads(seed_files["grants/stalwart.json"])
    assert (spec["grant"], spec["capability"], spec["domain"]) == ("mailbox", "mail", DOMAIN)
    assert spec["consumers"] == [{"consumer": CONSUMER, "name": CONSUMER, "secret": f"kv/{SECRET}"}]


def test_the_management_api_is_the_services_http_port(seed_files: dict[str, str]) -> None:
    from hearth.bootstrap.build import Build
    from hearth.bootstrap.rabbitmq import management_endpoint

    spec = json.loads(seed_files["grants/stalwart.json"])
    assert management_endpoint(Build(seed_files), spec["endpoint"], "http") == "stalwart.social.svc:8080"


def test_first_run_creates_then_second_run_changes_nothing(world: World) -> None:
    first = world.run()
    assert first.status == "created", first.error
    assert first.changes == [f"account {ADDRESS}: create, password: generate into Vault kv/{SECRET}"]
    creds = world.vault.kv[SECRET]
    assert creds["username"] == ADDRESS and len(creds["password"]) >= 32
    ((_, account),) = world.mail.accounts.items()
    assert account == {
        "@type": "User",
        "name": CONSUMER,
        "domainId": "b",
        "description": f"{CONSUMER} (hearth mailbox grant)",
        "credentials": [{"@type": "Password", "secret": creds["password"]}],
        "roles": {"@type": "User"},
        "permissions": {"@type": "Inherit"},
        "encryptionAtRest": {"@type": "Disabled"},
    }
    assert world.mail.authenticates(ADDRESS, creds["password"])
    second = world.run()
    assert (second.status, second.changes) == ("unchanged", [])
    assert world.vault.kv[SECRET] == creds and len(world.mail.accounts) == 1


def test_a_changed_password_is_planned_by_a_dry_run_and_restored_by_a_run(world: World) -> None:
    world.run()
    creds = dict(world.vault.kv[SECRET])
    ((account_id, account),) = world.mail.accounts.items()
    account["credentials"] = [{"@type": "Password", "secret": "changed-by-hand"}]
    planned = world.run(dry_run=True)
    wanted = [f"account {ADDRESS}: reset, password: take from Vault kv/{SECRET}"]
    assert (planned.status, planned.changes) == ("planned", wanted)
    assert account["credentials"] == [{"@type": "Password", "secret": "changed-by-hand"}]  # untouched
    restored = world.run()
    assert (restored.status, restored.changes) == ("created", wanted)
    assert list(world.mail.accounts) == [account_id] and world.mail.authenticates(ADDRESS, creds["password"])
    assert world.vault.kv[SECRET] == creds
    assert world.run().status == "unchanged"


def test_a_missing_domain_or_a_group_of_that_name_is_one_line(world: World) -> None:
    world.mail.domains.clear()
    result = world.run()
    where = world.mail_server.endpoint
    assert (result.status, result.error) == (
        "failed",
        f"Stalwart at {where} has no domain {DOMAIN}: add the platform's domain first",
    )
    world.mail.domains["b"] = DOMAIN
    world.mail.accounts["g1"] = {"@type": "Group", "name": CONSUMER, "domainId": "b", "credentials": []}
    result = world.run()
    assert result.error == f"{ADDRESS} on Stalwart at {where} is a Group account, not a user"


def test_a_refused_admin_login_is_one_line(world: World) -> None:
    (world.admin_dir / "stalwart.json").unlink()
    write_admin(world.admin_dir, "stalwart", ADMIN, "wrong")
    result = world.run()
    assert result.error == f"Stalwart at {world.mail_server.endpoint} refuses the admin login {ADMIN}"


def test_no_secret_reaches_a_url_the_report_or_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    results = [world.run(), world.run()]
    password = world.vault.kv[SECRET]["password"]
    text = json.dumps([r.as_json() for r in results]) + caplog.text
    assert ADMIN_PW not in text and password not in text
    for request in world.mail_server.requests:
        assert request.query == "" and password not in request.path and ADMIN_PW not in request.path


def test_an_unreachable_server_exits_2_with_one_line_naming_it(world: World, hearth: RunHearth) -> None:
    where = f"127.0.0.1:{closed_port()}"
    args = ["bootstrap", "--only", STEP, "--endpoint", f"stalwart={where}", "--admin-dir", str(world.admin_dir)]
    result = hearth(*args, "--vault-addr", str(world.options.vault_address), "-o", "json")
    assert result.exit_code == 2, result.output
    (step,) = json.loads(result.stdout)["steps"]
    assert step["error"] == f"Stalwart at {where}: ConnectionError"
