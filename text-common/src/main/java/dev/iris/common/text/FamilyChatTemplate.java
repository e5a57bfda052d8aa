package dev.iris.common.text;

import dev.iris.api.text.ChatTemplate;

/**
 * A chat template of a language-model family whose image token is set by the plugin: a family
 * whose vocabulary has no image token adds one and names it here, so image blocks are written
 * with a token the tokenizer knows.
 */
public interface FamilyChatTemplate extends ChatTemplate {

    /** The same template with image positions written as {@code token}. */
    FamilyChatTemplate withImageToken(String token);
}
