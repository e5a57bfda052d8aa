package dev.iris.plugins.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds plain maps, lists and scalars from a YAML parser, resolving what Jackson leaves to the
 * caller: anchors and aliases ({@code &base} / {@code *base}, each alias a copy of the anchored
 * value) and YAML 1.1 merge keys ({@code <<: *base} or {@code <<: [*a, *b]}: the mapping's own
 * keys win, then earlier merged mappings over later ones). Hostile input is bounded: nesting
 * depth, and the number of values including those aliases expand to ("billion laughs").
 */
final class YamlTree {
    /** Deeper than any sensible config (they are 3-4 levels deep). */
    static final int MAX_DEPTH = 64;
    /** Values in one document after expanding aliases; a config has hundreds. */
    static final int MAX_VALUES = 100_000;

    private final AnchoringYamlFactory.Parser parser;
    private final Map<String, Object> anchors = new HashMap<>();
    private int values;

    private YamlTree(AnchoringYamlFactory.Parser parser) {
        this.parser = parser;
    }

    /** A problem the tree builder found, with where it is. */
    static final class Problem extends JsonProcessingException {
        Problem(String message, JsonLocation at) {
            super(message, at);
        }
    }

    /** Reads the value at the parser's current token (the first token of a document). */
    static Object read(JsonParser parser) throws IOException {
        return new YamlTree((AnchoringYamlFactory.Parser) parser).value(0);
    }

    private Object value(int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw problem("nested deeper than " + MAX_DEPTH + " levels");
        }
        JsonToken t = parser.currentToken();
        if (t == JsonToken.VALUE_STRING && parser.isCurrentAlias()) {
            return alias(parser.getText());
        }
        String anchor = parser.anchor();
        Object v = switch (t) {
            case START_OBJECT -> mapping(depth);
            case START_ARRAY -> sequence(depth);
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> parser.getNumberValue();
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw problem("unsupported YAML value (" + t + "): use text, numbers, booleans, lists and mappings");
        };
        count(1);
        if (anchor != null) {
            anchors.put(anchor, v); // a later anchor of the same name replaces it, as YAML says
        }
        return v;
    }

    private Map<String, Object> mapping(int depth) throws IOException {
        Map<String, Object> own = new LinkedHashMap<>();
        List<Map<?, ?>> merged = new ArrayList<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonLocation at = parser.currentTokenLocation();
            parser.nextToken();
            Object v = value(depth + 1);
            if (key.equals("<<")) {
                merged.addAll(mergeSources(v, at));
            } else if (own.containsKey(key)) {
                throw new Problem("duplicate key " + key, at); // the parser catches most; this is the backstop
            } else {
                own.put(key, v);
            }
        }
        if (merged.isEmpty()) {
            return own;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map<?, ?> m : merged) {
            m.forEach((k, v) -> out.putIfAbsent(String.valueOf(k), v));
        }
        out.putAll(own);
        return out;
    }

    private static List<Map<?, ?>> mergeSources(Object v, JsonLocation at) throws Problem {
        List<Map<?, ?>> out = new ArrayList<>();
        if (v instanceof Map<?, ?> m) {
            out.add(m);
            return out;
        }
        if (v instanceof List<?> list) {
            for (Object e : list) {
                if (!(e instanceof Map<?, ?> m)) {
                    throw new Problem("a merge key (<<) takes a mapping or a list of mappings, e.g. <<: *defaults; the list holds "
                            + SectionConfig.describe(e), at);
                }
                out.add(m);
            }
            return out;
        }
        throw new Problem("a merge key (<<) takes a mapping or a list of mappings, e.g. <<: *defaults; got " + SectionConfig.describe(v), at);
    }

    private List<Object> sequence(int depth) throws IOException {
        List<Object> list = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            list.add(value(depth + 1));
        }
        return list;
    }

    /** A copy of the anchored value, so changing one place (e.g. with --set) leaves the others alone. */
    private Object alias(String name) throws IOException {
        if (!anchors.containsKey(name)) {
            throw problem("the alias *" + name + " names no anchor &" + name + " defined before it");
        }
        return copy(anchors.get(name));
    }

    private Object copy(Object v) throws Problem {
        count(1);
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), copy(e.getValue()));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object e : l) {
                out.add(copy(e));
            }
            return out;
        }
        return v;
    }

    private void count(int n) throws Problem {
        values += n;
        if (values > MAX_VALUES) {
            throw problem("more than " + MAX_VALUES + " values (counting what aliases expand to): not a config file");
        }
    }

    private Problem problem(String message) {
        return new Problem(message, parser.currentTokenLocation());
    }
}
