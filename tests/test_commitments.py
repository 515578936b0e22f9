"""Commitments: shipped in fixtures/commitments.json, edited in the admin, each with a page of its first and
latest mention, counts per year and a timeline of the paragraphs that mention it."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from archive.models import Commitment

from .trend_statements import EDITION_PHRASES, edition_paragraph, trend_statements  # noqa: F401

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "commitments.json"
FUND_PAGE = "/commitments/asean-korea-cooperation-fund/"


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a-long-test-password"))
    return client


def timeline_meetings(html):
    return re.findall(r'<h3><a href="/meetings/[^"]+/">([^<]+)</a>', html)


def test_the_shipped_commitments_are_loaded(db):
    shipped = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert Commitment.objects.count() == len(shipped)
    names = set(Commitment.objects.values_list("name", flat=True))
    for name in ["ASEAN-Korea Cooperation Fund", "New Southern Policy", "New Southern Policy Plus",
                 "Korea-ASEAN Solidarity Initiative", "Plan of Action 2021–2025", "ASEAN-Korea Centre",
                 "Comprehensive Strategic Partnership"]:
        assert name in names
    fund = Commitment.objects.get(slug="asean-korea-cooperation-fund")
    assert "AKCF" in fund.phrase_list()
    assert fund.query() == " OR ".join(f'"{phrase}"' for phrase in fund.phrase_list())


def test_editors_may_change_commitments_and_reviewers_view_them(db):
    assert Group.objects.get(name="Editors").permissions.filter(codename="change_commitment").exists()
    reviewer = set(Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True))
    assert "view_commitment" in reviewer and "change_commitment" not in reviewer


def test_a_commitment_page_has_first_and_latest_mention_and_counts(client, trend_statements):
    html = client.get(FUND_PAGE).content.decode()
    assert re.search(r'class="mention-count">4 paragraphs', html)
    first = re.search(r'class="first-use">(.*?)</dd>', html, re.S).group(1)
    latest = re.search(r'class="last-use">(.*?)</dd>', html, re.S).group(1)
    assert "20th ASEAN-ROK Summit" in first and "#p2" in first and "3 November 2019" in first
    assert "22nd ASEAN-ROK Summit" in latest and "26 October 2021" in latest
    # Counts per year: the matching paragraphs and the rate per 1,000 paragraphs of the year.
    assert re.search(r"<th scope=\"row\">2019</th><td>4</td><td>1</td><td>250.00</td>", html)
    assert re.search(r"<th scope=\"row\">2020</th><td>10</td><td>2</td><td>200.00</td>", html)
    assert '<img src="/commitments/asean-korea-cooperation-fund/chart.svg"' in html


def test_the_timeline_lists_every_mention_by_meeting_in_date_order(client, trend_statements):
    html = client.get(FUND_PAGE).content.decode()
    assert timeline_meetings(html) == ["20th ASEAN-ROK Summit", "21st ASEAN-ROK Summit", "22nd ASEAN-ROK Summit"]
    summit_2020 = trend_statements["summit-2020"].get_absolute_url()
    # Both 2020 paragraphs, the one that says only "AKCF" too, each linked to its anchor.
    assert f'href="{summit_2020}?q=' in html and "#p2" in html and "#p4" in html
    assert html.count('class="hit-number"') == 4


def test_the_list_counts_the_mentions(client, trend_statements):
    html = client.get("/commitments/").content.decode()
    fund = re.search(r'asean-korea-cooperation-fund/">ASEAN-Korea Cooperation Fund</a> <span class="count">(\d+)', html)
    policy = re.search(r'new-southern-policy/">New Southern Policy</a> <span class="count">(\d+)', html)
    assert (fund.group(1), policy.group(1)) == ("4", "3")


def test_an_admin_edit_changes_the_page(admin_client, trend_statements):
    commitment = Commitment.objects.get(slug="asean-korea-cooperation-fund")
    response = admin_client.post(f"/admin/archive/commitment/{commitment.pk}/change/", {
        "name": commitment.name, "slug": commitment.slug, "kind": commitment.kind,
        "start_year": commitment.start_year, "description": "Only its abbreviation, for this test.",
        "phrases": "AKCF\n",
    })
    assert response.status_code == 302
    html = admin_client.get(FUND_PAGE).content.decode()
    assert "Only its abbreviation, for this test." in html
    # "AKCF" is in one alias group with the full name, so the search still finds all four paragraphs; a
    # phrase outside any group narrows it.
    assert re.search(r'class="mention-count">4 paragraphs', html)
    admin_client.post(f"/admin/archive/commitment/{commitment.pk}/change/", {
        "name": commitment.name, "slug": commitment.slug, "kind": commitment.kind,
        "start_year": commitment.start_year, "description": "", "phrases": "continued support\n"})
    html = admin_client.get(FUND_PAGE).content.decode()
    assert re.search(r'class="mention-count">1 paragraph\b', html)
    assert timeline_meetings(html) == ["22nd ASEAN-ROK Summit"]


def test_a_commitment_never_mentioned_says_so(client, trend_statements):
    html = client.get("/commitments/plan-of-action-2026-2030/").content.decode()
    assert "No paragraph in the archive mentions it yet." in html


def test_an_unknown_commitment_is_not_found(client, db):
    assert client.get("/commitments/no-such-commitment/").status_code == 404


def test_home_lists_the_commitments(client, db):
    html = client.get("/").content.decode()
    assert 'id="commitments-heading"' in html
    assert f'href="{FUND_PAGE}">ASEAN-Korea Cooperation Fund</a>' in html
    assert 'href="/commitments/">Commitments</a>' in html  # the navigation


def test_the_commitment_chart_is_svg(client, trend_statements):
    response = client.get(FUND_PAGE + "chart.svg")
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "ASEAN-Korea Cooperation Fund" in response.content.decode()


# The commitment that tracks each phrase of the editions set's phrases.json.
COMMITMENT_OF = {
    "New Southern Policy Plus": "new-southern-policy-plus",
    "Korea-ASEAN Solidarity Initiative": "korea-asean-solidarity-initiative",
    "ASEAN-Korea Cooperation Fund": "asean-korea-cooperation-fund",
    "Comprehensive Strategic Partnership": "comprehensive-strategic-partnership",
    "Plan of Action (2016-2020)": "plan-of-action-2016-2020",
    "Plan of Action (2021-2025)": "plan-of-action-2021-2025",
    "Plan of Action (2026-2030)": "plan-of-action-2026-2030",
    "ASEAN-Korea FTA (AKFTA)": "asean-korea-fta",
    "ASEAN-Korea Centre": "asean-korea-centre",
    "Mekong-Korea": "mekong-korea-cooperation",
}


@pytest.mark.parametrize("tracked", [p for p in EDITION_PHRASES if p["phrase"] in COMMITMENT_OF],
                         ids=lambda p: p["phrase"])
def test_commitments_in_the_editions_set(client, editions, tracked):
    """The mentions agree with phrases.json, written from the texts with the literal phrase; a commitment is
    found by its other names too (AKCF, NSP Plus, Mekong-ROK), which may add mentions: its first mention is
    then in the same edition at or before the phrase's first use, its latest in the phrase's last edition at
    or after its last use; the timeline has every edition phrases.json lists, in date order."""
    html = client.get(f"/commitments/{COMMITMENT_OF[tracked['phrase']]}/").content.decode()
    for use, expected, later in (("first-use", tracked["first"], False), ("last-use", tracked["last"], True)):
        link = re.search(rf'class="{use}">\s*<a href="([^"?]+)\?[^"#]*#(\w+)"', html)
        paragraph = edition_paragraph(editions, expected)
        assert link.group(1) == paragraph.document.get_absolute_url(), use
        shown = paragraph.document.paragraphs.get(anchor=link.group(2))
        assert (shown.position >= paragraph.position) if later else (shown.position <= paragraph.position), use
    meetings = [editions[name].meeting.title for name in tracked["editions"]]
    shown = timeline_meetings(html)
    assert [title for title in shown if title in meetings] == meetings
