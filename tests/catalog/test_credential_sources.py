"""The sources a component's ``credentials`` may name: its needs' grants and the OIDC client its ``web.sso`` mode
takes from the platform's identity provider without a need (hearth.resolve.sso)."""

from __future__ import annotations

import pytest

from hearth.catalog.credential_checks import granted
from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Catalog


@pytest.fixture(scope="module")
def seed() -> Catalog:
    return load_catalog()


@pytest.mark.parametrize(
    ("component", "provider", "has_oidc"),
    [
        # sso: oidc without a need on the identity provider: the client grant is made anyway, so it is a source.
        ("vaultwarden", "authentik", True),
        # The same app when the platform names no identity provider (or one the catalog lacks): no client.
        ("vaultwarden", None, False),
        ("vaultwarden", "no-such-provider", False),
        # forward-auth and ldap apps get no client of their own.
        ("ghost", "authentik", False),
        ("teamcity", "authentik", False),
        # The identity provider is no client of itself.
        ("authentik", "authentik", False),
    ],
)
def test_the_sso_client_is_a_source_where_web_sso_takes_one(
    seed: Catalog, component: str, provider: str | None, has_oidc: bool
) -> None:
    sources = granted(seed.components[component], seed.components, provider)
    assert ("oidc" in sources) is has_oidc


def test_needs_grants_stay_sources(seed: Catalog) -> None:
    assert {"postgres"} <= granted(seed.components["vaultwarden"], seed.components, "authentik")
