package dev.iris.api.spi;

import java.util.Iterator;

/** A stream of image–caption examples; never loads the whole dataset. */
public interface Dataset {
    /** Opens a fresh pass over the examples. The caller closes it. */
    Examples open();

    /** One pass: an iterator that holds files open until closed. */
    interface Examples extends Iterator<Example>, AutoCloseable {
        @Override
        void close();
    }

    /** An image with its caption. {@code image} holds the encoded file bytes (PNG, JPEG). */
    record Example(String id, String caption, byte[] image) {}
}
