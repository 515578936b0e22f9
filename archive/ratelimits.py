"""Per-client rate limits (django-ratelimit), and the answer a client over its limit gets.

The counts live in Django's cache (CACHES in settings.py), which every gunicorn worker shares."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django_ratelimit.decorators import ratelimit

RETRY_AFTER_SECONDS = 60


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets (ARCHIVE_CLIENT_IP_HEADER)."""
    return request.META.get(settings.ARCHIVE_CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR", "")


def limited(setting, method=ratelimit.ALL):
    """A view decorator: at most the rate the setting names ("60/m"; None for no limit) per client.
    The views limited by one setting share one count."""
    return ratelimit(group=setting, key=lambda group, request: client_ip(request),
                     rate=lambda group, request: getattr(settings, setting), method=method, block=True)


def too_many_requests(request, exception):
    """429 (RATELIMIT_VIEW): a JSON body for the JSON API, a page for everything else."""
    message = "Too many requests from your address. Please wait a minute and try again."
    if request.path == reverse("archive:api-search"):
        response = JsonResponse({"error": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
