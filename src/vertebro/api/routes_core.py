"""``/health``, ``POST /api/assess`` (stores nothing) and ``POST /api/measure``."""

from __future__ import annotations

import shutil
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vertebro.api.openapi import body_doc, json_doc, ref
from vertebro.api.params import Credentials, JsonBody, problems
from vertebro.api.serialize import json_response
from vertebro.errors import ImageError
from vertebro.http.context import bearer_tx
from vertebro.http.problems import ApiProblem
from vertebro.registry import Role

__all__ = ["health_router", "router"]

health_router = APIRouter(tags=["service"])
router = APIRouter(prefix="/api", tags=["decide"])


@health_router.get(
    "/health",
    responses={200: json_doc({"type": "object"}, "service status")},
)
def health() -> Response:
    """Liveness: ``{status, version, rulebook_version}`` (public)."""
    from vertebro import __version__
    from vertebro.guidance import RULEBOOK_VERSION

    return json_response(
        {"status": "ok", "version": __version__, "rulebook_version": RULEBOOK_VERSION}
    )


@router.post(
    "/assess",
    openapi_extra=body_doc("Case"),
    responses={200: json_doc(ref("Assessment"), "the assessment"), **problems(401, 413, 422)},
)
def assess_case_document(request: Request, credentials: Credentials, body: JsonBody) -> Response:
    """Assess a ``vertebro.case/1`` document; the answer is ``vertebro.assessment/1``.
    Nothing is stored. Any role."""
    from vertebro.services.assessing import assess_json_bytes

    with bearer_tx(request, credentials, Role.VIEWER, write=False):
        pass
    return Response(assess_json_bytes(body), media_type="application/json")


class Convention(StrEnum):
    AUTO = "auto"
    TOTALSEGMENTATOR = "totalsegmentator"
    VERSE = "verse"


def _suffix(filename: str | None) -> str:
    name = (filename or "").lower()
    for suffix in (".nii.gz", ".nii"):
        if name.endswith(suffix):
            return suffix
    raise ImageError("labels", "upload a NIfTI label map (.nii or .nii.gz)")


def _measure(upload: BinaryIO, suffix: str, convention: Convention) -> Response:
    """Copy the upload into a private temporary file (in chunks) and measure it; errors
    name the form field ``labels``, not the temporary file."""
    from vertebro.services.measuring import measure_study

    with tempfile.TemporaryDirectory(prefix="vertebro-upload-") as folder:
        path = Path(folder) / f"labels{suffix}"
        with path.open("wb") as stream:
            upload.seek(0)
            shutil.copyfileobj(upload, stream, 1 << 20)
        try:
            result = measure_study(path, convention=str(convention))
        except ImageError as exc:
            raise type(exc)("labels", exc.reason) from None
    return json_response(result.document)


@router.post(
    "/measure",
    responses={
        200: json_doc({"type": "object"}, "vertebro.measurement/1"),
        **problems(401, 413, 422),
    },
)
async def measure_label_map(
    request: Request,
    credentials: Credentials,
    labels: Annotated[UploadFile, File(description="a NIfTI vertebra label map")],
    convention: Annotated[Convention, Form()] = Convention.AUTO,
) -> Response:
    """Measure every vertebral body of an uploaded label map (``vertebro.measurement/1``).
    Nothing is stored. Any role."""

    def check() -> None:
        with bearer_tx(request, credentials, Role.VIEWER, write=False):
            pass

    await run_in_threadpool(check)
    suffix = _suffix(labels.filename)
    try:  # the upload's size is bounded by api.limits.MAX_UPLOAD_BYTES
        return await run_in_threadpool(_measure, labels.file, suffix, convention)
    except ImportError as exc:
        raise ApiProblem(422, f"measuring needs the imaging extra: {exc}") from None
