package dev.iris.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The files this process holds open, read from /proc/self/fd (Linux). */
public final class OpenFiles {
    private OpenFiles() {}

    /** The open files under {@code dir}, or null where /proc/self/fd is not available. */
    public static List<Path> under(Path dir) {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) return null;
        Path root;
        try {
            root = dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Path> open = new ArrayList<>();
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : s.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(root)) open.add(target);
                } catch (IOException | UnsupportedOperationException e) {
                    // the descriptor of the listing itself is gone by now
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return open;
    }
}
