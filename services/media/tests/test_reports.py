"""Report jobs end to end inside media: request, progress, PDF and CSV in the organization's bucket."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from .helpers import download, pdf_text, queued_events, wait_for_job
from .upstream import closed_port_url

pytestmark = pytest.mark.slow


def test_member_gets_a_pdf_and_csv_report_with_the_right_figures(
    worker, broker, alice, owner, add_poc, settings
):
    settings.DOJO_URL = closed_port_url()  # dojo not deployed: connection refused
    add_poc(
        alice,
        name="Migração de filas para gRPC",
        languages=["Python", "Go"],
        tags=["backend"],
        status="done",
        outcome="validated",
        learnings="Filas com gRPC exigem backpressure.",
        day=dt.date(2025, 2, 3),
    )
    add_poc(
        alice,
        name="Busca offline no app",
        languages=["Kotlin"],
        tags=["mobile", "backend"],
        status="in_progress",
        day=dt.date(2025, 2, 20),
    )
    add_poc(
        alice,
        name="Cache na borda",
        languages=["Python"],
        status="abandoned",
        outcome="invalidated",
        day=dt.date(2025, 7, 1),
    )
    add_poc(alice, name="Fora do período", day=dt.date(2024, 12, 31))
    add_poc(owner, name="POC da Olga", languages=["Rust"], day=dt.date(2025, 5, 5))

    response = alice.client.post(
        "/api/v1/reports",
        {"scope": "me", "from": "2025-01-01", "to": "2025-12-31", "language": "en"},
        format="json",
    )
    assert response.status_code == 202, response.content
    created = response.json()
    assert created["status"] == "queued" and created["files"] == []

    job, progress = wait_for_job(alice, f"/api/v1/reports/{created['id']}")
    assert job["status"] == "succeeded", job
    assert job["progress"] == 100 and progress == sorted(progress)
    assert job["warnings"] == ["dojo_data_unavailable"]
    assert {f["format"] for f in job["files"]} == {"pdf", "csv"}

    text = pdf_text(download(job, "pdf"))
    assert "POC report" in text and "Person: Alice Conceição" in text
    assert "Period: 1 January 2025 to 31 December 2025" in text
    assert "POCs in the period 3" in text
    # By language (declared languages, each POC once per language), by status, by month.
    assert "Python 2" in text and "Go 1" in text and "Kotlin 1" in text
    assert "Rust" not in text and "POC da Olga" not in text and "Fora do período" not in text
    assert "Done 1" in text and "In progress 1" in text and "Abandoned 1" in text
    assert "Feb/25 2" in text and "Jul/25 1" in text
    assert "Filas com gRPC exigem backpressure." in text
    assert "Dojo data was not available" in text

    rows = list(csv.DictReader(io.StringIO(download(job, "csv").decode("utf-8-sig"))))
    assert [r["Name"] for r in rows] == [
        "Migração de filas para gRPC",
        "Busca offline no app",
        "Cache na borda",
    ]
    assert rows[0]["Languages"] == "Python; Go" and rows[0]["Outcome"] == "Validated"

    completed = [e for e in queued_events(broker) if e["topic"] == "media.job.completed"]
    assert len(completed) == 1
    payload = completed[0]["payload"]
    assert payload["job_id"] == job["id"] and payload["user_id"] == str(alice.id)
    assert payload["kind"] == "report" and payload["tenant_id"] == str(alice.tenant.id)


def test_portuguese_report_uses_portuguese_words_numbers_and_dates(worker, owner, alice, add_poc):
    for index in range(3):
        add_poc(
            alice,
            name=f"Experiência {index}",
            languages=["TypeScript"],
            day=dt.date(2025, 3, 1 + index),
        )
    add_poc(
        owner, name="Ação da dona", languages=["Elixir"], status="idea", day=dt.date(2025, 3, 9)
    )
    response = owner.client.post(
        "/api/v1/reports",
        {
            "scope": "organization",
            "from": "2025-03-01",
            "to": "2025-03-31",
            "language": "pt-BR",
            "formats": ["pdf"],
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    job, _ = wait_for_job(owner, f"/api/v1/reports/{response.json()['id']}")
    assert job["status"] == "succeeded" and [f["format"] for f in job["files"]] == ["pdf"]
    text = pdf_text(download(job, "pdf"))
    assert "Relatório de POCs" in text and f"Organização: {owner.tenant.slug}" in text
    assert "Período: 1 de março de 2025 a 31 de março de 2025" in text
    assert "POCs no período 4" in text and "TypeScript 3" in text and "Ideia 1" in text
    assert "Ação da dona" in text


def test_report_of_an_empty_period_is_still_a_report(worker, owner):
    response = owner.client.post(
        "/api/v1/reports",
        {"from": "2025-01-01", "to": "2025-01-31", "language": "en"},
        format="json",
    )
    job, _ = wait_for_job(owner, f"/api/v1/reports/{response.json()['id']}")
    assert job["status"] == "succeeded"
    assert "No POCs in this period." in pdf_text(download(job, "pdf"))
