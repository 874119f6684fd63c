"""The S3 steps of a ``user_api: minio-admin`` provider against a fake MinIO on loopback (``fake_minio``): its admin
API endpoints decrypt the bodies as MinIO does and every request's SigV4 signature is verified, so a wrong admin
key, a body not encrypted with it or a consumer's stale secret fails as it would on MinIO; Vault's KV is
bootstrap_fakes' (the KV steps against a real OpenBao are tests/realtools').

From nothing, the first run creates each user, its canned policy and the attachment and writes the KV entry; the
second changes nothing; a drifted policy, an extra attached policy and a secret lost from Vault are restored, and
no secret reaches a report, a log line, a subprocess' argv or the wire in the clear.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from bootstrap_fakes import FakeVault
from bootstrap_fakes import serve as serve_fake
from fake_minio import FakeMinio, serve
from minio.crypto import encrypt

from hearth.bootstrap.model import Step, StepResult
from hearth.bootstrap.operator import Operator
from hearth.bootstrap.runner import run_steps
from hearth.bootstrap.s3 import bucket_policy, s3_steps
from hearth.bootstrap.s3.minio_admin import MinioAdminApi, policy_name
from hearth.bootstrap.sigv4 import Keys, signed_headers
from hearth.bootstrap.vault import Vault

ROOT_KEY, ROOT_SECRET = "minio-root", "root-secret-for-the-fake-0123456789"
USERS = "minio-bucket-users"


GRANTS = {
    "capability": "s3",
    "grant": "bucket",
    "provider": "minio",
    "endpoint": "minio.db.svc:9000",
    "provider_secret": "kv/db/minio/app",
    "user_api": "minio-admin",
    "consumers": [
        {"consumer": "affine", "name": "affine", "secret": "kv/productivity/affine/s3"},
        {"consumer": "backup-velero", "name": "velero", "secret": "kv/db/minio/backup-velero"},
    ],
}


class World:
    """The fake MinIO, the fake Vault's KV entries and the steps of the grants file, each run's results kept."""

    def __init__(self, fake: FakeMinio, endpoint: str, kv: FakeVault, vault: str, admins: Path) -> None:
        self.fake, self.entries = fake, kv.kv
        self.vault = Vault(address=f"http://{vault}", keys_file=None, token=kv.token)
        self.operator = Operator(self.vault, {"minio": endpoint}, admins)
        self.runs: list[list[StepResult]] = []

    def steps(self) -> list[Step]:
        return s3_steps(self.vault, {"minio": GRANTS}, self.operator)

    def run(self, dry_run: bool = False) -> dict[str, StepResult]:
        results = run_steps(self.steps(), dry_run=dry_run)
        self.runs.append(results)
        return {r.name: r for r in results}

    def kv(self, path: str) -> dict[str, Any]:
        return self.entries[path.removeprefix("kv/")]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    fd = os.open(tmp_path / "minio.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"username": ROOT_KEY, "password": ROOT_SECRET}, out)
    fake, kv = FakeMinio(ROOT_KEY, ROOT_SECRET), FakeVault()
    with serve(fake) as endpoint, serve_fake(kv.handle) as vault:
        yield World(fake, endpoint, kv, vault.endpoint, tmp_path)


def test_the_first_run_creates_users_policies_attachments_and_kv_entries(world: World) -> None:
    first = world.run()
    assert {n: str(r.status) for n, r in first.items()} == {"minio-buckets": "created", USERS: "created"}, [
        r.error for r in first.values()
    ]
    assert first[USERS].changes == [
        "user affine: create, its secret key into Vault kv/productivity/affine/s3",
        "policy hearth-bucket-affine: bucket affine only",
        "user affine: attach policy hearth-bucket-affine",
        "user backup-velero: create, its secret key into Vault kv/db/minio/backup-velero",
        "policy hearth-bucket-backup-velero: bucket velero only",
        "user backup-velero: attach policy hearth-bucket-backup-velero",
    ]
    for consumer in GRANTS["consumers"]:
        user, bucket = consumer["consumer"], consumer["name"]
        kv = world.kv(consumer["secret"])
        assert kv["access_key_id"] == user and kv["bucket"] == bucket
        assert world.fake.users[user].secret == kv["secret_access_key"] and len(kv["secret_access_key"]) == 40
        assert world.fake.users[user].policies == [policy_name(user)]
        assert world.fake.policies[policy_name(user)] == bucket_policy(bucket)
    assert world.kv("kv/productivity/affine/s3") != world.kv("kv/db/minio/backup-velero")
    assert world.fake.buckets == {"affine", "velero"}


def test_the_second_run_changes_nothing(world: World) -> None:
    world.run()
    before = len(world.fake.requests)
    second = world.run()
    assert {n: str(r.status) for n, r in second.items()} == {"minio-buckets": "unchanged", USERS: "unchanged"}
    writes = [r for r in world.fake.requests[before:] if not r.startswith(("GET", "HEAD"))]
    assert writes == []
    # The secret was checked, not trusted: the second run signed a listing of each bucket with Vault's secret.
    assert sum(r.startswith("GET /affine?") for r in world.fake.requests[before:]) == 1


def test_a_drifted_policy_and_an_extra_attachment_are_planned_then_restored(world: World) -> None:
    world.run()
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]}]}
    world.fake.policies[policy_name("affine")] = wide
    world.fake.policies["readwrite"] = wide
    world.fake.users["affine"].policies.append("readwrite")
    planned = world.run(dry_run=True)[USERS]
    expected = ["policy hearth-bucket-affine: bucket affine only", "user affine: detach readwrite"]
    assert str(planned.status) == "planned" and planned.changes == expected
    assert world.fake.policies[policy_name("affine")] == wide  # the dry run changed nothing
    restored = world.run()[USERS]
    assert str(restored.status) == "created" and restored.changes == expected
    assert world.fake.policies[policy_name("affine")] == bucket_policy("affine")
    assert world.fake.users["affine"].policies == [policy_name("affine")]
    assert str(world.run()[USERS].status) == "unchanged"


@pytest.mark.parametrize("loss", ["entry", "secret", "changed-on-server", "disabled"])
def test_a_secret_lost_or_refused_is_generated_again_and_set(world: World, loss: str) -> None:
    world.run()
    path = "kv/productivity/affine/s3"
    old = world.kv(path)["secret_access_key"]
    entry = world.entries["productivity/affine/s3"]
    if loss == "entry":
        del world.entries["productivity/affine/s3"]
    elif loss == "secret":
        del entry["secret_access_key"]
    elif loss == "changed-on-server":
        world.fake.users["affine"].secret = "set-by-hand-elsewhere"
    else:
        world.fake.users["affine"].status = "disabled"
    changes = world.run()[USERS].changes
    what = "enable, a new secret key" if loss == "disabled" else "a new secret key"
    tail = "" if loss == "disabled" else " (Vault's is missing or refused)"
    assert changes == [f"user affine: {what} into Vault {path}{tail}"]
    new = world.kv(path)
    assert new["secret_access_key"] != old and world.fake.users["affine"].secret == new["secret_access_key"]
    assert world.fake.users["affine"].status == "enabled"
    assert world.fake.users["affine"].policies == [policy_name("affine")]  # setting the secret kept the policy
    assert new["bucket"] == "affine" and new["access_key_id"] == "affine"
    assert str(world.run()[USERS].status) == "unchanged"


@pytest.mark.parametrize("applied", [0, 1, 2])
def test_a_run_killed_after_any_change_converges(world: World, applied: int) -> None:
    world.fake.buckets |= {"affine", "velero"}
    step = next(s for s in world.steps() if s.name == USERS)
    changes = [c for c in step.changes() if "affine" in c.description]
    for change in changes[:applied]:
        change.apply()
    rerun = world.run()[USERS]
    assert str(rerun.status) == "created"
    assert [c for c in rerun.changes if "affine" in c] == [c.description for c in changes[applied:]]
    assert str(world.run()[USERS].status) == "unchanged"


def test_a_wrong_admin_secret_fails_in_one_line(world: World, tmp_path: Path) -> None:
    (tmp_path / "minio.json").write_text(json.dumps({"username": ROOT_KEY, "password": "not-the-root-secret"}))
    result = run_steps([s for s in world.steps() if s.name == USERS])[0]
    assert str(result.status) == "failed"
    assert result.error.startswith("MinIO admin user-info affine at 127.0.0.1:") and result.error.endswith(
        "HTTP 403 SignatureDoesNotMatch"
    )


def test_no_secret_reaches_a_report_a_log_argv_or_the_wire(
    world: World, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned: list[list[str]] = []

    def no_subprocess(args: Any, *rest: Any, **kwargs: Any) -> None:
        spawned.append(list(args) if isinstance(args, list | tuple) else [str(args)])
        raise AssertionError("the S3 steps spawn no process")

    monkeypatch.setattr(subprocess, "Popen", no_subprocess)
    caplog.set_level(logging.DEBUG)
    world.run()
    world.fake.users["affine"].secret = "set-by-hand-elsewhere"  # forces a new secret on the second run
    world.run()
    secrets_ = [world.kv(c["secret"])["secret_access_key"] for c in GRANTS["consumers"]]
    secrets_ += [ROOT_SECRET, world.fake.users["affine"].secret]
    out, err = capfd.readouterr()
    reports = json.dumps([r.as_json() for run in world.runs for r in run])
    seen = "\n".join([reports, caplog.text, out, err, *world.fake.requests])
    wire = b"".join(world.fake.bodies)
    assert spawned == []
    for secret in secrets_:
        assert secret not in seen
        assert secret.encode() not in wire
    assert ROOT_KEY not in reports  # the admin's access key is not in a report either


def test_a_grants_file_without_a_user_api_fails_saying_how_to_fix_it(world: World) -> None:
    old = {k: v for k, v in GRANTS.items() if k != "user_api"}
    step = next(s for s in s3_steps(world.vault, {"minio": old}, world.operator) if s.name == USERS)
    result = run_steps([step])[0]
    assert str(result.status) == "failed"
    assert result.error == "grants/minio.json: user_api None is not one of iam, minio-admin; run `hearth render` again"


def test_the_fake_refuses_what_minio_refuses(world: World) -> None:
    """The fake is strict where the step could be wrong: an unsigned request, a body not encrypted with the admin's
    secret; and it answers a signed, encrypted one."""
    endpoint = world.operator.endpoints["minio"]
    unsigned = requests.get(f"http://{endpoint}/minio/admin/v3/user-info?accessKey=affine", timeout=5)
    assert unsigned.status_code == 403 and unsigned.json()["Code"] == "AccessDenied"

    def add_user(password: str) -> requests.Response:
        body = encrypt(json.dumps({"secretKey": "s" * 40, "status": "enabled"}).encode(), password)
        query = {"accessKey": "affine"}
        path = "/minio/admin/v3/add-user"
        headers = signed_headers(
            Keys(ROOT_KEY, ROOT_SECRET), "PUT", endpoint, path, service="s3", query=query, body=body
        )
        return requests.put(f"http://{endpoint}{path}", params=query, data=body, headers=headers, timeout=5)

    refused = add_user("another-secret")
    assert refused.status_code == 400 and refused.json()["Code"] == "XMinioAdminConfigBadJSON"
    assert "affine" not in world.fake.users
    assert add_user(ROOT_SECRET).status_code == 200 and world.fake.users["affine"].secret == "s" * 40
    api = MinioAdminApi(endpoint, Keys(ROOT_KEY, ROOT_SECRET))
    assert api.user("affine") == {"policyName": "", "status": "enabled"}
    assert api.user("nobody") is None
