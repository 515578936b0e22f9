"""Pages that change only when the archive does: answered from this process's copy, and revalidated by
browsers and proxies, until the archive's revision or this server's search index moves.

Every change to what the pages show draws a new revision token in its own transaction (`new_revision`:
the archive's models' save, delete and many-to-many signals, and every entry of the index change log, which
also covers the importer's bulk writes). A page's version is that token, the position of this server's
search index in the change log (pages that read the index change when it catches up) and the page's
absolute URL. The rendered page is kept in the `pages` cache under its version (a few hundred pages per
process by default; see the README on sizing), and its ETag is the version's digest, so a client that
sends it back gets 304 Not Modified without the page being rendered at all.

Only what is the same for everyone is kept: a response that sets a cookie, varies on one, or streams is
answered but not kept.
"""

import functools
import hashlib
import os
import secrets
import zlib

from django.apps import apps
from django.core.cache import caches
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

PAGE_CACHE = "pages"
TOKEN_BYTES = 8
# Larger answers are rendered every time rather than crowding the cache out.
LARGEST_KEPT_BYTES = 1024 * 1024
# Bookkeeping of the search index, which no page shows.
UNSHOWN_MODELS = {"ArchiveRevision", "IndexChange", "IndexLog", "IndexNode"}
KEPT_COMPRESSION = 1  # zlib's fastest level
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Last-Modified", "Link")


def new_revision():
    """Draw a new revision token, in the current transaction."""
    from .models import ArchiveRevision

    token = secrets.token_hex(TOKEN_BYTES)
    if not ArchiveRevision.objects.filter(pk=1).update(token=token):
        ArchiveRevision.objects.update_or_create(pk=1, defaults={"token": token})


def current_revision():
    from .models import ArchiveRevision

    return ArchiveRevision.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def index_position():
    """Where this server's search index stands: its folder (a rebuild swaps in a new one) and the last log
    entry applied to it."""
    from .search.indexing import get_backend, read_position

    backend = get_backend()
    return f"{os.path.realpath(backend.path)}:{read_position(backend)}"


def page_version(request, *args, **kwargs):
    """The digest of everything the page depends on, read once per request; also the page's ETag (a view's
    arguments are part of its address already)."""
    if not hasattr(request, "archive_page_version"):
        parts = (current_revision(), index_position(), request.build_absolute_uri())
        request.archive_page_version = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return request.archive_page_version


def revalidated(response):
    """Caches may keep the page but must ask again before reusing it (the ETag makes the answer cheap)."""
    patch_cache_control(response, public=True, no_cache=True)
    return response


def conditional_page(view):
    """An ETag from the archive's revision: a client holding the current page gets 304 Not Modified."""
    conditional = condition(etag_func=page_version)(view)

    @functools.wraps(view)
    def answered(request, *args, **kwargs):
        return revalidated(conditional(request, *args, **kwargs))

    return answered


def archive_page(view):
    """A page that changes only with the archive: conditional GET, and kept rendered in this process."""

    @functools.wraps(view)
    def kept(request, *args, **kwargs):
        cache = caches[PAGE_CACHE]
        key = page_version(request)
        stored = cache.get(key)
        if stored is not None:
            return rebuilt_response(stored)
        response = view(request, *args, **kwargs)
        if keepable(response):
            cache.set(key, stored_response(response))
        return response

    return conditional_page(kept)


def keepable(response):
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and "cookie" not in response.get("Vary", "").lower() and len(response.content) <= LARGEST_KEPT_BYTES)


def stored_response(response):
    """The page compressed (pages shrink five- to tenfold, in well under a millisecond), so that the kept pages
    of a worker stay a few megabytes even when they are the largest ones."""
    return {"content": zlib.compress(response.content, KEPT_COMPRESSION),
            "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}}


def rebuilt_response(stored):
    return HttpResponse(zlib.decompress(stored["content"]), headers=stored["headers"])


def connect_revision_signals():
    """Every save, delete and many-to-many change of a model the pages show draws a new revision."""
    for model in apps.get_app_config("archive").get_models():
        if model.__name__ in UNSHOWN_MODELS:
            continue
        post_save.connect(changed, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"revision-delete-{model.__name__}")
    m2m_changed.connect(relation_changed, dispatch_uid="revision-m2m")


def changed(sender, **kwargs):
    new_revision()


def relation_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and instance._meta.app_label == "archive":
        new_revision()
