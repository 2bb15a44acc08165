"""The event the sample Zoom reports in tests/data/zoom belong to, and its registered trainees."""
from __future__ import annotations

from pathlib import Path

ZOOM_DATA = Path(__file__).resolve().parent / "data" / "zoom"

CALENDAR = """
staff: [U0STAFF]
organisations:
  - {name: Org, level: gold, seats: 20, code: ORG, membership_start: 2026-01-01, membership_end: 2027-12-31}
events:
  - slug: it-dec
    title: Instructor Training December
    format: online
    timezone: America/New_York
    capacity: 20
    zoom_meeting_id: "81234567890"
    trainers: [U0TRAINER]
    sessions:
      - {start: 2026-12-01T13:00, end: 2026-12-01T17:00}
      - {start: 2026-12-02T13:00, end: 2026-12-02T17:00}
      - {start: 2026-12-03T13:00, end: 2026-12-03T17:00}
      - {start: 2026-12-04T13:00, end: 2026-12-04T17:00}
"""

ROSTER = """name,email,slack_user_id,organisation_code
Amara Nwosu,amara.nwosu@example.edu,U0AMARA,ORG
Samuel Okafor,samuel.okafor@example.org,U0SAM,ORG
José Álvarez,jose.alvarez@uni.example,U0JOSE,ORG
Mei Lin Chen,meilin.chen@example.com,U0MEI,ORG
Priya Raman,priya.raman@example.in,U0PRIYA,ORG
Jordan Lee,jordan.lee@example.net,U0JORDAN,ORG
"""


async def load_event(services) -> None:
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    await services.calendar.load_roster("it-dec", ROSTER.encode(), "roster.csv")


def sample(name: str) -> tuple[str, bytes]:
    return name, (ZOOM_DATA / name).read_bytes()
