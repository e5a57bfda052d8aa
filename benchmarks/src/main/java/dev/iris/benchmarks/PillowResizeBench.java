package dev.iris.benchmarks;

import dev.iris.common.vision.PillowResize;
import dev.iris.common.vision.Resample;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The SigLIP preprocessing resize: a 640x480 camera-sized RGB image to 224x224, bicubic, exactly as Pillow does it. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PillowResizeBench {
    byte[] pixels;

    @Setup
    public void setup() {
        pixels = new byte[640 * 480 * 3];
        new SplittableRandom(0).nextBytes(pixels);
    }

    @Benchmark
    public byte[] bicubic640x480To224() {
        return PillowResize.resize(pixels, 640, 480, 3, 224, 224, Resample.BICUBIC);
    }
}
