package dev.iris.server;

import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.plugins.model.VisionLanguageModel.Request;
import java.util.function.Consumer;

/**
 * What the server needs of a model. {@link #of(VisionLanguageModel)} is the real one; tests may
 * put a scripted one in its place to hold a generation open for as long as they need.
 */
public interface ChatEngine {
    /** The prompt's token count (the prompt must leave room for max_tokens in the context). */
    int promptTokens(Request request);

    /** The longest context the model supports. */
    int contextLength();

    /** Tokens in a piece of generated text (usage of a generation that was stopped from {@code onText}). */
    int countTokens(String text);

    /** As {@link VisionLanguageModel#generate(Request, GenerateConfig, Consumer, boolean)}: a throwing {@code onText} stops it. */
    GenerationResult generate(Request request, GenerateConfig cfg, Consumer<String> onText);

    /** Generations in the model's shared decode steps now (0 for engines without them). */
    default int decoding() {
        return 0;
    }

    static ChatEngine of(VisionLanguageModel model) {
        return new ChatEngine() {
            @Override
            public int decoding() {
                return model.decoding();
            }

            @Override
            public int promptTokens(Request request) {
                long[] ids = model.promptIds(request);
                // text that spells the image placeholder would shift the image: refuse it here, as a client error
                if (model.imageTokensIn(ids) != model.expectedImageTokens(request)) throw spelledImageToken(request, model);
                return ids.length;
            }

            @Override
            public int contextLength() {
                return model.contextLength();
            }

            @Override
            public int countTokens(String text) {
                return text.isEmpty() ? 0 : model.parts().llm().tokenizer().encode(text).length;
            }

            @Override
            public GenerationResult generate(Request request, GenerateConfig cfg, Consumer<String> onText) {
                return model.generate(request, cfg, onText, false);
            }
        };
    }

    /** The 400 for message text that spells the model's image placeholder, naming the first message that does. */
    private static ApiError spelledImageToken(Request request, VisionLanguageModel model) {
        String token = model.parts().llm().imageToken().text();
        for (int i = 0; i < request.messages().size(); i++) {
            if (request.messages().get(i).content().contains(token)) {
                return ApiError.badRequest("messages[" + i + "].content", "messages[" + i + "].content must not contain " + token
                        + " (the image placeholder is the server's to place)");
            }
        }
        return ApiError.badRequest("messages", "message text must not contain " + token + " (the image placeholder is the server's to place)");
    }
}
