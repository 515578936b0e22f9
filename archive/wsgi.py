import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
application = get_wsgi_application()

from archive.search.indexing import start_node  # noqa: E402 (needs the app loaded)

# Catch up with the index log (changes made through other nodes, or left by a killed worker) on start.
start_node()
