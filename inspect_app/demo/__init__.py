"""The demo world: 渭南市, its 11 counties, schools, accounts, campaigns, rectification, funds and rosters.

- :mod:`.world`: counties, schools, accounts, the checklist and its revision;
- :mod:`.campaigns` and :mod:`.visits`: the four campaigns and the field work of their visits;
- :mod:`.rectification`: the review of findings and the schools' rectification;
- :mod:`.notifications`: the reminders of the past days and what has been read;
- :mod:`.funds`: the funds and rosters of the source report's spring semester;
- :mod:`.loader` puts them together in order; :mod:`.command` is ``inspect-app demo``.
"""

from __future__ import annotations

from .command import ACCOUNTS
from .command import demo_command
from .loader import demo_loaded
from .loader import load_demo
from .world import DEMO_PASSWORD

__all__ = ["ACCOUNTS", "DEMO_PASSWORD", "demo_command", "demo_loaded", "load_demo"]
