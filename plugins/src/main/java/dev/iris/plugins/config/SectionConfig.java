package dev.iris.plugins.config;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoublePredicate;

/**
 * {@link ComponentConfig} over one section of a loaded YAML tree. Errors follow the format
 * {@code <full key>: <problem> (found: <fields of this section>)}, where the problem is either
 * {@code required field is missing} or {@code expected <what> but got <value>}.
 */
public final class SectionConfig implements ComponentConfig {
    private final String key;
    private final Map<String, Object> values;
    private final ConfigOrigin origin;

    SectionConfig(String key, Map<String, Object> values, ConfigOrigin origin) {
        this.key = key;
        this.values = Collections.unmodifiableMap(values);
        this.origin = origin;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public String type() {
        return string("type");
    }

    @Override
    public boolean has(String field) {
        return values.get(field) != null;
    }

    @Override
    public Map<String, Object> values() {
        return values;
    }

    @Override
    public String string(String field) {
        return text(field, require(field));
    }

    @Override
    public Optional<String> optString(String field) {
        Object v = values.get(field);
        return v == null ? Optional.empty() : Optional.of(text(field, v));
    }

    @Override
    public int integer(String field, int defaultValue) {
        Object v = values.get(field);
        return v == null ? defaultValue : toInt(keyOf(field), v);
    }

    @Override
    public int integer(String field) {
        return toInt(keyOf(field), require(field));
    }

    @Override
    public double number(String field, double defaultValue) {
        Object v = values.get(field);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            // YAML 1.1 reads "1e-4" as text; accept any text Java reads as a number
            try {
                return Double.parseDouble(s.strip());
            } catch (NumberFormatException e) {
                // fall through to the common message
            }
        }
        throw wrong(field, "a number", v);
    }

    @Override
    public boolean bool(String field, boolean defaultValue) {
        Object v = values.get(field);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw wrong(field, "true or false", v);
    }

    @Override
    public List<Integer> integers(String field, List<Integer> defaultValue) {
        Object v = values.get(field);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof List<?> list)) {
            if (v instanceof Number || v instanceof String) {
                return List.of(toInt(keyOf(field), v)); // a single value is a list of one
            }
            throw wrong(field, "a list of integers", v);
        }
        List<Integer> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object e = list.get(i);
            if (e == null) {
                throw wrongAt(keyOf(field) + "[" + i + "]", "an integer", null);
            }
            out.add(toInt(keyOf(field) + "[" + i + "]", e));
        }
        return List.copyOf(out);
    }

    @Override
    public List<String> strings(String field, List<String> defaultValue) {
        Object v = values.get(field);
        if (v == null) {
            return defaultValue;
        }
        if (!(v instanceof List<?> list)) {
            return List.of(text(field, v));
        }
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object e = list.get(i);
            if (e == null || e instanceof Map || e instanceof List) {
                throw wrongAt(keyOf(field) + "[" + i + "]", "text", e);
            }
            out.add(String.valueOf(e));
        }
        return List.copyOf(out);
    }

    @Override
    public Path path(String field) {
        String raw = string(field);
        return resolve(field, raw);
    }

    @Override
    public Optional<Path> optPath(String field) {
        return optString(field).map(raw -> resolve(field, raw));
    }

    @Override
    public SectionConfig section(String field) {
        Object v = require(field);
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) m;
            return new SectionConfig(keyOf(field), map, origin);
        }
        throw wrong(field, "a section", v);
    }

    @Override
    public Optional<ComponentConfig> optSection(String field) {
        return has(field) ? Optional.of(section(field)) : Optional.empty();
    }

    /** The field as one of an enum's constants, written in lower case in the file. */
    public <E extends Enum<E>> E choice(String field, Class<E> type, E defaultValue) {
        Object v = values.get(field);
        if (v == null) {
            return defaultValue;
        }
        String s = text(field, v).strip();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw wrong(field, "one of " + String.join(", ", names), v);
    }

    /** An integer field that must lie in [min, max]. */
    public int integerIn(String field, int defaultValue, int min, int max) {
        int v = integer(field, defaultValue);
        if (v < min || v > max) {
            String range = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer in [" + min + ", " + max + "]";
            throw wrong(field, range, v);
        }
        return v;
    }

    /** A number field checked against a range, described in the message as {@code what}. */
    public double numberWhere(String field, double defaultValue, DoublePredicate ok, String what) {
        double v = number(field, defaultValue);
        if (!ok.test(v)) {
            throw wrong(field, what, v);
        }
        return v;
    }

    /** The common "expected X but got Y" error for a field of this section. */
    public ConfigException wrong(String field, String expected, Object got) {
        return error(field, "expected " + expected + " but got " + describe(got));
    }

    ConfigOrigin origin() {
        return origin;
    }

    private Object require(String field) {
        Object v = values.get(field);
        if (v == null) {
            throw error(field, "required field is missing");
        }
        return v;
    }

    private String text(String field, Object v) {
        if (v instanceof Map || v instanceof List) {
            throw wrong(field, "text", v);
        }
        return String.valueOf(v);
    }

    private int toInt(String fullKey, Object v) {
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long || v instanceof BigInteger) {
            throw wrongAt(fullKey, "an integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE, v);
        }
        if (v instanceof String s) {
            try {
                return Integer.parseInt(s.strip());
            } catch (NumberFormatException e) {
                // fall through to the common message
            }
        }
        throw wrongAt(fullKey, "an integer", v);
    }

    private ConfigException wrongAt(String fullKey, String expected, Object got) {
        // fullKey may carry a list index, e.g. model.fusion.layers[1]
        return new ConfigException(fullKey + ": expected " + expected + " but got " + describe(got) + found());
    }

    @Override
    public ConfigException error(String field, String problem) {
        return new ConfigException(keyOf(field) + ": " + problem + found());
    }

    /** " (found: a, b)": the fields present in this section, in file order. */
    private String found() {
        List<String> names = new ArrayList<>();
        values.forEach((k, v) -> {
            if (v != null) {
                names.add(k);
            }
        });
        return " (found: " + (names.isEmpty() ? "nothing" : String.join(", ", names)) + ")";
    }

    private Path resolve(String field, String raw) {
        String s = raw.strip();
        if (s.equals("~") || s.startsWith("~/")) {
            s = System.getProperty("user.home") + s.substring(1);
        }
        try {
            Path p = Path.of(s);
            return p.isAbsolute() ? p.normalize() : origin.baseFor(keyOf(field)).resolve(p).normalize();
        } catch (InvalidPathException e) {
            throw wrong(field, "a path", raw);
        }
    }

    /** How a value is shown in messages: text in quotes, numbers and booleans as they are. */
    static String describe(Object v) {
        if (v == null) {
            return "nothing";
        }
        if (v instanceof String s) {
            return "\"" + s + "\"";
        }
        if (v instanceof Map<?, ?> m) {
            return "a section (" + String.join(", ", m.keySet().stream().map(String::valueOf).toList()) + ")";
        }
        if (v instanceof List<?> l) {
            return "a list " + l;
        }
        return String.valueOf(v);
    }

    @Override
    public String toString() {
        return (key.isEmpty() ? "<root>" : key) + values;
    }
}
