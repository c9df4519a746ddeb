"""Draw the application icon, resources/gd-explorer.png (256 × 256, RGBA), with Pillow.

    python packaging/make_icon.py

The picture is the product in one glance: the tall, skinny contour ellipses of an unscaled
cost surface and a gradient-descent path zig-zagging down to the minimum. The PNG is
committed; run this again only to change the drawing.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 256
OUT = Path(__file__).resolve().parents[1] / "resources" / "gd-explorer.png"
# viridis-like, dark (the minimum) to light, as the window's contour colours
LEVELS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#b5de2b"]


def draw(size: int = SIZE) -> Image.Image:
    """The icon at ``size`` pixels square (drawn at 4× and scaled down for smooth edges)."""
    k = 4
    big = size * k
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    pad = big * 0.04
    d.rounded_rectangle((pad, pad, big - pad, big - pad), radius=big * 0.16, fill="#fdfdfd")
    cx, cy = big * 0.56, big * 0.56
    tilt = math.radians(-35)
    for i, color in reversed(list(enumerate(LEVELS))):
        a, b = big * (0.10 + 0.085 * i), big * (0.035 + 0.03 * i)  # tall and skinny
        pts = [
            (
                cx + a * math.cos(t) * math.cos(tilt) - b * math.sin(t) * math.sin(tilt),
                cy + a * math.cos(t) * math.sin(tilt) + b * math.sin(t) * math.cos(tilt),
            )
            for t in (2 * math.pi * j / 180 for j in range(181))
        ]
        d.line(pts, fill=color, width=int(big * 0.022), joint="curve")
    # the descent: bouncing across the valley, down to the minimum
    path = [(0.14, 0.20), (0.40, 0.30), (0.27, 0.44), (0.50, 0.47), (0.42, 0.55), (0.56, 0.56)]
    path_px = [(x * big, y * big) for x, y in path]
    d.line(path_px, fill="#d62728", width=int(big * 0.03), joint="curve")
    r = big * 0.035
    x0, y0 = path_px[0]
    d.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill="#2ca02c")
    x1, y1 = path_px[-1]
    d.ellipse((x1 - r, y1 - r, x1 + r, y1 + r), fill="#ff7f0e")
    return img.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    draw().save(OUT)
    print(OUT)
