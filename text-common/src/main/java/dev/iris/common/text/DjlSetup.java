package dev.iris.common.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DJL is configured through system properties, read when its classes first load. Iris sets
 * what it relies on, and only where the user has not set it: offline (Iris fetches nothing at
 * run time; the natives are in the jar) and a cache folder for the extracted native library
 * that can be written even when the home folder cannot.
 */
final class DjlSetup {
    private static volatile boolean done;

    private DjlSetup() {}

    static synchronized void ensure() {
        if (done) return;
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
        if (isUnset("DJL_CACHE_DIR") && isUnset("ENGINE_CACHE_DIR")) {
            Path home = Path.of(System.getProperty("user.home", "."), ".djl.ai");
            if (!writable(home)) {
                String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
                System.setProperty("DJL_CACHE_DIR", Path.of(System.getProperty("java.io.tmpdir"), "djl.ai-" + user).toString());
            }
        }
        done = true;
    }

    private static boolean isUnset(String name) {
        String p = System.getProperty(name), e = System.getenv(name);
        return (p == null || p.isBlank()) && (e == null || e.isBlank());
    }

    // the folder exists and is writable, or it can be created
    private static boolean writable(Path dir) {
        if (Files.isDirectory(dir)) return Files.isWritable(dir);
        try {
            Files.createDirectories(dir);
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
