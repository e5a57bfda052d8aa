package dev.iris.datasets;

import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** Image files named by a dataset row, resolved against the folder the dataset says. */
final class ImageRefs {
    private ImageRefs() {}

    /**
     * The bytes of {@code ref} (absolute, or relative to {@code base}); empty when the file does
     * not exist or is empty, so the caller can skip the row. Other read errors are real failures.
     */
    static Optional<byte[]> read(Path base, String ref) {
        Path file;
        try {
            file = base.resolve(ref.strip());
        } catch (InvalidPathException e) {
            return Optional.empty(); // a name no file can have is a missing file
        }
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            return bytes.length == 0 ? Optional.empty() : Optional.of(bytes);
        } catch (IOException e) {
            throw new IrisException("cannot read image " + file + ": " + e.getMessage(), e);
        }
    }
}
