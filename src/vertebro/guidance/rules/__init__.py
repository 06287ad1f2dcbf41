"""The rules of the current rulebook, one module per group, each a plain function that says
which rule holds.

Per level: C (patient), O, N-1, Q, N-2…N-7, T; then W (timing, in ``facts``) and the K
cautions, whatever the decision. Rules about the patient alone (C, O-1, N-1, Q-1, Q-2, Q-5,
N-4, the patient-wide K) are judged once per case. Statements and sources are in the
catalogue data; the order of evaluation is the engine's.
"""

from vertebro.guidance.rules.cautions import (
    LEVEL_K_IDS,
    PATIENT_K_IDS,
    cement_leak_risk,
    level_cautions,
    patient_cautions,
)
from vertebro.guidance.rules.conservative import (
    Q_IDS,
    conservative_at,
    conservative_for_patient,
    pain_controlled,
)
from vertebro.guidance.rules.contraindications import C_IDS, contraindications
from vertebro.guidance.rules.missing_data import (
    N1_MISSING,
    N_IDS,
    medication_unknown,
    neurology_unknown,
    workup,
)
from vertebro.guidance.rules.open_surgery import O_IDS, deficit, open_surgery
from vertebro.guidance.rules.technique import T_DECIDES, T_IDS, technique

__all__ = [
    "C_IDS",
    "LEVEL_K_IDS",
    "N1_MISSING",
    "N_IDS",
    "O_IDS",
    "PATIENT_K_IDS",
    "Q_IDS",
    "T_DECIDES",
    "T_IDS",
    "all_rule_ids",
    "cement_leak_risk",
    "conservative_at",
    "conservative_for_patient",
    "contraindications",
    "deficit",
    "level_cautions",
    "medication_unknown",
    "neurology_unknown",
    "open_surgery",
    "pain_controlled",
    "patient_cautions",
    "technique",
    "workup",
]


def all_rule_ids() -> list[str]:
    """Every rule id the engine can report, in evaluation order (W rules included)."""
    return [*C_IDS, *O_IDS, *N_IDS[:1], *Q_IDS, *N_IDS[1:], *T_IDS, "W-1", "W-2",
            *PATIENT_K_IDS, *LEVEL_K_IDS]  # fmt: skip
