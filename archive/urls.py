from django.contrib import admin
from django.urls import include, path, register_converter

from . import api, feeds, open_api, trend_views, views
from .ratelimits import limited


class YearConverter:
    """A year a date can hold (1 to 9999): any other number is no page, not a server error."""

    regex = "[1-9][0-9]{0,3}"
    to_python = int
    to_url = str


class IdConverter(YearConverter):
    """A primary key the database can hold (below 2**63)."""

    regex = "[0-9]{1,18}"


class MonthConverter:
    """A month of the year, 1 to 12, written with or without a leading zero."""

    regex = "0?[1-9]|1[0-2]"
    to_python = int

    def to_url(self, value):
        return f"{value:02d}"


class CitationFormatConverter:
    """The file suffixes a paragraph's citation downloads as."""

    regex = "bib|ris|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(YearConverter, "year")
register_converter(MonthConverter, "month")
register_converter(CitationFormatConverter, "citation_format")
register_converter(IdConverter, "id")

archive_patterns = [
    path("", views.home, name="home"),
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/<year:year>/", views.meeting_list, name="meeting-year"),
    path("meetings/<year:year>/<month:month>/", views.meeting_list, name="meeting-month"),
    path("series/", views.series_list, name="series-list"),
    path("series/<slug:slug>/", views.series_detail, name="series-detail"),
    path("documents/", views.document_list, name="document-list"),
    path("meetings/<slug:slug>/", views.meeting_detail, name="meeting-detail"),
    path("documents/<slug:slug>/", views.document_detail, name="document-detail"),
    path("paragraphs/<id:pk>/similar/", views.similar_paragraphs, name="similar-paragraphs"),
    path("paragraphs/<id:pk>/history/", views.paragraph_history, name="paragraph-history"),
    path("compare/", views.compare_statements, name="compare"),
    path("paragraphs/<id:pk>/cite/", views.cite_paragraph, name="cite-paragraph"),
    path("paragraphs/<id:pk>/cite.<citation_format:suffix>", views.cite_paragraph_file, name="cite-paragraph-file"),
    path("export/", views.export_page, name="export"),
    path("export/archive.zip", views.export_zip, name="export-zip"),
    path("search/", views.search, name="search"),
    path("search/help/", views.search_help, name="search-help"),
    path("search/feed/", limited("ARCHIVE_RATELIMIT_SEARCH")(feeds.SearchFeed()), name="search-feed"),
    path("api/search/", api.search_json, name="api-search"),
    path("api/search.csv", api.search_csv, name="api-search-csv"),
    path("trends/", trend_views.trend_page, name="trends"),
    path("trends/chart.svg", trend_views.trend_chart, name="trends-chart"),
    path("trends/series-chart.svg", trend_views.trend_chart, {"by_series": True}, name="trends-series-chart"),
    path("trends/data.csv", trend_views.trend_csv, name="trends-csv"),
    path("trends/data.json", trend_views.trend_json, name="trends-json"),
    path("commitments/", trend_views.commitment_list, name="commitment-list"),
    path("commitments/<slug:slug>/", trend_views.commitment_detail, name="commitment-detail"),
    path("commitments/<slug:slug>/chart.svg", trend_views.commitment_chart, name="commitment-chart"),
]

urlpatterns = [
    # Before the admin's own URLs, so that login attempts are rate-limited.
    path("admin/login/", limited("ARCHIVE_RATELIMIT_LOGIN", method="POST")(admin.site.login)),
    path("admin/", admin.site.urls),
    path("", include((archive_patterns, "archive"))),
    path("api/", open_api.api.urls),  # after the archive's own /api/search/ views
]
