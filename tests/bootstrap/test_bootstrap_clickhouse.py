"""``hearth bootstrap``'s ClickHouse step against a fake of ClickHouse's HTTP interface on loopback (no ClickHouse
with access control, 20.4 and later, can run here: Debian's is 18.16) and a fake of Vault's KV version 2 API.

The fake answers only the statements the step is written to send, each as ClickHouse 26.3 documents it: reads of
system.databases, system.users, system.grants and system.role_grants as ``FORMAT JSON`` (clickhouse.com/docs/
interfaces/formats/JSON), ``CREATE DATABASE IF NOT EXISTS``, ``CREATE USER``/``ALTER USER ... IDENTIFIED WITH
sha256_password BY``, ``GRANT``/``REVOKE`` and ``SELECT 1``; logins in the ``X-ClickHouse-User``/``X-ClickHouse-Key``
headers (clickhouse.com/docs/interfaces/http), a refused one answered with code 516 (AUTHENTICATION_FAILED) in
``X-ClickHouse-Exception-Code``. An unknown statement is a syntax error whose text quotes it, as ClickHouse's does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bootstrap_fakes import Fake, FakeVault, Reply, Request, closed_port, run_only, served_provider

from hearth.bootstrap import Options, StepResult
from hearth.catalog.loader import load_catalog
from tools import RunHearth

SEED = load_catalog(None)
STEP = "clickhouse-databases"
CONSUMER, SECRET = "rybbit", "data/rybbit/clickhouse"
ADMIN, ADMIN_PW = "hearth-admin", "admin-password-not-in-any-output"
VERSION = "(version 26.3.20.7 (official build))"
IDENT = r"`([A-Za-z0-9_]+)`"
PASSWORD = f"(CREATE USER IF NOT EXISTS|ALTER USER) {IDENT} IDENTIFIED WITH sha256_password BY '([^'\\\\]*)'"


@dataclass
class FakeClickHouse:
    """ClickHouse's access control as the step sees it: databases, users (SHA-256 of the password), privileges."""

    databases: set[str] = field(default_factory=lambda: {"default", "system", "INFORMATION_SCHEMA"})
    users: dict[str, str] = field(default_factory=lambda: {ADMIN: hashlib.sha256(ADMIN_PW.encode()).hexdigest()})
    grants: list[dict[str, Any]] = field(default_factory=list)
    role_grants: list[tuple[str, str]] = field(default_factory=list)
    fail: str = ""
    """A statement prefix answered with an error quoting the statement (as a server-side failure would)."""

    def grant_all(self, user: str, database: str | None) -> None:
        self.grants.append(
            {
                "user_name": user,
                "access_type": "ALL",
                "database": database,
                "table": None,
                "column": None,
                "is_partial_revoke": 0,
                "grant_option": 0,
            }
        )

    def error(self, status: int, code: int, name: str, text: str) -> Reply:
        body = f"Code: {code}. DB::Exception: {text}. ({name}) {VERSION}\n".encode()
        return status, {"X-ClickHouse-Exception-Code": str(code), "Content-Type": "text/plain"}, body

    def rows(self, rows: list[dict[str, Any]]) -> Reply:
        body = {"meta": [], "data": rows, "rows": len(rows), "statistics": {"elapsed": 0.001}}
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(body).encode()

    def handle(self, request: Request) -> Reply:
        user, key = request.headers.get("x-clickhouse-user", "default"), request.headers.get("x-clickhouse-key", "")
        if request.method != "POST" or request.path != "/" or request.query:
            return self.error(400, 62, "SYNTAX_ERROR", "the step sends its statements as POST bodies to /")
        if self.users.get(user) != hashlib.sha256(key.encode()).hexdigest():
            text = f"{user}: Authentication failed: password is incorrect, or there is no user with such name"
            return self.error(403, 516, "AUTHENTICATION_FAILED", text)
        sql = request.body.decode()
        if sql == "SELECT 1":
            return 200, {"Content-Type": "text/tab-separated-values"}, b"1\n"
        if user != ADMIN:
            return self.error(403, 497, "ACCESS_DENIED", f"{user}: Not enough privileges")
        if self.fail and sql.startswith(self.fail):
            return self.error(500, 36, "BAD_ARGUMENTS", f"cannot run '{sql}'")
        return self.statement(sql)

    def statement(self, sql: str) -> Reply:
        cols = "user_name, access_type, database, table, column, is_partial_revoke, grant_option"
        if sql == "SELECT name FROM system.databases FORMAT JSON":
            return self.rows([{"name": d} for d in sorted(self.databases)])
        if sql == "SELECT name FROM system.users FORMAT JSON":
            return self.rows([{"name": u} for u in sorted(self.users)])
        if sql == f"SELECT {cols} FROM system.grants WHERE user_name IS NOT NULL FORMAT JSON":
            return self.rows([dict(g) for g in self.grants])
        if sql == "SELECT user_name, granted_role_name FROM system.role_grants WHERE user_name IS NOT NULL FORMAT JSON":
            return self.rows([{"user_name": u, "granted_role_name": r} for u, r in self.role_grants])
        if m := re.fullmatch(f"CREATE DATABASE IF NOT EXISTS {IDENT}", sql):
            self.databases.add(m[1])
            return 200, {}, b""
        if m := re.fullmatch(PASSWORD, sql):
            if m[1] == "ALTER USER" and m[2] not in self.users:
                return self.error(404, 192, "UNKNOWN_USER", f"There is no user `{m[2]}` in user directories")
            if m[1] == "ALTER USER" or m[2] not in self.users:
                self.users[m[2]] = hashlib.sha256(m[3].encode()).hexdigest()
            return 200, {}, b""
        if m := re.fullmatch(rf"REVOKE ALL ON \*\.\* FROM {IDENT}", sql):
            self.grants = [g for g in self.grants if g["user_name"] != m[1]]
            return 200, {}, b""
        if m := re.fullmatch(f"REVOKE {IDENT} FROM {IDENT}", sql):
            self.role_grants = [(u, r) for u, r in self.role_grants if (u, r) != (m[2], m[1])]
            return 200, {}, b""
        if m := re.fullmatch(rf"GRANT ALL ON {IDENT}\.\* TO {IDENT}", sql):
            if m[2] not in self.users:
                return self.error(404, 192, "UNKNOWN_USER", f"There is no user `{m[2]}` in user directories")
            self.grant_all(m[2], m[1])
            return 200, {}, b""
        return self.error(400, 62, "SYNTAX_ERROR", f"Syntax error: failed at position 1 ('{sql}')")


@dataclass
class World:
    """The fakes, the operator's options and the build the bootstrap runs against."""

    ch: FakeClickHouse
    ch_server: Fake
    vault: FakeVault
    options: Options
    files: dict[str, str]
    admin_dir: Path

    def run(self, *, dry_run: bool = False) -> StepResult:
        return run_only(STEP, self.files, self.options, dry_run=dry_run)


@pytest.fixture
def world(seed_files: dict[str, str], tmp_path: Path) -> Iterator[World]:
    ch = FakeClickHouse()
    with served_provider("clickhouse", ch.handle, tmp_path / "admins", (ADMIN, ADMIN_PW)) as served:
        ch_server, vault, _, options = served
        yield World(ch, ch_server, vault, options, seed_files, tmp_path / "admins")


def test_the_seed_renders_the_clickhouse_grant(seed_files: dict[str, str]) -> None:
    spec = json.loads(seed_files["grants/clickhouse.json"])
    assert spec["grant"] == "database" and spec["endpoint"] == "clickhouse.db.svc:8123"
    assert spec["consumers"] == [{"consumer": CONSUMER, "name": CONSUMER, "secret": f"kv/{SECRET}"}]


def test_first_run_creates_then_second_run_changes_nothing(world: World) -> None:
    first = world.run()
    assert first.status == "created", first.error
    assert first.changes == [
        f"database {CONSUMER}",
        f"user {CONSUMER}: create, password: generate into Vault kv/{SECRET}",
        f"user {CONSUMER}: ALL on database {CONSUMER} only",
    ]
    creds = world.vault.kv[SECRET]
    assert creds["username"] == CONSUMER and len(creds["password"]) >= 32
    assert CONSUMER in world.ch.databases
    assert world.ch.users[CONSUMER] == hashlib.sha256(creds["password"].encode()).hexdigest()
    assert [g for g in world.ch.grants if g["user_name"] == CONSUMER] == [
        {
            "user_name": CONSUMER,
            "access_type": "ALL",
            "database": CONSUMER,
            "table": None,
            "column": None,
            "is_partial_revoke": 0,
            "grant_option": 0,
        }
    ]
    second = world.run()
    assert (second.status, second.changes) == ("unchanged", [])
    assert world.vault.kv[SECRET] == creds


def test_drift_is_planned_by_a_dry_run_and_corrected_by_a_run(world: World) -> None:
    world.run()
    creds = dict(world.vault.kv[SECRET])
    world.ch.users[CONSUMER] = hashlib.sha256(b"changed-by-hand").hexdigest()
    world.ch.grant_all(CONSUMER, None)  # ALL on *.*
    world.ch.role_grants.append((CONSUMER, "dba"))
    world.ch.databases.discard(CONSUMER)
    planned = world.run(dry_run=True)
    wanted = [
        f"database {CONSUMER}",
        f"user {CONSUMER}: reset, password: take from Vault kv/{SECRET}",
        f"user {CONSUMER}: ALL on database {CONSUMER} only (revoke roles dba) (revoke 1 other privileges)",
    ]
    assert (planned.status, planned.changes) == ("planned", wanted)
    assert CONSUMER not in world.ch.databases and (CONSUMER, "dba") in world.ch.role_grants  # nothing changed
    restored = world.run()
    assert (restored.status, restored.changes) == ("created", wanted)
    assert world.vault.kv[SECRET] == creds  # Vault's password is given back, not replaced
    assert world.ch.users[CONSUMER] == hashlib.sha256(creds["password"].encode()).hexdigest()
    assert world.ch.role_grants == []
    assert [(g["database"], g["access_type"]) for g in world.ch.grants if g["user_name"] == CONSUMER] == [
        (CONSUMER, "ALL")
    ]
    assert world.run().status == "unchanged"


def test_a_lost_vault_entry_gives_the_user_a_new_password(world: World) -> None:
    world.run()
    old = world.vault.kv.pop(SECRET)["password"]
    again = world.run()
    assert again.changes == [f"user {CONSUMER}: reset, password: generate into Vault kv/{SECRET}"]
    new = world.vault.kv[SECRET]["password"]
    assert new != old and world.ch.users[CONSUMER] == hashlib.sha256(new.encode()).hexdigest()


def test_logins_travel_in_headers_and_no_secret_reaches_the_report_or_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    results = [world.run(), world.run()]
    world.ch.users[CONSUMER] = "drifted"
    world.ch.fail = "ALTER USER"  # its error text quotes the statement, password and all
    failed = world.run()
    password = world.vault.kv[SECRET]["password"]
    assert failed.status == "failed"
    assert failed.error == (
        f"user {CONSUMER}: reset, password: take from Vault kv/{SECRET}: user {CONSUMER} at "
        f"{world.ch_server.endpoint}: HTTP 500, code 36 BAD_ARGUMENTS"
    )
    text = json.dumps([r.as_json() for r in [*results, failed]]) + caplog.text
    assert ADMIN_PW not in text and password not in text
    for request in world.ch_server.requests:
        assert request.query == "" and ADMIN_PW not in request.path and password not in request.path
        assert request.headers["x-clickhouse-user"] in (ADMIN, CONSUMER)
    assert any(password in r.body.decode() for r in world.ch_server.requests)  # only ever in a body


def test_a_refused_admin_login_is_one_line(world: World) -> None:
    world.ch.users[ADMIN] = "another"
    result = world.run()
    assert (result.status, result.error) == (
        "failed",
        f"ClickHouse at {world.ch_server.endpoint} refuses the admin login {ADMIN}",
    )


def test_an_unreachable_server_exits_2_with_one_line_naming_it(world: World, hearth: RunHearth) -> None:
    where = f"127.0.0.1:{closed_port()}"
    args = ["bootstrap", "--only", STEP, "--endpoint", f"clickhouse={where}", "--admin-dir", str(world.admin_dir)]
    result = hearth(*args, "--vault-addr", str(world.options.vault_address), "-o", "json")
    assert result.exit_code == 2, result.output
    (step,) = json.loads(result.stdout)["steps"]
    assert step["error"] == f"ClickHouse HTTP interface at {where}: ConnectionError"
    assert "\n" not in step["error"]
