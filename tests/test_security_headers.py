"""Every page carries a Content-Security-Policy and the security headers, and has no inline script or
style that the policy would block, the admin's included."""

import lxml.html
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import Paragraph

from .conftest import SEEDS, SUMMIT_SEED


def assert_secure(response, path):
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'"):
        assert directive in policy, (directive, path)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def assert_nothing_inline(content, path):
    root = lxml.html.document_fromstring(content)
    for script in root.iter("script"):
        assert script.get("src") and not (script.text or "").strip(), f"inline script in {path}"
    assert not list(root.iter("style")), f"<style> in {path}"
    for element in root.iter():
        if isinstance(element.tag, str):
            assert "style" not in element.attrib, f"style= on <{element.tag}> in {path}"
            assert not any(name.startswith("on") for name in element.attrib), f"handler on <{element.tag}> in {path}"


def test_public_pages_have_the_policy_and_nothing_inline(client, seeds):
    paragraph = Paragraph.objects.filter(document=seeds["summit"]).first()
    paths = ["/", "/meetings/", "/meetings/2020/", seeds["summit"].meeting.get_absolute_url(),
             seeds["summit"].get_absolute_url() + "?q=Korea", "/search/", "/search/?q=Korea", "/search/help/",
             f"/paragraphs/{paragraph.pk}/similar/", f"/paragraphs/{paragraph.pk}/cite/", "/export/",
             "/no-such-page/", "/admin/login/"]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_secure(response, path)
        assert_nothing_inline(response.content, path)
    for path in ["/api/search/?q=Korea", "/api/search.csv?q=Korea", "/search/feed/?q=Korea", "/api/schema/",
                 f"/api/documents/{seeds['summit'].slug}/"]:
        assert_secure(client.get(path), path)
    assert client.get("/static/archive/style.css")["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def admin_client(client, seeds):
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a-long-test-password"))
    return client


def test_admin_pages_work_under_the_policy(admin_client, seeds):
    document = seeds["summit"]
    paths = ["/admin/", "/admin/archive/document/", f"/admin/archive/document/{document.pk}/change/",
             "/admin/archive/meeting/", "/admin/archive/paragraph/add/", "/admin/archive/document/upload/"]
    for path in paths:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert_secure(response, path)
        assert_nothing_inline(response.content, path)
    upload = SimpleUploadedFile(SUMMIT_SEED, (SEEDS / SUMMIT_SEED).read_bytes(), content_type="text/plain")
    review = admin_client.post("/admin/archive/document/upload/", {"files": [upload]})
    assert review.status_code == 200 and "Extracted metadata" in review.content.decode()
    assert_nothing_inline(review.content, "the upload review")
    assert "archive/admin_review.css" in review.content.decode()
