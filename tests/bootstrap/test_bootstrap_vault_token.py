"""The bootstrap's Vault token is the operator's (``--vault-token``/``VAULT_TOKEN``, else the key file's root
token), never one hvac finds by itself in ``~/.vault-token``, which a CLI login to another Vault leaves behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hearth.bootstrap.vault import Vault


@pytest.fixture
def stray_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".vault-token").write_text("stray-token-of-another-vault\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    return tmp_path


def test_the_operators_token_wins_over_a_stray_vault_token_file(stray_home: Path) -> None:
    assert Vault(address="http://127.0.0.1:1", keys_file=None, token="operator").authed().token == "operator"


def test_the_key_files_root_token_wins_over_a_stray_vault_token_file(stray_home: Path) -> None:
    keys = stray_home / "keys.json"
    keys.write_text(json.dumps({"root_token": "root-of-this-vault"}))
    assert Vault(address="http://127.0.0.1:1", keys_file=keys).authed().token == "root-of-this-vault"
