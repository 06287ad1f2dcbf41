"""The patient leaflet: plain words, written for this project, chosen by the latest
assessment (what we propose, how it is done, what it may and may not do, the other
options, before and after, and when to call)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vertebro.model import Assessment, Technique

__all__ = ["Leaflet", "leaflet_for"]


@dataclass(frozen=True, slots=True)
class Leaflet:
    title: str
    proposal: list[str]
    procedure: list[str] = field(default_factory=list)
    benefits: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    visits: list[str] = field(default_factory=list)
    levels: str = ""


_WHAT_IS_WRONG = (
    "The bones of your back (vertebrae) are stacked like building blocks. One or more of "
    "them has cracked and sunk down a little. This is called a compression fracture. It "
    "usually happens because the bone has become thin and fragile (osteoporosis), but it "
    "can have other causes too."
)

_BENEFITS = [
    "Many people find their back pain eases within a few days, and they can move, sit and "
    "sleep more easily.",
    "The cement makes the broken bone firm, so it is less likely to sink further.",
    "It does not help everyone. Studies disagree about how much better it is than giving "
    "the fracture time to heal with pain relief; your team will talk this through with you.",
]

_RISKS = [
    "Soreness or a bruise where the needle went in, for a few days. This is common.",
    "Some cement can seep out of the bone. Most of the time this causes no problem at all. "
    "Rarely it presses on a nerve or travels in a vein to the lungs, which can need "
    "treatment.",
    "Infection, bleeding or a reaction to the cement, the X-ray dye or the anaesthetic. "
    "These are rare.",
    "Another bone of the spine may break later, often because of the thin bones rather "
    "than the treatment. Treating the osteoporosis lowers this risk.",
]

_ALTERNATIVES = [
    "Waiting and letting the bone heal by itself, which often takes 6 to 12 weeks, with "
    "pain medicine, short rests and gentle activity.",
    "Physiotherapy, and sometimes a back brace for a while.",
    "In a few cases, an operation by a spine surgeon (for example when the spine is not "
    "stable or nerves are pressed).",
    "Whatever you choose, medicine to strengthen your bones is worth discussing.",
]

_BEFORE = [
    "Tell us about every medicine you take, especially blood thinners (for example "
    "warfarin, apixaban, rivaroxaban, clopidogrel or aspirin). We will tell you if and "
    "when to stop them. Do not stop them on your own.",
    "Tell us about allergies, especially to X-ray dye, iodine, antibiotics or latex.",
    "Do not eat or drink for the time we give you before the procedure.",
    "Arrange for someone to take you home and, if possible, to stay with you the first night.",
]

_AFTER_BY_RULE = {
    "A-1": "Most people go home the same day; some stay one night. We will tell you which "
    "applies to you.",
    "A-2": "You can walk and do light daily things straight away. For about six weeks, do "
    "not lift anything heavy or do hard exercise. Do not drive until we say you may.",
    "A-3": "The needle spot may ache for a few days. A cold pack and ordinary pain relief help.",
    "A-5": "Ask for a bone density test and treatment for thin bones, to protect the rest "
    "of your spine.",
}

_TITLES = {
    "conservative": "Treating your back fracture without a procedure",
    "needs_workup": "More information is needed before we decide",
    "contraindicated": "Why we do not advise cement treatment now",
    "open_surgery": "Why we advise seeing a spine surgeon",
}


def _technique_words(techniques: set[Technique]) -> str:
    if techniques == {Technique.KYPHOPLASTY}:
        return "kyphoplasty"
    if techniques == {Technique.VERTEBROPLASTY}:
        return "vertebroplasty"
    return "vertebroplasty and kyphoplasty"


def _procedure_steps(assessment: Assessment, techniques: set[Technique]) -> list[str]:
    plan = assessment.plan
    assert plan is not None
    steps = [
        "You lie on your front. Using X-ray pictures to guide them, the doctor passes a "
        "thin hollow needle through the skin of your back into the broken bone. There is "
        "no large cut.",
    ]
    if Technique.KYPHOPLASTY in techniques:
        steps.append(
            "In kyphoplasty, a small balloon is first blown up inside the bone to lift it "
            "back towards its shape and make a space. The balloon is then taken out."
        )
    steps.append(
        "Medical bone cement is pushed into the bone through the needle. It sets hard in "
        "about ten minutes."
    )
    for number, session in enumerate(plan.sessions, start=1):
        sleep = (
            "you will be fully asleep (general anaesthetic)"
            if str(session.anaesthesia) == "general"
            else "the area is numbed and you will be given medicine to relax you"
        )
        home = "go home the same day" if str(session.discharge) == "same_day" else "stay one night"
        lead = f"Session {number}" if len(plan.sessions) > 1 else "On the day"
        steps.append(
            f"{lead} (level {', '.join(str(v) for v in session.levels)}): it takes about "
            f"{session.minutes} minutes; {sleep}; you should {home}."
        )
    return steps


def leaflet_for(assessment: Assessment | None) -> Leaflet:
    """The leaflet's content for the latest assessment (a general one when there is none)."""
    if assessment is None:
        return Leaflet(
            "Your back fracture",
            [_WHAT_IS_WRONG, "Your team has not yet decided on a treatment with you."],
            alternatives=_ALTERNATIVES,
        )
    levels = ", ".join(str(item.level) for item in assessment.levels)
    decision = str(assessment.recommendation)
    visits = [] if assessment.plan is None else [f.text for f in assessment.plan.follow_up]
    if assessment.plan is not None:
        techniques = {p.technique for p in assessment.plan.levels}
        words = _technique_words(techniques)
        proposal = [
            _WHAT_IS_WRONG,
            f"We suggest a treatment called {words}. It puts a small amount of bone cement "
            "into the broken bone to make it firm again and to ease the pain.",
        ]
        if decision == "either":
            proposal.append(
                "Either vertebroplasty or kyphoplasty would suit your fracture; your doctor "
                "will explain which they prefer and why."
            )
        after = [
            _AFTER_BY_RULE[r.rule] for r in assessment.plan.aftercare if r.rule in _AFTER_BY_RULE
        ]
        return Leaflet(
            f"Your treatment: {words}",
            proposal,
            procedure=_procedure_steps(assessment, techniques),
            benefits=_BENEFITS,
            risks=_RISKS,
            alternatives=_ALTERNATIVES,
            before=_BEFORE,
            after=after,
            visits=visits,
            levels=levels,
        )
    proposal = [_WHAT_IS_WRONG]
    if decision == "conservative":
        proposal.append(
            "We do not suggest a cement procedure at the moment. Most fractures like yours "
            "heal by themselves. We will help you manage the pain while that happens, and "
            "look again if the pain does not settle or gets worse."
        )
    elif decision == "needs_workup":
        proposal.append(
            "Before we can advise you, we need some more information, such as a scan (often "
            "an MRI) or an examination. Your team will arrange it and then talk with you again."
        )
    elif decision == "contraindicated":
        proposal.append(
            "Something in your health makes a cement procedure unsafe for you at the moment "
            "(for example an infection or a condition affecting bleeding). Your team will "
            "explain the reason and what can be done instead."
        )
    else:
        proposal.append(
            "Your fracture needs the opinion of a spine surgeon, because a cement injection "
            "alone would not be enough or safe. This does not always mean an operation."
        )
    return Leaflet(
        _TITLES.get(decision, "Your back fracture"),
        proposal,
        alternatives=_ALTERNATIVES,
        levels=levels,
    )
