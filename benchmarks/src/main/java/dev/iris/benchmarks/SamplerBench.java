package dev.iris.benchmarks;

import dev.iris.runtime.generate.Sampler;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** One decode step's sampling over Qwen2's 151936-entry vocabulary: runs once per generated token. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SamplerBench {
    static final int VOCAB = 151_936;

    float[] logits;
    Sampler greedy;
    Sampler topP;

    @Setup
    public void setup() {
        // logits of a random-weight model look like small Gaussian noise
        SplittableRandom random = new SplittableRandom(0);
        logits = new float[VOCAB];
        for (int i = 0; i < VOCAB; i++) logits[i] = (float) (random.nextGaussian() * 2);
        greedy = new Sampler(Sampler.Settings.greedy(), VOCAB);
        topP = new Sampler(new Sampler.Settings(0.7, 0, 0.9, 1.0, 0), VOCAB);
    }

    @Benchmark
    public int greedy() {
        return greedy.next(logits);
    }

    @Benchmark
    public int topP() {
        return topP.next(logits);
    }
}
