package dev.iris.common.vision;

import java.io.IOException;
import java.util.Objects;
import javax.imageio.IIOException;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An image stream over bytes in memory that stops a decoder which keeps reading past the end.
 * TwelveMonkeys' WebP bit reader treats end-of-data as more zero bits and carries on, so a short
 * crafted file can keep it decoding nothing for minutes (found by ImageDecoderFuzzTest). A real
 * decoder reads a few bytes past the end at most (look-ahead); after {@link #READS_PAST_END} such
 * reads this stream fails with an IIOException, which is not the EOFException the reader swallows.
 */
final class BoundedImageInputStream extends ImageInputStreamImpl {
    /** Reads at or past the end tolerated before giving up; look-ahead needs a handful. */
    static final int READS_PAST_END = 4096;

    private final byte[] data;
    private int readsPastEnd;

    BoundedImageInputStream(byte[] data) {
        this.data = data;
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        bitOffset = 0;
        if (streamPos >= data.length) {
            pastEnd();
            return -1;
        }
        return data[(int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkClosed();
        Objects.checkFromIndexSize(off, len, b.length);
        bitOffset = 0;
        if (len == 0) return 0;
        if (streamPos >= data.length) {
            pastEnd();
            return -1;
        }
        int n = (int) Math.min(len, data.length - streamPos);
        System.arraycopy(data, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return data.length;
    }

    private void pastEnd() throws IIOException {
        if (++readsPastEnd > READS_PAST_END) {
            throw new IIOException("the data ends early: the decoder read past its end " + READS_PAST_END + " times");
        }
    }
}
