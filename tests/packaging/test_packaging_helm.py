"""The generated charts, through the real helm binary (v3.16): lint, template, and round trip to manifests/.

helm runs once for all of lint (it takes many charts), and ``helm template`` once per chart, in parallel.
"""

from __future__ import annotations

import json
import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from packaging_helpers import SeedBuild, helm_capabilities, load_docs, load_yaml, run_tool

from hearth.render.model import ChartRender
from hearth.render.package.charts import INSTALL_ORDER, chart_files, chart_manifests, escape_helm, helm_order, is_hook
from hearth.render.package.write import dump_yaml, write_tree
from tools import tool

SOURCE_LINE = re.compile(r"^# Source: .*\n", re.MULTILINE)


def helm_template(chart: Path, name: str, namespace: str, env: dict[str, str]) -> str:
    """``helm template`` of one chart, offline, with the 1.28 capabilities and the custom resource APIs."""
    return run_tool([tool("helm"), "template", name, str(chart), "--namespace", namespace, *helm_capabilities()], env)


def template_all(charts: dict[str, tuple[Path, str]], env: dict[str, str]) -> dict[str, str]:
    """{chart name: helm template output} for every chart, eight helm processes at a time."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {name: pool.submit(helm_template, path, name, ns, env) for name, (path, ns) in charts.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def seed_templates(seed_build: SeedBuild, tool_env: dict[str, str]) -> dict[str, str]:
    """``helm template`` output of every generated chart of the seed build, by component."""
    charts = {
        c.component: (seed_build.out / "charts" / c.name, c.namespace) for c in seed_build.rendered.charts.values()
    }
    return template_all(charts, tool_env)


def test_helm_lint_strict_passes_on_every_chart(seed_build: SeedBuild, tool_env: dict[str, str]) -> None:
    charts = [str(p) for p in sorted(seed_build.chart_dirs().values())]
    assert charts
    out = run_tool([tool("helm"), "lint", "--strict", "--kube-version", "1.28.0", *charts], tool_env)
    assert f"{len(charts)} chart(s) linted, 0 chart(s) failed" in out
    assert "[WARNING]" not in out and "[ERROR]" not in out, out


def test_helm_template_equals_manifests_object_for_object(
    seed_build: SeedBuild, seed_templates: dict[str, str]
) -> None:
    for component, printed in sorted(seed_templates.items()):
        written = (seed_build.out / "manifests" / f"{component}.yaml").read_text()
        assert load_docs(printed) == load_docs(written), component


def test_helm_template_equals_manifests_byte_for_byte_without_source_lines(
    seed_build: SeedBuild, seed_templates: dict[str, str]
) -> None:
    for component, printed in sorted(seed_templates.items()):
        written = (seed_build.out / "manifests" / f"{component}.yaml").read_text()
        assert SOURCE_LINE.sub("", printed) == written, component


def test_manifests_hold_every_object_of_the_chart_tests_last(seed_build: SeedBuild) -> None:
    for name, chart in seed_build.rendered.charts.items():
        docs = load_docs((seed_build.out / "manifests" / f"{name}.yaml").read_text())
        assert len(docs) == len(chart.manifests) + len(chart.tests), name
        assert sorted(map(canonical, docs)) == sorted(map(canonical, chart.manifests + chart.tests)), name
        if chart.tests:
            assert all(is_hook(t) for t in chart.tests), f"{name}: a test without the helm.sh/hook annotation"
            tail = docs[len(docs) - len(chart.tests) :]
            assert sorted(map(canonical, tail)) == sorted(map(canonical, chart.tests)), name


def canonical(doc: dict[str, Any]) -> str:
    """A document as sortable text, keys sorted."""
    return json.dumps(doc, sort_keys=True)


def _tricky_strings() -> list[str]:
    """Strings full of Go-template delimiters, fixed ones and seeded random ones over a brace-heavy alphabet."""
    fixed = [
        "{{",
        "}}",
        "{{}}",
        "}}{{",
        "{{{",
        "}}}",
        "{{{{}}}}",
        '{{ "{{" }}',
        "{{- trim -}}",
        "{{/* comment */}}",
        "{{ .Values.x | quote }}",
        '{{ include "x" . }}',
        "${{ secrets.TOKEN }}",
        "a{b}c{{d}}e",
        "line one\n{{ two }}\n  }} three\n",
        "`{{`",
        "{{'}}'",
    ]
    rng = random.Random(20260213)
    alphabet = "{{}}{}-/* \"'`x.\n\\"
    generated = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(400)]
    return fixed + generated


def test_escaping_survives_helm_template_byte_for_byte(tmp_path: Path, tool_env: dict[str, str]) -> None:
    strings = _tricky_strings()
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "tricky", "namespace": "default", "annotations": {"a{{b}}": "c}}d"}},
        "data": {f"k{i}": s for i, s in enumerate(strings)},
    }
    chart = ChartRender("tricky", "tricky", "default", "0.1.0", "{{1}}", "{{ desc }}", manifests=[config_map])
    write_tree(chart_files(chart), tmp_path / "build")
    printed = helm_template(tmp_path / "build" / "charts" / "tricky", "tricky", "default", tool_env)
    assert SOURCE_LINE.sub("", printed) == f"---\n{dump_yaml(config_map)}"
    assert load_docs(printed) == [config_map]


def test_escape_takes_whole_brace_runs() -> None:
    assert escape_helm("{{ x }}") == '{{ "{{" }} x {{ "}}" }}'
    assert escape_helm("}}{{") == '{{ "}}{{" }}'
    assert escape_helm("a{}}b") == 'a{{ "{}}" }}b'  # not a{{{ "}}" }}b, where the action would open one early
    assert escape_helm("no doubled braces { } {} }{ here") == "no doubled braces { } {} }{ here"


def test_helm_order_matches_helm_for_every_kind_and_hooks(tmp_path: Path, tool_env: dict[str, str]) -> None:
    """Objects of every ordered kind, unknown kinds and hooks, in template paths against the grain."""
    kinds = [*INSTALL_ORDER, "Certificate", "ServiceMonitor", "Alpha", "ValidatingWebhookConfiguration"]
    manifests = [
        {"apiVersion": "v1", "kind": kind, "metadata": {"name": f"{chr(ord('z') - i % 26)}-{i}"}}
        for i, kind in enumerate(reversed(kinds))
    ]
    manifests += [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": n}} for n in ("b-svc", "a-svc")]
    hook = {"helm.sh/hook": "test"}
    tests = [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b-test", "annotations": hook}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a-test", "annotations": hook}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "z-test", "annotations": hook}},
    ]
    chart = ChartRender("order", "order", "default", "0.1.0", "1", "order", manifests=manifests, tests=tests)
    write_tree(chart_files(chart), tmp_path / "build")
    printed = helm_template(tmp_path / "build" / "charts" / "order", "order", "default", tool_env)
    assert load_docs(printed) == load_docs(chart_manifests(chart))
    assert [d["kind"] for d in load_docs(chart_manifests(chart))][-3:] == ["ConfigMap", "Pod", "Pod"]
    assert helm_order({"templates/b.yaml": tests[0], "templates/a.yaml": tests[1]}) == [tests[1], tests[0]]


def test_every_object_is_one_template_file(seed_build: SeedBuild) -> None:
    for chart in seed_build.rendered.charts.values():
        root = seed_build.out / "charts" / chart.name / "templates"
        plain = sorted(p.name for p in root.glob("*.yaml")) if root.is_dir() else []
        tests = sorted(p.name for p in (root / "tests").glob("*.yaml")) if (root / "tests").is_dir() else []
        assert len(plain) == len(chart.manifests), chart.name
        assert len(tests) == len(chart.tests), chart.name
        for path in plain:
            kind = load_yaml(escape_free((root / path).read_text()))["kind"]
            assert path.startswith(kind.lower() + "-"), path


def escape_free(text: str) -> str:
    """Undo escape_helm, as helm template does."""
    return re.sub(r'\{\{ "([{}]+)" \}\}', r"\1", text)
