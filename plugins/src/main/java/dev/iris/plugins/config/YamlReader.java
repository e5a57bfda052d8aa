package dev.iris.plugins.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.iris.api.config.ConfigException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads YAML into plain maps, lists and scalars; syntax errors name the source and the line.
 * Anchors, aliases and merge keys are resolved, within bounds ({@link YamlTree}, {@link #MAX_CHARS}).
 */
final class YamlReader {
    /** The longest config text read, in characters: configs are a few kilobytes; anything this big is a mistake. */
    static final int MAX_CHARS = 1 << 20;

    private static final ObjectMapper YAML = new ObjectMapper(new AnchoringYamlFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // a repeated key is a mistake, not "last wins"

    private static final ObjectMapper WRITER = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build());

    private YamlReader() {}

    /** A whole document that must be a mapping (or empty). */
    static Map<String, Object> readDocument(String text, String sourceName) {
        if (text.length() > MAX_CHARS) {
            throw new ConfigException(sourceName + ": " + text.length() + " characters; a config is at most " + MAX_CHARS);
        }
        Object v;
        try {
            v = read(text);
        } catch (YamlTree.Problem e) {
            throw new ConfigException(sourceName + ": " + where(e));
        } catch (JsonProcessingException e) {
            throw new ConfigException(sourceName + ": YAML syntax error " + where(e));
        } catch (IOException | YAMLException e) {
            throw new ConfigException(sourceName + ": cannot read: " + e.getMessage());
        }
        if (v == null) {
            return new LinkedHashMap<>();
        }
        if (!(v instanceof Map<?, ?>)) {
            throw new ConfigException(sourceName + ": expected sections (model:, runtime:, generate:, train:) at the top but got "
                    + SectionConfig.describe(v));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) v;
        return map;
    }

    /** One value, e.g. from {@code --set}. */
    static Object readValue(String text) {
        try {
            return read(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(where(e));
        } catch (IOException | YAMLException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Writes plain maps, lists and scalars as block YAML, quoting text only where YAML needs it. */
    static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write config values as YAML", e);
        }
    }

    /** One document: anchors, aliases and merge keys resolved (see {@link YamlTree}); a second document is an error. */
    private static Object read(String text) throws IOException {
        try (JsonParser p = YAML.getFactory().createParser(text)) {
            if (p.nextToken() == null) {
                return null; // empty document, or only comments
            }
            Object v = YamlTree.read(p);
            if (p.nextToken() != null) {
                throw new YamlTree.Problem("a second YAML document (after ---): a config is one document", p.currentTokenLocation());
            }
            return v;
        }
    }

    /** "at line 3, column 6: <problem>", from snakeyaml's marks when present. */
    private static String where(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                Mark at = m.getProblemMark();
                String s = "at line " + (at.getLine() + 1) + ", column " + (at.getColumn() + 1) + ": " + m.getProblem();
                Mark ctx = m.getContextMark();
                if (m.getContext() != null && ctx != null && ctx.getLine() != at.getLine()) {
                    s += " (" + m.getContext() + " that starts at line " + (ctx.getLine() + 1) + ")";
                }
                return s;
            }
        }
        JsonLocation loc = e.getLocation();
        String problem = e.getOriginalMessage();
        if (problem != null && problem.startsWith("Duplicate field ")) {
            problem = "duplicate key " + problem.substring("Duplicate field ".length());
        }
        return loc == null ? ": " + problem : "at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": " + problem;
    }
}
