"""Capacity advice and the ``--nodes`` what-if: the node shape the advice names makes capacity pass when applied."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.verify.build.audit import load_build
from hearth.verify.capacity import audit_capacity
from hearth.verify.capacity.whatif import NodeShape, apply_shapes, parse_nodes
from hearth.verify.report import run_check

GI = 2**30


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed platform rendered as `hearth render --out` writes it."""
    out = tmp_path_factory.mktemp("seed-advice") / "build"
    render(load_catalog(None), out)
    return out


@pytest.mark.parametrize(
    ("text", "shapes"),
    [
        ("3x8c32g", [NodeShape(3, 8, 32)]),
        ("3x8c32g500d", [NodeShape(3, 8, 32, 500)]),
        ("+1x8c32g500d", [NodeShape(1, 8, 32, 500, add=True)]),
        ("1x4c8g50d, 2x4c16g100d", [NodeShape(1, 4, 8, 50), NodeShape(2, 4, 16, 100)]),
    ],
)
def test_nodes_syntax_parses(text: str, shapes: list[NodeShape]) -> None:
    """COUNTxCORESc MEMORYg [DISKd], comma-separated, ``+`` to add; each shape prints back as it was given."""
    assert parse_nodes(text) == shapes
    assert ",".join(s.spec() for s in shapes) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["3x8c", "8c32g", "3x8c32g500", "0x8c32g", "3x0c32g", "3x8c32g0d", "x", ""])
def test_bad_nodes_syntax_is_one_line_naming_the_part(text: str) -> None:
    """A malformed shape is a ValueError naming it and the syntax (the CLI makes it exit 2)."""
    with pytest.raises(ValueError, match=r"--nodes .*(expected|at least)") as caught:
        parse_nodes(text)
    assert "\n" not in str(caught.value)


def _node_doc(name: str, cpu: str, memory: str, disk: str, reserved: str = "0", **labels: str) -> dict[str, Any]:
    capacity = {"cpu": cpu, "memory": memory, "ephemeral-storage": disk, "pods": "110"}
    allocatable = {**capacity, "memory": f"{int(memory.removesuffix('Gi')) * 1024 - int(reserved)}Mi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}},
        "status": {"capacity": capacity, "allocatable": allocatable},
    }


def _deployment(name: str, cpu: str, memory: str, replicas: int = 1, claim: str | None = None) -> list[dict[str, Any]]:
    spec: dict[str, Any] = {
        "containers": [{"name": name, "resources": {"requests": {"cpu": cpu, "memory": memory}}}],
    }
    docs: list[dict[str, Any]] = []
    if claim:
        spec["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": f"{name}-data"}}]
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": f"{name}-data", "namespace": "ns"},
                "spec": {"storageClassName": "openebs-hostpath", "resources": {"requests": {"storage": claim}}},
            }
        )
    docs.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": "ns", "labels": {"app.kubernetes.io/name": name}},
            "spec": {"replicas": replicas, "template": {"metadata": {"labels": {"app": name}}, "spec": spec}},
        }
    )
    return docs


def _write(tmp_path: Path, objects: list[dict[str, Any]], nodes: list[dict[str, Any]]) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "cluster").mkdir()
    (tmp_path / "manifests" / "all.yaml").write_text(yaml.safe_dump_all(objects), encoding="utf-8")
    (tmp_path / "cluster" / "nodes.yaml").write_text(yaml.safe_dump_all(nodes), encoding="utf-8")
    return tmp_path


CASES = {
    # name: (workloads, nodes, a reason that must be named)
    "cpu": (
        _deployment("big", "3", "1Gi", replicas=2),
        [_node_doc("a", "2", "8Gi", "50Gi"), _node_doc("b", "2", "8Gi", "50Gi")],
        "cpu short by",
    ),
    "memory": (
        _deployment("fat", "100m", "6Gi", replicas=3),
        [_node_doc("a", "4", "8Gi", "50Gi"), _node_doc("b", "4", "8Gi", "50Gi")],
        "memory short by",
    ),
    "disk": (
        _deployment("store", "100m", "128Mi", claim="80Gi"),
        [_node_doc("a", "4", "8Gi", "20Gi"), _node_doc("b", "4", "8Gi", "20Gi")],
        "openebs-hostpath volumes do not enforce size",
    ),
    "n-1": (
        _deployment("pair", "1500m", "1Gi", replicas=2),
        [_node_doc("a", "2", "8Gi", "50Gi"), _node_doc("b", "2", "8Gi", "50Gi")],
        "fit nowhere on the other nodes",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_advice_names_the_reason_and_a_shape_that_passes(case: str, tmp_path: Path) -> None:
    """Each way of not fitting is named in plain words, and the advised --nodes makes capacity pass (N-1 too)."""
    objects, nodes, reason = CASES[case]
    build = _write(tmp_path, objects, nodes)
    capacity = audit_capacity(load_build(build))
    assert capacity.advice is not None and capacity.advice.nodes is not None
    assert any(reason in why for _, _, why in capacity.advice.reasons), capacity.advice.reasons
    loaded = load_build(build)
    after = audit_capacity(replace(loaded, nodes=apply_shapes(loaded.nodes, parse_nodes(capacity.advice.nodes.spec()))))
    assert not after.failed and all(loss.fits for loss in after.n_minus_one) and not after.transient_unfit


def test_removal_of_one_component_is_named_when_it_alone_suffices(tmp_path: Path) -> None:
    """Two small workloads fit; a third large one does not: removing it alone suffices, removing a small one not."""
    objects = [*_deployment("small", "500m", "1Gi"), *_deployment("tiny", "500m", "1Gi")]
    objects += _deployment("huge", "3", "1Gi")
    build = _write(tmp_path, objects, [_node_doc("a", "2", "8Gi", "50Gi"), _node_doc("b", "2", "8Gi", "50Gi")])
    capacity = audit_capacity(load_build(build))
    assert capacity.failed and capacity.unplaced == ["ns/huge"]
    assert capacity.advice is not None
    assert capacity.advice.removals == ["ns/huge"]  # no component label: the workload stands for it
    assert capacity.advice.unplaced == [("ns/huge", 3000, GI)]
    assert capacity.requests == {"ns/huge": (3000, GI)}
    assert capacity.advice.consumers[0].component == "ns/huge"


MI = 2**20


@pytest.mark.parametrize(
    ("spec", "names", "cpu", "memory"),
    [
        ("2x8c16g", ["a", "b"], [8000, 8000], [16384 * MI, 16284 * MI]),  # resized, names and reservations kept
        ("1x8c16g", ["a"], [8000], [16384 * MI]),  # fewer: the rest dropped
        ("3x8c16g", ["a", "b", "whatif-1"], [8000] * 3, [16384 * MI, 16284 * MI, 16284 * MI]),  # more: new workers
        ("+1x8c16g", ["a", "b", "whatif-1"], [2000, 2000, 8000], [8 * GI, 8092 * MI, 16284 * MI]),  # added
    ],
)
def test_apply_shapes_resizes_in_name_order_and_adds_workers(
    spec: str, names: list[str], cpu: list[int], memory: list[int], tmp_path: Path
) -> None:
    """The what-if keeps the build's nodes' names and reservations; new nodes reserve what the last worker does."""
    nodes = [_node_doc("b", "2", "8Gi", "50Gi", reserved="100"), _node_doc("a", "2", "8Gi", "50Gi")]
    build = load_build(_write(tmp_path, [], nodes))
    shaped = apply_shapes(build.nodes, parse_nodes(spec))
    assert [n.name for n in shaped] == names
    assert [n.cpu for n in shaped] == cpu and [n.memory for n in shaped] == memory


def test_seed_advice_names_nodes_that_make_capacity_pass(seed_build: Path) -> None:
    """Must show: capacity advice on the seed names a node shape that, applied with --nodes, makes capacity pass."""
    report = run_check(seed_build)
    capacity = report.section("capacity")
    assert capacity.failed and capacity.advice is not None and capacity.advice.nodes is not None
    reasons = [why for _, _, why in capacity.advice.reasons]
    assert any("volumes do not enforce size" in why for why in reasons), reasons
    spec = capacity.advice.nodes.spec()
    assert any(spec in f.fix for f in report.findings() if f.section == "capacity")
    after = run_check(seed_build, parse_nodes(spec))
    fixed = after.section("capacity")
    assert not fixed.failed and fixed.unplaced == [] and all(loss.fits for loss in fixed.n_minus_one)
    assert not fixed.storage_overcommitted and not fixed.transient_unfit
    assert after.nodes and "what-if" not in str(seed_build)
