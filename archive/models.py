from django.core.validators import RegexValidator
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
    known_only_from_mentions = models.BooleanField(
        default=False,
        help_text="Created because a statement mentions it; cleared when one of its own statements is imported.",
    )

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
    attachment_name = models.CharField(max_length=255, blank=True, help_text="Name of the file the publisher attached.")
    raw_text = models.TextField(blank=True, help_text="The text as read from the file, before it was split and cleaned.")
    extraction = models.JSONField(
        default=dict, blank=True,
        help_text="For each field the importer filled: “found” in the text or “guessed”. Check the guessed ones.",
    )
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

    @property
    def primary_source(self):
        return self.sources.order_by("pk").first()


class DocumentSource(models.Model):
    """A file a document was read from: the first import, or the same statement from another publisher."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(
        max_length=255, unique=True, help_text="File name; importing a file of this name again updates the document.")
    url = models.URLField(max_length=500, blank=True, help_text="Where the publisher put the file online.")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the original file.")
    stored_file = models.CharField(max_length=300, help_text="The original, under ARCHIVE_DATA_DIR.")
    format = models.CharField(max_length=10)
    retrieved_on = models.DateField(help_text="When the file was retrieved or uploaded.")

    class Meta:
        ordering = ["document", "pk"]

    def __str__(self):
        return self.name


class Paragraph(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField(help_text="Order in the document, from 1.")
    number = models.CharField(max_length=30, blank=True, help_text="The number printed in the statement, if any.")
    anchor = models.CharField(max_length=40, help_text="The paragraph's id in its page: p4 for the paragraph printed as 4.")
    heading = models.CharField(max_length=300, blank=True, help_text="The section heading the paragraph falls under.")
    text = models.TextField()
    mentions = models.ManyToManyField(Meeting, blank=True, related_name="mentioned_in",
                                      help_text="Meetings this paragraph names.")

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="paragraph_unique_position"),
            models.UniqueConstraint(fields=["document", "anchor"], name="paragraph_unique_anchor"),
        ]

    def __str__(self):
        return f"{self.document} ¶{self.label}"

    def save(self, *args, **kwargs):
        self.text, self.heading = plain_text(self.text), plain_text(self.heading)
        if not self.anchor:
            self.anchor = f"p{self.label}"
        super().save(*args, **kwargs)

    @property
    def label(self):
        return self.number or str(self.position)

    def get_absolute_url(self):
        return f"{self.document.get_absolute_url()}#{self.anchor}"


class PendingIndexUpdate(models.Model):
    """A document whose paragraphs must be (re)written to the search index.

    Rows are written in the same transaction as the change, so a change can never
    be committed without its index update being recorded.
    """

    document_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed: every search first asks whether anything is left to apply.
    applied = models.BooleanField(default=False, db_index=True,
                                  help_text="Written to the live index (kept while a rebuild runs).")

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"document {self.document_id}"


class AliasGroup(models.Model):
    """Names that mean the same thing to a searcher: a search for one also finds the others."""

    names = models.TextField(help_text="One name per line, e.g. ROK, Republic of Korea, South Korea, Korea.")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return " = ".join(self.name_list())

    def name_list(self):
        return [line.strip() for line in self.names.splitlines() if line.strip()]


class Topic(models.Model):
    """A subject facet: paragraphs that contain any of its keywords belong to it."""

    name = models.CharField(max_length=100, unique=True,
                            validators=[RegexValidator(r"^[^,]+$", "A topic name cannot contain a comma.")])
    keywords = models.TextField(
        help_text="One word or phrase per line; a paragraph containing any of them (any case) has this topic.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def keyword_list(self):
        return [line.strip() for line in self.keywords.splitlines() if line.strip()]
