"""Measurement reviews through the API (``vertebro.measurement/1`` in and out), against a
live server on SQLite and on PostgreSQL: recompute from landmarks, store for review, save a
reader's review as a new version (recomputed by the core, never taken from the client),
stale versions refused, bad input 422 with paths, roles, and the audit trail.
Data: HealthiVert-GAN case 0007 (VerSe-style, CC BY-SA 4.0)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.api.server import LiveServer
from tests.imaging.conftest import VERSE, require_data


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    from vertebro.services.measuring import measure_study

    require_data()
    return measure_study(VERSE / "0007_msk.nii.gz").document


def _moved(document: dict[str, Any], level: str, dy: float) -> dict[str, Any]:
    out = copy.deepcopy(document)
    for item in out["levels"]:
        if item["level"] == level:
            item["landmarks_mm"]["anterior_superior"][1] += dy
    return out


def _level(document: dict[str, Any], level: str) -> dict[str, Any]:
    return next(i for i in document["levels"] if i["level"] == level)


def test_recompute_is_the_measurement_itself_until_a_landmark_moves(
    server: LiveServer, measured: dict[str, Any]
) -> None:
    with server.client("viewer") as client:
        same = client.post("/api/measurements/recompute", content=json.dumps(measured))
        assert same.status_code == 200 and same.json() == measured
        moved = client.post(
            "/api/measurements/recompute", content=json.dumps(_moved(measured, "T12", -8.0))
        )
    t12 = _level(moved.json(), "T12")
    assert t12["heights_mm"]["anterior"] == pytest.approx(15.0, abs=0.05)
    assert t12["genant_grade"] >= 2 and t12["grading"]["deformity"] == "anterior"


def test_recompute_rejects_bad_landmarks_with_paths(
    server: LiveServer, measured: dict[str, Any]
) -> None:
    bad = copy.deepcopy(measured)
    _level(bad, "L1")["landmarks_mm"]["middle_inferior"] = ["x", 1]
    _level(bad, "L2")["landmarks_mm"]["anterior_superior"] = [14.0, -300.0]
    with server.client("viewer") as client:
        reply = client.post("/api/measurements/recompute", content=json.dumps(bad))
        not_json = client.post("/api/measurements/recompute", content=b"{")
    assert reply.status_code == 422
    assert reply.headers["content-type"].startswith("application/problem+json")
    errors = reply.json()["errors"]
    assert "levels[4].landmarks_mm.middle_inferior: must be [x, y] in mm" in errors
    assert any(e.startswith("levels[5].landmarks_mm: anterior height") for e in errors)
    assert not_json.status_code == 422


def test_review_versions_audit_and_conflicts(
    any_server: LiveServer, measured: dict[str, Any]
) -> None:
    with any_server.client("clinician") as client:
        created = client.post(
            "/api/measurement-reviews",
            content=json.dumps({"measurement": measured, "source": "0007_msk.nii.gz"}),
        )
        assert created.status_code == 201, created.text
        key = created.json()["review_key"]
        assert created.json()["version"] == 1 and created.json()["status"] == "automatic"
        # the client's numbers are not trusted: a forged grade is recomputed away
        forged = _moved(measured, "T12", -8.0)
        _level(forged, "T12")["genant_grade"] = 0
        body = {
            "measurement": forged,
            "decisions": [
                {"level": "T12", "action": "confirm"},
                {"level": "L5", "action": "override", "genant_grade": 1, "reason": "wall"},
            ],
            "base_version": 1,
        }
        saved = client.put(f"/api/measurement-reviews/{key}", content=json.dumps(body))
        assert saved.status_code == 200, saved.text
        record = saved.json()
        assert record["version"] == 2 and record["status"] == "reviewed"
        assert _level(record["measurement"], "T12")["genant_grade"] >= 2
        assert record["changes"]["moved"] == [
            {
                "level": "T12",
                "landmark": "anterior_superior",
                "before": _level(measured, "T12")["landmarks_mm"]["anterior_superior"],
                "after": _level(record["measurement"], "T12")["landmarks_mm"]["anterior_superior"],
            }
        ]
        decided = {d["level"]: d for d in record["changes"]["decisions"]}
        assert (
            decided["T12"]["genant_grade"] == _level(record["measurement"], "T12")["genant_grade"]
        )
        assert decided["L5"] == {
            "level": "L5",
            "action": "override",
            "measured_grade": 0,
            "genant_grade": 1,
            "reason": "wall",
        }
        stale = client.put(f"/api/measurement-reviews/{key}", content=json.dumps(body))
        assert stale.status_code == 412
        no_reason = dict(body, base_version=2)
        no_reason["decisions"] = [{"level": "L5", "action": "override", "genant_grade": 2}]
        refused = client.put(f"/api/measurement-reviews/{key}", content=json.dumps(no_reason))
        assert refused.status_code == 422
        assert refused.json()["errors"] == ["decisions[0].reason: required to override a grade"]
        latest = client.get(f"/api/measurement-reviews/{key}/measurement").json()
        assert latest == record["measurement"]
        versions = client.get(f"/api/measurement-reviews/{key}/versions").json()
        assert [v["version"] for v in versions] == [1, 2]
    with any_server.client("viewer") as client:
        assert client.get(f"/api/measurement-reviews/{key}").json()["version"] == 2
        assert (
            client.put(
                f"/api/measurement-reviews/{key}", content=json.dumps(dict(body, base_version=2))
            ).status_code
            == 403
        )
        assert client.get("/api/measurement-reviews/0123456789abcdef").status_code == 404
    with any_server.client("admin") as client:
        audit = client.get("/api/audit").json()
    rows = [r for r in audit if r["entity"] == "measurement_review" and r["entity_key"] == key]
    assert [r["action"] for r in rows] == ["review", "create"]
    assert rows[0]["actor"] == "clinician"
    assert rows[0]["before"]["T12"]["genant_grade"] == 0
    assert rows[0]["after"]["T12"]["genant_grade"] >= 2 and rows[0]["after"]["moved"]
