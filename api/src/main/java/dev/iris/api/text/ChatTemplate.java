package dev.iris.api.text;

import java.util.List;

/** A model family's prompt format. Training and generation render prompts with the same template. */
public interface ChatTemplate {

    /** The prompt text; with {@code addGenerationPrompt} it ends where the assistant's answer starts. */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** The text that closes an assistant turn (for Qwen {@code <|im_end|>}); the model learns to emit it. */
    String endOfTurn();

    /**
     * The placeholder for one image of {@code tokens} positions: the image token (the language
     * model's {@link dev.iris.api.spi.LanguageModel#imageToken()}) repeated, plus whatever the
     * configured layout wraps around it.
     */
    String imageBlock(int tokens);

    /**
     * A user message's content with one image: the text, a newline, then the image block (the
     * PyTorch LLaVA tutorial's {@code instruction + "\n" + pads}). Training and generation both
     * place images through this method, so they always agree.
     */
    default String withImage(String content, int tokens) {
        return content + "\n" + imageBlock(tokens);
    }
}
