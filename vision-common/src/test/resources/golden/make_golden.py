#!/usr/bin/python3
"""Writes the golden files for PillowResize / ImageProcessor tests.

Run from this directory with Debian's Pillow (python3-pil 9.4.0):
    cd vision-common/src/test/resources/golden && /usr/bin/python3 make_golden.py

Everything is deterministic (fixed seeds, gzip mtime 0), so rerunning with the same
Pillow reproduces the files byte for byte.

Pixel files (*.u8.gz) are gzip of: b"U8IM", then width, height, channels as uint32
little-endian, then the interleaved uint8 pixels (row-major, HWC) stored as residuals
r = (p - pred) mod 256, pred = floor((left + up) / 2) inside the image, left on the first
row, up in the first column, 0 at the origin. Prediction only makes them compress well;
the decoded values are exactly PIL's.

cases.tsv: one resize case per line:
    case  input_pixels  out_width  out_height  pil_filter  expected_pixels
inputs.tsv: one input image per line:
    image_file  pil_mode  rgb_pixels   (PIL's Image.open(f).convert("RGB"))
"""
import gzip
import random
import struct
import sys

import PIL
from PIL import Image, ImageDraw

NEAREST, LANCZOS, BILINEAR, BICUBIC, BOX, HAMMING = 0, 1, 2, 3, 4, 5


def encode(img):
    w, h = img.size
    raw = img.tobytes()
    c = len(raw) // (w * h)
    rs = w * c
    out = bytearray(len(raw))
    for y in range(h):
        base = y * rs
        for i in range(rs):
            j = base + i
            if y > 0 and i >= c:
                pred = (raw[j - c] + raw[j - rs]) >> 1
            elif i >= c:
                pred = raw[j - c]
            elif y > 0:
                pred = raw[j - rs]
            else:
                pred = 0
            out[j] = (raw[j] - pred) & 255
    return gzip.compress(b"U8IM" + struct.pack("<3I", w, h, c) + bytes(out), 9, mtime=0)


def write_pixels(name, img):
    with open(name, "wb") as f:
        f.write(encode(img))


def noise(rng, w, h, mode="RGB"):
    n = w * h * len(mode)
    return Image.frombytes(mode, (w, h), bytes(rng.getrandbits(8) for _ in range(n)))


def gradient_shapes(rng, w, h, lines=True):
    px = bytearray()
    for y in range(h):
        for x in range(w):
            px += bytes(((x * 255) // w, (y * 255) // h, ((x + y) * 255) // (w + h)))
    im = Image.frombytes("RGB", (w, h), bytes(px))
    d = ImageDraw.Draw(im)
    for i in range(max(6, (w * h) // 12000)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(4, max(5, w // 3)), y0 + rng.randrange(4, max(5, h // 3))
        fill = (rng.getrandbits(8), rng.getrandbits(8), rng.getrandbits(8))
        (d.ellipse if i % 2 else d.rectangle)((x0, y0, x1, y1), fill=fill, outline=(255, 255, 255))
    # hard one-pixel lines: worst case for ringing and clipping at 0/255
    for x in range(0, w if lines else 0, 9):
        d.line((x, 0, x, h // 5), fill=(0, 0, 0) if x % 2 else (255, 255, 255))
    return im


def main():
    rng = random.Random(20240229)
    inputs = []  # (file, mode, rgb name, PIL RGB image)

    def add_png(name, img):
        img.save(name, "PNG")
        reread = Image.open(name)
        rgb = reread.convert("RGB")
        pix = name.rsplit(".", 1)[0] + ".rgb.u8.gz"
        write_pixels(pix, rgb)
        inputs.append((name, reread.mode, pix))
        return pix, rgb

    noise_pix, noise_rgb = add_png("noise_37x23.png", noise(rng, 37, 23))
    shapes_pix, shapes_rgb = add_png("shapes_300x200.png", gradient_shapes(rng, 300, 200))
    tiny_pix, tiny_rgb = add_png("tiny_8x8.png", noise(rng, 8, 8))
    grey_pix, _ = add_png("grey_96x64.png", gradient_shapes(rng, 96, 64).convert("L"))
    rgba = gradient_shapes(rng, 50, 70).convert("RGBA")
    rgba.putalpha(noise(rng, 50, 70, "L"))
    rgba_pix, _ = add_png("rgba_50x70.png", rgba)
    la = gradient_shapes(rng, 33, 21).convert("LA")
    la.putalpha(noise(rng, 33, 21, "L"))
    la_pix, _ = add_png("la_33x21.png", la)
    pal = gradient_shapes(rng, 40, 30).quantize(colors=23)
    pal.info["transparency"] = 5
    pal_pix, _ = add_png("palette_40x30.png", pal)
    # 16-bit grey opens as mode "I"; Pillow's convert("RGB") clips it to 0..255 (no scaling)
    g16 = Image.frombytes("I;16", (20, 15), b"".join(
        struct.pack("<H", (x * 97 + y * 13) * ((x + y) % 3 + 1)) for y in range(15) for x in range(20)))
    g16_pix, _ = add_png("grey16_20x15.png", g16)

    photo = gradient_shapes(rng, 640, 480, lines=False)
    photo.save("photo_640x480.jpg", "JPEG", quality=90)
    photo_dec = Image.open("photo_640x480.jpg").convert("RGB")
    photo_pix = "photo_640x480.decoded.rgb.u8.gz"
    write_pixels(photo_pix, photo_dec)
    inputs.append(("photo_640x480.jpg", "RGB", photo_pix))

    cases = [
        ("noise_224_bicubic", noise_pix, noise_rgb, 224, 224, BICUBIC),
        ("noise_100x13_bicubic", noise_pix, noise_rgb, 100, 13, BICUBIC),
        ("noise_90x70_bilinear", noise_pix, noise_rgb, 90, 70, BILINEAR),
        ("noise_53x41_nearest", noise_pix, noise_rgb, 53, 41, NEAREST),
        ("shapes_224_bicubic", shapes_pix, shapes_rgb, 224, 224, BICUBIC),
        ("shapes_160x96_bicubic", shapes_pix, shapes_rgb, 160, 96, BICUBIC),
        ("shapes_17x11_bicubic", shapes_pix, shapes_rgb, 17, 11, BICUBIC),
        ("shapes_300x150_bicubic", shapes_pix, shapes_rgb, 300, 150, BICUBIC),  # vertical pass only
        ("shapes_120x200_bicubic", shapes_pix, shapes_rgb, 120, 200, BICUBIC),  # horizontal pass only
        ("shapes_300x200_bicubic", shapes_pix, shapes_rgb, 300, 200, BICUBIC),  # same size: copy
        ("shapes_224_bilinear", shapes_pix, shapes_rgb, 224, 224, BILINEAR),
        ("shapes_97x61_nearest", shapes_pix, shapes_rgb, 97, 61, NEAREST),
        ("shapes_131x77_lanczos", shapes_pix, shapes_rgb, 131, 77, LANCZOS),
        ("shapes_131x77_box", shapes_pix, shapes_rgb, 131, 77, BOX),
        ("shapes_131x77_hamming", shapes_pix, shapes_rgb, 131, 77, HAMMING),
        ("tiny_224_bicubic", tiny_pix, tiny_rgb, 224, 224, BICUBIC),
        ("tiny_29x19_nearest", tiny_pix, tiny_rgb, 29, 19, NEAREST),
        ("photo_224_bicubic", photo_pix, photo_dec, 224, 224, BICUBIC),
    ]
    for f, _, pix in inputs[3:8]:
        rgb = Image.open(f).convert("RGB")
        cases.append((f.split("_")[0] + "_224_bicubic", pix, rgb, 224, 224, BICUBIC))

    with open("cases.tsv", "w") as out:
        for name, pix, rgb, w, h, flt in cases:
            exp = name + ".u8.gz"
            write_pixels(exp, rgb.resize((w, h), resample=flt))
            out.write(f"{name}\t{pix}\t{w}\t{h}\t{flt}\t{exp}\n")
    with open("inputs.tsv", "w") as out:
        for f, mode, pix in inputs:
            out.write(f"{f}\t{mode}\t{pix}\n")

    # Many small random cases: odd sizes, 1-pixel edges, every filter, up and down.
    fz = bytearray()
    count = 0
    for i in range(60):
        sw, sh = rng.randint(1, 36), rng.randint(1, 36)
        dw, dh = rng.randint(1, 48), rng.randint(1, 48)
        flt = (NEAREST, LANCZOS, BILINEAR, BICUBIC, BOX, HAMMING)[i % 6]
        src = noise(rng, sw, sh) if i % 2 else gradient_shapes(rng, max(sw, 12), max(sh, 12)).resize((sw, sh), NEAREST)
        dst = src.resize((dw, dh), resample=flt)
        fz += struct.pack("<5I", sw, sh, dw, dh, flt) + src.tobytes() + dst.tobytes()
        count += 1
    with open("fuzz.bin.gz", "wb") as f:
        f.write(gzip.compress(struct.pack("<I", count) + bytes(fz), 9, mtime=0))

    with open("VERSION.txt", "w") as f:
        f.write(f"Pillow {PIL.__version__}, Python {sys.version.split()[0]}\n")


if __name__ == "__main__":
    main()
