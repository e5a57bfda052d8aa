package dev.iris.report;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.config.ConfigField;
import dev.iris.api.config.ConfigSection;
import dev.iris.plugins.config.IrisConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The config's {@code report} section:
 *
 * <pre>
 * report:
 *   font: /path/Latin.ttf                # default: DejaVu Sans (Debian fonts-dejavu-core)
 *   cjk_font: /path/NotoSansCJK.ttc      # default: the first CJK font found among common system paths
 *   translate:                           # absent: no translation
 *     endpoint: http://127.0.0.1:8081    # any OpenAI-compatible server (/v1/chat/completions is added)
 *     model: qwen2.5-7b-instruct
 *     language: Chinese
 *     api_key: ...                       # optional; or api_key_env: NAME_OF_ENVIRONMENT_VARIABLE
 *     timeout_seconds: 120
 * </pre>
 *
 * Relative font paths resolve against the config file's folder, like every path in a config.
 */
public record ReportSettings(Optional<Path> font, Optional<Path> cjkFont, Optional<Translate> translate) {
    /** The fields of {@code report}, declared to the config as {@link Section}. */
    public static final List<ConfigField> FIELDS = List.of(
            ConfigField.path("font", "Latin TrueType font of the PDF (default: DejaVu Sans)"),
            ConfigField.path("cjk_font", "CJK font for translated findings (default: the first found on the system)"),
            ConfigField.section("translate", "an OpenAI-compatible server that translates the findings (absent: none)"));
    /** The keys of {@code report}. */
    public static final List<String> KEYS = FIELDS.stream().map(ConfigField::name).toList();
    /** The keys of {@code report.translate}. */
    public static final List<String> TRANSLATE_KEYS = List.of("endpoint", "model", "language", "api_key", "api_key_env", "timeout_seconds");

    public static final ReportSettings DEFAULTS = new ReportSettings(Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * Where and how to translate the findings.
     *
     * @param endpoint the server's base URL, as configured
     * @param model    the model name sent in the request
     * @param language the target language, in words ("Chinese", "Simplified Chinese", "ja", ...)
     * @param apiKey   sent as {@code Authorization: Bearer ...} when present
     * @param timeout  for the whole request
     */
    public record Translate(URI endpoint, String model, String language, Optional<String> apiKey, Duration timeout) {
        @Override
        public String toString() { // never print the key
            return "Translate[" + endpoint + ", " + model + ", " + language + (apiKey.isPresent() ? ", api_key=***" : "") + ", " + timeout + "]";
        }
    }

    /** The {@code report} section of {@code config}; its absence means the defaults. */
    public static ReportSettings from(IrisConfig config) {
        ComponentConfig root = config.root();
        if (!root.has("report")) return DEFAULTS;
        return from(root.section("report"));
    }

    /** Reads a {@code report} section. */
    public static ReportSettings from(ComponentConfig s) {
        checkKeys(s, KEYS);
        Optional<Translate> translate = Optional.empty();
        if (s.has("translate")) {
            ComponentConfig t = s.section("translate");
            checkKeys(t, TRANSLATE_KEYS);
            URI endpoint = endpoint(t);
            String model = t.string("model").strip();
            String language = t.string("language").strip();
            if (language.isEmpty()) throw t.error("language", "expected a language but got \"\"");
            Optional<String> key = t.optString("api_key");
            if (t.has("api_key_env")) {
                if (key.isPresent()) throw t.error("api_key_env", "give api_key or api_key_env, not both");
                String var = t.string("api_key_env");
                String value = System.getenv(var);
                if (value == null || value.isBlank()) throw t.error("api_key_env", "the environment variable " + var + " is not set");
                key = Optional.of(value);
            }
            double seconds = t.number("timeout_seconds", 120);
            if (!(seconds > 0)) throw t.error("timeout_seconds", "expected a number > 0 but got " + seconds);
            translate = Optional.of(new Translate(endpoint, model, language, key.map(String::strip),
                    Duration.ofMillis(Math.round(seconds * 1000))));
        }
        return new ReportSettings(s.optPath("font"), s.optPath("cjk_font"), translate);
    }

    private static URI endpoint(ComponentConfig t) {
        String raw = t.string("endpoint").strip();
        try {
            URI u = new URI(raw);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null) return u;
        } catch (URISyntaxException e) {
            // reported below
        }
        throw t.error("endpoint", "expected an http:// or https:// URL but got \"" + raw + "\"");
    }

    private static void checkKeys(ComponentConfig s, List<String> known) {
        List<String> unknown = new ArrayList<>();
        for (String k : s.values().keySet()) {
            if (!known.contains(k)) unknown.add("'" + s.key() + "." + k + "'");
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (known in " + s.key() + ": " + String.join(", ", known) + ")");
        }
    }

    /** Declares the {@code report} section to the config (a service, so without this module the key is unknown). */
    public static final class Section implements ConfigSection {
        @Override
        public String name() {
            return "report";
        }

        @Override
        public List<ConfigField> fields() {
            return FIELDS;
        }

        @Override
        public int order() {
            return 50;
        }
    }
}
