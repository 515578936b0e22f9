"""A client over its rate limit gets a friendly 429; repeated failed logins lock a user name out."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

SEARCHES = ["/search/", "/api/search/", "/api/search.csv", "/search/feed/"]


@pytest.fixture
def fresh_counts():
    cache.clear()
    yield
    cache.clear()


def test_every_form_of_search_counts_against_one_limit_per_client(client, seeds, settings, fresh_counts):
    settings.ARCHIVE_RATELIMIT_SEARCH = "4/m"
    for path in SEARCHES:
        assert client.get(path, {"q": "Korea"}).status_code == 200
    page = client.get("/search/", {"q": "Korea"})
    assert page.status_code == 429 and page["Retry-After"] == "60"
    assert "Too many requests" in page.content.decode() and "<h1>" in page.content.decode()
    data = client.get("/api/search/", {"q": "Korea"})
    assert data.status_code == 429 and data["Content-Type"] == "application/json"
    assert "wait a minute" in data.json()["error"]
    assert client.get("/api/search.csv", {"q": "Korea"}).status_code == 429
    assert client.get("/search/feed/", {"q": "Korea"}).status_code == 429
    # Another address has its own count; pages other than search are not limited.
    assert client.get("/search/", {"q": "Korea"}, REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/").status_code == 200


def test_exports_have_a_limit_of_their_own(client, seeds, settings, fresh_counts):
    settings.ARCHIVE_RATELIMIT_EXPORT = "2/m"
    for _ in range(2):
        assert client.get("/api/search.csv", {"q": "Korea"}).status_code == 200
    assert client.get("/api/search.csv", {"q": "Korea"}).status_code == 429
    assert client.get("/api/search/", {"q": "Korea"}).status_code == 200


def test_the_client_address_can_come_from_a_proxy_header(client, seeds, settings, fresh_counts):
    settings.ARCHIVE_RATELIMIT_SEARCH = "1/m"
    settings.ARCHIVE_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client.get("/api/search/", {"q": "Korea"}, HTTP_X_REAL_IP="198.51.100.1").status_code == 200
    assert client.get("/api/search/", {"q": "Korea"}, HTTP_X_REAL_IP="198.51.100.1").status_code == 429
    assert client.get("/api/search/", {"q": "Korea"}, HTTP_X_REAL_IP="198.51.100.2").status_code == 200


def test_admin_login_attempts_are_rate_limited(client, db, settings, fresh_counts):
    settings.ARCHIVE_RATELIMIT_LOGIN = "3/m"
    for number in range(3):
        response = client.post("/admin/login/", {"username": f"someone{number}", "password": "wrong"})
        assert response.status_code == 200
    assert client.post("/admin/login/", {"username": "someone9", "password": "wrong"}).status_code == 429
    assert client.get("/admin/login/").status_code == 200  # the form itself stays reachable


def test_repeated_failed_logins_lock_the_user_name_out_from_that_address(client, db, settings, fresh_counts):
    User.objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/admin/login/", {"username": "editor", "password": "wrong"}).status_code == 200
    locked = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    assert locked.status_code == 429
    assert f"After {settings.AXES_FAILURE_LIMIT} failed logins" in locked.content.decode()
    # Even the right password is refused now, from this address.
    right = {"username": "editor", "password": "a-long-test-password", "next": "/admin/"}
    assert client.post("/admin/login/", right).status_code == 429
    assert client.post("/admin/login/", right, REMOTE_ADDR="192.0.2.8").status_code == 302
