"""Each admin action needs its permission: Reviewers look, Editors add and change, superusers delete."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from archive.models import Document

from .conftest import SEEDS, SUMMIT_SEED
from .test_admin_upload import upload

CHANGELIST = "/admin/archive/document/"
REPARSE = "Re-parse from the stored original"


def log_in(client, username, group=None, permissions=()):
    user = User.objects.create_user(username, f"{username}@example.org", "a-long-test-password", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    client.force_login(user)
    return client


def reparse(client, document):
    return client.post(CHANGELIST, {"action": "reparse_documents", "_selected_action": [document.pk]}, follow=True)


def test_reviewers_look_but_cannot_reparse_upload_edit_or_delete(client, seeds):
    document = seeds["summit"]
    log_in(client, "reviewer", "Reviewers")
    page = client.get(CHANGELIST).content.decode()
    assert document.title in page and REPARSE not in page and "Upload statements" not in page
    response = reparse(client, document)
    assert "Re-parsed" not in response.content.decode()
    assert Document.objects.get(pk=document.pk).imported_at == document.imported_at
    assert client.get("/admin/archive/document/upload/").status_code == 302
    assert client.post(f"/admin/archive/document/{document.pk}/change/", {"title": "Changed"}).status_code == 403
    assert client.post(f"/admin/archive/document/{document.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/archive/topic/").status_code == 200
    assert client.get("/admin/archive/aliasgroup/").status_code == 200


def test_editors_reparse_and_edit_but_do_not_delete(client, seeds):
    document = seeds["summit"]
    log_in(client, "editor", "Editors")
    assert REPARSE in client.get(CHANGELIST).content.decode()
    assert f"Re-parsed “{document.title}”" in reparse(client, document).content.decode()
    assert Document.objects.get(pk=document.pk).imported_at > document.imported_at
    assert client.get("/admin/archive/topic/add/").status_code == 200
    assert client.get("/admin/archive/aliasgroup/add/").status_code == 200
    assert client.post(f"/admin/archive/document/{document.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


def test_uploading_a_file_that_replaces_a_document_needs_change_permission(client, seeds):
    document = seeds["summit"]
    texts = list(document.paragraphs.values_list("text", flat=True))
    log_in(client, "adder", permissions=["add_document", "view_document"])
    replacement = SimpleUploadedFile(SUMMIT_SEED, (SEEDS / SUMMIT_SEED).read_bytes().replace(b"ASEAN", b"ASEAN Okapi"),
                                     content_type="text/plain")
    _, response = upload(client, files=[replacement])
    messages = client.get(response.url).content.decode()
    assert "it would replace a saved document, which needs the permission to change documents" in messages
    assert list(document.paragraphs.values_list("text", flat=True)) == texts


@pytest.mark.parametrize("group, allowed", [("Editors", {"view", "add", "change"}), ("Reviewers", {"view"})])
def test_groups_cover_every_model_people_edit(db, group, allowed):
    codenames = set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))
    for model in ["meetingseries", "meeting", "document", "documentsource", "paragraph", "aliasgroup", "topic"]:
        assert {action for action in ("view", "add", "change", "delete") if f"{action}_{model}" in codenames} == allowed
