import json
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from .ingest import IngestError, parse_document
from .ingest.corrections import OPERATIONS, apply_correction, apply_corrections, describe, is_correction, split_point
from .ingest.metadata import KINDS, MeetingInfo
from .ingest.save import (
    CORRECTABLE_FIELDS, MEETING_FIELDS, Original, apply_edits, apply_reparse, edit_paragraphs, find_duplicate,
    find_existing_meeting, read_again, read_original, reparse, reparse_changes, save_statement, series_catalogue,
)
from .ingest.structure import ParsedParagraph
from .models import AliasGroup, Document, DocumentSource, Meeting, MeetingSeries, Paragraph, Topic
from .models import Commitment
from .sanitize import plain_text
from .search.indexing import one_entry_per_document, queued_for_background

STORED_ORIGINAL = re.compile(r"^originals/[0-9a-f]{2}/[0-9a-f]{64}(\.\w{1,9})?$")
# How a field's provenance (Document.extraction) reads to an admin, where the bare value would not do.
PROVENANCE_LABELS = {"ocr": "from OCR — check"}
# A meeting's fields an admin corrects, with how the admin pages name them.
MEETING_DETAILS = {"series": "Series", "ordinal": "Ordinal", "start_date": "Held", "end_date": "Until", "city": "City",
                   "country": "Country", "mode": "Mode", "chair": "Chair", "chair_country": "Chair country",
                   "co_chairs": "Co-chairs"}
FIELD_LABELS = {"title": "Title", "kind": "Kind", "published_on": "Published", "meeting": "Meeting",
                "paragraphs": "Paragraphs", **MEETING_DETAILS}
MEETINGS_IN_ORDER = Meeting.objects.select_related("series").order_by("series__name", "ordinal", "start_date")


def correct_meeting(meeting, values):
    """Set the meeting fields an admin corrected and record them: imports and re-parses never change them."""
    for name, value in values.items():
        setattr(meeting, name, value)
    if {"series", "ordinal"} & values.keys() and "title" not in meeting.corrections:
        meeting.title = MeetingInfo(meeting.series.name, meeting.ordinal, meeting.start_date).title
    meeting.corrections = sorted({*meeting.corrections, *values})
    meeting.save()


def has_corrections(document):
    return "corrected" in document.extraction.values() or bool(document.meeting.corrections) \
        or bool(document.paragraph_corrections)


class IndexedAdmin(admin.ModelAdmin):
    """A change made through the admin (a form and its inlines, a delete, a list action) is one transaction
    that logs each statement it touches once for the search index."""

    def changeform_view(self, request, *args, **kwargs):
        with transaction.atomic(), one_entry_per_document():
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with transaction.atomic(), one_entry_per_document():
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with transaction.atomic(), one_entry_per_document():
            return super().changelist_view(request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        """A save that touches many statements (a series renamed, a topic edited) has them re-indexed in the
        background: say so."""
        super().save_model(request, obj, form, change)
        count = queued_for_background()
        if count:
            self.message_user(request, f"Re-indexing {count} statement{'s' if count != 1 else ''} in the background; "
                                       "their search results follow within moments (`manage.py check_index` "
                                       "reports when this server's index is up to date).", messages.INFO)


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(IndexedAdmin):
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
class MeetingAdmin(IndexedAdmin):
    list_display = ["title", "series", "start_date", "city", "mode", "chair_country", "known_only_from_mentions"]
    list_filter = ["series", "mode", "chair_country", "known_only_from_mentions"]
    search_fields = ["title", "city", "country", "chair", "co_chairs"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["corrections"]
    inlines = [DocumentInline]

    def save_model(self, request, obj, form, change):
        if change:  # what the admin changed stays as corrected
            obj.corrections = sorted({*obj.corrections, *(set(form.changed_data) & {"title", *MEETING_DETAILS})})
        super().save_model(request, obj, form, change)


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


def meeting_field(name):
    return Meeting._meta.get_field(name).formfield(required=False, label=MEETING_DETAILS[name])


class MeetingDetailsForm(forms.Form):
    """The fields of a document's meeting, as the admin corrects them from the document."""

    meeting_series = meeting_field("series")
    meeting_ordinal = meeting_field("ordinal")
    meeting_start_date = meeting_field("start_date")
    meeting_end_date = meeting_field("end_date")
    meeting_city = meeting_field("city")
    meeting_country = meeting_field("country")
    meeting_mode = meeting_field("mode")
    meeting_chair = meeting_field("chair")
    meeting_chair_country = meeting_field("chair_country")
    meeting_co_chairs = meeting_field("co_chairs")

    def changed_details(self, read):
        """{field: value} of the meeting's fields given otherwise than `read` ({field: value})."""
        return {name: self.cleaned_data[f"meeting_{name}"] for name in MEETING_DETAILS
                if self.cleaned_data[f"meeting_{name}"] != read[name]}


def meeting_details(meeting):
    """A meeting's (or a MeetingInfo's) fields as MeetingDetailsForm reads them."""
    values = {name: getattr(meeting, name, None) for name in MEETING_DETAILS}
    if isinstance(meeting, MeetingInfo):
        values["series"] = MeetingSeries.objects.filter(name=meeting.series).first()
    return values


NUMBER_LENGTH = Paragraph._meta.get_field("number").max_length


def plain_number(edit):
    """Whether an edit's number (if it sets one) is plain text that fits a paragraph's number."""
    number = edit.get("number", "")
    return len(number) <= NUMBER_LENGTH and number == plain_text(number).strip()


class ReviewForm(MeetingDetailsForm):
    """One previewed file: where its original is kept, and the corrections made before saving (its paragraph
    edits, made in turn on the review page, among them)."""

    name = forms.CharField(widget=forms.HiddenInput, max_length=255)
    stored_file = forms.RegexField(STORED_ORIGINAL, widget=forms.HiddenInput)
    url = forms.URLField(required=False, widget=forms.HiddenInput, assume_scheme="https")
    paragraph_edits = forms.JSONField(required=False, widget=forms.HiddenInput)
    save = forms.BooleanField(required=False, initial=True, label="Save this statement")
    title = forms.CharField(max_length=300, required=False, widget=forms.TextInput(attrs={"size": 80}))
    kind = forms.ChoiceField(choices=[("", "(as read)")] + [(k, k) for k, _ in KINDS] + [("Statement", "Statement")],
                             required=False)
    published_on = forms.DateField(required=False, help_text="YYYY-MM-DD")
    meeting = forms.ModelChoiceField(MEETINGS_IN_ORDER, required=False,
                                     help_text="Leave empty to take the meeting from the text (corrected by the "
                                               "fields below).")

    def clean_paragraph_edits(self):
        """The edits as ParagraphEditForm.correction makes them: nothing else is taken from the page."""
        edits = self.cleaned_data["paragraph_edits"] or []
        if not isinstance(edits, list) or not all(is_correction(edit) and plain_number(edit) for edit in edits):
            raise forms.ValidationError("The paragraph edits are not valid.")
        return edits

    def file_is_valid(self):
        """Whether the fields naming the file and its paragraph edits are (its corrections may not be yet)."""
        return self.is_valid() or not self.errors.keys() & {"name", "stored_file", "url", "paragraph_edits"}

    @property
    def edit_prefix(self):
        """The prefix of the file's ParagraphEditForm."""
        return f"{self.prefix}-edit"

    def original(self):
        """The file as uploaded, read again from the archive's store."""
        data = self.cleaned_data
        return Original(data["name"], read_original(data["stored_file"]), data["url"])

    def reviewed_meeting(self, parsed):
        """The meeting chosen for the statement, or None to find or create it from what was read, corrected
        in `parsed`; and the corrections to the meeting's own fields."""
        metadata, chosen = parsed.metadata, self.cleaned_data["meeting"]
        info = metadata.meeting
        found = find_existing_meeting(info) if info else None
        changed = self.changed_details(meeting_details(info or MeetingInfo("")))
        if chosen and chosen != found:
            if changed:
                raise IngestError("choose another meeting or correct the meeting's fields, not both")
            metadata.provenance["meeting"] = "corrected"
            return chosen, {}
        if {"series", "ordinal"} & changed.keys():  # another meeting than the one the text names
            series = self.cleaned_data["meeting_series"]
            if series is None:
                raise IngestError("a meeting needs its series")
            info = info or MeetingInfo(series.name)
            info.series, info.ordinal = series.name, self.cleaned_data["meeting_ordinal"]
            metadata.meeting, metadata.provenance["meeting"] = info, "corrected"
        if info is None:  # no meeting named, chosen or given: save_statement refuses the statement, saying so
            return None, {}
        details = {name: value for name, value in changed.items() if name in MEETING_FIELDS}
        for name, value in details.items():
            setattr(info, name, value)
        return None, details


class DocumentForm(MeetingDetailsForm, forms.ModelForm):
    """The document's fields and, changed on the meeting itself (for all its documents), its meeting's."""

    class Meta:
        model = Document
        exclude = ["extraction", "paragraph_corrections"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.meeting_id:
            self.initial.update({f"meeting_{name}": getattr(value, "pk", value)
                                 for name, value in meeting_details(self.instance.meeting).items()})

    def clean(self):
        data = super().clean()
        if self.instance.meeting_id and self.meeting_changes():
            if "meeting" in self.changed_data:
                raise forms.ValidationError("Choose another meeting or correct the meeting's fields, not both.")
            meeting = self.instance.meeting
            series, ordinal = data.get("meeting_series"), data.get("meeting_ordinal")
            if series is None:
                self.add_error("meeting_series", "A meeting needs its series.")
            elif ordinal is not None and \
                    Meeting.objects.filter(series=series, ordinal=ordinal).exclude(pk=meeting.pk).exists():
                self.add_error("meeting_ordinal", "The archive already holds this meeting: choose it as the "
                                                  "document's meeting instead.")
        return data

    def meeting_changes(self):
        return {name: self.cleaned_data[f"meeting_{name}"] for name in MEETING_DETAILS
                if f"meeting_{name}" in self.changed_data and f"meeting_{name}" in self.cleaned_data}


class ParagraphEditForm(forms.Form):
    """One edit of the paragraph split (or forgetting an earlier one), as posted from a document's paragraphs
    page or from the review of an upload."""

    paragraph = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, widget=forms.HiddenInput,
                                       error_messages={"invalid_choice": "The paragraphs changed meanwhile: "
                                                                         "make the edit again on this page."})
    op = forms.ChoiceField(choices=[(op, op) for op in OPERATIONS], required=False)
    number = forms.CharField(required=False, max_length=NUMBER_LENGTH)
    after = forms.CharField(required=False, max_length=300)
    forget = forms.IntegerField(required=False, min_value=0)

    def __init__(self, paragraphs, edits, *args, **kwargs):
        """`paragraphs`: {the key the page posts for a paragraph: the paragraph}, in order; `edits`: those
        recorded so far."""
        super().__init__(*args, **kwargs)
        self.paragraphs, self.edits = paragraphs, edits
        self.fields["paragraph"].choices = [(key, key) for key in paragraphs]

    @staticmethod
    def posted(data, prefix):
        """Whether an edit (or forgetting one) was posted under this prefix."""
        return f"{prefix}-op" in data or f"{prefix}-forget" in data

    def clean(self):
        data = super().clean()
        if data.get("forget") is not None:
            if data["forget"] >= len(self.edits):
                raise forms.ValidationError("That edit is no longer recorded.")
        elif data.get("paragraph") is None or not data.get("op"):
            raise forms.ValidationError("Choose a paragraph and an edit.")
        elif data["op"] == "split" and split_point(self.chosen().text, data.get("after", "")) is None:
            raise forms.ValidationError("To split a paragraph, give words it contains before its end.")
        elif data["op"] == "merge" and self.following() is None:
            raise forms.ValidationError("The last paragraph has none after it to join.")
        return data

    def chosen(self):
        return self.paragraphs[self.cleaned_data["paragraph"]]

    def following(self):
        keys = list(self.paragraphs)
        after = keys.index(self.cleaned_data["paragraph"]) + 1
        return self.paragraphs[keys[after]] if after < len(keys) else None

    def error_text(self):
        return " ".join(error for errors in self.errors.values() for error in errors)

    def correction(self):
        data = self.cleaned_data
        correction = {"op": data["op"], "text": self.chosen().text}
        if data["op"] == "merge":
            correction["next"] = self.following().text
        elif data["op"] == "split":
            correction["after"] = data["after"].strip()
        elif data["op"] == "number":
            correction["number"] = plain_text(data["number"]).strip()
        return correction


@admin.register(Document)
class DocumentAdmin(IndexedAdmin):
    form = DocumentForm
    list_display = ["title", "kind", "meeting", "published_on", "imported_at"]
    list_filter = ["kind", "meeting__series"]
    search_fields = ["title", "sources__name", "meeting__title"]
    date_hierarchy = "published_on"
    readonly_fields = ["extraction_report", "raw_text", "imported_at"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SourceInline, ParagraphInline]
    actions = ["reparse_documents"]
    change_list_template = "admin/archive/document/change_list.html"
    change_form_template = "admin/archive/document/change_form.html"

    def get_fieldsets(self, request, obj=None):
        document = ["title", "kind", "published_on", "meeting", "slug", "summary", "attachment_name"]
        read = ["extraction_report", "raw_text", "imported_at"]
        if obj is None or not self.has_change_permission(request, obj):
            return [(None, {"fields": document}), ("What the importer read", {"fields": read})]
        return [
            (None, {"fields": document}),
            ("The meeting's fields", {"fields": [f"meeting_{name}" for name in MEETING_DETAILS], "description":
                "A correction here changes the meeting, for all its documents, and is kept when statements are "
                "imported or re-parsed."}),
            ("What the importer read", {"fields": read}),
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "meeting":
            kwargs["queryset"] = MEETINGS_IN_ORDER
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:  # what the admin changed stays as corrected when the document is re-parsed
            obj.extraction = {**obj.extraction, **dict.fromkeys(
                set(form.changed_data) & {*CORRECTABLE_FIELDS, "meeting"}, "corrected")}
        super().save_model(request, obj, form, change)
        if change and form.meeting_changes():
            correct_meeting(obj.meeting, form.meeting_changes())

    @admin.display(description="What the importer found and guessed")
    def extraction_report(self, document):
        report = {**document.extraction, **dict.fromkeys(document.meeting.corrections, "corrected")} \
            if document.meeting_id else document.extraction
        if document.paragraph_corrections:
            edits = len(document.paragraph_corrections)
            report["paragraphs"] = f"corrected ({edits} edit{'s' if edits > 1 else ''})"
        if not report:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{}: <strong>{}</strong></li>",
            ((name, PROVENANCE_LABELS.get(value, value)) for name, value in sorted(report.items()))))

    @admin.action(description="Re-parse from the stored original", permissions=["change"])
    def reparse_documents(self, request, queryset):
        """Re-parse documents nobody corrected; a corrected one goes to its review of what would change."""
        corrected = [document for document in queryset if has_corrections(document)]
        if len(queryset) == 1 and corrected:
            return redirect("admin:archive_document_reparse", corrected[0].pk)
        for document in queryset:
            if document in corrected:
                self.message_user(request, format_html(
                    "“{}” has corrections: <a href=\"{}\">review what re-parsing it would change</a>.",
                    document, reverse("admin:archive_document_reparse", args=[document.pk])), messages.WARNING)
                continue
            try:
                reparse(document)
            except IngestError as error:
                self.message_user(request, f"{document}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"Re-parsed “{document}”.", messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="archive_document_upload"),
            path("<int:pk>/paragraphs/", view(self.paragraphs_view), name="archive_document_paragraphs"),
            path("<int:pk>/reparse/", view(self.reparse_view), name="archive_document_reparse"),
            *super().get_urls(),
        ]

    def changeable_document(self, request, pk):
        document = get_object_or_404(Document.objects.select_related("meeting__series"), pk=pk)
        if not self.has_change_permission(request, document):
            raise PermissionDenied
        return document

    def paragraphs_view(self, request, pk):
        """Edit the paragraph split: join, split, number, remove as furniture, make a heading."""
        document = self.changeable_document(request, pk)
        if request.method == "POST":
            form = ParagraphEditForm({p.pk: p for p in document.paragraphs.all()}, document.paragraph_corrections,
                                     request.POST)
            if not form.is_valid():
                self.message_user(request, form.error_text(), messages.ERROR)
            elif form.cleaned_data["forget"] is not None:
                forgotten = document.paragraph_corrections.pop(form.cleaned_data["forget"])
                document.save(update_fields=["paragraph_corrections"])
                self.message_user(request, f"Forgotten (the paragraphs stay as they are): {describe(forgotten)}.",
                                  messages.SUCCESS)
            else:
                correction = form.correction()
                if edit_paragraphs(document, correction):
                    self.message_user(request, f"Done: {describe(correction)}.", messages.SUCCESS)
                else:
                    self.message_user(request, f"That edit does not apply: {describe(correction)}.", messages.ERROR)
            return redirect("admin:archive_document_paragraphs", document.pk)
        edits = document.paragraph_corrections
        return self.render_page(request, "admin/archive/document/paragraphs.html", {
            "title": f"Edit the paragraphs of “{document}”", "original": document,
            "paragraphs": document.paragraphs.all(),
            "edits": [(index, describe(edit)) for index, edit in enumerate(edits)],
            "removed": [edit["text"] for edit in edits if edit["op"] == "furniture"],
        })

    def reparse_view(self, request, pk):
        """What re-parsing the stored original would change; the admin accepts each change or keeps the value."""
        document = self.changeable_document(request, pk)
        try:
            again = read_again(document)
            if request.method == "POST":
                result = apply_reparse(again, set(request.POST.getlist("accept")))
                self.message_user(request, f"Re-parsed “{result.document}”.", messages.SUCCESS)
                for edit in result.unapplied:
                    self.message_user(request, f"This paragraph edit no longer applies: {describe(edit)}.",
                                      messages.WARNING)
                return redirect("admin:archive_document_change", document.pk)
        except IngestError as error:
            self.message_user(request, f"{document}: {error}", messages.ERROR)
            return redirect("admin:archive_document_change", document.pk)
        changes = [(change, FIELD_LABELS[change.name]) for change in reparse_changes(again)]
        return self.render_page(request, "admin/archive/document/reparse.html", {
            "title": f"Re-parse “{document}”", "original": document, "changes": changes,
            "unapplied": [describe(edit) for edit in again.unapplied],
        })

    def render_page(self, request, template, context):
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "max_bytes": settings.ARCHIVE_MAX_UPLOAD_BYTES, **context,
        })

    def upload_view(self, request):
        """Upload or paste statements, review what the importer read, correct it (its paragraphs too), then
        save."""
        if not self.has_add_permission(request):
            return redirect("admin:index")
        if request.method == "POST" and "review" in request.POST:
            count = int(request.POST.get("count", 0))
            forms_ = [ReviewForm(request.POST, prefix=f"f{i}") for i in range(min(count, 100))]
            edited = next((index for index, form in enumerate(forms_)
                           if ParagraphEditForm.posted(request.POST, form.edit_prefix)), None)
            if edited is not None:
                return self.edit_reviewed(request, forms_, edited)
            return self.save_reviewed(request, forms_)
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        if not form.is_valid():
            return self.render_page(request, "admin/archive/document/upload.html",
                                    {"title": "Upload statements", "form": form})
        previews, failures = [], []
        for original in form.originals():
            try:
                parsed = parse(original)
            except IngestError as error:
                failures.append((original.name, str(error)))
                continue
            stored = original.store()
            previews.append(preview(parsed, original, review_form(parsed, original, stored, len(previews))))
        return self.render_review(request, previews, failures, len(previews))

    def render_review(self, request, previews, failures, count):
        return self.render_page(request, "admin/archive/document/review.html", {
            "title": "Review before saving", "previews": previews, "failures": failures, "count": count,
        })

    def edit_reviewed(self, request, forms_, edited):
        """Make one paragraph edit (or undo one) in the preview of the file `edited` and show the review page
        again: each file read again from its stored original, with its edits (its review form's) made again."""
        data, previews, failures = request.POST.copy(), [], []
        for index, form in enumerate(forms_):
            try:
                if not form.file_is_valid():
                    raise IngestError("the review form was incomplete")
                original = form.original()
                parsed = parse(original)
            except IngestError as error:
                failures.append((form.data.get(f"{form.prefix}-name", "?"), str(error)))
                continue
            edits, outcome = form.cleaned_data["paragraph_edits"], None
            if index == edited:
                edits, outcome = edit_preview(parsed.paragraphs, edits, request.POST, form.edit_prefix)
                data[f"{form.prefix}-paragraph_edits"] = json.dumps(edits)
            previews.append(preview(parsed, original, ReviewForm(data, prefix=form.prefix), edits, outcome))
        return self.render_review(request, previews, failures, len(forms_))

    def save_reviewed(self, request, forms_):
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
                original = form.original()
                parsed = parse(original)
                correct_document_fields(parsed, data)
                meeting, details = form.reviewed_meeting(parsed)
                with transaction.atomic():
                    result = save_statement(parsed, original, meeting, edits=data["paragraph_edits"])
                    if details:
                        correct_meeting(result.document.meeting, details)
            except IngestError as error:
                failures.append((data["name"], str(error)))
            else:
                saved.append(result)
        for result in saved:
            note = " (the same text as this document: kept as another source)" if result.status == "duplicate" else ""
            self.message_user(request, f"Saved “{result.document}”{note}.", messages.SUCCESS)
            for edit in result.unapplied:
                self.message_user(request, f"This paragraph edit no longer applies: {describe(edit)}.",
                                  messages.WARNING)
        for name, reason in failures:
            self.message_user(request, f"Nothing was saved from {name}: {reason}", messages.ERROR)
        if len(saved) == 1 and not failures:
            return redirect(reverse("admin:archive_document_change", args=[saved[0].document.pk]))
        return redirect(reverse("admin:archive_document_changelist") if saved else reverse("admin:archive_document_upload"))


def parse(original):
    return parse_document(original.data, original.name, series_catalogue(), settings.ARCHIVE_MAX_UPLOAD_BYTES)


def correct_document_fields(parsed, data):
    metadata = parsed.metadata
    for name in ("title", "kind", "published_on"):
        if data[name] and data[name] != getattr(metadata, name):
            setattr(metadata, name, data[name])
            metadata.provenance[name] = "corrected"


def edit_preview(read, edits, data, prefix):
    """A preview's edits with the one posted under `prefix` made (or one undone), and what became of it (a
    message's level and text); `read`: the paragraphs as read from the original."""
    paragraphs = [ParsedParagraph(p.number, p.text, p.heading) for p in read]
    apply_corrections(paragraphs, edits)
    form = ParagraphEditForm(dict(enumerate(paragraphs)), edits, data, prefix=prefix)
    if not form.is_valid():
        return edits, ("error", form.error_text())
    if form.cleaned_data["forget"] is not None:
        index = form.cleaned_data["forget"]
        return edits[:index] + edits[index + 1:], ("success", f"Undone: {describe(edits[index])}.")
    correction = form.correction()
    if not apply_correction(paragraphs, correction):
        return edits, ("error", f"That edit does not apply: {describe(correction)}.")
    return [*edits, correction], ("success", f"Done: {describe(correction)}.")


def review_form(parsed, original, stored, index):
    """The review form of a file just uploaded, filled in with what the importer read."""
    metadata = parsed.metadata
    return ReviewForm(prefix=f"f{index}", initial={
        "name": original.name, "stored_file": stored, "url": original.url, "paragraph_edits": [], "save": True,
        "title": metadata.title, "kind": metadata.kind, "published_on": metadata.published_on,
        "meeting": find_existing_meeting(metadata.meeting) if metadata.meeting else None,
        **{f"meeting_{name}": getattr(value, "pk", value)
           for name, value in meeting_details(metadata.meeting or MeetingInfo("")).items()},
    })


def preview(parsed, original, form, edits=(), outcome=None):
    """What the importer read from one file, with `edits` made in its paragraphs, and the forms to correct it
    before saving; `outcome`: what became of the paragraph edit just posted (a message's level and text)."""
    metadata = parsed.metadata
    meeting = find_existing_meeting(metadata.meeting) if metadata.meeting else None
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
    if meeting:  # compared before the edits, as save_statement compares it
        duplicate = find_duplicate(meeting, [p.text for p in parsed.paragraphs])
    notes = parsed.notes + [f"this paragraph edit no longer applies: {describe(edit)}"
                            for edit in apply_edits(parsed, edits)]
    return {"name": original.name, "format": parsed.format, "form": form, "fields": fields,
            "paragraphs": parsed.paragraphs, "removed": parsed.removed, "mentions": parsed.mentions,
            "attachment": parsed.attachment_name, "duplicate": duplicate, "summary": metadata.summary,
            "no_meeting": metadata.meeting is None, "notes": notes,
            "ocr": metadata.provenance.get("text") == "ocr",
            "edit": ParagraphEditForm(dict(enumerate(parsed.paragraphs)), edits, prefix=form.edit_prefix),
            "edits": [describe(edit) for edit in edits], "outcome": outcome}


@admin.register(Paragraph)
class ParagraphAdmin(IndexedAdmin):
    list_display = ["__str__", "document", "position", "number"]
    list_filter = ["document__kind", "document__meeting__series"]
    search_fields = ["text", "document__title"]
    raw_id_fields = ["document"]
    filter_horizontal = ["mentions"]


@admin.register(AliasGroup)
class AliasGroupAdmin(IndexedAdmin):
    list_display = ["__str__", "note"]
    search_fields = ["names", "note"]


@admin.register(Topic)
class TopicAdmin(IndexedAdmin):
    list_display = ["name"]
    search_fields = ["name", "keywords"]


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "start_year"]
    list_filter = ["kind"]
    search_fields = ["name", "phrases", "description"]
    prepopulated_fields = {"slug": ["name"]}
