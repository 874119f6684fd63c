"""The seed's rendered dump CronJobs, run for real: credentials from OpenBao through a real ``bao agent``, the dump
from a real server, the restore into a fresh one, the upload and pruning against real S3 (SeaweedFS).

The chain is the rendered one end to end: the KV entries sit at the paths the pod's annotations name; the token
carries the policies the job's Vault role lists (``vault/roles/<job>.json``), whose rendered policy file is
written to the server; ``bao agent`` renders the pod's own agent templates (as the injector's pre-populate-only
init container does); the dump and upload scripts source those files and run as rendered, with only the Service
address and the ``/vault/secrets`` and ``/backup`` mounts pointed at loopback and temporary directories.

The programs are Debian's pg_dumpall/psql 15 (the job runs postgres:18.6's), MariaDB 10.11's mysqldump/mysql
(the job runs mysql:8.4's) and aws-cli 1.x from PyPI (the job runs the amazon/aws-cli 2.22 image).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from realtools_render import INJECT, DumpJob, dump_job, replace_exactly
from realtools_servers import (
    LOOPBACK,
    S3_ACCESS_KEY,
    S3_SECRET_KEY,
    Bao,
    Postgres,
    bao_agent_render,
    bao_server,
    client_env,
    mariadb_server,
    ok,
    pg_bin,
    postgres_server,
    run,
    seaweed_server,
    wait_until,
)

from hearth.protocols import DUMP_CONFIG
from hearth.render.backup.dump_jobs import CONFIG_FILE
from hearth.render.model import RenderedPlatform
from tools import tool

# Passwords with the characters that break naive shell quoting: the agent templates must carry them intact.
BACKUP_USER = "backup"
BACKUP_PASSWORD = 'it\'s $HOME `id` "quoted" \\ back'


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    """A temporary directory holding ``secrets/`` (for /vault/secrets) and ``backup/`` (for /backup)."""
    path = Path(tempfile.mkdtemp(prefix="hearth-dumpjob-"))
    try:
        (path / "secrets").mkdir()
        (path / "backup").mkdir()
        (path / "home").mkdir()
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def grant(bao: Bao, seed: RenderedPlatform, job: DumpJob, entries: Mapping[str, Mapping[str, str]]) -> str:
    """Put ``entries`` (file name -> KV data) at the job's secret paths; load the job role's rendered policies;
    return a token carrying exactly the role's ``token_policies`` (what Kubernetes auth would issue)."""
    status, mounts = bao.api("GET", "sys/mounts")
    assert status == 200
    if "kv/" not in mounts["data"]:
        bao.must("POST", "sys/mounts/kv", {"type": "kv", "options": {"version": "2"}})
    for name, data in entries.items():
        path = job.secret_path(name)
        assert path.startswith("kv/data/"), path
        bao.must("POST", path, {"data": dict(data)})
    role = json.loads(seed.files[f"vault/roles/{job.role}.json"])
    for policy in role["token_policies"]:
        bao.must("PUT", f"sys/policies/acl/{policy}", {"policy": seed.files[f"vault/policies/{policy}.hcl"]})
    answer = bao.must("POST", "auth/token/create", {"policies": role["token_policies"], "ttl": role["token_ttl"]})
    return str(answer["auth"]["client_token"])


def service_address(script: str) -> tuple[str, int]:
    """The ``--host=<service>.svc --port=N`` the rendered dump script connects to."""
    found = re.search(r"--host=(\S+\.svc) --port=(\d+)", script)
    assert found, script
    return found[1], int(found[2])


def run_dump(job: DumpJob, work: Path, port: int, path_dirs: list[str]) -> subprocess.CompletedProcess[str]:
    """The init container's script, as rendered, against 127.0.0.1:``port``."""
    host, rendered_port = service_address(job.dump_script)
    script = replace_exactly(
        job.dump_script,
        {
            f"--host={host} --port={rendered_port}": f"--host={LOOPBACK} --port={port}",
            ". /vault/secrets/database": f". {work}/secrets/database",
            "/backup/": f"{work}/backup/",
        },
    )
    return run(["/bin/sh", "-c", script], env=client_env(*path_dirs, home=work / "home"), timeout=120)


def render_secrets(bao: Bao, token: str, job: DumpJob, work: Path, *names: str) -> dict[str, str]:
    return bao_agent_render(bao, token, {name: job.template(name) for name in names}, work / "secrets")


# ---- PostgreSQL: pg_dumpall ------------------------------------------------------------------------------------------
PG_APP_DATA = """
CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);
INSERT INTO notes (body) VALUES ('first'), ('zweite Notiz: grüße'), ('третья');
CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM notes';
"""
# What psql reports restoring a pg_dumpall --clean --if-exists dump over a fresh cluster as its bootstrap superuser:
# the dump drops and recreates every role, and the one running the restore can be neither dropped nor re-created.
PG_HARMLESS = ("current user cannot be dropped", 'role "admin" already exists')


def _pg_seed(pg: Postgres) -> None:
    """An application role owning a database with rows and a function; a superuser for the backup job."""
    pg.psql("CREATE ROLE app LOGIN PASSWORD 'app-pw'")
    pg.psql("CREATE DATABASE appdb OWNER app")
    pg.psql(f"CREATE ROLE {BACKUP_USER} LOGIN SUPERUSER PASSWORD '{BACKUP_PASSWORD.replace(chr(39), chr(39) * 2)}'")
    pg.psql(PG_APP_DATA, db="appdb", user="app", password="app-pw")


def test_postgresql_dump_restores_into_a_fresh_server(rendered_seed: RenderedPlatform) -> None:
    job = dump_job(rendered_seed, "postgresql")
    assert "pg_dumpall" in job.dump_script and job.dump_image.startswith("docker.io/library/postgres:")
    path = [str(pg_bin()), "/usr/bin", "/bin"]
    with workdir() as work, bao_server() as bao, postgres_server() as source, postgres_server() as target:
        _pg_seed(source)
        token = grant(bao, rendered_seed, job, {"database": {"username": BACKUP_USER, "password": BACKUP_PASSWORD}})
        rendered = render_secrets(bao, token, job, work, "database")
        assert "PGPASSWORD=" in rendered["database"]
        ok(run_dump(job, work, source.port, path))
        dump = work / "backup" / "dump.sql"
        assert "CREATE DATABASE appdb" in dump.read_text()

        restore = [str(pg_bin() / "psql"), "-X", "-h", LOOPBACK, "-p", str(target.port), "-U", "admin", "-d"]
        restore += ["postgres", "-f", str(dump)]
        proc = ok(run(restore, env=client_env(*path, home=work / "home", PGPASSWORD=target.password), timeout=120))
        errors = [line for line in proc.stderr.splitlines() if "ERROR:" in line]
        assert all(any(ok_text in line for ok_text in PG_HARMLESS) for line in errors), errors

        # The application's role, password, database, rows and function all came back.
        rows = target.psql("SELECT body FROM notes ORDER BY id", db="appdb", user="app", password="app-pw")
        assert rows.splitlines() == ["first", "zweite Notiz: grüße", "третья"]
        assert target.psql("SELECT note_count()", db="appdb", user="app", password="app-pw").strip() == "3"


# ---- MySQL: mysqldump (MariaDB 10.11 here) ----------------------------------------------------------------------
MYSQL_DATA = """
CREATE DATABASE shop;
CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL) DEFAULT CHARSET=utf8mb4;
INSERT INTO shop.items VALUES (1, 'kettle'), (2, 'grüße'), (3, 'чайник');
CREATE PROCEDURE shop.item_count() SELECT COUNT(*) FROM shop.items;
CREATE TRIGGER shop.upper_name BEFORE INSERT ON shop.items FOR EACH ROW SET NEW.name = UPPER(NEW.name);
CREATE USER ghost@'%' IDENTIFIED BY 'ghost-pw';
GRANT ALL ON shop.* TO ghost@'%';
"""


def _mysql_backup_user(password: str) -> str:
    quoted = password.replace("\\", "\\\\").replace("'", "\\'")
    return (
        f"CREATE USER {BACKUP_USER}@'%' IDENTIFIED BY '{quoted}';"
        f"GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, PROCESS ON *.* TO {BACKUP_USER}@'%';"
    )


def test_mysql_dump_restores_into_a_fresh_server(rendered_seed: RenderedPlatform) -> None:
    """The restored accounts log in at once: the dump reloads the grant tables (--flush-privileges)."""
    job = dump_job(rendered_seed, "mysql")
    assert "mysqldump" in job.dump_script and job.dump_image.startswith("docker.io/library/mysql:")
    path = ["/usr/bin", "/bin"]
    with workdir() as work, bao_server() as bao, mariadb_server() as source, mariadb_server() as target:
        source.sql(MYSQL_DATA + _mysql_backup_user(BACKUP_PASSWORD))
        token = grant(bao, rendered_seed, job, {"database": {"username": BACKUP_USER, "password": BACKUP_PASSWORD}})
        render_secrets(bao, token, job, work, "database")
        ok(run_dump(job, work, source.port, path))
        dump = work / "backup" / "dump.sql"
        assert "CREATE TABLE `items`" in dump.read_text()

        target.sql(dump.read_text())
        # ghost exists only in the dump: it logs in over TCP right after the restore, no restart, no manual flush.
        proc = target.tcp_sql("SELECT name FROM shop.items ORDER BY id; CALL shop.item_count();", "ghost", "ghost-pw")
        assert proc.returncode == 0, proc
        assert proc.stdout.splitlines() == ["kettle", "grüße", "чайник", "3"]
        ok(target.tcp_sql("INSERT INTO shop.items VALUES (4, 'lid');", "ghost", "ghost-pw"))
        assert target.sql("SELECT name FROM shop.items WHERE id = 4").strip() == "LID"  # the trigger came back


# (component, the server fixture, how to give it the backup user, binaries the script needs, the refusal it prints)
FAILING_DUMPS = [
    (
        "postgresql",
        postgres_server,
        _pg_seed,
        lambda: [str(pg_bin()), "/usr/bin", "/bin"],
        "password authentication failed",
    ),
    (
        "mysql",
        mariadb_server,
        lambda db: db.sql(_mysql_backup_user(BACKUP_PASSWORD)),
        lambda: ["/usr/bin", "/bin"],
        "Access denied",
    ),
]


@pytest.mark.parametrize(
    ("name", "server", "prepare", "path", "refusal"), FAILING_DUMPS, ids=[case[0] for case in FAILING_DUMPS]
)
def test_a_dump_fails_with_a_wrong_password_or_no_server(
    rendered_seed: RenderedPlatform,
    name: str,
    server: Callable[[], contextlib.AbstractContextManager[Any]],
    prepare: Callable[[Any], object],
    path: Callable[[], list[str]],
    refusal: str,
) -> None:
    """A wrong password from Vault fails the job with the server's refusal; so does a stopped server."""
    job = dump_job(rendered_seed, name)
    with workdir() as work, bao_server() as bao, server() as source:
        prepare(source)
        token = grant(bao, rendered_seed, job, {"database": {"username": BACKUP_USER, "password": "not-it"}})
        render_secrets(bao, token, job, work, "database")
        proc = run_dump(job, work, source.port, path())
        assert proc.returncode != 0 and refusal in proc.stderr, proc

        token = grant(bao, rendered_seed, job, {"database": {"username": BACKUP_USER, "password": BACKUP_PASSWORD}})
        render_secrets(bao, token, job, work, "database")
        ok(run_dump(job, work, source.port, path()))
        source.stop()
        proc = run_dump(job, work, source.port, path())
        assert proc.returncode != 0, proc


def test_agent_templates_carry_any_password_into_the_shell(rendered_seed: RenderedPlatform) -> None:
    """Every dump job's rendered templates, rendered by a real bao agent and sourced by sh, give back the exact
    KV values, quotes, ``$``, backquotes and backslashes included; a tool that reads its password from a file
    (mongodump --config, clickhouse-client --config-file) gets it from the YAML file only, parsed back exactly, and
    no longer in the shell's variables."""
    values = {
        "username": "o'brien",
        "password": BACKUP_PASSWORD,
        "access_key_id": "AKIA'X",
        "secret_access_key": "s3'cr$et`x`\\",
    }
    jobs = {
        name: dump_job(rendered_seed, name)
        for name, chart in rendered_seed.charts.items()
        if any(m["kind"] == "CronJob" and m["metadata"]["name"] == f"{name}-backup" for m in chart.manifests)
    }
    assert {"postgresql", "mysql", "mongodb", "clickhouse"} <= set(jobs)
    configs = {name for name, job in jobs.items() if f"{INJECT}/agent-inject-template-{CONFIG_FILE}" in job.annotations}
    assert configs == {"mongodb", "clickhouse"}
    with bao_server() as bao:
        for name, job in sorted(jobs.items()):
            with workdir() as work:
                token = grant(bao, rendered_seed, job, {"database": values, "s3": values})
                names = ["database", "s3"] + ([CONFIG_FILE] if name in configs else [])
                files = render_secrets(bao, token, job, work, *names)
                exports = re.findall(r"^export (\w+)=", files["database"] + "\n" + files["s3"], flags=re.M)
                assert len(exports) == (3 if name in configs else 4), (name, files)
                show = "; ".join(f"printf '%s\\0' \"${var}\"" for var in exports)
                script = f"set -eu; . {work}/secrets/database; . {work}/secrets/s3; {show}"
                proc = ok(run(["/bin/sh", "-c", script], env=client_env("/usr/bin", "/bin", home=work)))
                got = proc.stdout.split("\0")[:-1]
                assert got == [values[field] for field in _template_fields(job)], (name, files)
                if name in configs:
                    config = yaml.safe_load(files[CONFIG_FILE])
                    assert config["password"] == BACKUP_PASSWORD, name
                    assert config.get("user", values["username"]) == values["username"], name
                    assert job.annotations[f"{INJECT}/agent-inject-file-{CONFIG_FILE}"] == DUMP_CONFIG.rsplit("/")[-1]
                    assert DUMP_CONFIG in job.dump_script and "password" not in _template_fields(job), name


def _template_fields(job: DumpJob) -> list[str]:
    """The KV field each ``export`` line of the job's database and s3 templates reads, in order."""
    lines = "\n".join(job.template(name) for name in ("database", "s3"))
    return re.findall(r"^export \w+='\{\{ \.Data\.data\.(\w+)", lines, flags=re.M)


# ---- Upload: aws-cli against SeaweedFS S3 ------------------------------------------------------------------------
def _aws(s3_port: int, home: Path, *args: str, secret: str = S3_SECRET_KEY) -> subprocess.CompletedProcess[str]:
    env = client_env(
        str(Path(tool("aws")).parent),
        "/usr/bin",
        "/bin",
        home=home,
        AWS_ACCESS_KEY_ID=S3_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return run([tool("aws"), "--endpoint-url", f"http://{LOOPBACK}:{s3_port}", "s3", *args], env=env, timeout=60)


def _runs(s3_port: int, home: Path, url: str) -> list[str]:
    """The run stamps that still hold objects under ``url``, oldest first.

    From a recursive key listing, not from ``CommonPrefixes``: SeaweedFS (unlike AWS S3 and MinIO) keeps listing
    a prefix whose objects were all deleted until its empty-folder cleanup runs, minutes later (its issue #9810).
    """
    proc = _aws(s3_port, home, "ls", "--recursive", f"{url}/")
    if proc.returncode == 1 and not proc.stdout:  # aws s3 ls: exit 1 when nothing matches
        return []
    prefix = url.split("/", 3)[3] + "/"  # the key prefix below the bucket
    keys = [line.split()[-1] for line in ok(proc).stdout.splitlines()]
    return sorted({key.removeprefix(prefix).split("/")[0] for key in keys})


def run_upload(job: DumpJob, work: Path, s3_port: int) -> subprocess.CompletedProcess[str]:
    found = re.search(r"--endpoint-url (http://\S+)", job.upload_script)
    assert found and ".svc:" in found[1], job.upload_script
    script = replace_exactly(
        job.upload_script,
        {
            found[1]: f"http://{LOOPBACK}:{s3_port}",
            ". /vault/secrets/s3": f". {work}/secrets/s3",
            "cp --recursive /backup ": f"cp --recursive {work}/backup ",
        },
    )
    env = client_env(str(Path(tool("aws")).parent), "/usr/bin", "/bin", home=work / "home")
    env |= {k: v for k, v in job.upload_env.items() if k != "HOME"}
    return run(["/bin/sh", "-c", script], env=env, timeout=180)


def test_upload_copies_the_dump_and_prunes_to_the_retention(rendered_seed: RenderedPlatform, tmp_path: Path) -> None:
    """postgresql's upload script (daily 7, weekly 4, monthly 12) against SeaweedFS: the new run lands, the daily
    and weekly tiers are pruned to their counts, a wrong secret key fails the job."""
    job = dump_job(rendered_seed, "postgresql")
    retention = dict(re.findall(r'keep "s3://[^"]*/(\w+)" (\d+)', job.upload_script))
    assert retention == {"daily": "7", "weekly": "4", "monthly": "12"}, retention
    bucket = re.search(r"(s3://[^/]+/[^\"]+)/daily/", job.upload_script)
    assert bucket, job.upload_script
    base = bucket[1]  # s3://backups/db/postgresql
    with workdir() as work, bao_server() as bao, seaweed_server() as s3:
        home = work / "home"
        bucket_name = base.split("/")[2]
        wait_until(lambda: _aws(s3.port, home, "mb", f"s3://{bucket_name}").returncode == 0, "bucket", [s3.proc])
        # Earlier runs: 8 daily (one over the count) and 5 weekly, all older than today.
        old = tmp_path / "old"
        daily = [f"2020010{d}T030000Z" for d in range(1, 9)]
        weekly = [f"2019{m:02d}07T030000Z" for m in range(1, 6)]
        for tier, stamps in (("daily", daily), ("weekly", weekly)):
            for stamp in stamps:
                (old / tier / stamp).mkdir(parents=True)
                (old / tier / stamp / "dump.sql").write_text(f"-- {tier} {stamp}\n")
        ok(_aws(s3.port, home, "cp", "--recursive", "--only-show-errors", str(old), base))
        assert len(_runs(s3.port, home, f"{base}/daily")) == 8

        (work / "backup" / "dump.sql").write_text("-- today's dump\nSELECT 1;\n")
        token = grant(
            bao,
            rendered_seed,
            job,
            {"s3": {"access_key_id": S3_ACCESS_KEY, "secret_access_key": S3_SECRET_KEY}},
        )
        render_secrets(bao, token, job, work, "s3")
        before = dt.datetime.now(dt.UTC)
        ok(run_upload(job, work, s3.port))
        after = dt.datetime.now(dt.UTC)

        days = _runs(s3.port, home, f"{base}/daily")
        assert len(days) == 7 and days[:-1] == daily[2:], days  # the two oldest pruned
        new = days[-1]
        assert before.strftime("%Y%m%dT") <= new <= after.strftime("%Y%m%dT%H%M%SZ"), new
        copy = ok(_aws(s3.port, home, "cp", f"{base}/daily/{new}/dump.sql", "-")).stdout
        assert copy == "-- today's dump\nSELECT 1;\n"
        weeks = _runs(s3.port, home, f"{base}/weekly")
        months = _runs(s3.port, home, f"{base}/monthly")
        if before.date() == after.date():  # the job decides Sunday / the 1st from `date -u`
            sunday, first = before.isoweekday() == 7, before.day == 1
            assert weeks == ([*weekly[2:], new] if sunday else weekly[1:]), weeks
            assert months == ([new] if first else []), months

        # A wrong secret key: SigV4 is enforced, the job fails (set -e) instead of reporting success.
        grant(bao, rendered_seed, job, {"s3": {"access_key_id": S3_ACCESS_KEY, "secret_access_key": "wrong"}})
        render_secrets(bao, token, job, work, "s3")
        proc = run_upload(job, work, s3.port)
        assert proc.returncode != 0 and "SignatureDoesNotMatch" in proc.stderr, proc
