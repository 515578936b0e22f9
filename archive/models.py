from django.db import models
from django.urls import reverse

from .sanitize import plain_text


class MeetingSeries(models.Model):
    name = models.CharField(max_length=200, unique=True, help_text="Canonical name, e.g. “ASEAN-ROK Summit”.")
    slug = models.SlugField(max_length=200, unique=True)
    aliases = models.TextField(
        blank=True,
        help_text="Other spellings of the series name, one per line; the importer matches these too.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "meeting series"

    def __str__(self):
        return self.name

    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class MeetingQuerySet(models.QuerySet):
    def dated(self):
        return self.exclude(start_date=None)


class Meeting(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEOCONFERENCE = "videoconference", "Videoconference"

    series = models.ForeignKey(MeetingSeries, on_delete=models.PROTECT, related_name="meetings")
    ordinal = models.PositiveIntegerField(null=True, blank=True, help_text="21 for the 21st meeting of the series.")
    title = models.CharField(max_length=250)
    slug = models.SlugField(max_length=250, unique=True)
    start_date = models.DateField(null=True, blank=True, help_text="The date the meeting was held (its first day).")
    end_date = models.DateField(null=True, blank=True, help_text="Last day, for meetings held over several days.")
    venue = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    mode = models.CharField(max_length=20, choices=Mode.choices, blank=True)
    chair = models.CharField(max_length=200, blank=True, help_text="The person who chaired the meeting.")
    chair_country = models.CharField(max_length=100, blank=True)
    co_chairs = models.CharField(max_length=300, blank=True, help_text="Co-chairs as printed, e.g. “Kim Gunn (ROK)”.")

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "series__name", "-ordinal"]
        get_latest_by = "start_date"
        constraints = [
            models.UniqueConstraint(fields=["series", "ordinal"], name="meeting_unique_ordinal_in_series"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("archive:meeting-detail", args=[self.slug])

    def _series_neighbours(self):
        return Meeting.objects.filter(series=self.series).exclude(pk=self.pk)

    def previous_in_series(self):
        others = self._series_neighbours()
        if self.ordinal is not None:
            return others.filter(ordinal__lt=self.ordinal).order_by("-ordinal").first()
        if self.start_date is not None:
            return others.filter(start_date__lt=self.start_date).order_by("-start_date").first()
        return None

    def next_in_series(self):
        others = self._series_neighbours()
        if self.ordinal is not None:
            return others.filter(ordinal__gt=self.ordinal).order_by("ordinal").first()
        if self.start_date is not None:
            return others.filter(start_date__gt=self.start_date).order_by("start_date").first()
        return None


class DocumentQuerySet(models.QuerySet):
    def latest_first(self):
        return self.select_related("meeting__series").order_by("-published_on", "-meeting__start_date", "-pk")


class Document(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=100, help_text="E.g. Chairman's Statement, Press Release, Joint Statement.")
    slug = models.SlugField(max_length=200, unique=True)
    published_on = models.DateField(null=True, blank=True, help_text="The date the publisher released the text.")
    summary = models.TextField(blank=True, help_text="The publisher's preface, kept apart from the paragraphs.")
    source_name = models.CharField(
        max_length=255, unique=True, help_text="File name the text was imported from; re-importing it updates this document."
    )
    source_url = models.URLField(max_length=500, blank=True, help_text="Where the publisher put the text online.")
    attachment_name = models.CharField(max_length=255, blank=True, help_text="Name of the file the publisher attached.")
    raw_text = models.TextField(help_text="The text exactly as received, before cleaning.")
    imported_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("archive:document-detail", args=[self.slug])

    def save(self, *args, **kwargs):
        self.title, self.summary = plain_text(self.title), plain_text(self.summary)
        super().save(*args, **kwargs)

    @property
    def year(self):
        date = self.meeting.start_date or self.published_on
        return date.year if date else None


class Paragraph(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField(help_text="Order in the document, from 1.")
    number = models.CharField(max_length=20, blank=True, help_text="The number printed in the statement, if any.")
    text = models.TextField()

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="paragraph_unique_position"),
        ]

    def __str__(self):
        return f"{self.document} ¶{self.label}"

    def save(self, *args, **kwargs):
        self.text = plain_text(self.text)
        super().save(*args, **kwargs)

    @property
    def label(self):
        return self.number or str(self.position)

    @property
    def anchor(self):
        """`p4` for the paragraph printed as 4; its position where none is printed."""
        return f"p{self.label}"

    def get_absolute_url(self):
        return f"{self.document.get_absolute_url()}#{self.anchor}"


class PendingIndexUpdate(models.Model):
    """A document whose paragraphs must be (re)written to the search index.

    Rows are written in the same transaction as the change, so a change can never
    be committed without its index update being recorded.
    """

    document_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"document {self.document_id}"
