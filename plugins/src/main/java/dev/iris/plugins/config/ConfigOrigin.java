package dev.iris.plugins.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the values of one loaded config came from: the file (whose folder relative paths resolve
 * against) and the {@code --set} overrides (whose relative paths resolve against the working
 * directory, because that is where the user typed them).
 *
 * @param sourceName the file as the user named it, used in messages
 * @param fileDir folder of the config file
 * @param workingDir the current directory when the overrides were given
 * @param overridden full dotted key set by an override → the override as typed
 */
record ConfigOrigin(String sourceName, Path fileDir, Path workingDir, Map<String, String> overridden) {

    ConfigOrigin {
        overridden = Map.copyOf(overridden);
    }

    /** The {@code --set} that set this key or one of its parent sections, if any. */
    Optional<String> overrideOf(String fullKey) {
        String k = fullKey;
        while (true) {
            String o = overridden.get(k);
            if (o != null) {
                return Optional.of(o);
            }
            int dot = k.lastIndexOf('.');
            if (dot < 0) {
                return Optional.empty();
            }
            k = k.substring(0, dot);
        }
    }

    /** The folder a relative path stored under this key resolves against. */
    Path baseFor(String fullKey) {
        return overrideOf(fullKey).isPresent() ? workingDir : fileDir;
    }
}
