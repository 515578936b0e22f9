"""With HTTPS=True and a real secret key, Django's deployment check finds nothing to warn about."""

import os
import secrets
import subprocess

import pytest

from .test_index_under_load import PYTHON, ROOT

pytestmark = pytest.mark.subprocess


def deploy_check(tmp_path, **env):
    environment = {**os.environ, "ARCHIVE_DATA_DIR": str(tmp_path), "SECRET_KEY": secrets.token_urlsafe(50), **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_over_https(tmp_path):
    result = deploy_check(tmp_path, HTTPS="True", DEBUG="False", ALLOWED_HOSTS="archive.example.org")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_https(tmp_path):
    result = deploy_check(tmp_path, HTTPS="False")
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout and "security.W012" in result.stderr + result.stdout
