"""Where a provider listens is stated once, by the provider: consumers write ``${<capability>.host}``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import RunHearth


@pytest.fixture
def catalog(hearth: RunHearth, tmp_path: Path) -> Path:
    """A copy of the seed catalog to edit."""
    out = tmp_path / "catalog"
    assert hearth("init", str(out)).exit_code == 0
    return out


def test_a_renamed_provider_service_reconfigures_its_consumers(
    hearth: RunHearth, catalog: Path, tmp_path: Path
) -> None:
    """Valkey's Service renamed in its own file: every consumer's configured host follows, none keeps the old."""
    valkey = catalog / "services/db/valkey.yaml"
    valkey.write_text(valkey.read_text() + "service_name: cache\n")
    out = tmp_path / "build"
    result = hearth("render", "--platform", str(catalog), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    for consumer in ("gitlab", "harbor", "nextcloud", "n8n"):
        values = (out / f"values/{consumer}.yaml").read_text()
        assert "cache.db.svc.cluster.local" in values, consumer
        assert "valkey.db.svc.cluster.local" not in values, consumer


@pytest.mark.parametrize(
    ("placeholder", "message"),
    [
        ("${redis.host}", "${redis.host}: none of ghost's needs provides 'redis'"),
        ("${redis.url}", "unknown placeholder ${redis.url}"),
    ],
)
def test_a_placeholder_no_need_can_fill_is_refused(
    hearth: RunHearth, catalog: Path, placeholder: str, message: str
) -> None:
    """Ghost needs no Valkey: asking for its host (or a field no provider states) is an error at its line."""
    ghost = catalog / "services/content/ghost.yaml"
    ghost.write_text(ghost.read_text().replace("https://blog.${domain}", f"https://{placeholder}"))
    result = hearth("validate", "--platform", str(catalog))
    assert result.exit_code == 2, result.output
    assert "ghost.yaml:" in result.output and message in result.output, result.output


def test_the_pod_cidr_is_stated_once(hearth: RunHearth, catalog: Path, tmp_path: Path) -> None:
    """``${pod_cidr}`` is the platform's pod network: another pod_cidr in platform.yaml is the one the cluster
    Traefik's mail entrypoints and Stalwart's proxied listeners trust for PROXY headers; the seed's is left nowhere."""
    platform = catalog / "platform.yaml"
    text = platform.read_text()
    assert "pod_cidr: 10.233.64.0/18" in text
    platform.write_text(text.replace("pod_cidr: 10.233.64.0/18", "pod_cidr: 10.42.0.0/16"))
    out = tmp_path / "build"
    result = hearth("render", "--platform", str(catalog), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    values = (out / "values/traefik.yaml").read_text()
    assert values.count("- 10.42.0.0/16") == 4 and "10.233.64.0/18" not in values
    assert "${" not in values
    plan = (out / "settings/stalwart.ndjson").read_text()
    assert plan.count('"10.42.0.0/16": true') == 4 and "10.233.64.0/18" not in plan
