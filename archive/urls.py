from django.contrib import admin
from django.urls import include, path

from . import api, feeds, views

archive_patterns = [
    path("", views.home, name="home"),
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/<int:year>/", views.meeting_list, name="meeting-year"),
    path("meetings/<slug:slug>/", views.meeting_detail, name="meeting-detail"),
    path("documents/<slug:slug>/", views.document_detail, name="document-detail"),
    path("paragraphs/<int:pk>/similar/", views.similar_paragraphs, name="similar-paragraphs"),
    path("search/", views.search, name="search"),
    path("search/help/", views.search_help, name="search-help"),
    path("search/feed/", feeds.SearchFeed(), name="search-feed"),
    path("api/search/", api.search_json, name="api-search"),
    path("api/search.csv", api.search_csv, name="api-search-csv"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((archive_patterns, "archive"))),
]
