from django.contrib import admin
from django.urls import include, path

from . import views

archive_patterns = [
    path("", views.home, name="home"),
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/<int:year>/", views.meeting_list, name="meeting-year"),
    path("meetings/<slug:slug>/", views.meeting_detail, name="meeting-detail"),
    path("documents/<slug:slug>/", views.document_detail, name="document-detail"),
    path("search/", views.search, name="search"),
    path("api/search/", views.api_search, name="api-search"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((archive_patterns, "archive"))),
]
