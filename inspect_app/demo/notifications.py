"""The inboxes of a system that has been running: the reminders of the past days, partly read."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..auth.models import User
from ..extensions import db
from ..notifications import services as notification_services
from ..reminders import services as reminder_services
from .world import World
from .world import at
from .world import happened_at


def inboxes(world: World) -> None:
    """Run the daily reminders of the past ten days; everyone has read what came until four days ago."""
    for back in range(9, -1, -1):
        day = world.today - timedelta(days=back)
        with happened_at(at(day, 7, 30)):
            reminder_services.create_due_reminders(day)
        if back == 4:
            with happened_at(at(day, 18)):
                for user in db.session.scalars(sa.select(User).order_by(User.id)):
                    notification_services.mark_all_read(actor=user)
