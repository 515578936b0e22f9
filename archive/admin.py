import hashlib

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .ingest import IngestError
from .ingest.save import import_statement
from .models import Document, Meeting, MeetingSeries, Paragraph


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
    list_display = ["title", "series", "start_date", "city", "mode", "chair_country"]
    list_filter = ["series", "mode", "chair_country"]
    search_fields = ["title", "city", "country", "chair", "co_chairs"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [DocumentInline]


class ParagraphInline(admin.TabularInline):
    model = Paragraph
    fields = ["position", "number", "text"]
    extra = 0


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class UploadForm(forms.Form):
    # Empty files reach the importer, which names the file and says why it was refused.
    files = MultipleFileField(required=False, allow_empty_file=True, help_text="One or more .txt statements.")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 12}),
                           help_text="Or paste the text of one statement.")
    name = forms.CharField(required=False, max_length=200,
                           help_text="A name for the pasted text (kept as its source name).")
    source_url = forms.URLField(required=False, assume_scheme="https", help_text="Where the publisher put the statement online.")
    meeting = forms.ModelChoiceField(
        Meeting.objects.all(), required=False,
        help_text="Leave empty to take the meeting from the text.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("files") and not data.get("text", "").strip():
            raise forms.ValidationError("Choose a file to upload or paste a statement's text.")
        return data


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "meeting", "published_on", "imported_at"]
    list_filter = ["kind", "meeting__series"]
    search_fields = ["title", "sources__name", "meeting__title"]
    date_hierarchy = "published_on"
    raw_id_fields = ["meeting"]
    readonly_fields = ["raw_text", "imported_at"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ParagraphInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    change_list_template = "admin/archive/document/change_list.html"

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="archive_document_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        if not self.has_add_permission(request):
            return redirect("admin:index")
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        failures = []
        if form.is_valid():
            saved = []
            for name, data in self.uploads(request, form.cleaned_data):
                try:
                    result = import_statement(data, name, form.cleaned_data["source_url"], form.cleaned_data["meeting"])
                except IngestError as error:
                    failures.append((name, str(error)))
                else:
                    saved.append(result.document)
            for document in saved:
                messages.success(request, f"Saved “{document.title}” with {document.paragraphs.count()} paragraphs.")
            if saved and not failures:
                if len(saved) == 1:
                    return redirect(reverse("admin:archive_document_change", args=[saved[0].pk]))
                return redirect(reverse("admin:archive_document_changelist"))
        return TemplateResponse(request, "admin/archive/document/upload.html", {
            **self.admin_site.each_context(request),
            "title": "Upload statements",
            "form": form,
            "failures": failures,
            "opts": self.model._meta,
            "max_bytes": settings.ARCHIVE_MAX_UPLOAD_BYTES,
        })

    @staticmethod
    def uploads(request, data):
        for upload in data["files"]:
            yield upload.name, upload.read(settings.ARCHIVE_MAX_UPLOAD_BYTES + 1)
        if data["text"].strip():
            text = data["text"].encode("utf-8")
            name = data["name"].strip() or f"pasted-{hashlib.sha256(text).hexdigest()[:12]}"
            yield (name if name.lower().endswith(".txt") else f"{name}.txt"), text


@admin.register(Paragraph)
class ParagraphAdmin(admin.ModelAdmin):
    list_display = ["__str__", "document", "position", "number"]
    list_filter = ["document__kind", "document__meeting__series"]
    search_fields = ["text", "document__title"]
    raw_id_fields = ["document"]
