"""The geometry of the archive's timelines, drawn as SVG by templates/archive/_timeline.html.

Two shapes: meetings counted per year across every series (the home page; a bar per year, linked to that
year's calendar) and the editions of one series (a mark per meeting at its date, linked to the meeting).
Meetings known only from mentions are drawn apart: a muted part of a bar, a hollow mark. Sizes are in the
SVG's own units; the image scales down to the width of a phone.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.urls import reverse

YEAR_WIDTH = 22  # horizontal room for one year, at the least
MIN_PLOT_WIDTH = 640  # a timeline of few years is drawn this wide, its years wider
PLOT_HEIGHT = 96  # height of the tallest bar
MARGIN = 12  # space left and right of the first and last year, and above the plot
AXIS_ROOM = 22  # below the plot, for the year labels
LABEL_EVERY = 5  # a year label under every year divisible by this, and under the first and last
LABEL_ROOM = 40  # years at least this wide are all labelled
TICK_LENGTH = 4  # the marks on the axis where each year begins
BAR_GAP = 4  # between two neighbouring bars
MAX_BAR_WIDTH = 28
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
    ticks: list = field(default_factory=list)  # x of the start of every year
    radius: float = MARK_RADIUS

    @property
    def is_empty(self):
        return not self.marks

    @property
    def tick_end(self):
        return self.axis_y + TICK_LENGTH


@dataclass
class Frame:
    """The years from `first` to `last` laid out along the axis."""

    first: int
    last: int
    plot_height: float

    @property
    def year_width(self):
        return max(YEAR_WIDTH, MIN_PLOT_WIDTH / (self.last - self.first + 1))

    @property
    def width(self):
        return 2 * MARGIN + (self.last - self.first + 1) * self.year_width

    @property
    def axis_y(self):
        return MARGIN + self.plot_height

    def x(self, year, fraction=0.0):
        """Where `fraction` of `year` has passed."""
        return MARGIN + (year - self.first + fraction) * self.year_width

    def timeline(self, marks):
        every_year = self.year_width >= LABEL_ROOM
        labels = [(self.x(year, 0.5), year) for year in range(self.first, self.last + 1)
                  if every_year or year % LABEL_EVERY == 0 or year in (self.first, self.last)]
        # A label beside the first or last is dropped where the two would overlap.
        if len(labels) > 2 and labels[1][0] - labels[0][0] < YEAR_WIDTH * 2:
            labels.pop(1)
        if len(labels) > 2 and labels[-1][0] - labels[-2][0] < YEAR_WIDTH * 2:
            labels.pop(-2)
        ticks = [self.x(year) for year in range(self.first, self.last + 2)]
        return Timeline(self.width, self.axis_y + AXIS_ROOM, self.axis_y, labels, marks, ticks)


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def meetings_per_year(rows):
    """A bar for each year of `rows` (Meeting.objects.per_year()), linked to the year's page."""
    rows = [row for row in rows if row["held"] or row["mentioned_only"]]
    if not rows:
        return Timeline(0, 0, 0, [], [])
    frame = Frame(rows[0]["year"], rows[-1]["year"], PLOT_HEIGHT)
    tallest = max(row["held"] + row["mentioned_only"] for row in rows)
    unit = PLOT_HEIGHT / tallest
    bar_width = min(frame.year_width - BAR_GAP, MAX_BAR_WIDTH)
    marks = []
    for row in rows:
        x = frame.x(row["year"], 0.5) - bar_width / 2
        held_height, muted_height = row["held"] * unit, row["mentioned_only"] * unit
        bars = []
        if row["held"]:
            bars.append(Bar(x, frame.axis_y - held_height, bar_width, held_height))
        if row["mentioned_only"]:
            bars.append(Bar(x, frame.axis_y - held_height - muted_height, bar_width, muted_height, muted=True))
        label = f"{row['year']}: {_plural(row['held'], 'meeting')}"
        if row["mentioned_only"]:
            label += f", and {row['mentioned_only']} known only from mentions"
        marks.append(Mark(url=reverse("archive:meeting-year", args=[row["year"]]), label=label, bars=bars,
                          muted=not row["held"]))
    return frame.timeline(marks)


def editions(meetings):
    """A mark for each dated meeting of one series at its date, linked to the meeting; editions held in the
    same year are stacked."""
    dated = sorted((m for m in meetings if m.start_date), key=lambda m: m.start_date)
    if not dated:
        return Timeline(0, 0, 0, [], [])
    per_year = Counter(meeting.start_date.year for meeting in dated)
    frame = Frame(dated[0].start_date.year, dated[-1].start_date.year, max(per_year.values()) * MARK_STEP)
    in_year = Counter()
    marks = []
    for meeting in dated:
        year = meeting.start_date.year
        label = f"{meeting.title}, {meeting.start_date:%-d %B %Y}"
        if meeting.known_only_from_mentions:
            label += " (known only from mentions)"
        marks.append(Mark(url=meeting.get_absolute_url(), label=label,
                          cx=frame.x(year, meeting.start_date.timetuple().tm_yday / DAYS_IN_YEAR),
                          cy=frame.axis_y - MARK_STEP / 2 - in_year[year] * MARK_STEP,
                          muted=meeting.known_only_from_mentions))
        in_year[year] += 1
    return frame.timeline(marks)
