package dev.iris.common.vision;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads the files written by src/test/resources/golden/make_golden.py (format described there). */
final class Golden {
    private Golden() {}

    /** Decoded pixels: interleaved uint8, {@code channels} per pixel. */
    record Pixels(int width, int height, int channels, byte[] data) {}

    record Case(String name, String input, int width, int height, Resample filter, String expected) {}

    record Input(String file, String pilMode, String rgbPixels) {}

    /** One line of formats/formats.tsv: an image file and PIL's convert("RGB") of it. */
    record Format(String file, String pilFormat, String pilMode, String rgbPixels) {
        @Override
        public String toString() {
            return file + " (PIL " + pilFormat + " " + pilMode + ")";
        }
    }

    /** One line of formats/broken.tsv: a file Pillow refuses, and Pillow's error. */
    record Broken(String file, String pillowError) {}

    static Path dir() {
        try {
            return Path.of(Golden.class.getResource("/golden/cases.tsv").toURI()).getParent();
        } catch (Exception e) {
            throw new IllegalStateException("golden files not on the test class path", e);
        }
    }

    static Path file(String name) {
        return dir().resolve(name);
    }

    static byte[] gunzip(String name) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file(name)))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Pixels pixels(String name) {
        ByteBuffer b = ByteBuffer.wrap(gunzip(name)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!new String(magic, StandardCharsets.US_ASCII).equals("U8IM")) throw new IllegalStateException(name + ": bad magic");
        int w = b.getInt(), h = b.getInt(), c = b.getInt();
        byte[] res = new byte[w * h * c];
        b.get(res);
        if (b.hasRemaining()) throw new IllegalStateException(name + ": trailing bytes");
        // undo the (left + up) / 2 prediction
        byte[] p = new byte[res.length];
        int rs = w * c;
        for (int y = 0; y < h; y++) {
            for (int i = 0; i < rs; i++) {
                int j = y * rs + i;
                int pred;
                if (y > 0 && i >= c) pred = ((p[j - c] & 0xff) + (p[j - rs] & 0xff)) >> 1;
                else if (i >= c) pred = p[j - c] & 0xff;
                else if (y > 0) pred = p[j - rs] & 0xff;
                else pred = 0;
                p[j] = (byte) (res[j] + pred);
            }
        }
        return new Pixels(w, h, c, p);
    }

    static RgbImage rgb(String name) {
        Pixels p = pixels(name);
        if (p.channels() != 3) throw new IllegalStateException(name + " has " + p.channels() + " channels");
        return RgbImage.of(p.width(), p.height(), p.data());
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (String[] f : tsv("cases.tsv")) {
            out.add(new Case(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                    Resample.fromPilCode(Integer.parseInt(f[4])), f[5]));
        }
        return out;
    }

    static List<Input> inputs() {
        List<Input> out = new ArrayList<>();
        for (String[] f : tsv("inputs.tsv")) out.add(new Input(f[0], f[1], f[2]));
        return out;
    }

    static List<Format> formats() {
        List<Format> out = new ArrayList<>();
        for (String[] f : tsv("formats/formats.tsv")) out.add(new Format("formats/" + f[0], f[1], f[2], "formats/" + f[3]));
        return out;
    }

    static List<Broken> broken() {
        List<Broken> out = new ArrayList<>();
        for (String[] f : tsv("formats/broken.tsv")) out.add(new Broken("formats/" + f[0], f[1]));
        return out;
    }

    private static List<String[]> tsv(String name) {
        try {
            List<String[]> rows = new ArrayList<>();
            for (String line : Files.readAllLines(file(name))) {
                if (!line.isBlank()) rows.add(line.split("\t"));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One random case of fuzz.bin.gz: RGB source and Pillow's result. */
    record Fuzz(int index, int sw, int sh, int dw, int dh, Resample filter, byte[] src, byte[] expected) {
        @Override
        public String toString() {
            return "#" + index + " " + sw + "x" + sh + " -> " + dw + "x" + dh + " " + filter;
        }
    }

    static List<Fuzz> fuzz() {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(gunzip("fuzz.bin.gz")))) {
            int n = Integer.reverseBytes(in.readInt());
            List<Fuzz> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int sw = Integer.reverseBytes(in.readInt()), sh = Integer.reverseBytes(in.readInt());
                int dw = Integer.reverseBytes(in.readInt()), dh = Integer.reverseBytes(in.readInt());
                Resample f = Resample.fromPilCode(Integer.reverseBytes(in.readInt()));
                byte[] src = new byte[sw * sh * 3];
                byte[] dst = new byte[dw * dh * 3];
                in.readFully(src);
                in.readFully(dst);
                out.add(new Fuzz(i, sw, sh, dw, dh, f, src, dst));
            }
            if (in.read() != -1) throw new IllegalStateException("fuzz.bin.gz: trailing bytes");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Number of differing bytes. */
    static int diff(byte[] a, byte[] b) {
        if (a.length != b.length) return Math.max(a.length, b.length);
        int d = 0;
        for (int i = 0; i < a.length; i++) if (a[i] != b[i]) d++;
        return d;
    }
}
