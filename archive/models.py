import re

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils import timezone

from .sanitize import plain_text


# A title with this share of its letters in capitals is shown in title case.
ALL_CAPS_SHARE = 0.9
# Kept in capitals when an ALL-CAPS title is shown in title case.
TITLE_ACRONYMS = {"ASEAN", "ROK", "APT", "EAS", "RCEP", "AEM", "AMMTC", "JCC", "PMC", "FTA", "AKFTA", "ARF", "UN",
                  "G20", "DPRK", "PDR", "MOU", "COVID-19", "KASI", "NSP", "AKCF", "ASEAN+3", "US", "EU", "SOM", "II",
                  "III", "IV"}
TITLE_SMALL_WORDS = {"a", "an", "and", "the", "of", "on", "in", "for", "to", "with", "at", "by", "or", "between"}


class MeetingSeriesQuerySet(models.QuerySet):
    def with_edition_counts(self):
        """Each series with `editions` (meetings the archive holds statements of), `mentioned_only` (meetings known
        only from mentions) and the first and last year of its editions, in one query."""
        own = Q(meetings__known_only_from_mentions=False)
        return self.annotate(
            editions=Count("meetings", filter=own),
            mentioned_only=Count("meetings", filter=Q(meetings__known_only_from_mentions=True)),
            first_date=Min("meetings__start_date", filter=own),
            last_date=Max("meetings__start_date", filter=own),
        ).filter(Q(editions__gt=0) | Q(mentioned_only__gt=0))


class MeetingSeries(models.Model):
    name = models.CharField(max_length=200, unique=True, help_text="Canonical name, e.g. “ASEAN-ROK Summit”.")
    slug = models.SlugField(max_length=200, unique=True)
    aliases = models.TextField(
        blank=True,
        help_text="Other spellings of the series name, one per line; the importer matches these too.",
    )
    known_only_from_mentions = models.BooleanField(
        default=False,
        help_text="Created because a statement mentions one of its meetings; the archive holds none of its statements.",
    )

    objects = MeetingSeriesQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "meeting series"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:series-detail", args=[self.slug])

    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class MeetingQuerySet(models.QuerySet):
    def dated(self):
        return self.exclude(start_date=None)

    def with_documents(self):
        """Ready to list: the series and the documents of every meeting read in two more queries, not one per row."""
        return self.select_related("series").prefetch_related(
            models.Prefetch("documents", queryset=Document.objects.listed()))

    def in_series_order(self):
        """Editions in the order they were held: by ordinal, then date, those with neither last."""
        return self.order_by(models.F("ordinal").asc(nulls_last=True), models.F("start_date").asc(nulls_last=True), "pk")

    def mentioned_only_by_page(self, editions_per_page):
        """{page number: ids of the meetings known only from mentions listed on it} when these meetings' editions
        are listed `editions_per_page` at a time: each goes with the edition before it in series order (the
        first page's when none is), so every one is on exactly one page, near its neighbours."""
        pages, editions_before = {}, 0
        for pk, mentioned_only in self.in_series_order().values_list("pk", "known_only_from_mentions"):
            if mentioned_only:
                pages.setdefault(max(editions_before - 1, 0) // editions_per_page + 1, []).append(pk)
            else:
                editions_before += 1
        return pages

    def per_year(self):
        """[{year, held, mentioned_only}] oldest first: how many meetings each year had, counting apart those
        known only from mentions. One row per year, whatever the number of meetings."""
        return (self.dated().annotate(year=ExtractYear("start_date")).values("year").order_by("year")
                .annotate(held=Count("pk", filter=Q(known_only_from_mentions=False)),
                          mentioned_only=Count("pk", filter=Q(known_only_from_mentions=True))))

    def per_month(self, year):
        """{month: (held, mentioned_only)} for the months of `year` that had meetings."""
        rows = (self.filter(start_date__year=year).annotate(month=ExtractMonth("start_date")).values("month")
                .order_by("month")
                .annotate(held=Count("pk", filter=Q(known_only_from_mentions=False)),
                          mentioned_only=Count("pk", filter=Q(known_only_from_mentions=True))))
        return {row["month"]: (row["held"], row["mentioned_only"]) for row in rows}

    def coverage(self):
        """{meetings, first, last, mentioned_only}: the meetings the archive holds statements of with their first
        and last dates, and how many more it knows only from mentions."""
        held = Q(known_only_from_mentions=False)
        return self.aggregate(meetings=Count("pk", filter=held), first=Min("start_date", filter=held),
                              last=Max("start_date", filter=held),
                              mentioned_only=Count("pk", filter=Q(known_only_from_mentions=True)))


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
    corrections = models.JSONField(
        default=list, blank=True,
        help_text="The fields an admin corrected, e.g. [\"city\", \"chair\"]: imports and re-parses never change them.",
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


# A document's columns that only its own page, the admin and ingest read: the full text as read and how it was
# read. A list of documents leaves them in the database, so a worker never holds every statement's text at once.
UNLISTED_DOCUMENT_FIELDS = ("raw_text", "summary", "extraction", "paragraph_corrections")


class DocumentQuerySet(models.QuerySet):
    def listed(self):
        """Without the columns a list of documents never shows (UNLISTED_DOCUMENT_FIELDS)."""
        return self.defer(*UNLISTED_DOCUMENT_FIELDS)

    def latest_first(self):
        """Newest first by the best date known: published, else the day the meeting was held."""
        best_date = Coalesce("published_on", "meeting__start_date")
        return self.select_related("meeting__series").order_by(best_date.desc(nulls_last=True), "-pk")

    def latest_added(self):
        """The documents most recently imported (or imported again) first."""
        return self.select_related("meeting__series").order_by("-imported_at", "-pk")

    def oldest_first(self):
        best_date = Coalesce("published_on", "meeting__start_date")
        return self.select_related("meeting__series").order_by(best_date.asc(nulls_last=True), "pk")

    def by_title(self):
        return self.select_related("meeting__series").order_by("title", "pk")

    def with_year(self):
        """Each document with `best_year`: the year its meeting was held, else the year it was published."""
        return self.annotate(best_year=ExtractYear(Coalesce("meeting__start_date", "published_on")))

    def years(self):
        """The years of the documents (see `with_year`), newest first."""
        return (self.with_year().exclude(best_year=None).order_by("-best_year")
                .values_list("best_year", flat=True).distinct())

    def kinds(self):
        """The kinds of document the archive holds, in alphabetical order."""
        return self.order_by("kind").values_list("kind", flat=True).distinct()

    def filtered(self, series=None, kind=None, year=None):
        """Documents of one series, of one kind and of meetings held (else published) in one year; None for any."""
        documents = self
        if series is not None:
            documents = documents.filter(meeting__series=series)
        if kind:
            documents = documents.filter(kind=kind)
        if year is not None:
            documents = documents.with_year().filter(best_year=year)
        return documents


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
    paragraph_corrections = models.JSONField(
        default=list, blank=True,
        help_text="The admin's edits of the paragraph split, in order, each naming the text it applies to; "
                  "re-applied when the document is re-parsed.",
    )
    imported_at = models.DateTimeField(auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        # The home page's latest additions: read from the index, not by sorting every statement.
        indexes = [models.Index(fields=["imported_at", "id"], name="document_imported_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("archive:document-detail", args=[self.slug])

    def save(self, *args, **kwargs):
        self.title, self.summary = plain_text(self.title), plain_text(self.summary)
        super().save(*args, **kwargs)

    @property
    def display_title(self):
        """An ALL-CAPS title in title case for reading; `title` keeps it as printed, for citation."""
        letters = [c for c in self.title if c.isalpha()]
        if not letters or sum(c.isupper() for c in letters) < len(letters) * ALL_CAPS_SHARE:
            return self.title
        def cased(part):
            return part if re.sub(r"[^\w+-]", "", part).upper() in TITLE_ACRONYMS else part[:1].upper() + part[1:].lower()

        words = []
        for index, word in enumerate(self.title.split(" ")):
            if re.sub(r"[^\w+-]", "", word).upper() in TITLE_ACRONYMS:
                words.append(word)
            elif index and word.lower() in TITLE_SMALL_WORDS:
                words.append(word.lower())
            else:
                words.append("-".join(cased(part) for part in word.split("-")))
        return re.sub(r"\b(\d+)(ST|ND|RD|TH)\b", lambda m: m.group(1) + m.group(2).lower(), " ".join(words))

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
    name = models.CharField(max_length=255, db_index=True, help_text="The file's name as received.")
    url = models.URLField(max_length=500, blank=True, help_text="Where the publisher put the file online.")
    checksum = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the original file.")
    stored_file = models.CharField(max_length=300, help_text="The original, under ARCHIVE_DATA_DIR.")
    format = models.CharField(max_length=10)
    retrieved_on = models.DateField(help_text="When the file was retrieved or uploaded.")

    class Meta:
        ordering = ["document", "pk"]

    def __str__(self):
        return self.name


class DocumentVersion(models.Model):
    """One text of a document as it was received: the first (as issued) and every changed text after it.

    The document's paragraphs are its newest version; each version keeps its own paragraphs, so an
    earlier text can be shown and compared and nothing is lost when a changed text arrives.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="1 for the text as first issued, 2 for the next, …")
    label = models.CharField(max_length=100, help_text="E.g. “as issued”, “corrected”.")
    source = models.ForeignKey(DocumentSource, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="versions", help_text="The file this text was read from.")
    published_on = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    paragraphs = models.JSONField(default=list, help_text="[{number, heading, text, anchor}] as in this version.")

    class Meta:
        ordering = ["document", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="version_unique_number")]

    def __str__(self):
        return f"{self.document}, version {self.number} ({self.label})"


class Paragraph(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField(help_text="Order in the document, from 1.")
    number = models.CharField(max_length=30, blank=True, help_text="The number printed in the statement, if any.")
    anchor = models.CharField(max_length=40, help_text="The paragraph's id in its page: p4 for the paragraph printed as 4.")
    heading = models.CharField(max_length=300, blank=True, help_text="The section heading the paragraph falls under.")
    text = models.TextField()
    mentions = models.ManyToManyField(Meeting, blank=True, related_name="mentioned_in",
                                      help_text="Meetings this paragraph names.")
    added_at = models.DateTimeField(default=timezone.now, editable=False,
                                    help_text="When this text entered the archive; a re-import keeps it for unchanged text.")

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


class OriginalFile(models.Model):
    """The bytes of an original file, so that every app server can read it (each also keeps a copy under its
    ARCHIVE_DATA_DIR/originals)."""

    checksum = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the file.")
    data = models.BinaryField()
    stored_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.checksum


class IndexChange(models.Model):
    """One entry of the index change log: a document whose paragraphs must be (re)written to every search index.

    Appended in the same transaction as the change, in the order of their ids (archive.search.indexing).
    Each app server's index follows the log and records the last entry it applied; entries stay when they
    are applied, until they are older than ARCHIVE_INDEX_LOG_DAYS and every live app server has them.
    """

    document_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"document {self.document_id}"


class IndexLog(models.Model):
    """The change log's one row. Every transaction that appends to the log locks it first, so entries are
    committed in the order of their ids; it also says how far old entries have been deleted."""

    pruned_through = models.BigIntegerField(default=0, help_text="Entries up to this id have been deleted.")

    def __str__(self):
        return f"index log, pruned through {self.pruned_through}"


class ArchiveRevision(models.Model):
    """The archive's revision: one row whose token is drawn afresh, in the same transaction, by every change to
    what the public pages show. Pages rendered under one token are kept and answered again until it changes
    (archive/pages.py). A token is random rather than counted so that one a rolled-back change drew never
    comes back for other content."""

    token = models.CharField(max_length=32, default="")

    def __str__(self):
        return f"archive revision {self.token}"


class IndexNode(models.Model):
    """An app server's search index (ARCHIVE_NODE_NAME), as it last reported."""

    name = models.CharField(max_length=200, unique=True)
    position = models.BigIntegerField(default=0, help_text="The last log entry applied to its index.")
    rebuild_from = models.BigIntegerField(
        null=True, blank=True, help_text="While it rebuilds its index: the last entry the rebuild reads from the database.")
    seen_at = models.DateTimeField(help_text="When it last applied log entries, started or checked its index.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


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


class Commitment(models.Model):
    """A named commitment or initiative of the partnership (a fund, a policy, a plan of action), found in the
    paragraphs by the names and phrases that identify it."""

    class Kind(models.TextChoices):
        FUND = "fund", "Fund"
        POLICY = "policy", "Policy or initiative"
        AGREEMENT = "agreement", "Agreement"
        PLAN = "plan", "Plan of action"
        INSTITUTION = "institution", "Institution"
        PARTNERSHIP = "partnership", "Partnership"
        COOPERATION = "cooperation", "Cooperation framework"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, blank=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The year it was agreed or began.")
    description = models.TextField(blank=True)
    phrases = models.TextField(
        help_text="The names, spellings and abbreviations that identify it, one per line; a paragraph containing "
                  "any of them (as an exact phrase) mentions it.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("archive:commitment-detail", args=[self.slug])

    def phrase_list(self):
        return [line.strip() for line in self.phrases.splitlines() if line.strip().strip('"')]

    def query(self):
        """A search for any of its phrases, each exact: `"ASEAN-Korea Cooperation Fund" OR "AKCF"`."""
        return " OR ".join(f'"{phrase.replace(chr(34), "")}"' for phrase in self.phrase_list())
