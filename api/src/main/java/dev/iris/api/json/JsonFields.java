package dev.iris.api.json;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of one object of a Hugging Face JSON file ({@code config.json} and the like), as
 * {@link Json} parsed it. Hugging Face writes only the values that differ from a class's defaults,
 * so a missing (or {@code null}) key takes the default the caller passes. Every error is a
 * {@link ConfigException} naming the source (usually the file), the full key ({@code prefix} plus
 * the key, e.g. {@code vision_config.hidden_size}) and what was found.
 *
 * @param map    the object's members
 * @param source names the file in errors
 * @param prefix put before every key in errors: empty at the top level, {@code "name."} inside {@code name}
 */
public record JsonFields(Map<?, ?> map, String source, String prefix) {

    public JsonFields {
        map = map == null ? Map.of() : map;
    }

    /** The top-level object of {@code source}. */
    public static JsonFields of(Map<?, ?> map, String source) {
        return new JsonFields(map, source, "");
    }

    /** Reads a file holding a JSON object; a missing, unreadable or malformed file is a ConfigException naming it. */
    public static JsonFields read(Path file) {
        try {
            return of(Json.readObject(file), file.toString());
        } catch (ConfigException e) {
            throw e;
        } catch (IrisException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Parses JSON text that must hold an object; {@code source} names it in errors. */
    public static JsonFields parse(String json, String source) {
        Object root;
        try {
            root = Json.parse(json, source);
        } catch (IrisException e) {
            throw new ConfigException(e.getMessage());
        }
        if (!(root instanceof Map<?, ?> map)) throw new ConfigException(source + ": expected a JSON object at the top level");
        return of(map, source);
    }

    /** The raw value of {@code key}, null when missing. */
    public Object get(String key) {
        return map.get(key);
    }

    /** The key as errors name it: the prefix, then the key. */
    public String fullKey(String key) {
        return prefix + key;
    }

    /** An error about this object: the source, then {@code message}. */
    public ConfigException error(String message) {
        return new ConfigException(source + ": " + message);
    }

    /** An error saying {@code key} must be {@code expected}, naming the value found. */
    public ConfigException mustBe(String key, String expected, Object found) {
        return error(fullKey(key) + " must be " + expected + ", found " + describe(found));
    }

    /** A positive integer; {@code 224.0} reads as {@code 224} (Hugging Face configs sometimes store integral floats). */
    public int positiveInt(String key, int dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && n.doubleValue() >= 1 && n.doubleValue() <= Integer.MAX_VALUE) {
            return (int) n.doubleValue();
        }
        throw mustBe(key, "a positive integer", v);
    }

    /** A positive integer that must be present: a missing key is an error naming it. */
    public int positiveInt(String key) {
        if (get(key) == null) throw missing(key);
        return positiveInt(key, 1);
    }

    /** A finite number above zero that must be present: a missing key is an error naming it. */
    public double positiveNumber(String key) {
        if (get(key) == null) throw missing(key);
        return positiveNumber(key, 1);
    }

    /** An error saying the required {@code key} is missing. */
    public ConfigException missing(String key) {
        return error("required field " + fullKey(key) + " is missing");
    }

    /** A finite number above zero. */
    public double positiveNumber(String key, double dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (v instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue())) return n.doubleValue();
        throw mustBe(key, "a positive number", v);
    }

    /** A string. */
    public String string(String key, String dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        throw mustBe(key, "a string", v);
    }

    /** {@code true} or {@code false}. */
    public boolean bool(String key, boolean dflt) {
        Object v = get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw mustBe(key, "true or false", v);
    }

    /**
     * The object under {@code key}, its keys named {@code key.*} in errors; null when the key is
     * missing (or {@code null}).
     */
    public JsonFields object(String key) {
        Object v = get(key);
        if (v == null) return null;
        if (v instanceof Map<?, ?> m) return new JsonFields(m, source, fullKey(key) + ".");
        throw mustBe(key, "an object", v);
    }

    /** An empty object standing for {@code key} (every read takes its default), its keys named {@code key.*}. */
    public JsonFields empty(String key) {
        return new JsonFields(Map.of(), source, fullKey(key) + ".");
    }

    /** A JSON value as an error message shows it: strings quoted, objects and arrays by kind. */
    public static String describe(Object v) {
        if (v instanceof String s) return "\"" + s + "\"";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        return String.valueOf(v);
    }
}
