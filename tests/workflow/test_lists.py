"""List pages: filters keep what was chosen, and narrow the rows."""

from __future__ import annotations

import re


def _selected(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', html)


def test_filters_keep_their_choice(world, auth, client) -> None:
    auth.login(world.supervisor)
    page = client.get(f"/findings/?status=confirmed&county={world.away.id}&campaign={world.campaign.id}")
    assert set(_selected(page.text)) == {"confirmed", str(world.away.id), str(world.campaign.id)}
    page = client.get(f"/campaigns/{world.campaign.id}?status=planned&county={world.home.id}")
    assert set(_selected(page.text)) == {"planned", str(world.home.id)}
    assert "华州第一小学" not in page.text
    page = client.get(f"/campaigns/{world.campaign.id}?county={world.away.id}")
    assert "华州第一小学" in page.text


def test_school_search_matches_name_code_and_level(world, auth, client, make_school) -> None:
    from inspect_app.extensions import db
    from inspect_app.schools.models import SchoolLevel

    make_school(world.home, level=SchoolLevel.PRESCHOOL, name="临渭向阳幼儿园")
    db.session.commit()
    auth.login(world.supervisor)
    assert "临渭向阳幼儿园" in client.get("/schools/?q=向阳").text
    assert "临渭向阳幼儿园" not in client.get("/schools/?q=华州").text
    by_level = client.get("/schools/?level=preschool").text
    assert "临渭向阳幼儿园" in by_level and "华州第一小学" not in by_level
    assert _selected(by_level) == ["preschool"]
    assert "华州第一小学" in client.get("/schools/?q=2161030001").text
