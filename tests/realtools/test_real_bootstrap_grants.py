"""``hearth bootstrap``'s provider steps against real servers on loopback: OpenBao (raft, static seal),
PostgreSQL 15, MariaDB and Redis, each started once for the module.

The whole plan runs twice from an uninitialized OpenBao with the operator's admin logins in 0600 files and the
servers' loopback addresses as endpoints: the first run applies every grant, the second reports every step
unchanged. Then each consumer's Vault-issued credentials work on its own database or key pattern only.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import hvac
import pytest
from realtools_bao import real_bao
from realtools_render import service_env
from realtools_runs import admin_file, operator_options, run_twice
from realtools_servers import (
    LOOPBACK,
    ROOT_PW,
    Postgres,
    mariadb_server,
    postgres_server,
    redis_server,
    resp_ping,
    run,
)

from hearth.bootstrap import StepResult
from hearth.bootstrap.resp import ReplyError, Resp
from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform
from hearth.render.package.files import package
from hearth.resolve import resolve

SEED = load_catalog(None)
PROVIDER_STEPS = ("-databases", "-vault-connection", "-vault-roles")
# Tested elsewhere: RabbitMQ and S3 against real servers (test_real_bootstrap_rabbitmq.py, _s3.py); ClickHouse,
# MongoDB and Stalwart, which cannot run here, against fakes in tests/bootstrap.
OWN_TEST_FILES = tuple(f"grants/{p}.json" for p in ("rabbitmq", "minio", "clickhouse", "mongodb", "stalwart"))


@pytest.fixture(scope="module")
def applied(rendered_seed: RenderedPlatform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The seed bootstrapped twice against real servers: (vault client, pg, mariadb, first run, second run)."""
    files = {p: t for p, t in package(rendered_seed, resolve(SEED)).items() if p not in OWN_TEST_FILES}
    work = tmp_path_factory.mktemp("operator")
    admins = work / "admins"
    admins.mkdir()
    with (
        real_bao("static") as bao,
        postgres_server() as pg,
        mariadb_server() as db,
        redis_server(_valkey_flags(rendered_seed)) as kv,
    ):
        admin_file(admins, "postgresql", pg.superuser, pg.password)
        admin_file(admins, "mysql", "root", ROOT_PW)
        endpoints = {
            "postgresql": f"{LOOPBACK}:{pg.port}",
            "mysql": f"{LOOPBACK}:{db.port}",
            "valkey": f"{LOOPBACK}:{kv.port}",
        }
        options = operator_options(bao, work, endpoints, admins)
        (first, second), token = run_twice(SEED, files, options)
        yield hvac.Client(url=bao.address, token=token, verify=str(bao.ca)), pg, db, first, second, kv


def _valkey_flags(seed: RenderedPlatform) -> list[str]:
    """The flags the valkey pod's server runs with (VALKEY_EXTRA_FLAGS as rendered: its ACL file among them)."""
    flags = service_env(seed, "valkey", "valkey")["VALKEY_EXTRA_FLAGS"]
    assert isinstance(flags, str) and "--aclfile" in flags
    return flags.split()


def _status(results: list[StepResult]) -> dict[str, str]:
    return {r.name: str(r.status) for r in results}


def test_first_run_applies_every_provider_step(applied: Any) -> None:
    first = applied[3]
    statuses = _status(first)
    assert all(s != "failed" for s in statuses.values()), [r.error for r in first if r.error]
    for provider in ("postgresql", "mysql"):
        assert {statuses[provider + s] for s in PROVIDER_STEPS} == {"created"}
    assert statuses["valkey-default-password"] == statuses["valkey-acl-users"] == "created"


def test_second_run_reports_every_step_unchanged(applied: Any) -> None:
    second = applied[4]
    assert _status(second) == {r.name: "unchanged" for r in second}, [r.changes for r in second if r.changes]


def _creds(vault: hvac.Client, role: str) -> tuple[str, str]:
    data = vault.read(f"database/static-creds/{role}")["data"]
    return data["username"], data["password"]


def _pg(pg: Postgres, db: str, user: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{pg.bin}:/usr/bin:/bin", "HOME": str(pg.dir), "LANG": "C.UTF-8", "PGPASSWORD": password}
    cmd = [str(pg.bin / "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", LOOPBACK, "-p", str(pg.port)]
    return run(
        [*cmd, "-U", user, "-d", db],
        stdin="CREATE TABLE t (x int); INSERT INTO t VALUES (1); SELECT x FROM t;",
        env=env,
    )


@pytest.mark.parametrize(("consumer", "other"), [("n8n", "gitlab"), ("gitlab", "n8n"), ("affine", "kestra")])
def test_postgres_credentials_reach_their_own_database_only(applied: Any, consumer: str, other: str) -> None:
    vault, pg = applied[0], applied[1]
    user, password = _creds(vault, f"postgresql-{consumer}")
    own = _pg(pg, consumer, user, password)
    assert own.returncode == 0 and own.stdout.strip().endswith("1"), own.stderr
    refused = _pg(pg, other, user, password)
    assert refused.returncode != 0 and "permission denied for database" in refused.stderr


def test_mysql_credentials_reach_their_own_database_only(applied: Any) -> None:
    vault, db = applied[0], applied[2]
    db.sql("CREATE DATABASE IF NOT EXISTS other;")
    user, password = _creds(vault, "mysql-ghost")
    own = db.tcp_sql("USE ghost; CREATE TABLE t (x int); INSERT INTO t VALUES (1); SELECT x FROM t;", user, password)
    assert own.returncode == 0 and own.stdout.strip() == "1", own.stderr
    refused = db.tcp_sql("USE other;", user, password)
    assert refused.returncode != 0 and "Access denied" in refused.stderr


def test_admin_passwords_never_reach_the_report(applied: Any) -> None:
    text = json.dumps([r.as_json() for r in applied[3] + applied[4]])
    assert applied[1].password not in text and ROOT_PW not in text


def _kv(vault: hvac.Client, path: str) -> dict[str, str]:
    return dict(
        vault.secrets.kv.v2.read_secret_version(path=path, mount_point="kv", raise_on_deleted_version=True)["data"][
            "data"
        ]
    )


def test_redis_default_user_needs_the_password_from_vault(applied: Any) -> None:
    vault, kv = applied[0], applied[5]
    password = _kv(vault, "db/valkey/app")["requirepass"]
    assert resp_ping(kv.port) == b"-NOAUTH Authentication required."
    assert resp_ping(kv.port, password) == b"+PONG"


@pytest.mark.parametrize(("consumer", "other"), [("affine", "authentik"), ("stoat", "affine")])
def test_redis_acl_user_reads_its_own_keys_only(applied: Any, consumer: str, other: str) -> None:
    vault, kv = applied[0], applied[5]
    namespace = {"affine": "productivity", "stoat": "social"}[consumer]
    creds = _kv(vault, f"{namespace}/{consumer}/redis")
    conn = Resp(f"{LOOPBACK}:{kv.port}")
    try:
        assert conn.call("AUTH", creds["username"], creds["password"]) == "OK"
        assert conn.call("SET", f"{consumer}:k", "v") == "OK"
        assert conn.call("GET", f"{consumer}:k") == "v"
        for command in (("GET", f"{other}:k"), ("SET", f"{other}:k", "v"), ("CONFIG", "GET", "requirepass")):
            with pytest.raises(ReplyError, match="NOPERM"):
                conn.call(*command)
    finally:
        conn.close()


def test_redis_grants_survive_a_restart_of_the_server(applied: Any, rendered_seed: RenderedPlatform) -> None:
    """A server started again on the ACL file the bootstrap saved (as the pod restarts on its volume) still needs
    Vault's password for the default user and still lets each consumer in, with nothing rerun."""
    vault, kv = applied[0], applied[5]
    saved = kv.dir / "users.acl"
    assert "user default on #" in saved.read_text()
    flags = _valkey_flags(rendered_seed)
    flags[flags.index("--aclfile") + 1] = str(saved)
    creds = _kv(vault, "productivity/affine/redis")
    with redis_server(flags) as again:
        assert resp_ping(again.port) == b"-NOAUTH Authentication required."
        assert resp_ping(again.port, _kv(vault, "db/valkey/app")["requirepass"]) == b"+PONG"
        conn = Resp(f"{LOOPBACK}:{again.port}")
        try:
            assert conn.call("AUTH", creds["username"], creds["password"]) == "OK"
        finally:
            conn.close()
