"""Stand-ins for what the demo has no real ones of: site photos, signatures and scanned documents."""

from __future__ import annotations

import io
import random

from PIL import Image
from PIL import ImageDraw


def photo(seed: int, caption: str) -> bytes:
    """A small synthetic site photo (the demo has no real ones)."""
    rnd = random.Random(seed)
    image = Image.new("RGB", (1280, 960), (rnd.randint(150, 210), rnd.randint(160, 210), rnd.randint(150, 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rnd.randint(0, 1000), rnd.randint(0, 700)
        draw.rectangle((x, y, x + rnd.randint(120, 380), y + rnd.randint(80, 300)),
                       fill=(rnd.randint(40, 250), rnd.randint(40, 250), rnd.randint(40, 250)))
    draw.rectangle((40, 860, 1240, 930), fill=(255, 255, 255))
    draw.text((60, 880), caption, fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def signature(seed: int) -> bytes:
    """A signature as signature_pad draws it: strokes on a transparent canvas."""
    rnd = random.Random(seed)
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    x, y = 60, 110
    for _ in range(14):
        nx, ny = x + rnd.randint(18, 40), 110 + rnd.randint(-55, 45)
        draw.line((x, y, nx, ny), fill=(17, 17, 17, 255), width=4)
        x, y = nx, ny
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


IPAD_USER_AGENT = ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                   "Version/17.5 Mobile/15E148 Safari/604.1")


def scan(seed: int) -> bytes:
    """A one-page PDF standing in for a scanned document."""
    rnd = random.Random(seed)
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    for line in range(30):
        y = 200 + line * 45
        draw.line((120, y, 120 + rnd.randint(600, 1000), y), fill=(60, 60, 60), width=6)
    draw.ellipse((850, 1400, 1100, 1650), outline=(200, 30, 30), width=10)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()
