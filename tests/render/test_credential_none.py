"""Delivery ``none``: a credential the application cannot read at all (it keeps the setting in its own store) is
given to nobody: no agent file, no read in the consumer's Vault policy, while its other credentials still are."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hearth.catalog.credentials import Credential
from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Catalog
from hearth.render.secrets import delivered, secret_paths, vault_policy
from hearth.resolve import resolve

SEED = load_catalog()
OIDC = "kv/data/infrastructure/remnawave/oidc"


def _delivering_oidc(catalog: Catalog) -> Catalog:
    """The seed with Remnawave's OIDC client delivered as the agent's default file instead of ``none``."""
    remnawave = catalog.components["remnawave"]
    credentials = [c for c in remnawave.credentials if c.source != "oidc"]
    changed = remnawave.model_copy(update={"credentials": credentials})
    return catalog.model_copy(update={"components": {**catalog.components, "remnawave": changed}})


def test_a_credential_delivered_none_reaches_neither_the_pod_nor_the_policy() -> None:
    resolved = resolve(SEED)
    remnawave = resolved.component("remnawave")
    assert [c.delivery for c in remnawave.credentials if c.source == "oidc"] == ["none"]
    assert "oidc" not in secret_paths(resolved, remnawave)
    assert OIDC not in set(delivered(resolved, remnawave).annotations.values())
    assert OIDC not in vault_policy(resolved, remnawave)
    # Its database login is still delivered.
    assert "database/static-creds/postgresql-remnawave" in vault_policy(resolved, remnawave)


def test_without_none_the_client_is_an_agent_file_again() -> None:
    resolved = resolve(_delivering_oidc(SEED))
    remnawave = resolved.component("remnawave")
    assert secret_paths(resolved, remnawave)["oidc"] == OIDC
    assert OIDC in vault_policy(resolved, remnawave)


@pytest.mark.parametrize(
    "fields",
    [
        {"delivery": "none"},
        {"delivery": "none", "reason": "  "},
        {"delivery": "none", "reason": "kept in its database", "variables": {"X": "{password}"}},
        {"delivery": "file", "reason": "a reason belongs to none only"},
    ],
)
def test_none_needs_a_reason_and_nothing_else(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Credential.model_validate({"source": "oidc", **fields})


def test_none_with_a_reason_is_valid() -> None:
    credential = Credential.model_validate({"source": "oidc", "delivery": "none", "reason": "kept in its database"})
    assert credential.delivery == "none"
