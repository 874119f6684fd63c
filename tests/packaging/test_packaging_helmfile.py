"""helmfile.yaml: literal, readable by Renovate, consistent with the catalog graph, and accepted by real helmfile.

Upstream chart repositories are unreachable here, so ``helmfile lint`` and ``helmfile template`` run over a
helmfile derived from build/helmfile.yaml that keeps only the releases of local charts (``chart: ./charts/...``:
every hearth-rendered component and every ``-hearth`` companion), with ``needs`` on upstream releases dropped.
The upstream releases (``chart: <repo>/<chart>``) are covered by ``helmfile list --skip-charts`` on the full
file, which parses it offline, and by the structural checks below (pinned versions, repositories, needs).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging_helpers import SeedBuild, helm_capabilities, load_docs, load_yaml, run_tool_streams

from hearth.graph import GROUP_TAGS
from tools import tool


@pytest.fixture(scope="module")
def helmfile(seed_build: SeedBuild) -> dict[str, Any]:
    """build/helmfile.yaml, parsed."""
    data: dict[str, Any] = load_yaml((seed_build.out / "helmfile.yaml").read_text())
    return data


def release_ids(helmfile: dict[str, Any]) -> set[str]:
    """Every release as ``namespace/name``."""
    return {f"{r['namespace']}/{r['name']}" for r in helmfile["releases"]}


def test_helmfile_is_literal(seed_build: SeedBuild) -> None:
    text = (seed_build.out / "helmfile.yaml").read_text()
    assert "{{" not in text and "}}" not in text


def test_one_release_per_component_and_a_companion_per_upstream_chart(
    seed_build: SeedBuild, helmfile: dict[str, Any]
) -> None:
    names = [r["name"] for r in helmfile["releases"]]
    assert len(names) == len(set(names))
    expected = {c.name for c in seed_build.rendered.charts.values()} | set(seed_build.rendered.upstream)
    expected |= {c.name for c in seed_build.rendered.bootstrap.values()}
    assert set(names) == expected
    assert set(seed_build.catalog.components) <= {r["labels"]["component"] for r in helmfile["releases"]}
    assert all(r["installed"] is True for r in helmfile["releases"])


def test_upstream_releases_pin_a_version_and_name_a_declared_repository(
    seed_build: SeedBuild, helmfile: dict[str, Any]
) -> None:
    repos = {r["name"]: r for r in helmfile.get("repositories", [])}
    for repo in repos.values():
        assert "://" not in repo["url"] if repo.get("oci") else repo["url"].startswith(("https://", "http://"))
    for release in helmfile["releases"]:
        if release["chart"].startswith("./"):
            assert "version" not in release and "values" not in release
            assert (seed_build.out / release["chart"] / "Chart.yaml").is_file()
            continue
        upstream = seed_build.rendered.upstream[release["name"]]
        repo, _, chart = release["chart"].partition("/")
        assert repo in repos, release["chart"]
        assert chart == upstream.chart.split("/")[-1]
        assert release["version"] == upstream.version and str(release["version"]).strip()
        assert repos[repo]["url"] == upstream.repo_url.removeprefix("oci://")
        assert repos[repo].get("oci", False) == upstream.repo_url.startswith("oci://")
        assert release["values"] == [f"values/{release['name']}.yaml"]
        assert (seed_build.out / release["values"][0]).is_file()


def _transitive(helmfile: dict[str, Any], start: str) -> set[str]:
    by_id = {f"{r['namespace']}/{r['name']}": r for r in helmfile["releases"]}
    seen: set[str] = set()
    todo = list(by_id[start].get("needs", []))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += by_id[node].get("needs", [])
    return seen


def test_needs_name_existing_releases_and_follow_the_graph(seed_build: SeedBuild, helmfile: dict[str, Any]) -> None:
    """Each component's first release waits for every need of the dependency graph (its upstream release, or the
    companion that carries its policies); a companion waits for its upstream chart, which waits for the
    component's bootstrap TLS chart."""
    ids = release_ids(helmfile)
    rendered, graph = seed_build.rendered, seed_build.resolved.graph.needs
    namespace = {n: c.namespace for n, c in seed_build.catalog.components.items()}
    by_key = {f"{r['namespace']}/{r['name']}": r for r in helmfile["releases"]}
    early = {f"{c.namespace}/{c.name}": c.component for c in rendered.bootstrap.values()}
    assert early, "the seed's Vault has a bootstrap TLS chart"
    for key, component in early.items():
        assert key in by_key[f"{namespace[component]}/{component}"]["needs"], "the component waits for it"
    for release in helmfile["releases"]:
        needs = release.get("needs", [])
        assert all(n in ids for n in needs), f"{release['name']} needs {needs}, not all of them releases"
        name = release["labels"]["component"]
        if f"{release['namespace']}/{release['name']}" in early:
            continue  # released before its component (checked above), with the component's needs
        if name in rendered.upstream and release["name"] != name:
            assert f"{release['namespace']}/{name}" in needs, "a companion waits for its upstream chart"
            continue
        if name not in graph:  # added by the renderers (Velero): checked below
            continue
        for need in graph[name]:
            options = {f"{namespace[need]}/{need}", f"{namespace[need]}/{rendered.charts[need].name}"}
            assert options & set(needs), f"{release['name']} does not wait for {need}"


def test_charts_wait_for_the_releases_installing_their_crds(seed_build: SeedBuild, helmfile: dict[str, Any]) -> None:
    """A chart holding a Certificate, ServiceMonitor, IngressRoute or Schedule is installed after the release that
    installs that CRD (cert-manager, kube-prometheus-stack, Traefik, Velero)."""
    crd_release = {
        "cert-manager.io": "service/cert-manager",
        "monitoring.coreos.com": "service/monitoring",
        "traefik.io": "ingress/traefik",
        "velero.io": "service/velero",
    }
    for chart in seed_build.rendered.charts.values():
        groups = {m["apiVersion"].partition("/")[0] for m in chart.manifests + chart.tests}
        release = f"{chart.namespace}/{chart.name}"
        for group in groups & set(crd_release):
            provider = crd_release[group]
            if provider.split("/")[1] != chart.component:
                assert provider in _transitive(helmfile, release), f"{release} holds {group} objects"


def test_a_component_the_renderers_add_needs_what_its_pods_connect_to(
    seed_build: SeedBuild, helmfile: dict[str, Any]
) -> None:
    rendered, resolved = seed_build.rendered, seed_build.resolved
    extras = sorted((set(rendered.charts) | set(rendered.upstream)) - set(seed_build.catalog.components))
    service_of = {f"{p.namespace}/{p.service}": p.component for p in resolved.pods.values()}
    by_name = {r["name"]: r for r in helmfile["releases"]}
    for name in extras:
        release = by_name[name]
        objects = rendered.cluster.get(f"upstream/{name}", []) + rendered.charts[name].manifests
        targets = {
            entry.split(":")[0]
            for o in objects
            for entry in o["metadata"].get("annotations", {}).get("hearth.dev/connects-to", "").split(",")
            if entry
        }
        needed = {by_release_component(helmfile, n) for n in release.get("needs", [])}
        assert {service_of[t] for t in targets if t in service_of} <= needed, name
        assert release["labels"] == {"component": name, "namespace": release["namespace"]}


def by_release_component(helmfile: dict[str, Any], need: str) -> str:
    """The component of the release ``namespace/name``."""
    return str(next(r["labels"]["component"] for r in helmfile["releases"] if f"{r['namespace']}/{r['name']}" == need))


def test_releases_are_in_wave_order(helmfile: dict[str, Any]) -> None:
    """Every release comes after all the releases it needs, so the file reads in deploy order."""
    position = {f"{r['namespace']}/{r['name']}": i for i, r in enumerate(helmfile["releases"])}
    for i, release in enumerate(helmfile["releases"]):
        assert all(position[n] < i for n in release.get("needs", [])), release["name"]


def test_labels_match_the_ansible_tags(seed_build: SeedBuild, helmfile: dict[str, Any]) -> None:
    for release in helmfile["releases"]:
        component = seed_build.catalog.components.get(release["labels"]["component"])
        if component is None:
            continue
        tiers = [t for t in GROUP_TAGS if t in component.tags]
        assert release["labels"] == {
            **({"tier": tiers[0]} if tiers else {}),
            "component": component.name,
            "namespace": component.namespace,
        }
        assert release["namespace"] == component.namespace
        assert release["installed"] is True


def test_helmfile_reads_the_full_file_offline(seed_build: SeedBuild, tool_env: dict[str, str]) -> None:
    """``helmfile list --skip-charts`` parses every release, upstream ones included, without fetching charts."""
    command = [tool("helmfile"), "--helm-binary", tool("helm"), "-f", "helmfile.yaml", "list", "--skip-charts"]
    listed, errors = run_tool_streams([*command, "--output", "json"], tool_env, cwd=seed_build.out)
    rows = load_yaml(listed)
    full = load_yaml((seed_build.out / "helmfile.yaml").read_text())["releases"]
    assert [(r["name"], r["namespace"], r["chart"]) for r in rows] == [
        (r["name"], r["namespace"], r["chart"]) for r in full
    ]
    assert all(r["installed"] for r in rows)
    assert "WARNING" not in errors, errors


def local_helmfile(seed_build: SeedBuild, directory: Path) -> tuple[Path, list[dict[str, Any]]]:
    """A helmfile of the local-chart releases only (absolute chart paths), and those releases."""
    full = load_yaml((seed_build.out / "helmfile.yaml").read_text())
    local = [dict(r) for r in full["releases"] if r["chart"].startswith("./")]
    kept = {f"{r['namespace']}/{r['name']}" for r in local}
    for release in local:
        release["chart"] = str(seed_build.out / release["chart"])
        needs = [n for n in release.pop("needs", []) if n in kept]
        if needs:
            release["needs"] = needs
    path = directory / "helmfile.yaml"
    path.write_text(yaml.safe_dump({"releases": local}, sort_keys=False))
    return path, local


def canonical(doc: dict[str, Any]) -> str:
    """A document as sortable text, keys sorted."""
    return json.dumps(doc, sort_keys=True)


def test_helmfile_lint_and_template_over_the_local_charts(
    seed_build: SeedBuild, tool_env: dict[str, str], tmp_path: Path
) -> None:
    """Covers the local-chart releases: every hearth-rendered component, every ``-hearth`` companion and every
    bootstrap TLS chart."""
    path, local = local_helmfile(seed_build, tmp_path)
    assert len(local) == len(seed_build.rendered.charts) + len(seed_build.rendered.bootstrap)
    base = [tool("helmfile"), "--helm-binary", tool("helm"), "-f", str(path)]
    lint = [*base, "lint", "--skip-deps", "--args", "--strict --kube-version 1.28.0"]
    template = [*base, "template", "--skip-deps", "--args", " ".join(helm_capabilities())]
    with ThreadPoolExecutor(max_workers=2) as pool:  # helmfile runs helm once per release: both at once
        linted = pool.submit(run_tool_streams, lint, tool_env, tmp_path)
        templated = pool.submit(run_tool_streams, template, tool_env, tmp_path)
        lint_out, _ = linted.result()
        printed, errors = templated.result()
    assert "[ERROR]" not in lint_out and "[WARNING]" not in lint_out, lint_out
    assert "WARNING" not in errors, errors  # helmfile warns about a need it cannot place
    docs = load_docs(printed)
    expected = []
    bootstrap = [c.name for c in seed_build.rendered.bootstrap.values()]
    for name in sorted([*seed_build.rendered.charts, *bootstrap]):
        expected += load_docs((seed_build.out / "manifests" / f"{name}.yaml").read_text())
    assert sorted(map(canonical, docs)) == sorted(map(canonical, expected))


def _closure(needs: dict[str, list[str]], start: str) -> set[str]:
    """Every release ``start`` waits for, transitively."""
    seen: set[str] = set()
    todo = list(needs.get(start, []))
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo += needs.get(key, [])
    return seen


def test_every_pod_starts_with_its_network_policies_in_place(seed_build: SeedBuild, helmfile: dict[str, Any]) -> None:
    """Each release that creates pods waits for every release holding a NetworkPolicy that selects them, or is that
    release: under the namespaces' default deny an upstream chart whose policies came later (with a companion that
    waits for monitoring's CRDs) would leave Consul without its peers and cert-manager without the API server, and
    hearth apply, waiting for each release to roll out, would never get past them."""
    needs = {f"{r['namespace']}/{r['name']}": list(r.get("needs", [])) for r in helmfile["releases"]}
    rendered = seed_build.rendered
    holders: dict[str, list[tuple[str, dict[str, Any]]]] = {}  # namespace -> (release, policy)
    for chart in [*rendered.charts.values(), *rendered.bootstrap.values()]:
        for m in chart.manifests:
            if m["kind"] == "NetworkPolicy":
                holders.setdefault(m["metadata"]["namespace"], []).append((f"{chart.namespace}/{chart.name}", m))
    checked = 0
    for name, upstream in rendered.upstream.items():
        release = f"{upstream.namespace}/{name}"
        before = _closure(needs, release) | {release}
        for pod in rendered.cluster[f"upstream/{name}"]:
            if pod["kind"] != "Pod":
                continue
            labels = pod["metadata"].get("labels", {})
            for holder, policy in holders.get(pod["metadata"]["namespace"], []):
                selector = policy["spec"]["podSelector"].get("matchLabels", {})
                if selector and selector.items() <= labels.items():
                    assert holder in before, (release, pod["metadata"]["name"], holder)
                    checked += 1
    assert checked >= 20
