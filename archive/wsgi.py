import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
application = get_wsgi_application()

from archive.search.indexing import process_pending_quietly  # noqa: E402 (needs the app loaded)

# A worker killed between a commit and its index update left the change queued: apply it on start.
process_pending_quietly()
