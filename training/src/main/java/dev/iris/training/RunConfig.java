package dev.iris.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.IrisException;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The config a run records in its folder so that {@code iris train --resume RUN_DIR} works from
 * any directory: {@code config.yaml} (the effective config, values as written) and
 * {@code config-origin.json} (the folder the original config's relative paths resolve against,
 * and each {@code --set} with the folder it was typed in). The paths are not rewritten in the
 * copy because only the plugins know which of their fields are paths; their values resolve
 * exactly as they did in the original run.
 */
public final class RunConfig {
    public static final String CONFIG = "config.yaml";
    public static final String ORIGIN = "config-origin.json";
    private static final Logger LOG = LoggerFactory.getLogger(RunConfig.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunConfig() {}

    /** Records {@code config} in {@code runDir}. */
    public static void write(Path runDir, IrisConfig config) throws IOException {
        ObjectNode origin = JSON.createObjectNode();
        origin.put("source", config.source());
        origin.put("config_dir", config.baseDir().toString());
        ArrayNode sets = origin.putArray("overrides");
        for (IrisConfig.AppliedOverride o : config.overrides()) {
            sets.addObject().put("set", o.text()).put("working_dir", o.workingDir().toString());
        }
        String header = "# The config of this run. Relative paths resolve against " + config.baseDir()
                + "\n# (--set ones against the folder they were typed in): see " + ORIGIN + ".\n";
        Files.writeString(runDir.resolve(CONFIG), header + config.toYaml());
        Files.writeString(runDir.resolve(ORIGIN), JSON.writeValueAsString(origin));
    }

    /**
     * The config recorded in {@code runDir}, with {@code overrides} (relative paths against the
     * current directory) applied on top. A run folder from before {@code config-origin.json}
     * resolves relative paths against the run folder, with a warning.
     */
    public static IrisConfig read(Path runDir, List<String> overrides) {
        Path file = runDir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new IrisException(runDir + ": no " + CONFIG + " there (not a run folder)");
        }
        Path originFile = runDir.resolve(ORIGIN);
        if (!Files.isRegularFile(originFile)) {
            LOG.warn("{} has no {}: relative paths in its {} resolve against the run folder", runDir, ORIGIN, CONFIG);
            return new ConfigLoader().load(file, overrides);
        }
        try {
            JsonNode origin = JSON.readTree(originFile.toFile());
            Path configDir = Path.of(text(origin, "config_dir", originFile));
            IrisConfig cfg = new ConfigLoader().parse(Files.readString(file), file.toString(), configDir, List.of());
            JsonNode sets = origin.path("overrides");
            for (JsonNode set : sets) {
                // applied again, each in its own folder: the values are already in config.yaml, the folders are not
                cfg = cfg.with(List.of(text(set, "set", originFile)), Path.of(text(set, "working_dir", originFile)));
            }
            return cfg.with(new ArrayList<>(overrides));
        } catch (IOException e) {
            throw new IrisException("cannot read " + originFile + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode node, String field, Path file) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) throw new IrisException(file + ": no text field '" + field + "' in " + node);
        return v.asText();
    }
}
