"""`dealbook` — the command-line entry point: serve, migrate, demo, createuser, manage.

Every command prints what it did or one clear "error: …" line and exits non-zero; a traceback is
a bug. Commands that need the database bring its schema up to date first.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

ROLES = [
    "admin",
    "director",
    "group_manager",
    "financial_manager",
    "accountant",
    "sales_manager",
    "operator",
]


class CliError(Exception):
    """A failure the user can act on; printed as one line, no traceback."""


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealbook.settings")
    import django

    try:
        django.setup()
    except Exception as exc:  # a bad DATABASE_URL or settings value, before any command runs
        raise CliError(f"cannot load the settings: {exc}") from exc


def _prepare_data_dir() -> None:
    from django.conf import settings

    try:
        for sub in ("", "media", "outbox", "static"):
            (settings.DATA_DIR / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(
            f"cannot create the data directory {settings.DATA_DIR}: {exc.strerror}"
            " (set DEALBOOK_DATA_DIR to a writable folder)"
        ) from exc


def _database_label() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if settings.IS_POSTGRES:
        return f"PostgreSQL {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db.get('NAME')}"
    return f"SQLite {db['NAME']}"


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command
    from django.db import OperationalError

    _prepare_data_dir()
    try:
        call_command("migrate", interactive=False, verbosity=verbosity)
    except OperationalError as exc:
        raise CliError(f"cannot reach the database ({_database_label()}): {exc}".strip()) from exc


def cmd_migrate(args) -> int:
    _migrate(verbosity=args.verbosity)
    print(f"Database is up to date: {_database_label()}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from dealbook import demo

    _migrate()
    if not args.force and not demo.is_empty():
        print("The database already has data; demo data not loaded (use --force to add it anyway).")
        return EXIT_OK
    users = demo.load(force=args.force)
    demo.print_users(users)
    return EXIT_OK


def _read_password(args) -> str:
    if args.password:
        return args.password
    env = os.environ.get("DEALBOOK_NEW_USER_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        raise CliError("no password given: use --password or DEALBOOK_NEW_USER_PASSWORD")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CliError("the passwords do not match")
    return first


def cmd_createuser(args) -> int:
    from dealbook.accounts.models import SalesGroup
    from dealbook.accounts.services import user_create

    _migrate()
    password = _read_password(args)
    group = None
    if args.group:
        group, _ = SalesGroup.objects.get_or_create(name=args.group.strip())
    user = user_create(
        username=args.username,
        password=password,
        role=args.role,
        first_name=args.first_name or "",
        last_name=args.last_name or "",
        email=args.email or "",
        group=group,
        is_superuser=args.role == "admin",
    )
    where = f", group {group.name}" if group else ""
    print(f"Created user {user.username} ({user.role}{where}).")
    return EXIT_OK


def _positive(name: str, value) -> str:
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise CliError(f"{name} must be a whole number of at least 1, not {value!r}")
    return text


def _access_log_args(settings) -> list[str]:
    """DEALBOOK_ACCESS_LOG: "-" logs requests to standard output, a path to that file; unset, none
    (a log line costs ~10% of a fast API request)."""
    target = os.environ.get("DEALBOOK_ACCESS_LOG")
    if not target:
        return []
    if target == "-":
        return ["--access-log"]
    from granian.log import LOGGING_CONFIG

    config = {
        "handlers": {
            **LOGGING_CONFIG["handlers"],
            "access": {"formatter": "access", "class": "logging.FileHandler", "filename": target},
        },
        "loggers": LOGGING_CONFIG["loggers"],
    }
    path = Path(settings.DATA_DIR) / "server-logging.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config), encoding="utf-8")
    return ["--access-log", "--log-config", str(path)]


def _server_args(args, settings) -> list[str]:
    port = str(args.port or os.environ.get("PORT") or "8000")
    host = args.host or os.environ.get("HOST") or "127.0.0.1"
    workers = _positive("WEB_CONCURRENCY", args.workers or os.environ.get("WEB_CONCURRENCY") or 2)
    # Granian (an HTTP server in Rust) with processes that run one request at a time: on 2 cores,
    # with 8 clients on the deal list, this gave the least CPU per request and the best p95
    # (bench/RESULTS.md: ~17 ms, against ~25 ms for gunicorn's 2 processes of 4 threads, whose
    # threads contend for the interpreter). WEB_THREADS lets a process run more requests at once,
    # for sites whose pages wait on slow outside servers.
    threads = _positive("WEB_THREADS", os.environ.get("WEB_THREADS") or 1)
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        port,
        "--workers",
        workers,
        "--blocking-threads",
        threads,
        "--respawn-failed-workers",  # a worker that dies is replaced
        "--workers-kill-timeout",
        "10",  # a worker that does not stop within 10 s of shutdown is killed
        *_access_log_args(settings),
        "dealbook.wsgi:application",
    ]


def cmd_serve(args) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from dealbook import demo

    port = args.port or os.environ.get("PORT") or "8000"
    if not str(port).isdigit() or not 0 < int(port) < 65536:
        raise CliError(f"PORT must be a number between 1 and 65535, not {port!r}")
    argv = _server_args(args, settings)  # bad settings are refused before anything is done
    _migrate()
    call_command("collectstatic", interactive=False, verbosity=0)
    if not args.no_demo and demo.is_empty():
        print("First start: loading the demo data …", flush=True)
        demo.print_users(demo.load())
    elif not args.no_demo:
        print("Demo users and their passwords are listed in README.md (loaded on the first start).")
    host = f"{argv[argv.index('--host') + 1]}:{argv[argv.index('--port') + 1]}"
    print(
        f"Dealbook is serving http://{host}/  ({_database_label()}, data in {settings.DATA_DIR})", flush=True
    )
    from django.db import connections

    connections.close_all()  # the server's workers open their own
    os.execv(sys.executable, argv)
    return EXIT_OK  # not reached


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    rest = [a for a in args.rest if a != "--"] or ["help"]
    execute_from_command_line(["dealbook manage", *rest])
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dealbook",
        description="Dealbook CRM. Configuration comes from environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="migrate, load demo data on first start and serve (granian)")
    p.add_argument("--host", help="address to bind (default: HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: PORT or 8000)")
    p.add_argument("--workers", type=int, help="server processes (default: WEB_CONCURRENCY or 2)")
    p.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="create or upgrade the database")
    p.add_argument("--verbosity", type=int, default=1, choices=[0, 1, 2, 3])
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load the demo data (the seed's world) into an empty database")
    p.add_argument("--force", action="store_true", help="load even if the database already has data")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("createuser", help="create a user with a role")
    p.add_argument("username")
    p.add_argument("--password", help="at least 8 characters (or DEALBOOK_NEW_USER_PASSWORD, or a prompt)")
    p.add_argument("--role", default="sales_manager", choices=ROLES)
    p.add_argument("--group", help="sales group name (created if missing)")
    p.add_argument("--first-name")
    p.add_argument("--last-name")
    p.add_argument("--email")
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("manage", help="run a Django management command, e.g. `dealbook manage shell`")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _setup()
        return args.func(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from dealbook.core.errors import DomainError

        if isinstance(exc, DomainError):
            where = f" ({exc.field})" if exc.field else ""
            print(f"error{where}: {exc.message}", file=sys.stderr)
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())
