"""Queries that would make the index read most of its vocabulary are bounded, answered, and explained."""

import json
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .test_index_under_load import django_shell, manage, serving

SHORT_WILDCARD = "a wildcard needs at least 3 letters before * or ?"


def api(client, query):
    response = client.get("/api/search/", {"q": query})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("query, note", [
    ("x *", "“*” was left out: " + SHORT_WILDCARD),
    ("Korea ?", "“?” was left out: " + SHORT_WILDCARD),
    ("*a*", "“*a*” was left out: " + SHORT_WILDCARD),
    ("a*", "“a*” was searched as the word “a”: " + SHORT_WILDCARD),
    ("co?", "“co?” was searched as the word “co”: " + SHORT_WILDCARD),
    ("title:*", "“*” was left out: " + SHORT_WILDCARD),
    ("[a TO z]", "“[a TO z]” matched more than 500 words; only the first 500 were searched."),
    ("id:arc*", None),
])
def test_a_hostile_query_is_answered_with_a_note(client, seeds, query, note):
    for path in ("/search/", "/api/search/", "/api/search.csv", "/search/feed/"):
        assert client.get(path, {"q": query}).status_code == 200
    if note:
        assert any(note in sentence for sentence in api(client, query)["notes"])
        assert note in client.get("/search/", {"q": query}).content.decode()


def test_a_left_out_wildcard_leaves_the_other_words_searched(client, seeds):
    assert api(client, "Korea *")["count"] == api(client, "Korea")["count"] > 0
    assert api(client, "Korea NOT *")["count"] == api(client, "Korea")["count"]


def test_a_wildcard_with_three_letters_still_expands(client, seeds):
    data = api(client, "peni*")
    assert data["count"] > 0 and data["notes"] == []
    assert any("<mark>Peninsula</mark>" in hit["snippet"] for hit in data["results"])


def test_wildcards_of_one_query_share_one_allowance_of_words(client, seeds):
    notes = api(client, "[a TO m] OR [n TO r] OR [s TO z]")["notes"]
    assert any(note.startswith("“[n TO r]” matched more than") for note in notes)
    assert "“[s TO z]” was left out: the search already stands for 500 words from wildcards and ranges." in notes


def test_a_search_out_of_time_answers_with_what_it_found_and_says_so(client, seeds, settings):
    settings.ARCHIVE_SEARCH_SECONDS = 0
    data = api(client, "cooperation OR Korea")
    assert any("took longer than 0 seconds and was stopped" in note for note in data["notes"])
    assert client.get("/search/", {"q": "cooperation OR Korea"}).status_code == 200


@pytest.mark.parametrize("query", [
    "cooperation~", "cooperation~2", "co~1",            # fuzzy terms are not part of the language: plain words
    "year:[0 TO 99999]", "date:[0000-01-01 TO 9999-12-31]",
    " OR ".join(["the", "of", "and", "to", "in"] * 30),  # a very long OR chain (cut at 500 characters)
    '"' + " ".join(["the of"] * 40) + '"',
])
def test_fuzzy_terms_ranges_and_long_chains_are_answered(client, seeds, query):
    assert client.get("/search/", {"q": query}).status_code == 200
    assert client.get("/api/search/", {"q": query}).status_code == 200


# A burst of hostile queries against real gunicorn

FILLER_PARAGRAPHS = 4000
HOSTILE = ["x *", "*a*", "a*", "?", "[a TO z]", "e* i* o*", "*", "*e"]
BURST = 16
PLAIN_SEARCHES = 12
PLAIN_SECONDS = 5  # generous: an unbounded `x *` holds a worker for many seconds at this size


def filler_code(count):
    """Paragraphs of words from a large made-up vocabulary, so an unbounded wildcard has much to read."""
    return (
        "import random\n"
        "from archive.models import Document, Paragraph\n"
        "rng = random.Random(7)\n"
        "letters = 'abcdefghijklmnopqrstuvwxyz'\n"
        "vocabulary = [''.join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(30000)]\n"
        "document = Document.objects.first()\n"
        f"Paragraph.objects.bulk_create(Paragraph(document=document, position=1000 + i, anchor=f'f{{i}}', "
        f"text=' '.join(rng.choice(vocabulary) for _ in range(60))) for i in range({count}))\n"
    )


@pytest.fixture
def large_archive(archive_env):
    django_shell(archive_env, filler_code(FILLER_PARAGRAPHS))
    manage(archive_env, "check_index", "--rebuild")
    return archive_env


@pytest.fixture
def two_workers(large_archive, tmp_path):
    # The first search warms one worker's searcher.
    with serving(large_archive, tmp_path, workers=2, timeout=120, first_path="/api/search/?q=cooperation") as base:
        yield base


def get_json(url):
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.status, json.load(response)


def test_a_burst_of_wildcard_queries_leaves_plain_searches_answering(two_workers):
    hostile_answers, errors, plain = [], [], []

    def hostile(query):
        try:
            hostile_answers.append(get_json(f"{two_workers}/api/search/?q={urllib.parse.quote(query)}"))
        except (OSError, urllib.error.HTTPError) as error:
            errors.append(f"{query}: {error!r}")

    def plain_searches():
        for word in random.Random(3).choices(["cooperation", "Korea", "security", "ASEAN", "trade"], k=PLAIN_SEARCHES):
            start = time.monotonic()
            try:
                status, data = get_json(f"{two_workers}/api/search/?q={word}")
                plain.append((status, time.monotonic() - start, data["count"]))
            except (OSError, urllib.error.HTTPError) as error:
                errors.append(f"{word}: {error!r}")

    threads = [threading.Thread(target=hostile, args=(HOSTILE[n % len(HOSTILE)],)) for n in range(BURST)]
    threads.append(threading.Thread(target=plain_searches))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    assert len(hostile_answers) == BURST and all(status == 200 for status, _ in hostile_answers)
    assert all(data["notes"] for _, data in hostile_answers)
    assert len(plain) == PLAIN_SEARCHES
    slow = [(status, round(seconds, 2)) for status, seconds, _ in plain if status != 200 or seconds >= PLAIN_SECONDS]
    assert not slow
