"""``hearth bootstrap`` against real OpenBao 2.7 servers (raft storage, real init and unseal, not ``-dev``).

From uninitialized to configured; a second run changes nothing; a run killed after any step converges when run
again; a consumer's token reads its own KV path and is denied another's; the ClusterIssuer's PKI role signs for a
platform host and refuses another domain; the keys reach only the operator's 0600 file, never the report.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import hvac
import hvac.exceptions
import pytest
from realtools_bao import RealBao, real_bao
from realtools_runs import build_files
from realtools_servers import free_port

from hearth.bootstrap import Options, Status, StepResult, bootstrap, plan_steps
from hearth.bootstrap.model import Step
from hearth.bootstrap.runner import run_steps
from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Catalog
from hearth.catalog.secrets_init import Unseal
from hearth.render.model import RenderedPlatform

SEED = load_catalog(None)
OPENSSL_EC = ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]


def _with_unseal(catalog: Catalog, method: str) -> Catalog:
    """The catalog with its secrets provider's unseal method replaced (the seed states ``static``)."""
    comps = dict(catalog.components)
    for name, comp in comps.items():
        if comp.secrets_init is not None:
            init = comp.secrets_init.model_copy(update={"unseal": Unseal(method=method, reason="x" * 20)})  # type: ignore[arg-type]
            comps[name] = comp.model_copy(update={"secrets_init": init})
    return catalog.model_copy(update={"components": comps})


SHAMIR = _with_unseal(SEED, "shamir")


@pytest.fixture(scope="module")
def files(rendered_seed: RenderedPlatform) -> dict[str, str]:
    """The seed's build files, as ``hearth render`` writes them, without the providers' grants (``databases/``,
    ``grants/``): the provider steps have their own servers in test_real_bootstrap_grants.py."""
    return build_files(rendered_seed, SEED)


@pytest.fixture(scope="module")
def k8s_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA certificate standing in for the API server's (Vault outside a pod has no ServiceAccount mount)."""
    work = tmp_path_factory.mktemp("k8s-ca")
    ca = work / "ca.pem"
    subprocess.run(
        [*OPENSSL_EC, "-x509", "-days", "2", "-subj", "/CN=kubernetes", "-keyout", str(work / "k"), "-out", str(ca)],
        check=True,
        capture_output=True,
    )
    return ca


def _options(bao: RealBao, keys: Path, ca: Path) -> Options:
    return Options(vault_address=bao.address, vault_ca=bao.ca, keys_file=keys, vault_token="", kubernetes_ca=ca)


def _statuses(results: list[StepResult]) -> dict[str, str]:
    return {r.name: str(r.status) for r in results}


@pytest.fixture(scope="module")
def configured(files: dict[str, str], k8s_ca: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The seed bootstrapped on a static-seal OpenBao: (server, first run, second run, key file)."""
    keys = tmp_path_factory.mktemp("keys") / "vault-keys.json"
    with real_bao("static") as bao:
        first = bootstrap(SEED, files, _options(bao, keys, k8s_ca))
        second = bootstrap(SEED, files, _options(bao, keys, k8s_ca))
        yield bao, first, second, keys


def test_first_run_configures_an_uninitialized_server(configured: Any) -> None:
    bao, first, _, _ = configured
    statuses = _statuses(first)
    assert all(s != "failed" for s in statuses.values()), [r.error for r in first]
    # The static seal unseals itself: that step has nothing to do; every other step made changes.
    assert statuses.pop("vault-unseal") == "unchanged"
    assert set(statuses.values()) == {"created"}
    assert bao.seal_status()["initialized"] is True and bao.seal_status()["sealed"] is False


def test_second_run_reports_every_step_unchanged(configured: Any) -> None:
    _, _, second, _ = configured
    assert _statuses(second) == {r.name: "unchanged" for r in second}
    assert all(not r.changes for r in second)


def test_keys_are_written_once_mode_0600_and_never_reported(configured: Any) -> None:
    _, first, second, keys = configured
    content = json.loads(keys.read_text())
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert content["kind"] == "recovery" and len(content["keys_base64"]) == 5 and content["threshold"] == 3
    report = json.dumps([r.as_json() for r in first + second])
    for secret in [*content["keys_base64"], content["root_token"]]:
        assert secret not in report


def _client(bao: RealBao, keys: Path, policy: str | None = None) -> hvac.Client:
    root = hvac.Client(url=bao.address, token=json.loads(keys.read_text())["root_token"], verify=str(bao.ca))
    if policy is None:
        return root
    token = root.auth.token.create(policies=[policy], no_default_policy=True, ttl="5m")["auth"]["client_token"]
    return hvac.Client(url=bao.address, token=token, verify=str(bao.ca))


@pytest.mark.parametrize(
    ("policy", "own", "other"),
    [
        # Components whose credentials read their own app entry (only those are given it).
        ("vaultwarden", "data/vaultwarden/app", "data/rybbit/app"),
        ("rybbit", "data/rybbit/app", "data/vaultwarden/app"),
    ],
)
def test_a_consumer_token_reads_its_own_kv_path_and_is_denied_another(
    configured: Any, policy: str, own: str, other: str
) -> None:
    bao, _, _, keys = configured
    root = _client(bao, keys)
    for path in (own, other):
        root.secrets.kv.v2.create_or_update_secret(path=path, secret={"owner": path}, mount_point="kv")
    consumer = _client(bao, keys, policy)
    assert consumer.secrets.kv.v2.read_secret_version(path=own, mount_point="kv", raise_on_deleted_version=True)[
        "data"
    ]["data"] == {"owner": own}
    with pytest.raises(hvac.exceptions.Forbidden):
        consumer.secrets.kv.v2.read_secret_version(path=other, mount_point="kv", raise_on_deleted_version=True)


def _csr(tmp_path: Path, host: str) -> str:
    subprocess.run(
        [*OPENSSL_EC, "-keyout", str(tmp_path / "k.pem"), "-out", str(tmp_path / "r.pem"), "-subj", f"/CN={host}"],
        check=True,
        capture_output=True,
    )
    return (tmp_path / "r.pem").read_text()


@pytest.mark.parametrize(
    ("host", "signed"),
    [
        ("vault.platform.home.arpa", True),
        ("gitlab.platform.home.arpa", True),
        ("platform.home.arpa", False),  # the bare domain is no platform host
        ("vault.example.com", False),
        ("localhost", False),
    ],
)
def test_the_cluster_issuers_role_signs_platform_hosts_only(
    configured: Any, files: dict[str, str], tmp_path: Path, host: str, signed: bool
) -> None:
    bao, _, _, keys = configured
    issuer = _client(bao, keys, "cert-manager-pki")  # the policy the ClusterIssuer's Kubernetes role grants
    body = {"csr": _csr(tmp_path, host), "common_name": host, "ttl": "24h"}
    if signed:
        answer = issuer.write_data("pki/sign/hearth", data=body)
        assert "BEGIN CERTIFICATE" in answer["data"]["certificate"]
        assert "BEGIN CERTIFICATE" in answer["data"]["issuing_ca"]
    else:
        with pytest.raises(hvac.exceptions.InvalidRequest):
            issuer.write_data("pki/sign/hearth", data=body)


def _converges(bao: RealBao, steps: list[Step], name: str) -> None:
    """A full run after a killed one makes no error, and one more run finds nothing to change."""
    rerun = run_steps(steps)
    assert all(r.status is not Status.failed for r in rerun), (name, [r.error for r in rerun])
    again = run_steps(steps)
    assert {r.status for r in again} == {Status.unchanged}, (name, [(r.name, r.changes) for r in again])


def test_a_run_killed_after_any_step_converges(files: dict[str, str], k8s_ca: Path, tmp_path: Path) -> None:
    """For every step: a run that stops right after it, then a full run converges, then all is unchanged.

    A Shamir server, so init hands out unseal keys and the unseal step has real work. Killed after init, the
    server is stopped and its raft directory kept; the later kill points start from a copy of it (initialized,
    sealed again), since an init costs seconds."""
    keys = tmp_path / "keys.json"
    ports = (free_port(), free_port())
    template = tmp_path / "initialized"
    tls = tmp_path / "tls"  # one CA for every server below: the planned steps verify with it
    with real_bao("shamir", ports=ports, tls_dir=tls) as bao:
        steps = plan_steps(SHAMIR, files, _options(bao, keys, k8s_ca))
        assert [r.status for r in run_steps(steps[:1])] == [Status.created]
        bao.proc.stop()
        shutil.copytree(bao.dir / "data", template)
        bao.start()
        _converges(bao, steps, steps[0].name)
    for index, step in enumerate(steps[1:], start=2):
        with real_bao("shamir", data_from=template, ports=ports, tls_dir=tls) as bao:
            killed = run_steps(steps[:index])
            assert killed[-1].status is Status.created and killed[0].status is Status.unchanged, (step.name, killed)
            _converges(bao, steps, step.name)


def test_a_restarted_shamir_server_is_unsealed_from_the_key_file(
    files: dict[str, str], k8s_ca: Path, tmp_path: Path
) -> None:
    keys = tmp_path / "keys.json"
    with real_bao("shamir") as bao:
        first = bootstrap(SHAMIR, files, _options(bao, keys, k8s_ca))
        assert {r.status for r in first} == {Status.created}, [r.error for r in first]
        bao.restart()
        assert bao.seal_status()["sealed"] is True
        after = _statuses(bootstrap(SHAMIR, files, _options(bao, keys, k8s_ca)))
        assert after.pop("vault-unseal") == "created"
        assert set(after.values()) == {"unchanged"}
        assert bao.seal_status()["sealed"] is False


def test_a_seal_other_than_the_catalogs_fails_init(files: dict[str, str], k8s_ca: Path, tmp_path: Path) -> None:
    with real_bao("shamir") as bao:
        results = bootstrap(SEED, files, _options(bao, tmp_path / "keys.json", k8s_ca), only=["vault-init"])
    assert [(r.status, r.error) for r in results] == [
        (Status.failed, "Vault's seal is 'shamir' but the catalog states 'static' (secrets_init.unseal)")
    ]
    assert not (tmp_path / "keys.json").exists()


def test_dry_run_on_an_uninitialized_server_plans_and_changes_nothing(
    files: dict[str, str], k8s_ca: Path, tmp_path: Path
) -> None:
    with real_bao("shamir") as bao:
        results = bootstrap(SHAMIR, files, _options(bao, tmp_path / "keys.json", k8s_ca), dry_run=True)
        assert {r.status for r in results} == {Status.planned}
        assert bao.seal_status()["initialized"] is False
    assert not (tmp_path / "keys.json").exists()
