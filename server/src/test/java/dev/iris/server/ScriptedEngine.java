package dev.iris.server;

import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel.Request;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A stand-in model whose generations can be held open: each writes "Hello", then one "." every
 * 10 ms until {@link #release()}, then " done". For queue, deadline and drain tests, where
 * timing must not depend on how fast a real model happens to be.
 */
final class ScriptedEngine extends FakeEngine {
    private volatile CountDownLatch gate = new CountDownLatch(1);
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();

    void hold() {
        gate = new CountDownLatch(1);
    }

    void release() {
        gate.countDown();
    }

    @Override
    public GenerationResult generate(Request request, GenerateConfig cfg, Consumer<String> onText) {
        started.incrementAndGet();
        CountDownLatch g = gate;
        onText.accept("Hello");
        int n = 1;
        try {
            while (!g.await(10, TimeUnit.MILLISECONDS)) {
                onText.accept(".");
                n++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onText.accept(" done");
        finished.incrementAndGet();
        return new GenerationResult("", new long[10], new long[n + 1], "stop", 0, 0, List.of());
    }
}
