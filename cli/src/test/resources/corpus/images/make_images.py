"""Writes the image files of Iris's test corpus that the JDK cannot write: WebP (lossy and
lossless) and CMYK JPEG (Adobe), with Pillow's RGB reading of each (<file>.rgb: raw bytes,
32 rows of 32 RGB pixels) as the golden a decoder must match. Each image is a 32x32 dark
"scan" with one bright round lesion; the corpus generator puts them in rows whose captions
say where the lesion is.
Usage (see ../independent/README.md): /usr/bin/python3 make_images.py OUT_DIR   (Pillow 9.4, Debian's python3-pil)
"""
import sys
from pathlib import Path
from PIL import Image, ImageDraw

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
out.mkdir(parents=True, exist_ok=True)


def scan(cx, cy, r, colour):
    img = Image.new("RGB", (32, 32))
    px = img.load()
    for y in range(32):
        for x in range(32):
            v = 20 + (x * 7 + y * 3) % 11
            px[x, y] = (v, v, v + 5)
    ImageDraw.Draw(img).ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    return img


# upper left, lower right, upper right: the captions in CorpusGenerator name these places
scan(9, 9, 6, (240, 220, 200)).save(out / "lesion-upper-left-lossy.webp", "WEBP", quality=80, method=6)
scan(23, 23, 6, (220, 240, 210)).save(out / "lesion-lower-right-lossless.webp", "WEBP", lossless=True)
scan(23, 9, 6, (250, 230, 120)).convert("CMYK").save(out / "lesion-upper-right-cmyk.jpg", "JPEG", quality=90)
# Pillow's own reading of each file, as the reference a decoder must match: raw RGB bytes, row by row
for name in ("lesion-upper-left-lossy.webp", "lesion-lower-right-lossless.webp", "lesion-upper-right-cmyk.jpg"):
    (out / (name + ".rgb")).write_bytes(Image.open(out / name).convert("RGB").tobytes())
print("wrote 3 images and their RGB references to", out)
