"""The log collector: Grafana Alloy's configuration rendered from the catalog, its host access and its flows.

The configuration is schema-checked only: no Alloy binary is published on the registries this project installs
from (PyPI, Debian, npm carry no Grafana Alloy package; Grafana's own apt repository is not among them), so
``alloy fmt``/``alloy validate`` cannot run here. The tests parse the configuration's syntax (blocks, attributes,
strings, lists, references) with the small reader below, check that every component a block references is
declared, and replay the relabel rules with Prometheus' semantics on every pod of the catalog.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from hearth.catalog.loader import load_catalog
from hearth.render.log_collector import alloy_config, host_paths, push_url, with_log_collector
from hearth.render.platform import render_platform
from hearth.resolve import resolve
from hearth.resolve.endpoints import providers
from hearth.resolve.records import Resolved
from hearth.verify.build.audit import load_build
from hearth.verify.reach import build_matrix
from tools import RunHearth

_TOKEN = re.compile(r'\s*(?:(//[^\n]*)|("(?:[^"\\]|\\.)*")|([A-Za-z_][\w.]*)|(\S))')


_NAME = re.compile(r"[A-Za-z_][\w.]*")
_CONTINUES = {"+", "-", "*", "/", "(", "[", ",", "="}


def _tokens(text: str) -> list[str]:
    out = []
    for comment, string, word, other in _TOKEN.findall(text):
        if comment:
            continue
        out.append(string or word or other)
    return out


def parse(text: str) -> list[dict[str, Any]]:
    """Alloy's block syntax: ``name ["label"] { attr = expr ... nested { } }``; raises on anything else."""
    tokens = _tokens(text)
    pos = 0

    def expr() -> str:
        """Tokens up to the end of the value: a ``}`` or a name that does not continue an operator at depth 0."""
        nonlocal pos
        depth, parts = 0, []
        while pos < len(tokens):
            tok = tokens[pos]
            if depth == 0 and (tok == "}" or (parts and _NAME.fullmatch(tok) and parts[-1] not in _CONTINUES)):
                break
            depth += tok in ("[", "(")
            depth -= tok in ("]", ")")
            parts.append(tok)
            pos += 1
        assert depth == 0 and parts, f"unbalanced expression near token {pos}"
        return " ".join(parts)

    def body() -> list[dict[str, Any]]:
        nonlocal pos
        items: list[dict[str, Any]] = []
        while pos < len(tokens) and tokens[pos] != "}":
            name = tokens[pos]
            assert re.fullmatch(r"[A-Za-z_][\w.]*", name), f"expected a name, got {name!r}"
            pos += 1
            if tokens[pos] == "=":
                pos += 1
                items.append({"attr": name, "value": expr()})
                continue
            label = None
            if tokens[pos].startswith('"'):
                label = tokens[pos][1:-1]
                pos += 1
            assert tokens[pos] == "{", f"expected '{{' after block {name}"
            pos += 1
            children = body()
            assert tokens[pos] == "}", f"block {name} is not closed"
            pos += 1
            items.append({"block": name, "label": label, "body": children})
        return items

    parsed = body()
    assert pos == len(tokens), f"unexpected {tokens[pos]!r}"
    return parsed


@pytest.fixture(scope="module")
def seed() -> Resolved:
    return resolve(load_catalog(None))


@pytest.fixture(scope="module")
def collector_values(seed: Resolved) -> dict[str, Any]:
    (collector,) = providers(seed, "log-collector")
    return render_platform(seed).upstream[collector.name].values


@pytest.fixture(scope="module")
def config(collector_values: dict[str, Any]) -> list[dict[str, Any]]:
    return parse(collector_values["alloy"]["configMap"]["content"])


def _attrs(block: dict[str, Any]) -> dict[str, str]:
    return {i["attr"]: i["value"] for i in block["body"] if "attr" in i}


def test_every_referenced_component_is_declared(config: list[dict[str, Any]]) -> None:
    """``discovery.relabel.pod_logs.output`` and the like name a declared ``block "label"``."""
    declared = {f"{b['block']}.{b['label']}" for b in config if b.get("label")}
    assert {"discovery.kubernetes.pods", "loki.source.file.pod_logs", "loki.write.loki"} <= declared
    text = " ".join(str(v) for b in config for v in _attrs(b).values())
    refs = re.findall(r"\b((?:discovery|local|loki)\.[\w.]+)\.(?:targets|output|receiver)\b", text)
    assert refs and {r for r in refs} <= declared


def test_pushes_to_the_logs_providers_service(seed: Resolved, config: list[dict[str, Any]]) -> None:
    (write,) = [b for b in config if b["block"] == "loki.write"]
    (endpoint,) = [i for i in write["body"] if i.get("block") == "endpoint"]
    url = _attrs(endpoint)["url"].strip('"')
    assert url == push_url(seed)
    (loki,) = providers(seed, "logs")
    assert url.startswith(f"http://{loki.name}.{loki.namespace}.svc.cluster.local:") and url.endswith("/push")


def _rules(config: list[dict[str, Any]]) -> list[dict[str, str]]:
    (relabel,) = [b for b in config if b["block"] == "discovery.relabel"]
    return [_attrs(r) for r in relabel["body"] if r.get("block") == "rule"]


def _unquote(text: str) -> str:
    return bytes(text[1:-1], "utf-8").decode("unicode_escape")


def _relabel(rules: list[dict[str, str]], labels: dict[str, str]) -> dict[str, str]:
    """Prometheus' ``replace`` action: join the sources, fully match the regex, write the replacement."""
    out = dict(labels)
    for rule in rules:
        sources = re.findall(r'"((?:[^"\\]|\\.)*)"', rule["source_labels"])
        joined = _unquote(rule.get("separator", '";"')).join(out.get(s, "") for s in sources)
        match = re.fullmatch(_unquote(rule.get("regex", '"(.*)"')), joined)
        if match:
            replacement = _unquote(rule.get("replacement", '"$1"'))
            out[_unquote(rule["target_label"])] = match.expand(re.sub(r"\$(\d)", r"\\\1", replacement))
    return out


def test_each_catalog_pods_stream_is_labelled_with_its_component(seed: Resolved, config: list[dict[str, Any]]) -> None:
    """Replaying the rules on every pod's discovery labels gives namespace, pod, container, component, path."""
    rules = _rules(config)
    for pod in seed.pods.values():
        meta = {
            "__meta_kubernetes_namespace": pod.namespace,
            "__meta_kubernetes_pod_name": f"{pod.service}-abc12",
            "__meta_kubernetes_pod_container_name": "main",
            "__meta_kubernetes_pod_uid": "0b7f",
            **{"__meta_kubernetes_pod_label_" + re.sub(r"\W", "_", k): v for k, v in pod.labels.items()},
        }
        labels = _relabel(rules, meta)
        assert labels["component"] == pod.component, pod.key
        assert (labels["namespace"], labels["pod"], labels["container"]) == (
            pod.namespace,
            f"{pod.service}-abc12",
            "main",
        )
        assert labels["__path__"] == "/var/log/pods/*0b7f/main/*.log"


def test_a_pod_the_catalog_does_not_know_gets_no_component(config: list[dict[str, Any]]) -> None:
    labels = _relabel(
        _rules(config),
        {"__meta_kubernetes_namespace": "kube-system", "__meta_kubernetes_pod_label_k8s_app": "kube-dns"},
    )
    assert "component" not in labels and labels["namespace"] == "kube-system"


def test_host_access_is_exactly_the_stated_exception(seed: Resolved, collector_values: dict[str, Any]) -> None:
    """The only host paths are the host-path exceptions, mounted read-only; the chart's own host mounts are off."""
    (collector,) = providers(seed, "log-collector")
    assert host_paths(collector) == ["/var/log/pods"]
    volumes = collector_values["controller"]["volumes"]["extra"]
    host = {v["name"]: v["hostPath"]["path"] for v in volumes if "hostPath" in v}
    assert sorted(host.values()) == ["/var/log/pods"]
    mounts = collector_values["alloy"]["mounts"]
    assert mounts["varlog"] is False and mounts["dockercontainers"] is False
    for mount in mounts["extra"]:
        if mount["name"] in host:
            assert mount["readOnly"] is True and mount["mountPath"] == host[mount["name"]]
    context = collector_values["alloy"]["securityContext"]
    assert context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"]
    assert context["capabilities"] == {"drop": ["ALL"]}
    kinds = {e.kind for e in collector.security.exceptions}
    assert kinds == {"run-as-root", "host-path"}


def test_without_a_logs_provider_nothing_is_rendered(seed: Resolved) -> None:
    (collector,) = providers(seed, "log-collector")
    (loki,) = providers(seed, "logs")
    components = dict(seed.catalog.components)
    del components[loki.name]
    stripped = seed.catalog.model_copy(update={"components": components})
    other = Resolved(catalog=stripped, graph=seed.graph)
    values = dict(collector.install.values)
    assert with_log_collector(other, collector, values) == values


def test_config_is_deterministic(seed: Resolved) -> None:
    url = push_url(seed)
    assert url is not None and alloy_config(seed, url) == alloy_config(seed, url)


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory, hearth: RunHearth) -> Path:
    out = tmp_path_factory.mktemp("logs") / "build"
    result = hearth("render", "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize(
    "flow",
    [
        ("service/alloy-alloy", "service/logging-loki", 3100),  # the collector pushes
        ("service/monitoring-grafana", "service/logging-loki", 3100),  # Grafana's Loki data source
        ("service/monitoring-prometheus", "service/alloy-alloy", 12345),  # Alloy is scraped
    ],
)
def test_the_policies_allow_the_log_flows(seed_build: Path, flow: tuple[str, str, int]) -> None:
    build = load_build(seed_build)
    matrix = build_matrix(build.documents)
    assert matrix.allowed(*flow)


def test_only_grafana_of_the_monitoring_stack_reads_loki(seed_build: Path) -> None:
    """The dashboards capability names Grafana's pod: Prometheus and Alertmanager do not reach Loki."""
    matrix = build_matrix(load_build(seed_build).documents)
    assert not matrix.allowed("service/monitoring-alertmanager", "service/logging-loki", 3100)
    assert not matrix.allowed("service/monitoring-operator", "service/logging-loki", 3100)


@pytest.mark.parametrize(
    "broken",
    [
        'loki.write "x" {\n  endpoint {\n    url = "http://a"\n  }\n',  # a block left open
        'loki.write "x" {\n  url = [1, 2\n}\n',  # an unbalanced list
        'loki.write "x" }\n',  # no opening brace
    ],
)
def test_the_reader_rejects_broken_syntax(broken: str) -> None:
    """The reader the tests rely on is not a pass-through: malformed configuration raises."""
    with pytest.raises((AssertionError, IndexError)):
        parse(broken)
