"""Benchmark of ``vertebro measure`` (issue 3, point 7).

For each label map: the load time (read the file and decode it to an array, in
process), the measurement time (from that array to the finished document), their
ratio, and the measurement's Python-heap peak (tracemalloc: the numpy arrays and Python
objects it allocates, not the process's resident memory) against the decoded array; the
process's own peak resident set (``ru_maxrss``, whole run so far) is printed at the end.
Maps: TotalSegmentator's example_ct_totalseg, the DICOM-derived map, and
generated maps of 25 vertebrae up to 512×512×600 voxels (to show how cost grows).

Goals on the 512×512×600 map: measurement ≤ 1.5 × load, heap peak ≤ 3 × the array.

``--startup`` instead compares a whole ``vertebro measure`` process on the example map with
TotalSegmentator's own height step, both as whole processes, alternated, medians (issue 12;
``benchmarks/startup.py`` says how to install the peer without torch). Goal ≤ 0.35.

    .venv/bin/python benchmarks/bench_measure.py [--repeat 3] [--skip-large]
    .venv/bin/python benchmarks/bench_measure.py --startup [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import nibabel as nib
import numpy as np

from vertebro.imaging.labelmap import extract_vertebrae
from vertebro.imaging.volume import LabelVolume
from vertebro.services.measuring import measure_labels

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "totalsegmentator"


def generate_spine(
    shape: tuple[int, int, int], n_levels: int = 25
) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic spine of ``n_levels`` vertebrae (TotalSegmentator ids 50 = C1 … 26 = S1)
    filling ``shape`` along the last axis: an elliptic body, a ring-shaped arch around the
    canal and a spinous process each, on a gently curved (lordotic) line. RAS, mm."""
    nx, ny, nz = shape
    fov_mm = (410.0, 410.0, 480.0)
    spacing = np.array([fov_mm[0] / nx, fov_mm[1] / ny, fov_mm[2] / nz])
    affine = np.diag([*spacing, 1.0])
    affine[:3, 3] = -spacing * np.array(shape) / 2
    array = np.zeros(shape, dtype=np.uint8)
    step_mm = fov_mm[2] / (n_levels + 0.5)
    for i in range(n_levels):
        label = 50 - i  # cranial first
        z_top = fov_mm[2] / 2 - (i + 0.25) * step_mm
        z_bot = z_top - 0.78 * step_mm
        scale = 0.6 + 0.4 * i / (n_levels - 1)  # bodies grow caudally
        a_off = 12.0 * np.sin(np.pi * i / (n_levels - 1))  # curvature, mm
        k0 = int(np.floor((z_bot - affine[2, 3]) / spacing[2]))
        k1 = int(np.ceil((z_top - affine[2, 3]) / spacing[2]))
        half = 60.0 * scale + 40.0
        i0 = max(0, int((-half - affine[0, 3]) / spacing[0]))
        i1 = min(nx, int((half - affine[0, 3]) / spacing[0]) + 1)
        j0 = max(0, int((a_off - 110.0 - affine[1, 3]) / spacing[1]))
        j1 = min(ny, int((a_off + 40.0 * scale + 10.0 - affine[1, 3]) / spacing[1]) + 1)
        x = (np.arange(i0, i1) * spacing[0] + affine[0, 3])[:, None]
        y = (np.arange(j0, j1) * spacing[1] + affine[1, 3])[None, :] - a_off
        body = (x / (22.0 * scale)) ** 2 + ((y - 0.0) / (16.0 * scale)) ** 2 <= 1.0
        canal_c = -16.0 * scale - 9.0
        ring = (x**2 + (y - canal_c) ** 2 <= (14.0) ** 2) & (x**2 + (y - canal_c) ** 2 >= 8.0**2)
        spinous = (np.abs(x) <= 3.0) & (y <= canal_c - 10.0) & (y >= canal_c - 45.0)
        slab = body | ring | spinous
        for k in range(max(k0, 0), min(k1, nz)):
            zk = k * spacing[2] + affine[2, 3]
            if z_bot <= zk <= z_top:
                array[i0:i1, j0:j1, k][slab] = label
    return array, affine


def _median_time(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench(path: Path, repeat: int) -> dict[str, float]:
    def load() -> LabelVolume:
        img = nib.load(str(path))
        return LabelVolume(np.asanyarray(img.dataobj), np.asarray(img.affine, float), str(path))

    load_s, vol = _median_time(load, repeat)
    assert isinstance(vol, LabelVolume)
    table = None
    from vertebro.imaging.nifti import label_table_from_extensions

    table = label_table_from_extensions(nib.load(str(path)))
    vol = LabelVolume(vol.array, vol.affine, vol.source, table)

    def run() -> object:
        return measure_labels(extract_vertebrae(vol))

    measure_s, result = _median_time(run, repeat)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n_levels = len(result.document["levels"])  # type: ignore[attr-defined]
    return {
        "voxels": float(vol.array.size),
        "array_mb": vol.array.nbytes / 2**20,
        "levels": n_levels,
        "load_s": load_s,
        "measure_s": measure_s,
        "ratio": measure_s / load_s,
        "peak_mb": peak / 2**20,
        "peak_x": peak / vol.array.nbytes,
    }


def _max_rss_mb() -> float:
    """The process's peak resident set so far (Linux reports KiB, macOS bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--startup", action="store_true", help="whole processes vs the peer")
    parser.add_argument("--runs", type=int, default=7, help="runs per process (--startup)")
    args = parser.parse_args()
    if args.startup:
        sys.path.insert(0, str(Path(__file__).parent))
        from startup import compare_startup

        compare_startup(DATA, args.runs)
        return
    rows: list[tuple[str, dict[str, float]]] = []
    for name in ("example_ct_totalseg.nii.gz", "example_seg_dicom.nii.gz"):
        rows.append((name, bench(DATA / name, args.repeat)))
    sizes = (
        [(256, 256, 300), (384, 384, 450)]
        if args.skip_large
        else [(256, 256, 300), (384, 384, 450), (512, 512, 600)]
    )
    with tempfile.TemporaryDirectory() as tmp:
        for shape in sizes:
            array, affine = generate_spine(shape)
            path = Path(tmp) / f"spine_{'x'.join(map(str, shape))}.nii.gz"
            nib.save(nib.Nifti1Image(array, affine), str(path))
            del array
            rows.append((f"generated {'×'.join(map(str, shape))}", bench(path, args.repeat)))
    head = (
        f"{'map':<30}{'voxels':>12}{'array MB':>10}{'levels':>7}{'load s':>9}{'measure s':>11}"
        f"{'ratio':>7}{'heap peak MB':>13}{'peak/array':>11}{'ns/voxel':>10}"
    )
    print(head)
    print("-" * len(head))
    for name, r in rows:
        print(
            f"{name:<30}{int(r['voxels']):>12,}{r['array_mb']:>10.1f}{int(r['levels']):>7}{r['load_s']:>9.3f}"
            f"{r['measure_s']:>11.3f}{r['ratio']:>7.2f}{r['peak_mb']:>13.1f}{r['peak_x']:>11.2f}"
            f"{1e9 * r['measure_s'] / r['voxels']:>10.2f}"
        )
    print(
        "\nheap peak: tracemalloc's peak of the measurement alone (Python heap incl. numpy "
        "arrays), not process memory;"
        f"\nprocess peak resident set (ru_maxrss, whole run): {_max_rss_mb():.0f} MB"
    )
    big = rows[-1][1]
    if not args.skip_large:
        ok_t, ok_m = big["ratio"] <= 1.5, big["peak_x"] <= 3.0
        print(
            f"\ngoals on 512×512×600: measurement/load {big['ratio']:.2f} ≤ 1.5 "
            f"{'met' if ok_t else 'NOT met'}; "
            f"heap peak/array {big['peak_x']:.2f} ≤ 3 {'met' if ok_m else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
