"""How the secrets store is brought up: key shares, threshold and the unseal choice, stated once in the catalog.

A model of its own (one field, ``Component.secrets_init``, points here) so ``hearth bootstrap`` reads these facts
from the catalog rather than from constants, and ``hearth check`` can report the choice with its reason.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Unseal(BaseModel):
    """The unseal mechanism and why it was chosen.

    ``shamir``: an operator (or ``hearth bootstrap`` from the operator's key file) submits key shares after every
    restart. ``static``: OpenBao's ``seal "static"`` (a 32-byte AES-256-GCM key from a file or the environment) unseals
    on start, and init returns recovery keys instead of unseal keys. ``transit``: a second Vault's transit engine
    wraps the root key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["shamir", "static", "transit"]
    """shamir (key shares after each restart), static (a key file) or transit (another Vault)."""
    reason: str = Field(min_length=20)
    """why this mechanism."""


class SecretsInit(BaseModel):
    """``sys/init`` parameters: how many key shares are made and how many unseal (or recover) the store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_shares: int = Field(ge=1, le=10)
    """how many key shares init makes."""
    key_threshold: int = Field(ge=1, le=10)
    """how many of them unseal (or recover) the store."""
    unseal: Unseal
    """the unseal mechanism and why."""

    @model_validator(mode="after")
    def _threshold_within_shares(self) -> SecretsInit:
        if self.key_threshold > self.key_shares:
            raise ValueError(f"key_threshold {self.key_threshold} exceeds key_shares {self.key_shares}")
        if self.key_shares > 1 and self.key_threshold < 2:
            raise ValueError("key_threshold must be at least 2 when there is more than one share")
        return self
