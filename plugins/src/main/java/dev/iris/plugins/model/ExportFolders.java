package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;

/** The folder an export writes: new or empty, filled beside it and renamed at the end, so a failure leaves nothing half-written under its name. */
final class ExportFolders {
    private ExportFolders() {}

    static void checkEmpty(Path dir) {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new IrisException("--out " + dir + " is a file, not a folder");
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isPresent()) throw new IrisException("--out " + dir + " is not empty: give a new folder");
        } catch (IOException e) {
            throw new IrisException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code body} on a temporary sibling of {@code out}, then renames it to {@code out}. */
    static <T> T writeAtomically(Path out, Function<Path, T> body) {
        checkEmpty(out);
        Path tmp = out.toAbsolutePath().normalize().resolveSibling(out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            deleteRecursively(tmp);
            T result = body.apply(tmp);
            if (Files.exists(out)) Files.delete(out);   // empty, checked above
            Files.move(tmp, out);
            return result;
        } catch (IOException e) {
            throw new IrisException("cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            try {
                deleteRecursively(tmp);
            } catch (IOException ignored) {
                // left behind only when it cannot be deleted; the error above says what failed
            }
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
