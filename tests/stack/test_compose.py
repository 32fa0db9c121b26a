"""deploy/compose.yaml, .env.example and `mercury stack init`, read as the files docker compose reads."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mercury_spotify.operations.stack_env import PASSWORD_VARIABLES, read_env_file

DEPLOY = Path(__file__).parents[2] / "deploy"
SERVICES = {"warehouse", "metabase-db", "metabase", "mercury"}
VARIABLE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def compose_variables() -> set[str]:
    return set(VARIABLE.findall((DEPLOY / "compose.yaml").read_text(encoding="utf-8")))


def test_services_present(compose):
    assert SERVICES <= set(compose["services"])


def test_one_network_for_all(compose):
    assert set(compose["networks"]) == {"mercury_net"}
    for name, service in compose["services"].items():
        assert service["networks"] == ["mercury_net"], name


def test_volume_per_database_and_home(compose):
    assert set(compose["volumes"]) == {"warehouse-data", "metabase-db-data", "mercury-home"}
    mounts = {name: [mount.split(":")[0] for mount in service.get("volumes", [])]
              for name, service in compose["services"].items()}
    assert mounts["warehouse"] == ["warehouse-data"]
    assert mounts["metabase-db"] == ["metabase-db-data"]
    assert mounts["mercury"] == ["mercury-home"]


def test_long_running_services_healthy_and_restarting(compose):
    for name in SERVICES:
        service = compose["services"][name]
        assert service["healthcheck"]["test"], name
        assert service["restart"] == "unless-stopped", name


def test_depends_on_conditions(compose):
    services = compose["services"]
    assert services["metabase"]["depends_on"]["metabase-db"]["condition"] == "service_healthy"
    assert services["mercury"]["depends_on"]["warehouse"]["condition"] == "service_healthy"
    assert services["mercury"]["depends_on"]["warehouse-init"]["condition"] == "service_completed_successfully"
    assert services["warehouse-init"]["depends_on"]["warehouse"]["condition"] == "service_healthy"


def test_warehouse_roles_created_by_db_init(compose):
    init = compose["services"]["warehouse-init"]
    assert "mercury db init" in " ".join(init["command"])
    assert init["restart"] == "no"


def test_only_metabase_published_on_loopback(compose):
    published = {name: service.get("ports", []) for name, service in compose["services"].items()}
    assert [name for name, ports in published.items() if ports] == ["metabase"]
    for port in published["metabase"]:
        assert port.startswith("127.0.0.1:"), port


def test_images_pinned(compose):
    for name in ("warehouse", "metabase-db", "metabase"):
        image = compose["services"][name]["image"]
        assert re.search(r":v?\d+\.\d+", image), image
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert len(bases) >= 2  # multi-stage
    assert all(re.search(r":\d+\.\d+\.\d+", base) for base in bases), bases
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)


def test_metabase_settings(compose):
    environment = compose["services"]["metabase"]["environment"]
    assert environment["MB_ANON_TRACKING_ENABLED"] == "false"
    assert environment["MB_CHECK_FOR_UPDATES"] == "false"
    assert environment["MB_DB_HOST"] == "metabase-db"
    assert compose["services"]["mercury"]["command"] == ["mercury", "schedule"]


def test_no_literal_secret(compose):
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            if re.search(r"PASS|SECRET|TOKEN", key):
                assert VARIABLE.fullmatch(str(value)), f"{name}.{key} is not a ${{VAR}}"
            for url_password in re.findall(r"://[^:/@]+:([^@]+)@", str(value)):
                assert VARIABLE.fullmatch(url_password), f"{name}.{key} has a literal password"


def test_every_variable_in_env_example():
    example = read_env_file(DEPLOY / ".env.example")
    assert compose_variables() <= set(example)
    for name in PASSWORD_VARIABLES:
        assert example[name] == "change-me"


def test_env_file_ignored_by_git():
    ignored = subprocess.run(["git", "check-ignore", "deploy/.env"], cwd=DEPLOY.parent, capture_output=True)
    assert ignored.returncode == 0


def run_stack_init(directory: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mercury_spotify", "stack", "init", "--dir", str(directory),
                           *extra], capture_output=True, text=True, timeout=120)


def test_stack_init_writes_private_env(tmp_path):
    result = run_stack_init(tmp_path / "deploy", "--timezone", "America/Sao_Paulo")
    assert result.returncode == 0, result.stderr

    path = tmp_path / "deploy" / ".env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    values = read_env_file(path)
    assert compose_variables() <= set(values)
    assert values["MERCURY_TIMEZONE"] == "America/Sao_Paulo"
    passwords = [values[name] for name in PASSWORD_VARIABLES]
    assert len(set(passwords)) == len(passwords)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", password) for password in passwords)
    for password in passwords:
        assert password not in result.stdout + result.stderr


def test_stack_init_keeps_existing_env(tmp_path):
    assert run_stack_init(tmp_path).returncode == 0
    before = (tmp_path / ".env").read_text()

    again = run_stack_init(tmp_path)
    assert again.returncode == 1
    assert "--force" in again.stderr
    assert (tmp_path / ".env").read_text() == before

    forced = run_stack_init(tmp_path, "--force")
    assert forced.returncode == 0
    assert (tmp_path / ".env").read_text() != before
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600
