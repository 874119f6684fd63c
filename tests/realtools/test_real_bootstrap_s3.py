"""``hearth bootstrap``'s S3 steps against real servers on loopback: OpenBao (raft, static seal) and SeaweedFS's S3
gateway with its embedded IAM API writable, each started once for the module.

The plan runs twice from an uninitialized OpenBao with the S3 admin's key pair in a 0600 file and SeaweedFS as the
``minio`` endpoint (the seed's S3 provider), its grants file saying ``user_api: iam`` as a catalog whose S3 provider
is an IAM server renders it (the seed's MinIO says ``minio-admin``, tested against tests/bootstrap's fake MinIO):
the first run creates every consumer's and the backups' buckets and users, the second reports every step
unchanged. Then each user's keys, read from Vault and used by the aws CLI (an independent SigV4 client), read and
write its own bucket and are refused another; a key or a policy changed by hand is planned back by ``--dry-run``
without being touched and restored by the next run.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import hvac
import pytest
from realtools_bao import real_bao
from realtools_runs import admin_file, build_files, by_name, operator_options, run_twice
from realtools_servers import LOOPBACK, S3_ACCESS_KEY, S3_SECRET_KEY, SeaweedS3, client_env, run, seaweed_server

from hearth.bootstrap import Options, StepResult, bootstrap, plan_steps
from hearth.bootstrap.s3 import POLICY_NAME, S3Server
from hearth.bootstrap.sigv4 import Keys
from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform
from tools import tool

SEED = load_catalog(None)
BUCKETS, USERS = "minio-buckets", "minio-bucket-users"


class Store:
    """The test's view: OpenBao's root client, SeaweedFS, the options, files, the grants and the runs' results."""

    def __init__(self, vault: hvac.Client, s3: SeaweedS3, options: Options, files: dict[str, str]) -> None:
        self.vault, self.s3, self.options, self.files = vault, s3, options, files
        self.grants: list[dict[str, str]] = json.loads(files["grants/minio.json"])["consumers"]
        self.runs: list[list[StepResult]] = []
        self.admin = S3Server(f"{LOOPBACK}:{s3.port}", Keys(S3_ACCESS_KEY, S3_SECRET_KEY))

    def keys(self, user: str) -> dict[str, str]:
        """The KV entry the bootstrap wrote for ``user`` (a grant's consumer)."""
        secret = next(g["secret"] for g in self.grants if g["consumer"] == user).removeprefix("kv/")
        kv = self.vault.secrets.kv.v2
        answer = kv.read_secret_version(path=secret, mount_point="kv", raise_on_deleted_version=True)
        return dict(answer["data"]["data"])

    def aws(self, user: str, home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """``aws s3api ARGS`` as ``user``, its keys in the environment only."""
        creds = self.keys(user)
        env = client_env(
            str(Path(tool("aws")).parent),
            "/usr/bin",
            "/bin",
            home=home,
            AWS_ACCESS_KEY_ID=creds["access_key_id"],
            AWS_SECRET_ACCESS_KEY=creds["secret_access_key"],
            AWS_DEFAULT_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
        )
        endpoint = ["--endpoint-url", f"http://{LOOPBACK}:{self.s3.port}"]
        return run([tool("aws"), *endpoint, "s3api", *args], env=env, stdin=stdin, timeout=60)


@pytest.fixture(scope="module")
def store(rendered_seed: RenderedPlatform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The seed's Vault steps and S3 grants bootstrapped twice against real servers."""
    files = build_files(rendered_seed, SEED, keep=("grants/minio.json",))
    grants = json.loads(files["grants/minio.json"])
    assert grants["user_api"] == "minio-admin"
    files["grants/minio.json"] = json.dumps(grants | {"user_api": "iam"}, indent=2, sort_keys=True) + "\n"
    work = tmp_path_factory.mktemp("operator")
    admins = work / "admins"
    admins.mkdir()
    admin_file(admins, "minio", S3_ACCESS_KEY, S3_SECRET_KEY)
    with real_bao("static") as bao, seaweed_server(iam_writes=True, volumes=64) as s3:
        options = operator_options(bao, work, {"minio": f"{LOOPBACK}:{s3.port}"}, admins)
        state = Store(hvac.Client(url=bao.address, verify=str(bao.ca)), s3, options, files)
        state.runs, state.vault.token = run_twice(SEED, files, options)
        yield state


def test_first_run_creates_every_bucket_and_user(store: Store) -> None:
    first = by_name(store.runs[0])
    assert all(r.status != "failed" for r in first.values()), [r.error for r in first.values() if r.error]
    buckets = sorted({g["name"] for g in store.grants})
    assert {"velero", "backups"} <= set(buckets)
    assert first[BUCKETS].changes == [f"bucket {b}" for b in buckets]
    users = [g["consumer"] for g in store.grants]
    assert len(first[USERS].changes) == 3 * len(users)
    assert [c.split(":")[0] for c in first[USERS].changes[::3]] == [f"user {u}" for u in users]


def test_second_run_reports_every_step_unchanged(store: Store) -> None:
    second = store.runs[1]
    assert {r.name: str(r.status) for r in second} == {r.name: "unchanged" for r in second}, [
        r.changes for r in second if r.changes
    ]


@pytest.mark.parametrize(
    ("user", "own", "other"),
    [("affine", "affine", "kestra"), ("backup-backups", "backups", "velero"), ("velero", "velero", "stoat")],
)
def test_keys_read_and_write_their_bucket_and_are_refused_another(
    store: Store, tmp_path: Path, user: str, own: str, other: str
) -> None:
    assert store.keys(user)["bucket"] == own
    put = store.aws(user, tmp_path, "put-object", "--bucket", own, "--key", f"{user}.txt", "--body", "/etc/hostname")
    assert put.returncode == 0, put.stderr
    got = store.aws(user, tmp_path, "get-object", "--bucket", own, "--key", f"{user}.txt", str(tmp_path / "got"))
    assert got.returncode == 0 and (tmp_path / "got").read_bytes() == Path("/etc/hostname").read_bytes(), got.stderr
    listed = store.aws(user, tmp_path, "list-objects-v2", "--bucket", own)
    assert listed.returncode == 0 and f"{user}.txt" in listed.stdout, listed.stderr
    for args in (
        ["put-object", "--bucket", other, "--key", "x", "--body", "/etc/hostname"],
        ["get-object", "--bucket", other, "--key", f"{user}.txt", str(tmp_path / "x")],
        ["list-objects-v2", "--bucket", other],
        ["create-bucket", "--bucket", f"{user}-new"],
    ):
        refused = store.aws(user, tmp_path, *args)
        assert refused.returncode != 0 and "AccessDenied" in refused.stderr, (args, refused.stderr)


def test_a_drifted_key_and_policy_are_planned_by_a_dry_run_and_restored(store: Store, tmp_path: Path) -> None:
    user = "kestra"
    before = store.keys(user)
    extra = store.admin.iam_ok("CreateAccessKey", UserName=user)
    assert extra is not None
    wide = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]}]}
    store.admin.iam_ok("PutUserPolicy", UserName=user, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(wide))
    planned = by_name(bootstrap(SEED, store.files, store.options, only=[USERS], dry_run=True))[USERS]
    assert planned.status == "planned"
    assert planned.changes == [
        f"user {user}: policy {POLICY_NAME}, bucket kestra only",
        f"user {user}: remove 1 key Vault does not hold",
    ]
    assert len(_access_keys(store, user)) == 2  # the dry run changed nothing
    restored = by_name(bootstrap(SEED, store.files, store.options, only=[USERS]))[USERS]
    assert restored.status == "created" and restored.changes == planned.changes
    assert _access_keys(store, user) == [before["access_key_id"]] and store.keys(user) == before
    refused = store.aws(user, tmp_path, "list-objects-v2", "--bucket", "affine")
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr
    assert by_name(bootstrap(SEED, store.files, store.options, only=[USERS]))[USERS].status == "unchanged"


def test_a_key_missing_from_vault_is_replaced(store: Store, tmp_path: Path) -> None:
    user = "stoat"
    old = store.keys(user)
    secret = next(g["secret"] for g in store.grants if g["consumer"] == user).removeprefix("kv/")
    store.vault.secrets.kv.v2.create_or_update_secret(path=secret, secret={"bucket": "stoat"}, mount_point="kv")
    changes = by_name(bootstrap(SEED, store.files, store.options, only=[USERS]))[USERS].changes
    assert changes == [f"user {user}: access key: create into Vault kv/{secret}, remove 1 key Vault does not hold"]
    new = store.keys(user)
    assert new["access_key_id"] != old["access_key_id"] and _access_keys(store, user) == [new["access_key_id"]]
    listed = store.aws(user, tmp_path, "list-objects-v2", "--bucket", "stoat")
    assert listed.returncode == 0, listed.stderr


@pytest.mark.parametrize("applied", [0, 1, 2])
def test_a_run_killed_after_any_change_converges(store: Store, tmp_path: Path, applied: int) -> None:
    """From no user, policy, key or Vault entry for one grant: the step's first ``applied`` changes made, then
    killed; the next run makes the rest, and the one after changes nothing."""
    user = "supabase"
    for key in _access_keys(store, user):
        store.admin.iam_ok("DeleteAccessKey", UserName=user, AccessKeyId=key)
    store.admin.iam_ok("DeleteUserPolicy", UserName=user, PolicyName=POLICY_NAME)
    store.admin.iam_ok("DeleteUser", UserName=user)
    secret = next(g["secret"] for g in store.grants if g["consumer"] == user).removeprefix("kv/")
    store.vault.secrets.kv.v2.delete_metadata_and_all_versions(path=secret, mount_point="kv")
    step = next(s for s in plan_steps(SEED, store.files, store.options) if s.name == USERS)
    changes = step.changes()
    assert [c.description.split(":")[0] for c in changes] == [f"user {user}"] * 3
    for change in changes[:applied]:
        change.apply()
    rerun = by_name(bootstrap(SEED, store.files, store.options, only=[USERS]))[USERS]
    assert rerun.status == "created" and rerun.changes == [c.description for c in changes[applied:]]
    assert by_name(bootstrap(SEED, store.files, store.options, only=[USERS]))[USERS].status == "unchanged"
    listed = store.aws(user, tmp_path, "list-objects-v2", "--bucket", "supabase")
    assert listed.returncode == 0, listed.stderr


def _access_keys(store: Store, user: str) -> list[str]:
    reply = store.admin.iam_ok("ListAccessKeys", UserName=user)
    return [el.text or "" for el in reply.iter() if el.tag.rpartition("}")[2] == "AccessKeyId"]


def test_no_key_reaches_the_report(store: Store) -> None:
    text = json.dumps([r.as_json() for run_ in store.runs for r in run_])
    assert S3_SECRET_KEY not in text
    for grant in store.grants:
        assert store.keys(grant["consumer"])["secret_access_key"] not in text
