package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generations running at the same time share decode steps, and each gets what it would get alone. */
class ConcurrentGenerationTest {
    @TempDir
    static Path dir;
    static IrisConfig config;
    static byte[] png;
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @BeforeAll
    static void initTinyModels() throws Exception {
        Path models = dir.resolve("tiny");
        IrisCliTest.Run r = IrisCliTest.run(() -> REGISTRY, "init", "--preset", "tiny", "--out", models.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        config = new ConfigLoader().load(models.resolve("iris.yaml"), List.of());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(GenerateEndToEndTest.picture(), "png", out);
        png = out.toByteArray();
    }

    /** Different prompts, lengths, image or not, greedy or sampled: rows of one batch with different cache lengths. */
    private static final List<Job> JOBS = List.of(
            new Job(Optional.of(true), "Describe the image.", GenerateConfig.defaults().withMaxNewTokens(24)),
            new Job(Optional.empty(), "Hello there, how are you today?", GenerateConfig.defaults().withMaxNewTokens(30)),
            new Job(Optional.of(true), "What colour is the shape in this picture, and where is it?", GenerateConfig.defaults().withMaxNewTokens(18).withTemperature(0.9).withTopK(20).withTopP(0.95).withRepetitionPenalty(1.1).withSeed(7)),
            new Job(Optional.empty(), "Hi", GenerateConfig.defaults().withMaxNewTokens(27).withTemperature(1.0).withSeed(3)));

    private record Job(Optional<Boolean> image, String question, GenerateConfig cfg) {
        GenerationResult run(VisionLanguageModel m, java.util.function.Consumer<String> onText) {
            return m.generate(image.map(b -> png), "circle.png", question, cfg, onText);
        }
    }

    @Test
    void concurrentGenerationsShareStepsAndMatchRunningAlone() throws Exception {
        try (VisionLanguageModel m = VisionLanguageModel.load(config, REGISTRY)) {
            List<GenerationResult> alone = new ArrayList<>();
            for (Job j : JOBS) alone.add(j.run(m, s -> {}));
            assertThat(m.largestDecodeBatch()).isEqualTo(1);
            for (GenerationResult r : alone) assertThat(r.generatedIds().length).as("the tiny model should not stop at once").isGreaterThan(3);

            ExecutorService pool = Executors.newFixedThreadPool(JOBS.size());
            try {
                CyclicBarrier start = new CyclicBarrier(JOBS.size());
                List<Future<GenerationResult>> runs = new ArrayList<>();
                List<StringBuilder> streamed = new ArrayList<>();
                for (Job j : JOBS) {
                    StringBuilder sb = new StringBuilder();
                    streamed.add(sb);
                    runs.add(pool.submit(() -> {
                        start.await();
                        return j.run(m, sb::append);
                    }));
                }
                for (int i = 0; i < JOBS.size(); i++) {
                    GenerationResult together = runs.get(i).get(60, TimeUnit.SECONDS);
                    assertThat(together.generatedIds()).as("job %d", i).containsExactly(alone.get(i).generatedIds());
                    assertThat(together.stopReason()).isEqualTo(alone.get(i).stopReason());
                    assertThat(streamed.get(i).toString()).isEqualTo(together.text());
                    assertThat(together.decodeMs()).hasSize(together.generatedIds().length - 1);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(m.largestDecodeBatch()).as("steps served several generations at once").isGreaterThan(1);
            assertThat(m.decoding()).isZero();
        }
    }

    @Test
    void aGenerationWhoseListenerFailsLeavesTheBatchAndTheOthersFinish() throws Exception {
        try (VisionLanguageModel m = VisionLanguageModel.load(config, REGISTRY)) {
            Job steady = JOBS.get(1), quitter = JOBS.get(0);
            GenerationResult alone = steady.run(m, s -> {});
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CyclicBarrier start = new CyclicBarrier(2);
                AtomicInteger pieces = new AtomicInteger();
                Future<GenerationResult> a = pool.submit(() -> {
                    start.await();
                    return steady.run(m, s -> {});
                });
                Future<GenerationResult> b = pool.submit(() -> {
                    start.await();
                    return quitter.run(m, s -> {
                        if (pieces.incrementAndGet() == 3) throw new IllegalStateException("client went away");
                    });
                });
                assertThatThrownBy(() -> b.get(60, TimeUnit.SECONDS)).hasRootCauseMessage("client went away");
                assertThat(a.get(60, TimeUnit.SECONDS).generatedIds()).containsExactly(alone.generatedIds());
            } finally {
                pool.shutdownNow();
            }
            // the cancelled row is dropped at the next step
            for (int i = 0; i < 100 && m.decoding() > 0; i++) Thread.sleep(10);
            assertThat(m.decoding()).isZero();
        }
    }
}
