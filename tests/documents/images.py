"""Small real images for print-form tests: a PNG written by hand (zlib) and SVG drawings."""

from __future__ import annotations

import struct
import zlib


def png_bytes(
    width: int = 60, height: int = 20, rgba: tuple[int, int, int, int] = (31, 78, 121, 255)
) -> bytes:
    """A solid-colour RGBA PNG."""
    raw = b"".join(b"\x00" + bytes(rgba) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


LOGO_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="240" height="60" viewBox="0 0 240 60">
<rect x="0" y="8" width="44" height="44" rx="6" fill="#1f4e79"/>
<path d="M10 40 L22 18 L34 40 Z" fill="#ffffff"/>
<text x="54" y="40" font-family="Liberation Sans, DejaVu Sans" font-size="26" font-weight="bold"
 fill="#1f4e79">WEST GROUP</text></svg>"""

SIGNATURE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80" viewBox="0 0 200 80">
<path d="M10 60 C 30 10, 45 10, 50 45 S 70 75, 85 30 S 110 20, 120 50 S 150 60, 190 25"
 fill="none" stroke="#1a2a8c" stroke-width="3" stroke-linecap="round"/></svg>"""

STAMP_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">
<g fill="none" stroke="#2340a8" stroke-opacity="0.8"><circle cx="100" cy="100" r="95" stroke-width="4"/>
<circle cx="100" cy="100" r="62" stroke-width="2"/></g>
<text x="100" y="95" text-anchor="middle" font-family="Liberation Sans, DejaVu Sans" font-size="18"
 font-weight="bold" fill="#2340a8" fill-opacity="0.8">ВЕСТ ГРУПП</text>
<text x="100" y="120" text-anchor="middle" font-family="Liberation Sans, DejaVu Sans" font-size="13"
 fill="#2340a8" fill-opacity="0.8">ИНН 7806210729</text></svg>""".encode()
