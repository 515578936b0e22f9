"""Haystack fields that tell the engine how to index and query a value, so that it needs no field names.

- a `document=True` CharField is the text: words, stems and pair terms; quoted phrases search it
  unstemmed;
- any other indexed CharField is stemmed text without positions (`title:word`);
- `KeyField`: a whole value as one term (an id, a date key); `sortable` adds a column to order hits by,
  `group` counts hits per value and keeps a source's own group out of "more like this";
- `DateKeyField`: a date (YYYYMMDD) or time (YYYYMMDDHHMMSSffffff); queried as `field:2020`,
  `field:2020-06`, `field:[2019-06-01 TO 2020-05-31]`; a hit gives it as a datetime;
- `FacetField`, `FacetMultiValueField`: whole values with counts; `query_names` are the words a user may
  put before a colon to find values by their words (`series:dialogue`);
- `few_values` (keys and facets): the field holds few distinct values, so its ranges and prefixes are
  not counted against the wildcard allowance.
"""

from haystack import fields, indexes


class Hints:
    def __init__(self, *, query_names=(), few_values=False, sortable=False, group=False, **kwargs):
        self.query_names = tuple(query_names)
        self.few_values = few_values
        self.sortable = sortable
        self.group = group
        super().__init__(**kwargs)


class KeyField(Hints, indexes.CharField):
    pass


class DateKeyField(KeyField):
    pass


class FacetField(Hints, indexes.FacetCharField):
    pass


class FacetMultiValueField(Hints, fields.FacetMultiValueField):
    pass
