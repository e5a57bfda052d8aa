#!/usr/bin/python3
"""Writes the image-format golden files: small images of every kind the decoder reads, and what
Pillow's Image.open(f).convert("RGB") makes of each.

Run from this directory with Debian 12's Pillow (python3-pil 9.4.0, WebP support), ImageMagick 6
(imagemagick), ghostscript's ICC profiles (ghostscript), libjpeg-turbo's cjpeg (libjpeg-turbo-progs)
and gcc with libjpeg-turbo's headers (libjpeg62-turbo-dev):
    apt-get install -y python3-pil imagemagick ghostscript libjpeg-turbo-progs libjpeg62-turbo-dev gcc
    cd vision-common/src/test/resources/golden/formats && /usr/bin/python3 make_goldens.py

Deterministic: fixed seeds, gzip mtime 0.

formats.tsv, one decodable image per line:
    image_file  pil_format  pil_mode  rgb_pixels
rgb_pixels is a U8IM file (format: see ../make_golden.py) with PIL's convert("RGB") bytes.
broken.tsv, one file per line that Pillow refuses to decode:
    image_file  pillow_error
The fuzz test's seed corpus (../../dev/iris/common/vision/ImageDecoderFuzzTestInputs/) holds a copy of
every file here, written by this script too, and the inputs the fuzzer found (found_*).
"""
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, "..")
from make_golden import encode  # noqa: E402  (the U8IM writer)

from PIL import Image, ImageCms, ImageDraw, features  # noqa: E402

assert features.check("webp") and features.check("webp_anim"), "this Pillow has no WebP support"
CONVERT = "/usr/bin/convert-im6.q16"
SEEDS = "../../dev/iris/common/vision/ImageDecoderFuzzTestInputs/decoderOnlyThrowsInvalidImage"


def picture(w, h, seed):
    """Gradients, two shapes, hard edges and noise: something every decoder path has to get right."""
    rng = random.Random(seed)
    px = bytearray()
    for y in range(h):
        for x in range(w):
            n = rng.randrange(-20, 21)
            px += bytes((max(0, min(255, (x * 255) // max(1, w - 1) + n)),
                         max(0, min(255, (y * 255) // max(1, h - 1) - n)),
                         ((x * 37 + y * 91) ^ rng.getrandbits(5)) & 255))
    im = Image.frombytes("RGB", (w, h), bytes(px))
    d = ImageDraw.Draw(im)
    d.rectangle((w // 5, h // 4, w // 2, h // 2), fill=(250, 10, 20))
    d.ellipse((w // 2, h // 3, w - 2, h - 1), fill=(5, 200, 40), outline=(255, 255, 255))
    return im


def alpha(w, h, seed):
    rng = random.Random(seed)
    # 0 and 255 in stripes, everything between elsewhere
    return Image.frombytes("L", (w, h), bytes(
        0 if x % 5 == 0 else 255 if x % 5 == 1 else rng.getrandbits(8) for y in range(h) for x in range(w)))


def png(w, h, colour_type, depth, rows, plte=None, trns=None):
    """A PNG written by hand, for the bit depths and types Pillow cannot write. rows: lists of samples."""
    raw = bytearray()
    for row in rows:
        raw.append(0)
        if depth == 16:
            for v in row:
                raw += struct.pack(">H", v)
        elif depth == 8:
            raw += bytes(row)
        else:
            acc, n = 0, 0
            for v in row:
                acc = (acc << depth) | v
                n += depth
                if n == 8:
                    raw.append(acc)
                    acc, n = 0, 0
            if n:
                raw.append(acc << (8 - n))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 0))
    if plte is not None:
        out += chunk(b"PLTE", bytes(plte))
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    return out + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")


def grid(w, h, f):
    return [[v for x in range(w) for v in f(x, y)] for y in range(h)]


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def saved(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def magick(src, *args):
    """ImageMagick: src image (PIL) -> bytes, with args before the output name."""
    src.save("tmp_in.png")
    out = subprocess.run([CONVERT, "tmp_in.png", *args, "jpg:-"],
                         check=True, capture_output=True).stdout
    os.remove("tmp_in.png")
    return out


def magick_png(src, *args):
    src.save("tmp_in.png")
    out = subprocess.run([CONVERT, "tmp_in.png", *args, "-define", "png:exclude-chunks=date,time", "png:-"],
                         check=True, capture_output=True).stdout
    os.remove("tmp_in.png")
    return out


def ycck(cmyk):
    if not os.path.exists("ycck_jpeg"):
        subprocess.run(["gcc", "-O2", "-o", "ycck_jpeg", "ycck_jpeg.c", "-ljpeg"], check=True)
    # Photoshop stores CMYK inverted in Adobe JPEGs; do the same so Pillow reads back the original
    inverted = bytes(255 - v for v in cmyk.tobytes())
    out = subprocess.run(["./ycck_jpeg", str(cmyk.width), str(cmyk.height)], input=inverted,
                         check=True, capture_output=True).stdout
    os.remove("ycck_jpeg")
    return out


def cjpeg(im, *args):
    """libjpeg-turbo's cjpeg, for codings Pillow cannot ask for."""
    return subprocess.run(["cjpeg", *args], input=saved(im, "PPM"), check=True, capture_output=True).stdout


def undated(icc):
    """LittleCMS stamps a profile with the time it was made; a fixed date keeps the files reproducible."""
    icc = bytearray(icc)
    icc[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
    icc[84:100] = bytes(16)  # profile ID (an MD5 over the header) would no longer match: 0 = not computed
    return bytes(icc)


def exif_orientation(value):
    e = Image.Exif()
    e[0x0112] = value
    return e.tobytes()


def images():
    W, H = 13, 7
    rng = random.Random(7)
    pic = picture(W, H, 1)
    a = alpha(W, H, 2)
    rgba = pic.copy()
    rgba.putalpha(a)
    r16 = [[rng.randrange(65536) for _ in range(4 * W)] for _ in range(H)]

    # --- PNG ---
    yield "rgb16_13x7.png", png(W, H, 2, 16, [row[:3 * W] for row in r16])
    yield "rgba16_13x7.png", png(W, H, 6, 16, r16)
    # 16-bit grey: Pillow opens it as mode I and clips to 0..255 in convert("RGB"); half the values are small
    yield "grey16_13x7.png", png(W, H, 0, 16, grid(W, H, lambda x, y: [(x * 40 + y * 3) if x < 7 else rng.randrange(65536)]))
    yield "greyalpha16_13x7.png", png(W, H, 4, 16, grid(W, H, lambda x, y: [rng.randrange(65536), rng.randrange(65536)]))
    yield "grey8_13x7.png", saved(pic.convert("L"), "PNG")
    la = pic.convert("L")
    la.putalpha(a)
    yield "greyalpha8_13x7.png", saved(la, "PNG")
    yield "rgba8_13x7.png", saved(rgba, "PNG")
    for depth in (1, 2, 4):
        yield f"grey{depth}bit_13x7.png", png(W, H, 0, depth, grid(W, H, lambda x, y: [rng.randrange(1 << depth)]))
    yield "grey8_trns_13x7.png", png(W, H, 0, 8, grid(W, H, lambda x, y: [x * 19]), trns=[0, 38])
    yield "rgb8_trns_13x7.png", png(W, H, 2, 8, grid(W, H, lambda x, y: [x * 19, y * 30, 7]), trns=[0, 38, 0, 60, 0, 7])
    plte = [rng.getrandbits(8) for _ in range(3 * 256)]
    yield "palette8_13x7.png", png(W, H, 3, 8, grid(W, H, lambda x, y: [rng.randrange(256)]), plte=plte)
    yield "palette8_trns_13x7.png", png(W, H, 3, 8, grid(W, H, lambda x, y: [rng.randrange(256)]), plte=plte,
                                         trns=[rng.getrandbits(8) for _ in range(100)])
    yield "palette4_trns_13x7.png", png(W, H, 3, 4, grid(W, H, lambda x, y: [rng.randrange(16)]), plte=plte[:48],
                                         trns=[0, 128, 255])
    yield "palette1_13x7.png", png(W, H, 3, 1, grid(W, H, lambda x, y: [(x + y) % 2]), plte=[200, 10, 30, 0, 90, 250])
    # a palette of 5 colours addressed by 8-bit indices up to 255: Pillow reads the missing ones as black
    yield "palette_short_13x7.png", png(W, H, 3, 8, grid(W, H, lambda x, y: [(x * 20 + y) % 256]), plte=plte[:15])

    # --- other formats the JDK reads ---
    yield "palette_trns_13x7.gif", saved(pic.quantize(16), "GIF", transparency=3)
    frames = [pic.quantize(32), picture(W, H, 9).quantize(32)]
    yield "animated_13x7.gif", saved(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    yield "rgb_13x7.bmp", saved(pic, "BMP")
    yield "palette_13x7.bmp", saved(pic.quantize(40), "BMP")
    yield "rgb_13x7.tif", saved(pic, "TIFF")
    yield "cmyk_13x7.tif", saved(pic.convert("CMYK"), "TIFF")
    yield "grey16_13x7.tif", saved(Image.frombytes("I;16", (W, H), bytes(rng.getrandbits(8) for _ in range(2 * W * H))), "TIFF")
    yield "interlaced_13x7.png", magick_png(rgba, "-interlace", "PNG")

    # --- WebP ---
    yield "lossless_13x7.webp", saved(pic, "WEBP", lossless=True)
    yield "lossless_alpha_13x7.webp", saved(rgba, "WEBP", lossless=True, exact=True)
    yield "lossy_29x19.webp", saved(picture(29, 19, 3), "WEBP", quality=80)
    big = picture(29, 19, 4)
    big.putalpha(alpha(29, 19, 5))
    yield "lossy_alpha_29x19.webp", saved(big, "WEBP", quality=80)
    # a smoother picture (the photo of ../, reduced) for figures closer to real photos than the noisy ones
    smooth = Image.open("../photo_640x480.jpg").convert("RGB").resize((96, 72), Image.BICUBIC)
    yield "lossy_photo_96x72.webp", saved(smooth, "WEBP", quality=80)
    yield "q90_440_photo_96x72.jpg", cjpeg(smooth, "-sample", "1x2,1x1,1x1", "-quality", "90")
    yield "animated_lossless_13x7.webp", saved(pic, "WEBP", lossless=True, save_all=True,
                                               append_images=[picture(W, H, 6)], duration=100)
    yield "animated_lossy_29x19.webp", saved(picture(29, 19, 8), "WEBP", quality=75, save_all=True,
                                             append_images=[picture(29, 19, 6)], duration=100)

    # --- JPEG ---
    photo = picture(29, 19, 10)
    yield "q90_420_29x19.jpg", saved(photo, "JPEG", quality=90)
    yield "q90_444_29x19.jpg", saved(photo, "JPEG", quality=90, subsampling=0)
    yield "q90_422_29x19.jpg", saved(photo, "JPEG", quality=90, subsampling=1)
    yield "progressive_29x19.jpg", saved(photo, "JPEG", quality=85, progressive=True)
    yield "grey_29x19.jpg", saved(photo.convert("L"), "JPEG", quality=90)
    # RGB stored without the YCbCr transform (Adobe marker, transform 0), and 4:4:0 chroma
    yield "rgb_adobe_29x19.jpg", cjpeg(photo, "-rgb", "-quality", "90")
    yield "q90_440_29x19.jpg", cjpeg(photo, "-sample", "1x2,1x1,1x1", "-quality", "90")
    cmyk = photo.convert("CMYK")
    # Pillow stores CMYK inverted with an Adobe marker, as Photoshop does
    yield "cmyk_pillow_29x19.jpg", saved(cmyk, "JPEG", quality=90)
    # ImageMagick writes CMYK JPEGs as Adobe YCCK (transform 2)
    yield "ycck_magick_29x19.jpg", magick(photo, "-colorspace", "CMYK", "-quality", "90")
    yield "ycck_29x19.jpg", ycck(cmyk)
    lab = undated(ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes())
    srgb = undated(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    # ICC profiles that lie: a Lab profile on an RGB picture, an sRGB one on a CMYK picture, bytes that are no profile
    yield "icc_lab_on_rgb_29x19.jpg", saved(photo, "JPEG", quality=90, icc_profile=lab)
    yield "icc_srgb_on_cmyk_29x19.jpg", saved(cmyk, "JPEG", quality=90, icc_profile=srgb)
    yield "icc_garbage_29x19.jpg", saved(photo, "JPEG", quality=90, icc_profile=b"not a profile" * 10)
    truncated_icc = saved(photo, "JPEG", quality=90, icc_profile=srgb[:200])
    yield "icc_truncated_29x19.jpg", truncated_icc
    # APP2 says chunk 1 of 3 but there is only one chunk: Pillow drops the profile
    yield "icc_chunk_count_29x19.jpg", truncated_icc.replace(b"ICC_PROFILE\x00\x01\x01", b"ICC_PROFILE\x00\x01\x03", 1)
    # profiles that tell the truth but are not sRGB: Pillow still ignores them, so must the decoder
    gs = "/usr/share/color/icc/ghostscript/"
    yield "icc_a98_29x19.jpg", saved(photo, "JPEG", quality=90, icc_profile=open(gs + "a98.icc", "rb").read())
    yield "icc_cmyk_profile_29x19.jpg", saved(cmyk, "JPEG", quality=90, icc_profile=open(gs + "ps_cmyk.icc", "rb").read())
    yield "icc_grey_29x19.jpg", saved(photo.convert("L"), "JPEG", quality=90, icc_profile=open(gs + "sgray.icc", "rb").read())
    # EXIF orientation 6 (rotate 90): convert("RGB") does not apply it
    yield "exif_rotate_29x19.jpg", saved(photo, "JPEG", quality=90, exif=exif_orientation(6))


def broken(decodable):
    """Files Pillow refuses; the decoder must refuse them too, with InvalidImageException."""
    jpg = decodable["q90_420_29x19.jpg"]
    yield "truncated_29x19.jpg", jpg[: len(jpg) * 2 // 3]
    cm = decodable["cmyk_pillow_29x19.jpg"]
    yield "truncated_cmyk_29x19.jpg", cm[: len(cm) * 2 // 3]
    prog = decodable["progressive_29x19.jpg"]
    yield "truncated_progressive_29x19.jpg", prog[: len(prog) // 2]
    yield "truncated_13x7.png", decodable["rgb16_13x7.png"][:-40]
    webp = decodable["lossy_29x19.webp"]
    yield "truncated_29x19.webp", webp[: len(webp) // 2]
    ll = decodable["lossless_alpha_13x7.webp"]
    yield "truncated_lossless_13x7.webp", ll[: len(ll) // 2]
    # cut so little that a Java decoder still finds a whole picture (or first frame); libwebp refuses
    yield "truncated_tail_13x7.webp", ll[: len(ll) * 95 // 100]
    an = decodable["animated_lossy_29x19.webp"]
    yield "truncated_animated_29x19.webp", an[: len(an) * 4 // 5]
    yield "no_eoi_29x19.jpg", jpg[:-2]
    # an AVIF's first box; no Java reader knows it
    yield "header_only.avif", struct.pack(">I", 28) + b"ftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(64)
    yield "garbage.bin", bytes(random.Random(3).getrandbits(8) for _ in range(300))


def pillow_rgb(name):
    with Image.open(name) as im:
        fmt, mode = im.format, im.mode
        rgb = im.convert("RGB")
    return fmt, mode, rgb


def main():
    decodable = dict(images())
    rows = []
    for name, data in decodable.items():
        write(name, data)
        fmt, mode, rgb = pillow_rgb(name)
        pixels = name.rsplit(".", 1)[0] + "." + name.rsplit(".", 1)[1] + ".rgb.u8.gz"
        write(pixels, encode(rgb))
        rows.append(f"{name}\t{fmt}\t{mode}\t{pixels}")
    bad = []
    for name, data in broken(decodable):
        write(name, data)
        try:
            pillow_rgb(name)
            raise SystemExit(f"{name}: Pillow decodes it, it does not belong in broken.tsv")
        except (OSError, SyntaxError, ValueError) as e:  # UnidentifiedImageError is an OSError
            bad.append(f"{name}\t{type(e).__name__}: {str(e).replace(chr(9), ' ')}")
    write("formats.tsv", ("\n".join(rows) + "\n").encode())
    write("broken.tsv", ("\n".join(bad) + "\n").encode())
    write("VERSION.txt", f"Pillow {Image.__version__}, libjpeg-turbo {features.version_feature('libjpeg_turbo')}, "
                         f"libwebp {features.version('webp')}, Python {sys.version.split()[0]}\n".encode())
    # seed corpus for the fuzz target: every file above (inputs the fuzzer found, found_*, stay)
    os.makedirs(SEEDS, exist_ok=True)
    for name in list(decodable) + [n for n, _ in broken(decodable)]:
        shutil.copy(name, os.path.join(SEEDS, name))


if __name__ == "__main__":
    main()
