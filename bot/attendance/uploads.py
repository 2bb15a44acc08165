"""Zoom reports a trainer sends the bot in a DM: downloaded whole, imported whole, or refused with a reason."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.attendance.service import AttendanceService
from bot.common.errors import InputError, Refusal
from bot.common.mrkdwn import escape
from bot.slack.errors import reason
from bot.slack.gateway import SlackGateway

log = logging.getLogger(__name__)
MAX_UPLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class Imported:
    slug: str
    summary: str
    absent: int
    at_risk: int
    unmatched: int


class UploadImporter:
    def __init__(self, gateway: SlackGateway, attendance: AttendanceService) -> None:
        self.gateway, self.attendance = gateway, attendance

    async def import_file(self, user_id: str, file_id: str) -> Imported:
        """Refusal (with what to do) for anything that is not a whole report of one of the trainer's events."""
        try:
            info = await self.gateway.file_info(file_id)
        except Exception as exc:  # noqa: BLE001 - any Slack failure: say so, change nothing
            log.warning("files.info %s failed: %s", file_id, reason(exc))
            raise Refusal(f"Slack would not tell me about the file you sent ({reason(exc)}), so nothing was "
                          "imported. Please send it again.") from None
        name = str(info.get("name") or "report.csv")
        slug = await self._event_for(user_id, name)
        size = int(info.get("size") or 0)
        if size > MAX_UPLOAD:
            raise Refusal(f"`{escape(name)}` is larger than 20 MB; that is not a Zoom participant report.")
        data = await self._download(info, name, size)
        try:
            summary = await self.attendance.import_files(slug, [(name, data)], None, user_id)
        except InputError as exc:
            raise Refusal(f":x: Nothing was imported. {escape(str(exc))}") from None
        report = await self.attendance.report(slug)
        return Imported(slug, str(summary), sum(t.absent for t in report.trainees),
                        sum(t.at_risk for t in report.trainees), len(report.unmatched))

    async def _event_for(self, user_id: str, name: str) -> str:
        events = await self.attendance.trainer_events(user_id)
        if not events:
            raise Refusal("Only trainers can import attendance; you train no event here.")
        named = [slug for slug in events if slug in name]
        if len(named) != 1 and len(events) > 1:
            raise Refusal(f"Which event is `{escape(name)}` for? You train {', '.join(f'`{e}`' for e in events[:10])}: "
                          "put the event's slug in the file name and send it again.")
        return named[0] if named else events[0]

    async def _download(self, info: dict, name: str, size: int) -> bytes:
        try:
            return await self.gateway.download(str(info.get("url_private_download") or ""), MAX_UPLOAD,
                                               expected=size or None)
        except ValueError as exc:  # too large, or incomplete
            raise Refusal(f"`{escape(name)}` did not arrive whole ({escape(str(exc))}), so nothing was imported. "
                          "Please send it "
                          "again.") from None
        except Exception as exc:  # noqa: BLE001 - a failed download changes nothing
            log.warning("downloading %s failed: %s", name, type(exc).__name__)
            raise Refusal(f"I could not download `{escape(name)}` from Slack ({type(exc).__name__}), so nothing was "
                          "imported. Please send it again.") from None
