from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "ASEAN–ROK Archive"

    def ready(self):
        from .pages import connect_revision_signals

        connect_revision_signals()
