"""Bolt listeners: read the Slack payload, call a bot service, render Block Kit. Nothing else."""
from __future__ import annotations

from bot.services import Services, StaffRenderers
from handlers import (
    accommodation,
    accommodation_views,
    attendance,
    checkout,
    checkout_views,
    home,
    mentoring,
    registration,
    registration_views,
    rerun,
    training,
)
from handlers.boundary import Boundary


def register_all(app, services: Services) -> Boundary:
    """Registers every listener with Bolt through one boundary; its `slash` feeds the surge desk."""
    boundary = Boundary(app, services.slack, services.settings)
    reg = registration.register(boundary, services)
    chk = checkout.register(boundary, services)
    training.register(boundary, services, reg, chk)
    attendance.register(boundary, services)
    accommodation.register(boundary, services)
    mentoring.register(boundary, services)
    home.register(boundary, services)
    rerun.register(boundary)
    return boundary


def staff_renderers() -> StaffRenderers:
    """The staff board's Block Kit, handed to the services when they are built."""
    return StaffRenderers(accommodation=accommodation_views.staff_blocks,
                          seat_request=registration_views.staff_request_blocks,
                          get_involved=checkout_views.staff_submission_blocks)
