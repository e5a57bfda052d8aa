package dev.iris.benchmarks;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** bf16 -> f32 of a 16M-element tensor (a Qwen2.5-0.5B-sized matrix): what loading a published checkpoint pays per tensor. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class Bf16WideningBench {
    static final int ELEMENTS = 16 << 20;

    Tensor bf16;

    @Setup
    public void setup() {
        ByteBuffer data = Tensor.allocate(ELEMENTS * 2L);
        for (int i = 0; i < ELEMENTS; i++) data.putShort(i * 2, (short) (0x3c00 + (i & 0xff)));
        bf16 = new Tensor(DType.BF16, new long[] {4096, 4096}, data);
    }

    @Benchmark
    public Tensor toF32() {
        return bf16.toFloating(DType.F32);
    }
}
