"""How large a volume ``vertebro measure`` decodes (api-v1 1.1 "Label maps").

The voxel count and the decoded size are read from the header — the first 540 bytes of a
NIfTI file (decompressing only those), the DICOM headers of a series — before any voxel is
decoded. A volume above ``VERTEBRO_MAX_VOXELS`` voxels (default 600 million), or inputs
whose estimated working memory is above ``VERTEBRO_MAX_MEASURE_GIB`` (default 4 GiB), are
refused with :class:`~vertebro.errors.ImageTooLarge` naming both numbers and both limits.

The estimate follows what reading costs (measured on 512³ maps): the decoded voxels once
(twice from ``.nii.gz``: the decompressed buffer and the array), eight bytes a voxel when the
header asks for scaling (nibabel's float64 result), and one byte a voxel for the integer copy
of a floating-point label map.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vertebro.errors import ImageError, ImageTooLarge

__all__ = [
    "DEFAULT_MAX_MEASURE_GIB",
    "DEFAULT_MAX_VOXELS",
    "MAX_HEADER_EXTENSION_BYTES",
    "MeasureLimits",
    "VolumeSize",
    "check_size",
    "nifti_size",
]

DEFAULT_MAX_VOXELS = 600_000_000
DEFAULT_MAX_MEASURE_GIB = 4.0
#: NIfTI header extensions (the label table of TotalSegmentator is a few kB) are read whole
#: by nibabel: more than this between the header and the voxels is refused.
MAX_HEADER_EXTENSION_BYTES = 64 * 1024 * 1024
_GIB = 1024**3


@dataclass(frozen=True, slots=True)
class MeasureLimits:
    """The two limits, from ``VERTEBRO_MAX_VOXELS`` and ``VERTEBRO_MAX_MEASURE_GIB``."""

    max_voxels: int = DEFAULT_MAX_VOXELS
    max_gib: float = DEFAULT_MAX_MEASURE_GIB

    @property
    def max_bytes(self) -> int:
        return int(self.max_gib * _GIB)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MeasureLimits:
        """The limits the environment sets (defaults otherwise). Raises :class:`ValueError`
        naming the variable when a value is not a positive number."""
        env = os.environ if environ is None else environ
        voxels = env.get("VERTEBRO_MAX_VOXELS", "").strip()
        gib = env.get("VERTEBRO_MAX_MEASURE_GIB", "").strip()
        max_voxels, max_gib = DEFAULT_MAX_VOXELS, DEFAULT_MAX_MEASURE_GIB
        if voxels:
            if not voxels.isdigit() or len(voxels) > 18 or int(voxels) < 1:
                raise ValueError(f"VERTEBRO_MAX_VOXELS: must be a positive integer, got {voxels!r}")
            max_voxels = int(voxels)
        if gib:
            try:
                max_gib = float(gib)
            except ValueError:
                max_gib = math.nan
            if not (math.isfinite(max_gib) and max_gib > 0):
                raise ValueError(
                    f"VERTEBRO_MAX_MEASURE_GIB: must be a positive number, got {gib!r}"
                )
        return cls(max_voxels, max_gib)


@dataclass(frozen=True, slots=True)
class VolumeSize:
    """What a header promises: the array shape, its voxel count, and the working memory
    (bytes) reading and measuring it is estimated to take."""

    source: str
    shape: tuple[int, ...]
    voxels: int
    working_bytes: int


def _gib(value: int) -> str:
    return f"{value / _GIB:.1f} GiB"


def check_size(size: VolumeSize, limits: MeasureLimits, *, others: int = 0) -> None:
    """Raise :class:`ImageTooLarge` when ``size`` has more voxels than the limit, or its
    working memory plus ``others`` (bytes the other inputs of the same measurement take)
    is above the memory limit."""
    total = size.working_bytes + others
    if size.voxels <= limits.max_voxels and total <= limits.max_bytes:
        return
    shape = "×".join(str(n) for n in size.shape)
    together = " with the other inputs" if others else ""
    raise ImageTooLarge(
        size.source,
        f"too large to measure: {size.voxels:,} voxels ({shape}) and about {_gib(total)} of "
        f"working memory{together}; the limits are {limits.max_voxels:,} voxels "
        f"(VERTEBRO_MAX_VOXELS) and {limits.max_gib:g} GiB (VERTEBRO_MAX_MEASURE_GIB)",
    )


def _header_bytes(path: Path) -> tuple[bytes, bool]:
    """The first 540 bytes of a NIfTI file (decompressed when it is gzip) and whether it is."""
    source = str(path)
    try:
        with path.open("rb") as stream:
            compressed = stream.read(2) == b"\x1f\x8b"
        opener: Any = gzip.open if compressed else open
        with opener(path, "rb") as stream:
            return stream.read(540), compressed
    except IsADirectoryError:
        raise ImageError(source, "is a folder, not a NIfTI file") from None
    except FileNotFoundError:
        raise ImageError(source, "no such file or folder") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise ImageError(source, f"cannot read as NIfTI: {exc}") from None


@dataclass(frozen=True, slots=True)
class _Header:
    """The fields of a NIfTI-1 or NIfTI-2 header that size a volume."""

    size: int
    dims: tuple[int, ...]
    datatype: int
    vox_offset: float
    scl_slope: float
    scl_inter: float


def _nifti_header(raw: bytes, source: str) -> _Header:
    """The sizing fields of a NIfTI-1 (348 bytes) or NIfTI-2 (540 bytes) header, in its own
    byte order (the header size tells it; nifti1.h, nifti2.h)."""
    for order in "<>":
        if len(raw) >= 4 and struct.unpack(f"{order}i", raw[:4])[0] in (348, 540):
            size = struct.unpack(f"{order}i", raw[:4])[0]
            break
    else:
        raise ImageError(source, "cannot read as NIfTI: not a NIfTI-1 or NIfTI-2 header")
    if len(raw) < size:
        raise ImageError(source, "cannot read as NIfTI: the file ends inside its header")
    if size == 348:  # dim@40 int16[8], datatype@70, vox_offset@108 float32, scl@112
        magic = raw[344:347]
        dims = struct.unpack_from(f"{order}8h", raw, 40)
        (datatype,) = struct.unpack_from(f"{order}h", raw, 70)
        offset, slope, inter = struct.unpack_from(f"{order}3f", raw, 108)
    else:  # datatype@12, dim@16 int64[8], vox_offset@168 int64, scl@176 float64
        magic = raw[4:7]
        (datatype,) = struct.unpack_from(f"{order}h", raw, 12)
        dims = struct.unpack_from(f"{order}8q", raw, 16)
        (offset,) = struct.unpack_from(f"{order}q", raw, 168)
        slope, inter = struct.unpack_from(f"{order}2d", raw, 176)
    if magic not in (b"n+1", b"n+2"):
        raise ImageError(source, "cannot read as NIfTI: not a single-file NIfTI (magic)")
    return _Header(size, tuple(dims), datatype, float(offset), slope, inter)


#: NIfTI data type codes: bytes per voxel, and whether the values are floating point.
_DATATYPES: dict[int, tuple[int, bool]] = {
    2: (1, False), 4: (2, False), 8: (4, False), 16: (4, True), 32: (8, True),
    64: (8, True), 128: (3, False), 256: (1, False), 512: (2, False), 768: (4, False),
    1024: (8, False), 1280: (8, False), 1536: (16, True), 1792: (16, True),
    2048: (32, True), 2304: (4, False),
}  # fmt: skip


def nifti_size(path: Path, *, labels: bool) -> VolumeSize:
    """The size a NIfTI file's header promises (``labels``: read as a label map).

    Raises :class:`ImageError` when the header cannot be read or is impossible (no or
    negative dimensions, an unknown data type, voxels beyond the end of the file).
    """
    source = str(path)
    raw, compressed = _header_bytes(path)
    header = _nifti_header(raw, source)
    dims = list(header.dims)
    if not 1 <= dims[0] <= 7 or any(d < 1 for d in dims[1 : dims[0] + 1]):
        raise ImageError(source, f"cannot read as NIfTI: impossible dimensions {dims}")
    shape = tuple(dims[1 : dims[0] + 1])
    if header.datatype not in _DATATYPES:
        code = header.datatype
        raise ImageError(source, f"cannot read as NIfTI: unknown data type code {code}")
    itemsize, floating = _DATATYPES[header.datatype]
    offset = header.vox_offset
    if not (math.isfinite(offset) and 0 <= offset <= MAX_HEADER_EXTENSION_BYTES):
        raise ImageError(source, f"cannot read as NIfTI: impossible voxel offset {offset:g}")
    start = max(int(offset), header.size + 4)
    voxels = math.prod(shape)
    decoded = voxels * itemsize
    if not compressed and path.stat().st_size < start + decoded:
        raise ImageError(
            source,
            f"cannot read as NIfTI: truncated, the header promises {decoded:,} bytes of "
            f"voxels and the file holds {max(0, path.stat().st_size - start):,}",
        )
    slope, inter = header.scl_slope, header.scl_inter
    scaled = math.isfinite(slope) and slope != 0 and (slope, inter) != (1.0, 0.0)
    working = decoded * (2 if compressed else 1) + (8 * voxels if scaled else 0)
    if labels and (scaled or floating):
        working += voxels
    return VolumeSize(source, shape, voxels, working)
