"""Load the initial list of meeting series once; afterwards they are edited in the admin."""

import json

from django.conf import settings
from django.db import migrations


def load_series(apps, schema_editor):
    MeetingSeries = apps.get_model("archive", "MeetingSeries")
    rows = json.loads((settings.BASE_DIR / "fixtures" / "meeting_series.json").read_text(encoding="utf-8"))
    for row in rows:
        fields = row["fields"]
        MeetingSeries.objects.get_or_create(name=fields["name"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]
    operations = [migrations.RunPython(load_series, migrations.RunPython.noop)]
