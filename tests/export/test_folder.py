"""The --out folder: complete or absent, and --force never destroys what it must not."""

from __future__ import annotations

import pytest

from cnntune.errors import ExportError
from cnntune.export._folder import check_out, staged_folder


def _export_folder(path):
    path.mkdir()
    (path / "cnntune.json").write_text("{}")
    (path / "old.txt").write_text("old")
    return path


def test_staged_folder_failure_leaves_nothing_at_out(tmp_path):
    out = tmp_path / "model"
    with pytest.raises(RuntimeError), staged_folder(out, force=False) as stage:
        (stage / "half.bin").write_text("x")
        raise RuntimeError("export failed")

    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left behind either


def test_staged_folder_success_appears_complete(tmp_path):
    out = tmp_path / "model"
    with staged_folder(out, force=False) as stage:
        (stage / "cnntune.json").write_text("{}")
        assert not out.exists()  # nothing at --out until the block succeeds

    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert (out / "cnntune.json").is_file()


def test_staged_folder_force_failure_keeps_the_old_export(tmp_path):
    out = _export_folder(tmp_path / "model")
    with pytest.raises(RuntimeError), staged_folder(out, force=True) as stage:
        (stage / "cnntune.json").write_text('{"new": 1}')
        raise RuntimeError("export failed")

    assert (out / "old.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_staged_folder_force_replaces_the_old_export_after_success(tmp_path):
    out = _export_folder(tmp_path / "model")
    with staged_folder(out, force=True) as stage:
        (stage / "cnntune.json").write_text('{"new": 1}')

    assert (out / "cnntune.json").read_text() == '{"new": 1}'
    assert not (out / "old.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_check_out_existing_without_force_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"--out .*model already exists; pass --force"):
        check_out(_export_folder(tmp_path / "model"), force=False)


def test_check_out_force_refuses_a_folder_that_is_not_an_export(tmp_path):
    (tmp_path / "notes.txt").write_text("precious")

    with pytest.raises(ExportError, match="not a model folder .* refusing to replace it even with --force"):
        check_out(tmp_path, force=True)
    with pytest.raises(ExportError, match="not a folder"):
        check_out(tmp_path / "notes.txt", force=True)
    check_out(tmp_path / "new", force=False)  # a path that does not exist is fine


def test_staged_folder_gets_the_users_umask_not_mkdtemps_0700(tmp_path):
    import os
    import stat

    out = tmp_path / "model"
    old = os.umask(0o022)
    try:
        with staged_folder(out, force=False) as stage:
            (stage / "x").write_text("1")
    finally:
        os.umask(old)

    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_check_out_in_a_missing_folder_is_refused_and_nothing_is_created(tmp_path):
    out = tmp_path / "nowhere" / "model"

    with pytest.raises(ExportError, match="does not exist; create it first"):
        check_out(out, force=False)
    assert not (tmp_path / "nowhere").exists()
