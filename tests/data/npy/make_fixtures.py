#!/usr/bin/env python3
"""Make the .npy fixtures for tests/unit/npy_test.cpp.

Run from anywhere with a Python that has NumPy (Debian: /usr/bin/python3 and python3-numpy):

    /usr/bin/python3 tests/data/npy/make_fixtures.py

The files were made with NumPy 1.24.2. Every value is exactly representable in float32 and
float64, so the tests compare with ==. The values are stated beside each file.
"""

import os
import struct

import numpy as np
from numpy.lib import format as npyfmt

HERE = os.path.dirname(os.path.abspath(__file__))

# [[0, 0.25, 0.5], [0.75, 1, 1.25]]: the 2×3 array most fixtures hold.
A = np.arange(6).reshape(2, 3) / 4


def path(name):
    return os.path.join(HERE, name)


def save(name, arr, version=None):
    """Write arr the way NumPy does: np.save, or write_array with an explicit format version."""
    with open(path(name), "wb") as f:
        npyfmt.write_array(f, arr, version=version, allow_pickle=False)


def raw(name):
    with open(path(name), "rb") as f:
        return f.read()


def put(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


# Good files: each reads as a matrix.
np.save(path("c_f8_2x3.npy"), A)                                # '<f8', C order, version 1.0
np.save(path("c_f4_2x3.npy"), A.astype("<f4"))                  # '<f4'
np.save(path("be_f8_2x3.npy"), A.astype(">f8"))                 # '>f8'
np.save(path("be_f4_2x3.npy"), A.astype(">f4"))                 # '>f4'
np.save(path("fortran_f8_2x3.npy"), np.asfortranarray(A))       # fortran_order True, same values
np.save(path("fortran_be_f4_2x3.npy"), np.asfortranarray(A.astype(">f4")))
np.save(path("vec_f8_4.npy"), np.array([-1.5, 0.0, 2.0, 1024.0]))  # shape (4,): a 1×4 matrix
np.save(path("batch_f8_1x2x3.npy"), A.reshape(1, 2, 3))        # shape (1, 2, 3): squeezed to 2×3
np.save(path("empty_f8_0x3.npy"), np.zeros((0, 3)))             # shape (0, 3): a 0×3 matrix
np.save(path("nonfinite_f8_2x2.npy"), np.array([[1.0, np.nan], [np.inf, -np.inf]]))
save("v2_f8_2x3.npy", A, version=(2, 0))                        # 4-byte header length
save("v3_f8_2x3.npy", A, version=(3, 0))                        # 4-byte header length, utf8 header
# Shape (1, 1, ..., 1, 2, 3): the header is 182 bytes, so its length byte is 0xb6 >= 0x80,
# which readers that store the length in a (signed) char get wrong.
np.save(path("long_header_f8_2x3.npy"), A.reshape((1,) * 24 + (2, 3)))
assert raw("long_header_f8_2x3.npy")[8] >= 0x80, "header length byte should be >= 0x80"

# Files NumPy writes but attn rejects.
np.save(path("scalar_f8.npy"), np.float64(2.5))                 # shape ()
np.save(path("cube_f8_2x2x2.npy"), np.arange(8.0).reshape(2, 2, 2))
np.save(path("int64.npy"), np.arange(6, dtype="<i8"))           # descr '<i8'
np.save(path("complex.npy"), np.array([1 + 2j]))                # descr '<c16'
np.save(path("f2.npy"), np.array([1.0], dtype="<f2"))           # descr '<f2' (float16)
np.save(path("structured.npy"), np.zeros(1, dtype=[("a", "<f8")]))  # descr is a list

# Broken files, each made from a real NumPy file by changing a few bytes.
good = raw("c_f8_2x3.npy")                                       # 128-byte header + 48 bytes of data
assert len(good) == 128 + 48
put("truncated_f8_2x3.npy", good[:-4])                          # 44 of the 48 data bytes
put("extra_bytes_f8_2x3.npy", good + b"\0" * 8)                 # 8 bytes after the data
put("bad_magic.npy", b"\x93NUMPZ" + good[6:])
put("bad_version.npy", good[:6] + b"\x04\x00" + good[8:])       # format version 4.0
put("header_past_end.npy", good[:8] + struct.pack("<H", 1000) + good[10:])  # 1000 > 166 bytes left
put("short.npy", good[:7])                                      # stops inside the magic string
# A well-formed preamble whose header is a list, not a dict.
header = b"[1, 2, 3]".ljust(128 - 10 - 1) + b"\n"
put("not_dict.npy", good[:8] + struct.pack("<H", len(header)) + header + good[128:])

# .npz archives: zip files of .npy members, which NumPy writes in zip64 form.
np.savez(path("qkv.npz"), q=A, k=A.astype("<f4"), i=np.arange(2))  # stored; i is int64
np.savez_compressed(path("qkv_compressed.npz"), q=A, k=A.astype("<f4"))  # deflated
np.savez(path("crc.npz"), q=A)
crc = bytearray(raw("crc.npz"))
at = crc.find(A.tobytes())
assert at > 0 and crc.find(A.tobytes(), at + 1) < 0
crc[at + 8] ^= 0x01                                              # q[0, 1]: 0.25 is now 0.25 + 2**-54
put("crc.npz", bytes(crc))                                      # the CRC-32 no longer matches

total = sum(os.path.getsize(path(n)) for n in os.listdir(HERE) if n.endswith((".npy", ".npz")))
print(f"wrote {len([n for n in os.listdir(HERE) if n.endswith(('.npy', '.npz'))])} files, {total} bytes")
