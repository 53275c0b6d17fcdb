import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from beteiligung.project.scheduler import run_due


class Command(BaseCommand):
    help = "Enqueue periodic tasks (hold expiry, data retention, ...) for every active tenant."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--interval", type=float, default=15.0)

    def handle(self, *args, **options):
        while True:
            for schema, path in run_due():
                self.stdout.write(f"enqueued {path} for {schema}")
            close_old_connections()
            if options["once"]:
                return
            time.sleep(options["interval"])
