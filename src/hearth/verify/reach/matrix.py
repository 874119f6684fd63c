"""The reachability matrix: per destination and probed port, one bitset of the sources allowed to connect.

Built from a :class:`~hearth.verify.reach.model.ReachModel`: ingress rules are gathered per destination, egress
rules indexed per probe (sparse target sets per destination, dense ones scanned), so that each (destination,
probe) pair costs a handful of bit operations rather than a policy scan per pair. Named ports resolve on the
destination pod.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from hearth.verify.reach.model import PortMatch, ReachModel, Rule, set_bits
from hearth.verify.reach.records import Connection, Probe, ReachInputError, parse_peer_ip

__all__ = ["ReachMatrix"]

_SPARSE_LIMIT = 64  # egress target sets up to this size are indexed per destination


@dataclass
class _EgressIndex:
    """For one probe: sources whose egress admits each destination (sparse part + dense part)."""

    sparse: dict[int, int] = field(default_factory=dict)
    dense: list[tuple[int, int]] = field(default_factory=list)

    def sources(self, dst: int) -> int:
        """Egress-isolated sources whose rules allow reaching ``dst`` on this probe."""
        bits = self.sparse.get(dst, 0)
        for targets, sources in self.dense:
            if targets >> dst & 1:
                bits |= sources
        return bits


class ReachMatrix:
    """The reachability matrix over endpoints, with cheap queries for auditors.

    Build it with :func:`build_matrix`. Every (destination, probed port) pair is
    computed once as a bitset of allowed sources; :meth:`allowed` also answers
    for ports that were not probed, computing and caching them on demand.
    """

    def __init__(self, model: ReachModel, ports: Sequence[Probe] | None) -> None:
        self.endpoints = model.endpoints
        self._endpoints = model.endpoints  # every endpoint, by bit position (``endpoints`` are the visible ones)
        self._index = {endpoint.name: i for i, endpoint in enumerate(self.endpoints)}
        self._all = model.all
        self._pods_mask = model.pods_mask
        self._named = model.named_ports
        count = len(self.endpoints)
        self._ingress: list[list[Rule] | None] = [None] * count
        egress_isolated = 0
        self._egress_rules: list[tuple[int, Rule]] = []
        for policy in model.policies:
            if policy.ingress is not None:
                for dst in set_bits(policy.selected):
                    rules = self._ingress[dst]
                    if rules is None:
                        rules = self._ingress[dst] = []
                    rules.extend(policy.ingress)
            if policy.egress is not None:
                egress_isolated |= policy.selected
                self._egress_rules.extend((policy.selected, rule) for rule in policy.egress)
        # The egress rules grouped by their ports (equal tuples, not the same object): for one probe, a group's
        # port mask is computed once and a group that does not match the probe is skipped whole. Rules share a few
        # ports lists (DNS, the API server, each provider's port), so this is what keeps _egress_for linear.
        self._egress_groups: dict[tuple[PortMatch, ...], list[tuple[int, Rule]]] = {}
        for sources, rule in self._egress_rules:
            self._egress_groups.setdefault(rule.ports, []).append((sources, rule))
        self._egress_free = self._all & ~egress_isolated
        self._egress_isolated = egress_isolated
        fixed = tuple(sorted(set(ports))) if ports else None
        self._probes: list[tuple[Probe, ...]] = [
            fixed if fixed is not None else tuple(sorted({Probe(p.number, p.protocol) for p in e.ports}))
            for e in self.endpoints
        ]
        self._port_masks: dict[tuple[int, Probe], int] = {}  # keyed by id() of a rule's ports
        self._egress_index: dict[Probe, _EgressIndex] = {}
        self._bits: dict[tuple[int, Probe], int] = {}
        for dst, probes in enumerate(self._probes):
            for probe in probes:
                self._sources(dst, probe)
        self._visible = self._all

    def restricted(self, outside: Iterable[str]) -> ReachMatrix:
        """This matrix as if built with only the outside endpoints ``outside`` (IPs; every pod is kept).

        An outside endpoint changes no verdict between others (policies select pods; an ``ipBlock`` peer matches
        each IP on its own), so one matrix built with every outside endpoint several audits probe answers each
        audit exactly as its own would: the others are hidden from :attr:`endpoints`, the flows and the lookups.
        The view shares the computed bitsets and caches. Raises :class:`ReachInputError` for an IP not in it.
        """
        keep = {parse_peer_ip(ip) for ip in outside}
        missing = keep - self._index.keys()
        if missing:
            raise ReachInputError(f"unknown endpoint {sorted(missing)[0]!r}: not an outside endpoint of the matrix")
        view = object.__new__(ReachMatrix)
        view.__dict__.update(self.__dict__)
        visible = self._pods_mask
        for name in keep:
            visible |= 1 << self._index[name]
        visible &= self._visible
        view._visible = visible
        view.endpoints = tuple(e for i, e in enumerate(self._endpoints) if visible >> i & 1)
        view._index = {name: i for name, i in self._index.items() if visible >> i & 1}
        return view

    # ---------------------------------------------------------------- queries

    def allowed(self, src: str, dst: str, port: int, protocol: str = "TCP") -> bool:
        """May ``src`` connect to ``dst`` on ``port/protocol``? (False for ``src == dst``.)"""
        return bool(self._sources(self._lookup(dst), Probe(port, protocol.upper())) >> self._lookup(src) & 1)

    def allowed_sources(self, dst: str, port: int, protocol: str = "TCP") -> list[str]:
        """Every endpoint allowed to connect to ``dst`` on ``port/protocol``, in endpoint order."""
        bits = self._sources(self._lookup(dst), Probe(port, protocol.upper())) & self._visible
        return [self._endpoints[i].name for i in set_bits(bits)]

    def probes(self, dst: str) -> tuple[Probe, ...]:
        """The ports probed on ``dst`` (given ``--port``s, else its declared container ports)."""
        return self._probes[self._lookup(dst)]

    def ingress_isolated(self, name: str) -> bool:
        """Is ``name`` selected by a policy governing ingress (so only listed traffic reaches it)?"""
        return self._ingress[self._lookup(name)] is not None

    def egress_isolated(self, name: str) -> bool:
        """Is ``name`` selected by a policy governing egress?"""
        return bool(self._egress_isolated >> self._lookup(name) & 1)

    def sides(self, src: str, dst: str, port: int, protocol: str = "TCP") -> tuple[bool, bool]:
        """``(egress, ingress)``: does ``src``'s egress allow this connection, does ``dst``'s ingress admit it?

        :meth:`allowed` is both at once (and False for ``src == dst``); this tells which side denies, for reports.
        """
        s, d = self._lookup(src), self._lookup(dst)
        probe = Probe(port, protocol.upper())
        rules = self._ingress[d]
        ingress = rules is None or any(
            (self._port_mask(rule.ports, probe) >> d & 1) and (rule.peers >> s & 1) for rule in rules
        )
        egress = bool((self._egress_free | self._egress_for(probe).sources(d)) >> s & 1)
        return egress, ingress

    def allowed_flows(self) -> Iterator[Connection]:
        """Only the allowed rows of :meth:`connections`, same order, cost proportional to their number."""
        per_src: list[list[tuple[int, Probe]]] = [[] for _ in self._endpoints]
        visible = self._visible
        for dst, probes in enumerate(self._probes):
            if not visible >> dst & 1:
                continue
            for probe in probes:
                for src in set_bits(self._bits[(dst, probe)] & visible):
                    per_src[src].append((dst, probe))
        names = [endpoint.name for endpoint in self._endpoints]
        for src, flows in enumerate(per_src):
            for dst, probe in flows:
                yield Connection(names[src], names[dst], probe.port, probe.protocol, True)

    def connections(self) -> Iterator[Connection]:
        """Every row: each ordered pair of distinct endpoints (not both outside), each probe of the dst.

        Ordered by source, destination (endpoint order: pods by name, then
        outside IPs) and probe (port, protocol).
        """
        names = [endpoint.name for endpoint in self._endpoints]
        rows = [[(probe, self._bits[(dst, probe)]) for probe in probes] for dst, probes in enumerate(self._probes)]
        outside = self._all & ~self._pods_mask
        visible = self._visible
        for src, src_name in enumerate(names):
            if not visible >> src & 1:
                continue
            src_outside = outside >> src & 1
            for dst, dst_rows in enumerate(rows):
                if dst == src or (src_outside and outside >> dst & 1) or not visible >> dst & 1:
                    continue
                dst_name = names[dst]
                for probe, bits in dst_rows:
                    yield Connection(src_name, dst_name, probe.port, probe.protocol, bool(bits >> src & 1))

    # ---------------------------------------------------------------- evaluation

    def _lookup(self, name: str) -> int:
        """Index of an endpoint by name (``ns/pod`` or an IP as given to ``--peer-ip``)."""
        index = self._index.get(name)
        if index is None:
            try:
                index = self._index.get(parse_peer_ip(name))
            except ReachInputError:
                index = None
        if index is None:
            raise ReachInputError(f"unknown endpoint {name!r} (expected namespace/name or a --peer-ip)")
        return index

    def _sources(self, dst: int, probe: Probe) -> int:
        """Bitset of endpoints allowed to reach ``dst`` on ``probe`` (computed once, then cached)."""
        key = (dst, probe)
        bits = self._bits.get(key)
        if bits is None:
            ingress = self._ingress[dst]
            if ingress is None:
                allowed = self._all
            else:
                allowed = 0
                for rule in ingress:
                    if self._port_mask(rule.ports, probe) >> dst & 1:
                        allowed |= rule.peers
            egress = self._egress_free | self._egress_for(probe).sources(dst)
            bits = allowed & egress & ~(1 << dst)
            if not self._pods_mask >> dst & 1:
                bits &= self._pods_mask  # outside to outside is not the cluster's business
            self._bits[key] = bits
        return bits

    def _egress_for(self, probe: Probe) -> _EgressIndex:
        """Index, for one probe, of which egress-isolated sources each destination admits."""
        index = self._egress_index.get(probe)
        if index is None:
            grouped: dict[int, int] = {}
            for ports, rules in self._egress_groups.items():
                mask = self._port_mask(ports, probe)
                if not mask:
                    continue
                for sources, rule in rules:
                    targets = rule.peers & mask
                    if targets:
                        grouped[targets] = grouped.get(targets, 0) | sources
            index = _EgressIndex()
            for targets, sources in grouped.items():
                if targets.bit_count() > _SPARSE_LIMIT:
                    index.dense.append((targets, sources))
                    continue
                for dst in set_bits(targets):
                    index.sparse[dst] = index.sparse.get(dst, 0) | sources
            self._egress_index[probe] = index
        return index

    def _port_mask(self, ports: tuple[PortMatch, ...], probe: Probe) -> int:
        """Destinations on which a rule's ``ports`` match ``probe`` (named ports resolved per pod)."""
        if not ports:
            return self._all
        key = (id(ports), probe)  # rules, and so their ports tuples, live as long as the matrix
        mask = self._port_masks.get(key)
        if mask is None:
            mask = 0
            for match in ports:
                if match.protocol != probe.protocol:
                    continue
                if match.port is None:
                    mask = self._all
                elif isinstance(match.port, int):
                    if match.port <= probe.port <= (match.end_port or match.port):
                        mask = self._all
                else:
                    mask |= self._named.get((match.port, probe.protocol, probe.port), 0)
                if mask == self._all:
                    break
            self._port_masks[key] = mask
        return mask
