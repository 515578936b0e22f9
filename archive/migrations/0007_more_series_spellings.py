"""Add the series spellings added to fixtures/meeting_series.json to archives created before them."""

import json

from django.conf import settings
from django.db import migrations


def add_spellings(apps, schema_editor):
    MeetingSeries = apps.get_model("archive", "MeetingSeries")
    rows = json.loads((settings.BASE_DIR / "fixtures" / "meeting_series.json").read_text(encoding="utf-8"))
    for row in rows:
        series = MeetingSeries.objects.filter(name=row["fields"]["name"]).first()
        if series is None:
            continue
        known = [line.strip() for line in series.aliases.splitlines() if line.strip()]
        missing = [alias for alias in row["fields"]["aliases"].split("\n") if alias and alias not in known]
        if missing:
            series.aliases = "\n".join(known + missing)
            series.save(update_fields=["aliases"])


class Migration(migrations.Migration):
    dependencies = [("archive", "0006_versions_and_mention_series")]
    operations = [migrations.RunPython(add_spellings, migrations.RunPython.noop)]
