"""``hearth reach``: the NetworkPolicy verdict of every connection among the endpoints of any manifests."""

from __future__ import annotations

import sys
from pathlib import Path

from hearth.commands.terminal import Voice, out, user_errors
from hearth.verify.reach import render_table, run_reach


def reach_command(
    paths: list[Path], ports: list[str], peer_ips: list[str], voice: Voice, *, json_output: bool, allowed_only: bool
) -> None:
    """Read ``paths``, probe ``ports`` (default: the declared ones) and print the verdicts as a table or JSON."""
    with user_errors():
        voice.stage(f"read: {len(paths)} paths of manifests, and the matrix of their policies")
        result = run_reach(paths, ports, peer_ips)
        voice.stage("connections: " + ("allowed only" if allowed_only else "every probed one"))
        if json_output:
            rows = result.write_json(sys.stdout, allowed_only=allowed_only)
            voice.detail(f"{rows} connections written")
        else:
            out().print(render_table(result, allowed_only=allowed_only))
    voice.done()
