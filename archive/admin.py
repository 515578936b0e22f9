import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from .ingest import IngestError, parse_document
from .ingest.metadata import KINDS
from .ingest.save import (
    Original, find_duplicate, find_existing_meeting, read_original, reparse, save_statement, series_catalogue,
)
from .models import AliasGroup, Document, DocumentSource, Meeting, MeetingSeries, Paragraph, Topic

STORED_ORIGINAL = re.compile(r"^originals/[0-9a-f]{2}/[0-9a-f]{64}(\.\w{1,9})?$")
# How a field's provenance (Document.extraction) reads to an admin, where the bare value would not do.
PROVENANCE_LABELS = {"ocr": "from OCR — check"}


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ["title", "kind", "published_on"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "series", "start_date", "city", "mode", "chair_country", "known_only_from_mentions"]
    list_filter = ["series", "mode", "chair_country", "known_only_from_mentions"]
    search_fields = ["title", "city", "country", "chair", "co_chairs"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [DocumentInline]


class ParagraphInline(admin.TabularInline):
    model = Paragraph
    fields = ["position", "number", "anchor", "heading", "text"]
    extra = 0


class SourceInline(admin.TabularInline):
    model = DocumentSource
    fields = ["name", "url", "format", "checksum", "retrieved_on"]
    readonly_fields = ["checksum", "format"]
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class UploadForm(forms.Form):
    # Empty files reach the importer, which names the file and says why it was refused.
    files = MultipleFileField(required=False, allow_empty_file=True,
                              help_text="One or more statements: .txt, .html, .pdf (scans are read by OCR) or .docx.")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 10}),
                           help_text="Or paste the text of one statement.")
    name = forms.CharField(required=False, max_length=200,
                           help_text="A name for the pasted text (kept as its source name).")
    source_url = forms.URLField(required=False, assume_scheme="https",
                                help_text="Where the publisher put the statement online.")

    def clean(self):
        data = super().clean()
        if not data.get("files") and not data.get("text", "").strip():
            raise forms.ValidationError("Choose a file to upload or paste a statement's text.")
        return data

    def originals(self):
        for upload in self.cleaned_data["files"]:
            yield Original(upload.name, upload.read(settings.ARCHIVE_MAX_UPLOAD_BYTES + 1), self.cleaned_data["source_url"])
        text = self.cleaned_data["text"].strip()
        if text:
            data = text.encode("utf-8")
            name = self.cleaned_data["name"].strip() or f"pasted-{Original('', data).checksum[:12]}"
            name = name if re.search(r"\.\w{2,4}$", name) else f"{name}.txt"
            yield Original(name, data, self.cleaned_data["source_url"])


class ReviewForm(forms.Form):
    """One previewed file: where its original is kept, and the corrections made before saving."""

    name = forms.CharField(widget=forms.HiddenInput, max_length=255)
    stored_file = forms.RegexField(STORED_ORIGINAL, widget=forms.HiddenInput)
    url = forms.URLField(required=False, widget=forms.HiddenInput, assume_scheme="https")
    save = forms.BooleanField(required=False, initial=True, label="Save this statement")
    title = forms.CharField(max_length=300, required=False, widget=forms.TextInput(attrs={"size": 80}))
    kind = forms.ChoiceField(choices=[("", "(as read)")] + [(k, k) for k, _ in KINDS] + [("Statement", "Statement")],
                             required=False)
    published_on = forms.DateField(required=False, help_text="YYYY-MM-DD")
    meeting = forms.ModelChoiceField(Meeting.objects.all(), required=False,
                                     help_text="Leave empty to take the meeting from the text.")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "meeting", "published_on", "imported_at"]
    list_filter = ["kind", "meeting__series"]
    search_fields = ["title", "sources__name", "meeting__title"]
    date_hierarchy = "published_on"
    raw_id_fields = ["meeting"]
    readonly_fields = ["extraction_report", "raw_text", "imported_at"]
    exclude = ["extraction"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SourceInline, ParagraphInline]
    actions = ["reparse_documents"]
    change_list_template = "admin/archive/document/change_list.html"

    @admin.display(description="What the importer found and guessed")
    def extraction_report(self, document):
        if not document.extraction:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{}: <strong>{}</strong></li>",
            ((name, PROVENANCE_LABELS.get(value, value)) for name, value in sorted(document.extraction.items()))))

    @admin.action(description="Re-parse from the stored original", permissions=["change"])
    def reparse_documents(self, request, queryset):
        for document in queryset:
            try:
                reparse(document)
            except IngestError as error:
                self.message_user(request, f"{document}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"Re-parsed “{document}”.", messages.SUCCESS)

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="archive_document_upload"),
            *super().get_urls(),
        ]

    def render_upload(self, request, template, context):
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "max_bytes": settings.ARCHIVE_MAX_UPLOAD_BYTES, **context,
        })

    def upload_view(self, request):
        """Upload or paste statements, review what the importer read, correct it, then save."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        if request.method == "POST" and "review" in request.POST:
            return self.save_reviewed(request)
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        if not form.is_valid():
            return self.render_upload(request, "admin/archive/document/upload.html",
                                      {"title": "Upload statements", "form": form})
        previews, failures = [], []
        for original in form.originals():
            try:
                parsed = parse_document(original.data, original.name, series_catalogue(),
                                        settings.ARCHIVE_MAX_UPLOAD_BYTES)
            except IngestError as error:
                failures.append((original.name, str(error)))
                continue
            stored = original.store()
            previews.append(preview(parsed, original, stored, len(previews)))
        return self.render_upload(request, "admin/archive/document/review.html", {
            "title": "Review before saving", "previews": previews, "failures": failures,
            "count": len(previews),
        })

    def save_reviewed(self, request):
        count = int(request.POST.get("count", 0))
        forms_ = [ReviewForm(request.POST, prefix=f"f{i}") for i in range(min(count, 100))]
        saved, failures = [], []
        for form in forms_:
            if not form.is_valid():
                failures.append((form.data.get(f"{form.prefix}-name", "?"), "the review form was incomplete"))
                continue
            data = form.cleaned_data
            if not data["save"]:
                continue
            if DocumentSource.objects.filter(name=data["name"]).exists() and not self.has_change_permission(request):
                failures.append((data["name"], "it would replace a saved document, which needs the permission to "
                                               "change documents"))
                continue
            try:
                original = Original(data["name"], read_original(data["stored_file"]), data["url"])
                parsed = parse_document(original.data, original.name, series_catalogue(),
                                        settings.ARCHIVE_MAX_UPLOAD_BYTES)
                apply_corrections(parsed, data)
                result = save_statement(parsed, original, data["meeting"])
            except IngestError as error:
                failures.append((data["name"], str(error)))
            else:
                saved.append(result)
        for result in saved:
            note = " (the same text as this document: kept as another source)" if result.status == "duplicate" else ""
            self.message_user(request, f"Saved “{result.document}”{note}.", messages.SUCCESS)
        for name, reason in failures:
            self.message_user(request, f"Nothing was saved from {name}: {reason}", messages.ERROR)
        if len(saved) == 1 and not failures:
            return redirect(reverse("admin:archive_document_change", args=[saved[0].document.pk]))
        return redirect(reverse("admin:archive_document_changelist") if saved else reverse("admin:archive_document_upload"))


def apply_corrections(parsed, data):
    metadata = parsed.metadata
    for name in ("title", "kind", "published_on"):
        if data[name] and data[name] != getattr(metadata, name):
            setattr(metadata, name, data[name])
            metadata.provenance[name] = "corrected"


def preview(parsed, original, stored, index):
    """What the importer read from one file, with a form to correct it before saving."""
    metadata = parsed.metadata
    meeting = find_existing_meeting(metadata.meeting) if metadata.meeting else None
    form = ReviewForm(prefix=f"f{index}", initial={
        "name": original.name, "stored_file": stored, "url": original.url, "save": True,
        "title": metadata.title, "kind": metadata.kind, "published_on": metadata.published_on, "meeting": meeting,
    })
    fields = [("Title", metadata.title, "title"), ("Kind", metadata.kind, "kind"),
              ("Published", metadata.published_on, "published_on")]
    if metadata.meeting:
        info = metadata.meeting
        fields += [("Meeting", f"{info.title}{'' if meeting else ' (new)'}", "meeting")]
        for label, name in [("Held", "start_date"), ("Until", "end_date"), ("City", "city"), ("Country", "country"),
                            ("Mode", "mode"), ("Chair", "chair"), ("Chair country", "chair_country"),
                            ("Co-chairs", "co_chairs")]:
            fields.append((label, getattr(info, name) or "", name))
    # (label, value, provenance for the style, provenance as the admin reads it)
    fields = [(label, value, metadata.provenance.get(name, "missing"),
               PROVENANCE_LABELS.get(metadata.provenance.get(name), metadata.provenance.get(name, "not found")))
              for label, value, name in fields]
    duplicate = None
    if meeting:
        duplicate = find_duplicate(meeting, [p.text for p in parsed.paragraphs])
    return {"name": original.name, "format": parsed.format, "form": form, "fields": fields,
            "paragraphs": parsed.paragraphs, "removed": parsed.removed, "mentions": parsed.mentions,
            "attachment": parsed.attachment_name, "duplicate": duplicate, "summary": metadata.summary,
            "no_meeting": metadata.meeting is None, "notes": parsed.notes,
            "ocr": metadata.provenance.get("text") == "ocr"}


@admin.register(Paragraph)
class ParagraphAdmin(admin.ModelAdmin):
    list_display = ["__str__", "document", "position", "number"]
    list_filter = ["document__kind", "document__meeting__series"]
    search_fields = ["text", "document__title"]
    raw_id_fields = ["document"]
    filter_horizontal = ["mentions"]


@admin.register(AliasGroup)
class AliasGroupAdmin(admin.ModelAdmin):
    list_display = ["__str__", "note"]
    search_fields = ["names", "note"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "keywords"]
