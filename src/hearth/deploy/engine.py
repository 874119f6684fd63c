"""The deploy engine: apply releases in graph order as fast as their needs allow, each gated on being ready.

A release starts the moment every release it needs is done (not when a whole wave is), up to ``concurrency`` at
once, the one with the longest remaining path first. It is done when helm returned and every gate of its passed;
a failure marks what depends on it blocked and lets every independent branch finish. The journal makes a rerun
skip what is done and current and never call helm twice for the same content.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from hearth.deploy.gates import Gate, GateContext, ReleaseGates, Verdict, chart_crds
from hearth.deploy.generated import ensure_generated
from hearth.deploy.helm import Helm, HelmError
from hearth.deploy.journal import Entry, Journal
from hearth.deploy.kube import ClusterError, Kube
from hearth.deploy.releases import Build, Release
from hearth.deploy.schedule import remaining, topological

DONE_STATES = ("done", "skipped")


@dataclass(frozen=True)
class Event:
    """A release's progress: waiting, installing, gating, done, skipped, failed, blocked (with the detail)."""

    key: str
    state: str
    detail: str = ""
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class Options:
    """How ``apply`` runs: concurrency, gate polling and timeout in seconds, dry run."""

    concurrency: int = 8
    poll: float = 2.0
    timeout: float = 600.0
    dry_run: bool = False


@dataclass
class Outcome:
    """Each release's final state and why."""

    states: dict[str, Event] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every release is done (or was already)."""
        return all(e.state in (*DONE_STATES, "would-install") for e in self.states.values())

    @property
    def unchanged(self) -> bool:
        """Whether the run changed nothing: every selected release was already current (``skipped``)."""
        return bool(self.states) and all(e.state == "skipped" for e in self.states.values())


class ReleaseFailed(Exception):
    """A release could not be made ready: the message says why; ``events`` are the failing pods' last events."""

    def __init__(self, message: str, events: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.events = events


StepHook = Callable[[str, str], None]


def _no_hook(_: str, __: str) -> None:
    return None


class Engine:
    """Applies a build's releases to one cluster with one helm."""

    def __init__(
        self,
        build: Build,
        kube: Kube,
        helm: Helm,
        gates: Mapping[str, ReleaseGates],
        durations: Mapping[str, float] | None = None,
        on_event: Callable[[Event], None] | None = None,
        options: Options | None = None,
        step_hook: StepHook = _no_hook,
    ) -> None:
        self.build = build
        self.kube = kube
        self.helm = helm
        self.gates = gates
        self.durations = durations or {}
        self.options = options or Options()
        self.on_event = on_event or (lambda _: None)
        self.step_hook = step_hook
        self.journal = Journal(kube)
        self._lock = threading.Lock()

    def _emit(self, key: str, state: str, detail: str = "", events: tuple[str, ...] = ()) -> Event:
        event = Event(key, state, detail, events)
        with self._lock:
            self.on_event(event)
        return event

    def apply(self, keys: list[str]) -> Outcome:
        """Apply the releases ``keys`` (needs outside them taken as done); returns each one's final state."""
        needs = {k: [d for d in self.build.release(k).needs if d in keys] for k in keys}
        urgency = remaining(needs, {k: self.durations.get(k, 1.0) for k in keys})
        position = {k: i for i, k in enumerate(topological(needs))}
        outcome = Outcome()
        pending = list(keys)
        running: dict[Future[Event], str] = {}
        for key in pending:
            if needs[key]:
                self._emit(key, "waiting", "on " + ", ".join(needs[key]))
        with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency)) as pool:
            while pending or running:
                for key in list(pending):
                    bad = [d for d in needs[key] if d in outcome.states and outcome.states[d].state not in DONE_STATES]
                    if bad and all(d in outcome.states for d in needs[key] if d in bad):
                        pending.remove(key)
                        outcome.states[key] = self._emit(key, "blocked", f"needs {bad[0]}, which did not finish")
                ready = [k for k in pending if all(d in outcome.states for d in needs[k])]
                ready.sort(key=lambda k: (-urgency[k], position[k]))
                for key in ready[: max(0, self.options.concurrency - len(running))]:
                    pending.remove(key)
                    running[pool.submit(self._release, self.build.release(key))] = key
                if not running:
                    continue
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    key = running.pop(future)
                    outcome.states[key] = future.result()
        return outcome

    def _release(self, release: Release) -> Event:
        """Make one release installed and ready; never raises for a failure of the release itself."""
        try:
            return self._converge(release)
        except ReleaseFailed as exc:
            return self._emit(release.key, "failed", str(exc), exc.events)
        except (HelmError, ClusterError, ValueError) as exc:
            return self._emit(release.key, "failed", str(exc))

    def _converge(self, release: Release) -> Event:
        key = release.key
        gates = self.gates.get(key, ReleaseGates())
        # Before anything else, even for a current release: a generated Secret deleted since would stop its pods.
        for line in ensure_generated(self.kube, self.build.generated, key, self.options.dry_run):
            self._emit(key, "secret", line)
        status = self.helm.status(release)
        entry = self.journal.get(release)
        installed_already = False
        if entry is not None and status is not None and entry.digest == release.digest and status.state == "deployed":
            if entry.state == "done" and entry.revision == status.revision:
                return self._emit(key, "skipped", f"current at revision {status.revision}")
            installed_already = entry.state == "installing" and status.revision > entry.from_revision
        if status is not None and status.state.startswith("pending-"):
            raise ReleaseFailed(f"helm reports {status.state}: an earlier helm run was interrupted (helm rollback it)")
        if self.options.dry_run:
            action = "upgrade" if status else "install"
            return self._emit(key, "would-install", f"would {action} ({len(gates.after)} gates after)")
        self._wait(release, gates.before, "before install")
        if not installed_already:
            revision = status.revision if status else 0
            self.journal.put(release, Entry("installing", release.digest, from_revision=revision))
            self.step_hook(key, "journal-installing")
            if gates.crd_groups:
                self._apply_crds(release)
                self.step_hook(key, "crds")
            self._emit(key, "installing", f"helm upgrade --install ({release.chart})")
            self.helm.upgrade_install(release, skip_crds=bool(gates.crd_groups))
            self.step_hook(key, "helm")
            status = self.helm.status(release)
        self._wait(release, gates.after, "after install")
        revision = status.revision if status else 0
        self.journal.put(release, Entry("done", release.digest, revision=revision))
        self.step_hook(key, "journal-done")
        return self._emit(key, "done", f"revision {revision}")

    def _apply_crds(self, release: Release) -> None:
        """Apply the chart's CRDs server-side before the chart itself, so its users never race them."""
        crds = chart_crds(self.helm.template(release, include_crds=True), release)
        self._emit(release.key, "installing", f"{len(crds)} CRDs, server-side")
        for crd in crds:
            self.kube.apply(crd)

    def _wait(self, release: Release, gates: list[Gate], when: str) -> None:
        ctx = GateContext(self.kube, self.helm, release)
        for gate in gates:
            deadline = time.monotonic() + self.options.timeout
            shown = ""
            while True:
                verdict: Verdict = gate.check(ctx)
                if verdict.passed:
                    break
                if verdict.final or time.monotonic() >= deadline:
                    limit = f"timed out after {self.options.timeout:g}s: "
                    why = verdict.reason if verdict.final else limit + verdict.reason
                    raise ReleaseFailed(f"{gate.describe()}: {why}", self._pod_events(ctx, gate))
                if verdict.reason != shown:
                    shown = verdict.reason
                    self._emit(release.key, "gating", f"{when}: {gate.describe()}: {verdict.reason}")
                time.sleep(self.options.poll)
                ctx = GateContext(self.kube, self.helm, release, ctx._manifest)

    def _pod_events(self, ctx: GateContext, gate: Gate) -> tuple[str, ...]:
        try:
            pods = gate.failing_pods(ctx)
            return tuple(f"{ns}/{pod}: {line}" for ns, pod in pods[:3] for line in self.kube.events(ns, pod))
        except (HelmError, ClusterError, ValueError, KeyError):
            return ()


def describe_outcome(outcome: Outcome) -> dict[str, Any]:
    """The outcome as plain data (for JSON)."""
    return {k: {"state": e.state, "detail": e.detail, "events": list(e.events)} for k, e in outcome.states.items()}
