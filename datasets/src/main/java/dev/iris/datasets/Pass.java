package dev.iris.datasets;

import dev.iris.api.spi.Dataset;
import java.util.NoSuchElementException;
import java.util.List;

/**
 * One pass over a dataset's files: reads ahead one example, counts skipped rows, and releases
 * its files as soon as the pass ends or is closed. Subclasses read and release.
 */
abstract class Pass implements Dataset.Examples {
    protected final SkipCounter skips = new SkipCounter();
    private Dataset.Example next;
    private boolean closed;

    /** The next usable example, or null at the end. */
    protected abstract Dataset.Example advance();

    /** Closes the files this pass holds; called once. */
    protected abstract void release();

    @Override
    public final boolean hasNext() {
        if (next == null && !closed) {
            next = advance();
            if (next == null) close(); // release the last file as soon as the pass is over
        }
        return next != null;
    }

    @Override
    public final Dataset.Example next() {
        if (!hasNext()) throw new NoSuchElementException();
        Dataset.Example e = next;
        next = null;
        return e;
    }

    @Override
    public final Dataset.Skips skips() {
        return skips.snapshot();
    }

    @Override
    public final List<Dataset.Skipped> drainSkipped() {
        return skips.drain();
    }

    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        next = null;
        release();
    }
}
