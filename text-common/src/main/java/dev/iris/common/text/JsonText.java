package dev.iris.common.text;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Writes maps, lists, strings, numbers, booleans and null as indented JSON (for the preset files). */
public final class JsonText {
    private JsonText() {}

    public static String write(Object value) {
        return write(value, Integer.MAX_VALUE);
    }

    /** Containers nested deeper than {@code indentLevels} stay on one line (a merge pair, a token entry). */
    public static String write(Object value, int indentLevels) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0, indentLevels);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, Object v, int depth, int indentLevels) {
        switch (v) {
            case null -> out.append("null");
            case String s -> string(out, s);
            case Boolean b -> out.append(b);
            case Double d -> {
                if (d.isNaN() || d.isInfinite()) throw new IllegalArgumentException("JSON has no " + d);
                out.append(d);
            }
            case Float f -> write(out, f.doubleValue(), depth, indentLevels);
            case Number n -> out.append(n.longValue());
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    out.append("{}");
                    return;
                }
                boolean nl = depth < indentLevels;
                out.append('{');
                Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<?, ?> e = it.next();
                    newline(out, nl, depth + 1);
                    string(out, String.valueOf(e.getKey()));
                    out.append(nl ? ": " : ":");
                    write(out, e.getValue(), depth + 1, indentLevels);
                    if (it.hasNext()) out.append(nl ? "," : ", ");
                }
                newline(out, nl, depth);
                out.append('}');
            }
            case List<?> l -> {
                if (l.isEmpty()) {
                    out.append("[]");
                    return;
                }
                boolean nl = depth < indentLevels;
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    newline(out, nl, depth + 1);
                    write(out, l.get(i), depth + 1, indentLevels);
                    if (i + 1 < l.size()) out.append(nl ? "," : ", ");
                }
                newline(out, nl, depth);
                out.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
        }
    }

    private static void newline(StringBuilder out, boolean nl, int depth) {
        if (nl) out.append('\n').append("  ".repeat(depth));
    }

    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
