"""Assign a campaign's schools to inspection teams and schedule each team's days.

The rules. A team may inspect a school unless, in a cross-inspection, one of its members has the
school's county as home county, or one of its members has declared a conflict with the school.
With dates, a team makes at most ``per_day`` visits a day on the campaign's working days, so its
capacity is ``per_day`` × its free working days.

The goals, in order: (1) every school gets a team that may inspect it; (2) the numbers of visits
per team are as even as the rules allow; (3) teams travel little: a team's schools lie in as few
counties as possible, near its members' home counties; (4) a team's day holds schools of one
county only, visited in a short round.

Why flows. Schools that the same teams may inspect are interchangeable for (1)–(3), so they are
merged into classes: a county's schools form one class, split further only by declared
conflicts. Classes and teams form a small bipartite network (a city's dozen counties against a
hundred teams, whatever the number of schools), and each goal is a classical network problem on
it, solved exactly rather than by a greedy guess that may paint itself into a corner:

1. *Feasibility* is a maximum flow from the classes (supply: their schools) to the teams
   (capacity: their free days × per day), by augmenting paths after a least-loaded greedy start.
   When the flow falls short, the classes still reachable from an unserved class in the residual
   network form a set S whose eligible teams N(S) are all full: by Hall's theorem this is the
   reason, reported as "these counties have n schools, only these teams may inspect them, and
   they can make at most c visits". A class with no eligible team at all is reported first, with
   what disqualifies each team (a member's home county, a declared conflict).
2. *Balance* follows Harvey, Ladner, Lovász and Tamir (Semi-matchings for bipartite graphs and
   load balancing, 2003): while a unit of work can travel along an alternating path from a team
   with load ℓ to a team with load at most ℓ − 2 and spare capacity, move it. When no such path
   is left, the load vector is the lexicographically smallest feasible one (the feasible load
   vectors are the bases of a polymatroid), so it minimises the largest load, then the next, and
   every convex measure of imbalance at once. Moves carry as many units as the path allows.
3. *Travel* is a minimum-cost flow with those loads fixed: a class–team arc costs the distance
   from the team's home (the centre of its members' counties) to the class's county, from school
   coordinates where known and zero otherwise. A primal–dual method solves it (Dijkstra on reduced
   costs, then a blocking flow on the arcs of zero reduced cost); then every cycle left in the
   support of the flow, necessarily of zero cost at an optimum, is cancelled. The support becomes
   a forest, so at most (classes + teams − 1) class–team pairs carry schools: with a hundred teams
   and eleven counties (and no conflicts) at most ten teams get a second county, and the rest
   keep to one.
4. *Days.* Within a class shared by several teams, schools are cut into angular sectors around
   the county's centre, one contiguous sector per team. A team's schools are grouped by county,
   ordered by a nearest-neighbour round (schools without coordinates last, by code) and cut into
   days of ``per_day`` schools on its free working days; a day never mixes counties.

Everything here is pure Python on plain data; :mod:`inspect_app.campaigns.services` loads the
campaign, calls :func:`assign` and :func:`schedule`, checks the result against the rules once more
and writes it.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections import deque
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta


@dataclass(frozen=True)
class SchoolIn:
    """A school to assign: its county, coordinates where known, and code (for stable order)."""

    id: int
    county_id: int
    code: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class TeamIn:
    """A team: its members' home counties, the schools they declared conflicts with, its load so far."""

    id: int
    home_counties: frozenset[int]
    conflicts: frozenset[int] = frozenset()
    base_load: int = 0
    # How many more visits the team can make (free days × per day); None when there is no limit.
    capacity: int | None = None


@dataclass(frozen=True)
class NoEligibleTeam:
    """Schools of one county that no team may inspect, and what rules each team out."""

    county_id: int
    school_ids: tuple[int, ...]
    by_county: tuple[int, ...]                    # teams with a member from the county
    by_conflict: tuple[tuple[int, int], ...]      # (team, school) pairs ruled out by a declared conflict


@dataclass(frozen=True)
class ShortOfCapacity:
    """Hall's condition fails: these schools can only go to these teams, which lack the room."""

    county_ids: tuple[int, ...]
    schools: int
    team_ids: tuple[int, ...]
    capacity: int


Reason = NoEligibleTeam | ShortOfCapacity


class Infeasible(Exception):
    """No assignment keeps the rules; ``reasons`` say why."""

    def __init__(self, reasons: Sequence[Reason]) -> None:
        super().__init__(f"{len(reasons)} reason(s)")
        self.reasons = list(reasons)


@dataclass
class Assignment:
    """The team of every school, and every team's total load (its earlier visits included)."""

    team_of: dict[int, int]
    loads: dict[int, int]
    pairs: int = 0  # class–team pairs carrying schools after the forest step


def eligible(school: SchoolIn, team: TeamIn, *, cross_county: bool) -> bool:
    """Whether ``team`` may inspect ``school`` under the cross-county rule and declared conflicts."""
    if cross_county and school.county_id in team.home_counties:
        return False
    return school.id not in team.conflicts


# ---------------------------------------------------------------------------------------------------------
# Geometry


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _centre(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    pts = list(points)
    if not pts:
        return None
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


def _located(school: SchoolIn) -> tuple[float, float] | None:
    return (school.lat, school.lon) if school.lat is not None and school.lon is not None else None


# ---------------------------------------------------------------------------------------------------------
# Classes


@dataclass
class _Class:
    county_id: int
    teams: tuple[int, ...]          # eligible teams, in input order
    schools: list[SchoolIn] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.schools)


def _classes(schools: Sequence[SchoolIn], teams: Sequence[TeamIn], cross_county: bool) -> list[_Class]:
    by_key: dict[tuple[int, tuple[int, ...]], _Class] = {}
    for school in sorted(schools, key=lambda s: (s.county_id, s.code)):
        ok = tuple(team.id for team in teams if eligible(school, team, cross_county=cross_county))
        key = (school.county_id, ok)
        if key not in by_key:
            by_key[key] = _Class(school.county_id, ok)
        by_key[key].schools.append(school)
    return list(by_key.values())


def _no_team_reasons(empty: list[_Class], teams: Sequence[TeamIn], cross_county: bool) -> list[NoEligibleTeam]:
    reasons = []
    by_county: dict[int, list[SchoolIn]] = defaultdict(list)
    for cls in empty:
        by_county[cls.county_id].extend(cls.schools)
    for county_id, schools in sorted(by_county.items()):
        local = tuple(t.id for t in teams if cross_county and county_id in t.home_counties)
        conflicts = tuple(
            (team.id, school.id)
            for school in schools
            for team in teams
            if team.id not in local and school.id in team.conflicts
        )
        reasons.append(NoEligibleTeam(county_id, tuple(s.id for s in schools), local, conflicts))
    return reasons


# ---------------------------------------------------------------------------------------------------------
# 1. Feasibility: greedy start, then augmenting paths (a maximum flow)


class _Flow:
    """Units of each class given to each team, with loads and capacities kept alongside."""

    def __init__(self, classes: list[_Class], teams: Sequence[TeamIn]) -> None:
        self.classes = classes
        self.teams = {team.id: team for team in teams}
        self.x: list[dict[int, int]] = [defaultdict(int) for _ in classes]
        self.new = dict.fromkeys(self.teams, 0)
        self.unserved = [cls.size for cls in classes]
        self.holders: dict[int, set[int]] = {tid: set() for tid in self.teams}  # team → classes with x > 0

    def load(self, tid: int) -> int:
        return self.teams[tid].base_load + self.new[tid]

    def slack(self, tid: int) -> int:
        cap = self.teams[tid].capacity
        return (1 << 60) if cap is None else cap - self.new[tid]

    def move(self, c: int, tid: int, amount: int) -> None:
        """Change x[c][tid] by ``amount`` (negative to take units away)."""
        self.x[c][tid] += amount
        self.new[tid] += amount
        if self.x[c][tid]:
            self.holders[tid].add(c)
        else:
            del self.x[c][tid]
            self.holders[tid].discard(c)

    def greedy(self) -> None:
        """Fill the most constrained classes first, each unit to the least-loaded team with room."""
        order = sorted(range(len(self.classes)), key=lambda c: (len(self.classes[c].teams), c))
        for c in order:
            heap = [(self.load(tid), i, tid) for i, tid in enumerate(self.classes[c].teams) if self.slack(tid) > 0]
            heapq.heapify(heap)
            while self.unserved[c] and heap:
                _load, i, tid = heapq.heappop(heap)
                self.move(c, tid, 1)
                self.unserved[c] -= 1
                if self.slack(tid) > 0:
                    heapq.heappush(heap, (self.load(tid), i, tid))

    def augment(self) -> list[ShortOfCapacity]:
        """Serve what the greedy start left over along augmenting paths; explain what cannot be."""
        reasons: list[ShortOfCapacity] = []
        blocked: set[int] = set()
        for c in range(len(self.classes)):
            while self.unserved[c] and c not in blocked:
                path, seen_classes, seen_teams = self._path_from_class(c)
                if path is None:
                    blocked.update(seen_classes)
                    reasons.append(self._hall(seen_classes, seen_teams))
                    break
                end_team = path[-1][1]
                amount = min([self.unserved[c], self.slack(end_team)]
                             + [self.x[cc][tid] for cc, tid, back in path if back])
                for cc, tid, back in path:
                    self.move(cc, tid, -amount if back else amount)
                self.unserved[c] -= amount
        return reasons

    def _path_from_class(self, start: int) -> tuple[list[tuple[int, int, bool]] | None, set[int], set[int]]:
        """BFS: class → eligible team → (a class holding units there) → … → a team with room."""
        parent_team: dict[int, int] = {}      # team → class it was reached from
        parent_class: dict[int, int] = {start: -1}  # class → team it was reached from
        queue = deque([start])
        while queue:
            c = queue.popleft()
            for tid in self.classes[c].teams:
                if tid in parent_team:
                    continue
                parent_team[tid] = c
                if self.slack(tid) > 0:
                    return self._unwind(tid, parent_team, parent_class), set(parent_class), set(parent_team)
                for holder in self.holders[tid]:
                    if holder not in parent_class:
                        parent_class[holder] = tid
                        queue.append(holder)
        return None, set(parent_class), set(parent_team)

    @staticmethod
    def _unwind(tid: int, parent_team: dict[int, int], parent_class: dict[int, int]) -> list[tuple[int, int, bool]]:
        path: list[tuple[int, int, bool]] = []
        while True:
            c = parent_team[tid]
            path.append((c, tid, False))           # c gains a unit at tid
            back = parent_class[c]
            if back == -1:
                break
            path.append((c, back, True))           # c gives up a unit at back
            tid = back
        path.reverse()
        return path

    def _hall(self, classes: set[int], teams: set[int]) -> ShortOfCapacity:
        counties = tuple(sorted({self.classes[c].county_id for c in classes}))
        demand = sum(self.classes[c].size for c in classes)
        room = sum(self.teams[tid].capacity or 0 for tid in teams)
        ordered = tuple(t for t in self.teams if t in teams)
        return ShortOfCapacity(counties, demand, ordered, room)

    # 2. Balance -----------------------------------------------------------------------------------------

    def balance(self) -> None:
        """Move work along alternating paths from heavy to light teams until no path lowers a load."""
        stuck: set[int] = set()
        while True:
            candidates = sorted((t for t in self.teams if t not in stuck and self.new[t] > 0),
                                key=lambda t: (-self.load(t), t))
            for u in candidates:
                path = self._lighter(u)
                if path is None:
                    stuck.add(u)
                    continue
                v = path[-1][1]
                amount = min([(self.load(u) - self.load(v)) // 2, self.slack(v)]
                             + [self.x[c][tid] for c, tid, back in path if back])
                for c, tid, back in path:
                    self.move(c, tid, -amount if back else amount)
                # Loads changed only at u and v; teams stuck before may now have somewhere to go.
                stuck.clear()
                break
            else:
                return

    def _lighter(self, u: int) -> list[tuple[int, int, bool]] | None:
        """An alternating path from team u to the lightest reachable team with load ≤ load(u) − 2 and room."""
        limit = self.load(u) - 2
        parent_class: dict[int, int] = {}   # class → team it takes a unit from
        parent_team: dict[int, int] = {u: -1}
        queue = deque([u])
        best: int | None = None
        while queue:
            tid = queue.popleft()
            for c in sorted(self.holders[tid]):
                if c in parent_class:
                    continue
                parent_class[c] = tid
                for other in self.classes[c].teams:
                    if other in parent_team:
                        continue
                    parent_team[other] = c
                    queue.append(other)
                    if self.load(other) <= limit and self.slack(other) > 0 and (
                        best is None or self.load(other) < self.load(best)
                    ):
                        best = other
        if best is None:
            return None
        path: list[tuple[int, int, bool]] = []
        tid = best
        while tid != u:
            c = parent_team[tid]
            path.append((c, tid, False))
            path.append((c, parent_class[c], True))
            tid = parent_class[c]
        path.reverse()
        return path


# ---------------------------------------------------------------------------------------------------------
# 3. Travel: minimum-cost flow with the balanced loads fixed, then a forest


def _min_cost(classes: list[_Class], teams: Sequence[TeamIn], loads: dict[int, int],
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
    n = sink + 1
    # Arc e and its reverse e ^ 1 live side by side in flat arrays.
    head: list[int] = []
    cap: list[int] = []
    weight: list[int] = []
    out: list[list[int]] = [[] for _ in range(n)]

    def arc(a: int, b: int, capacity: int, w: int) -> int:
        e = len(head)
        head.extend((b, a))
        cap.extend((capacity, 0))
        weight.extend((w, -w))
        out[a].append(e)
        out[b].append(e + 1)
        return e

    class_arcs: list[tuple[int, int, int]] = []  # (class, team id, arc)
    for c, cls in enumerate(classes):
        arc(source, c, cls.size, 0)
        for tid in cls.teams:
            class_arcs.append((c, tid, arc(c, index[tid], cls.size, cost[(c, tid)])))
    for team in teams:
        if loads[team.id]:
            arc(index[team.id], sink, loads[team.id], 0)

    need = sum(loads.values())
    potential = [0] * n
    infinity = 1 << 62
    while need:
        dist = [infinity] * n
        dist[source] = 0
        heap = [(0, source)]
        while heap:
            d, a = heapq.heappop(heap)
            if d > dist[a]:
                continue
            base = d + potential[a]
            for e in out[a]:
                if cap[e] > 0:
                    b = head[e]
                    nd = base + weight[e] - potential[b]
                    if nd < dist[b]:
                        dist[b] = nd
                        heapq.heappush(heap, (nd, b))
        if dist[sink] == infinity:
            raise AssertionError("the balanced loads admit no flow")
        for v in range(n):
            if dist[v] < infinity:
                potential[v] += dist[v]
        # The admissible network: arcs with room whose reduced cost is now zero.
        admissible: list[list[int]] = [
            [e for e in out[a] if cap[e] > 0 and dist[head[e]] < infinity
             and weight[e] + potential[a] - potential[head[e]] == 0] if dist[a] < infinity else []
            for a in range(n)
        ]
        while need:
            level = [-1] * n
            level[source] = 0
            queue = deque([source])
            while queue:
                a = queue.popleft()
                for e in admissible[a]:
                    b = head[e]
                    if level[b] < 0 and cap[e] > 0:
                        level[b] = level[a] + 1
                        queue.append(b)
            if level[sink] < 0:
                break
            cursor = [0] * n
            while need:
                # Depth-first along rising levels, keeping the arcs of the current path.
                path: list[int] = []
                a = source
                while a != sink:
                    arcs = admissible[a]
                    while cursor[a] < len(arcs):
                        e = arcs[cursor[a]]
                        if cap[e] > 0 and level[head[e]] == level[a] + 1:
                            break
                        cursor[a] += 1
                    if cursor[a] == len(arcs):
                        if not path:
                            break
                        level[a] = -1          # a dead end: never try it again this phase
                        e = path.pop()
                        a = head[e ^ 1]
                        cursor[a] += 1
                        continue
                    path.append(e)
                    a = head[e]
                if a != sink:
                    break
                pushed = min([need] + [cap[e] for e in path])
                for e in path:
                    cap[e] -= pushed
                    cap[e ^ 1] += pushed
                need -= pushed

    x: list[dict[int, int]] = [{} for _ in classes]
    for c, tid, e in class_arcs:
        if cap[e ^ 1] > 0:
            x[c][tid] = cap[e ^ 1]
    return x


def _forest(x: list[dict[int, int]], cost: dict[tuple[int, int], int]) -> None:
    """Cancel every cycle of the class–team support; keeps loads, class totals and (optimal) cost."""
    while True:
        cycle = _find_cycle(x)
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


def _find_cycle(x: list[dict[int, int]]) -> list[tuple[int, int]] | None:
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


def _angle_order(schools: Sequence[SchoolIn]) -> list[SchoolIn]:
    """Schools by angle around their centre (a sweep), those without coordinates last by code."""
    located = [s for s in schools if _located(s)]
    centre = _centre(p for s in located if (p := _located(s)))
    rest = sorted((s for s in schools if not _located(s)), key=lambda s: s.code)
    if centre is None:
        return rest
    swept = sorted(located, key=lambda s: (math.atan2((s.lat or 0) - centre[0], (s.lon or 0) - centre[1]), s.code))
    return swept + rest


def assign(schools: Sequence[SchoolIn], teams: Sequence[TeamIn], *, cross_county: bool = True,
           homes: dict[int, tuple[float, float]] | None = None) -> Assignment:
    """Give every school a team that may inspect it, balanced, compact and near home; or say why not.

    ``homes`` maps a county id to its centre (for travel costs); counties without one cost nothing.
    """
    if not schools:
        return Assignment({}, {team.id: team.base_load for team in teams})
    if not teams:
        raise Infeasible(_no_team_reasons(_classes(schools, teams, cross_county), teams, cross_county))
    classes = _classes(schools, teams, cross_county)
    empty = [cls for cls in classes if not cls.teams]
    if empty:
        raise Infeasible(_no_team_reasons(empty, teams, cross_county))

    flow = _Flow(classes, teams)
    flow.greedy()
    short = flow.augment()
    if short:
        raise Infeasible(short)
    flow.balance()

    homes = homes or {}
    team_home = {team.id: _centre(homes[c] for c in team.home_counties if c in homes) for team in teams}
    cost: dict[tuple[int, int], int] = {}
    for c, cls in enumerate(classes):
        where = homes.get(cls.county_id)
        for tid in cls.teams:
            home = team_home[tid]
            # Whole kilometres: finer differences between county centres mean nothing on the road.
            cost[(c, tid)] = round(distance_km(home, where)) if home and where else 0
    x = _min_cost(classes, teams, flow.new, cost)
    _forest(x, cost)

    team_of: dict[int, int] = {}
    order = {team.id: i for i, team in enumerate(teams)}
    for c, cls in enumerate(classes):
        swept = _angle_order(cls.schools)
        start = 0
        for tid in sorted(x[c], key=lambda t: order[t]):
            for school in swept[start:start + x[c][tid]]:
                team_of[school.id] = tid
            start += x[c][tid]
    loads = {team.id: team.base_load for team in teams}
    for tid in team_of.values():
        loads[tid] += 1
    return Assignment(team_of, loads, sum(len(row) for row in x))


@dataclass(frozen=True)
class Overflow:
    """A team's schools need more days than it has free."""

    team_id: int
    days_needed: int
    days_free: int


def working_days(start: date, end: date | None, *, count: int | None = None,
                 days_off: Collection[date] = ()) -> list[date]:
    """Monday–Friday from ``start`` to ``end`` inclusive (or the first ``count`` of them when open-ended),
    leaving out ``days_off``."""
    days: list[date] = []
    day = start
    while (end is None or day <= end) and (count is None or len(days) < count):
        if day.weekday() < 5 and day not in days_off:
            days.append(day)
        day += timedelta(days=1)
    return days


def day_groups(schools: Sequence[SchoolIn], per_day: int, county_order: dict[int, int] | None = None
               ) -> list[list[SchoolIn]]:
    """A team's schools cut into days: one county a day, a nearest-neighbour round within each county."""
    by_county: dict[int, list[SchoolIn]] = defaultdict(list)
    for school in schools:
        by_county[school.county_id].append(school)
    rank = county_order or {}
    groups: list[list[SchoolIn]] = []
    for county_id in sorted(by_county, key=lambda c: (rank.get(c, c), c)):
        tour = _round(by_county[county_id])
        groups.extend(tour[i:i + per_day] for i in range(0, len(tour), per_day))
    return groups


def _round(schools: Sequence[SchoolIn]) -> list[SchoolIn]:
    """Nearest-neighbour round from the westernmost school; schools without coordinates last, by code."""
    located = sorted((s for s in schools if _located(s)), key=lambda s: (s.lon or 0, s.code))
    rest = sorted((s for s in schools if not _located(s)), key=lambda s: s.code)
    if not located:
        return rest
    tour = [located.pop(0)]
    while located:
        here = _located(tour[-1])
        assert here is not None
        nearest = min(located, key=lambda s: (distance_km(here, _located(s) or here), s.code))
        located.remove(nearest)
        tour.append(nearest)
    return tour + rest


def schedule(groups: Sequence[Sequence[SchoolIn]], free_days: Sequence[date], *, team_id: int
             ) -> dict[int, date] | Overflow:
    """Put each day-group on the next free working day, or report that the days run out."""
    if len(groups) > len(free_days):
        return Overflow(team_id, len(groups), len(free_days))
    return {school.id: day for group, day in zip(groups, free_days, strict=False) for school in group}
