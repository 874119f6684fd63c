"""The sources a component's ``credentials`` may name: its needs' grants and the OIDC client its ``web.sso`` mode
takes from the platform's identity provider without a need (hearth.resolve.sso)."""

from __future__ import annotations

import pytest

from hearth.catalog.credential_checks import granted
from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Catalog
from hearth.resolve import resolve


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


@pytest.mark.parametrize(
    ("component", "capability", "made"),
    [
        # A need in order_only orders the deploy and makes no grant or connection (Hub and YouTrack have no SQL
        # backend), while the same provider's grant to a consumer that connects is made.
        ("hub", "postgres", False),
        ("youtrack", "postgres", False),
        ("teamcity", "postgres", True),
        ("vaultwarden", "postgres", True),
    ],
)
def test_an_order_only_need_makes_no_grant_and_no_flow(
    seed: Catalog, component: str, capability: str, made: bool
) -> None:
    resolved = resolve(seed)
    grants = {g.capability for g in resolved.grants_for(component)}
    assert (capability in grants) is made
    assert (capability in granted(seed.components[component], seed.components, "authentik")) is made
    reasons = {f.reason for f in resolved.flows if f.src is not None and f.src[0] == component}
    assert any(capability in r and r.startswith("needs ") for r in reasons) is made
