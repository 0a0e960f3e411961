"""`dealbook` — the command-line entry point: serve, migrate, demo, createuser, manage."""

from __future__ import annotations

import argparse
import os
import sys


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealbook.settings")
    import django

    django.setup()


def _prepare_data_dir() -> None:
    from django.conf import settings

    for sub in ("", "media", "outbox", "static"):
        (settings.DATA_DIR / sub).mkdir(parents=True, exist_ok=True)


def cmd_migrate(args) -> int:
    from django.core.management import call_command

    _prepare_data_dir()
    call_command("migrate", interactive=False, verbosity=args.verbosity)
    return 0


def cmd_demo(args) -> int:
    from dealbook import demo

    created = demo.load(force=args.force)
    demo.print_users(created)
    return 0


def cmd_createuser(args) -> int:
    from dealbook.accounts.services import user_create
    from dealbook.core.errors import DomainError

    try:
        user = user_create(
            username=args.username,
            password=args.password,
            role=args.role,
            email=args.email or "",
            is_superuser=args.role == "admin",
        )
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"created {user.username} ({user.role})")
    return 0


def cmd_serve(args) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from dealbook import demo

    _prepare_data_dir()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not args.no_demo and demo.is_empty():
        demo.print_users(demo.load())
    port = str(args.port or os.environ.get("PORT", "8000"))
    host = args.host or os.environ.get("HOST", "127.0.0.1")
    workers = str(args.workers or os.environ.get("WEB_CONCURRENCY") or (2 if not settings.IS_POSTGRES else 3))
    print(f"Dealbook is serving http://{host}:{port}/  (data: {settings.DATA_DIR})", flush=True)
    gunicorn_args = [
        sys.executable,
        "-m",
        "gunicorn",
        "dealbook.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        workers,
        "--threads",
        os.environ.get("GUNICORN_THREADS", "4"),
        "--worker-class",
        "gthread",
        "--access-logfile",
        os.environ.get("DEALBOOK_ACCESS_LOG", "-") if os.environ.get("DEALBOOK_ACCESS_LOG") else "/dev/null",
        "--timeout",
        "60",
    ]
    os.execv(sys.executable, gunicorn_args)
    return 0  # not reached


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dealbook manage", *args.rest])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dealbook", description="Dealbook CRM")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="migrate, load demo data on first start and serve with gunicorn")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int)
    p.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="create or upgrade the database")
    p.add_argument("--verbosity", type=int, default=1)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load the demo data (seed 002's world)")
    p.add_argument("--force", action="store_true", help="load even if the database has data")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("createuser", help="create a user with a role")
    p.add_argument("username")
    p.add_argument("--password", required=True)
    p.add_argument(
        "--role",
        default="sales_manager",
        choices=[
            "admin",
            "director",
            "group_manager",
            "financial_manager",
            "accountant",
            "sales_manager",
            "operator",
        ],
    )
    p.add_argument("--email")
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    args = parser.parse_args(argv)
    _setup()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
