"""Storage URLs: masking, drivers, and one clear error for every way a URL can be wrong."""

from __future__ import annotations

import optuna
import pytest
from click.testing import CliRunner

from cnntune.cli import cli
from cnntune.errors import StorageError
from cnntune.storage import HeartbeatSettings, mask_url, open_storage
from cnntune.storage._url import with_default_driver


def test_mask_url_hides_the_password():
    assert mask_url("postgresql://alice:s3cr#t@db:5432/tune") == "postgresql://alice:***@db:5432/tune"
    assert mask_url("postgresql+psycopg://bob:pw@h/d") == "postgresql+psycopg://bob:***@h/d"
    assert mask_url("sqlite:///tune.db") == "sqlite:///tune.db"
    assert mask_url("postgresql://carol@h/d") == "postgresql://carol@h/d"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://h/db?password=S3cret", "postgresql://h/db?password=***"),
        ("postgresql://u@h/db?sslmode=require&sslpassword=k3y", "postgresql://u@h/db?sslmode=require&sslpassword=***"),
        ("postgresql://:pw@host/db", "postgresql://:***@host/db"),
        ("postgresql://u:p@ssW0rd@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:pw@[::1:1/x", "postgresql://u:***@[::1:1/x"),
        ("u:pw@host/db", "***"),  # no scheme: not a URL this can read, so nothing of it is shown
        ("", ""),
    ],
)
def test_mask_url_hides_every_credential_form(url, shown):
    assert mask_url(url) == shown
    for secret in ("S3cret", "k3y", "pw", "ssW0rd"):
        assert secret not in mask_url(url) or secret not in url


def test_with_default_driver_uses_psycopg3():
    assert with_default_driver("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert with_default_driver("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert with_default_driver("sqlite:///x.db") == "sqlite:///x.db"


def test_open_storage_invalid_url():
    with pytest.raises(StorageError, match="is not a valid database URL"):
        open_storage("not a url")


def test_open_storage_missing_driver_names_it():
    with pytest.raises(StorageError, match="database driver not installed"):
        open_storage("mysql://u:pw@127.0.0.1/x")


def test_open_storage_unreachable_server_masks_password():
    with pytest.raises(StorageError) as info:
        open_storage("postgresql://alice:topsecret@127.0.0.1:1/x", heartbeat=None)
    message = str(info.value)
    assert "cannot open storage 'postgresql://alice:***@127.0.0.1:1/x'" in message
    assert "topsecret" not in message


def test_heartbeat_settings_reject_grace_shorter_than_interval():
    with pytest.raises(StorageError, match="must exceed the heartbeat interval"):
        HeartbeatSettings(interval=10, grace_period=5)


@pytest.mark.parametrize(
    "url",
    ["postgresql://alice:topsecret@127.0.0.1:1/x", "mysql://alice:topsecret@127.0.0.1/x", "nonsense"],
)
def test_cli_bad_storage_is_one_masked_error_line(url):
    result = CliRunner().invoke(cli, ["studies", "--storage", url])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "topsecret" not in result.stderr


def test_cli_storage_from_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    optuna.create_study(study_name="from-env", storage=url)
    monkeypatch.setenv("TUNE_STORAGE", url)
    result = CliRunner().invoke(cli, ["studies"])
    assert result.exit_code == 0
    assert "from-env" in result.output


def test_read_only_commands_do_not_create_a_store(tmp_path):
    result = CliRunner().invoke(cli, ["status", "--storage", f"sqlite:///{tmp_path / 'typo.db'}"])
    assert result.exit_code == 2
    assert "no study store at" in result.stderr
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://user:pa?ss@host/db", "postgresql://user:***@host/db"),
        ("postgresql://u:pa/ss@host/db", "postgresql://u:***@host/db"),
        ("postgresql://@db/tune?password=00000@", "postgresql://@db/tune?password=***"),
        ("postgresql://user@db/tune?password=x@y", "postgresql://user@db/tune?password=***"),
    ],
)
def test_mask_url_finds_the_user_info_around_unencoded_characters(url, shown):
    assert mask_url(url) == shown


def test_storage_error_keeps_its_reason_and_hides_only_the_password():
    from cnntune.errors import StorageError

    with pytest.raises(StorageError, match="unable to open database file"):
        open_storage("sqlite:////nonexistent-dir/x/tune.db")
