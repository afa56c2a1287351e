"""The 帮助 menu: each role's guide, rendered from the Markdown shipped in the package, and its screenshots."""

from __future__ import annotations

import re
import tomllib
import typing as t
from pathlib import Path

import pytest

from inspect_app.core.roles import Role
from inspect_app.help import guides

TITLES = {
    "inspector": "检查员使用指南",
    "supervisor": "市/县资助中心使用指南",
    "school": "学校使用指南",
    "admin": "管理员使用指南",
    "reports": "报告撰写使用指南",
}
OWN = {"admin": "admin", "supervisor": "supervisor", "county_supervisor": "supervisor",
       "inspector": "inspector", "school": "school", "viewer": "reports"}


@pytest.mark.parametrize("who", OWN)
def test_each_roles_help_link_opens_its_guide(world: t.Any, client: t.Any, auth: t.Any, who: str) -> None:
    auth.login(world.by_role()[who])
    page = client.get("/rectification/mine" if who == "school" else "/visits/mine" if who == "inspector"
                      else "/overview").get_data(as_text=True)
    own = re.search(r'<a href="([^"]+)" id="help-own">([^<]+)</a>', page)
    assert own, "the top bar has a 帮助 menu with the role's own guide first"
    assert "帮助" in page
    assert own.group(1) == f"/help/{OWN[who]}" and own.group(2) == TITLES[OWN[who]]
    response = client.get(own.group(1))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"<h1>{TITLES[OWN[who]]}</h1>" in html
    assert 'aria-current="page"' in html


def test_the_index_lists_every_guide_and_links_them(world: t.Any, client: t.Any, auth: t.Any) -> None:
    auth.login(world.supervisor)
    html = client.get("/help/").get_data(as_text=True)
    assert "<h1>资助督查使用指南</h1>" in html
    for name, title in TITLES.items():
        assert f'<a href="{name}">{title}</a>' in html, name
        assert client.get(f"/help/{name}").status_code == 200


def test_unknown_guides_and_images_are_not_found(world: t.Any, client: t.Any, auth: t.Any) -> None:
    auth.login(world.school_contact)
    for url in ("/help/nope", "/help/..%2Fviews", "/help/guides", "/help/images/nope.png",
                "/help/images/..%2Fadmin.md", "/help/images/admin.md"):
        assert client.get(url).status_code == 404, url


def test_the_guide_needs_a_login(client: t.Any) -> None:
    response = client.get("/help/inspector")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_every_image_a_guide_shows_is_served_as_png(world: t.Any, client: t.Any, auth: t.Any) -> None:
    auth.login(world.inspector)
    shown = set()
    for name in TITLES:
        html = client.get(f"/help/{name}").get_data(as_text=True)
        shown |= set(re.findall(r'<img src="(images/[^"]+)"', html))
    html = client.get("/help/").get_data(as_text=True)
    shown |= set(re.findall(r'<img src="(images/[^"]+)"', html))
    assert shown == {f"images/{path.name}" for path in guides.IMAGE_DIR.glob("*.png")}, "every screenshot is shown"
    for src in sorted(shown):
        response = client.get(f"/help/{src}")
        assert response.status_code == 200, src
        assert response.mimetype == "image/png"
        assert response.data.startswith(b"\x89PNG"), src
        response.close()


def test_links_leaving_the_guide_show_their_path_and_html_is_not_passed_through(app: t.Any) -> None:
    with app.test_request_context():
        _title, html = guides.render("admin") or ("", "")
    assert 'href="../../../docs' not in html
    assert '<span class="docpath" title="docs/operations.md">' in html
    md = guides._markdown()
    assert "<script>" not in md.render("<script>alert(1)</script>\n\n[a](school.md) [b](README.md#x)", {})
    assert 'href="school"' in md.render("[a](school.md)", {})
    assert 'href="./#x"' in md.render("[b](README.md#x)", {})


def test_every_role_has_a_guide_and_the_files_are_package_data() -> None:
    for role in Role:
        assert guides.guide_for(role).path.is_file(), role
    assert (guides.GUIDE_DIR / "README.md").is_file()
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    data = pyproject["tool"]["setuptools"]["package-data"]["inspect_app"]
    assert "help/guide/*.md" in data and "help/guide/images/*.png" in data
