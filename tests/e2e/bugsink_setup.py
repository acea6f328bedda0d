"""Prepare a fresh Bugsink database and print the project's DSN as JSON.

Runs inside Bugsink's own virtual environment (Django is not in the project's), with
``DJANGO_SETTINGS_MODULE=bugsink_conf`` and the configuration directory on ``PYTHONPATH``:

    python bugsink_setup.py TEMPLATE_DIR USERNAME PASSWORD

Migrating an empty database takes about 3 s, so the first run keeps a migrated copy in
TEMPLATE_DIR and later runs copy it instead. Bugsink has no command that creates a project, so
the user, team and project are made here through its models.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

import django
from django.conf import settings
from django.core.management import call_command
from django.db import connections

ALIASES = ("default", "snappea")


def _db_path(alias: str) -> str:
    return str(settings.DATABASES[alias]["NAME"])


def _copy_template(template_dir: str) -> bool:
    sources = [os.path.join(template_dir, alias + ".sqlite3") for alias in ALIASES]
    if not all(os.path.exists(path) for path in sources):
        return False
    for alias, source in zip(ALIASES, sources, strict=True):
        shutil.copyfile(source, _db_path(alias))
    return True


def _migrate_and_save(template_dir: str) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("migrate", "snappea", database="snappea", interactive=False, verbosity=0)
    connections.close_all()  # checkpoints the WAL so that the files are complete on their own
    os.makedirs(os.path.dirname(template_dir) or ".", exist_ok=True)
    staging = tempfile.mkdtemp(dir=os.path.dirname(template_dir) or ".", prefix=".template-")
    for alias in ALIASES:
        shutil.copyfile(_db_path(alias), os.path.join(staging, alias + ".sqlite3"))
    try:
        os.rename(staging, template_dir)
    except OSError:  # another run saved one first
        shutil.rmtree(staging, ignore_errors=True)


def _create_project(username: str, password: str) -> dict[str, str]:
    from django.contrib.auth import get_user_model
    from projects.models import Project, ProjectMembership, ProjectRole
    from teams.models import Team, TeamMembership, TeamRole

    user = get_user_model().objects.create_superuser(username=username, password=password)
    team = Team.objects.create(name="sentry-lite")
    TeamMembership.objects.create(team=team, user=user, role=TeamRole.ADMIN, accepted=True)
    project = Project.objects.create(name="sentry-lite-e2e", team=team)
    ProjectMembership.objects.create(
        project=project, user=user, role=ProjectRole.ADMIN, accepted=True
    )
    return {"dsn": project.dsn, "project_id": str(project.id)}


def main() -> None:
    template_dir, username, password = sys.argv[1:4]
    django.setup()
    if not _copy_template(template_dir):
        _migrate_and_save(template_dir)
    print(json.dumps(_create_project(username, password)))


if __name__ == "__main__":
    main()
