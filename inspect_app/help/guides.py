"""The guides: which pages there are, whom each is for, and their Markdown rendered to HTML.

The Markdown files live in ``guide/`` beside this module, so an installed package carries them;
``docs/guide/README.md`` points here. Links between guides (``school.md``) become links to the
help pages, images (``images/x.png``) are served by the help view, and a link to a developer
document outside the guide is shown as its path.
"""

from __future__ import annotations

import functools
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from ..core.roles import Role

if t.TYPE_CHECKING:
    from markdown_it.token import Token

GUIDE_DIR = Path(__file__).resolve().parent / "guide"
IMAGE_DIR = GUIDE_DIR / "images"
INDEX = "README"
IMAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.png$")


@dataclass(frozen=True)
class Guide:
    name: str
    title: t.Any
    roles: tuple[Role, ...]

    @property
    def path(self) -> Path:
        return GUIDE_DIR / f"{self.name}.md"


# In the order the index lists them. A role's own guide is the first that names it.
GUIDES = (
    Guide("inspector", _l("Guide for inspectors"), (Role.INSPECTOR,)),
    Guide("supervisor", _l("Guide for city and county centres"), (Role.SUPERVISOR,)),
    Guide("school", _l("Guide for schools"), (Role.SCHOOL,)),
    Guide("admin", _l("Guide for administrators"), (Role.ADMIN,)),
    Guide("reports", _l("Guide for report writers"), (Role.VIEWER, Role.SUPERVISOR, Role.ADMIN)),
)
BY_NAME = {guide.name: guide for guide in GUIDES}


def guide_for(role: Role) -> Guide:
    """The guide a role opens from the 帮助 menu."""
    return next(guide for guide in GUIDES if role in guide.roles)


def guides_for(role: Role) -> list[Guide]:
    """The guides a role's 帮助 menu lists: its own first, then the others written for it."""
    own = guide_for(role)
    return [own, *(guide for guide in GUIDES if role in guide.roles and guide is not own)]


def _rewrite_links(state: t.Any) -> None:
    """A core rule: guide links to help pages, links leaving the guide to their path in text."""
    for block in state.tokens:
        for token in block.children or ():
            if token.type != "link_open":
                continue
            href = str(token.attrGet("href") or "")
            if re.match(r"^[a-z]+:|^#", href):
                continue
            name = href.split("#")[0].removesuffix(".md")
            if name == INDEX:
                token.attrSet("href", "./" + href[len(href.split("#")[0]):])
            elif name in BY_NAME:
                token.attrSet("href", name + href[len(href.split("#")[0]):])
            else:
                token.meta["outside"] = href.lstrip("./")


def _link_open(self: t.Any, tokens: list[Token], idx: int, options: t.Any, env: t.Any) -> str:
    token = tokens[idx]
    if "outside" in token.meta:
        # Paired with the next link_close: the developer documents are not served by the app.
        env.setdefault("outside", []).append(True)
        return f'<span class="docpath" title="{escapeHtml(token.meta["outside"])}">'
    env.setdefault("outside", []).append(False)
    return self.renderToken(tokens, idx, options, env)


def _link_close(self: t.Any, tokens: list[Token], idx: int, options: t.Any, env: t.Any) -> str:
    if env.get("outside") and env["outside"].pop():
        return "</span>"
    return self.renderToken(tokens, idx, options, env)


def _markdown() -> MarkdownIt:
    # The guide is ours, but HTML in it would still bypass the page's escaping: it is switched off.
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("guide_links", _rewrite_links)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    return md


@functools.lru_cache(maxsize=16)
def _render(path: Path, mtime: float) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
    return title, _markdown().render(text, {})


def render(name: str) -> tuple[str, str] | None:
    """The guide's title (its first heading) and HTML, or None when there is no such guide."""
    if name != INDEX and name not in BY_NAME:
        return None
    path = GUIDE_DIR / f"{name}.md"
    if not path.is_file():
        return None
    return _render(path, path.stat().st_mtime)


def image(name: str) -> Path | None:
    """A screenshot of the guide, or None for any other name."""
    if not IMAGE_NAME.match(name):
        return None
    path = IMAGE_DIR / name
    return path if path.is_file() else None
