"""Full citations for the rulebook's source tags (rulebook 2026.1, "Sources"), so the
assessment page and the PDF case report can show where each reason comes from."""

from __future__ import annotations

__all__ = ["CITATIONS", "cite"]

_SEED = "Project seed description of vertebroplasty and kyphoplasty ({tag}), rulebook sources"

CITATIONS: dict[str, str] = {
    "GEN": "Genant HK et al. Vertebral fracture assessment using a semiquantitative "
    "technique. J Bone Miner Res 1993.",
    "ISCD": "International Society for Clinical Densitometry: vertebral fracture as a "
    "height reduction of 20 % or more.",
    "OST": "FDA 510(k) K213944 (height loss = 1 − min(Ha, Hm)/Hp).",
    "OF": "Schnake KJ et al. Global Spine J 2018;8(2S):46S; Blattert TR et al. Orthopäde "
    "2019;48:84 (OF classification and OF score).",
    "TLICS": "Vaccaro AR et al. Thoracolumbar Injury Classification and Severity Score. "
    "Spine 2005.",
    "SINS": "Fisher CG et al. Spinal Instability Neoplastic Score. Spine 2010.",
    "COBB": "Cobb JR. Outline for the study of scoliosis. 1948.",
    "LCD": "Medicare local coverage determinations for percutaneous vertebral augmentation "
    "(L34976, L33569).",
    "REV": "Reviews of contraindications to vertebral augmentation (infection, coagulopathy, "
    "cement allergy, posterior wall defect).",
    "NASS": "North American Spine Society appropriate use criteria, osteoporotic vertebral "
    "compression fractures.",
    "NASS-N": "North American Spine Society appropriate use criteria, neoplastic vertebral "
    "compression fractures.",
    "EU": "European RAND/UCLA appropriateness panel on vertebral augmentation. Pain "
    "Physician 2013;16:E519.",
    "ACR": "ACR Appropriateness Criteria: Management of Vertebral Compression Fractures.",
    "EVI": "eviCore CMM-607 (scope T5–L5).",
    "VAPOUR": "Clark W et al. VAPOUR trial. Lancet 2016.",
    "VERTOS II": "Klazen CA et al. VERTOS II trial. Lancet 2010.",
    "VERTOS IV": "Firanescu CE et al. VERTOS IV trial. BMJ 2018.",
    "INVEST": "Kallmes DF et al. INVEST trial. N Engl J Med 2009.",
    "FREE": "Wardlaw D et al. FREE trial. Lancet 2009.",
    "KAV": "Dohm M et al. KAVIAR trial. AJNR 2014.",
    "LEAK": "Meta-analysis of cement leakage: vertebroplasty 54.7 % vs kyphoplasty 18.4 % "
    "(PubMed 28192270); high-viscosity cement RR 0.38.",
    "PCE": "Pulmonary cement embolism: 1.9 %, OR 2.41 for three or more levels, higher "
    "within 2 weeks of the fracture.",
    "EVID": "vertebro knowledge base, evidence tables (evidence.md).",
    "FAR": "Farrar JT et al. Clinical importance of changes in chronic pain intensity. Pain 2001.",
    "OST08": "Ostelo RW et al. Interpreting change scores for pain and functional status in "
    "low back pain. Spine 2008.",
}


def cite(tag: str) -> str:
    """The full citation of a source tag (the tag itself when unknown)."""
    if tag.isdigit() and len(tag) == 3:
        return _SEED.format(tag=tag)
    return CITATIONS.get(tag, tag)
