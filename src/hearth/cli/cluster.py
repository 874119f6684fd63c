"""The commands that talk to a cluster or to Vault: bootstrap, apply, diff, status and destroy.

Option declarations and help only; each body is one call into ``hearth.commands``, imported when the command runs
(the Kubernetes and Vault clients with it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hearth.cli.options import (
    BuildOpt,
    ContextOpt,
    Format,
    FormatOpt,
    KubeconfigOpt,
    NoDepsOpt,
    PlatformOpt,
    QuietOpt,
    TagsOpt,
    VerboseOpt,
)


def bootstrap(
    platform: PlatformOpt = None,
    build: Annotated[
        Path | None, typer.Option("--build", "-b", help="Apply this rendered build instead of rendering the catalog.")
    ] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only this step (repeatable).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read the state and list what each step would change.")
    ] = False,
    output: FormatOpt = Format.table,
    keys_file: Annotated[
        Path | None,
        typer.Option("--keys-file", help="Vault's key file: written once (mode 0600) by init, read to unseal."),
    ] = None,
    vault_addr: Annotated[
        str | None, typer.Option("--vault-addr", help="Vault address (default VAULT_ADDR, else the build's issuer).")
    ] = None,
    vault_ca: Annotated[
        Path | None,
        typer.Option(
            "--vault-ca", help="CA (PEM) to verify Vault's TLS with (default VAULT_CACERT): the bootstrap CA."
        ),
    ] = None,
    kubernetes_ca: Annotated[
        Path | None,
        typer.Option("--kubernetes-ca", help="API server CA (PEM) for a Vault outside the cluster."),
    ] = None,
    endpoint: Annotated[
        list[str] | None,
        typer.Option("--endpoint", help="PROVIDER=HOST:PORT to reach a provider at (repeatable; default the build's)."),
    ] = None,
    admin_dir: Annotated[
        Path | None,
        typer.Option("--admin-dir", help="Directory of <provider>.json admin logins (mode 0600); else Vault KV."),
    ] = None,
    kubeconfig: Annotated[
        Path | None,
        typer.Option("--kubeconfig", help="Cluster to write the hearth/hearth-bootstrap marker to (hearth apply)."),
    ] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Bring Vault from empty to configured and apply the rendered grants; each step changes only what differs.

    Steps run in dependency order and report created / unchanged / failed; a second run reports every step
    unchanged. Secrets are read from the key file or VAULT_TOKEN, never from argv.

    Exit status: 0 when every step holds, 1 when a step fails, 2 on bad input or a server that does not answer.
    """
    from hearth.commands.bootstrap import BootstrapArgs, bootstrap_command
    from hearth.commands.terminal import voice

    args = BootstrapArgs(
        only, dry_run, keys_file, vault_addr, kubernetes_ca, endpoint or [], admin_dir, kubeconfig, vault_ca
    )
    bootstrap_command(platform, build, args, voice(quiet, verbose), json_output=output is Format.json)


def apply(
    platform: PlatformOpt = None,
    build: BuildOpt = None,
    tags: TagsOpt = None,
    no_deps: NoDepsOpt = False,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, help="Releases at once.")] = 8,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be installed; change nothing.")] = False,
    test: Annotated[bool, typer.Option("--test", help="Gate each release on its Helm tests too.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds each gate may take.")] = 600.0,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between two looks at a gate.")] = 2.0,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Install or upgrade the platform in graph order, each release gated on being ready; resumable.

    A release starts as soon as what it needs is done; CRDs are applied server-side and Established first,
    workloads rolled out, webhooks serving, Vault unsealed and bootstrapped before its consumers. A failure stops
    what depends on it only. With --quiet, only the releases that failed or were blocked, and the counts.

    Exit status: 0 when every release is done, 1 when one failed, 2 on bad input or an unreachable cluster.
    """
    from hearth.commands.deploy import Target, apply_command
    from hearth.commands.terminal import voice
    from hearth.deploy.engine import Options

    talk = voice(quiet, verbose)
    options = Options(concurrency=concurrency, poll=poll, timeout=timeout, dry_run=dry_run)
    apply_command(Target(platform, build, tags, kubeconfig, context), options, talk, no_deps=no_deps, test=test)


def diff(
    platform: PlatformOpt = None,
    build: BuildOpt = None,
    tags: TagsOpt = None,
    no_deps: NoDepsOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """What apply would change, release by release (server-side dry run against the live objects); with --quiet,
    how many releases would change.

    Exit status: 0 when nothing would change, 1 when something would, 2 on bad input or an unreachable cluster.
    """
    from hearth.commands.deploy import Target, diff_command
    from hearth.commands.terminal import voice

    diff_command(Target(platform, build, tags, kubeconfig, context), voice(quiet, verbose), no_deps=no_deps)


def status(
    platform: PlatformOpt = None,
    build: BuildOpt = None,
    tags: TagsOpt = None,
    output: FormatOpt = Format.table,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Every release's state and health as the cluster reports it (helm, the journal, its workloads).

    Exit status: 0 when reported (an unhealthy release is a state, not a failure); 2 on bad input or an
    unreachable cluster.
    """
    from hearth.commands.deploy import Target, status_command
    from hearth.commands.terminal import voice

    target = Target(platform, build, tags, kubeconfig, context)
    status_command(target, voice(quiet, verbose), json_output=output is Format.json)


def destroy(
    platform: PlatformOpt = None,
    build: BuildOpt = None,
    tags: TagsOpt = None,
    delete_data: Annotated[bool, typer.Option("--delete-data", help="Delete PersistentVolumeClaims too.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Uninstall releases in reverse graph order (with --tags: those and what needs them); PVCs are kept unless
    --delete-data.

    Exit status: 0 when uninstalled; 1 when the confirmation is declined; 2 on bad input or an unreachable cluster.
    """
    from hearth.commands.deploy import Target, destroy_command
    from hearth.commands.terminal import voice

    target = Target(platform, build, tags, kubeconfig, context)
    destroy_command(target, voice(quiet, verbose), delete_data=delete_data, yes=yes)
