"""A real PACS for tests: Debian's Orthanc with its DICOMweb plugin on loopback, with a
private configuration and storage folder, HTTP basic authentication, a random free port,
and no DICOM (DIMSE) listener; stopped (its process group killed) at teardown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ORTHANC = Path("/usr/sbin/Orthanc")
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
USER, PASSWORD = "vertebro", "pacs-secret-1"


@dataclass(frozen=True)
class Orthanc:
    url: str  # the REST root, e.g. http://127.0.0.1:PORT
    user: str
    password: str

    @property
    def dicomweb(self) -> str:
        return f"{self.url}/dicom-web"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(self.user, self.password), timeout=60)

    def upload(self, files: list[Path]) -> None:
        """Store files through Orthanc's own REST API (not through the code under test)."""
        with self.client() as http:
            for path in files:
                answer = http.post("/instances", content=path.read_bytes())
                answer.raise_for_status()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_orthanc(folder: Path) -> Iterator[Orthanc]:
    """Start Orthanc with its storage in ``folder``; stop it afterwards."""
    missing = [str(p) for p in (ORTHANC, DICOMWEB_PLUGIN) if not p.exists()]
    if missing:
        raise RuntimeError(
            f"Orthanc is required: {', '.join(missing)} missing "
            "(apt-get install orthanc orthanc-dicomweb; scripts/test.sh does)"
        )
    storage = folder / "storage"
    storage.mkdir(parents=True)
    port = _free_port()
    config = {
        "Name": "vertebro-test-pacs",
        "StorageDirectory": str(storage),
        "IndexDirectory": str(storage),
        "HttpPort": port,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {USER: PASSWORD},
        "DicomServerEnabled": False,
        "Plugins": [str(DICOMWEB_PLUGIN)],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "StudiesMetadata": "Full"},
        "HttpTimeout": 60,
        "StableAge": 1,
    }
    config_path = folder / "orthanc.json"
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    log = (folder / "orthanc.log").open("wb")
    process = subprocess.Popen(
        [str(ORTHANC), str(config_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"Orthanc exited ({process.returncode}): "
                    + (folder / "orthanc.log").read_text(errors="replace")[-2000:]
                )
            try:
                if httpx.get(f"{url}/system", auth=(USER, PASSWORD), timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Orthanc did not answer within 60 s")
            time.sleep(0.2)
        yield Orthanc(url, USER, PASSWORD)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
