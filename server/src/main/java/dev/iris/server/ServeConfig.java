package dev.iris.server;

import dev.iris.api.config.ConfigException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.config.ConfigSection;
import dev.iris.plugins.config.IrisConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code serve} section of a config: the server's limits. The server declares the section's
 * fields ({@link Section}); reading the raw values also checks them when the config did not.
 *
 * @param apiKey          {@code api_key} (else env {@code IRIS_API_KEY}); absent: no authentication; empty: a config error
 * @param maxBodyBytes    {@code max_body_bytes}: largest request body (also the limit for a fetched image)
 * @param maxImagePixels  {@code max_image_pixels}: width x height, read from the image header before decoding
 * @param maxTokensCap    {@code max_tokens_cap}: the largest {@code max_tokens} a request may ask for
 * @param queue           {@code queue}: requests that may wait for a worker; more get 429
 * @param workers         {@code workers}: generations that run at once (their decode steps are batched together)
 * @param deadlineS       {@code deadline_s}: seconds a request may take, queue included
 * @param drainS          {@code drain_s}: seconds shutdown waits for requests under way
 * @param allowImageHosts {@code allow_image_hosts}: hosts remote http(s) image URLs may name (none by default)
 * @param modelName       {@code model_name}: the model id clients name
 * @param maxPromptChars  {@code max_prompt_chars}: characters of message text a request may carry, checked before tokenizing
 * @param maxImages       {@code max_images}: images a chat request may carry in all its messages, counted before any is fetched
 * @param connections     how long and how many connections a client may hold ({@link Connections})
 * @param apiKeyFrom      where the key came from ({@code serve.api_key} or {@code IRIS_API_KEY}), for the log; empty without a key
 */
public record ServeConfig(Optional<String> apiKey, int maxBodyBytes, int maxImagePixels, int maxTokensCap, int queue,
                          int workers, double deadlineS, double drainS, List<String> allowImageHosts, String modelName,
                          int maxPromptChars, int maxImages, Connections connections, String apiKeyFrom) {

    /**
     * Bounds on connections, so slow or idle clients cannot hold the server.
     *
     * @param headerTimeoutS   {@code header_timeout_s}: seconds a connection may take to send a request's headers (also the
     *                         longest idle time between requests on a kept-alive connection)
     * @param bodyTimeoutS     {@code body_timeout_s}: seconds a request may take to send its whole body
     * @param minBodyRate      {@code min_body_bytes_per_s}: slowest average upload accepted once a body has taken 5 s
     * @param maxPerClient     {@code max_connections_per_client}: open connections per client address (0: no limit)
     */
    public record Connections(double headerTimeoutS, double bodyTimeoutS, int minBodyRate, int maxPerClient) {
        public Connections {
            if (!(headerTimeoutS > 0) || !(bodyTimeoutS > 0) || minBodyRate < 0 || maxPerClient < 0) {
                throw new ConfigException("serve: connection limits must be positive (min_body_bytes_per_s and max_connections_per_client may be 0): " + this);
            }
        }
    }

    /** The fields of the {@code serve} section, declared to the config as {@link Section} (which checks them for typos). */
    public static final List<ConfigField> FIELDS = List.of(
            ConfigField.of("api_key", "key clients must send (else env IRIS_API_KEY; absent: no authentication)"),
            ConfigField.of("max_body_bytes", "largest request body, also the limit for a fetched image"),
            ConfigField.of("max_image_pixels", "width x height an image may have, read from its header"),
            ConfigField.of("max_tokens_cap", "largest max_tokens a request may ask for"),
            ConfigField.of("queue", "requests that may wait for a worker (more get 429)"),
            ConfigField.of("workers", "generations that run at once"),
            ConfigField.of("deadline_s", "seconds a request may take, queue included"),
            ConfigField.of("drain_s", "seconds shutdown waits for requests under way"),
            ConfigField.of("allow_image_hosts", "hosts remote image URLs may name"),
            ConfigField.of("model_name", "the model id clients name"),
            ConfigField.of("max_prompt_chars", "characters of message text a request may carry"),
            ConfigField.of("max_images", "images a chat request may carry in all its messages"),
            ConfigField.of("header_timeout_s", "seconds a connection may take to send a request's headers"),
            ConfigField.of("body_timeout_s", "seconds a request may take to send its body"),
            ConfigField.of("min_body_bytes_per_s", "slowest average upload accepted once a body has taken 5 s"),
            ConfigField.of("max_connections_per_client", "open connections per client address (0: no limit)"));

    /** The keys of the {@code serve} section. */
    public static final List<String> KEYS = FIELDS.stream().map(ConfigField::name).toList();

    /** Declares the {@code serve} section to the config (a service, so without the server the key is unknown). */
    public static final class Section implements ConfigSection {
        @Override
        public String name() {
            return "serve";
        }

        @Override
        public List<ConfigField> fields() {
            return FIELDS;
        }

        @Override
        public int order() {
            return 40;
        }
    }

    public static final String API_KEY_ENV = "IRIS_API_KEY";

    public static final Connections DEFAULT_CONNECTIONS = new Connections(30, 60, 1024, 32);

    public static final ServeConfig DEFAULTS = new ServeConfig(Optional.empty(), 20 * 1024 * 1024, 40_000_000, 1024, 16,
            4, 120, 30, List.of(), "iris", 200_000, 4, DEFAULT_CONNECTIONS, "");

    public ServeConfig {
        // an empty key would silently switch authentication off: refuse it, naming where it came from
        if (apiKey.isPresent() && apiKey.get().isBlank()) {
            throw new ConfigException((apiKeyFrom.isEmpty() ? "serve.api_key" : apiKeyFrom)
                    + ": the API key is empty; set a key, or remove the setting to serve without authentication");
        }
        if (apiKey.isEmpty()) apiKeyFrom = "";
        else if (apiKeyFrom.isEmpty()) apiKeyFrom = "serve.api_key";
        allowImageHosts = allowImageHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        if (maxBodyBytes < 1 || maxImagePixels < 1 || maxTokensCap < 1 || queue < 0 || workers < 1 || deadlineS <= 0 || drainS < 0
                || maxPromptChars < 1 || maxImages < 0) {
            throw new ConfigException("serve: limits must be positive (queue, drain_s and max_images may be 0): max_body_bytes=" + maxBodyBytes
                    + ", max_image_pixels=" + maxImagePixels + ", max_tokens_cap=" + maxTokensCap + ", queue=" + queue + ", workers=" + workers
                    + ", deadline_s=" + deadlineS + ", drain_s=" + drainS + ", max_prompt_chars=" + maxPromptChars + ", max_images=" + maxImages);
        }
        if (modelName == null || modelName.isBlank()) throw new ConfigException("serve.model_name: must not be empty");
        Objects.requireNonNull(connections, "connections");
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
        Connections c = DEFAULT_CONNECTIONS;
        Optional<String> key = Optional.ofNullable(values.get("api_key")).map(String::valueOf);
        String from = "serve.api_key";
        if (key.isEmpty()) {
            key = Optional.ofNullable(env.get(API_KEY_ENV));
            from = API_KEY_ENV;
        }
        return new ServeConfig(key,
                integer(values, "max_body_bytes", d.maxBodyBytes(), 1),
                integer(values, "max_image_pixels", d.maxImagePixels(), 1),
                integer(values, "max_tokens_cap", d.maxTokensCap(), 1),
                integer(values, "queue", d.queue(), 0),
                integer(values, "workers", d.workers(), 1),
                number(values, "deadline_s", d.deadlineS(), false),
                number(values, "drain_s", d.drainS(), true),
                strings(values, "allow_image_hosts"),
                Optional.ofNullable(values.get("model_name")).map(String::valueOf).orElse(d.modelName()),
                integer(values, "max_prompt_chars", d.maxPromptChars(), 1),
                integer(values, "max_images", d.maxImages(), 0),
                new Connections(number(values, "header_timeout_s", c.headerTimeoutS(), false),
                        number(values, "body_timeout_s", c.bodyTimeoutS(), false),
                        integer(values, "min_body_bytes_per_s", c.minBodyRate(), 0),
                        integer(values, "max_connections_per_client", c.maxPerClient(), 0)),
                from);
    }

    public ServeConfig withApiKey(String key) {
        return new ServeConfig(Optional.ofNullable(key), maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS,
                allowImageHosts, modelName, maxPromptChars, maxImages, connections, "");
    }

    public ServeConfig withLimits(int maxBodyBytes, int maxImagePixels, int maxTokensCap) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS,
                allowImageHosts, modelName, maxPromptChars, maxImages, connections, apiKeyFrom);
    }

    public ServeConfig withLoad(int queue, int workers, double deadlineS, double drainS) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS,
                allowImageHosts, modelName, maxPromptChars, maxImages, connections, apiKeyFrom);
    }

    public ServeConfig withImageHosts(List<String> hosts) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS,
                hosts, modelName, maxPromptChars, maxImages, connections, apiKeyFrom);
    }

    public ServeConfig withMaxPromptChars(int chars) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS,
                allowImageHosts, modelName, chars, maxImages, connections, apiKeyFrom);
    }

    public ServeConfig withMaxImages(int images) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS,
                allowImageHosts, modelName, maxPromptChars, images, connections, apiKeyFrom);
    }

    public ServeConfig withConnections(Connections c) {
        return new ServeConfig(apiKey, maxBodyBytes, maxImagePixels, maxTokensCap, queue, workers, deadlineS, drainS,
                allowImageHosts, modelName, maxPromptChars, maxImages, c, apiKeyFrom);
    }

    /** Never prints the key itself. */
    @Override
    public String toString() {
        return "ServeConfig[api_key=" + (apiKey.isPresent() ? "(set, from " + apiKeyFrom + ")" : "(none)") + ", max_body_bytes=" + maxBodyBytes
                + ", max_image_pixels=" + maxImagePixels + ", max_tokens_cap=" + maxTokensCap + ", queue=" + queue
                + ", workers=" + workers + ", deadline_s=" + deadlineS + ", drain_s=" + drainS
                + ", allow_image_hosts=" + allowImageHosts + ", model_name=" + modelName + ", max_prompt_chars=" + maxPromptChars + ", max_images=" + maxImages
                + ", header_timeout_s=" + connections.headerTimeoutS() + ", body_timeout_s=" + connections.bodyTimeoutS()
                + ", min_body_bytes_per_s=" + connections.minBodyRate() + ", max_connections_per_client=" + connections.maxPerClient() + "]";
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
