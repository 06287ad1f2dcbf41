"""Registry use cases (one function each) for every front door: the CLI, the REST API and
the web UI call these and nothing below them.

Each call runs in a :class:`Tx` from :func:`unit_of_work`: one transaction, committed when
the ``with`` block ends, rolled back (nothing written, audit rows included) when it raises.
Errors come from :mod:`vertebro.errors` (``InvalidDocument`` → 422, ``NotFound`` → 404,
``Conflict`` → 409, ``PreconditionFailed`` → 412, ``PreconditionRequired`` → 428,
``AuthenticationFailed`` → 401, ``PermissionDenied`` → 403).

>>> # with unit_of_work(Registry.open(url), Actor.cli()) as tx:
>>> #     create_patient(tx, {"code": "P-001"})
"""

from vertebro.services.registry.assessments import (
    assess_case,
    latest_assessment,
    list_assessments,
    rerun_assessment,
)
from vertebro.services.registry.audit import list_audit, record_export
from vertebro.services.registry.cases import (
    create_case,
    get_case,
    list_case_versions,
    replace_case,
)
from vertebro.services.registry.context import Actor, Tx, unit_of_work
from vertebro.services.registry.follow_ups import get_follow_up, list_follow_ups, record_follow_up
from vertebro.services.registry.patients import (
    NEW_PATIENT,
    NewPatient,
    create_patient,
    get_patient,
    list_patients,
)
from vertebro.services.registry.procedures import (
    departures_from_plan,
    get_procedure,
    list_procedures,
    record_procedure,
    update_procedure,
)
from vertebro.services.registry.status import baseline_scores, case_overview, worklist
from vertebro.services.registry.users import (
    add_user,
    issue_token,
    list_users,
    log_in,
    reset_password,
    revoke_token,
    verify_token,
)
from vertebro.services.registry.views import (
    AssessmentView,
    AuditEntry,
    Baseline,
    CaseOverview,
    CaseView,
    FollowUpView,
    PatientView,
    Principal,
    ProcedureView,
    TokenView,
    UserView,
    case_etag,
    version_from_etag,
)

__all__ = [
    "NEW_PATIENT",
    "Actor",
    "AssessmentView",
    "AuditEntry",
    "Baseline",
    "CaseOverview",
    "CaseView",
    "FollowUpView",
    "NewPatient",
    "PatientView",
    "Principal",
    "ProcedureView",
    "TokenView",
    "Tx",
    "UserView",
    "add_user",
    "assess_case",
    "baseline_scores",
    "case_etag",
    "case_overview",
    "create_case",
    "create_patient",
    "departures_from_plan",
    "get_case",
    "get_follow_up",
    "get_patient",
    "get_procedure",
    "issue_token",
    "latest_assessment",
    "list_assessments",
    "list_audit",
    "list_case_versions",
    "list_follow_ups",
    "list_patients",
    "list_procedures",
    "list_users",
    "log_in",
    "record_export",
    "record_follow_up",
    "record_procedure",
    "replace_case",
    "rerun_assessment",
    "reset_password",
    "revoke_token",
    "unit_of_work",
    "update_procedure",
    "verify_token",
    "version_from_etag",
    "worklist",
]
