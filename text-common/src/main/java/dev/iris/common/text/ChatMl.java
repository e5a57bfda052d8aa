package dev.iris.common.text;

import dev.iris.api.text.ChatMessage;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The ChatML prompt format of the Qwen family, written by hand: every turn is
 * {@code <|im_start|>role\ncontent<|im_end|>\n}, and the generation prompt is
 * {@code <|im_start|>assistant\n}. Hugging Face ships it as a Jinja template; this class
 * reproduces the output of the official templates byte for byte (checked against strings
 * rendered by Python jinja2) without a template engine.
 *
 * <p>Five flavours:
 * <ul>
 *   <li>{@link #chatMl()}: plain ChatML, every message as one turn, nothing added: a folder's
 *       template that writes plain ChatML, Qwen2's choice for a folder without a template, and
 *       Iris's presets' template ({@link ChatTemplates} recognises which one a folder has).</li>
 *   <li>{@link #qwen25()}: Qwen2.5's template. It <em>adds a system turn</em> "You are Qwen,
 *       created by Alibaba Cloud. You are a helpful assistant." when the conversation does not
 *       start with one. Iris chooses it only when the model folder's own template says so, and
 *       says so in the log; {@link #withDefaultSystem} changes or removes the text.</li>
 *   <li>{@link #qwen3()}: Qwen3's template. No default system turn. Reasoning
 *       ({@code <think>...</think>}) is removed from assistant turns before the last user
 *       query and kept, normalised, after it; an assistant turn after the last query that is
 *       the last message gets a (possibly empty) {@code <think>} block, as Qwen3 was trained.
 *       {@link #withThinking(boolean) withThinking(false)} is {@code enable_thinking=false}:
 *       the generation prompt ends in an empty think block so the model answers directly.</li>
 *   <li>{@link #smolLm2()}: SmolLM2's template (a Llama-family model that speaks ChatML). Like
 *       plain ChatML, but a conversation that does not start with a system turn gets "You are a
 *       helpful AI assistant named SmolLM, trained by Hugging Face" (an empty one gets none:
 *       the template adds it while writing the first message).</li>
 *   <li>{@link #qwen2()}: Qwen2-Instruct's (and Qwen1.5-Chat's) template: SmolLM2's rules with
 *       "You are a helpful assistant." as the system turn it adds.</li>
 * </ul>
 * Roles {@code system}, {@code user}, {@code assistant} and {@code tool}; the Qwen templates
 * group consecutive {@code tool} messages into one user turn of {@code <tool_response>} blocks.
 * Other roles are rejected by the Qwen flavours (their templates drop them silently) and
 * written as-is by plain ChatML, SmolLM2's and Qwen2's.
 *
 * <p>An image goes into a user turn in one of two layouts ({@link ImageLayout}): by default the
 * PyTorch LLaVA tutorial's, {@code instruction + "\n"} and one {@code <|image_pad|>} per image
 * position, which every projector trained with the tutorial saw; or, when asked for, Qwen2-VL's
 * wrapping of the pads in {@code <|vision_start|>} ... {@code <|vision_end|>}.
 */
public final class ChatMl implements FamilyChatTemplate {
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String VISION_START = "<|vision_start|>";
    public static final String VISION_END = "<|vision_end|>";
    public static final String IMAGE_PAD = "<|image_pad|>";
    /** The system turn Qwen2.5's template adds to a conversation that has none. */
    public static final String QWEN25_DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
    /** The system turn SmolLM2's template adds to a conversation that has none. */
    public static final String SMOLLM2_DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";
    /** The system turn Qwen2-Instruct's template adds to a conversation that has none. */
    public static final String QWEN2_DEFAULT_SYSTEM = "You are a helpful assistant.";

    private static final String THINK_OPEN = "<think>";
    private static final String THINK_CLOSE = "</think>";
    private static final String EMPTY_THINK = "<think>\n\n</think>\n\n";

    /** Which template's rules apply to tool and assistant turns. */
    public enum Flavour {
        CHATML, QWEN25, QWEN3, SMOLLM2, QWEN2;

        /** Every message is one turn, whatever its role (no tool grouping, no reasoning rules). */
        boolean plainTurns() {
            return this == CHATML || this == SMOLLM2 || this == QWEN2;
        }

        /** The default system turn is written with the first message, so an empty conversation gets none. */
        boolean systemWithFirstMessage() {
            return this == SMOLLM2 || this == QWEN2;
        }
    }

    /** How the image positions are written after the instruction. */
    public enum ImageLayout {
        /** The PyTorch LLaVA tutorial's: the pads alone, in training and generation (the default). */
        TUTORIAL("tutorial"),
        /** Qwen2-VL's: the pads between {@code <|vision_start|>} and {@code <|vision_end|>}. */
        QWEN2_VL("qwen2-vl");

        private final String configName;

        ImageLayout(String configName) {
            this.configName = configName;
        }

        /** The value of {@code model.llm.image_block} that selects it. */
        public String configName() {
            return configName;
        }
    }

    private final Flavour flavour;
    private final String defaultSystem;      // null: none added
    private final Boolean enableThinking;    // null: not set (Qwen3's default, the model decides)
    private final ImageLayout imageLayout;
    private final String imageToken;

    private ChatMl(Flavour flavour, String defaultSystem, Boolean enableThinking, ImageLayout imageLayout, String imageToken) {
        this.flavour = flavour;
        this.defaultSystem = defaultSystem;
        this.enableThinking = enableThinking;
        this.imageLayout = Objects.requireNonNull(imageLayout, "imageLayout");
        if (imageToken == null || imageToken.isEmpty()) throw new IllegalArgumentException("an image block needs an image token");
        this.imageToken = imageToken;
    }

    /** Plain ChatML: no default system turn, no reasoning rules. */
    public static ChatMl chatMl() {
        return new ChatMl(Flavour.CHATML, null, null, ImageLayout.TUTORIAL, IMAGE_PAD);
    }

    /** Qwen2.5's template, including its default system turn. */
    public static ChatMl qwen25() {
        return new ChatMl(Flavour.QWEN25, QWEN25_DEFAULT_SYSTEM, null, ImageLayout.TUTORIAL, IMAGE_PAD);
    }

    /** Qwen3's template with {@code enable_thinking} not set. */
    public static ChatMl qwen3() {
        return new ChatMl(Flavour.QWEN3, null, null, ImageLayout.TUTORIAL, IMAGE_PAD);
    }

    /** Qwen2-Instruct's template, including its default system turn. */
    public static ChatMl qwen2() {
        return new ChatMl(Flavour.QWEN2, QWEN2_DEFAULT_SYSTEM, null, ImageLayout.TUTORIAL, IMAGE_PAD);
    }

    /** SmolLM2's template, including its default system turn. */
    public static ChatMl smolLm2() {
        return new ChatMl(Flavour.SMOLLM2, SMOLLM2_DEFAULT_SYSTEM, null, ImageLayout.TUTORIAL, IMAGE_PAD);
    }

    /** The same rules with a different default system turn ({@code null}: none). */
    public ChatMl withDefaultSystem(String text) {
        return new ChatMl(flavour, text, enableThinking, imageLayout, imageToken);
    }

    /** Qwen3's {@code enable_thinking}: {@code false} closes an empty think block in the generation prompt. */
    public ChatMl withThinking(boolean enable) {
        if (flavour != Flavour.QWEN3) throw new IllegalStateException("enable_thinking is a Qwen3 template option, not " + flavour);
        return new ChatMl(flavour, defaultSystem, enable, imageLayout, imageToken);
    }

    /** The same rules with images written in {@code layout}. */
    public ChatMl withImageLayout(ImageLayout layout) {
        return new ChatMl(flavour, defaultSystem, enableThinking, layout, imageToken);
    }

    /**
     * The same rules with image positions written as {@code text} (default {@code <|image_pad|>},
     * which Qwen vocabularies hold): a family whose vocabulary has no image token adds its own
     * and names it here.
     */
    public ChatMl withImageToken(String text) {
        return new ChatMl(flavour, defaultSystem, enableThinking, imageLayout, text);
    }

    /** The text one image position is written as. */
    public String imageToken() {
        return imageToken;
    }

    public Flavour flavour() {
        return flavour;
    }

    public ImageLayout imageLayout() {
        return imageLayout;
    }

    /** The system turn added when a conversation has none. */
    public Optional<String> defaultSystem() {
        return Optional.ofNullable(defaultSystem);
    }

    /** Qwen3's {@code enable_thinking}, if set. */
    public Optional<Boolean> thinking() {
        return Optional.ofNullable(enableThinking);
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        int n = messages.size();
        for (ChatMessage m : messages) checkRole(m.role());
        boolean systemFirst = n > 0 && messages.get(0).role().equals("system");
        // SmolLM2's and Qwen2's templates add their system turn inside the message loop, Qwen2.5's before it
        if (!systemFirst && defaultSystem != null && (n > 0 || !flavour.systemWithFirstMessage())) turn(out, "system", defaultSystem);
        int lastQuery = flavour == Flavour.QWEN3 ? lastQueryIndex(messages) : n - 1;

        for (int i = 0; i < n; i++) {
            ChatMessage m = messages.get(i);
            String role = m.role();
            if (flavour.plainTurns()) {
                turn(out, role, m.content());
            } else if (role.equals("tool")) {
                // consecutive tool results share one user turn
                if (i == 0 || !messages.get(i - 1).role().equals("tool")) out.append(IM_START).append("user");
                out.append("\n<tool_response>\n").append(m.content()).append("\n</tool_response>");
                if (i == n - 1 || !messages.get(i + 1).role().equals("tool")) out.append(IM_END).append('\n');
            } else if (role.equals("assistant") && flavour == Flavour.QWEN3) {
                qwen3Assistant(out, m.content(), i > lastQuery, i == n - 1);
            } else {
                turn(out, role, m.content());
            }
        }
        if (addGenerationPrompt) {
            out.append(IM_START).append("assistant\n");
            if (flavour == Flavour.QWEN3 && Boolean.FALSE.equals(enableThinking)) out.append(EMPTY_THINK);
        }
        return out.toString();
    }

    private void checkRole(String role) {
        if (flavour.plainTurns()) return;
        switch (role) {
            case "system", "user", "assistant", "tool" -> { }
            default -> throw new IllegalArgumentException("the " + flavour + " chat template knows roles system, user, assistant and tool, not '" + role + "'");
        }
    }

    private static void turn(StringBuilder out, String role, String content) {
        out.append(IM_START).append(role).append('\n').append(content).append(IM_END).append('\n');
    }

    // Qwen3: the index of the last user message that is not a wrapped tool response
    private static int lastQueryIndex(List<ChatMessage> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            ChatMessage m = messages.get(i);
            if (m.role().equals("user") && !(m.content().startsWith("<tool_response>") && m.content().endsWith("</tool_response>"))) return i;
        }
        return messages.size() - 1;
    }

    private static void qwen3Assistant(StringBuilder out, String text, boolean afterLastQuery, boolean last) {
        String content = text, reasoning = "";
        int close = text.lastIndexOf(THINK_CLOSE);
        if (close >= 0) {
            // the template's split('</think>')[-1].lstrip('\n') and split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
            content = stripLeading(text.substring(close + THINK_CLOSE.length()));
            String before = stripTrailing(text.substring(0, text.indexOf(THINK_CLOSE)));
            int open = before.lastIndexOf(THINK_OPEN);
            reasoning = stripLeading(open >= 0 ? before.substring(open + THINK_OPEN.length()) : before);
        }
        out.append(IM_START).append("assistant\n");
        if (afterLastQuery && (last || !reasoning.isEmpty())) {
            out.append(THINK_OPEN).append('\n').append(stripTrailing(stripLeading(reasoning))).append('\n')
                    .append(THINK_CLOSE).append("\n\n").append(stripLeading(content));
        } else {
            out.append(content);
        }
        out.append(IM_END).append('\n');
    }

    // Python's lstrip('\n') / rstrip('\n'): newlines only
    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == '\n') i++;
        return s.substring(i);
    }

    private static String stripTrailing(String s) {
        int j = s.length();
        while (j > 0 && s.charAt(j - 1) == '\n') j--;
        return s.substring(0, j);
    }

    @Override
    public String endOfTurn() {
        return IM_END;
    }

    @Override
    public String imageBlock(int tokens) {
        if (tokens < 1) throw new IllegalArgumentException("an image block needs at least one token, got " + tokens);
        String pads = imageToken.repeat(tokens);
        return switch (imageLayout) {
            case TUTORIAL -> pads;
            case QWEN2_VL -> VISION_START + pads + VISION_END;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChatMl c && c.flavour == flavour && Objects.equals(c.defaultSystem, defaultSystem)
                && Objects.equals(c.enableThinking, enableThinking) && c.imageLayout == imageLayout
                && c.imageToken.equals(imageToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(flavour, defaultSystem, enableThinking, imageLayout, imageToken);
    }

    @Override
    public String toString() {
        return "ChatMl[" + flavour + (defaultSystem != null ? ", default system" : "")
                + (enableThinking != null ? ", enable_thinking=" + enableThinking : "")
                + (imageLayout != ImageLayout.TUTORIAL ? ", image_block=" + imageLayout.configName() : "")
                + (!imageToken.equals(IMAGE_PAD) ? ", image token " + imageToken : "") + "]";
    }
}
