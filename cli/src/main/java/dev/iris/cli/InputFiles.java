package dev.iris.cli;

import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Files named on the command line, read with errors that name them. */
final class InputFiles {
    private InputFiles() {}

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IrisException(file + ": file not found");
        } catch (IOException e) {
            throw new IrisException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
