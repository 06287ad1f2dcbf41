"""A small reader for single-file NIfTI-1 label maps (``.nii``, ``.nii.gz``), without nibabel.

Importing nibabel costs a third of a second (it imports pydicom too); a label map needs only
the 348-byte header, the header extensions and the voxels. This reader handles the common
case — a ``n+1`` file of integer or float voxels, identity scaling, an sform or a qform —
and returns None for anything else, which ``nifti.py`` then reads with nibabel. The affine
is nibabel's "best affine" (sform when its code is set, else qform: Bradley/Cox quaternion
with qfac, NIfTI-1 standard, nifti1.h), the array nibabel's raw stored values in Fortran
order; ``tests/imaging/test_nifti1.py`` compares both on every map in ``../shared/data``.
"""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Nifti1", "read_nifti1"]

_HEADER = 348
_DTYPES = {
    2: "u1",
    4: "i2",
    8: "i4",
    16: "f4",
    64: "f8",
    256: "i1",
    512: "u2",
    768: "u4",
    1024: "i8",
    1280: "u8",
}
#: nibabel accepts a quaternion whose implied w² is slightly negative (float32 rounding).
_W2_THRESHOLD = -3 * float(np.finfo(np.float32).eps)


class Nifti1:
    """The parts of a NIfTI-1 file that a label map needs."""

    __slots__ = ("affine", "array", "extensions")

    def __init__(
        self,
        array: npt.NDArray[Any],
        affine: npt.NDArray[np.float64],
        extensions: list[tuple[int, bytes]],
    ) -> None:
        self.array = array
        self.affine = affine
        self.extensions = extensions


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def _qform(f32: Any, pixdim: tuple[float, ...]) -> npt.NDArray[np.float64]:
    b, c, d = (float(x) for x in f32(256, 3))
    w2 = 1.0 - (b * b + c * c + d * d)
    if w2 < _W2_THRESHOLD:
        raise ValueError("invalid quaternion")
    a = math.sqrt(w2) if w2 > 0 else 0.0
    n = a * a + b * b + c * c + d * d
    s = 2.0 / n
    rot = np.array(
        [
            [1 - s * (c * c + d * d), s * (b * c - a * d), s * (b * d + a * c)],
            [s * (b * c + a * d), 1 - s * (b * b + d * d), s * (c * d - a * b)],
            [s * (b * d - a * c), s * (c * d + a * b), 1 - s * (b * b + c * c)],
        ]
    )
    qfac = -1.0 if pixdim[0] < 0 else 1.0
    zooms = np.array(pixdim[1:4], dtype=np.float64)
    if np.any(zooms < 0):
        raise ValueError("negative voxel size")
    rot[:, 2] *= qfac
    out = np.eye(4)
    out[:3, :3] = rot * zooms
    out[:3, 3] = [float(x) for x in f32(268, 3)]
    return out


def read_nifti1(path: Path) -> Nifti1 | None:
    """The label map at ``path``, or None when this reader does not handle the file (then
    nibabel reads it, with its own error messages for broken files)."""
    try:
        data = _read_bytes(path)
    except (OSError, EOFError, ValueError):
        return None
    if len(data) < _HEADER + 4:
        return None
    for endian in "<>":
        if struct.unpack_from(endian + "i", data, 0)[0] == _HEADER:
            break
    else:
        return None
    if data[344:348] != b"n+1\x00":
        return None

    def f32(offset: int, count: int = 1) -> tuple[float, ...]:
        return struct.unpack_from(f"{endian}{count}f", data, offset)

    dim = struct.unpack_from(endian + "8h", data, 40)
    dtype_code = struct.unpack_from(endian + "h", data, 70)[0]
    pixdim = f32(76, 8)
    vox_offset = int(f32(108)[0])
    slope, inter = f32(112, 2)
    qform_code, sform_code = struct.unpack_from(endian + "2h", data, 252)
    ndim = dim[0]
    if dtype_code not in _DTYPES or not 3 <= ndim <= 7 or any(n < 1 for n in dim[1 : ndim + 1]):
        return None
    if ndim > 3 and any(n != 1 for n in dim[4 : ndim + 1]):
        return None
    if not (math.isnan(slope) or slope in (0.0, 1.0)) or not (math.isnan(inter) or inter == 0.0):
        return None  # scaled values: nibabel's rules apply
    try:
        if sform_code > 0:
            affine = np.eye(4)
            affine[:3, :] = np.array(f32(280, 12), dtype=np.float64).reshape(3, 4)
        elif qform_code > 0:
            affine = _qform(f32, pixdim)
        else:
            return None
    except (ValueError, ZeroDivisionError):
        return None
    extensions: list[tuple[int, bytes]] = []
    at = _HEADER + 4
    if data[_HEADER] != 0:
        while at + 8 <= vox_offset:
            size, code = struct.unpack_from(endian + "2i", data, at)
            if size < 8 or at + size > vox_offset:
                break
            extensions.append((code, data[at + 8 : at + size]))
            at += size
    shape = tuple(int(n) for n in dim[1:4])
    dtype = np.dtype(endian + _DTYPES[dtype_code])
    count = shape[0] * shape[1] * shape[2]
    if vox_offset < _HEADER + 4 or len(data) < vox_offset + count * dtype.itemsize:
        return None
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=vox_offset)
    if not dtype.isnative:
        flat = flat.astype(dtype.newbyteorder("="))
    array = flat.reshape(shape, order="F")
    return Nifti1(array, affine, extensions)
