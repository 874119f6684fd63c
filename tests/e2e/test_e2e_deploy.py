"""Against a real cluster: apply a small platform, check status, diff (nothing to change), destroy it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import RunHearth

PLATFORM = Path(__file__).resolve().parent.parent / "fixtures" / "valid" / "minimal"

pytestmark = pytest.mark.e2e


def test_apply_status_diff_destroy(hearth: RunHearth) -> None:
    applied = hearth("apply", "--platform", str(PLATFORM), "--timeout", "300")
    assert applied.exit_code == 0, applied.output
    status = hearth("status", "--platform", str(PLATFORM), "--output", "json")
    assert status.exit_code == 0, status.output
    rows = json.loads(status.output)
    assert rows and all(r["helm"] == "deployed" and r["health"] == "ready" for r in rows), rows
    assert all(r["journal"] == "current" for r in rows), rows
    diff = hearth("diff", "--platform", str(PLATFORM))
    assert diff.exit_code == 0, diff.output
    again = hearth("apply", "--platform", str(PLATFORM))
    assert again.exit_code == 0 and "skipped" in again.output, again.output
    gone = hearth("destroy", "--platform", str(PLATFORM), "--yes", "--delete-data")
    assert gone.exit_code == 0, gone.output
