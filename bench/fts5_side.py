"""The reference: the same paragraphs in an SQLite FTS5 table, queried for the same pages.

One table of paragraph metadata (`para`) and one FTS5 table (`para_fts`, rowid = paragraph
id) in a separate SQLite file next to the project's database.

- bare:     top 10 by bm25 (`ORDER BY rank LIMIT 10`, with their text) + `count(*)`;
- page:     bare + `snippet()` for the 10 shown + the metadata of those 10 + facet counts
            from one `GROUP BY year, series, kind, chair_country` over the join, summed per
            facet in Python and ordered as the site orders them;
- filtered: the same page restricted to one series, ordered newest first.
"""

import sqlite3
from collections import Counter
from time import perf_counter

from tqdm import tqdm

TOKENIZE = "porter unicode61 remove_diacritics 2"
FACETS = ("year", "series", "kind", "chair_country")
SNIPPET = "snippet(para_fts, 0, '<mark>', '</mark>', ' … ', 40)"

SOURCE_SQL = """
SELECT p.id, p.document_id, p.text, m.start_date, s.name, d.kind, m.chair_country, d.published_on
FROM archive_paragraph p
JOIN archive_document d ON d.id = p.document_id
JOIN archive_meeting m ON m.id = d.meeting_id
JOIN archive_meetingseries s ON s.id = m.series_id
ORDER BY p.id
"""


class Fts5:
    def __init__(self, path):
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)

    def build(self, source_db_path):
        """Read the paragraphs from the project's database and index them, in one transaction."""
        db = self.db
        timings = {}
        start = perf_counter()
        source = sqlite3.connect(source_db_path)
        rows = source.execute(SOURCE_SQL).fetchall()
        source.close()
        timings["read_seconds"] = perf_counter() - start
        fts_start = perf_counter()
        db.execute("BEGIN")
        db.execute("CREATE TABLE para (id INTEGER PRIMARY KEY, document_id INTEGER, date TEXT, year TEXT,"
                   " series TEXT, kind TEXT, chair_country TEXT)")
        db.execute(f"CREATE VIRTUAL TABLE para_fts USING fts5(text, tokenize='{TOKENIZE}')")
        for pk, doc, text, start_date, series, kind, country, published in tqdm(
                rows, desc="FTS5 build", unit="para", mininterval=1):
            date = start_date or published
            db.execute("INSERT INTO para VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (pk, doc, date, date[:4] if date else "", series, kind, country))
            db.execute("INSERT INTO para_fts (rowid, text) VALUES (?, ?)", (pk, text))
        db.execute("COMMIT")
        timings["index_seconds"] = perf_counter() - fts_start
        optimize_start = perf_counter()
        db.execute("INSERT INTO para_fts (para_fts) VALUES ('optimize')")
        timings["optimize_seconds"] = perf_counter() - optimize_start
        timings["seconds"] = perf_counter() - start
        db.execute("ANALYZE")
        timings["paragraphs"] = len(rows)
        timings["bytes"] = db.execute(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()").fetchone()[0]
        return timings

    # Measured operations

    def count(self, match):
        return self.db.execute("SELECT count(*) FROM para_fts WHERE para_fts MATCH ?", (match,)).fetchone()[0]

    def bare(self, match):
        self.db.execute("SELECT rowid, text FROM para_fts WHERE para_fts MATCH ? ORDER BY rank LIMIT 10",
                        (match,)).fetchall()
        return self.count(match)

    def _hits(self, rows):
        """Metadata of the shown hits, as the site's results carry it."""
        ids = [row[0] for row in rows]
        if not ids:
            return []
        meta = {row[0]: row for row in self.db.execute(
            f"SELECT * FROM para WHERE id IN ({','.join('?' * len(ids))})", ids)}
        return [(row, meta[row[0]]) for row in rows]

    def facets(self, match, where="", params=()):
        groups = self.db.execute(
            "SELECT p.year, p.series, p.kind, p.chair_country, count(*) FROM para_fts f"
            f" JOIN para p ON p.id = f.rowid WHERE para_fts MATCH ? {where} GROUP BY 1, 2, 3, 4",
            (match, *params)).fetchall()
        facets = {name: Counter() for name in FACETS}
        for *values, n in groups:
            for name, value in zip(FACETS, values):
                facets[name][value] += n
        result = {name: sorted(counts.items(), key=lambda item: (-item[1], item[0])) for name, counts in facets.items()}
        result["year"].sort(reverse=True)
        return result

    def page(self, match):
        rows = self.db.execute(
            f"SELECT rowid, {SNIPPET}, text, rank FROM para_fts WHERE para_fts MATCH ? ORDER BY rank LIMIT 10",
            (match,)).fetchall()
        self._hits(rows)
        total = self.count(match)
        self.facets(match)
        return total

    def filtered(self, match, series):
        ids = [row[0] for row in self.db.execute(
            "SELECT f.rowid FROM para_fts f JOIN para p ON p.id = f.rowid"
            " WHERE para_fts MATCH ? AND p.series = ? ORDER BY p.date DESC, p.id DESC LIMIT 10",
            (match, series))]
        rows = []
        if ids:
            # snippet() only for the 10 shown rows (a result column of a sorted query would be
            # computed for every match before the sort)
            snippets = dict(self.db.execute(
                f"SELECT rowid, {SNIPPET} FROM para_fts WHERE para_fts MATCH ? AND rowid IN"
                f" ({','.join('?' * len(ids))})", (match, *ids)))
            rows = [(pk, snippets[pk]) for pk in ids]
        self._hits(rows)
        total = self.db.execute(
            "SELECT count(*) FROM para_fts f JOIN para p ON p.id = f.rowid WHERE para_fts MATCH ? AND p.series = ?",
            (match, series)).fetchone()[0]
        self.facets(match, "AND p.series = ?", (series,))
        return total

    def phrase_count(self, words):
        return self.count('"' + " ".join(words) + '"')
