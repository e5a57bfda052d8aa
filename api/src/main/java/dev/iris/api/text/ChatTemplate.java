package dev.iris.api.text;

import java.util.List;

/** A model family's prompt format. Training and generation render prompts with the same template. */
public interface ChatTemplate {

    /** The prompt text; with {@code addGenerationPrompt} it ends where the assistant's answer starts. */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** The text that closes an assistant turn (for Qwen {@code <|im_end|>}); the model learns to emit it. */
    String endOfTurn();

    /** The placeholder for one image of {@code tokens} tokens, placed in a user message. */
    String imageBlock(int tokens);

    /** The token each image position is written as ({@code <|image_pad|>}). */
    String imagePadToken();
}
