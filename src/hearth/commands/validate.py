"""``hearth validate``: load the catalog whole and say so in one line, with a warning per stated-order conflict.

It imports the catalog and the dependency graph only: no renderer, auditor, deployer or rich unless --verbose
(see ``tests/cli/test_startup.py``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hearth.commands.plan import catalog_counts, stated_order_conflicts
from hearth.commands.terminal import Voice, echo, load


def validate_command(platform: Path | None, voice: Voice) -> None:
    """Load ``platform`` (else the seed), print its counts, warn about stated-order conflicts."""
    voice.stage(f"load: {platform or 'the packaged seed platform'}")
    catalog = load(platform)
    for namespace, count in sorted(Counter(c.namespace for c in catalog.components.values()).items()):
        voice.detail(f"{namespace}: {count} components")
    voice.stage("graph: the stated orders against the components' needs")
    conflicts = stated_order_conflicts(catalog)
    voice.done()
    echo(f"valid: {catalog_counts(catalog)} ({catalog.platform.name})")
    for line in conflicts:
        voice.warn(f"warning: stated order {line}")
