"""Adding a database capability is one row of the capability table plus its protocol's functions.

The test adds a toy protocol ``toydb`` to ``CAPABILITIES`` (and nothing else: no other module is patched), gives
the ``data`` catalog a provider of it and makes ``notes`` need it, and finds every consequence rendered: the flow
and its policy, the Vault database engine's config, role and the provider's bootstrap SQL, the consumer's dynamic
credentials path, the dump CronJob with the toy's tool, and the Helm test with the toy's client.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from render_cases import CASES_DIR

from hearth.capabilities import CAPABILITIES, CapabilitySpec
from hearth.catalog.loader import load_catalog
from hearth.protocols import DatabaseGrant, Dialect, DumpTool
from hearth.render.model import RenderedPlatform
from hearth.render.platform import render_platform
from hearth.resolve import resolve
from hearth.resolve.records import Resolved

TOY_PROVIDER = """\
name: toy
display_name: ToyDB
namespace: db
version: "1.0"
install: {method: hearth, reason: A toy database for the capability-table test.}
image: {repository: ghcr.io/example/toydb, tag: "1.0"}
ports:
  - {name: toy, port: 7777}
health: {kind: exec, command: [toy-ping, --host, 127.0.0.1]}
storage: {size: 1Gi, mount_path: /data}
resources:
  requests: {cpu: 50m, memory: 64Mi}
  limits: {cpu: 100m, memory: 128Mi}
provides:
  - {capability: toydb, port: toy}
needs: [vault]
backup: {method: dump, schedule: "0 3 * * *", retention: 7d}
tags: [databases]
"""


def _toy_bootstrap(grants: Sequence[DatabaseGrant]) -> str:
    return "".join(f"MAKE DATABASE {g.name};\n" for g in grants)


TOY = CapabilitySpec(
    "to-provider",
    grant="database",
    scheme="toy",
    dump=DumpTool("TOY_USER", "TOY_PASSWORD", "toy-dump --host={host} --port={port} > /backup/dump.toy"),
    dialect=Dialect(
        "toy-database-plugin",
        lambda host, port: f"toy://{{{{username}}}}:{{{{password}}}}@{host}:{port}",
        lambda grant: [f"SET PASSWORD OF '{{{{name}}}}' IN {grant.name};"],
        _toy_bootstrap,
    ),
    health=lambda _binary, host, port: (None, ["toy-ping", "--host", host, "--port", str(port)]),
    vault_engine="database",
)


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Resolved, RenderedPlatform]]:
    """The data case with a toydb provider that notes needs, resolved and rendered with the toy row added."""
    root = tmp_path_factory.mktemp("toy") / "catalog"
    shutil.copytree(CASES_DIR / "data" / "catalog", root)
    (root / "services" / "db" / "toy.yaml").write_text(TOY_PROVIDER)
    notes = root / "services" / "apps" / "notes.yaml"
    notes.write_text(notes.read_text().replace("needs: [postgres,", "needs: [toy, postgres,"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(CAPABILITIES, "toydb", TOY)
        resolved = resolve(load_catalog(Path(root)))
        yield resolved, render_platform(resolved)


def test_the_need_is_a_flow_with_its_policy(toy: tuple[Resolved, RenderedPlatform]) -> None:
    """notes connects to toy's port, and toy's policy admits notes there."""
    resolved, platform = toy
    flows = [f for f in resolved.egress_of(("notes", "main")) if f.dst == ("toy", "main")]
    assert [f.port.port for f in flows] == [7777]
    (policy,) = [
        m for m in platform.charts["toy"].manifests if m["kind"] == "NetworkPolicy" and m["metadata"]["name"] == "toy"
    ]
    peers = [
        p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for r in policy["spec"]["ingress"] for p in r["from"]
    ]
    assert "notes" in peers


def test_the_grant_is_served_by_the_vault_database_engine(toy: tuple[Resolved, RenderedPlatform]) -> None:
    """The dialect's plugin and URL configure the engine; the role's statements are the dialect's; the consumer reads
    its rotated login from the engine the row names."""
    _, platform = toy
    assert '"plugin_name": "toy-database-plugin"' in platform.files["vault/database/config/toy.json"]
    assert "toy://{{username}}:{{password}}@toy.db.svc:7777" in platform.files["vault/database/config/toy.json"]
    assert "SET PASSWORD OF '{{name}}' IN notes;" in platform.files["vault/database/static-roles/toy-notes.json"]
    assert platform.files["databases/toy.sql"] == "MAKE DATABASE notes;\n"
    assert 'path "database/static-creds/toy-notes"' in platform.files["vault/policies/notes.hcl"]


def test_the_dump_and_the_helm_test_use_the_protocols_tools(toy: tuple[Resolved, RenderedPlatform]) -> None:
    """The dump CronJob runs the row's dump tool; the Helm test runs the row's health client against the Service."""
    _, platform = toy
    chart = platform.charts["toy"]
    (cronjob,) = [m for m in chart.manifests if m["kind"] == "CronJob"]
    (dump,) = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"]
    assert "toy-dump --host=toy.db.svc --port=7777" in dump["command"][2]
    (test,) = chart.tests
    assert test["spec"]["containers"][0]["command"] == ["toy-ping", "--host", "toy.db.svc", "--port", "7777"]
