"""The `dealbook` command (issue 2: serve, migrate, demo data, create user), run in-process."""

from pathlib import Path

import pytest
from django.db import connections

from dealbook import cli
from dealbook.accounts.models import Role, User
from dealbook.crm.models import Deal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"
    settings.STATIC_ROOT = tmp_path / "var" / "static"
    # the demo creates eleven users: PBKDF2's million iterations each would dominate these tests
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_migrate_reports_the_database_and_creates_the_data_dir(settings, capsys):
    assert cli.main(["migrate", "--verbosity", "0"]) == 0

    assert "Database is up to date" in capsys.readouterr().out
    assert (settings.DATA_DIR / "media").is_dir() and (settings.DATA_DIR / "outbox").is_dir()


def test_createuser_creates_a_user_with_role_and_group(capsys):
    """R1: a user has one role; --group puts them in a sales group (created if missing)."""
    code = cli.main(
        [
            "createuser",
            "svetlana",
            "--password",
            "long-enough-1",
            "--role",
            "accountant",
            "--group",
            "Бухгалтерия",
        ]
    )

    assert code == 0
    user = User.objects.get(username="svetlana")
    assert user.role == Role.ACCOUNTANT and user.group.name == "Бухгалтерия"
    assert user.check_password("long-enough-1") and not user.is_superuser
    assert "Created user svetlana" in capsys.readouterr().out


def test_createuser_admin_is_a_superuser_with_admin_access():
    assert cli.main(["createuser", "boss", "--password", "long-enough-1", "--role", "admin"]) == 0

    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.is_staff


def test_createuser_refuses_a_short_password_with_a_clear_message_and_writes_nothing(capsys):
    code = cli.main(["createuser", "bob", "--password", "short"])

    assert code == 2
    assert "error (password): The password must have at least 8 characters." in capsys.readouterr().err
    assert not User.objects.filter(username="bob").exists()


def test_createuser_refuses_an_existing_username(f, capsys):
    f.make_user(username="taken")

    assert cli.main(["createuser", "taken", "--password", "long-enough-1"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_createuser_without_password_on_a_pipe_says_how_to_give_one(monkeypatch, capsys):
    monkeypatch.delenv("DEALBOOK_NEW_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)

    assert cli.main(["createuser", "nopass"]) == 1
    assert "use --password" in capsys.readouterr().err
    assert not User.objects.filter(username="nopass").exists()


def test_createuser_unknown_role_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["createuser", "x", "--password", "long-enough-1", "--role", "king"])

    assert exc.value.code == 2
    assert "invalid choice: 'king'" in capsys.readouterr().err


def test_demo_loads_into_an_empty_database_and_prints_the_users(capsys):
    assert cli.main(["demo"]) == 0

    out = capsys.readouterr().out
    assert "Demo users" in out and "grakun" in out and "demo12345" in out
    assert Deal.objects.filter(pk=37924).exists()


def test_demo_leaves_a_database_with_data_alone(f, capsys):
    f.make_user(username="real")

    assert cli.main(["demo"]) == 0

    assert "already has data" in capsys.readouterr().out
    assert not Deal.objects.exists()


def test_manage_runs_a_django_command(capsys):
    assert cli.main(["manage", "check"]) == 0
    assert "no issues" in capsys.readouterr().out


def test_serve_refuses_a_bad_port_before_starting(monkeypatch, capsys):
    monkeypatch.setenv("PORT", "eighty")

    assert cli.main(["serve", "--no-demo"]) == 1
    assert "PORT must be a number" in capsys.readouterr().err


def _serve_argv(monkeypatch, *args) -> list[str]:
    started = {}

    def fake_exec(path, argv):
        started["argv"] = argv
        raise SystemExit(0)

    monkeypatch.setattr(cli.os, "execv", fake_exec)
    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's connection
    with pytest.raises(SystemExit):
        cli.main(["serve", *args])
    return started["argv"]


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_serve_migrates_loads_demo_and_execs_the_server_on_port(monkeypatch, capsys):
    """`make run`: first start loads the demo, prints the users, then hands over to granian:
    two processes that each run one request at a time (WEB_CONCURRENCY, WEB_THREADS)."""
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    monkeypatch.delenv("DEALBOOK_ACCESS_LOG", raising=False)

    argv = _serve_argv(monkeypatch)

    assert argv[1:3] == ["-m", "granian"] and argv[-1] == "dealbook.wsgi:application"
    assert _option(argv, "--interface") == "wsgi"
    assert (_option(argv, "--host"), _option(argv, "--port")) == ("127.0.0.1", "8123")
    assert (_option(argv, "--workers"), _option(argv, "--blocking-threads")) == ("2", "1")
    assert "--access-log" not in argv
    out = capsys.readouterr().out
    assert "Demo users" in out and "http://127.0.0.1:8123/" in out
    assert User.objects.filter(username="operator").exists()


def test_serve_takes_processes_and_threads_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("WEB_THREADS", "8")

    argv = _serve_argv(monkeypatch, "--no-demo")

    assert (_option(argv, "--workers"), _option(argv, "--blocking-threads")) == ("4", "8")


@pytest.mark.parametrize(
    "name, value", [("WEB_THREADS", "0"), ("WEB_THREADS", "many"), ("WEB_CONCURRENCY", "-2")]
)
def test_serve_refuses_bad_process_or_thread_counts_naming_the_setting(monkeypatch, capsys, name, value):
    monkeypatch.setenv(name, value)

    assert cli.main(["serve", "--no-demo"]) == 1
    assert f"{name} must be a whole number" in capsys.readouterr().err


def test_access_log_to_a_file_goes_through_a_logging_config(monkeypatch, settings, tmp_path):
    """DEALBOOK_ACCESS_LOG=<path>: granian's access logger writes to that file; "-": to stdout."""
    import json

    monkeypatch.setenv("DEALBOOK_ACCESS_LOG", str(tmp_path / "access.log"))
    argv = _serve_argv(monkeypatch, "--no-demo")
    config = json.loads(Path(_option(argv, "--log-config")).read_text())
    assert "--access-log" in argv
    assert config["handlers"]["access"]["filename"] == str(tmp_path / "access.log")
    assert config["loggers"]["granian.access"]["handlers"] == ["access"]

    monkeypatch.setenv("DEALBOOK_ACCESS_LOG", "-")
    argv = _serve_argv(monkeypatch, "--no-demo")
    assert "--access-log" in argv and "--log-config" not in argv
