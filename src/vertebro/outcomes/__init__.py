"""Outcome statistics over plain registry records (pure: no SQL, no I/O).

A registry's patients are held as arrays (``columns``) and reduced to tallies per
technique group and Genant stratum (``cells``), so that a million follow-ups take a second;
the statistics then run over those tallies (``tally``), with the same results as over the
samples themselves. The normal, t and chi-square distributions are ``scipy.stats``.

Definitions: ``spec/registry-v1.md`` ("Follow-up", "Outcomes") and rulebook section R.

===================  ==========================================================
module               job
===================  ==========================================================
``records``          the input records (:class:`PatientOutcome` per patient)
``columns``          the same facts as arrays (:class:`OutcomeColumns`)
``cells``            tallies per technique group and Genant stratum
``tally``            samples as value → count
``proportions``      Wilson interval; Newcombe interval of a difference
``success``          R-1 success and its alternatives per visit
``paired``           change from baseline: mean, t-interval, Wilcoxon p
``comparison``       KP − VP: Welch interval, Mann–Whitney p, per Genant grade
``leakage``          cement leakage per level, by detection method
``survival``         Kaplan–Meier new-fracture-free survival, log-rank
``completeness``     follow-up completeness per visit as of a date
``report``           the ``vertebro outcomes --format json`` document
``caveats``          typed caveat flags (non-randomised, small n, …)
===================  ==========================================================
"""

from vertebro.outcomes.caveats import DEFAULT_SMALL_N, Caveat, CaveatCode
from vertebro.outcomes.comparison import (
    GroupComparison,
    MeanDifference,
    compare_techniques,
    compare_techniques_by_grade,
    mann_whitney_p,
    mean_difference,
)
from vertebro.outcomes.completeness import VisitCompleteness, completeness
from vertebro.outcomes.leakage import LeakageRates, leakage_rates
from vertebro.outcomes.paired import (
    PairedChange,
    Score,
    change_by_visit,
    changes,
    paired_change,
    wilcoxon_signed_rank_p,
)
from vertebro.outcomes.proportions import (
    Proportion,
    ProportionDifference,
    newcombe_difference,
    wilson,
)
from vertebro.outcomes.records import (
    TIMED_VISITS,
    FollowUpRecord,
    PatientOutcome,
    TechniqueGroup,
    TreatedLevel,
    technique_group,
)
from vertebro.outcomes.report import OUTCOMES_SCHEMA, json_safe, outcomes_report
from vertebro.outcomes.success import Criterion, meets, success_by_visit, success_counts
from vertebro.outcomes.survival import (
    TWELVE_MONTHS_DAYS,
    KaplanMeier,
    LogRank,
    SurvivalAt,
    kaplan_meier,
    log_rank,
    new_fracture_times,
)

__all__ = [
    "DEFAULT_SMALL_N",
    "OUTCOMES_SCHEMA",
    "TIMED_VISITS",
    "TWELVE_MONTHS_DAYS",
    "Caveat",
    "CaveatCode",
    "Criterion",
    "FollowUpRecord",
    "GroupComparison",
    "KaplanMeier",
    "LeakageRates",
    "LogRank",
    "MeanDifference",
    "PairedChange",
    "PatientOutcome",
    "Proportion",
    "ProportionDifference",
    "Score",
    "SurvivalAt",
    "TechniqueGroup",
    "TreatedLevel",
    "VisitCompleteness",
    "change_by_visit",
    "changes",
    "compare_techniques",
    "compare_techniques_by_grade",
    "completeness",
    "json_safe",
    "kaplan_meier",
    "leakage_rates",
    "log_rank",
    "mann_whitney_p",
    "mean_difference",
    "meets",
    "new_fracture_times",
    "newcombe_difference",
    "outcomes_report",
    "paired_change",
    "success_by_visit",
    "success_counts",
    "technique_group",
    "wilcoxon_signed_rank_p",
    "wilson",
]
