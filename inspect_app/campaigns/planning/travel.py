"""Travel: a minimum-cost flow with the balanced loads fixed, then a forest.

A class–team arc costs the distance from the team's home to the class's county. The primal–dual
method of :func:`min_cost` finds the cheapest way to give every team its load; :func:`forest`
then cancels the (zero-cost) cycles left in the support, so few teams get a second county.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from .model import SchoolClass
from .model import TeamIn

_INFINITY = 1 << 62


@dataclass
class _Network:
    """A residual network in flat arrays: arc e and its reverse e ^ 1 live side by side."""

    n: int
    head: list[int] = field(default_factory=list)
    cap: list[int] = field(default_factory=list)
    weight: list[int] = field(default_factory=list)
    out: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.out = [[] for _ in range(self.n)]

    def arc(self, a: int, b: int, capacity: int, w: int) -> int:
        e = len(self.head)
        self.head.extend((b, a))
        self.cap.extend((capacity, 0))
        self.weight.extend((w, -w))
        self.out[a].append(e)
        self.out[b].append(e + 1)
        return e

    def push(self, path: list[int], amount: int) -> None:
        for e in path:
            self.cap[e] -= amount
            self.cap[e ^ 1] += amount

    def distances(self, source: int, potential: list[int]) -> list[int]:
        """Dijkstra on reduced costs (weight + potential[a] − potential[b], never negative) over arcs with room."""
        dist = [_INFINITY] * self.n
        dist[source] = 0
        heap = [(0, source)]
        while heap:
            d, a = heapq.heappop(heap)
            if d > dist[a]:
                continue
            base = d + potential[a]
            for e in self.out[a]:
                if self.cap[e] > 0:
                    b = self.head[e]
                    nd = base + self.weight[e] - potential[b]
                    if nd < dist[b]:
                        dist[b] = nd
                        heapq.heappush(heap, (nd, b))
        return dist

    def admissible(self, dist: list[int], potential: list[int]) -> list[list[int]]:
        """The arcs out of each reached node that have room and whose reduced cost is now zero."""
        return [
            [e for e in self.out[a] if self.cap[e] > 0 and dist[self.head[e]] < _INFINITY
             and self.weight[e] + potential[a] - potential[self.head[e]] == 0] if dist[a] < _INFINITY else []
            for a in range(self.n)
        ]

    def levels(self, admissible: list[list[int]], source: int) -> list[int]:
        """Breadth-first levels from the source over the admissible arcs with room (−1: unreached)."""
        level = [-1] * self.n
        level[source] = 0
        queue = deque([source])
        while queue:
            a = queue.popleft()
            for e in admissible[a]:
                b = self.head[e]
                if level[b] < 0 and self.cap[e] > 0:
                    level[b] = level[a] + 1
                    queue.append(b)
        return level

    def next_arc(self, a: int, arcs: list[int], cursor: list[int], level: list[int]) -> int | None:
        """The first arc from ``cursor[a]`` on that has room and climbs one level; None when none is left."""
        while cursor[a] < len(arcs):
            e = arcs[cursor[a]]
            if self.cap[e] > 0 and level[self.head[e]] == level[a] + 1:
                return e
            cursor[a] += 1
        return None

    def augmenting_path(self, admissible: list[list[int]], level: list[int], cursor: list[int],
                        source: int, sink: int) -> list[int] | None:
        """Depth-first from the source along rising levels to the sink, as the arcs of the path.

        Dinic's walk: ``cursor`` remembers, per node, the arcs already found useless in this phase,
        and a node found to be a dead end is dropped from the levels and the walk steps back one arc.
        The branches are the algorithm's: advance, retreat, or give up when the source is a dead end.
        """
        path: list[int] = []
        a = source
        while a != sink:
            e = self.next_arc(a, admissible[a], cursor, level)
            if e is not None:
                path.append(e)
                a = self.head[e]
                continue
            if not path:
                return None
            level[a] = -1          # a dead end: never try it again this phase
            a = self.head[path.pop() ^ 1]
            cursor[a] += 1
        return path

    def blocking_flow(self, admissible: list[list[int]], source: int, sink: int, need: int) -> int:
        """Push up to ``need`` units along shortest admissible paths until none is left; return how many."""
        pushed = 0
        while pushed < need:
            level = self.levels(admissible, source)
            if level[sink] < 0:
                break
            cursor = [0] * self.n
            while pushed < need:
                path = self.augmenting_path(admissible, level, cursor, source, sink)
                if path is None:
                    break
                amount = min([need - pushed] + [self.cap[e] for e in path])
                self.push(path, amount)
                pushed += amount
        return pushed


def min_cost(classes: list[SchoolClass], teams: Sequence[TeamIn], loads: dict[int, int],
              cost: dict[tuple[int, int], int]) -> list[dict[int, int]]:
    """Primal–dual minimum-cost flow: classes supply their schools, team t demands loads[t].

    Each round runs Dijkstra on reduced costs, raises the node potentials by the distances, then
    pushes a blocking flow (Dinic) through the arcs whose reduced cost is now zero. One shortest-path
    computation thus serves every augmenting path of the same length, which on this network means a
    handful of rounds instead of one per path.
    """
    nc = len(classes)
    index = {team.id: nc + i for i, team in enumerate(teams)}
    source, sink = nc + len(teams), nc + len(teams) + 1
    net = _Network(sink + 1)
    class_arcs: list[tuple[int, int, int]] = []  # (class, team id, arc)
    for c, cls in enumerate(classes):
        net.arc(source, c, cls.size, 0)
        for tid in cls.teams:
            class_arcs.append((c, tid, net.arc(c, index[tid], cls.size, cost[(c, tid)])))
    for team in teams:
        if loads[team.id]:
            net.arc(index[team.id], sink, loads[team.id], 0)

    need = sum(loads.values())
    potential = [0] * net.n
    while need:
        dist = net.distances(source, potential)
        if dist[sink] == _INFINITY:
            raise AssertionError("the balanced loads admit no flow")
        for v in range(net.n):
            if dist[v] < _INFINITY:
                potential[v] += dist[v]
        need -= net.blocking_flow(net.admissible(dist, potential), source, sink, need)

    x: list[dict[int, int]] = [{} for _ in classes]
    for c, tid, e in class_arcs:
        if net.cap[e ^ 1] > 0:
            x[c][tid] = net.cap[e ^ 1]
    return x


def forest(x: list[dict[int, int]], cost: dict[tuple[int, int], int]) -> None:
    """Cancel every cycle of the class–team support; keeps loads, class totals and (optimal) cost."""
    while True:
        cycle = find_cycle(x)
        if cycle is None:
            return
        # The cycle alternates arcs to raise (even positions) and to lower (odd); try both directions.
        plus, minus = cycle[0::2], cycle[1::2]
        delta = sum(cost[a] for a in plus) - sum(cost[a] for a in minus)
        if delta > 0:
            plus, minus = minus, plus
        amount = min(x[c][tid] for c, tid in minus)
        for c, tid in plus:
            x[c][tid] = x[c].get(tid, 0) + amount
        for c, tid in minus:
            x[c][tid] -= amount
            if not x[c][tid]:
                del x[c][tid]


def find_cycle(x: list[dict[int, int]]) -> list[tuple[int, int]] | None:
    """A cycle in the bipartite support graph, as its arcs (class, team) in order around it."""
    adj: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for c, row in enumerate(x):
        for tid in row:
            adj[("c", c)].append(("t", tid))
            adj[("t", tid)].append(("c", c))
    seen: set[tuple[str, int]] = set()
    for root in sorted(adj):
        if root in seen:
            continue
        parent: dict[tuple[str, int], tuple[str, int] | None] = {root: None}
        depth = {root: 0}
        stack = [root]
        seen.add(root)
        while stack:
            node = stack.pop()
            for nxt in sorted(adj[node]):
                if nxt == parent[node]:
                    continue
                if nxt in parent:
                    return _cycle_arcs(node, nxt, parent, depth)
                parent[nxt] = node
                depth[nxt] = depth[node] + 1
                seen.add(nxt)
                stack.append(nxt)
    return None


def _cycle_arcs(a: tuple[str, int], b: tuple[str, int], parent: dict[tuple[str, int], tuple[str, int] | None],
                depth: dict[tuple[str, int], int]) -> list[tuple[int, int]]:
    """The cycle closed by the edge a–b in a DFS tree, as (class, team) arcs in walking order."""
    left, right = [a], [b]
    while left[-1] != right[-1]:
        if depth[left[-1]] >= depth[right[-1]]:
            up = parent[left[-1]]
            assert up is not None
            left.append(up)
        else:
            up = parent[right[-1]]
            assert up is not None
            right.append(up)
    nodes = left + right[-2::-1]   # a … lca … b, then the closing edge b–a
    arcs = []
    for i, node in enumerate(nodes):
        nxt = nodes[(i + 1) % len(nodes)]
        c, tm = (node, nxt) if node[0] == "c" else (nxt, node)
        arcs.append((c[1], tm[1]))
    return arcs


# ---------------------------------------------------------------------------------------------------------
# 4. Concrete schools, then days
