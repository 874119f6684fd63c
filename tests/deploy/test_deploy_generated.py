"""Secrets generated once by ``hearth apply`` (the static seal's key), against the fake Kubernetes API: created
right before the release that needs them, from random bytes of the stated length, never changed once there,
never shown, planned by a dry run; a malformed statement is one line naming the file."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from deploykit import Cluster, run_engine, write_build

from hearth.deploy.engine import Event
from hearth.deploy.releases import load_build

SPEC = {
    "namespace": "service",
    "name": "vault-seal-key",
    "key": "key",
    "bytes": 32,
    "labels": {"velero.io/exclude-from-backup": "true"},
    "before": "service/vault",
    "purpose": "Vault's static seal key",
}
GRAPH = {"default/namespaces": [], "service/vault": ["default/namespaces"], "apps/app": ["service/vault"]}


def _build(root: Path, specs: list[dict[str, object]]) -> None:
    write_build(root, GRAPH)
    (root / "cluster").mkdir(exist_ok=True)
    (root / "cluster" / "generated-secrets.json").write_text(json.dumps(specs))


def _key(cluster: Cluster) -> bytes:
    secret = cluster.fake.get("v1", "Secret", "vault-seal-key", "service")
    assert secret is not None
    return base64.b64decode(secret["data"]["key"])


def test_the_secret_is_generated_before_its_release_and_kept_on_every_later_run(
    cluster: Cluster, tmp_path: Path
) -> None:
    root = tmp_path / "build"
    _build(root, [SPEC])
    order: list[str] = []

    def hook(key: str, step: str) -> None:
        if step == "helm":
            seen = cluster.fake.get("v1", "Secret", "vault-seal-key", "service") is not None
            order.append(f"{key}:{'with' if seen else 'without'} key")

    events: list[Event] = []
    assert run_engine(cluster, load_build(root), events=events, step_hook=hook).ok
    assert order[0] == "default/namespaces:without key", order
    assert "service/vault:with key" in order
    first = _key(cluster)
    assert len(first) == 32
    secret = cluster.fake.get("v1", "Secret", "vault-seal-key", "service")
    assert secret is not None and secret["metadata"]["labels"] == {"velero.io/exclude-from-backup": "true"}
    (generated,) = [e for e in events if e.state == "secret"]
    assert generated.key == "service/vault" and generated.detail.startswith("generated service/vault-seal-key")

    later: list[Event] = []
    assert run_engine(cluster, load_build(root), events=later).ok
    assert _key(cluster) == first, "a second run must keep the key the data was sealed with"
    assert [e.detail for e in later if e.state == "secret"] == [
        "service/vault-seal-key exists: kept (Vault's static seal key)"
    ]
    shown = " ".join(e.detail for e in [*events, *later])
    assert secret["data"]["key"] not in shown and first.hex() not in shown


def test_a_deleted_secret_is_generated_again_even_for_a_current_release(cluster: Cluster, tmp_path: Path) -> None:
    root = tmp_path / "build"
    _build(root, [SPEC])
    assert run_engine(cluster, load_build(root)).ok
    cluster.kube().delete("v1", "Secret", "vault-seal-key", "service")
    events: list[Event] = []
    assert run_engine(cluster, load_build(root), events=events).ok
    states = [e.state for e in events if e.key == "service/vault"]
    assert states[-2:] == ["secret", "skipped"], states
    assert len(_key(cluster)) == 32


def test_a_dry_run_plans_the_secret_and_creates_nothing(cluster: Cluster, tmp_path: Path) -> None:
    root = tmp_path / "build"
    _build(root, [SPEC])
    events: list[Event] = []
    outcome = run_engine(cluster, load_build(root), keys=["service/vault"], events=events, dry_run=True)
    assert outcome.states["service/vault"].state == "would-install"
    (planned,) = [e for e in events if e.state == "secret"]
    assert planned.key == "service/vault"
    assert planned.detail.startswith("would generate service/vault-seal-key (32 random bytes"), planned
    assert cluster.fake.get("v1", "Secret", "vault-seal-key", "service") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"before": "service/nowhere"}, "before: unknown release 'service/nowhere'"),
        ({"bytes": True}, "missing or invalid bytes"),
        ({"bytes": 8}, "missing or invalid bytes"),
        ({"name": None}, "missing or invalid name"),
        ({"key": ""}, "missing or invalid key"),
    ],
    ids=["unknown-release", "boolean-length", "too-short", "null-name", "empty-key"],
)
def test_a_malformed_statement_is_one_line_naming_the_file(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    root = tmp_path / "build"
    _build(root, [{**SPEC, **change}])
    with pytest.raises(ValueError, match=r"generated-secrets\.json") as caught:
        load_build(root)
    assert message in str(caught.value) and "\n" not in str(caught.value)
