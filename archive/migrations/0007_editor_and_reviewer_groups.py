from django.contrib.auth.management import create_permissions
from django.db import migrations

# The archive's models people edit; the index queue is the software's own.
MODELS = ["meetingseries", "meeting", "document", "documentsource", "paragraph", "aliasgroup", "topic"]
GROUPS = {"Editors": ["view", "add", "change"], "Reviewers": ["view"]}  # deleting is for superusers


def create_groups(apps, schema_editor):
    # Permissions are otherwise created only after all migrations have run.
    app_config = apps.get_app_config("archive")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, actions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(
            content_type__app_label="archive",
            codename__in=[f"{action}_{model}" for action in actions for model in MODELS]))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0006_queue_applied_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
