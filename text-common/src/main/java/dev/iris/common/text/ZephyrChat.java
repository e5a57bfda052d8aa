package dev.iris.common.text;

import dev.iris.api.text.ChatMessage;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The Zephyr prompt format of TinyLlama-1.1B-Chat, written by hand: every turn is
 * {@code <|role|>\n} + content + {@code </s>\n}, and the generation prompt is
 * {@code <|assistant|>\n}. Reproduces the model's own {@code chat_template} byte for byte
 * (checked against strings rendered by Python jinja2). That template silently drops roles other
 * than system, user and assistant; Iris rejects them instead of losing a turn. Like the template,
 * an empty conversation renders as nothing, even with a generation prompt.
 */
public final class ZephyrChat implements FamilyChatTemplate {
    /** The end-of-sequence token that closes every turn (the tokenizer's {@code eos_token}). */
    public static final String EOS = "</s>";

    private final String imageToken;   // null: not set by the plugin yet

    private ZephyrChat(String imageToken) {
        this.imageToken = imageToken;
    }

    public static ZephyrChat zephyr() {
        return new ZephyrChat(null);
    }

    @Override
    public ZephyrChat withImageToken(String token) {
        if (token == null || token.isEmpty()) throw new IllegalArgumentException("an image block needs an image token");
        return new ZephyrChat(token);
    }

    /** The image token the plugin set, if it did. */
    public Optional<String> imageToken() {
        return Optional.ofNullable(imageToken);
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system", "user", "assistant" -> { }
                default -> throw new IllegalArgumentException("the Zephyr chat template knows roles system, user and assistant, not '" + m.role() + "'");
            }
            out.append("<|").append(m.role()).append("|>\n").append(m.content()).append(EOS).append('\n');
        }
        if (addGenerationPrompt && !messages.isEmpty()) out.append("<|assistant|>\n");
        return out.toString();
    }

    @Override
    public String endOfTurn() {
        return EOS;
    }

    @Override
    public String imageBlock(int tokens) {
        if (tokens < 1) throw new IllegalArgumentException("an image block needs at least one token, got " + tokens);
        if (imageToken == null) {
            throw new IllegalStateException("the Zephyr template's vocabulary has no image token: the language model plugin names the one it adds (withImageToken)");
        }
        return imageToken.repeat(tokens);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZephyrChat z && Objects.equals(z.imageToken, imageToken);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(imageToken);
    }

    @Override
    public String toString() {
        return "ZephyrChat[" + (imageToken != null ? "image token " + imageToken : "") + "]";
    }
}
