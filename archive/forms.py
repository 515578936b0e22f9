"""The search parameters, shared by the page and every export, read once into a SearchRequest."""

from django import forms

from .models import Document, MeetingSeries
from .search.facets import FACETS
from .search.service import DEFAULT_PER_PAGE, MAX_PER_PAGE, SORTS, SearchRequest


class ValuesField(forms.Field):
    """Every value a parameter is given (`year=2019&year=2023`), empty ones left out."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return sorted({item for item in value or () if item})


class SearchForm(forms.Form):
    """Never invalid as a whole: a parameter that cannot be used is ignored, and a note says so."""

    q = forms.CharField(required=False, strip=True)
    document = forms.SlugField(required=False, max_length=200)
    sort = forms.ChoiceField(required=False, choices=[(name, name) for name in SORTS])
    page = forms.IntegerField(required=False, min_value=1)
    per_page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["from"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
        self.fields["to"] = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
        for facet in FACETS:
            self.fields[facet.name] = ValuesField(required=False)

    def search_request(self) -> SearchRequest:
        self.is_valid()
        data, notes = self.cleaned_data, []
        for name in self.errors:
            shown = ", ".join(f"“{value}”" for value in self.data.getlist(name))
            notes.append(f"{IGNORED[name]} {shown} could not be used, so it was ignored.")
        document = None
        if data.get("document"):
            document = Document.objects.filter(slug=data["document"]).first()
            if document is None:
                notes.append(f"There is no statement “{data['document']}”, so the whole archive was searched.")
        per_page = data.get("per_page") or DEFAULT_PER_PAGE
        if per_page > MAX_PER_PAGE:
            notes.append(f"At most {MAX_PER_PAGE} results are shown per page.")
            per_page = MAX_PER_PAGE
        date_from, date_to = data.get("from"), data.get("to")
        if date_from and date_to and date_from > date_to:
            notes.append("The dates were given latest first, so they were swapped.")
            date_from, date_to = date_to, date_from
        q = data.get("q", "")
        sort = data.get("sort") or ("relevance" if q else "newest")
        return SearchRequest(
            q=q, filters={facet.name: data[facet.name] for facet in FACETS if data.get(facet.name)},
            date_from=date_from, date_to=date_to, document=document, sort=sort,
            page=data.get("page") or 1, per_page=per_page, notes=tuple(notes))


# How a note names a parameter it could not use.
IGNORED = {
    "q": "The search",
    "document": "The statement",
    "sort": "The order",
    "page": "The page number",
    "per_page": "The number of results per page",
    "from": "The date (from, written YYYY-MM-DD)",
    "to": "The date (to, written YYYY-MM-DD)",
    **{facet.name: f"The {facet.label.lower()}" for facet in FACETS},
}


def search_request(request) -> SearchRequest:
    return SearchForm(request.GET).search_request()


class DocumentListForm(forms.Form):
    """The filters and order of the list of every statement. Never invalid as a whole: a value that cannot be
    used is left out of the filtering, and `notes()` says so."""

    SORTS = {"newest": "Newest first", "oldest": "Oldest first", "title": "Title (A–Z)"}

    series = forms.ModelChoiceField(queryset=MeetingSeries.objects.none(), to_field_name="slug", required=False,
                                    empty_label="Any series")
    kind = forms.ChoiceField(required=False, label="Type")
    year = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()), label="Order")

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["series"].queryset = MeetingSeries.objects.filter(meetings__documents__isnull=False).distinct()
        self.fields["kind"].choices = [("", "Any type"), *((kind, kind) for kind in Document.objects.kinds())]
        self.fields["year"].choices = [("", "Any year"), *((str(year), str(year)) for year in Document.objects.years())]

    def filters(self):
        """{series, kind, year} of the values that can be used."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in ("series", "kind", "year")}

    def chosen_sort(self):
        self.is_valid()
        return self.cleaned_data.get("sort") or "newest"

    def notes(self):
        """[(the id Django's widget names as describing the field, the note)] for each value ignored."""
        self.is_valid()
        return [(f"{self[name].auto_id}_error",
                 f"{LIST_IGNORED[name]} {', '.join(f'“{v}”' for v in self.data.getlist(name))} could not be used, "
                 "so it was ignored.") for name in self.errors]


# How a note of the document list names a parameter it could not use.
LIST_IGNORED = {"series": "The series", "kind": "The type", "year": "The year", "sort": "The order"}


class DocumentChoiceField(forms.ModelChoiceField):
    default_error_messages = {
        "required": "Choose a statement.",
        "invalid_choice": "There is no statement of that name in the archive; choose one from the list.",
    }

    def label_from_instance(self, document):
        held = document.meeting.start_date
        return f"{document.display_title} ({held:%Y})" if held else document.display_title


class CompareForm(forms.Form):
    """Two statements to compare (`a`, the older, and `b`), each at its newest text or at a version
    (`av`, `bv`: 1 for the text as first issued)."""

    a = DocumentChoiceField(queryset=Document.objects.latest_first(), to_field_name="slug", label="Earlier statement")
    b = DocumentChoiceField(queryset=Document.objects.latest_first(), to_field_name="slug", label="Later statement")
    av = forms.IntegerField(required=False, min_value=1, label="Version of the earlier statement")
    bv = forms.IntegerField(required=False, min_value=1, label="Version of the later statement")

    def clean(self):
        data = super().clean()
        for side, number in (("a", "av"), ("b", "bv")):
            document, wanted = data.get(side), data.get(number)
            if document is None or wanted is None:
                continue
            version = document.versions.filter(number=wanted).first()
            if version is None:
                self.add_error(number, f"{document.display_title} has no version {wanted}.")
            data[f"{side}_version"] = version
        return data
