"""The jobs app's modules depend one way: tasks → services → dispatch, never back."""

from __future__ import annotations

import ast
from pathlib import Path

JOBS = Path(__file__).resolve().parent.parent / "jobs"


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, relative ones resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ("jobs." if node.level else "") + (node.module or "")
            found.add(base.rstrip("."))
            found.update(f"{base.rstrip('.')}.{alias.name}".lstrip(".") for alias in node.names)
    return found


def test_services_and_dispatch_never_import_the_tasks():
    for name in ("services.py", "dispatch.py"):
        imported = _imported_modules(JOBS / name)
        assert "jobs.tasks" not in imported, name


def test_the_render_tasks_are_registered_under_the_names_dispatch_sends():
    from config.celery import app
    from jobs import dispatch, tasks

    assert tasks.render_report_task.name == dispatch.RENDER_REPORT_TASK
    assert tasks.render_video_task.name == dispatch.RENDER_VIDEO_TASK
    for name, route in dispatch.ROUTES.items():
        assert app.conf.task_routes[name] == route
