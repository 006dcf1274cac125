"""A minimal GGUF v3 writer: typed metadata and F32/I32 tensors, nothing else.

Written from the format description (header, key/value pairs, tensor infos, aligned data) so that the
reference files do not depend on ckernel's own writer, which is what they help to test. The output is a
pure function of what was added, in the order it was added: no timestamps, no dictionary-order surprises.
"""
import struct

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
ALIGNMENT = 32  # GGUF's default; not written as general.alignment, so readers must assume it

# Metadata value types (gguf_type).
U32, I32, F32, BOOL, STRING, U64, F64 = 4, 5, 6, 7, 8, 10, 12
# Tensor types (ggml_type).
GGML_F32, GGML_I32 = 0, 26

_SCALAR_FORMATS = {U32: "<I", I32: "<i", F32: "<f", U64: "<Q", F64: "<d"}
_TENSOR_DTYPES = {GGML_F32: np.dtype("<f4"), GGML_I32: np.dtype("<i4")}


def _string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _pad(n):
    return (-n) % ALIGNMENT


class GGUFWriter:
    def __init__(self):
        self._kv = []       # (key, type, value)
        self._tensors = []  # (name, ne, ggml_type, bytes)

    def add(self, key, value_type, value):
        assert value_type in _SCALAR_FORMATS or value_type in (BOOL, STRING), value_type
        self._kv.append((key, value_type, value))

    def add_tensor(self, name, array, ggml_type=GGML_F32):
        """`array` is row-major; GGUF lists dimensions fastest-varying first, so ne is the shape reversed."""
        assert len(name.encode()) <= 63, f"tensor name longer than 63 bytes: {name}"
        assert all(name != t[0] for t in self._tensors), f"duplicate tensor {name}"
        data = np.ascontiguousarray(array, dtype=_TENSOR_DTYPES[ggml_type])
        ne = tuple(reversed(data.shape)) or (1,)
        self._tensors.append((name, ne, ggml_type, data.tobytes()))

    def _value(self, value_type, value):
        if value_type == STRING:
            return _string(value)
        if value_type == BOOL:
            return struct.pack("<B", 1 if value else 0)
        return struct.pack(_SCALAR_FORMATS[value_type], value)

    def tobytes(self):
        out = bytearray()
        out += GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(self._tensors), len(self._kv))
        for key, value_type, value in self._kv:
            out += _string(key) + struct.pack("<I", value_type) + self._value(value_type, value)
        # Tensor infos: offsets are relative to the start of the data section, each one aligned.
        offset = 0
        for name, ne, ggml_type, data in self._tensors:
            out += _string(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
            out += struct.pack("<IQ", ggml_type, offset)
            offset += len(data) + _pad(len(data))
        out += bytes(_pad(len(out)))  # the data section starts aligned
        self._spans = []
        for name, _, _, data in self._tensors:
            self._spans.append((name, len(out), len(out) + len(data)))
            out += data + bytes(_pad(len(data)))
        return bytes(out)

    def tensor_spans(self):
        """(name, first byte, end byte) of each tensor's data in the file, after tobytes()."""
        return self._spans

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.tobytes())
