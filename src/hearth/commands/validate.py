"""``hearth validate``: load the catalog whole and say so in one line, with a warning per stated-order conflict.

It imports the catalog and the dependency graph only: no renderer, auditor, deployer or rich (see
``tests/cli/test_startup.py``).
"""

from __future__ import annotations

from pathlib import Path

from hearth.commands.plan import catalog_counts, stated_order_conflicts
from hearth.commands.terminal import echo, load, warn


def validate_command(platform: Path | None) -> None:
    """Load ``platform`` (else the seed), print its counts, warn about stated-order conflicts."""
    catalog = load(platform)
    echo(f"valid: {catalog_counts(catalog)} ({catalog.platform.name})")
    for line in stated_order_conflicts(catalog):
        warn(f"warning: stated order {line}")
