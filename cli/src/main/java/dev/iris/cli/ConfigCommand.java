package dev.iris.cli;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.server.ServeConfig;
import dev.iris.report.ReportSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Loads a config the way every later command will, checks it, and prints the result. */
@Command(name = "config", description = {
    "Check a config file and print it with the --set overrides applied.",
    "Checks the keys and values of runtime, generate, train, serve and report, and the fields of the plugin",
    "sections (model.vision, model.llm, model.fusion, train.dataset, train.eval_dataset) against their plugins."})
final class ConfigCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The YAML config file.")
    Path file;

    @Mixin
    ConfigOverrides overrides;

    @Option(names = "--defaults",
            description = "Print every field of runtime, generate, train (when present), serve and report, with the defaults of those not set (null: absent).")
    boolean defaults;

    @Override
    public Integer call() {
        IrisConfig config = overrides.load(file);
        Map<String, Map<String, Object>> filled = new LinkedHashMap<>();
        filled.put("runtime", config.runtime().values());
        filled.put("generate", config.generate().values());
        if (config.hasTrain()) {
            filled.put("train", config.train().values());
        }
        filled.put("serve", serveValues(ServeConfig.from(config, Map.of())));
        filled.put("report", reportValues(ReportSettings.from(config)));
        parent.registry().checkConfig(config);
        spec.commandLine().getOut().print(defaults ? config.toYamlWith(filled) : config.toYaml());
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** The serve section's values; the API key is shown only when the config itself sets it (never from the environment). */
    static Map<String, Object> serveValues(ServeConfig s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("api_key", null);
        m.put("max_body_bytes", s.maxBodyBytes());
        m.put("max_image_pixels", s.maxImagePixels());
        m.put("max_tokens_cap", s.maxTokensCap());
        m.put("queue", s.queue());
        m.put("workers", s.workers());
        m.put("deadline_s", s.deadlineS());
        m.put("drain_s", s.drainS());
        m.put("allow_image_hosts", s.allowImageHosts());
        m.put("model_name", s.modelName());
        m.put("max_prompt_chars", s.maxPromptChars());
        m.put("max_images", s.maxImages());
        m.put("header_timeout_s", s.connections().headerTimeoutS());
        m.put("body_timeout_s", s.connections().bodyTimeoutS());
        m.put("min_body_bytes_per_s", s.connections().minBodyRate());
        m.put("max_connections_per_client", s.connections().maxPerClient());
        return m;
    }

    /** The report section's values: fonts found on the system and no translation when not set. */
    static Map<String, Object> reportValues(ReportSettings r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("font", r.font().map(Path::toString).orElse(null));
        m.put("cjk_font", r.cjkFont().map(Path::toString).orElse(null));
        m.put("translate", null);
        return m;
    }
}
