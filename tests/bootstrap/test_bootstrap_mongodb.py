"""``hearth bootstrap``'s MongoDB step. No MongoDB server can run here (it is in neither Debian nor PyPI), and the
wire protocol is not HTTP, so the step is tested at the ``MongoAdmin`` interface against a fake holding users as
MongoDB's ``usersInfo`` reports them, with a fake of Vault's KV API on loopback; and ``PyMongoAdmin``, the real
implementation, is held to the command documents it hands pymongo's ``Database.command`` (recorded, not sent) as
the MongoDB 8.0 manual writes them (mongodb.com/docs/manual/reference/command/usersInfo, createUser, updateUser,
connectionStatus). The unreachable case runs the real pymongo against a closed port through the CLI.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymongo.database
import pymongo.errors
import pytest
from bootstrap_fakes import FakeVault, closed_port, serve, write_admin

import hearth.bootstrap.mongodb as mongodb
from hearth.bootstrap.model import Status, StepResult
from hearth.bootstrap.mongodb import PyMongoAdmin, mongodb_steps
from hearth.bootstrap.operator import Admin, Operator
from hearth.bootstrap.runner import run_steps
from hearth.bootstrap.vault import Vault
from hearth.catalog.loader import load_catalog
from tools import RunHearth

SEED = load_catalog(None)
STEP = "mongodb-users"
CONSUMER, SECRET = "stoat", "social/stoat/mongodb"
ADMIN, ADMIN_PW = "root", "mongo-admin-password-not-in-any-output"


@dataclass
class FakeMongo:
    """Users by (database, name): password and roles, as ``createUser``/``updateUser`` leave them."""

    endpoint: str = "mongodb.test:27017"
    users: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    closed: int = 0

    def user(self, database: str, name: str) -> dict[str, Any] | None:
        self.calls.append(f"usersInfo {database}.{name}")
        found = self.users.get((database, name))
        if found is None:
            return None
        return {"_id": f"{database}.{name}", "user": name, "db": database, "roles": list(found["roles"])}

    def create_user(self, database: str, name: str, password: str, roles: list[dict[str, str]]) -> None:
        self.calls.append(f"createUser {database}.{name}")
        assert (database, name) not in self.users, "createUser of an existing user fails (51003 Location51003)"
        self.users[database, name] = {"pwd": password, "roles": list(roles)}

    def update_user(self, database: str, name: str, password: str | None, roles: list[dict[str, str]]) -> None:
        self.calls.append(f"updateUser {database}.{name}" + (" pwd" if password is not None else ""))
        user = self.users[database, name]
        user["roles"] = list(roles)
        if password is not None:
            user["pwd"] = password

    def authenticates(self, database: str, name: str, password: str) -> bool:
        self.calls.append(f"auth {database}.{name}")
        found = self.users.get((database, name))
        return found is not None and found["pwd"] == password

    def close(self) -> None:
        self.closed += 1


@dataclass
class World:
    mongo: FakeMongo
    vault: FakeVault
    steps: Any

    def run(self, *, dry_run: bool = False) -> StepResult:
        (result,) = run_steps(self.steps, dry_run=dry_run)
        return result


@pytest.fixture
def world(seed_files: dict[str, str], tmp_path: Path) -> Iterator[World]:
    mongo, fake_vault = FakeMongo(), FakeVault()
    admins = write_admin(tmp_path / "admins", "mongodb", ADMIN, ADMIN_PW)
    seen: list[tuple[str, Admin]] = []

    def connect(endpoint: str, admin: Admin) -> FakeMongo:
        seen.append((endpoint, admin))
        return mongo

    grants = {"mongodb": json.loads(seed_files["grants/mongodb.json"])}
    with serve(fake_vault.handle) as vault_server:
        vault = Vault(address=f"http://{vault_server.endpoint}", keys_file=None, token=fake_vault.token)
        operator = Operator(vault, {"mongodb": mongo.endpoint}, admins)
        world = World(mongo, fake_vault, mongodb_steps(vault, grants, operator, connect))
        yield world
    assert all(e == mongo.endpoint and a == Admin(ADMIN, ADMIN_PW) for e, a in seen)


def test_the_seed_renders_the_mongodb_grant(seed_files: dict[str, str]) -> None:
    spec = json.loads(seed_files["grants/mongodb.json"])
    assert (spec["grant"], spec["capability"], spec["endpoint"]) == ("database", "mongodb", "mongodb.db.svc:27017")
    assert spec["consumers"] == [{"consumer": CONSUMER, "name": CONSUMER, "secret": f"kv/{SECRET}"}]


def test_first_run_creates_then_second_run_changes_nothing(world: World) -> None:
    first = world.run()
    assert first.status == "created", first.error
    assert first.changes == [
        f"user {CONSUMER} in database {CONSUMER}: create, readWrite on {CONSUMER}, "
        f"password: generate into Vault kv/{SECRET}"
    ]
    creds = world.vault.kv[SECRET]
    assert creds["username"] == CONSUMER and len(creds["password"]) >= 32
    assert world.mongo.users == {
        (CONSUMER, CONSUMER): {"pwd": creds["password"], "roles": [{"role": "readWrite", "db": CONSUMER}]}
    }
    world.mongo.calls.clear()
    second = world.run()
    assert (second.status, second.changes) == ("unchanged", [])
    assert world.mongo.calls == [f"usersInfo {CONSUMER}.{CONSUMER}", f"auth {CONSUMER}.{CONSUMER}"]
    assert world.vault.kv[SECRET] == creds


def test_drift_is_planned_by_a_dry_run_and_corrected_by_a_run(world: World) -> None:
    world.run()
    creds = dict(world.vault.kv[SECRET])
    user = world.mongo.users[CONSUMER, CONSUMER]
    user["pwd"] = "changed-by-hand"
    user["roles"] = [{"role": "readWrite", "db": CONSUMER}, {"role": "root", "db": "admin"}]
    planned = world.run(dry_run=True)
    wanted = [
        f"user {CONSUMER} in database {CONSUMER}: roles: readWrite on {CONSUMER} only, "
        f"password: take from Vault kv/{SECRET}"
    ]
    assert (planned.status, planned.changes) == ("planned", wanted)
    assert user["pwd"] == "changed-by-hand" and len(user["roles"]) == 2  # the dry run changed nothing
    restored = world.run()
    assert (restored.status, restored.changes) == ("created", wanted)
    assert world.mongo.users[CONSUMER, CONSUMER] == {
        "pwd": creds["password"],
        "roles": [{"role": "readWrite", "db": CONSUMER}],
    }
    assert world.vault.kv[SECRET] == creds
    assert world.run().status == "unchanged"


def test_only_the_roles_drifted_keeps_the_password(world: World) -> None:
    world.run()
    world.mongo.users[CONSUMER, CONSUMER]["roles"] = [{"role": "read", "db": CONSUMER}]
    world.mongo.calls.clear()
    fixed = world.run()
    assert fixed.changes == [f"user {CONSUMER} in database {CONSUMER}: roles: readWrite on {CONSUMER} only"]
    assert f"updateUser {CONSUMER}.{CONSUMER}" in world.mongo.calls  # no pwd sent


def test_no_secret_reaches_the_report_or_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    results = [world.run(), world.run()]
    password = world.vault.kv[SECRET]["password"]
    text = json.dumps([r.as_json() for r in results]) + caplog.text
    assert ADMIN_PW not in text and password not in text


# ---- PyMongoAdmin: the command documents handed to pymongo ------------------------------------------------------
@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[PyMongoAdmin, list[tuple[str, dict[str, Any]]]]]:
    """A PyMongoAdmin whose clients never connect (pymongo connects lazily) and whose ``Database.command`` calls
    are recorded and answered as MongoDB 8.0 answers them."""
    sent: list[tuple[str, dict[str, Any]]] = []
    users: dict[str, list[dict[str, Any]]] = {}

    def command(self: pymongo.database.Database[Any], document: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        sent.append((self.name, dict(document)))
        name = next(iter(document))
        if name == "usersInfo":
            return {"users": users.get(self.name, []), "ok": 1.0}
        if name == "connectionStatus":
            login = self.client.options.pool_options._credentials
            if login is None or login.password != "right":
                raise pymongo.errors.OperationFailure(
                    "Authentication failed.", 18, {"codeName": "AuthenticationFailed"}
                )
            return {"authInfo": {"authenticatedUsers": [{"user": login.username, "db": login.source}]}, "ok": 1.0}
        return {"ok": 1.0}

    monkeypatch.setattr(pymongo.database.Database, "command", command)
    admin = PyMongoAdmin("mongodb.test:27017", Admin(ADMIN, ADMIN_PW))
    try:
        yield admin, sent
    finally:
        admin.close()


def test_pymongo_admin_sends_the_manuals_command_documents(
    recorded: tuple[PyMongoAdmin, list[tuple[str, dict[str, Any]]]],
) -> None:
    admin, sent = recorded
    roles = [{"role": "readWrite", "db": CONSUMER}]
    assert admin.user(CONSUMER, CONSUMER) is None
    admin.create_user(CONSUMER, CONSUMER, "pw-1", roles)
    admin.update_user(CONSUMER, CONSUMER, None, roles)
    admin.update_user(CONSUMER, CONSUMER, "pw-2", roles)
    assert sent == [
        (CONSUMER, {"usersInfo": {"user": CONSUMER, "db": CONSUMER}}),
        (CONSUMER, {"createUser": CONSUMER, "pwd": "pw-1", "roles": roles}),
        (CONSUMER, {"updateUser": CONSUMER, "roles": roles}),
        (CONSUMER, {"updateUser": CONSUMER, "roles": roles, "pwd": "pw-2"}),
    ]
    for _, document in sent:  # the command's name is the document's first key, as the server requires
        assert next(iter(document)) in ("usersInfo", "createUser", "updateUser")
    assert admin.client is not None
    credentials = admin.client.options.pool_options._credentials
    assert credentials is not None and (credentials.username, credentials.source) == (ADMIN, "admin")


def test_pymongo_admin_checks_a_password_by_logging_in_to_the_consumers_database(
    recorded: tuple[PyMongoAdmin, list[tuple[str, dict[str, Any]]]],
) -> None:
    admin, sent = recorded
    assert admin.authenticates(CONSUMER, CONSUMER, "right") is True
    assert admin.authenticates(CONSUMER, CONSUMER, "wrong") is False
    assert sent == [(CONSUMER, {"connectionStatus": 1})] * 2


def test_an_unreachable_server_exits_2_with_one_line_naming_it(
    tmp_path: Path, hearth: RunHearth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mongodb, "SERVER_SELECTION_SECONDS", 0.5)
    admins = write_admin(tmp_path / "admins", "mongodb", ADMIN, ADMIN_PW)
    where = f"127.0.0.1:{closed_port()}"
    args = ["bootstrap", "--only", STEP, "--endpoint", f"mongodb={where}", "--admin-dir", str(admins)]
    result = hearth(*args, "--vault-addr", "http://127.0.0.1:1", "-o", "json")
    assert result.exit_code == 2, result.output
    (step,) = json.loads(result.stdout)["steps"]
    assert step["error"] == f"MongoDB at {where}: ServerSelectionTimeoutError"
    assert step["status"] == str(Status.failed)
