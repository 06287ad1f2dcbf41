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
    PreparedAssessment,
    assess_case,
    latest_assessment,
    list_assessments,
    prepare_assessment,
    rerun_assessment,
)
from vertebro.services.registry.audit import list_audit, record_export
from vertebro.services.registry.cases import (
    create_case,
    get_case,
    list_case_versions,
    replace_case,
)
from vertebro.services.registry.checklists import get_checklist, save_checklist
from vertebro.services.registry.context import Actor, Tx, unit_of_work
from vertebro.services.registry.follow_ups import (
    get_follow_up,
    list_follow_ups,
    record_follow_up,
    update_follow_up,
    void_follow_up,
)
from vertebro.services.registry.login import LoginLimits, LoginResult, log_in
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
    void_procedure,
)
from vertebro.services.registry.sessions import (
    NewSession,
    OpenSession,
    end_session,
    find_session,
    start_session,
    touch_session,
)
from vertebro.services.registry.status import baseline_scores, case_overview, worklist
from vertebro.services.registry.users import (
    HashedPassword,
    add_user,
    get_user,
    hashed_password,
    issue_token,
    list_tokens,
    list_users,
    reset_password,
    revoke_all,
    revoke_token,
    revoke_token_id,
    set_role,
    touch_token,
    verify_token,
)
from vertebro.services.registry.views import (
    AssessmentView,
    AuditEntry,
    Baseline,
    CaseOverview,
    CaseView,
    ChecklistView,
    FollowUpView,
    PatientView,
    Principal,
    ProcedureView,
    StoredToken,
    TokenView,
    UserView,
    VoidMark,
    case_etag,
    record_etag,
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
    "ChecklistView",
    "FollowUpView",
    "HashedPassword",
    "LoginLimits",
    "LoginResult",
    "NewPatient",
    "NewSession",
    "OpenSession",
    "PatientView",
    "PreparedAssessment",
    "Principal",
    "ProcedureView",
    "StoredToken",
    "TokenView",
    "Tx",
    "UserView",
    "VoidMark",
    "add_user",
    "assess_case",
    "baseline_scores",
    "case_etag",
    "case_overview",
    "create_case",
    "create_patient",
    "departures_from_plan",
    "end_session",
    "find_session",
    "get_case",
    "get_checklist",
    "get_follow_up",
    "get_patient",
    "get_procedure",
    "get_user",
    "hashed_password",
    "issue_token",
    "latest_assessment",
    "list_assessments",
    "list_audit",
    "list_case_versions",
    "list_follow_ups",
    "list_patients",
    "list_procedures",
    "list_tokens",
    "list_users",
    "log_in",
    "prepare_assessment",
    "record_etag",
    "record_export",
    "record_follow_up",
    "record_procedure",
    "replace_case",
    "rerun_assessment",
    "reset_password",
    "revoke_all",
    "revoke_token",
    "revoke_token_id",
    "save_checklist",
    "set_role",
    "start_session",
    "touch_session",
    "touch_token",
    "unit_of_work",
    "update_follow_up",
    "update_procedure",
    "verify_token",
    "version_from_etag",
    "void_follow_up",
    "void_procedure",
    "worklist",
]
