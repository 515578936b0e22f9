"""The geometry of the archive's timelines, drawn as SVG by templates/archive/_timeline.html.

Two shapes: meetings counted per year across every series (the home page; a bar per year, linked to that
year's calendar) and the editions of one series (a mark per meeting at its date, linked to the meeting).
Meetings known only from mentions are drawn apart: a muted part of a bar, a hollow mark. Sizes are in the
SVG's own units; the image scales down to the width of a phone.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.urls import reverse

YEAR_WIDTH = 22  # horizontal room for one year
PLOT_HEIGHT = 96  # height of the tallest bar
MARGIN = 12  # space left and right of the first and last year, and above the plot
AXIS_ROOM = 22  # below the plot, for the year labels
LABEL_EVERY = 5  # a year label under every year divisible by this, and under the first and last
BAR_GAP = 4  # between two neighbouring bars
MARK_RADIUS = 6
MARK_STEP = 2 * MARK_RADIUS + 3  # vertical step between marks of editions held in the same year
DAYS_IN_YEAR = 366


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    muted: bool = False


@dataclass
class Mark:
    """One link of a timeline: a bar (a year's meetings) or a dot (one meeting)."""

    url: str
    label: str
    bars: list = field(default_factory=list)
    cx: float = 0
    cy: float = 0
    muted: bool = False


@dataclass
class Timeline:
    width: float
    height: float
    axis_y: float
    labels: list  # [(x, year)]
    marks: list
    radius: float = MARK_RADIUS

    @property
    def is_empty(self):
        return not self.marks


def _frame(first_year, last_year, plot_height):
    years = range(first_year, last_year + 1)
    width = 2 * MARGIN + len(years) * YEAR_WIDTH
    axis_y = MARGIN + plot_height
    labels = [(MARGIN + (year - first_year + 0.5) * YEAR_WIDTH, year) for year in years
              if year % LABEL_EVERY == 0 or year in (first_year, last_year)]
    # The first or last label is dropped where it would overlap the label beside it.
    if len(labels) > 2 and labels[1][0] - labels[0][0] < YEAR_WIDTH * 2:
        labels.pop(1)
    if len(labels) > 2 and labels[-1][0] - labels[-2][0] < YEAR_WIDTH * 2:
        labels.pop(-2)
    return width, axis_y, labels


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def meetings_per_year(rows):
    """A bar for each year of `rows` (Meeting.objects.per_year()), linked to the year's page."""
    rows = [row for row in rows if row["held"] or row["mentioned_only"]]
    if not rows:
        return Timeline(0, 0, 0, [], [])
    first, last = rows[0]["year"], rows[-1]["year"]
    width, axis_y, labels = _frame(first, last, PLOT_HEIGHT)
    tallest = max(row["held"] + row["mentioned_only"] for row in rows)
    unit = PLOT_HEIGHT / tallest
    marks = []
    for row in rows:
        x = MARGIN + (row["year"] - first) * YEAR_WIDTH + BAR_GAP / 2
        held_height, muted_height = row["held"] * unit, row["mentioned_only"] * unit
        bars = []
        if row["held"]:
            bars.append(Bar(x, axis_y - held_height, YEAR_WIDTH - BAR_GAP, held_height))
        if row["mentioned_only"]:
            bars.append(Bar(x, axis_y - held_height - muted_height, YEAR_WIDTH - BAR_GAP, muted_height, muted=True))
        label = f"{row['year']}: {_plural(row['held'], 'meeting')}"
        if row["mentioned_only"]:
            label += f", and {row['mentioned_only']} known only from mentions"
        marks.append(Mark(url=reverse("archive:meeting-year", args=[row["year"]]), label=label, bars=bars,
                          muted=not row["held"]))
    return Timeline(width, axis_y + AXIS_ROOM, axis_y, labels, marks)


def editions(meetings):
    """A mark for each dated meeting of one series at its date, linked to the meeting; editions held in the
    same year are stacked."""
    dated = sorted((m for m in meetings if m.start_date), key=lambda m: m.start_date)
    if not dated:
        return Timeline(0, 0, 0, [], [])
    first, last = dated[0].start_date.year, dated[-1].start_date.year
    per_year = Counter(meeting.start_date.year for meeting in dated)
    width, axis_y, labels = _frame(first, last, max(per_year.values()) * MARK_STEP)
    in_year = Counter()
    marks = []
    for meeting in dated:
        day = meeting.start_date.timetuple().tm_yday
        stacked = in_year[meeting.start_date.year]
        in_year[meeting.start_date.year] += 1
        label = f"{meeting.title}, {meeting.start_date:%-d %B %Y}"
        if meeting.known_only_from_mentions:
            label += " (known only from mentions)"
        marks.append(Mark(url=meeting.get_absolute_url(), label=label,
                          cx=MARGIN + (meeting.start_date.year - first + day / DAYS_IN_YEAR) * YEAR_WIDTH,
                          cy=axis_y - MARK_STEP / 2 - stacked * MARK_STEP,
                          muted=meeting.known_only_from_mentions))
    return Timeline(width, axis_y + AXIS_ROOM, axis_y, labels, marks)
