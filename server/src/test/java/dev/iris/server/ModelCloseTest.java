package dev.iris.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.VisionLanguageModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Closing a model (what SIGTERM does after the drain) while generations encode images, prefill and
 * decode: the close waits for the run under way, later runs are refused, and every generation ends
 * with its answer or an IrisException. Before, the sessions were freed under a running ONNX Runtime
 * call, which crashed the process (SIGSEGV in libonnxruntime).
 */
class ModelCloseTest {
    @Test
    void closingWhileGeneratingWaitsForTheRunUnderWay() throws Exception {
        byte[] png = TinyModel.png();
        GenerateConfig cfg = GenerateConfig.defaults().withMaxNewTokens(40).withTopK(TinyModel.defaults().topK());
        for (int round = 0; round < 3; round++) {
            VisionLanguageModel model = VisionLanguageModel.load(TinyModel.config(), PluginRegistry.discover());
            model.prepare();
            int threads = 3;
            CountDownLatch started = new CountDownLatch(threads);
            AtomicInteger answered = new AtomicInteger(), refused = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> other = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    started.countDown();
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (System.nanoTime() < end) {
                        try {
                            model.generate(Optional.of(png), "disc.png", "Describe the image.", cfg, piece -> {});
                            answered.incrementAndGet();
                        } catch (IrisException e) {
                            refused.incrementAndGet();   // the model was closed: the expected end
                            return;
                        } catch (Throwable e) {
                            other.add(e);
                            return;
                        }
                    }
                });
                w.start();
                workers.add(w);
            }
            started.await();
            Thread.sleep(150 + 100L * round);   // into the encodes, prefills and decode steps
            model.close();
            for (Thread w : workers) w.join(10_000);
            assertThat(workers).allSatisfy(w -> assertThat(w.isAlive()).isFalse());
            assertThat(other).as("failures other than 'the model was closed'").isEmpty();
            assertThat(refused.get()).as("generations ended by the close").isEqualTo(threads);
        }
    }
}
