"""The decision aid's questions, as data: wording for a lay reader, choices, and what each may hold.

Answers travel between steps in a hidden field, never in a database: nothing a person types is stored. Every
question a person may not know the answer to offers "I'm not sure", which leaves the contract field out
(missing means "not known", never "no"). The same questions render the clinician's consultation form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rejuv.engine.units import months_back
from rejuv.knowledge.loader import KnowledgeBase

Answers = dict[str, str | list[str]]
UNSURE = "unsure"
NONE_OF_THESE = "none"
Kind = Literal["radio", "checkboxes", "number", "concerns"]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Question:
    name: str
    label: str
    kind: Kind
    hint: str = ""
    choices: tuple[Choice, ...] = ()
    required: bool = False
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    # How "My answers" names the question when its label only makes sense beside its choices ("Do you have any
    # of these?" on a printout says nothing once the list is gone); empty: the label itself.
    read_back: str = ""

    @property
    def shown_as(self) -> str:
        return self.read_back or self.label


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    severity_choices: tuple[Choice, ...] = field(default=())


YES_NO_UNSURE = (Choice("yes", "Yes"), Choice("no", "No"), Choice(UNSURE, "I'm not sure"))
IMPORTANCE = (
    Choice("a_lot", "Matters a lot"),
    Choice("a_little", "Matters a little"),
    Choice("not", "Does not matter"),
)
SEVERITY = (
    Choice("mild", "Mild"),
    Choice("moderate", "Moderate"),
    Choice("severe", "Severe"),
    Choice(UNSURE, "I'm not sure"),
)
CONDITIONS = (
    ("active_infection_at_site", "An infection in the skin where you would be treated"),
    ("active_herpes_at_site", "A cold sore (herpes) there right now"),
    ("active_acne_or_rosacea_flare_at_site", "A flare of acne or rosacea there right now"),
    ("acute_febrile_illness", "A fever or feeling acutely ill right now"),
    ("sepsis", "A serious blood infection (sepsis)"),
    ("haemodynamic_instability", "Very low or unstable blood pressure"),
    ("active_cancer_treatment", "Treatment for cancer at the moment"),
    ("platelet_dysfunction_disorder", "A problem with your platelets (the blood cells that help clotting)"),
    ("autoimmune_disease_active", "An autoimmune disease that is active now, such as lupus"),
    ("keloid_tendency", "Raised, thick scars (keloids) after cuts or piercings"),
    ("body_dysmorphic_concern", "Worrying a lot about how you look, so that it upsets daily life"),
    ("bleeding_disorder", "A bleeding disorder, such as haemophilia"),
    ("liver_disease_with_coagulopathy", "Liver disease that makes you bleed easily"),
    ("diabetes", "Diabetes"),
    ("hypothyroidism_treated", "An underactive thyroid that you take tablets for"),
    ("hepatitis_b", "Hepatitis B"),
    ("hepatitis_c", "Hepatitis C"),
    ("hiv", "HIV"),
    ("history_of_post_inflammatory_hyperpigmentation", "Dark marks left on your skin after spots or injuries"),
    ("vasovagal_episodes", "Fainting when you have blood taken or see needles"),
)
MEDICATIONS = (
    ("anticoagulant", "Blood thinners such as warfarin, apixaban or rivaroxaban"),
    ("antiplatelet", "Aspirin or clopidogrel taken every day"),
    ("nsaid", "Anti-inflammatory painkillers such as ibuprofen or naproxen"),
    ("systemic_corticosteroid", "Steroid tablets such as prednisolone"),
    ("local_corticosteroid_injection", "A steroid injection in your face in the last month"),
    ("isotretinoin", "Isotretinoin (Roaccutane) for acne"),
    ("chemotherapy", "Chemotherapy"),
    ("topical_retinoid", "A retinoid cream, such as tretinoin"),
    ("other", "Another medicine you take regularly"),
)
# How the medicines are named in the "stopped" list and in the "how many days ago" questions.
STOPPED_LABELS = {
    "local_corticosteroid_injection": "A steroid injection in your face",
    "other": "Another medicine you took regularly",
}
MEDICATION_SHORT = {
    "anticoagulant": "Blood thinner",
    "antiplatelet": "Aspirin or clopidogrel",
    "nsaid": "Anti-inflammatory painkiller (such as ibuprofen)",
    "systemic_corticosteroid": "Steroid tablets",
    "local_corticosteroid_injection": "Steroid injection in your face",
    "isotretinoin": "Isotretinoin (Roaccutane)",
    "chemotherapy": "Chemotherapy",
    "topical_retinoid": "Retinoid cream",
    "other": "Another medicine",
}
STOPPED_WHEN = {"local_corticosteroid_injection": "if you had one"}
STOPPED_LIST = "med.stopped"
STOPPED_DAYS = "stopped."  # + medicine class: days since it was stopped
DEFAULT_STOP_WINDOW_DAYS = 180.0
ALLERGIES = (
    ("mesotherapy_cocktail_component", "An ingredient of a mesotherapy product"),
    ("hyaluronic_acid", "Hyaluronic acid (used in fillers and skin boosters)"),
    ("local_anaesthetic", "Numbing medicine (local anaesthetic), such as lidocaine"),
    ("citrate_anticoagulant", "Citrate (used to stop blood clotting in a tube)"),
    ("vitamins", "Vitamins given by injection"),
    ("other", "Something else used in skin treatments"),
)
PROCEDURES = (
    ("ha_filler", "Filler"),
    ("botulinum_toxin", "Botulinum toxin (Botox)"),
    ("chemical_peel", "Chemical peel"),
    ("laser", "Laser"),
    ("microneedling", "Microneedling"),
    ("mesotherapy", "Mesotherapy"),
    ("prp", "PRP"),
    ("surgery", "Surgery on the face"),
    ("other", "Another skin treatment"),
)
LABS = (
    ("platelets_per_ul", "Platelet count", "per microlitre, for example 250000"),
    ("haemoglobin_g_dl", "Haemoglobin", "g/dL, for example 13.5"),
    ("hba1c_percent", "HbA1c (blood sugar over 3 months)", "%, for example 5.6"),
    ("inr", "INR (how long your blood takes to clot)", "for example 1.0"),
)


def _listing(items: tuple[tuple[str, str], ...], unsure_label: str) -> tuple[Choice, ...]:
    return (
        *(Choice(v, label) for v, label in items),
        Choice(NONE_OF_THESE, "None of these"),
        Choice(UNSURE, unsure_label),
    )


def _days_ago(name: str, label: str, hint: str = "") -> Question:
    """A whole number of days, from 0 to a hundred years: when a medicine was stopped or a procedure done."""
    return Question(name, label, "number", hint=hint, integer=True, minimum=0, maximum=36500, unit="days ago")


def stop_windows(kb: KnowledgeBase) -> dict[str, float]:
    """Each medicine class whose stop date a knowledge-base rule reads, with the longest wait (in days) any such
    rule uses: the questionnaire asks "how many days ago" for exactly these classes."""
    windows: dict[str, float] = {}
    for rule in kb.rules:
        if rule.check != "medication_recent" or not rule.parameters:
            continue
        classes = rule.args.get("classes", [])
        days = kb.parameter_value(rule.parameters[0]).value
        for cls in classes if isinstance(classes, list) else []:
            windows[cls] = max(days, windows.get(cls, 0.0))
    return windows


def _within(days: float) -> str:
    """A wait in days as the plain period a person is asked about: "in the last 6 months"."""
    return f"in {months_back(days)}"


def _medicine_questions(kb: KnowledgeBase) -> tuple[Question, ...]:
    """Medicines taken now, and those stopped recently with roughly when, as far back as the rules look."""
    windows = stop_windows(kb)
    within = _within(max(windows.values(), default=DEFAULT_STOP_WINDOW_DAYS))
    stopped = tuple((value, STOPPED_LABELS.get(value, label)) for value, label in MEDICATIONS)
    return (
        Question(
            "history.medications",
            "Do you take any of these now?",
            "checkboxes",
            choices=_listing(MEDICATIONS, "I'm not sure"),
            read_back="Medicines taken now",
        ),
        Question(
            "med.can_pause",
            "If you take any of them now: has the doctor who prescribed it said you may pause it for a few days?",
            "radio",
            choices=YES_NO_UNSURE,
        ),
        Question(
            STOPPED_LIST,
            f"Did you stop any of these {within}?",
            "checkboxes",
            hint="Some medicines still matter for a while after you stop them. Tick only ones you no longer take, "
            "then say below roughly when you stopped. If you are not sure when, leave that box empty: "
            "your result will then treat it as stopped recently, to be safe.",
            choices=_listing(stopped, "I'm not sure"),
            read_back=f"Medicines stopped {within}",
        ),
        *(
            _days_ago(
                f"{STOPPED_DAYS}{value}",
                f"{MEDICATION_SHORT.get(value, label)}: {STOPPED_WHEN.get(value, 'if you stopped it')}, "
                "about how many days ago?",
                hint="A week is 7 days. A month is about 30 days. Leave it empty if this does not apply or you are "
                "not sure.",
            )
            for value, label in MEDICATIONS
            if value in windows
        ),
    )


def build_steps(kb: KnowledgeBase) -> tuple[Step, ...]:
    """The questionnaire in display order; concern and zone labels come from the reviewed knowledge base."""
    concern_choices = tuple(Choice(c.id, c.label, c.description) for c in kb.concerns.values())
    zone_choices = tuple(Choice(z.id, z.label) for z in kb.zones.values())
    return (
        Step(
            "values",
            "What matters to you",
            "There are no right or wrong answers. Your answers help weigh the options against what matters to you.",
            (
                Question(
                    "pref.blood_draw",
                    "Both options use needles in the skin. PRP also needs a blood sample "
                    "from your arm at each visit. Is that all right for you?",
                    "radio",
                    choices=(
                        Choice("ok", "Yes, a blood sample is fine"),
                        Choice("refuses", "No, I do not want blood taken"),
                        Choice(UNSURE, "I'm not sure"),
                    ),
                ),
                Question("imp.needles", "How much do the needles worry you?", "radio", choices=IMPORTANCE),
                Question(
                    "pref.max_downtime_days",
                    "For how many days at most could you have a red, swollen or bruised face?",
                    "number",
                    hint="Leave empty if you are not sure.",
                    integer=False,
                    minimum=0,
                    maximum=365,
                    unit="days",
                ),
                Question(
                    "pref.visits",
                    "How many visits suit you?",
                    "radio",
                    choices=(
                        Choice("frequent_ok", "Several visits a few weeks apart are fine"),
                        Choice("fewer_visits", "I would rather have fewer visits"),
                        Choice(UNSURE, "I'm not sure"),
                    ),
                ),
                Question(
                    "pref.budget",
                    "What can you spend on a full course?",
                    "radio",
                    choices=(
                        Choice("low", "A little"),
                        Choice("medium", "A medium amount"),
                        Choice("high", "More"),
                        Choice(UNSURE, "I'm not sure"),
                    ),
                ),
                Question(
                    "pref.autologous_only",
                    "Do you want only material from your own body put in your skin?",
                    "radio",
                    choices=YES_NO_UNSURE,
                ),
                Question(
                    "imp.evidence",
                    "How much does the strength of the research matter to you?",
                    "radio",
                    choices=IMPORTANCE,
                ),
                Question(
                    "pref.expectations",
                    "What result do you hope for?",
                    "radio",
                    choices=(
                        Choice("realistic", "A gradual, natural-looking improvement over weeks"),
                        Choice("unrealistic", "A big change straight away, like a facelift"),
                        Choice(UNSURE, "I'm not sure"),
                    ),
                ),
                Question(
                    "pref.leaning",
                    "Now that you have read about both, which do you lean towards?",
                    "radio",
                    choices=(
                        Choice("none", "No preference yet"),
                        Choice("mesotherapy", "Mesotherapy"),
                        Choice("prp", "PRP"),
                    ),
                ),
            ),
        ),
        Step(
            "about",
            "About you",
            "A few facts about you. Only your age is needed.",
            (
                Question(
                    "patient.age",
                    "How old are you?",
                    "number",
                    required=True,
                    integer=True,
                    minimum=0,
                    maximum=120,
                    unit="years",
                ),
                Question(
                    "patient.sex",
                    "Your sex",
                    "radio",
                    choices=(
                        Choice("female", "Female"),
                        Choice("male", "Male"),
                        Choice("other", "Other"),
                        Choice(UNSURE, "I'd rather not say"),
                    ),
                ),
                Question(
                    "patient.fitzpatrick",
                    "How does your skin react to the sun?",
                    "radio",
                    choices=(
                        Choice("I", "Always burns, never tans"),
                        Choice("II", "Usually burns, tans a little"),
                        Choice("III", "Sometimes burns, tans slowly to light brown"),
                        Choice("IV", "Rarely burns, tans easily"),
                        Choice("V", "Very rarely burns, brown skin"),
                        Choice("VI", "Never burns, dark brown or black skin"),
                        Choice(UNSURE, "I'm not sure"),
                    ),
                ),
                Question(
                    "patient.glogau",
                    "Which describes your lines best?",
                    "radio",
                    choices=(
                        Choice("I", "No lines"),
                        Choice("II", "Lines only when my face moves"),
                        Choice("III", "Lines even when my face is still"),
                        Choice("IV", "Lines almost everywhere"),
                        Choice(UNSURE, "I'm not sure"),
                    ),
                ),
            ),
        ),
        Step(
            "concerns",
            "What you would like to change",
            "Choose at least one. Then say how much it bothers you, if you like.",
            (
                Question(
                    "concerns", "What would you like to improve?", "concerns", required=True, choices=concern_choices
                ),
                Question(
                    "zones",
                    "Which parts of your face?",
                    "checkboxes",
                    hint="Choose any that apply.",
                    choices=zone_choices,
                ),
            ),
            severity_choices=SEVERITY,
        ),
        Step(
            "health",
            "Your health",
            "Some health problems mean a treatment should wait or is not safe. Answer as well as you can.",
            (
                Question("history.pregnant", "Are you pregnant?", "radio", choices=YES_NO_UNSURE),
                Question("history.breastfeeding", "Are you breastfeeding?", "radio", choices=YES_NO_UNSURE),
                Question(
                    "history.conditions",
                    "Do you have any of these?",
                    "checkboxes",
                    choices=_listing(CONDITIONS, "I'm not sure"),
                    read_back="Health problems",
                ),
                Question(
                    "history.cigarettes_per_day",
                    "How many cigarettes do you smoke a day?",
                    "number",
                    hint="Write 0 if you do not smoke. Leave empty if you'd rather not say.",
                    integer=True,
                    minimum=0,
                    maximum=200,
                    unit="a day",
                ),
            ),
        ),
        Step(
            "medicines",
            "Medicines and allergies",
            "Some medicines affect bleeding or healing, even for a while after you stop them.",
            (
                *_medicine_questions(kb),
                Question(
                    "history.allergies",
                    "Are you allergic to any of these?",
                    "checkboxes",
                    choices=_listing(ALLERGIES, "I'm not sure"),
                    read_back="Allergies",
                ),
            ),
        ),
        Step(
            "recent",
            "Recent treatments and blood tests",
            "Leave a box empty if it does not apply or you do not know.",
            (
                *(_days_ago(f"recent.{value}", f"{label}: how many days ago?") for value, label in PROCEDURES),
                *(
                    Question(f"labs.{key}", label, "number", hint=hint, minimum=0, maximum=10_000_000)
                    for key, label, hint in LABS
                ),
            ),
        ),
    )
