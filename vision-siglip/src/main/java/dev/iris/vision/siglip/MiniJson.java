package dev.iris.vision.siglip;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, small JSON reader (RFC 8259) for configuration files: objects become
 * {@code Map<String, Object>} (insertion ordered; a repeated key keeps its last value, as Python's
 * json does), arrays {@code List<Object>}, numbers {@code Double}, plus String, Boolean and
 * {@code null}. Hand-written because this module may depend on the JDK only.
 */
final class MiniJson {
    /** A syntax error; the message gives line and column. */
    static final class SyntaxError extends Exception {
        SyntaxError(String message) {
            super(message);
        }
    }

    private static final int MAX_DEPTH = 64;

    private final String s;
    private int pos;

    private MiniJson(String s) {
        this.s = s;
    }

    static Object parse(String text) throws SyntaxError {
        MiniJson p = new MiniJson(text);
        if (p.s.startsWith("\uFEFF")) p.pos = 1; // tolerate a UTF-8 byte order mark
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos != p.s.length()) throw p.error("unexpected " + p.describeHere() + " after the JSON value");
        return v;
    }

    private Object value(int depth) throws SyntaxError {
        if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        if (pos >= s.length()) throw error("unexpected end of input");
        char c = s.charAt(pos);
        switch (c) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string();
            case 't': literal("true"); return Boolean.TRUE;
            case 'f': literal("false"); return Boolean.FALSE;
            case 'n': literal("null"); return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected " + describeHere());
        }
    }

    private Map<String, Object> object(int depth) throws SyntaxError {
        pos++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(m);
        }
        while (true) {
            skipSpace();
            if (peek() != '"') throw error("expected a quoted key, found " + describeHere());
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            m.put(key, value(depth + 1));
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') return Collections.unmodifiableMap(m);
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' in object, found " + describeHere());
            }
        }
    }

    private List<Object> array(int depth) throws SyntaxError {
        pos++; // [
        List<Object> l = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(l);
        }
        while (true) {
            skipSpace();
            l.add(value(depth + 1));
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') return Collections.unmodifiableList(l);
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' in array, found " + describeHere());
            }
        }
    }

    private String string() throws SyntaxError {
        int start = pos;
        pos++; // opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                pos = start;
                throw error("unterminated string");
            }
            char c = s.charAt(pos++);
            if (c == '"') return b.toString();
            if (c < 0x20) {
                pos--;
                throw error("control character in string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= s.length()) throw error("unterminated escape");
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (pos + 4 > s.length()) throw error("short \\u escape");
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(s.charAt(pos++), 16);
                        if (d < 0) {
                            pos--;
                            throw error("bad hex digit in \\u escape");
                        }
                        cp = cp * 16 + d;
                    }
                    b.append((char) cp);
                }
                default -> {
                    pos--;
                    throw error("bad escape '\\" + e + "'");
                }
            }
        }
    }

    private Double number() throws SyntaxError {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            while (isDigit(peek())) pos++;
        } else {
            throw error("bad number");
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) throw error("bad number: digit expected after '.'");
            while (isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw error("bad number: digit expected in exponent");
            while (isDigit(peek())) pos++;
        }
        // Double.parseDouble rounds correctly, as Python's float() does, so values such as
        // 0.00392156862745098 come out as the same double Hugging Face uses.
        return Double.parseDouble(s.substring(start, pos));
    }

    private void literal(String word) throws SyntaxError {
        if (!s.startsWith(word, pos)) throw error("unexpected " + describeHere());
        pos += word.length();
    }

    private void expect(char c) throws SyntaxError {
        if (peek() != c) throw error("expected '" + c + "', found " + describeHere());
        pos++;
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            pos++;
        }
    }

    private String describeHere() {
        if (pos >= s.length()) return "end of input";
        char c = s.charAt(pos);
        return c < 0x20 ? String.format("character U+%04X", (int) c) : "'" + c + "'";
    }

    private SyntaxError error(String what) {
        int line = 1, col = 1;
        for (int i = 0; i < Math.min(pos, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new SyntaxError(what + " at line " + line + ", column " + col);
    }
}
