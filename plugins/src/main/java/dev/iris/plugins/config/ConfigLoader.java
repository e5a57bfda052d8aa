package dev.iris.plugins.config;

import dev.iris.api.config.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads one YAML config file and applies {@code --set key=value} overrides on top of it.
 * Relative paths in the file resolve against the file's folder; relative paths given with
 * {@code --set} resolve against the working directory.
 */
public final class ConfigLoader {
    /** Config files are small; a bigger file is a mistake (or hostile), refused before it is read. */
    static final int MAX_BYTES = 1 << 20;

    private final Path workingDir;

    /** Overrides resolve against the process's current directory. */
    public ConfigLoader() {
        this(Path.of("").toAbsolutePath());
    }

    public ConfigLoader(Path workingDir) {
        this.workingDir = workingDir.toAbsolutePath().normalize();
    }

    /** Reads {@code file}, then applies {@code overrides} (each {@code key=value}) in order. */
    public IrisConfig load(Path file, List<String> overrides) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new ConfigException(file + ": " + size + " bytes; a config file is at most " + MAX_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": config file not found");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the config file: " + e.getMessage());
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        return read(bytes, file.toString(), dir, overrides);
    }

    /** Reads config bytes, which must be UTF-8 text (like {@link #load}, for bytes from elsewhere). */
    public IrisConfig read(byte[] bytes, String sourceName, Path baseDir, List<String> overrides) {
        if (bytes.length > MAX_BYTES) {
            throw new ConfigException(sourceName + ": " + bytes.length + " bytes; a config file is at most " + MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(sourceName + ": not UTF-8 text (" + e.getMessage() + ")");
        }
        return parse(text, sourceName, baseDir, overrides);
    }

    /**
     * Reads YAML text that did not come from a file the user named (for example a default
     * config embedded in the jar). {@code sourceName} is used in messages, {@code baseDir} for
     * relative paths in the text.
     */
    public IrisConfig parse(String yaml, String sourceName, Path baseDir, List<String> overrides) {
        Map<String, Object> root = YamlReader.readDocument(yaml, sourceName);
        IrisConfig.checkKnownKeys(root, sourceName);
        Map<String, String> overridden = new LinkedHashMap<>();
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String s : overrides) {
            ConfigOverride o = ConfigOverride.parse(s);
            if (o.value() != null) {
                IrisConfig.checkKnownKeys(nested(o), "--set " + o.text()); // a typo on the command line fails too
            }
            apply(root, o);
            record(o, workingDir, overridden, dirs);
        }
        ConfigOrigin origin = new ConfigOrigin(sourceName, baseDir.toAbsolutePath().normalize(), overridden, dirs);
        return new IrisConfig(new SectionConfig("", root, origin));
    }

    /**
     * Notes which override set a key and in which folder; overrides of keys inside it given
     * earlier no longer say where its values came from.
     */
    static void record(ConfigOverride o, Path dir, Map<String, String> overridden, Map<String, Path> dirs) {
        overridden.keySet().removeIf(k -> k.startsWith(o.key() + "."));
        dirs.keySet().removeIf(k -> k.startsWith(o.key() + "."));
        overridden.remove(o.key()); // re-inserted last: the map keeps the order overrides were applied in
        overridden.put(o.key(), o.text());
        dirs.put(o.key(), dir);
    }

    /** The override as a tree of its own: {@code a.b=1} is {@code {a: {b: 1}}}. */
    static Map<String, Object> nested(ConfigOverride o) {
        Object v = o.value();
        List<String> path = o.path();
        for (int i = path.size() - 1; i >= 0; i--) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(path.get(i), v);
            v = m;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) v;
        return tree;
    }

    /** Sets one value, creating the sections on its way that do not exist yet. */
    static void apply(Map<String, Object> root, ConfigOverride o) {
        Map<String, Object> at = root;
        List<String> path = o.path();
        for (int i = 0; i < path.size() - 1; i++) {
            String part = path.get(i);
            Object next = at.get(part);
            if (next == null) {
                Map<String, Object> created = new LinkedHashMap<>();
                at.put(part, created);
                at = created;
            } else if (next instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> section = (Map<String, Object>) m;
                at = section;
            } else {
                String prefix = String.join(".", path.subList(0, i + 1));
                throw new ConfigException("--set " + o.text() + ": " + prefix + " is a value ("
                        + SectionConfig.describe(next) + "), not a section");
            }
        }
        String last = path.get(path.size() - 1);
        if (o.value() == null) {
            at.remove(last);
        } else {
            at.put(last, o.value());
        }
    }
}
