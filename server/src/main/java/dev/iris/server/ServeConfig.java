package dev.iris.server;

import dev.iris.api.config.ConfigException;
import dev.iris.plugins.config.IrisConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code serve} section of a config: the server's limits. Built from the section's raw
 * values so it works before {@code serve} is one of the config's known keys.
 *
 * @param apiKey          {@code api_key} (else env {@code IRIS_API_KEY}); absent: no authentication
 * @param maxBodyBytes    {@code max_body_bytes}: largest request body (also the limit for a fetched image)
 * @param maxImagePixels  {@code max_image_pixels}: width x height, read from the image header before decoding
 * @param maxTokensCap    {@code max_tokens_cap}: the largest {@code max_tokens} a request may ask for
 * @param queue           {@code queue}: requests that may wait for a worker; more get 429
 * @param workers         {@code workers}: generations that run at once (their decode steps are batched together)
 * @param deadlineS       {@code deadline_s}: seconds a request may take, queue included
 * @param drainS          {@code drain_s}: seconds shutdown waits for requests under way
 * @param allowImageHosts {@code allow_image_hosts}: hosts remote http(s) image URLs may name (none by default)
 * @param modelName       {@code model_name}: the model id clients name
 */
public record ServeConfig(Optional<String> apiKey, int maxBodyBytes, int maxImagePixels, int maxTokensCap, int queue,
                          int workers, double deadlineS, double drainS, List<String> allowImageHosts, String modelName) {

    /** The keys of the {@code serve} section (for IrisConfig.KNOWN_KEYS). */
    public static final List<String> KEYS = List.of("api_key", "max_body_bytes", "max_image_pixels", "max_tokens_cap",
            "queue", "workers", "deadline_s", "drain_s", "allow_image_hosts", "model_name");

    public static final String API_KEY_ENV = "IRIS_API_KEY";

    public static final ServeConfig DEFAULTS = new ServeConfig(Optional.empty(), 20 * 1024 * 1024, 40_000_000, 1024, 16,
            4, 120, 30, List.of(), "iris");

    public ServeConfig {
        apiKey = apiKey.filter(k -> !k.isBlank());
        allowImageHosts = allowImageHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        if (maxBodyBytes < 1 || maxImagePixels < 1 || maxTokensCap < 1 || queue < 0 || workers < 1 || deadlineS <= 0 || drainS < 0) {
            throw new ConfigException("serve: limits must be positive (queue and drain_s may be 0): " + this);
        }
        if (modelName == null || modelName.isBlank()) throw new ConfigException("serve.model_name: must not be empty");
    }

    /** The {@code serve} section of {@code config} (absent: the defaults), with the API key from the environment as fallback. */
    public static ServeConfig from(IrisConfig config, Map<String, String> env) {
        Map<String, Object> values = config.root().has("serve") ? config.root().section("serve").values() : Map.of();
        return from(values, env);
    }

    /** Reads the raw values of a {@code serve} section; unknown keys and wrong types are errors naming the key. */
    public static ServeConfig from(Map<String, Object> values, Map<String, String> env) {
        for (String k : values.keySet()) {
            if (!KEYS.contains(k)) {
                throw new ConfigException("serve." + k + ": unknown key (known in serve: " + String.join(", ", KEYS) + ")");
            }
        }
        ServeConfig d = DEFAULTS;
        Optional<String> key = Optional.ofNullable(values.get("api_key")).map(String::valueOf);
        if (key.isEmpty()) key = Optional.ofNullable(env.get(API_KEY_ENV));
        return new ServeConfig(key,
                integer(values, "max_body_bytes", d.maxBodyBytes(), 1),
                integer(values, "max_image_pixels", d.maxImagePixels(), 1),
                integer(values, "max_tokens_cap", d.maxTokensCap(), 1),
                integer(values, "queue", d.queue(), 0),
                integer(values, "workers", d.workers(), 1),
                number(values, "deadline_s", d.deadlineS(), false),
                number(values, "drain_s", d.drainS(), true),
                strings(values, "allow_image_hosts"),
                Optional.ofNullable(values.get("model_name")).map(String::valueOf).orElse(d.modelName()));
    }

    public ServeConfig withApiKey(String key) {
        return new ServeConfig(Optional.ofNullable(key), maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS, allowImageHosts, modelName);
    }

    public ServeConfig withLimits(int maxBodyBytes, int maxImagePixels, int maxTokensCap) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS, allowImageHosts, modelName);
    }

    public ServeConfig withLoad(int queue, int workers, double deadlineS, double drainS) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS, allowImageHosts, modelName);
    }

    public ServeConfig withImageHosts(List<String> hosts) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS, hosts, modelName);
    }

    /** Never prints the key itself. */
    @Override
    public String toString() {
        return "ServeConfig[api_key=" + (apiKey.isPresent() ? "(set)" : "(none)") + ", max_body_bytes=" + maxBodyBytes
                + ", max_image_pixels=" + maxImagePixels + ", max_tokens_cap=" + maxTokensCap + ", queue=" + queue
                + ", workers=" + workers + ", deadline_s=" + deadlineS + ", drain_s=" + drainS
                + ", allow_image_hosts=" + allowImageHosts + ", model_name=" + modelName + "]";
    }

    private static int integer(Map<String, Object> values, String key, int dflt, int min) {
        Object v = values.get(key);
        if (v == null) return dflt;
        long n;
        if (v instanceof Integer || v instanceof Long || v instanceof Short) {
            n = ((Number) v).longValue();
        } else if (v instanceof String s && s.strip().matches("-?\\d+")) {
            n = Long.parseLong(s.strip());
        } else {
            throw new ConfigException("serve." + key + ": expected an integer but got " + describe(v));
        }
        if (n < min || n > Integer.MAX_VALUE) {
            throw new ConfigException("serve." + key + ": expected an integer >= " + min + " but got " + n);
        }
        return (int) n;
    }

    private static double number(Map<String, Object> values, String key, double dflt, boolean zeroOk) {
        Object v = values.get(key);
        if (v == null) return dflt;
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else {
            try {
                d = Double.parseDouble(String.valueOf(v).strip());
            } catch (NumberFormatException e) {
                throw new ConfigException("serve." + key + ": expected a number but got " + describe(v));
            }
        }
        if (!Double.isFinite(d) || d < 0 || (d == 0 && !zeroOk)) {
            throw new ConfigException("serve." + key + ": expected a number " + (zeroOk ? ">= 0" : "> 0") + " but got " + d);
        }
        return d;
    }

    private static List<String> strings(Map<String, Object> values, String key) {
        Object v = values.get(key);
        if (v == null) return List.of();
        if (!(v instanceof List<?> list)) {
            if (v instanceof Map) throw new ConfigException("serve." + key + ": expected a list of host names but got " + describe(v));
            return List.of(String.valueOf(v));
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (o == null || o instanceof Map || o instanceof List) {
                throw new ConfigException("serve." + key + ": expected a list of host names but got " + describe(v));
            }
            out.add(String.valueOf(o));
        }
        return List.copyOf(out);
    }

    private static String describe(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }
}
