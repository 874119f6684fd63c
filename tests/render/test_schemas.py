"""Every object the five renderers emit is valid against its schema.

* core Kubernetes kinds: kubernetes-validate, Kubernetes 1.28, strict (unknown fields fail);
* cert-manager, prometheus-operator (ServiceMonitor, PodMonitor, PrometheusRule) and Velero custom resources: the
  CRD models of the cloudcoil-models-* packages, plus a walk over the models that fails on any key the CRD does not
  define (pydantic alone ignores unknown keys); the seed catalog's monitors as well;
* Traefik custom resources: @kubernetes-models/traefik (ajv validators from Traefik's CRDs) in node,
  installed with ``npm ci`` from tests/fixtures/render/traefik-validate into .tools/node.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import types
import typing
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from cloudcoil.models.cert_manager import v1 as cert_manager
from cloudcoil.models.prometheus_operator import v1 as monitoring
from cloudcoil.models.velero import v1 as velero
from golden import own_manifests
from pydantic import BaseModel, ValidationError
from render_cases import CASES_DIR, TESTS

from hearth.catalog.loader import load_catalog
from hearth.render.cluster import render_upstream_stand_ins
from hearth.render.ingress import render_ingress
from hearth.render.model import Manifest
from hearth.render.observability import render_service_monitor
from hearth.resolve import resolve
from hearth.resolve.records import Resolved
from tools import tool

CRD_MODELS: dict[tuple[str, str], type[BaseModel]] = {
    ("cert-manager.io/v1", "Certificate"): cert_manager.Certificate,
    ("cert-manager.io/v1", "ClusterIssuer"): cert_manager.ClusterIssuer,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): monitoring.ServiceMonitor,
    ("monitoring.coreos.com/v1", "PodMonitor"): monitoring.PodMonitor,
    ("monitoring.coreos.com/v1", "PrometheusRule"): monitoring.PrometheusRule,
    ("velero.io/v1", "Schedule"): velero.Schedule,
}
TRAEFIK_API = "traefik.io/v1alpha1"
CORE_GROUPS = ("v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1")


def _emitted(resolved_cases: dict[str, Resolved]) -> list[Manifest]:
    out: list[Manifest] = []
    for resolved in resolved_cases.values():
        for component in resolved.catalog.components.values():
            out += own_manifests(resolved, component)
        out += [m for name in resolved.catalog.components for m in render_upstream_stand_ins(resolved, name)]
    return out


def unknown_keys(model: Any, data: Any, where: str = "") -> list[str]:
    """Keys of ``data`` that the pydantic model (or the types inside it) does not define, as dotted paths."""
    origin = typing.get_origin(model)
    if origin is typing.Annotated:
        return unknown_keys(typing.get_args(model)[0], data, where)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(model) if a is not type(None)]
        results = [unknown_keys(a, data, where) for a in options]
        return min(results, key=len) if results else []
    if origin in (list, typing.List) and isinstance(data, list):  # noqa: UP006
        (item,) = typing.get_args(model)
        return [p for i, v in enumerate(data) for p in unknown_keys(item, v, f"{where}[{i}]")]
    if origin in (dict, typing.Dict) and isinstance(data, dict):  # noqa: UP006
        value_type = typing.get_args(model)[1]
        return [p for k, v in data.items() for p in unknown_keys(value_type, v, f"{where}.{k}")]
    if isinstance(model, type) and issubclass(model, BaseModel) and isinstance(data, dict):
        fields = {(f.alias or n): f for n, f in model.model_fields.items()}
        problems = []
        for key, value in data.items():
            if key not in fields:
                problems.append(f"{where}.{key}")
            else:
                problems += unknown_keys(fields[key].annotation, value, f"{where}.{key}")
        return problems
    return []


def test_unknown_key_walk_has_teeth() -> None:
    """A typo deep inside a Schedule is reported, where pydantic alone would accept it."""
    doc = {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": {"name": "x"},
        "spec": {"schedule": "0 1 * * *", "template": {"ttl": "1h", "defaultVolumesToFSBackup": True}},
    }
    velero.Schedule.model_validate(doc)
    assert unknown_keys(velero.Schedule, doc) == [".spec.template.defaultVolumesToFSBackup"]


def test_pod_monitor_port_number_is_in_the_crd_model() -> None:
    """``portNumber`` (prometheus-operator >= v0.79) is a PodMonitor field of the model; a misspelt key is reported."""
    endpoint = {"portNumber": 9300, "path": "/metrics", "interval": "30s", "scheme": "http"}
    doc: dict[str, Any] = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": "x", "namespace": "service"},
        "spec": {"selector": {"matchLabels": {"app": "x"}}, "podMetricsEndpoints": [endpoint]},
    }
    monitoring.PodMonitor.model_validate(doc)
    assert unknown_keys(monitoring.PodMonitor, doc) == []
    doc["spec"]["podMetricsEndpoints"] = [{**endpoint, "portNumbr": 9300}]
    assert unknown_keys(monitoring.PodMonitor, doc) == [".spec.podMetricsEndpoints[0].portNumbr"]
    doc["spec"]["podMetricsEndpoints"] = [{**endpoint, "portNumber": 70000}]
    with pytest.raises(ValidationError):
        monitoring.PodMonitor.model_validate(doc)


def test_seed_monitors_match_their_crd_models() -> None:
    """Every ServiceMonitor and PodMonitor the seed catalog renders validates, with no key its CRD lacks."""
    resolved = resolve(load_catalog(None))
    kinds = set()
    for component in resolved.catalog.components.values():
        for doc in render_service_monitor(resolved, component):
            kinds.add(doc["kind"])
            model = CRD_MODELS[(doc["apiVersion"], doc["kind"])]
            model.model_validate(doc)
            assert unknown_keys(model, doc) == [], f"{doc['kind']}/{doc['metadata']['name']}"
    assert kinds == {"ServiceMonitor", "PodMonitor"}


def test_custom_resources_match_their_crd_models(resolved_cases: dict[str, Resolved]) -> None:
    """cert-manager, prometheus-operator and Velero objects validate, with no key their CRDs lack."""
    seen = set()
    for doc in _emitted(resolved_cases):
        key = (doc["apiVersion"], doc["kind"])
        if key not in CRD_MODELS:
            continue
        seen.add(key)
        CRD_MODELS[key].model_validate(doc)
        assert unknown_keys(CRD_MODELS[key], doc) == [], f"{doc['kind']}/{doc['metadata']['name']}"
    assert seen == set(CRD_MODELS)


def test_core_objects_match_kubernetes_1_28_strictly(resolved_cases: dict[str, Resolved]) -> None:
    """Pods, CronJobs, NetworkPolicies, RBAC and Namespaces of these renderers are valid Kubernetes 1.28."""
    checked = 0
    for doc in _emitted(resolved_cases):
        if doc["apiVersion"] in CORE_GROUPS:
            kubernetes_validate.validate(doc, "1.28.0", strict=True)
            checked += 1
    assert checked > 20


def _traefik_validator() -> Path:
    """The node validator, installed with ``npm ci`` into .tools/node/traefik-validate (again when its lock changes)."""
    source = CASES_DIR / "traefik-validate"
    target = TESTS.parent / ".tools" / "node" / "traefik-validate"
    lock = (source / "package-lock.json").read_text(encoding="utf-8")
    installed = target / "package-lock.json"
    if (
        not (target / "node_modules").is_dir()
        or not installed.is_file()
        or installed.read_text(encoding="utf-8") != lock
    ):
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(source / name, target / name)
        proc = subprocess.run(
            [tool("npm"), "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=target,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout}\n{proc.stderr}"
    shutil.copy(source / "validate.mjs", target / "validate.mjs")
    return target


def _validate_traefik(docs: list[Manifest]) -> subprocess.CompletedProcess[str]:
    target = _traefik_validator()
    return subprocess.run(
        [tool("node"), "validate.mjs"], cwd=target, input=json.dumps(docs), capture_output=True, text=True, timeout=120
    )


def test_traefik_objects_match_traefik_crds(resolved_cases: dict[str, Resolved]) -> None:
    """IngressRoutes and Middlewares validate against Traefik's CRD schemas; a broken one does not."""
    docs = [d for d in _emitted(resolved_cases) if d["apiVersion"] == TRAEFIK_API]
    assert {d["kind"] for d in docs} == {"IngressRoute", "Middleware"}
    proc = _validate_traefik(docs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"validated {len(docs)} objects, 0 invalid" in proc.stdout
    broken = json.loads(json.dumps(docs[0]))
    if broken["kind"] == "IngressRoute":
        broken["spec"]["routes"][0]["kind"] = "Nope"
    else:
        broken["spec"]["forwardAuth"]["trustForwardHeader"] = "yes"
    assert _validate_traefik([broken]).returncode == 1


def test_seed_tcp_routes_and_transports_match_traefik_crds() -> None:
    """The seed's IngressRouteTCPs (with serversTransport) and ServersTransportTCP validate; a PROXY protocol
    version the CRD does not take (1 or 2) does not."""
    resolved = resolve(load_catalog(None))
    docs = [m for m in render_ingress(resolved, resolved.component("stalwart")) if m["kind"] != "IngressRoute"]
    docs = [m for m in docs if m["kind"] != "Middleware"]
    assert {d["kind"] for d in docs} == {"IngressRouteTCP", "ServersTransportTCP"}
    proc = _validate_traefik(docs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"validated {len(docs)} objects, 0 invalid" in proc.stdout
    broken = json.loads(json.dumps(next(d for d in docs if d["kind"] == "ServersTransportTCP")))
    broken["spec"]["proxyProtocol"]["version"] = 3
    assert _validate_traefik([broken]).returncode == 1


@pytest.mark.parametrize("kind", sorted({k for _, k in CRD_MODELS}))
def test_each_crd_kind_is_emitted_somewhere(kind: str, resolved_cases: dict[str, Resolved]) -> None:
    """The render cases exercise every custom resource kind, so the schema checks above are not vacuous."""
    assert any(d["kind"] == kind for d in _emitted(resolved_cases))
