"""A PACS over DICOMweb (QIDO-RS, WADO-RS, STOW-RS) with ``dicomweb-client`` (imported lazily).

``PacsSettings`` says where the PACS is and how to log in (``VERTEBRO_PACS_URL``,
``VERTEBRO_PACS_USER``, ``VERTEBRO_PACS_PASSWORD``, or options); ``Pacs`` finds studies,
lists a study's series, retrieves a series and stores instances. Every failure — the server
down, a refusal (401/403), a missing study (404), an answer that is not DICOM — is a
``PacsError`` naming the server and the reason in one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from vertebro.errors import VertebroError

__all__ = [
    "Pacs",
    "PacsError",
    "PacsSettings",
    "SeriesSummary",
    "StudySummary",
    "open_pacs",
]

_T = TypeVar("_T")
_STUDY_FIELDS = [
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "StudyDescription",
    "PatientID",
    "AccessionNumber",
    "ModalitiesInStudy",
    "NumberOfStudyRelatedSeries",
]
_SERIES_FIELDS = [
    "SeriesInstanceUID",
    "Modality",
    "SeriesNumber",
    "SeriesDescription",
    "NumberOfSeriesRelatedInstances",
]


def _study_filters(
    patient_id: str | None, modality: str | None, since: str | None
) -> dict[str, Any]:
    """QIDO-RS study filters; ``since`` is a date ``YYYYMMDD``."""
    filters: dict[str, Any] = {}
    if patient_id:
        filters["PatientID"] = patient_id
    if modality:
        filters["ModalitiesInStudy"] = modality
    if since:
        filters["StudyDate"] = f"{since}-"
    return filters


def _with_modality(studies: list[StudySummary], modality: str | None) -> list[StudySummary]:
    """Only the studies holding ``modality``: a PACS may ignore that filter."""
    return [s for s in studies if modality in s.modalities] if modality else studies


class PacsError(VertebroError):
    """The PACS cannot be reached or refuses; ``source`` is the server URL."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


@dataclass(frozen=True, slots=True)
class PacsSettings:
    """Where the PACS's DICOMweb root is and how to log in (HTTP basic authentication)."""

    url: str
    user: str | None = None
    password: str | None = None
    timeout_s: float = 60.0

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        url: str | None = None,
        user: str | None = None,
        password: str | None = None,
    ) -> PacsSettings:
        """Options first, then ``VERTEBRO_PACS_URL``, ``VERTEBRO_PACS_USER``,
        ``VERTEBRO_PACS_PASSWORD``, ``VERTEBRO_PACS_TIMEOUT`` (seconds)."""
        env = os.environ if environ is None else environ
        where = url or env.get("VERTEBRO_PACS_URL", "")
        if not where:
            raise PacsError("pacs", "no server: give --url or set VERTEBRO_PACS_URL")
        if not where.startswith(("http://", "https://")):
            raise PacsError(where, "the PACS URL must start with http:// or https://")
        try:
            timeout = float(env.get("VERTEBRO_PACS_TIMEOUT", "60"))
        except ValueError:
            raise PacsError("VERTEBRO_PACS_TIMEOUT", "must be a number of seconds") from None
        return cls(
            url=where.rstrip("/"),
            user=user or env.get("VERTEBRO_PACS_USER") or None,
            password=password or env.get("VERTEBRO_PACS_PASSWORD") or None,
            timeout_s=timeout,
        )


@dataclass(frozen=True, slots=True)
class StudySummary:
    """One study as QIDO-RS lists it."""

    study_uid: str
    date: str
    description: str
    patient_id: str
    accession: str
    modalities: tuple[str, ...]
    series: int | None

    @property
    def has_seg(self) -> bool:
        return "SEG" in self.modalities

    @property
    def day(self) -> str:
        """The study date as ``YYYY-MM-DD`` (DICOM writes ``YYYYMMDD``), else as given."""
        d = self.date
        return f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 and d.isdigit() else d

    def as_dict(self) -> dict[str, Any]:
        return {
            "study_uid": self.study_uid,
            "date": self.day,
            "description": self.description,
            "patient_id": self.patient_id,
            "accession": self.accession,
            "modalities": list(self.modalities),
            "series": self.series,
            "has_seg": self.has_seg,
        }


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """One series of a study as QIDO-RS lists it."""

    series_uid: str
    modality: str
    number: int | None
    description: str
    instances: int | None


def _values(item: Mapping[str, Any], keyword: str) -> list[Any]:
    from pydicom.datadict import tag_for_keyword

    tag = tag_for_keyword(keyword)
    assert tag is not None, keyword
    element = item.get(f"{tag:08X}") or {}
    values = element.get("Value") or []
    return list(values)


def _text(item: Mapping[str, Any], keyword: str) -> str:
    values = _values(item, keyword)
    if not values:
        return ""
    value = values[0]
    if isinstance(value, dict):  # person names come as {"Alphabetic": …}
        return str(value.get("Alphabetic", ""))
    return str(value)


def _number(item: Mapping[str, Any], keyword: str) -> int | None:
    text = _text(item, keyword)
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _reason(exc: Exception) -> str:
    """One line for a failed request."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        meaning = {
            401: "refused: wrong or missing credentials",
            403: "refused: this user may not do that",
            404: "not found",
        }.get(status, exc.response.reason or "request failed")
        where = str(exc.response.url).split("?", 1)[0]
        return f"{meaning} (HTTP {status} for {exc.response.request.method} {where})"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect (is the PACS running and the URL right?)"
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")


class Pacs:
    """A DICOMweb PACS."""

    def __init__(self, settings: PacsSettings) -> None:
        import requests
        from dicomweb_client.api import DICOMwebClient

        self.settings = settings
        session = requests.Session()
        if settings.user is not None:
            session.auth = (settings.user, settings.password or "")
        session.request = _with_timeout(  # type: ignore[method-assign]
            session.request, settings.timeout_s
        )
        self._session = session
        self._client = DICOMwebClient(settings.url, session=session)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Pacs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, action: Callable[[], _T]) -> _T:
        try:
            return action()
        except Exception as exc:  # requests, dicomweb-client and pydicom raise many kinds
            raise PacsError(self.settings.url, _reason(exc)) from exc

    def find_studies(
        self,
        *,
        patient_id: str | None = None,
        modality: str | None = None,
        since: str | None = None,
        limit: int = 50,
    ) -> list[StudySummary]:
        """Studies, newest first; ``modality`` (e.g. ``SEG``) must be among their modalities;
        ``since`` is a date ``YYYYMMDD``."""
        found = self._search(_study_filters(patient_id, modality, since), limit, 0)
        studies = _with_modality(found, modality)
        return sorted(studies, key=lambda s: (s.date, s.study_uid), reverse=True)

    def each_study(
        self,
        *,
        modality: str | None = None,
        since: str | None = None,
        limit: int | None = None,
        page: int = 500,
    ) -> Iterator[StudySummary]:
        """Every matching study in the PACS's own order, asked ``page`` at a time (QIDO-RS
        ``offset``/``limit`` paging), at most ``limit`` of them: an archive-sized query."""
        filters = _study_filters(None, modality, since)
        offset = given = 0
        while limit is None or given < limit:
            found = self._search(filters, page, offset)
            for study in _with_modality(found, modality):
                if limit is not None and given >= limit:
                    return
                given += 1
                yield study
            if len(found) < page:
                return
            offset += len(found)

    def _search(self, filters: dict[str, Any], limit: int, offset: int) -> list[StudySummary]:
        found = self._call(
            lambda: self._client.search_for_studies(
                search_filters=filters,
                fields=_STUDY_FIELDS,
                limit=limit,
                offset=offset or None,
            )
        )
        return [
            StudySummary(
                study_uid=_text(item, "StudyInstanceUID"),
                date=_text(item, "StudyDate"),
                description=_text(item, "StudyDescription"),
                patient_id=_text(item, "PatientID"),
                accession=_text(item, "AccessionNumber"),
                modalities=tuple(str(v) for v in _values(item, "ModalitiesInStudy")),
                series=_number(item, "NumberOfStudyRelatedSeries"),
            )
            for item in found
        ]

    def series(self, study_uid: str) -> list[SeriesSummary]:
        """The series of a study (``PacsError`` "not found" when there is no such study)."""
        found = self._call(lambda: self._client.search_for_series(study_uid, fields=_SERIES_FIELDS))
        if not found:
            raise PacsError(self.settings.url, f"not found: no study {study_uid}")
        return [
            SeriesSummary(
                series_uid=_text(item, "SeriesInstanceUID"),
                modality=_text(item, "Modality"),
                number=_number(item, "SeriesNumber"),
                description=_text(item, "SeriesDescription"),
                instances=_number(item, "NumberOfSeriesRelatedInstances"),
            )
            for item in found
        ]

    def referenced_series(self, study_uid: str, series_uid: str) -> set[str]:
        """The series UIDs a series' instances reference (Referenced Series Sequence), read
        from their metadata (WADO-RS, no pixel data): what a SEG was drawn on."""
        metadata = self._call(lambda: self._client.retrieve_series_metadata(study_uid, series_uid))
        out: set[str] = set()
        for instance in metadata:
            for item in _values(instance, "ReferencedSeriesSequence"):
                out.update(str(v) for v in _values(item, "SeriesInstanceUID"))
        return out

    def retrieve_series(self, study_uid: str, series_uid: str) -> list[Any]:
        """Every instance of a series as pydicom datasets (as stored: any transfer syntax)."""
        return self._call(
            lambda: self._client.retrieve_series(
                study_uid,
                series_uid,
                media_types=(("application/dicom", "*"),),
            )
        )

    def store(self, datasets: list[Any]) -> None:
        """Store instances (STOW-RS); refused instances make it fail."""
        answer = self._call(lambda: self._client.store_instances(datasets))
        failed = answer.get("FailedSOPSequence") if answer is not None else None
        if failed:
            raise PacsError(self.settings.url, f"the PACS refused {len(failed)} instance(s)")


def _with_timeout(request: Callable[..., Any], timeout_s: float) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", timeout_s)
        return request(*args, **kwargs)

    return call


@contextmanager
def open_pacs(settings: PacsSettings) -> Iterator[Pacs]:
    """A ``Pacs`` closed on exit (``PacsError`` when the client library is missing)."""
    try:
        pacs = Pacs(settings)
    except ImportError as exc:
        raise PacsError(
            settings.url, f"DICOMweb needs the dicom extra (pip install 'vertebro[dicom]'): {exc}"
        ) from exc
    try:
        yield pacs
    finally:
        pacs.close()
