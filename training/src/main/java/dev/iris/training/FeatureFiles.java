package dev.iris.training;

import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The files of the feature cache: one {@code <key>.f32} per image under a two-letter folder of
 * the cache folder, each written to a temporary file and renamed, so a reader never sees half a
 * file. A failure names the cache folder as the feature cache and how to move it: the cache
 * often lives beside the run folder, and "disk full" there is not a problem with the run.
 */
final class FeatureFiles {
    /** Writes the bytes of one file; a seam so tests can fail a write as a full disk does. */
    interface Writer {
        void write(Path file, byte[] bytes) throws IOException;
    }

    private final Path dir;
    private final Writer writer;

    FeatureFiles(Path dir) {
        this(dir, Files::write);
    }

    FeatureFiles(Path dir, Writer writer) {
        this.dir = dir;
        this.writer = writer;
    }

    Path dir() {
        return dir;
    }

    Path file(String key) {
        return dir.resolve(key.substring(0, 2)).resolve(key + ".f32");
    }

    /** The stored bytes of a key, or null when there are none of {@code expectedBytes} (absent, stale or foreign). */
    byte[] read(String key, long expectedBytes) {
        Path f = file(key);
        if (!Files.isRegularFile(f)) return null;
        try {
            if (Files.size(f) != expectedBytes) return null;   // recomputed and replaced
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw problem("cannot read", f, e);
        }
    }

    /** Whether a file of {@code expectedBytes} is stored for the key. */
    boolean has(String key, long expectedBytes) {
        Path f = file(key);
        try {
            return Files.isRegularFile(f) && Files.size(f) == expectedBytes;
        } catch (IOException e) {
            throw problem("cannot read", f, e);
        }
    }

    void write(String key, byte[] bytes) {
        Path f = file(key);
        Path tmp = null;
        try {
            Files.createDirectories(f.getParent());
            tmp = Files.createTempFile(f.getParent(), f.getFileName().toString(), ".tmp");
            writer.write(tmp, bytes);
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);   // no half-written file left to fill the disk further
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw problem("cannot write to", f, e);
        }
    }

    private IrisException problem(String what, Path f, IOException e) {
        return new IrisException(what + " the feature cache " + dir + " (the frozen vision features of the training images;"
                + " set train.feature_cache to put it on another disk): " + reason(e) + " (" + f + ")", e);
    }

    /** The operating system's reason, e.g. "No space left on device", rather than only the file name. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException fs && fs.getReason() != null) return fs.getReason();
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
