"""An intake document read back as labelled answers, for the clinic pages.

Clinicians used to see a saved intake as indented JSON. They need to read it at a glance, and to see at once
what the person did not answer, because the rules never read a missing answer as "no" and neither should a
reader. So every question of the contract gets a row, saying "not answered" where the field is absent, and
anything the page does not know how to word (a field added to the contract later, say) is still shown, by its
path, rather than dropped. The exact document stays available beside it.

It reads stored documents, which were valid when saved but may predate a field, so it never assumes a shape:
anything unexpected is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rejuv.knowledge.loader import KnowledgeBase
from rejuv.web.questions import ALLERGIES, CONDITIONS, LABS, MEDICATION_SHORT, PROCEDURES

NOT_ANSWERED = "not answered"
_CONDITION_WORDS = dict(CONDITIONS)
_ALLERGY_WORDS = dict(ALLERGIES)
_PROCEDURE_WORDS = dict(PROCEDURES)
_LAB_WORDS = {name: label for name, label, _hint in LABS}
_LAB_UNITS = {"platelets_per_ul": "per µL", "haemoglobin_g_dl": "g/dL", "hba1c_percent": "%", "inr": ""}

_PATIENT = (
    ("age", "Age"),
    ("sex", "Sex"),
    ("fitzpatrick", "Skin type (Fitzpatrick)"),
    ("glogau", "Photoageing (Glogau)"),
)
_PREFERENCES = (
    ("max_downtime_days", "Most recovery time accepted"),
    ("blood_draw", "Having blood taken"),
    ("autologous_only", "Only material from their own body"),
    ("visits", "Visits"),
    ("budget", "Budget"),
    ("leaning", "Leaning after reading about both"),
    ("expectations", "Expectations"),
)
_PREFERENCE_WORDS = {
    ("blood_draw", "ok"): "acceptable",
    ("blood_draw", "refuses"): "refuses",
    ("visits", "frequent_ok"): "frequent visits are fine",
    ("visits", "fewer_visits"): "prefers fewer visits",
    ("leaning", "none"): "no leaning",
    ("leaning", "mesotherapy"): "mesotherapy",
    ("leaning", "prp"): "PRP",
}
_HISTORY_KNOWN = {
    "pregnant",
    "breastfeeding",
    "conditions",
    "medications",
    "current_medications_unknown",
    "labs",
    "allergies",
    "cigarettes_per_day",
    "recent_procedures",
}


def intake_rows(intake: Any, kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(question, answer) pairs in the questionnaire's order; every unanswered question says so."""
    if not isinstance(intake, Mapping):
        return [("The intake as saved", _plain(intake))]
    rows: list[tuple[str, str]] = []
    patient = _mapping(intake.get("patient"))
    for key, label in _PATIENT:
        value = patient.get(key)
        rows.append((label, NOT_ANSWERED if value is None else f"{value} years" if key == "age" else _plain(value)))
    rows.append(("Concerns", _concerns(intake.get("concerns"), kb)))
    preferences = _mapping(intake.get("preferences"))
    for key, label in _PREFERENCES:
        rows.append((label, _preference(key, preferences.get(key))))
    history = _mapping(intake.get("history"))
    rows.append(("Pregnant", _yes_no(history.get("pregnant"))))
    rows.append(("Breastfeeding", _yes_no(history.get("breastfeeding"))))
    rows.append(("Health conditions", _listed(history.get("conditions"), _CONDITION_WORDS)))
    rows.append(("Medicines", _medicines(history)))
    rows.append(("Allergies", _listed(history.get("allergies"), _ALLERGY_WORDS)))
    labs = history.get("labs")
    rows.append(("Blood tests", _labs(labs) if labs is None or isinstance(labs, Mapping) else _plain(labs)))
    cigarettes = history.get("cigarettes_per_day")
    rows.append(("Cigarettes a day", NOT_ANSWERED if cigarettes is None else _plain(cigarettes)))
    rows.append(("Recent skin treatments", _procedures(history.get("recent_procedures"), kb)))
    rows += _others(intake, history)
    return rows


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("_", " ")


def _yes_no(value: Any) -> str:
    return NOT_ANSWERED if value is None else _plain(value)


def _concerns(concerns: Any, kb: KnowledgeBase) -> str:
    if not isinstance(concerns, list) or not concerns:
        return NOT_ANSWERED
    parts = []
    for concern in concerns:
        if not isinstance(concern, Mapping):
            parts.append(_label(kb.concerns, concern))
            continue
        words = _label(kb.concerns, concern.get("id"))
        details = [str(concern["severity"])] if concern.get("severity") else []
        zones = concern.get("zones")
        if isinstance(zones, list) and zones:
            details.append(", ".join(_zone(z, kb) for z in zones))
        parts.append(f"{words} ({'; '.join(details)})" if details else words)
    return "; ".join(parts)


def _zone(zone: Any, kb: KnowledgeBase) -> str:
    return _label(kb.zones, zone).lower() if isinstance(zone, str) and zone in kb.zones else _plain(zone)


def _label(known: Mapping[str, Any], value: Any) -> str:
    """The knowledge base's label for an id, or the value as it is (anything but a known id string)."""
    return str(known[value].label) if isinstance(value, str) and value in known else _plain(value)


def _preference(key: str, value: Any) -> str:
    if value is None:
        return NOT_ANSWERED
    if key == "max_downtime_days":
        return f"{_plain(value)} day" + ("" if value == 1 else "s")
    return _PREFERENCE_WORDS.get((key, value), _plain(value)) if isinstance(value, str) else _plain(value)


def _listed(items: Any, words: Mapping[str, str]) -> str:
    if items is None:
        return NOT_ANSWERED
    if not isinstance(items, list):
        return _plain(items)
    return "; ".join(_word(words, item) for item in items) if items else "none"


def _word(words: Mapping[str, str], item: Any) -> str:
    return words[item] if isinstance(item, str) and item in words else _plain(item)


def _medicines(history: Mapping[str, Any]) -> str:
    medications = history.get("medications")
    unknown_now = history.get("current_medications_unknown") is True
    if medications is None:
        return NOT_ANSWERED
    if not isinstance(medications, list):
        return _plain(medications)
    parts = [_medicine(m) if isinstance(m, Mapping) else _plain(m) for m in medications]
    if unknown_now:
        parts.append("medicines taken now: not known")
    return "; ".join(parts) if parts else "none"


def _medicine(medicine: Mapping[str, Any]) -> str:
    words = _word(MEDICATION_SHORT, medicine.get("class"))
    if medicine.get("name"):
        words += f" ({medicine['name']})"
    if medicine.get("status") == "stopped":
        days = medicine.get("days_since_stopped")
        return f"{words}: stopped, " + ("date not known" if days is None else f"{_plain(days)} days ago")
    pause = medicine.get("can_pause")
    return f"{words}: taken now, can be paused: " + ("not known" if pause is None else _plain(pause))


def _labs(labs: Any) -> str:
    labs = _mapping(labs)
    given = []
    for name, value in labs.items():
        label = _word(_LAB_WORDS, name)
        unit = _LAB_UNITS.get(name, "")
        given.append(f"{label} {_plain(value)}" + (f" {unit}" if unit else ""))
    return "; ".join(given) if given else "none given"


def _procedures(procedures: Any, kb: KnowledgeBase) -> str:
    if procedures is None:
        return NOT_ANSWERED
    if not isinstance(procedures, list):
        return _plain(procedures)
    parts = []
    for procedure in procedures:
        if not isinstance(procedure, Mapping):
            parts.append(_plain(procedure))
            continue
        words = _word(_PROCEDURE_WORDS, procedure.get("type"))
        zones = procedure.get("zones")
        if isinstance(zones, list) and zones:
            words += " in the " + ", ".join(_zone(z, kb) for z in zones)
        parts.append(f"{words}, {_plain(procedure.get('days_ago'))} days ago")
    return "; ".join(parts) if parts else "none"


def _others(intake: Mapping[str, Any], history: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Fields this page has no words for, by their path, so that nothing saved is hidden from the clinician."""
    known_sections = {"patient": {k for k, _l in _PATIENT}, "preferences": {k for k, _l in _PREFERENCES}}
    rows = []
    for key, value in intake.items():
        if key in {"schema_version", "concerns"} or (key == "history" and isinstance(value, Mapping)):
            continue
        expected = known_sections.get(key)
        if expected is None or not isinstance(value, Mapping):  # unknown, or a section that is not an object
            rows.append((key, _plain(value)))
            continue
        for inner, inner_value in _mapping(value).items():
            if inner not in expected:
                rows.append((f"{key}.{inner}", _plain(inner_value)))
    rows += [(f"history.{k}", _plain(v)) for k, v in history.items() if k not in _HISTORY_KNOWN]
    return rows
