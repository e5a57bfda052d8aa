#!/usr/bin/python3
"""Golden files for CLIPImageProcessor's geometry: shortest-edge resize, then center crop.

Run from this directory with Debian's Pillow (python3-pil 9.4.0):
    cd vision-common/src/test/resources/golden/clip && /usr/bin/python3 make_clip_golden.py

Deterministic (fixed seed, gzip mtime 0). Pixel files use make_golden.py's U8IM format.

cases.tsv, one case per line:
    case  input_png  shortest_edge  crop_height  crop_width  resized_width  resized_height  expected_pixels

The output size follows transformers' get_resize_output_image_size(default_to_square=False):
the short side becomes shortest_edge, the long side int(shortest_edge * long / short); the
resize is PIL's Image.resize(..., BICUBIC) on the RGB image; the crop follows
transformers.image_transforms.center_crop: top = (H - h) // 2, left = (W - w) // 2, and where the
image is smaller than the crop it sits at ceil((h - H) / 2) on a zero (black) canvas.
"""
import math
import os
import random
import sys

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)) + "/..")
from make_golden import BICUBIC, gradient_shapes, write_pixels  # noqa: E402


def resized_size(w, h, edge):
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(edge * long / short)
    return (edge, new_long) if w <= h else (new_long, edge)


def center_crop(img, ch, cw):
    w, h = img.size
    top, left = (h - ch) // 2, (w - cw) // 2
    if top >= 0 and left >= 0 and top + ch <= h and left + cw <= w:
        return img.crop((left, top, left + cw, top + ch))
    nh, nw = max(ch, h), max(cw, w)
    canvas = Image.new("RGB", (nw, nh), (0, 0, 0))
    tp, lp = math.ceil((nh - h) / 2), math.ceil((nw - w) / 2)
    canvas.paste(img, (lp, tp))
    top, left = top + tp, left + lp
    box = (max(0, left), max(0, top), min(nw, left + cw), min(nh, top + ch))
    return canvas.crop(box)


def main():
    rng = random.Random(20261205)
    images = {}
    for w, h in [(60, 40), (401, 299), (224, 500)]:
        name = "shapes_%dx%d.png" % (w, h)
        gradient_shapes(rng, w, h).save(name, "PNG")
        images[name] = Image.open(name).convert("RGB")
    cases = [
        ("shapes_60x40", "shapes_60x40.png", 224, 224, 224),      # upscaled: 336x224, crop left 56
        ("shapes_401x299", "shapes_401x299.png", 224, 224, 224),  # 300x224, crop left 38
        ("shapes_224x500", "shapes_224x500.png", 224, 224, 224),  # portrait, already 224 wide: 224x500, top 138
        ("shapes_401x299_336", "shapes_401x299.png", 336, 336, 336),  # LLaVA-1.5's size: 450x336
        ("shapes_401x299_pad", "shapes_401x299.png", 200, 224, 224),  # 268x200: rows padded (12 above)
        ("shapes_60x40_odd", "shapes_60x40.png", 64, 63, 61),     # odd differences both ways
    ]
    with open("cases.tsv", "w") as out:
        for case, src, edge, ch, cw in cases:
            img = images[src]
            rw, rh = resized_size(img.size[0], img.size[1], edge)
            crop = center_crop(img.resize((rw, rh), resample=BICUBIC), ch, cw)
            assert crop.size == (cw, ch), crop.size
            pix = case + "_crop.u8.gz"
            write_pixels(pix, crop)
            out.write("\t".join(map(str, (case, src, edge, ch, cw, rw, rh, pix))) + "\n")
    with open("VERSION.txt", "w") as f:
        import PIL
        f.write("Pillow %s, Python %d.%d.%d\n" % ((PIL.__version__,) + sys.version_info[:3]))


if __name__ == "__main__":
    main()
