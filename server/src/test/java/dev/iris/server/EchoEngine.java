package dev.iris.server;

import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel.Request;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A stand-in model that answers "ok" at once, and counts how often (and under how many running requests) the prompt was tokenized. */
final class EchoEngine extends FakeEngine {
    final AtomicInteger tokenized = new AtomicInteger();
    volatile IrisServer server;
    volatile int runningWhenTokenized = -1;

    @Override
    public int promptTokens(Request request) {
        tokenized.incrementAndGet();
        if (server != null) runningWhenTokenized = server.admission().running();
        return super.promptTokens(request);
    }

    @Override
    public GenerationResult generate(Request request, GenerateConfig cfg, Consumer<String> onText) {
        onText.accept("ok");
        return new GenerationResult("ok", new long[10], new long[1], "stop", 0, 0, List.of());
    }
}
