from django.db import migrations, models
from django.db.models import OuterRef, Subquery
import django.utils.timezone


def from_first_versions(apps, schema_editor):
    """Paragraphs already in the archive arrived with their document's first version (or its import)."""
    Paragraph = apps.get_model("archive", "Paragraph")
    DocumentVersion = apps.get_model("archive", "DocumentVersion")
    Document = apps.get_model("archive", "Document")
    first = DocumentVersion.objects.filter(document=OuterRef("document")).order_by("number").values("received_at")[:1]
    imported = Document.objects.filter(pk=OuterRef("document")).values("imported_at")[:1]
    Paragraph.objects.update(added_at=Subquery(imported))
    Paragraph.objects.filter(document__versions__isnull=False).update(added_at=Subquery(first))


class Migration(migrations.Migration):

    dependencies = [
        ("archive", "0010_merge_corrections_and_index_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="paragraph",
            name="added_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False,
                                       help_text="When this text entered the archive; a re-import keeps it for unchanged text."),
        ),
        migrations.RunPython(from_first_versions, migrations.RunPython.noop),
    ]
