"""The layout of build/ (docs/manifest-contract.md) and the packaging functions on their own."""

from __future__ import annotations

from packaging_helpers import SeedBuild, load_docs, load_yaml

from hearth.render.model import ChartRender, UpstreamRelease
from hearth.render.package.charts import KUBE_VERSION_CONSTRAINT, VALUES_TEXT, chart_files, chart_templates
from hearth.render.package.helmfile import helmfile_repositories


def test_every_chart_has_its_files(seed_build: SeedBuild) -> None:
    for chart in seed_build.rendered.charts.values():
        root = seed_build.out / "charts" / chart.name
        meta = load_yaml((root / "Chart.yaml").read_text())
        assert meta == {
            "apiVersion": "v2",
            "name": chart.name,
            "version": chart.version,
            "appVersion": chart.app_version,
            "description": chart.description or chart.name,
            "type": "application",
            "kubeVersion": KUBE_VERSION_CONSTRAINT,
        }
        assert (root / "values.yaml").read_text() == VALUES_TEXT
        assert load_yaml(VALUES_TEXT) is None


def test_manifests_values_and_cluster_files(seed_build: SeedBuild) -> None:
    out, rendered = seed_build.out, seed_build.rendered
    bootstrap = [c.name for c in rendered.bootstrap.values()]
    assert sorted(p.stem for p in (out / "manifests").glob("*.yaml")) == sorted([*rendered.charts, *bootstrap])
    for name, release in rendered.upstream.items():
        assert load_yaml((out / "values" / f"{name}.yaml").read_text()) == release.values
        assert (out / "charts" / f"{name}-hearth").is_dir()
    for key, manifests in rendered.cluster.items():
        docs = load_docs((out / "cluster" / f"{key}.yaml").read_text())
        assert docs == manifests, key
    assert (out / "cluster" / "nodes.yaml").is_file() and (out / "cluster" / "kube-system.yaml").is_file()
    for path, text in rendered.files.items():
        assert (out / path).read_text() == text


def test_nothing_else_is_written(seed_build: SeedBuild) -> None:
    written = {str(p.relative_to(seed_build.out)) for p in seed_build.out.rglob("*") if p.is_file()}
    assert written == set(seed_build.files) | {".hearth-build", ".hearth-index"}
    tops = {path.split("/")[0] for path in seed_build.files}
    expected = {
        "charts",
        "manifests",
        "helmfile.yaml",
        "cluster",
        *(p.split("/")[0] for p in seed_build.rendered.files),
    }
    assert tops == expected | ({"values"} if seed_build.rendered.upstream else set())


def test_repeated_names_get_the_namespace_and_stay_unique() -> None:
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy"}
    manifests = [
        {**policy, "metadata": {"name": "default-deny", "namespace": "a"}},
        {**policy, "metadata": {"name": "default-deny", "namespace": "b"}},
        {**policy, "metadata": {"name": "default-deny", "namespace": "b"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "system:x"}},
    ]
    chart = ChartRender("c", "c", "a", "0.1.0", "1", "d", manifests=manifests)
    assert list(chart_templates(chart)) == [
        "templates/networkpolicy-a-default-deny.yaml",
        "templates/networkpolicy-b-default-deny.yaml",
        "templates/networkpolicy-b-default-deny-2.yaml",
        "templates/clusterrole-system-x.yaml",
    ]
    assert len(chart_files(chart)) == 2 + len(manifests)


def test_oci_repositories_drop_the_scheme_and_names_stay_unique() -> None:
    releases = [
        UpstreamRelease("a", "ns", "bitnami", "oci://registry-1.docker.io/bitnamicharts", "bitnami/postgresql", "1"),
        UpstreamRelease("b", "ns", "bitnami", "oci://registry-1.docker.io/bitnamicharts", "bitnami/valkey", "2"),
        UpstreamRelease("c", "ns", "bitnami", "https://charts.bitnami.com/bitnami", "bitnami/mysql", "3"),
        UpstreamRelease("d", "ns", "vault", "https://helm.releases.hashicorp.com", "vault", "4"),
        UpstreamRelease("e", "ns", "consul", "https://helm.releases.hashicorp.com", "consul", "5"),
    ]
    repos, repo_of = helmfile_repositories(releases)
    assert repos == [
        {"name": "bitnami", "url": "registry-1.docker.io/bitnamicharts", "oci": True},
        {"name": "bitnami-2", "url": "https://charts.bitnami.com/bitnami"},
        {"name": "hashicorp", "url": "https://helm.releases.hashicorp.com"},
    ]
    assert repo_of == {"a": "bitnami", "b": "bitnami", "c": "bitnami-2", "d": "hashicorp", "e": "hashicorp"}
