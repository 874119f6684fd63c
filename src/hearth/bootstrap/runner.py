"""Run bootstrap steps in order: read, then change only what differs; stop at the first failure (but a provider's
server that does not answer, which defers that provider alone: ``model.ProviderStep``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hearth.bootstrap.model import Status, Step, StepError, StepResult, Unreachable

Progress = Callable[[StepResult], None]


def _quiet(_: StepResult) -> None:
    return None


def select(steps: Sequence[Step], only: Sequence[str] | None) -> list[Step]:
    """The steps named in ``only`` (all when None), in their dependency order; an unknown name is a ValueError."""
    if not only:
        return list(steps)
    names = [s.name for s in steps]
    unknown = sorted(set(only) - set(names))
    if unknown:
        raise ValueError(f"--only: unknown step {unknown[0]!r}; steps are: {', '.join(names)}")
    return [s for s in steps if s.name in only]


def run_steps(steps: Sequence[Step], *, dry_run: bool = False, progress: Progress = _quiet) -> list[StepResult]:
    """Run ``steps`` in order and report each; with ``dry_run`` only read and list what each would change.

    In a dry run, a step whose state cannot be read yet (Vault not initialized, so no token) is ``planned`` with
    that reason, since the earlier steps would have made it readable. In a real run the first failure stops the
    run, and the steps after it are ``skipped``: they depend on it.
    """
    results: list[StepResult] = []
    failed = False
    for step in steps:
        if failed:
            result = StepResult(step.name, step.summary, Status.skipped)
        else:
            result = _one(step, dry_run)
            # A provider step whose server did not answer stops only its own provider (model.ProviderStep).
            failed = result.status is Status.failed and not (result.unreachable and getattr(step, "independent", False))
        results.append(result)
        progress(result)
    return results


def _one(step: Step, dry_run: bool) -> StepResult:
    try:
        changes = step.changes()
    except StepError as exc:
        if dry_run and not isinstance(exc, Unreachable):
            return StepResult(step.name, step.summary, Status.planned, [f"state not readable yet: {exc}"])
        unreachable = isinstance(exc, Unreachable)
        return StepResult(step.name, step.summary, Status.failed, error=str(exc), unreachable=unreachable)
    described = [c.description for c in changes]
    if not changes:
        return StepResult(step.name, step.summary, Status.unchanged)
    if dry_run:
        return StepResult(step.name, step.summary, Status.planned, described)
    done: list[str] = []
    for change in changes:
        try:
            change.apply()
        except StepError as exc:
            error = f"{change.description}: {exc}"
            unreachable = isinstance(exc, Unreachable)
            return StepResult(step.name, step.summary, Status.failed, done, error, unreachable=unreachable)
        done.append(change.description)
    return StepResult(step.name, step.summary, Status.created, done)
