"""Agenda and meeting exports: a participant's PDF and iCalendar file, the organiser's CSV of all meetings."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import icalendar
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from matchmaker.models import Event, EventRegistration, Meeting, MeetingRequest
from matchmaker.services.events.organising import EVENT_TIMEZONE
from matchmaker.services.events.planning import AgendaItem, unplaced_label
from matchmaker.services.shortlists import escape_csv_cell

CSV_COLUMNS = (
    "date",
    "début",
    "fin",
    "table",
    "participant 1",
    "type 1",
    "participant 2",
    "type 2",
    "score",
    "origine",
    "statut",
    "raison si non placé",
)


def _when(item_start: datetime, item_end: datetime) -> str:
    return f"{item_start:%d/%m/%Y} {item_start:%H:%M}–{item_end:%H:%M}"


def agenda_pdf(event: Event, registration: EventRegistration, items: Sequence[AgendaItem]) -> bytes:
    """Return a participant's agenda as a printable A4 PDF."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Agenda — {event.name}",
        author="matchmaker",
    )
    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    story = [
        Paragraph(escape(event.name), styles["Title"]),
        Paragraph(escape(f"Agenda de {registration.display_name}"), styles["Heading2"]),
        Paragraph(
            escape(f"{event.place} · du {event.starts_on:%d/%m/%Y} au {event.ends_on:%d/%m/%Y}"), styles["Normal"]
        ),
        Spacer(1, 6 * mm),
    ]
    if not items:
        story.append(Paragraph("Aucun rendez-vous planifié pour le moment.", styles["Normal"]))
    else:
        rows = [["Horaire", "Table", "Rendez-vous avec", "Ce qu'il propose"]]
        for item in items:
            rows.append(
                [
                    Paragraph(escape(_when(item.slot.starts_at, item.slot.ends_at)), cell),
                    Paragraph(str(item.table), cell),
                    Paragraph(escape(item.other.display_name), cell),
                    Paragraph(escape(item.other.offer_text[:400]), cell),
                ]
            )
        table = Table(rows, colWidths=[38 * mm, 14 * mm, 45 * mm, None], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#000091")),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#929292")),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f6f6")]),
                ]
            )
        )
        story.append(table)
    document.build(story)
    return buffer.getvalue()


def agenda_ics(
    event: Event, registration: EventRegistration, items: Sequence[AgendaItem], timezone: str = EVENT_TIMEZONE
) -> bytes:
    """Return a participant's agenda as an iCalendar file (one VEVENT per meeting, venue time zone)."""
    zone = ZoneInfo(timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//matchmaker//rendez-vous d'affaires//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{event.name} — {registration.display_name}")
    stamp = datetime.now(UTC)
    for item in items:
        entry = icalendar.Event()
        entry.add("uid", f"{item.meeting.public_id}@matchmaker")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", item.slot.starts_at.replace(tzinfo=zone))
        entry.add("dtend", item.slot.ends_at.replace(tzinfo=zone))
        entry.add("summary", f"Rendez-vous : {item.other.display_name}")
        entry.add("location", f"{event.place} — table {item.table}" if event.place else f"Table {item.table}")
        entry.add(
            "description",
            f"{event.name}\nPropose : {item.other.offer_text}\nCherche : {item.other.seek_text}",
        )
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def meetings_csv(event: Event, meetings: Sequence[Meeting], unplaced: Sequence[MeetingRequest]) -> str:
    """Return every meeting as CSV (UTF-8 with BOM), accepted-but-unplaced ones last, formulas neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for meeting in meetings:
        start, end = meeting.slot.starts_at, meeting.slot.ends_at
        placement = (f"{start:%Y-%m-%d}", f"{start:%H:%M}", f"{end:%H:%M}", meeting.table_number)
        writer.writerow(_csv_row(meeting.request, placement, "planifié", ""))
    for request in unplaced:
        writer.writerow(_csv_row(request, ("", "", "", ""), "non placé", unplaced_label(request)))
    return buffer.getvalue()


def _csv_row(request: MeetingRequest, placement: tuple, state: str, remark: str) -> list[str]:
    """Return one CSV row: where and when (empty when unplaced), who meets whom, the score, the state."""
    values = (
        *placement,
        request.requester.display_name,
        request.requester.kind,
        request.target.display_name,
        request.target.kind,
        f"{request.score:.3f}",
        request.origin,
        state,
        remark,
    )
    return [escape_csv_cell(value) for value in values]
