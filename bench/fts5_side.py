"""The reference: the same paragraphs in SQLite FTS5, queried for the same pages as the site.

All of it lives in one SQLite file next to the project's database:
- `para`: paragraph metadata (document, date, year, series, kind, chair country, mode);
- `para_topic`: (paragraph, topic), made with the site's own topic rules;
- `para_fts`: `fts5(text, tokenize='porter unicode61 remove_diacritics 2')`, rowid = paragraph
  id. Words and AND queries search it;
- `para_exact`: the same text with `tokenize='unicode61 remove_diacritics 2'` (no stemming).
  The site searches quoted phrases in an unstemmed field (`text_exact`), so phrases search
  this table here.

The operations mirror what the site computes:
- `bare`: top 10 by bm25 (`ORDER BY rank LIMIT 10`, with their text) + `count(*)`;
- `page`: the top 10 by bm25 with `snippet()` and their metadata, how many hits each shown
  paragraph's document has, `count(*)`, and the site's facets from `GROUP BY` over the join,
  summed and ordered in Python;
- `filtered`: the same page restricted to one series, newest first. As on the site, the series
  facet itself is counted without the series filter.
"""

import sqlite3
from collections import Counter
from time import perf_counter

from tqdm import tqdm

TOKENIZE = "porter unicode61 remove_diacritics 2"
TOKENIZE_EXACT = "unicode61 remove_diacritics 2"
COLUMN_FACETS = ("year", "series", "kind", "chair_country", "mode")   # columns of `para`
SUPPORTED_FACETS = set(COLUMN_FACETS) | {"topics"}

SOURCE_SQL = """
SELECT p.id, p.document_id, p.text, m.start_date, s.name, d.kind, m.chair_country, m.mode, d.published_on
FROM archive_paragraph p
JOIN archive_document d ON d.id = p.document_id
JOIN archive_meeting m ON m.id = d.meeting_id
JOIN archive_meetingseries s ON s.id = m.series_id
ORDER BY p.id
"""


def in_list(values):
    return f"({','.join('?' * len(values))})"


class Fts5:
    def __init__(self, path, facets):
        """`facets`: the site's facet names, in its order (archive.search.facets.FACETS)."""
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.facets = [name for name in facets if name in SUPPORTED_FACETS]
        self.not_mirrored = [name for name in facets if name not in SUPPORTED_FACETS]

    def build(self, source_db_path, mode_labels, topic_patterns):
        """Read the paragraphs from the project's database and index them, in one transaction.

        `mode_labels` maps stored meeting modes to the labels the site indexes; `topic_patterns`
        is the site's [(topic, compiled regex)] list, applied to the lower-cased text as the
        site's search index does.
        """
        db = self.db
        timings = {}
        start = perf_counter()
        source = sqlite3.connect(source_db_path)
        rows = source.execute(SOURCE_SQL).fetchall()
        source.close()
        timings["read_seconds"] = perf_counter() - start
        topics_start = perf_counter()  # the site's topic rules, as its search index applies them
        topics = [[(pk, name) for name, pattern in topic_patterns if pattern.search(text.lower())]
                  for pk, _, text, *_ in rows]
        timings["topics_seconds"] = perf_counter() - topics_start
        fts_start = perf_counter()
        db.execute("BEGIN")
        db.execute("CREATE TABLE para (id INTEGER PRIMARY KEY, document_id INTEGER, date TEXT, year TEXT,"
                   " series TEXT, kind TEXT, chair_country TEXT, mode TEXT)")
        db.execute("CREATE TABLE para_topic (id INTEGER, topic TEXT)")
        db.execute(f"CREATE VIRTUAL TABLE para_fts USING fts5(text, tokenize='{TOKENIZE}')")
        db.execute(f"CREATE VIRTUAL TABLE para_exact USING fts5(text, tokenize='{TOKENIZE_EXACT}')")
        for (pk, doc, text, start_date, series, kind, country, mode, published), para_topics in tqdm(
                zip(rows, topics), total=len(rows), desc="FTS5 build", unit="para", mininterval=1):
            date = start_date or published
            db.execute("INSERT INTO para VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (pk, doc, date, date[:4] if date else "", series, kind, country, mode_labels.get(mode, "")))
            db.executemany("INSERT INTO para_topic VALUES (?, ?)", para_topics)
            db.execute("INSERT INTO para_fts (rowid, text) VALUES (?, ?)", (pk, text))
            db.execute("INSERT INTO para_exact (rowid, text) VALUES (?, ?)", (pk, text))
        db.execute("CREATE INDEX para_topic_id ON para_topic (id)")
        db.execute("CREATE INDEX para_document ON para (document_id)")
        db.execute("COMMIT")
        timings["index_seconds"] = perf_counter() - fts_start
        optimize_start = perf_counter()
        db.execute("INSERT INTO para_fts (para_fts) VALUES ('optimize')")
        db.execute("INSERT INTO para_exact (para_exact) VALUES ('optimize')")
        timings["optimize_seconds"] = perf_counter() - optimize_start
        timings["seconds"] = perf_counter() - start
        db.execute("ANALYZE")
        timings["paragraphs"] = len(rows)
        timings["bytes"] = db.execute(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()").fetchone()[0]
        return timings

    # Measured operations. `table` is para_fts, or para_exact for quoted phrases.

    def count(self, table, match):
        return self.db.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", (match,)).fetchone()[0]

    def bare(self, table, match):
        self.db.execute(f"SELECT rowid, text FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT 10",
                        (match,)).fetchall()
        return self.count(table, match)

    def _shown(self, table, match, rows, total):
        """Metadata of the shown hits, and how many hits each one's document has (as the site shows)."""
        ids = [row[0] for row in rows]
        if not ids:
            return []
        meta = {row[0]: row for row in self.db.execute(f"SELECT * FROM para WHERE id IN {in_list(ids)}", ids)}
        documents = sorted({meta[pk][1] for pk in ids})
        # For broad queries, restricting the match to the documents' paragraph ids first is 2–3× faster;
        # for narrow ones, filtering the few matches is.
        restrict = (f"f.rowid IN (SELECT id FROM para WHERE document_id IN {in_list(documents)})" if total > 2000
                    else f"p.document_id IN {in_list(documents)}")
        per_document = dict(self.db.execute(
            f"SELECT p.document_id, count(*) FROM {table} f JOIN para p ON p.id = f.rowid"
            f" WHERE {table} MATCH ? AND {restrict} GROUP BY 1", (match, *documents)))
        return [(row, meta[row[0]], per_document.get(meta[row[0]][1], 0)) for row in rows]

    def facet_counts(self, table, match, series=None):
        """The site's facets; with `series`, every facet but `series` itself is within that series."""
        where, params = ("AND p.series = ?", (series,)) if series else ("", ())
        facets = {name: Counter() for name in self.facets}
        columns = [name for name in COLUMN_FACETS if name in facets]
        if columns:
            groups = self.db.execute(
                f"SELECT {', '.join('p.' + c for c in columns)}, count(*) FROM {table} f JOIN para p ON p.id = f.rowid"
                f" WHERE {table} MATCH ? {where} GROUP BY {', '.join(str(i + 1) for i in range(len(columns)))}",
                (match, *params)).fetchall()
            for *values, n in groups:
                for name, value in zip(columns, values):
                    if value:
                        facets[name][value] += n
        if series and "series" in facets:  # a facet's own choice must not hide its other values
            facets["series"] = Counter(dict(self.db.execute(
                f"SELECT p.series, count(*) FROM {table} f JOIN para p ON p.id = f.rowid"
                f" WHERE {table} MATCH ? GROUP BY 1", (match,))))
        if "topics" in facets:
            facets["topics"] = Counter(dict(self.db.execute(
                f"SELECT t.topic, count(*) FROM {table} f JOIN para p ON p.id = f.rowid JOIN para_topic t ON t.id = f.rowid"
                f" WHERE {table} MATCH ? {where} GROUP BY 1", (match, *params))))
        result = {name: sorted(counts.items(), key=lambda item: (-item[1], item[0])) for name, counts in facets.items()}
        if "year" in result:
            result["year"].sort(reverse=True)
        return result

    def page(self, table, match):
        rows = self.db.execute(
            f"SELECT rowid, snippet({table}, 0, '<mark>', '</mark>', ' … ', 40), text, rank FROM {table}"
            f" WHERE {table} MATCH ? ORDER BY rank LIMIT 10", (match,)).fetchall()
        total = self.count(table, match)
        self._shown(table, match, rows, total)
        self.facet_counts(table, match)
        return total

    def filtered(self, table, match, series):
        ids = [row[0] for row in self.db.execute(
            f"SELECT f.rowid FROM {table} f JOIN para p ON p.id = f.rowid"
            f" WHERE {table} MATCH ? AND p.series = ? ORDER BY p.date DESC, p.id DESC LIMIT 10", (match, series))]
        rows = []
        if ids:
            # snippet() only for the 10 shown rows (a result column of a query sorted by another
            # table's column would be computed for every match before the sort)
            snippets = dict(self.db.execute(
                f"SELECT rowid, snippet({table}, 0, '<mark>', '</mark>', ' … ', 40) FROM {table}"
                f" WHERE {table} MATCH ? AND rowid IN {in_list(ids)}", (match, *ids)))
            rows = [(pk, snippets[pk]) for pk in ids]
        total = self.db.execute(
            f"SELECT count(*) FROM {table} f JOIN para p ON p.id = f.rowid WHERE {table} MATCH ? AND p.series = ?",
            (match, series)).fetchone()[0]
        self._shown(table, match, rows, total)
        self.facet_counts(table, match, series)
        return total
