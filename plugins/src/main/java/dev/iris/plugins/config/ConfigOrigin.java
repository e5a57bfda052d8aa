package dev.iris.plugins.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where the values of one loaded config came from: the file (whose folder relative paths resolve
 * against) and the {@code --set} overrides (whose relative paths resolve against the working
 * directory they were typed in, because that is where the user typed them).
 *
 * @param sourceName the file as the user named it, used in messages
 * @param fileDir folder of the config file
 * @param overridden full dotted key set by an override → the override as typed
 * @param overrideDirs full dotted key set by an override → the working directory it was given in
 */
record ConfigOrigin(String sourceName, Path fileDir, Map<String, String> overridden, Map<String, Path> overrideDirs) {

    ConfigOrigin {
        // in the order the overrides were applied: replaying them (a resumed run) must keep it
        overridden = Collections.unmodifiableMap(new LinkedHashMap<>(overridden));
        overrideDirs = Map.copyOf(overrideDirs);
    }

    /** The {@code --set} that set this key or one of its parent sections, if any: its key. */
    Optional<String> overrideKeyOf(String fullKey) {
        String k = fullKey;
        while (true) {
            if (overridden.containsKey(k)) {
                return Optional.of(k);
            }
            int dot = k.lastIndexOf('.');
            if (dot < 0) {
                return Optional.empty();
            }
            k = k.substring(0, dot);
        }
    }

    /** The {@code --set} that set this key or one of its parent sections, if any. */
    Optional<String> overrideOf(String fullKey) {
        return overrideKeyOf(fullKey).map(overridden::get);
    }

    /** The folder a relative path stored under this key resolves against. */
    Path baseFor(String fullKey) {
        return overrideKeyOf(fullKey).map(overrideDirs::get).orElse(fileDir);
    }
}
