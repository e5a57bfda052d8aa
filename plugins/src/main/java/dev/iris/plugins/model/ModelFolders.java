package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.runtime.safetensors.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The model folders Iris writes (exports, merges, quantized copies): new or empty, filled beside
 * their name and renamed at the end, so a failure leaves nothing half-written under it; and the
 * files they copy from a source model folder.
 */
public final class ModelFolders {
    private ModelFolders() {}

    /** What fills the temporary folder. */
    @FunctionalInterface
    public interface Filler<T> {
        T fill(Path folder) throws IOException;
    }

    /**
     * Runs {@code body} on a temporary sibling of {@code out}, then renames it to {@code out}.
     *
     * @param option the command-line option that named {@code out}, for the errors
     */
    public static <T> T writeNew(Path out, String option, Filler<T> body) {
        checkEmpty(out, option);
        Path tmp = out.toAbsolutePath().normalize().resolveSibling(out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            T result = body.fill(tmp);
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

    /**
     * Copies the files of a model folder other than its weights (config, tokenizer, generation
     * config, preprocessor); hidden entries (the weight cache) are left out.
     */
    public static void copyOtherFiles(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String n = f.getFileName().toString();
                if (n.startsWith(".") || n.endsWith(".safetensors") || n.equals(Safetensors.INDEX_FILE)) continue;
                Files.copy(f, to.resolve(n));
            }
        }
    }

    private static void checkEmpty(Path dir, String option) {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new IrisException(option + " " + dir + " is a file, not a folder");
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isPresent()) throw new IrisException(option + " " + dir + " is not empty: give a new folder");
        } catch (IOException e) {
            throw new IrisException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
