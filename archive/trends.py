"""A phrase over the years: the paragraphs that match it per year as a share of all the paragraphs of that
year (per 1,000), overall and per meeting series, and its first and last use. Every number comes from the
search service, so a trend reads a phrase (aliases, folding, filters, dates) exactly as the search does."""

from dataclasses import dataclass, field

from .search import service

PER_PARAGRAPHS = 1000  # rates are matching paragraphs per this many paragraphs of the same year
RATE_DECIMALS = 2
MAX_PHRASES = 5  # phrases compared at once; each costs several searches
CHART_SIZE = (800, 400)  # the chart's drawing size without its legend; the page scales it to the screen
LEGEND_LINE_HEIGHT = 20  # the legend below the chart has a line per line of the chart
# Line colours with at least 3:1 contrast on white, told apart also by their dots' shapes and the legend.
CHART_STYLE = dict(
    background="white", plot_background="white", foreground="#1f2933", foreground_strong="#1f2933",
    foreground_subtle="#52606d", font_family="DejaVu Sans, Arial, sans-serif",
    colors=("#1d4ed8", "#b91c1c", "#047857", "#7c3aed", "#b45309", "#0e7490", "#be185d", "#4d7c0f"),
)


def rate(matches, paragraphs):
    """Matching paragraphs per PER_PARAGRAPHS paragraphs; None for a year without paragraphs."""
    return round(matches * PER_PARAGRAPHS / paragraphs, RATE_DECIMALS) if paragraphs else None


@dataclass
class Point:
    year: str
    matches: int
    paragraphs: int

    @property
    def per_thousand(self):
        return rate(self.matches, self.paragraphs)


@dataclass
class Line:
    """One phrase over the years, in every series (`series` empty) or in one."""

    label: str  # the phrase as read, or a commitment's name
    q: str  # the query searched
    series: str
    points: list
    first: object = None  # the earliest and latest hits (search results), when asked for
    last: object = None

    @property
    def matches(self):
        return sum(point.matches for point in self.points)

    def rates(self):
        return [point.per_thousand for point in self.points]


@dataclass
class Trend:
    years: list
    lines: list  # one per phrase, every series together
    by_series: list = field(default_factory=list)  # one per phrase and series it is found in
    notes: list = field(default_factory=list)


def read_phrases(values):
    """The phrases asked for, as the search reads them, each once, at most MAX_PHRASES; and notes."""
    phrases, notes = [], []
    for value in values:
        shown = service.read_query(value).shown
        if not shown:
            if value.strip():
                notes.append(f"“{value.strip()}” has no words to look for, so it was left out.")
        elif shown not in phrases:
            phrases.append(shown)
    if len(phrases) > MAX_PHRASES:
        notes.append(f"At most {MAX_PHRASES} phrases are compared at once; the first {MAX_PHRASES} are shown.")
    return phrases[:MAX_PHRASES], notes


def year_counts(found):
    return {year: count for year, count in found["year"] if year}


def build(asked, phrases, labels=None, by_series=True, uses=True):
    """The trend of each phrase under the filters and dates of `asked` (a SearchRequest); `labels` names
    the lines (the phrases by default). Per series too with `by_series`, first and last use with `uses`."""
    labels = labels or phrases
    totals = year_counts(service.paragraph_counts(asked))
    # Every year from the first to the last, so that a chart's axis keeps time even; a year without
    # paragraphs has no rate (a gap in the chart, no row in the tables).
    numbers = [int(year) for year in totals]
    years = [str(year) for year in range(min(numbers), max(numbers) + 1)] if numbers else []
    series_totals = {}
    trend = Trend(years=years, lines=[])
    for label, phrase in zip(labels, phrases):
        request = asked.replace(q=phrase)
        found = service.counts(request, ("year", "series") if by_series else ("year",))
        trend.lines.append(line(label, request, "", years, year_counts(found), totals, uses))
        for series in sorted(name for name, _ in found.get("series", [])) if by_series else []:
            in_series = request.replace(filters={**request.filters, "series": [series]})
            if series not in series_totals:
                series_totals[series] = year_counts(service.paragraph_counts(in_series))
            matches = year_counts(service.counts(in_series, ("year",)))
            trend.by_series.append(line(label, in_series, series, years, matches, series_totals[series], uses))
    return trend


def line(label, request, series, years, matches, totals, uses):
    points = [Point(year, matches.get(year, 0), totals.get(year, 0)) for year in years]
    first, last = service.first_and_last(request) if uses else (None, None)
    return Line(label=label, q=request.q, series=series, points=points, first=first, last=last)


def without_scripts(root):
    """pygal always writes its settings into a script (for its tooltips); the archive's charts are pictures."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.endswith("script"):
                parent.remove(child)
    return root


def chart_svg(lines, years, title):
    """A line chart of the lines' rates per year, as SVG without scripts. A year a series has no paragraphs
    in is a gap in its line."""
    # pygal (and lxml with it) is imported by the first chart a worker draws, not by every worker at startup.
    import pygal
    from pygal.style import Style

    width, height = CHART_SIZE
    chart = pygal.Line(
        js=[], style=Style(**CHART_STYLE), width=width, height=height + LEGEND_LINE_HEIGHT * len(lines), title=title, x_labels=years,
        y_title=f"paragraphs per {PER_PARAGRAPHS:,}", legend_at_bottom=True, legend_at_bottom_columns=1, truncate_legend=-1,
        allow_interruptions=True, include_x_axis=True, dots_size=4, show_x_guides=False,
        disable_xml_declaration=True, no_data_text="No paragraphs",
    )
    chart.add_xml_filter(without_scripts)
    for item in lines:
        chart.add(f"{item.label} ({item.series})" if item.series else item.label, item.rates())
    return chart.render()


CSV_COLUMNS = ["phrase", "series", "year", "matching_paragraphs", "all_paragraphs", "per_1000_paragraphs"]


def rows(trend):
    """Every point of every line, as the CSV and JSON give them; `series` is empty for all series together."""
    for item in [*trend.lines, *trend.by_series]:
        for point in item.points:
            yield {"phrase": item.label, "series": item.series, "year": point.year,
                   "matching_paragraphs": point.matches, "all_paragraphs": point.paragraphs,
                   "per_1000_paragraphs": point.per_thousand}
