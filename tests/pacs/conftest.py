"""A real Orthanc (Debian's, with its DICOMweb plugin) for the PACS tests, holding two
studies made from TotalSegmentator's real data (see tests/imaging/dicom_data.py): the real
CT series with its SEG, and the wedged ``example_ct`` with its SEG."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.imaging.conftest import require_data
from tests.imaging.dicom_data import DicomData, make_dicom_data
from tests.pacs.orthanc import Orthanc, running_orthanc


@dataclass(frozen=True)
class Pacs:
    orthanc: Orthanc
    data: DicomData
    real_study: str
    wedge_study: str

    def env(self, **changes: str) -> dict[str, str]:
        import os

        env = dict(os.environ)
        env.update(
            VERTEBRO_PACS_URL=self.orthanc.dicomweb,
            VERTEBRO_PACS_USER=self.orthanc.user,
            VERTEBRO_PACS_PASSWORD=self.orthanc.password,
        )
        env.update(changes)
        return env


@pytest.fixture(scope="session", name="pacs")
def pacs_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pacs]:
    import pydicom

    require_data()
    data = make_dicom_data(tmp_path_factory.mktemp("pacs-data"))
    with running_orthanc(tmp_path_factory.mktemp("orthanc")) as orthanc:
        files = [
            *sorted(data.real_ct.iterdir()),
            data.real_seg,
            *sorted(data.wedge_ct.iterdir()),
            data.wedge_seg,
        ]
        orthanc.upload(files)
        studies = [
            str(pydicom.dcmread(p, stop_before_pixels=True).StudyInstanceUID)
            for p in (data.real_seg, data.wedge_seg)
        ]
        yield Pacs(orthanc, data, studies[0], studies[1])
