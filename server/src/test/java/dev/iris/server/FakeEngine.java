package dev.iris.server;

import dev.iris.plugins.model.VisionLanguageModel.Request;

/** A stand-in model for protocol tests: fixed token counts and a large context. */
abstract class FakeEngine implements ChatEngine {
    @Override
    public int promptTokens(Request request) {
        return 10;
    }

    @Override
    public int contextLength() {
        return 4096;
    }

    @Override
    public int countTokens(String text) {
        return text.length();
    }
}
