"""Several app servers, one database: the index queue becomes a change log that every server's index
follows, and original files are kept in the database so that every server can read them."""

import hashlib

from django.conf import settings
from django.db import migrations, models


def keep_originals_in_database(apps, schema_editor):
    """Copy the originals kept in this server's folder into the database (those that match their checksum)."""
    DocumentSource = apps.get_model("archive", "DocumentSource")
    OriginalFile = apps.get_model("archive", "OriginalFile")
    for stored_file, checksum in DocumentSource.objects.values_list("stored_file", "checksum").distinct():
        path = settings.DATA_DIR / stored_file
        if not stored_file or not path.is_file() or OriginalFile.objects.filter(checksum=checksum).exists():
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() == checksum:
            OriginalFile.objects.create(checksum=checksum, data=data)


def create_log_row(apps, schema_editor):
    apps.get_model("archive", "IndexLog").objects.get_or_create(pk=1)


class Migration(migrations.Migration):

    dependencies = [
        ("archive", "0008_merge_index_queue_and_versions"),
    ]

    operations = [
        migrations.RenameModel("PendingIndexUpdate", "IndexChange"),
        migrations.RemoveField(model_name="indexchange", name="applied"),
        migrations.AlterField(model_name="indexchange", name="document_id", field=models.BigIntegerField()),
        migrations.CreateModel(
            name="IndexLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("pruned_through", models.BigIntegerField(default=0, help_text="Entries up to this id have been deleted.")),
            ],
        ),
        migrations.CreateModel(
            name="IndexNode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, unique=True)),
                ("position", models.BigIntegerField(default=0, help_text="The last log entry applied to its index.")),
                ("rebuild_from", models.BigIntegerField(
                    blank=True, null=True,
                    help_text="While it rebuilds its index: the last entry the rebuild reads from the database.")),
                ("seen_at", models.DateTimeField(
                    help_text="When it last applied log entries, started or checked its index.")),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="OriginalFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("checksum", models.CharField(help_text="SHA-256 of the file.", max_length=64, unique=True)),
                ("data", models.BinaryField()),
                ("stored_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(create_log_row, migrations.RunPython.noop),
        migrations.RunPython(keep_originals_in_database, migrations.RunPython.noop),
    ]
