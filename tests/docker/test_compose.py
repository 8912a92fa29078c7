"""No Docker engine runs here: check what can be checked without one.

The compose file parses, has the services the README promises, binds the
dashboard to localhost only, mounts data read-only, and every command in it is
a real `tune` command with real options (parsed by the CLI itself).
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml

from cnntune.cli import cli

DOCKER = Path(__file__).resolve().parents[2] / "docker"
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def _compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def _substitute(text: str) -> str:
    """Compose's `${VAR:-default}` with the default, as an unset environment gives."""
    return _VARIABLE.sub(lambda m: m.group(2) or "", text)


def _parse_tune_command(args: list[str]) -> click.Context:
    """Parses a `tune ...` command line without running it; raises click errors on bad options."""
    parent = click.Context(cli, info_name="tune")
    command: click.Command = cli
    rest = list(args)
    while isinstance(command, click.Group):
        name, rest = rest[0], rest[1:]
        sub = command.get_command(parent, name)
        if sub is None:
            raise click.UsageError(f"no such command {name!r}")
        if isinstance(sub, click.Group):
            parent = click.Context(sub, info_name=name, parent=parent)
        command = sub
    return command.make_context(command.name, rest, parent=parent)


def test_compose_has_postgres_workers_dashboard():
    services = _compose()["services"]
    assert {"postgres", "worker", "dashboard", "start", "export"} <= set(services)
    assert "healthcheck" in services["postgres"]
    assert any("pgdata" in v for v in services["postgres"]["volumes"])


@pytest.mark.parametrize("service", ["start", "worker", "dashboard", "export"])
def test_compose_commands_are_real_tune_commands(service):
    spec = _compose()["services"][service]
    args = [_substitute(a) for a in spec["command"]]
    ctx = _parse_tune_command(args)
    assert ctx.command.name == args[0]


def test_compose_dashboard_bound_to_localhost_and_data_read_only():
    services = _compose()["services"]
    assert all(p.startswith("127.0.0.1:") for p in services["dashboard"]["ports"])
    for service in ("start", "worker", "export"):
        data_mounts = [v for v in services[service]["volumes"] if ":/data" in v]
        assert data_mounts and all(v.endswith(":ro") for v in data_mounts)


def test_compose_storage_url_is_postgresql():
    env = _compose()["services"]["worker"]["environment"]
    assert _substitute(env["TUNE_STORAGE"]).startswith("postgresql://")


def test_parse_tune_command_rejects_unknown_options():
    with pytest.raises(click.UsageError):
        _parse_tune_command(["worker", "--study", "x", "--no-such-option"])


@pytest.mark.parametrize("dockerfile", ["Dockerfile.cpu", "Dockerfile.gpu"])
def test_dockerfiles_copy_existing_paths_and_run_tune(dockerfile):
    text = (DOCKER / dockerfile).read_text()
    root = DOCKER.parent
    for line in text.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (root / source).exists(), f"{dockerfile}: COPY {source} does not exist"
    assert 'ENTRYPOINT ["tune"]' in text


def test_compose_tune_services_stop_gracefully_under_an_init():
    services = {name: s for name, s in _compose()["services"].items() if s.get("image") == "cnntune:cpu"}
    assert {"start", "worker", "dashboard", "export"} <= set(services)
    for name, service in services.items():
        assert service.get("init") is True, name  # signals reach tune; children are reaped
        grace = service.get("stop_grace_period", "10s")
        assert grace.endswith("m") and int(grace[:-1]) >= 1, f"{name}: {grace}"  # time to reach an epoch end
