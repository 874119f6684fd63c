"""The Authentik blueprints of the seed: valid against Authentik's published schema, one client per OIDC app.

The schema (tests/fixtures/upstream/authentik/, see its README for version and license) types each attribute as
Authentik stores it. Blueprint tags are resolved by Authentik when it applies the file, so before validation each
is replaced by a value of the type Authentik resolves it to: ``!Find [model, ...]`` and ``!KeyOf id`` by the
primary key of the model they point at (integer for providers, a UUID for flows, key pairs, property mappings and
service connections: the models' primary keys in authentik/), ``!File`` by the file's text. A tag pointing at
the wrong model (a flow where a provider goes) therefore fails the schema, as it fails in Authentik.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hearth.catalog.loader import load_catalog
from hearth.render.platform import render_platform
from hearth.render.sso import BLUEPRINT_DIR, CLIENTS_FILE, CONFIGMAP
from hearth.resolve import resolve
from hearth.resolve.records import Resolved

SCHEMA = Path(__file__).parents[1] / "fixtures" / "upstream" / "authentik" / "schema.json"
UUID = "00000000-0000-4000-8000-000000000000"
# Primary key type per model of a reference (authentik: Provider and its subclasses, the models
# authentik_providers_<x>.<x>provider, have Django's integer id; Flow.flow_uuid, CertificateKeyPair.kp_uuid,
# PropertyMapping.pm_uuid (scope mappings too), OutpostServiceConnection.uuid are UUIDs).


class Ref:
    """A tag as loaded: its name and argument, resolved later against the blueprint's entries."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class BlueprintLoader(yaml.SafeLoader):
    """PyYAML's safe loader that keeps Authentik's tags as :class:`Ref`."""


def _construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Ref:
    if isinstance(node, yaml.SequenceNode):
        return Ref(suffix, loader.construct_sequence(node, deep=True))
    return Ref(suffix, loader.construct_scalar(node))  # type: ignore[arg-type]


BlueprintLoader.add_multi_constructor("!", _construct)


def _pk(model: str) -> object:
    app, _, name = model.partition(".")
    return 1 if app.startswith("authentik_providers_") and name.endswith("provider") else UUID


def _resolve_tags(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, Ref):
        if value.tag == "Find":
            return _pk(str(value.value[0]))
        if value.tag == "KeyOf":
            assert value.value in ids, f"!KeyOf {value.value}: no entry has that id"
            return _pk(ids[value.value])
        if value.tag == "File":
            return "secret read from the file"
        raise AssertionError(f"unexpected tag !{value.tag}")
    if isinstance(value, dict):
        return {k: _resolve_tags(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_tags(v, ids) for v in value]
    return value


def load_blueprint(text: str) -> dict[str, Any]:
    """A blueprint with its tags replaced by values of the types Authentik resolves them to."""
    raw = yaml.load(text, Loader=BlueprintLoader)
    ids = {e["id"]: e["model"] for e in raw["entries"] if "id" in e}
    resolved: dict[str, Any] = _resolve_tags(raw, ids)
    return resolved


@pytest.fixture(scope="module")
def seed() -> Resolved:
    """The packaged seed platform, resolved."""
    return resolve(load_catalog(None))


@pytest.fixture(scope="module")
def files(seed: Resolved) -> dict[str, str]:
    """The rendered files of the seed."""
    return render_platform(seed).files


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    """Authentik's blueprint schema, as published."""
    schema = json.loads(SCHEMA.read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema"
    return jsonschema.Draft7Validator(schema)


def _blueprints(files: dict[str, str]) -> dict[str, str]:
    return {p: t for p, t in files.items() if p.startswith(f"{BLUEPRINT_DIR}/")}


def test_every_blueprint_validates_against_the_published_schema(
    files: dict[str, str], validator: jsonschema.Draft7Validator
) -> None:
    blueprints = _blueprints(files)
    assert len(blueprints) >= 3
    for path, text in sorted(blueprints.items()):
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(load_blueprint(text))
        ]
        assert not errors, f"{path}: {errors[:3]}"


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda e: e["attrs"].update(client_type="secret"), "a client type Authentik does not have"),
        (lambda e: e["attrs"].update(signing_key=Ref("KeyOf", "provider-gitlab")), "a provider where a key goes"),
        (lambda e: e.update(state="enabled"), "an entry state Authentik does not have"),
        (lambda e: e["attrs"].update(redirect_uris="https://gitlab"), "redirect URIs as one string"),
    ],
)
def test_the_schema_refuses_a_broken_blueprint(
    files: dict[str, str], validator: jsonschema.Draft7Validator, edit: Any, why: str
) -> None:
    """The validation can fail: each edit of a valid blueprint breaks it the way Authentik would refuse it."""
    raw = yaml.load(files[f"{BLUEPRINT_DIR}/oidc-gitlab.yaml"], Loader=BlueprintLoader)
    provider = next(e for e in raw["entries"] if e["model"] == "authentik_providers_oauth2.oauth2provider")
    edit(provider)
    ids = {e["id"]: e["model"] for e in raw["entries"] if "id" in e}
    assert list(validator.iter_errors(_resolve_tags(raw, ids))), why


def test_every_oidc_app_has_exactly_one_provider_and_application(seed: Resolved, files: dict[str, str]) -> None:
    oidc = {n for n, c in seed.catalog.components.items() if c.web is not None and c.web.sso == "oidc"}
    assert {"gitlab", "harbor", "nextcloud", "vaultwarden", "monitoring", "penpot", "minio", "affine"} <= oidc
    providers: dict[str, int] = {}
    applications: dict[str, int] = {}
    for text in _blueprints(files).values():
        for entry in yaml.load(text, Loader=BlueprintLoader)["entries"]:
            if entry["model"] == "authentik_providers_oauth2.oauth2provider":
                client = entry["attrs"]["client_id"]
                providers[client] = providers.get(client, 0) + 1
            if entry["model"] == "authentik_core.application":
                applications[entry["identifiers"]["slug"]] = applications.get(entry["identifiers"]["slug"], 0) + 1
    assert providers == dict.fromkeys(sorted(oidc), 1)
    assert {a: applications.get(a) for a in oidc} == dict.fromkeys(oidc, 1)
    assert set(applications) == {n for n, c in seed.catalog.components.items() if c.web and c.web.sso != "none"}


def test_redirect_uris_stay_on_the_apps_own_host(seed: Resolved, files: dict[str, str]) -> None:
    clients = json.loads(files[CLIENTS_FILE])["clients"]
    domain = seed.catalog.platform.domain
    for client in clients:
        host = f"{seed.component(client['consumer']).web.host}.{domain}"  # type: ignore[union-attr]
        text = files[f"{BLUEPRINT_DIR}/oidc-{client['consumer']}.yaml"]
        provider = yaml.load(text, Loader=BlueprintLoader)["entries"][0]
        (uri,) = provider["attrs"]["redirect_uris"]
        assert uri == {"matching_mode": "regex", "url": client["redirect"]}
        assert re.match(client["redirect"], f"https://{host}/callback")
        assert not re.match(client["redirect"], f"https://{host}.evil.example/callback")
        assert not re.match(client["redirect"], f"https://other.{domain}/callback")


def test_no_client_secret_in_any_blueprint(files: dict[str, str]) -> None:
    """The secret is the Vault agent's file in Authentik's worker; the blueprint names only its path."""
    for path, text in _blueprints(files).items():
        for entry in yaml.load(text, Loader=BlueprintLoader)["entries"]:
            secret = entry.get("attrs", {}).get("client_secret")
            if secret is not None:
                assert isinstance(secret, Ref) and secret.tag == "File", path
                assert secret.value == f"/vault/secrets/sso-{entry['attrs']['client_id']}"


def test_authentik_receives_the_blueprints_and_the_secrets_they_read(seed: Resolved) -> None:
    rendered = render_platform(seed)
    values = rendered.upstream["authentik"].values
    assert values["blueprints"]["configMaps"] == [CONFIGMAP]
    (configmap,) = [o for o in values["additionalObjects"] if o["kind"] == "ConfigMap"]
    assert configmap["metadata"]["name"] == CONFIGMAP and configmap["metadata"]["namespace"] == "service"
    assert set(configmap["data"]) == {p.removeprefix(f"{BLUEPRINT_DIR}/") for p in _blueprints(rendered.files)}
    annotations = values["worker"]["podAnnotations"]
    clients = json.loads(rendered.files[CLIENTS_FILE])["clients"]
    for client in clients:
        path = annotations[f"vault.hashicorp.com/agent-inject-secret-sso-{client['consumer']}"]
        assert path == client["secret"].replace("kv/", "kv/data/", 1)
        assert (
            ".Data.data.client_secret"
            in annotations[f"vault.hashicorp.com/agent-inject-template-sso-{client['consumer']}"]
        )
    policy = rendered.files["vault/policies/authentik.hcl"]
    assert all(f'path "{c["secret"].replace("kv/", "kv/data/", 1)}"' in policy for c in clients)
    gitlab_policy = rendered.files["vault/policies/gitlab.hcl"]
    assert 'path "kv/data/code/gitlab/oidc"' in gitlab_policy and "kv/data/data/nextcloud/oidc" not in gitlab_policy


def test_sso_adds_no_deploy_order(seed: Resolved) -> None:
    """Logging in through Authentik is wiring: the apps the seed lists without Authentik stay without it."""
    for name in ("gitlab", "harbor", "nextcloud", "vaultwarden", "monitoring", "penpot", "minio", "affine"):
        assert "authentik" not in seed.catalog.components[name].needs
        assert "authentik" not in seed.graph.needs.get(name, [])
        assert any(g.kind == "sso-client" and g.provider == "authentik" for g in seed.grants_for(name))
