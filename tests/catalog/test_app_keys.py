"""The keys of each component's own KV entry (``kv/<ns>/<name>/app``): what reads them and how each is made."""

from __future__ import annotations

import pytest

from hearth.catalog.app_keys import AppKey, read_keys, reads_app
from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Catalog


@pytest.fixture(scope="module")
def seed() -> Catalog:
    return load_catalog()


def _webhook(seed: Catalog) -> str | None:
    routing = seed.platform.alert_routing
    return routing.webhook_secret if routing else None


@pytest.mark.parametrize(
    ("component", "keys"),
    [
        ("n8n", {"encryption_key": {"generate": "base64", "bytes": 24}}),
        ("penpot", {"api_secret_key": {"generate": "base64url", "bytes": 64}}),
        ("rybbit", {"better_auth_secret": {"generate": "base64", "bytes": 32}}),
        ("vaultwarden", {"admin_token": {"generate": "base64", "bytes": 48}}),
        (
            "nextcloud",
            {
                "admin_password": {"generate": "alphanumeric", "length": 32},
                "metrics_token": {"generate": "alphanumeric", "length": 32},
            },
        ),
        ("valkey", {"requirepass": {"generate": "base64url", "bytes": 32}}),
        ("monitoring", {"slack_webhook_url": {"operator": "(any reason)"}}),
        # A component whose credentials read nothing of its own entry.
        ("ghost", {}),
    ],
)
def test_every_key_the_seed_reads_is_stated(seed: Catalog, component: str, keys: dict[str, object]) -> None:
    c = seed.components[component]
    read = read_keys(c, _webhook(seed))
    assert set(read) == set(keys)
    assert reads_app(c, _webhook(seed)) is bool(keys)
    for name, spec in keys.items():
        stated = c.app_keys[name].spec()
        if "operator" in stated:
            assert isinstance(stated["operator"], str) and stated["operator"]
        else:
            assert stated == spec


def test_the_webhook_key_is_read_only_by_the_metrics_provider(seed: Catalog) -> None:
    webhook = _webhook(seed)
    assert webhook == "kv/data/service/monitoring/app#slack_webhook_url"
    readers = [
        name for name, c in seed.components.items() if "alert_routing.webhook_secret" in read_keys(c, webhook).values()
    ]
    assert readers == ["monitoring"]
    # Without alert routing, monitoring reads nothing of its entry.
    assert read_keys(seed.components["monitoring"], None) == {}


@pytest.mark.parametrize(
    ("stated", "error"),
    [
        ({"generate": "hex", "bytes": 32}, None),
        ({"generate": "alphanumeric", "length": 20}, None),
        ({"operator": "Slack issues it"}, None),
        ({}, "state either"),
        ({"generate": "hex", "bytes": 32, "operator": "x"}, "state either"),
        ({"generate": "hex"}, "takes 'bytes'"),
        ({"generate": "hex", "length": 32}, "takes 'bytes'"),
        ({"generate": "alphanumeric", "bytes": 32}, "takes 'length'"),
        ({"generate": "base64", "bytes": 8}, "greater than or equal to 16"),
        ({"generate": "base64", "bytes": 129}, "less than or equal to 128"),
        ({"operator": "x", "bytes": 32}, "belong to 'generate'"),
        ({"operator": ""}, "at least 1 character"),
        ({"generate": "uuid", "bytes": 16}, "Input should be"),
    ],
)
def test_an_app_key_states_one_way_it_is_made(stated: dict[str, object], error: str | None) -> None:
    if error is None:
        assert AppKey.model_validate(stated).spec() == stated
        return
    with pytest.raises(ValueError, match=error):
        AppKey.model_validate(stated)
