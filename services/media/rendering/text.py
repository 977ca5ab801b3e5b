"""Words, numbers and dates of the rendered outputs, in English and Portuguese (Brazil).

The engines run outside Django (workers, benchmark), so their strings live here
rather than in gettext catalogs: two small tables that a test keeps in step.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

LANGUAGES = ("en", "pt-br")

_MONTHS = {
    "en": [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ],
    "pt-br": [
        "janeiro", "fevereiro", "março", "abril", "maio", "junho",
        "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
    ],
}  # fmt: skip

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "year_in_review": "Year in review",
        "your_year": "{name}'s {year}",
        "org_year": "{name} in {year}",
        "pocs": "POCs",
        "poc": "POC",
        "languages": "languages",
        "people": "people",
        "dojos": "dojos",
        "totals_title": "The year in numbers",
        "top_languages": "Top languages",
        "top_tags": "Most used tags",
        "month_by_month": "Month by month",
        "poc_cards": "What was built",
        "poc_cards_page": "What was built ({page} of {pages})",
        "and_more": "and {count} more",
        "dojos_title": "Dojos",
        "dojo_hours": "hours of coding together",
        "dojo_unavailable": "Dojo data was not available for this video.",
        "no_dojos": "No dojos this year.",
        "no_languages": "No languages declared.",
        "no_tags": "No tags used.",
        "empty_year": "No POCs registered in {year}.",
        "empty_year_hint": "Register your proofs of concept and come back next year.",
        "outro": "Here's to the next experiment.",
        "made_with": "Made with Pocdex",
        "status_idea": "Idea",
        "status_in_progress": "In progress",
        "status_done": "Done",
        "status_abandoned": "Abandoned",
        "status_unknown": "Unknown",
        "outcome_validated": "Validated",
        "outcome_invalidated": "Invalidated",
        "outcome_inconclusive": "Inconclusive",
        "report_title": "POC report",
        "report_org": "Organization: {name}",
        "report_person": "Person: {name}",
        "report_period": "Period: {start} to {end}",
        "report_generated": "Generated on {date}",
        "summary": "Summary",
        "total_pocs": "POCs in the period",
        "by_status": "POCs by status",
        "by_language": "POCs by language",
        "by_tag": "POCs by tag",
        "by_month": "POCs by month",
        "outcomes": "Outcomes",
        "outcomes_and_learnings": "Outcomes and learnings",
        "dojo_participation": "Dojo participation",
        "dojo_sessions": "Dojo sessions",
        "participant": "Participant",
        "sessions": "Sessions",
        "pilot_minutes": "Minutes as pilot",
        "no_pocs_period": "No POCs in this period.",
        "no_learnings": "No learnings recorded.",
        "count": "Count",
        "name": "Name",
        "status": "Status",
        "outcome": "Outcome",
        "learnings": "Learnings",
        "author": "Author",
        "started_on": "Started on",
        "finished_on": "Finished on",
        "created_on": "Registered on",
        "tags": "Tags",
        "id": "ID",
        "summary_col": "Summary",
        "contributors": "Contributors",
        "frameworks": "Frameworks",
        "page": "Page {page}",
    },
    "pt-br": {
        "year_in_review": "Retrospectiva do ano",
        "your_year": "O {year} de {name}",
        "org_year": "{name} em {year}",
        "pocs": "POCs",
        "poc": "POC",
        "languages": "linguagens",
        "people": "pessoas",
        "dojos": "dojos",
        "totals_title": "O ano em números",
        "top_languages": "Linguagens mais usadas",
        "top_tags": "Tags mais usadas",
        "month_by_month": "Mês a mês",
        "poc_cards": "O que foi construído",
        "poc_cards_page": "O que foi construído ({page} de {pages})",
        "and_more": "e mais {count}",
        "dojos_title": "Dojos",
        "dojo_hours": "horas programando juntos",
        "dojo_unavailable": "Os dados de dojos não estavam disponíveis para este vídeo.",
        "no_dojos": "Nenhum dojo neste ano.",
        "no_languages": "Nenhuma linguagem declarada.",
        "no_tags": "Nenhuma tag usada.",
        "empty_year": "Nenhuma POC registrada em {year}.",
        "empty_year_hint": "Registre suas provas de conceito e volte no ano que vem.",
        "outro": "Que venha o próximo experimento.",
        "made_with": "Feito com Pocdex",
        "status_idea": "Ideia",
        "status_in_progress": "Em andamento",
        "status_done": "Concluída",
        "status_abandoned": "Abandonada",
        "status_unknown": "Desconhecido",
        "outcome_validated": "Validada",
        "outcome_invalidated": "Invalidada",
        "outcome_inconclusive": "Inconclusiva",
        "report_title": "Relatório de POCs",
        "report_org": "Organização: {name}",
        "report_person": "Pessoa: {name}",
        "report_period": "Período: {start} a {end}",
        "report_generated": "Gerado em {date}",
        "summary": "Resumo",
        "total_pocs": "POCs no período",
        "by_status": "POCs por status",
        "by_language": "POCs por linguagem",
        "by_tag": "POCs por tag",
        "by_month": "POCs por mês",
        "outcomes": "Resultados",
        "outcomes_and_learnings": "Resultados e aprendizados",
        "dojo_participation": "Participação em dojos",
        "dojo_sessions": "Sessões de dojo",
        "participant": "Participante",
        "sessions": "Sessões",
        "pilot_minutes": "Minutos como piloto",
        "no_pocs_period": "Nenhuma POC neste período.",
        "no_learnings": "Nenhum aprendizado registrado.",
        "count": "Quantidade",
        "name": "Nome",
        "status": "Status",
        "outcome": "Resultado",
        "learnings": "Aprendizados",
        "author": "Autor",
        "started_on": "Início",
        "finished_on": "Fim",
        "created_on": "Registrada em",
        "tags": "Tags",
        "id": "ID",
        "summary_col": "Resumo",
        "contributors": "Colaboradores",
        "frameworks": "Frameworks",
        "page": "Página {page}",
    },
}


def language_of(language: str) -> str:
    return "pt-br" if language.lower().startswith("pt") else "en"


def t(language: str, key: str, **values: object) -> str:
    return STRINGS[language_of(language)][key].format(**values)


def label(language: str, prefix: str, value: str) -> str:
    """A status or outcome in words; unknown values are shown as they came."""
    key = f"{prefix}_{value}"
    table = STRINGS[language_of(language)]
    return table.get(key, value.replace("_", " ").capitalize())


def number(language: str, value: float, *, decimals: int = 0) -> str:
    """1,234.5 in English, 1.234,5 in Portuguese."""
    text = f"{value:,.{decimals}f}"
    if language_of(language) == "pt-br":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def month_name(language: str, month: int, *, short: bool = False) -> str:
    name = _MONTHS[language_of(language)][month - 1]
    return name[:3] if short else name


def date(language: str, day: dt.date) -> str:
    """31 January 2026 / 31 de janeiro de 2026."""
    if language_of(language) == "pt-br":
        return f"{day.day} de {month_name(language, day.month)} de {day.year}"
    return f"{day.day} {month_name(language, day.month)} {day.year}"


def short_date(language: str, day: dt.date | None) -> str:
    if day is None:
        return ""
    if language_of(language) == "pt-br":
        return day.strftime("%d/%m/%Y")
    return day.isoformat()


# Characters no font of ours draws (emoji, pictographs, private use) and the
# invisible joiners/selectors that come with them.
_DROP_CATEGORIES = {"So", "Cs", "Co", "Cn", "Cc"}
_INVISIBLE = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}


def printable(text: str) -> str:
    """NFC text without what the fonts cannot draw; whitespace runs become one space."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char in _INVISIBLE:
            continue
        if char in "\t\n\r":
            kept.append(" ")
            continue
        if unicodedata.category(char) in _DROP_CATEGORIES or ord(char) > 0xFFFF:
            continue
        kept.append(char)
    return " ".join("".join(kept).split())
