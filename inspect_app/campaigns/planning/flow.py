"""Feasibility and balance: a maximum flow from classes of schools to teams, then loads evened out.

See :mod:`inspect_app.campaigns.planner` for the method and its sources.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections import deque
from collections.abc import Sequence

from .model import SchoolClass
from .model import ShortOfCapacity
from .model import TeamIn
from .reasons import short_of_capacity


class Flow:
    """Units of each class given to each team, with loads and capacities kept alongside."""

    def __init__(self, classes: list[SchoolClass], teams: Sequence[TeamIn]) -> None:
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
                    reasons.append(short_of_capacity(self.classes, self.teams, seen_classes, seen_teams))
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
