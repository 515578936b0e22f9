"""The search engine: a haystack backend over Whoosh that knows no model, field or facet name of the app.

The app's search index tells it each field's role (engine.fields); everything else is generic: analysis,
the query language, index storage (lock, build, swap, version) and execution (ranking, bitmaps,
facets, spelling, more-like-this)."""
