#!/usr/bin/env python3
"""Draws the dashboard's app icons (a house with a flame, on the theme colour)
and writes them as PNGs into public/: 192 and 512 with rounded corners for
"any" purpose, and a full-bleed 512 for "maskable", whose glyph stays inside
the central safe circle (radius 40 %) that launchers never crop.

Standard library only (zlib + struct), so anyone can regenerate the committed
files with `python3 tools/icons/generate.py`; the output is deterministic.
"""

import struct
import zlib
from pathlib import Path

THEME = (0xC2, 0x41, 0x0C)  # --accent in style/main.css
GLYPH = (0xFF, 0xF7, 0xED)  # the favicon's flame colour
SAMPLES = 3  # supersampling per axis, for smooth edges


def in_house(x, y):
    """The house outline in unit coordinates (0..1, y down), centred."""
    # Roof: a triangle from (0.5, 0.2) to (0.2, 0.47) and (0.8, 0.47).
    if 0.2 <= y <= 0.47:
        half = (y - 0.2) / 0.27 * 0.3
        return abs(x - 0.5) <= half
    # Walls.
    return 0.27 <= x <= 0.73 and 0.47 < y <= 0.8


def in_flame(x, y):
    """A teardrop flame inside the house: a circle with a pointed top."""
    cx, cy, r = 0.5, 0.66, 0.1
    if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
        return True
    # The tip: a triangle from the circle's widest line up to (0.5, 0.42).
    if 0.42 <= y <= cy:
        half = (y - 0.42) / (cy - 0.42) * r
        return abs(x - cx) <= half
    return False


def in_rounded_square(x, y, radius=0.18):
    dx = max(radius - x, 0, x - (1 - radius))
    dy = max(radius - y, 0, y - (1 - radius))
    return dx * dx + dy * dy <= radius * radius


def pixel(x, y, rounded, scale):
    """The RGBA colour at unit point (x, y); the glyph is scaled about the centre."""
    if rounded and not in_rounded_square(x, y):
        return (0, 0, 0, 0)
    gx = 0.5 + (x - 0.5) / scale
    gy = 0.5 + (y - 0.5) / scale
    if in_house(gx, gy) and not in_flame(gx, gy):
        return GLYPH + (255,)
    return THEME + (255,)


def render(size, rounded, scale):
    rows = []
    n = SAMPLES * SAMPLES
    for py in range(size):
        row = bytearray([0])  # filter type: none
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px + (sx + 0.5) / SAMPLES) / size
                    y = (py + (sy + 0.5) / SAMPLES) / size
                    r, g, b, a = pixel(x, y, rounded, scale)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            alpha = acc[3]
            if alpha == 0:
                row += bytes(4)
            else:
                row += bytes(
                    [acc[0] // alpha, acc[1] // alpha, acc[2] // alpha, alpha // n]
                )
        rows.append(bytes(row))
    return b"".join(rows)


def png(size, pixels):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels, 9))
        + chunk(b"IEND", b"")
    )


def main():
    public = Path(__file__).resolve().parents[2] / "public"
    icons = [
        ("icon-192.png", 192, True, 1.0),
        ("icon-512.png", 512, True, 1.0),
        # The maskable glyph shrinks to fit the safe circle.
        ("icon-maskable-512.png", 512, False, 0.8),
    ]
    for name, size, rounded, scale in icons:
        (public / name).write_bytes(png(size, render(size, rounded, scale)))
        print(f"wrote public/{name}")


if __name__ == "__main__":
    main()
