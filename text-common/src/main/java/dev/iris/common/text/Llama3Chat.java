package dev.iris.common.text;

import dev.iris.api.text.ChatMessage;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The Llama 3 prompt format, written by hand: every turn is
 * {@code <|start_header_id|>role<|end_header_id|>\n\n} + the content with surrounding
 * whitespace removed + {@code <|eot_id|>}, after one {@code <|begin_of_text|>}. The output of
 * the models' own {@code chat_template} is reproduced byte for byte (checked against strings
 * rendered by Python jinja2).
 *
 * <ul>
 *   <li>{@link #llama3()}: Llama 3's template. {@code <|begin_of_text|>} opens the first turn;
 *       every message is a turn, nothing is added.</li>
 *   <li>{@link #llama31()} and {@link #llama32()}: the 3.1 and 3.2 templates. They always write
 *       a system turn first: "Cutting Knowledge Date: December 2023", "Today Date: " + a date,
 *       a blank line, then the conversation's first system message (if any). Tool results
 *       ({@code tool} or {@code ipython} messages) become {@code ipython} turns whose content is
 *       written as a JSON string.</li>
 * </ul>
 * The date is the templates' own default "26 Jul 2024" unless {@link #withDateString} or
 * {@link #withToday} sets it (the templates' {@code date_string}). Llama 3.2's template, when
 * transformers renders it, writes the day of rendering ({@code strftime_now("%d %b %Y")});
 * {@code withToday(Clock.systemDefaultZone())} does the same. Iris keeps the fixed default so a
 * prompt does not change from one day to the next (training and generation agree).
 */
public final class Llama3Chat implements FamilyChatTemplate {
    public static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    public static final String START_HEADER = "<|start_header_id|>";
    public static final String END_HEADER = "<|end_header_id|>";
    public static final String EOT = "<|eot_id|>";
    /** The date the 3.1 and 3.2 templates write when none is given. */
    public static final String DEFAULT_DATE = "26 Jul 2024";
    public static final String KNOWLEDGE_LINE = "Cutting Knowledge Date: December 2023\n";

    // Python's strftime("%d %b %Y") in the C locale: English month abbreviations
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("dd MMM uuuu", Locale.US);

    /** Which release's template. */
    public enum Version { LLAMA3, LLAMA31, LLAMA32 }

    private final Version version;
    private final String dateString;   // null: from the clock, or the default
    private final Clock clock;         // null: the fixed date
    private final String imageToken;   // null: not set by the plugin yet

    private Llama3Chat(Version version, String dateString, Clock clock, String imageToken) {
        this.version = Objects.requireNonNull(version, "version");
        this.dateString = dateString;
        this.clock = clock;
        this.imageToken = imageToken;
    }

    public static Llama3Chat llama3() {
        return new Llama3Chat(Version.LLAMA3, null, null, null);
    }

    public static Llama3Chat llama31() {
        return new Llama3Chat(Version.LLAMA31, null, null, null);
    }

    public static Llama3Chat llama32() {
        return new Llama3Chat(Version.LLAMA32, null, null, null);
    }

    /** The templates' {@code date_string}: the text after "Today Date: ". */
    public Llama3Chat withDateString(String date) {
        if (date == null || date.isEmpty()) throw new IllegalArgumentException("a date string is needed (the templates' default is " + DEFAULT_DATE + ")");
        checkDated();
        return new Llama3Chat(version, date, null, imageToken);
    }

    /** "Today Date: " is the day of each rendering on {@code clock}, formatted as Python's {@code strftime("%d %b %Y")}. */
    public Llama3Chat withToday(Clock clock) {
        Objects.requireNonNull(clock, "clock");
        checkDated();
        return new Llama3Chat(version, null, clock, imageToken);
    }

    private void checkDated() {
        if (version == Version.LLAMA3) throw new IllegalStateException("Llama 3's template writes no date; only the 3.1 and 3.2 templates do");
    }

    @Override
    public Llama3Chat withImageToken(String token) {
        if (token == null || token.isEmpty()) throw new IllegalArgumentException("an image block needs an image token");
        return new Llama3Chat(version, dateString, clock, token);
    }

    public Version version() {
        return version;
    }

    /** The image token the plugin set, if it did. */
    public Optional<String> imageToken() {
        return Optional.ofNullable(imageToken);
    }

    /** The date the next rendering writes (3.1 and 3.2). */
    public String dateString() {
        if (dateString != null) return dateString;
        if (clock != null) return LocalDate.now(clock).format(DATE);
        return DEFAULT_DATE;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        if (version == Version.LLAMA3) {
            for (int i = 0; i < messages.size(); i++) {
                if (i == 0) out.append(BEGIN_OF_TEXT);
                turn(out, messages.get(i).role(), pythonStrip(messages.get(i).content()));
            }
        } else {
            // the template reads messages[0]['role'], which fails on an empty conversation
            if (messages.isEmpty()) throw new IllegalArgumentException("the Llama " + (version == Version.LLAMA31 ? "3.1" : "3.2") + " chat template needs at least one message");
            int first = 0;
            String system = "";
            if (messages.get(0).role().equals("system")) {
                system = pythonStrip(messages.get(0).content());
                first = 1;
            }
            out.append(BEGIN_OF_TEXT);
            turn(out, "system", KNOWLEDGE_LINE + "Today Date: " + dateString() + "\n\n" + system);
            for (ChatMessage m : messages.subList(first, messages.size())) {
                if (m.role().equals("tool") || m.role().equals("ipython")) turn(out, "ipython", jsonString(m.content()));
                else turn(out, m.role(), pythonStrip(m.content()));
            }
        }
        if (addGenerationPrompt) out.append(START_HEADER).append("assistant").append(END_HEADER).append("\n\n");
        return out.toString();
    }

    private static void turn(StringBuilder out, String role, String text) {
        out.append(START_HEADER).append(role).append(END_HEADER).append("\n\n").append(text).append(EOT);
    }

    @Override
    public String endOfTurn() {
        return EOT;
    }

    @Override
    public String imageBlock(int tokens) {
        if (tokens < 1) throw new IllegalArgumentException("an image block needs at least one token, got " + tokens);
        if (imageToken == null) {
            throw new IllegalStateException("the Llama 3 vocabulary has no image token: the language model plugin names the one it adds (withImageToken)");
        }
        return imageToken.repeat(tokens);
    }

    /** Jinja's {@code trim}: Python's {@code str.strip()}, which removes every character {@code str.isspace()} accepts. */
    static String pythonStrip(String s) {
        int i = 0, j = s.length();
        while (i < j && isPythonSpace(s.charAt(i))) i++;
        while (j > i && isPythonSpace(s.charAt(j - 1))) j--;
        return s.substring(i, j);
    }

    static boolean isPythonSpace(char c) {
        return switch (c) {
            case '\t', '\n', '\u000B', '\f', '\r', '\u001C', '\u001D', '\u001E', '\u001F', ' ', '\u0085', '\u00A0',
                 '\u1680', '\u2028', '\u2029', '\u202F', '\u205F', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200A';
        };
    }

    /** transformers' {@code tojson} of a string: Python's {@code json.dumps(s, ensure_ascii=False)}. */
    static String jsonString(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Llama3Chat l && l.version == version && Objects.equals(l.dateString, dateString)
                && Objects.equals(l.clock, clock) && Objects.equals(l.imageToken, imageToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, dateString, clock, imageToken);
    }

    @Override
    public String toString() {
        return "Llama3Chat[" + version + (dateString != null ? ", date " + dateString : "") + (clock != null ? ", today" : "")
                + (imageToken != null ? ", image token " + imageToken : "") + "]";
    }
}
