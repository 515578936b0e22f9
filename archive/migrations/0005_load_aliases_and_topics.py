"""Load the shipped alias groups and topics once; afterwards they are edited in the admin."""

import json

from django.conf import settings
from django.db import migrations


def load(apps, schema_editor):
    AliasGroup = apps.get_model("archive", "AliasGroup")
    Topic = apps.get_model("archive", "Topic")
    for row in json.loads((settings.BASE_DIR / "fixtures" / "aliases.json").read_text(encoding="utf-8")):
        AliasGroup.objects.get_or_create(names=row["fields"]["names"], defaults=row["fields"])
    for row in json.loads((settings.BASE_DIR / "fixtures" / "topics.json").read_text(encoding="utf-8")):
        Topic.objects.get_or_create(name=row["fields"]["name"], defaults=row["fields"])


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_aliases_topics_queue")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
