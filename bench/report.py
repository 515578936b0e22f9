"""Summaries, the printed tables, results/latest.json and results/latency.svg."""

import math
import statistics
from html import escape

TYPES = ("single", "and", "phrase")
TYPE_LABELS = {"single": "single term", "and": "two-term AND", "phrase": "exact phrase"}
MEASURES = {
    "bare": "bare query: top 10 + exact count",
    "page": "results page: search_page(SearchRequest(q=q, per_page=10)), snippets rendered",
    "filtered": "filtered: search_page(SearchRequest(q=q, filters={'series': [s]}, sort='newest', per_page=10))",
}
ENGINES = ("whoosh", "fts5")
BANDS = ("frequent", "mid", "rare", "frequent+frequent", "frequent+mid", "mid+rare")


def percentile(values, p):
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def p50_p95(values):
    return {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}


def ratio(a, b):
    return a / b if a is not None and b else None


def summarize(queries):
    """{type: {group: {measure: {"whoosh": {p50, p95, n}, "fts5": …, "ratio_p50", "ratio_p95"}}}}.

    Groups are "all" and each band. Ratios are Whoosh percentile / FTS5 percentile.
    """
    summary = {}
    for kind in TYPES:
        rows = [q for q in queries if q["type"] == kind]
        groups = {"all": rows}
        for band in BANDS:
            if any(q["band"] == band for q in rows):
                groups[band] = [q for q in rows if q["band"] == band]
        summary[kind] = {}
        for group, items in groups.items():
            entry = {}
            for measure in MEASURES:
                stats = {engine: p50_p95([q[engine][f"{measure}_ms"] for q in items]) for engine in ENGINES}
                stats["ratio_p50"] = ratio(stats["whoosh"]["p50"], stats["fts5"]["p50"])
                stats["ratio_p95"] = ratio(stats["whoosh"]["p95"], stats["fts5"]["p95"])
                stats["median_hits"] = statistics.median(q["fts5"][f"{measure}_count"] for q in items)
                stats["same_count"] = sum(q["whoosh"][f"{measure}_count"] == q["fts5"][f"{measure}_count"]
                                          for q in items)
                entry[measure] = stats
            summary[kind][group] = entry
    return summary


def fmt_ms(value):
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def fmt_x(value):
    return "—" if value is None else f"{value:.1f}×" if value < 100 else f"{value:,.0f}×"


def scale_table(result):
    """The printed report of one scale, as text."""
    lines = []
    corpus, build, update = result["corpus"], result["build"], result["update"]
    lines.append(f"=== {result['scale']:,} paragraphs: {corpus['documents']:,} documents, {corpus['meetings']:,} meetings, "
                 f"{corpus['words']:,} words; 'cooperation' in {corpus['cooperation_share']:.0%} of paragraphs ===")
    lines.append(f"Project code {result.get('code', {}).get('combined')} (frozen copy)" +
                 f"; backend query cache {result.get('query_cache_size')}; facets {result['facets']['site']}"
                 + (f" (FTS5 does not mirror {result['facets']['fts5_not_mirrored']})"
                    if result["facets"]["fts5_not_mirrored"] else ""))
    if result.get("warning"):
        lines.append(f"WARNING: {result['warning']}")
    w, f = build["whoosh"], build["fts5"]
    lines.append(f"Build  Whoosh rebuild_index {w['seconds']:.1f} s ({w['segments']} segment(s), {w['bytes'] / 1e6:.1f} MB)"
                 f" | FTS5 {f['seconds']:.2f} s (read {f['read_seconds']:.2f} + topics {f.get('topics_seconds', 0):.2f}"
                 f" + index {f['index_seconds']:.2f}"
                 f" + optimize {f['optimize_seconds']:.2f}; {f['bytes'] / 1e6:.1f} MB, both tables and metadata)"
                 f" | Whoosh/FTS5 {fmt_x(build['ratio'])}")
    lines.append(f"Update  edit one paragraph -> searchable, {update['n']} edits: p50 {fmt_ms(update['p50_ms'])} ms,"
                 f" p95 {fmt_ms(update['p95_ms'])} ms (save+commit+index write p50 {fmt_ms(update['save_commit_index_p50_ms'])},"
                 f" first search p50 {fmt_ms(update['search_p50_ms'])}); then the first results page p50"
                 f" {fmt_ms(update.get('first_page_p50_ms'))} ms; index after edits: {update['segments_after']} segment(s)")
    header = (f"{'':19} {'n':>4} {'hits':>7} | {'Whoosh p50':>10} {'p95':>8} | {'FTS5 p50':>9} {'p95':>8} |"
              f" {'p50×':>6} {'p95×':>6} | {'same n':>6}")
    for measure, title in MEASURES.items():
        lines.append("")
        lines.append(f"-- {measure}: {title}  (ms)")
        lines.append(header)
        for kind in TYPES:
            for group, stats in result["summary"][kind].items():
                s = stats[measure]
                label = TYPE_LABELS[kind] if group == "all" else f"  {group}"
                lines.append(
                    f"{label:19} {s['whoosh']['n']:>4} {s['median_hits']:>7g} | {fmt_ms(s['whoosh']['p50']):>10}"
                    f" {fmt_ms(s['whoosh']['p95']):>8} | {fmt_ms(s['fts5']['p50']):>9} {fmt_ms(s['fts5']['p95']):>8} |"
                    f" {fmt_x(s['ratio_p50']):>6} {fmt_x(s['ratio_p95']):>6} | {s['same_count']:>6}")
    return "\n".join(lines)


def markdown_summary(results):
    """One compact Markdown table over all scales (page p50/p95), for READMEs and replies."""
    out = ["| N | type | Whoosh page p50 / p95 ms | FTS5 page p50 / p95 ms | ratio p50× / p95× |",
           "|---|---|---|---|---|"]
    for r in results:
        for kind in TYPES:
            s = r["summary"][kind]["all"]["page"]
            out.append(f"| {r['scale']:,} | {TYPE_LABELS[kind]} | {fmt_ms(s['whoosh']['p50'])} / {fmt_ms(s['whoosh']['p95'])}"
                       f" | {fmt_ms(s['fts5']['p50'])} / {fmt_ms(s['fts5']['p95'])}"
                       f" | {fmt_x(s['ratio_p50'])} / {fmt_x(s['ratio_p95'])} |")
    return "\n".join(out)


# SVG, by hand

COLORS = {"single": "#1f77b4", "and": "#d62728", "phrase": "#2ca02c"}


def latency_svg(results, width=900, height=500):
    """Page p95 against corpus size, log-log; Whoosh solid, FTS5 dashed, one colour per query type."""
    points = []  # (type, engine, [(n, ms)])
    for kind in TYPES:
        for engine in ENGINES:
            series = [(r["scale"], r["summary"][kind]["all"]["page"][engine]["p95"]) for r in results
                      if r["summary"].get(kind, {}).get("all")]
            points.append((kind, engine, [(n, v) for n, v in series if v]))
    xs = [n for _, _, s in points for n, _ in s] or [1000, 10000]
    ys = [v for _, _, s in points for _, v in s] or [1, 10]
    x_lo, x_hi = min(xs) / 1.5, max(xs) * 1.5  # the measured scales, with a margin
    y_lo, y_hi = 10 ** math.floor(math.log10(min(ys))), 10 ** math.ceil(math.log10(max(ys)))
    if y_lo == y_hi:
        y_hi *= 10
    left, right, top, bottom = 80, 260, 40, 60
    pw, ph = width - left - right, height - top - bottom

    def px(n):
        return left + pw * (math.log10(n) - math.log10(x_lo)) / (math.log10(x_hi) - math.log10(x_lo))

    def py(v):
        return top + ph * (1 - (math.log10(v) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo)))

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
           'Search results page, p95 latency vs corpus size</text>']
    # grid and ticks
    decade = 10 ** math.floor(math.log10(x_lo))
    while decade <= x_hi:  # grid: decades darker, other multiples lighter
        for m in range(1, 10):
            n = decade * m
            if x_lo <= n <= x_hi:
                svg.append(f'<line x1="{px(n):.1f}" y1="{top}" x2="{px(n):.1f}" y2="{top + ph}" '
                           f'stroke="{"#ccc" if m == 1 else "#eee"}"/>')
        decade *= 10
    for n in sorted({r["scale"] for r in results}):  # the measured scales are the labelled ticks
        svg.append(f'<line x1="{px(n):.1f}" y1="{top + ph}" x2="{px(n):.1f}" y2="{top + ph + 5}" stroke="#333"/>')
        svg.append(f'<text x="{px(n):.1f}" y="{top + ph + 18}" text-anchor="middle">{n:,}</text>')
    decade = y_lo
    while decade <= y_hi:
        for m in range(1, 10):
            v = decade * m
            if v > y_hi:
                break
            y = py(v)
            svg.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="{"#ccc" if m == 1 else "#eee"}"/>')
            if m == 1:
                label = f"{v:g}"
                svg.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
        decade *= 10
    svg.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    svg.append(f'<text x="{left + pw / 2}" y="{height - 15}" text-anchor="middle">'
               'corpus size (paragraphs, log scale)</text>')
    svg.append(f'<text transform="translate(22 {top + ph / 2}) rotate(-90)" text-anchor="middle">'
               'p95 latency (ms, log scale)</text>')
    # lines
    for kind, engine, series in points:
        if not series:
            continue
        dash = "" if engine == "whoosh" else ' stroke-dasharray="7 4"'
        path = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in series)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{COLORS[kind]}" stroke-width="2"{dash}/>')
        for n, v in series:
            title = f"<title>{escape(TYPE_LABELS[kind])}, {engine}, N={n:,}: {v:.1f} ms</title>"
            if engine == "whoosh":
                svg.append(f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="3.5" fill="{COLORS[kind]}">{title}</circle>')
            else:
                svg.append(f'<rect x="{px(n) - 3:.1f}" y="{py(v) - 3:.1f}" width="6" height="6" fill="white" '
                           f'stroke="{COLORS[kind]}" stroke-width="1.5">{title}</rect>')
    # legend
    lx, ly = left + pw + 20, top + 10
    svg.append(f'<text x="{lx}" y="{ly}" font-weight="bold">page p95</text>')
    row = 0
    for kind in TYPES:
        for engine in ENGINES:
            y = ly + 22 + row * 20
            dash = "" if engine == "whoosh" else ' stroke-dasharray="7 4"'
            svg.append(f'<line x1="{lx}" y1="{y - 4}" x2="{lx + 30}" y2="{y - 4}" stroke="{COLORS[kind]}" '
                       f'stroke-width="2"{dash}/>')
            name = "Whoosh (site)" if engine == "whoosh" else "SQLite FTS5"
            svg.append(f'<text x="{lx + 38}" y="{y}">{escape(TYPE_LABELS[kind])}, {name}</text>')
            row += 1
    svg.append("</svg>")
    return "\n".join(svg) + "\n"
