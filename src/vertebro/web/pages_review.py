"""Review and correct a measurement in the browser (the SpineAnalyzer way: automatic, then a
reader confirms): upload a label map (optionally the CT) or open a stored measurement, see
the sagittal reformat with every evaluable level's six landmarks and grade, move landmarks
(mouse or keyboard), see heights, loss, grade and shape recomputed by the core, confirm or
override each grade with a reason, save as a new version, and fill a case form from it.

Pages: ``/measurements`` (stored reviews, upload), ``/measurements/{key}`` (the review).
JSON for ``static/review.js`` (session cookie and ``X-CSRF-Token``): ``…/review.json``,
``…/background.png``, ``POST /measurements/recompute``, ``POST /measurements/{key}``.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from vertebro.errors import ImageError, InvalidDocument, RegistryError
from vertebro.registry import Role
from vertebro.services.registry.reviews import (
    ReviewRecord,
    create_review,
    get_review,
    list_review_versions,
    list_reviews,
    recompute_measurement,
    review_scene,
    save_review,
)
from vertebro.web.render import page, redirect
from vertebro.web.session import check_csrf, current_user
from vertebro.web.tx import web_tx

__all__ = ["reviewed_draft_case", "router"]

router = APIRouter(include_in_schema=False)

_MAX_UPLOAD = 512 * 2**20
_NIFTI = (".nii.gz", ".nii")


def _json(value: Any, status: int = 200) -> Response:
    body = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _problem(status: int, lines: list[str]) -> Response:
    return _json({"status": status, "errors": lines}, status)


def _suffix(upload: UploadFile | None) -> str | None:
    name = (upload.filename or "").lower() if upload is not None else ""
    return next((s for s in _NIFTI if name.endswith(s)), None)


@router.get("/measurements")
def reviews_page(request: Request, error: str = "") -> Response:
    with web_tx(request) as tx:
        records = list_reviews(tx)
    return page(request, "reviews.html", records=records, error=error)


async def _read(upload: UploadFile) -> bytes:
    data = await upload.read(_MAX_UPLOAD + 1)
    if len(data) > _MAX_UPLOAD:
        raise ImageError(upload.filename or "upload", "larger than 512 MB")
    return data


@router.post("/measurements")
async def upload_measurement(
    request: Request,
    labels: Annotated[UploadFile, File()],
    image: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Measure an uploaded label map (and CT), store it as version 1 of a new review."""
    check_csrf(request, csrf_token)
    current_user(request, Role.CLINICIAN)
    suffix = _suffix(labels)
    if suffix is None:
        return _upload_error(request, "labels: upload a NIfTI label map (.nii or .nii.gz)")
    image_suffix = _suffix(image) if image is not None and image.filename else None
    if image is not None and image.filename and image_suffix is None:
        return _upload_error(request, "image: upload the CT as NIfTI (.nii or .nii.gz)")
    try:
        label_bytes = await _read(labels)
        image_bytes = await _read(image) if image is not None and image_suffix else None
        document, scene = _measure(label_bytes, suffix, image_bytes, image_suffix)
    except ImageError as exc:
        return _upload_error(request, f"{labels.filename}: {exc.reason}")
    except ImportError as exc:
        return _upload_error(request, f"measuring needs the imaging extra ({exc})")
    with web_tx(request, Role.CLINICIAN) as tx:
        record = create_review(tx, document, source=labels.filename or "upload", scene=scene)
    return redirect(request, f"/measurements/{record.review_key}")


def _upload_error(request: Request, line: str) -> Response:
    with web_tx(request) as tx:
        records = list_reviews(tx)
    return page(request, "reviews.html", status=422, records=records, error=line)


def _measure(
    labels: bytes, suffix: str, image: bytes | None, image_suffix: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    from vertebro.imaging.review_scene import build_scene
    from vertebro.services.measuring import measure_study

    with tempfile.TemporaryDirectory(prefix="vertebro-review-") as folder:
        label_path = Path(folder) / f"labels{suffix}"
        label_path.write_bytes(labels)
        image_path = None
        if image is not None and image_suffix is not None:
            image_path = Path(folder) / f"image{image_suffix}"
            image_path.write_bytes(image)
        try:
            result = measure_study(label_path, image=image_path)
        except ImageError as exc:
            raise ImageError("labels", exc.reason) from None
        return result.document, build_scene(result)


@router.get("/measurements/{key}")
def review_page(request: Request, key: str) -> Response:
    with web_tx(request) as tx:
        record = get_review(tx, key)
        versions = list_review_versions(tx, key)
    return page(request, "review.html", record=record, versions=versions)


@router.get("/measurements/{key}/review.json")
def review_json(request: Request, key: str) -> Response:
    """The latest version and the scene (without its picture) for ``review.js``."""
    with web_tx(request) as tx:
        record = get_review(tx, key)
        scene = review_scene(tx, key)
    drawn = None if scene is None else {k: v for k, v in scene.items() if k != "background_png"}
    return _json({"review": record.as_json(), "scene": drawn})


@router.get("/measurements/{key}/background.png")
def background(request: Request, key: str) -> Response:
    with web_tx(request) as tx:
        scene = review_scene(tx, key)
    if scene is None or "background_png" not in scene:
        return Response(status_code=404)
    png = base64.b64decode(scene["background_png"])
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def _body(request: Request) -> Any:
    """The request's JSON (CSRF header checked); None when too large or not JSON."""
    check_csrf(request, request.headers.get("x-csrf-token"))
    raw = await request.body()
    if len(raw) > 4_000_000:
        return None
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None


@router.post("/measurements/recompute")
async def recompute(request: Request) -> Response:
    """The posted document recomputed from its landmarks by the core; stores nothing."""
    current_user(request)
    body = await _body(request)
    try:
        return _json(recompute_measurement(body))
    except InvalidDocument as exc:
        return _problem(422, [str(p) for p in exc.problems] or ["$: not valid"])


@router.post("/measurements/{key}")
async def save(request: Request, key: str) -> Response:
    """Save the reader's review: ``{measurement, decisions, base_version}`` → new version."""
    current_user(request, Role.CLINICIAN)
    body = await _body(request)
    if not isinstance(body, dict) or not isinstance(body.get("base_version"), int):
        return _problem(422, ["$: needs measurement, decisions and base_version"])
    try:
        with web_tx(request, Role.CLINICIAN) as tx:
            record = save_review(
                tx,
                key,
                body.get("measurement"),
                body.get("decisions"),
                base_version=body["base_version"],
            )
    except InvalidDocument as exc:
        return _problem(422, [str(p) for p in exc.problems])
    except RegistryError as exc:
        return _problem(exc.status, [str(exc)])
    return _json(record.as_json())


def reviewed_draft_case(record: ReviewRecord) -> dict[str, Any] | None:
    """The draft case of a reviewed measurement: the levels of grade ≥ 1 after the reader's
    decisions (an overridden grade decides whether a level is a fracture; its geometry
    and measured loss are carried as measured)."""
    from vertebro.imaging.draft_case import case_id_for, draft_case

    decided = {d["level"]: d["genant_grade"] for d in (record.changes or {}).get("decisions", [])}
    levels = [
        {**i, "genant_grade": decided.get(i["level"], i["genant_grade"])}
        for i in record.measurement["levels"]
    ]
    return draft_case({**record.measurement, "levels": levels}, case_id_for(record.source))


@router.get("/measurements/{key}/case-form")
def case_form(request: Request, key: str) -> Response:
    """A new case form filled from the reviewed measurement (as the paste box fills it)."""
    from vertebro.web.measure_paste import fill_from_measurement
    from vertebro.web.pages_cases import _render as render_case_form

    current_user(request, Role.CLINICIAN)
    with web_tx(request) as tx:
        record = get_review(tx, key)
    draft = reviewed_draft_case(record)
    if draft is None:
        return render_case_form(
            request, {}, message="The reviewed measurement has no fractured level to fill."
        )
    pasted = json.dumps(draft, ensure_ascii=False)
    values, blocks, notes = fill_from_measurement({}, pasted, 0)
    return render_case_form(
        request, values, message=" ".join(notes), measurement=pasted, blocks=blocks
    )
