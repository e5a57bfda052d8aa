package dev.iris.common.vision;

import dev.iris.api.IrisException;
import java.nio.charset.StandardCharsets;

/**
 * What libjpeg looks at, before the scan data, to decide how a JPEG's components are coded: the
 * JFIF and Adobe markers and the frame's component ids. Read from the bytes so the decision does
 * not depend on what an ImageIO plugin makes of them.
 *
 * @param jfif whether an APP0 "JFIF" marker was seen
 * @param adobeTransform the APP14 "Adobe" marker's transform, or -1 without that marker
 * @param componentIds the frame's component ids, in order (empty if no frame header was found)
 */
record JpegHeader(boolean jfif, int adobeTransform, int[] componentIds) {

    /** How the samples are coded, decided as libjpeg-turbo 2.1 decides it (jdapimin.c). */
    enum Coding { GREY, YCBCR, RGB, CMYK, YCCK }

    static JpegHeader parse(byte[] b) {
        boolean jfif = false;
        int adobe = -1;
        int[] ids = new int[0];
        int at = 2; // after SOI
        while (at + 4 <= b.length) {
            if ((b[at] & 0xff) != 0xff) return new JpegHeader(jfif, adobe, ids); // not a marker: stop looking
            int marker = b[at + 1] & 0xff;
            if (marker == 0xff) { // fill byte
                at++;
                continue;
            }
            if (marker == 0xd8 || marker == 0x01 || marker >= 0xd0 && marker <= 0xd7) { // no length
                at += 2;
                continue;
            }
            if (marker == 0xda || marker == 0xd9) break; // start of scan or end of image
            int length = (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
            int data = at + 4, dataLength = length - 2;
            if (dataLength < 0 || data + dataLength > b.length) break;
            if (marker == 0xe0 && dataLength >= 14 && ascii(b, data, 5).equals("JFIF\0")) jfif = true;
            if (marker == 0xee && dataLength >= 12 && ascii(b, data, 5).equals("Adobe")) adobe = b[data + 11] & 0xff;
            if (isStartOfFrame(marker) && dataLength >= 6) {
                int n = b[data + 5] & 0xff;
                if (dataLength >= 6 + 3 * n) {
                    ids = new int[n];
                    for (int i = 0; i < n; i++) ids[i] = b[data + 6 + 3 * i] & 0xff;
                }
            }
            at = data + dataLength;
        }
        return new JpegHeader(jfif, adobe, ids);
    }

    /** The coding of {@code components} samples (the decoder's own count, which is what it will hand over). */
    Coding coding(int components) {
        return switch (components) {
            case 1 -> Coding.GREY;
            case 3 -> {
                if (jfif) yield Coding.YCBCR;
                if (adobeTransform >= 0) yield adobeTransform == 0 ? Coding.RGB : Coding.YCBCR;
                // no marker: libjpeg guesses from the ids; 'R', 'G', 'B' means RGB, anything else YCbCr
                yield componentIds.length == 3 && componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B'
                        ? Coding.RGB : Coding.YCBCR;
            }
            case 4 -> adobeTransform == -1 || adobeTransform == 0 ? Coding.CMYK : Coding.YCCK;
            default -> throw new IrisException("JPEG with " + components
                    + " components (Pillow reads 1 for grey, 3 for colour, 4 for CMYK)");
        };
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    }

    private static String ascii(byte[] b, int from, int n) {
        return new String(b, from, n, StandardCharsets.ISO_8859_1);
    }
}
