"""The query language: what a user types -> a clean query string -> a bounded Whoosh query.

`clean_query` makes any input parseable and says what it changed; `widen` replaces a name by all the
names of its group (aliases); the parser reads words, "phrases", "a b"~N, AND, OR, NOT, -word,
brackets, word*, ranges and field:value; `Language.rewrite` turns the parsed query into what the index
holds. Every query's work is bounded: a wildcard needs MIN_WILDCARD_PREFIX letters before its `*` or
`?`, and wildcards and ranges expand to at most MAX_EXPANDED_TERMS words of the index in all; each
bound that applied is told in a note.
"""

import json
import re
from dataclasses import dataclass, field
from itertools import islice

from whoosh import query as whoosh_query
from whoosh.qparser import EveryPlugin, FieldAliasPlugin, PhrasePlugin, QueryParser, WildcardPlugin

from .analysis import stem_terms

MAX_QUERY_LENGTH = 500
# A wildcard with a shorter prefix would expand to a large part of the vocabulary (`*` to all of it).
MIN_WILDCARD_PREFIX = 3
MAX_EXPANDED_TERMS = 500  # words of the index that one query's wildcards and ranges may stand for, in all
# The unstemmed field quoted phrases search: never written, `rewrite` maps it onto the text field.
EXACT_FIELD = "text_exact"
# A query split into: quoted phrases (with an optional ~N), field:value terms, brackets, and words.
QUERY_TOKEN = re.compile(r'[-+]?"[^"]*"(?:~\d+)?|\S+:(?:"[^"]*"|\[[^\]]*\]|\S+)|[()]|[^\s()"]+')
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
# `-word` excludes a word, `+word` requires it (as every word is required anyway).
NEGATION = {"-": "NOT ", "+": ""}


def clean_query(text: str) -> tuple[str, list[str]]:
    """Make any input parseable: shorten it, balance quotes and brackets; say what was changed."""
    notes = []
    text = " ".join(text.replace("“", '"').replace("”", '"').split())
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0]
        notes.append(f"Your search was longer than {MAX_QUERY_LENGTH} characters and has been shortened.")
    if text.count('"') % 2:
        last = text.rfind('"')
        text = text[:last] + text[last + 1:]
        notes.append("A quotation mark had no partner, so it was ignored.")
    depth, kept = 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                continue
            depth -= 1
        kept.append(char)
    balanced = "".join(kept)
    for _ in range(depth):
        index = balanced.rfind("(")
        balanced = balanced[:index] + balanced[index + 1:]
    if balanced != text:
        notes.append("Unmatched brackets were ignored.")
    text = balanced.strip()
    words = [token for token in QUERY_TOKEN.findall(text) if token not in "()" and token.upper() not in OPERATORS]
    if text and not any(re.search(r"\w", word) for word in words):
        notes.append("The search has only operators (AND, OR, NOT) or symbols and no words to look for.")
        text = ""
    return text, notes


def normalise_words(text: str) -> list[str]:
    return text.replace("’", "'").lower().split()


def alias_term(name: str) -> str:
    return name if re.fullmatch(r"\w+", name) else '"' + name.replace('"', "") + '"'


def widen(query: str, groups: list[list[str]]) -> tuple[str, list[tuple[str, list[str]]]]:
    """Widen every name of a group in the query to all the group's names; turn -word into NOT word.

    With the group [ROK, Republic of Korea, South Korea, Korea], "ROK" becomes
    `(ROK OR "Republic of Korea" OR "South Korea" OR Korea)`; a quoted name is widened the same way.
    Returns the new query and, for the page, what was widened.
    """
    variants = sorted(((normalise_words(name), group) for group in groups for name in group),
                      key=lambda item: len(item[0]), reverse=True)
    tokens = QUERY_TOKEN.findall(query)
    out, widened, i = [], [], 0
    while i < len(tokens):
        token = tokens[i]
        sign = token[0] if token[0] in "+-" and len(token) > 1 else ""
        bare = token[len(sign):]
        match = None
        if bare.startswith('"') and bare.endswith('"'):
            phrase = normalise_words(bare.strip('"'))
            match = next(((1, group) for words, group in variants if words == phrase), None)
        elif ":" not in bare and bare.upper() not in OPERATORS and bare not in "()":
            for words, group in variants:
                window = [t.lower().replace("’", "'") for t in tokens[i:i + len(words)]]
                if window == words and (len(words) == 1 or not sign):
                    match = (len(words), group)
                    break
        if match:
            count, group = match
            out.append(NEGATION.get(sign, "") + "(" + " OR ".join(alias_term(name) for name in group) + ")")
            original = " ".join(tokens[i:i + count]).lstrip("+-").strip('"')
            widened.append((original, [name for name in group if name.lower() != original.lower()]))
            i += count
        else:
            out.append(NEGATION.get(sign, "") + bare if sign and bare[:1] not in "-+" else token)
            i += 1
    return " ".join(out), widened


def plain_words(query: str):
    """(start, end, word) of each bare word of a query: not quoted, not field:value, not an operator,
    wildcard or fuzzy term."""
    found = []
    for match in QUERY_TOKEN.finditer(query):
        bare = match.group().lstrip("+-")
        if bare.upper() in OPERATORS or ":" in bare or not bare.isalpha():
            continue
        start = match.end() - len(bare)
        found.append((start, match.end(), bare))
    return found


def facet_narrow(field, values):
    """A narrow query for `SearchQuerySet.narrow`: hits whose `field` is any of `values`."""
    return f"{field}:{json.dumps(list(values))}"


def range_narrow(field, start=None, end=None):
    """A narrow query for hits whose date `field` lies between `start` and `end` (inclusive)."""
    return f"{field}:{json.dumps({'from': start and start.isoformat(), 'to': end and end.isoformat()})}"


class ExactPhrasePlugin(PhrasePlugin):
    """Quoted phrases search the unstemmed field unless the user names another field."""

    class PhraseNode(PhrasePlugin.PhraseNode):
        def query(self, parser):
            if not self.fieldname or self.fieldname == parser.fieldname:
                self.set_fieldname(EXACT_FIELD, override=True)
            return super().query(parser)

    class PhraseTagger(PhrasePlugin.PhraseTagger):
        def create(self, parser, match):
            slop = int(match.group("slop")) if match.group("slop") else 1
            return ExactPhrasePlugin.PhraseNode(match.group("text"), match.start("text"), slop)


class StarWildcard(whoosh_query.Wildcard):
    """A bare `*` stays a wildcard: Whoosh would make it Every, which reads every posting of the
    field and swallows the other words of an AND. `rewrite` bounds it like any other wildcard."""

    def normalize(self):
        return self if self.text == "*" else super().normalize()


class StarWildcardPlugin(WildcardPlugin):
    class WildcardNode(WildcardPlugin.WildcardNode):
        qclass = StarWildcard

    nodetype = WildcardNode


@dataclass
class Language:
    """The query language over one schema: which fields mean what, learnt from the index's fields."""

    text: str  # the content field
    facet_words: dict = field(default_factory=dict)  # query-only field -> facet field: `series:dialogue`
    query_names: dict = field(default_factory=dict)  # query-only field -> words a user may type for it
    date_fields: set = field(default_factory=set)
    few_values: set = field(default_factory=set)  # fields whose ranges and prefixes are not bounded

    def parser(self, schema):
        parser = QueryParser(self.text, schema=schema)
        parser.remove_plugin_class(PhrasePlugin)
        parser.remove_plugin_class(EveryPlugin)  # a bare `*` is a wildcard like any other, and bounded as one
        parser.remove_plugin_class(WildcardPlugin)
        parser.add_plugin(StarWildcardPlugin())
        parser.add_plugin(ExactPhrasePlugin())
        parser.add_plugin(FieldAliasPlugin({name: list(words) for name, words in self.query_names.items()}))
        return parser

    def unknown_fields(self, query_string, schema):
        """Notes for the `name:` prefixes of a query that name no field: they are searched as words."""
        notes = []
        if ":" not in query_string:
            return notes
        known = set(schema.names()) | {word for words in self.query_names.values() for word in words}
        for name, value in re.findall(r'(?:^|[\s(+-])(\w+):("[^"]*"|\[[^\]]*\]|[^\s()]*)', query_string):
            if name not in known:
                notes.append(f"“{name}:” is not something you can search by, so “{name}:{value}” was searched as words.")
        return notes

    def rewrite(self, query, reader, facet_value_query, notes):
        """Parsed query -> what the index holds: plain words match every form of their stem, quoted
        words only themselves; facet fields named by their words become their values
        (`facet_value_query(field, words)`); wildcards and ranges become the words they match, within
        the bounds above; dates may be written 2020-06-26."""
        text = self.text
        allowance = [MAX_EXPANDED_TERMS]  # words still allowed to wildcards and ranges of this query

        def note(sentence):
            if sentence not in notes:
                notes.append(sentence)

        def expand(node):
            field = text if node.fieldname == EXACT_FIELD else node.fieldname
            if isinstance(node, whoosh_query.TermRange):
                shown = f"[{node.start or ''} TO {node.end or ''}]"
            else:
                shown = node.text + ("*" if isinstance(node, whoosh_query.Prefix) else "")
                prefix = re.split(r"[*?\[]", node.text)[0]  # Whoosh's own wildcard characters
                if len(prefix) < MIN_WILDCARD_PREFIX:
                    rule = f"a wildcard needs at least {MIN_WILDCARD_PREFIX} letters before * or ?"
                    if not re.search(r"\w", prefix):
                        note(f"“{shown}” was left out: {rule}.")
                        return whoosh_query.NullQuery
                    note(f"“{shown}” was searched as the word “{prefix}”: {rule}.")
                    return stem_terms(field, prefix) if field == text else whoosh_query.Term(field, prefix)
            node = node.copy()
            node.fieldname = field
            words = list(islice(node.expanded_terms(reader), allowance[0] + 1))
            if len(words) > allowance[0]:
                if not allowance[0]:
                    note(f"“{shown}” was left out: the search already stands for {MAX_EXPANDED_TERMS} words "
                         "from wildcards and ranges.")
                    return whoosh_query.NullQuery
                note(f"“{shown}” matched more than {allowance[0]} words; only the first {allowance[0]} were searched.")
                words = words[:allowance[0]]
            allowance[0] -= len(words)
            terms = [whoosh_query.Term(field, reader.schema[field].from_bytes(word), boost=node.boost)
                     for _, word in words]
            return whoosh_query.Or(terms)  # none: matches nothing (a NullQuery would be left out of an AND)

        def fix(node):
            fieldname = getattr(node, "fieldname", None)
            if type(node) is whoosh_query.Term:
                if fieldname == text:
                    return stem_terms(text, node.text)
                if fieldname == EXACT_FIELD:
                    return whoosh_query.Term(text, node.text, boost=node.boost)
            if isinstance(node, whoosh_query.Phrase) and fieldname in (text, EXACT_FIELD):
                return whoosh_query.Phrase(text, node.words, slop=node.slop, boost=node.boost)
            if isinstance(node, (whoosh_query.Term, whoosh_query.Phrase)) and fieldname in self.facet_words:
                words = node.words if isinstance(node, whoosh_query.Phrase) else [node.text]
                values = facet_value_query(self.facet_words[fieldname], words)
                if values is whoosh_query.NullQuery:
                    name = self.query_names[fieldname][0]
                    note(f"No value of {name} has the words “{' '.join(words)}”, so “{name}:{' '.join(words)}” was left out.")
                return values
            if fieldname in self.date_fields and isinstance(node, whoosh_query.TermRange):  # written 2020-06-26
                return whoosh_query.TermRange(fieldname, node.start and node.start.replace("-", ""),
                                              node.end and node.end.replace("-", ""), node.startexcl, node.endexcl)
            if fieldname in self.date_fields and type(node) is whoosh_query.Term:
                node = whoosh_query.Prefix(fieldname, node.text.replace("-", ""))  # 2020, 2020-06 or a day
                if next(iter(reader.expand_prefix(fieldname, node.text)), None) is None:
                    note(f"Nothing in the archive is dated “{node.text}”, so “{fieldname}:{node.text}” was left out.")
                    return whoosh_query.NullQuery
                return node
            if fieldname in self.few_values and type(node) is whoosh_query.Term and (fieldname, node.text) not in reader:
                note(f"Nothing in the archive has {fieldname} “{node.text}”, so “{fieldname}:{node.text}” was left out.")
                return whoosh_query.NullQuery
            if isinstance(node, whoosh_query.MultiTerm) and fieldname not in self.few_values:
                return expand(node)
            # What was left out (a NullQuery) leaves its AND, OR or NOT: `x *` searches x alone.
            if isinstance(node, whoosh_query.Not) and node.query is whoosh_query.NullQuery:
                return whoosh_query.NullQuery
            if type(node) in (whoosh_query.And, whoosh_query.Or) and whoosh_query.NullQuery in node.subqueries:
                kept = [child for child in node.subqueries if child is not whoosh_query.NullQuery]
                return type(node)(kept) if kept else whoosh_query.NullQuery
            return node

        return query.accept(fix) if query is not None else None
