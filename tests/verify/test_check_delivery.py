"""Secrets, delivery: every file the Vault agent writes into a pod is named by something in the pod, and every
credential the build grants is read by some reader.

Measured on the rendered build only; each rule is shown failing on a seed build with one planted fault.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.verify.report import run_check
from hearth.verify.secrets.delivery import agent_files, named

INJECT = "vault.hashicorp.com/agent-inject"


@pytest.mark.parametrize(
    ("annotations", "files"),
    [
        ({}, {}),
        ({INJECT: "false", f"{INJECT}-secret-app": "kv/data/a/b/app"}, {}),
        ({INJECT: "true", f"{INJECT}-secret-app": "kv/data/a/b/app"}, {"/vault/secrets/app": "kv/data/a/b/app"}),
        (
            {INJECT: "true", f"{INJECT}-secret-db": "database/creds/x", f"{INJECT}-file-db": "db.env"},
            {"/vault/secrets/db.env": "database/creds/x"},
        ),
        (
            {INJECT: "true", f"{INJECT}-secret-db": "database/creds/x", f"{INJECT}-file-db": "/etc/app/db"},
            {"/etc/app/db": "database/creds/x"},
        ),
    ],
)
def test_agent_files_are_where_the_injector_writes_them(annotations: dict[str, str], files: dict[str, str]) -> None:
    assert agent_files(annotations) == files


@pytest.mark.parametrize(
    ("text", "file", "found"),
    [
        (". /vault/secrets/app && exec", "/vault/secrets/app", True),
        ('{"value": "/vault/secrets/postgres"}', "/vault/secrets/postgres", True),
        ("/vault/secrets/app-key", "/vault/secrets/app", False),
        ("/vault/secrets/app.env", "/vault/secrets/app", False),
        ("/vault/secrets/apps", "/vault/secrets/app", False),
        ("nothing here", "/vault/secrets/app", False),
    ],
)
def test_a_file_is_named_only_as_a_whole_path(text: str, file: str, found: bool) -> None:
    assert named(text, file) is found


def _edit(build: Path, tmp_path: Path, rel: str, kind: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    out = tmp_path / "build"
    shutil.copytree(build, out)
    for stamp in (".hearth-build", ".hearth-index"):  # edited by hand now: audited as it is, not against its index
        (out / stamp).unlink(missing_ok=True)
    path = out / rel
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    edit(next(d for d in docs if d["kind"] == kind))
    path.write_text(yaml.safe_dump_all(docs))
    return out


def _container(doc: dict[str, Any]) -> dict[str, Any]:
    return dict(doc["spec"]["template"]["spec"]["containers"][0])


def test_rybbit_reads_every_file_its_agent_writes(rendered: Path) -> None:
    section = run_check(rendered).section("secrets")
    assert not [u for u in section.unread if "rybbit" in u.reader]
    assert not [u for u in section.undelivered if "rybbit" in u.path]


def test_a_file_the_wrapper_no_longer_sources_is_unread(rendered: Path, tmp_path: Path) -> None:
    def unsource(doc: dict[str, Any]) -> None:
        container = doc["spec"]["template"]["spec"]["containers"][0]
        container["command"] = [c.replace(". /vault/secrets/clickhouse && ", "") for c in container["command"]]

    build = _edit(rendered, tmp_path, "manifests/rybbit.yaml", "StatefulSet", unsource)
    unread = run_check(build).section("secrets").unread
    assert [(u.reader, u.file) for u in unread if "rybbit" in u.reader] == [
        ("StatefulSet data/rybbit", "/vault/secrets/clickhouse")
    ]


def test_a_file_named_by_a_file_variable_is_read(rendered: Path, tmp_path: Path) -> None:
    def refer_by_variable(doc: dict[str, Any]) -> None:
        container = doc["spec"]["template"]["spec"]["containers"][0]
        container["command"] = [c.replace(". /vault/secrets/clickhouse && ", "") for c in container["command"]]
        container.setdefault("env", []).append({"name": "CH_FILE", "value": "/vault/secrets/clickhouse"})

    build = _edit(rendered, tmp_path, "manifests/rybbit.yaml", "StatefulSet", refer_by_variable)
    assert not [u for u in run_check(build).section("secrets").unread if "rybbit" in u.reader]


def test_a_login_no_agent_reads_is_undelivered(rendered: Path, tmp_path: Path) -> None:
    def drop_read(doc: dict[str, Any]) -> None:
        annotations = doc["spec"]["template"]["metadata"]["annotations"]
        for key in [k for k in annotations if k.endswith("-postgres")]:
            del annotations[key]
        container = doc["spec"]["template"]["spec"]["containers"][0]
        container["command"] = [c.replace(". /vault/secrets/postgres && ", "") for c in container["command"]]

    build = _edit(rendered, tmp_path, "manifests/rybbit.yaml", "StatefulSet", drop_read)
    section = run_check(build).section("secrets")
    assert [(u.path, u.granted_by) for u in section.undelivered if "rybbit" in u.path] == [
        ("database/static-creds/postgresql-rybbit", "vault/database/static-roles/postgresql-rybbit.json")
    ]
    assert "granted credentials no reader reads" in section.summary()
    findings = [f for f in run_check(build).findings() if "postgresql-rybbit" in f.subject]
    assert findings and "read by no pod's Vault agent" in findings[0].problem


def test_the_dump_jobs_read_the_key_the_backups_bucket_grant_writes(rendered: Path) -> None:
    section = run_check(rendered).section("secrets")
    dumps = [r for r in section.reads if r.reader.startswith("CronJob ") and "/backup-" in r.path]
    assert len(dumps) >= 4
    assert {(r.path, r.server, r.detail) for r in dumps} == {
        ("kv/data/db/minio/backup-backups", "grant", "grants/minio.json")
    }
    assert "kv/data/db/minio/backup-backups" not in {u.path for u in section.undelivered}
