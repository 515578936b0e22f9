"""Load the shipped commitments once (afterwards they are edited in the admin), and let editors edit them."""

import json

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {"Editors": ["view", "add", "change"], "Reviewers": ["view"]}  # as for the other models people edit


def load(apps, schema_editor):
    Commitment = apps.get_model("archive", "Commitment")
    for row in json.loads((settings.BASE_DIR / "fixtures" / "commitments.json").read_text(encoding="utf-8")):
        Commitment.objects.get_or_create(slug=row["fields"]["slug"], defaults=row["fields"])
    app_config = apps.get_app_config("archive")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="archive", codename__in=[f"{action}_commitment" for action in GROUPS[group.name]]))


class Migration(migrations.Migration):
    dependencies = [("archive", "0012_commitments")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
