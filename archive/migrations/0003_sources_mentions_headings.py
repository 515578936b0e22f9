import datetime
import hashlib

import django.db.models.deletion
from django.db import migrations, models


def move_sources_and_anchors(apps, schema_editor):
    Document = apps.get_model("archive", "Document")
    DocumentSource = apps.get_model("archive", "DocumentSource")
    Paragraph = apps.get_model("archive", "Paragraph")
    for document in Document.objects.all():
        DocumentSource.objects.create(
            document=document, name=document.source_name, url=document.source_url,
            checksum=hashlib.sha256(document.raw_text.encode("utf-8")).hexdigest(), stored_file="",
            format="text", retrieved_on=document.imported_at.date() if document.imported_at else datetime.date.today(),
        )
    for paragraph in Paragraph.objects.all():
        paragraph.anchor = f"p{paragraph.number or paragraph.position}"
        paragraph.save(update_fields=["anchor"])


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_load_meeting_series")]

    operations = [
        migrations.AddField(
            model_name="meeting", name="known_only_from_mentions",
            field=models.BooleanField(default=False, help_text="Created because a statement mentions it; cleared when one of its own statements is imported."),
        ),
        migrations.AddField(
            model_name="document", name="extraction",
            field=models.JSONField(blank=True, default=dict, help_text="For each field the importer filled: “found” in the text or “guessed”. Check the guessed ones."),
        ),
        migrations.AlterField(
            model_name="document", name="raw_text",
            field=models.TextField(blank=True, help_text="The text as read from the file, before it was split and cleaned."),
        ),
        migrations.AddField(
            model_name="paragraph", name="anchor",
            field=models.CharField(default="", help_text="The paragraph's id in its page: p4 for the paragraph printed as 4.", max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="paragraph", name="heading",
            field=models.CharField(blank=True, help_text="The section heading the paragraph falls under.", max_length=300),
        ),
        migrations.AlterField(
            model_name="paragraph", name="number",
            field=models.CharField(blank=True, help_text="The number printed in the statement, if any.", max_length=30),
        ),
        migrations.AddField(
            model_name="paragraph", name="mentions",
            field=models.ManyToManyField(blank=True, help_text="Meetings this paragraph names.", related_name="mentioned_in", to="archive.meeting"),
        ),
        migrations.CreateModel(
            name="DocumentSource",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="File name; importing a file of this name again updates the document.", max_length=255, unique=True)),
                ("url", models.URLField(blank=True, help_text="Where the publisher put the file online.", max_length=500)),
                ("checksum", models.CharField(help_text="SHA-256 of the original file.", max_length=64)),
                ("stored_file", models.CharField(help_text="The original, under ARCHIVE_DATA_DIR.", max_length=300)),
                ("format", models.CharField(max_length=10)),
                ("retrieved_on", models.DateField(help_text="When the file was retrieved or uploaded.")),
                ("document", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sources", to="archive.document")),
            ],
            options={"ordering": ["document", "pk"]},
        ),
        migrations.RunPython(move_sources_and_anchors, migrations.RunPython.noop),
        migrations.RemoveField(model_name="document", name="source_name"),
        migrations.RemoveField(model_name="document", name="source_url"),
        migrations.AddConstraint(
            model_name="paragraph",
            constraint=models.UniqueConstraint(fields=("document", "anchor"), name="paragraph_unique_anchor"),
        ),
    ]
