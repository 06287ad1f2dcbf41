"""The rules of the current rulebook, grouped and in evaluation order.

Per level: C (patient), O, N-1, Q, N-2…N-7, T; then W (timing, in ``facts``) and the K
cautions, whatever the decision. Statements and sources are in the catalogue data.
"""

from vertebro.guidance.rules.base import LevelRule, PatientRule
from vertebro.guidance.rules.cautions import LEVEL_CAUTIONS, PATIENT_CAUTIONS, cement_leak_risk
from vertebro.guidance.rules.conservative import Q_RULES
from vertebro.guidance.rules.contraindications import C_RULES
from vertebro.guidance.rules.missing_data import N1_RULE, N_RULES
from vertebro.guidance.rules.open_surgery import O_RULES
from vertebro.guidance.rules.technique import T_RULES

__all__ = [
    "C_RULES",
    "LEVEL_CAUTIONS",
    "N1_RULE",
    "N_RULES",
    "O_RULES",
    "PATIENT_CAUTIONS",
    "Q_RULES",
    "T_RULES",
    "LevelRule",
    "PatientRule",
    "all_rule_ids",
    "cement_leak_risk",
]


def all_rule_ids() -> list[str]:
    """Every rule id the engine can report, in evaluation order (W rules included)."""
    ids = [r.id for r in C_RULES]
    ids += [r.id for r in O_RULES] + [N1_RULE.id] + [r.id for r in Q_RULES]
    ids += [r.id for r in N_RULES] + [r.id for r in T_RULES] + ["W-1", "W-2"]
    ids += [r.id for r in PATIENT_CAUTIONS] + [r.id for r in LEVEL_CAUTIONS]
    return ids
