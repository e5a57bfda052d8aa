package dev.iris.runtime.weights;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import dev.iris.runtime.onnx.WeightQuantizer;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A checkpoint {@code iris quantize} wrote: each quantized linear weight {@code W} is stored as
 * {@code W#codes} and {@code W#scales} in the layout of {@link WeightQuantizer} (metadata
 * {@value #WEIGHTS_KEY} names the format, {@value #LAYOUT_KEY} its version). Inference sessions
 * with the same {@code runtime.weights} read the codes as stored (no quantization at load);
 * anything that needs {@code W} itself (training, another format) gets it dequantized to float32.
 */
public final class QuantizedSource implements WeightSource, Fingerprinted {
    /** Metadata key: the {@code runtime.weights} value the codes were made for (int8, int4, int8_channel). */
    public static final String WEIGHTS_KEY = "iris.weights";
    /** Metadata key: the version of the codes' layout (see FrozenWeights' quantizer format). */
    public static final String LAYOUT_KEY = "iris.weights.layout";

    private final WeightSource file;
    private final Quantization quantization;

    private QuantizedSource(WeightSource file, Quantization quantization) {
        this.file = file;
        this.quantization = quantization;
    }

    /** {@code source} itself, or a view serving its quantized weights as floats too when its metadata says it holds codes. */
    public static WeightSource wrapIfQuantized(WeightSource source) {
        String spec = source.metadata().get(WEIGHTS_KEY);
        if (spec == null) return source;
        Quantization q;
        try {
            q = Quantization.parse(spec);
        } catch (RuntimeException e) {
            throw new WeightException(source.describe() + ": metadata " + WEIGHTS_KEY + " is '" + spec + "', not int8, int4 or int8_channel");
        }
        if (!q.enabled()) throw new WeightException(source.describe() + ": metadata " + WEIGHTS_KEY + " is '" + spec + "', not a quantized format");
        return new QuantizedSource(source, q);
    }

    /** The format the codes were made in. */
    public Quantization quantization() {
        return quantization;
    }

    @Override
    public Set<String> names() {
        Set<String> out = new LinkedHashSet<>();
        for (String n : file.names()) {
            if (n.endsWith(Quantization.codes(""))) out.add(n.substring(0, n.length() - Quantization.codes("").length()));
            else if (!n.endsWith(Quantization.scales(""))) out.add(n);
        }
        return out;
    }

    @Override
    public Optional<Info> info(String name) {
        Optional<Info> stored = file.info(name);
        if (stored.isPresent()) return stored;
        return file.info(Quantization.codes(name)).map(c -> new Info(name, DType.F32, floatShape(c)));
    }

    @Override
    public Tensor read(String name) {
        if (file.info(name).isPresent()) return file.read(name);
        Info codes = file.info(Quantization.codes(name))
                .orElseThrow(() -> new WeightException("missing weight " + name + ": it is not in " + file.describe()));
        long[] shape = floatShape(codes);
        int n = Math.toIntExact(shape[0]), k = Math.toIntExact(shape[1]);
        WeightQuantizer.Quantized q = new WeightQuantizer.Quantized(file.read(Quantization.codes(name)), file.read(Quantization.scales(name)));
        int block = quantization.perChannel() ? 0 : blockOf(codes, k);
        return Tensor.ofFloats(WeightQuantizer.dequantize(q, quantization.bits(), block, n, k), shape);
    }

    /** The float weight's shape [N, K] from its codes: [K, N] per channel, else [N, blocks, bytes per block]. */
    private long[] floatShape(Info codes) {
        long[] s = codes.shape();
        if (quantization.perChannel()) {
            if (s.length != 2) throw new WeightException(codes.name() + " in " + file.describe() + ": per-channel codes must be [K, N]");
            return new long[] {s[1], s[0]};
        }
        if (s.length != 3) throw new WeightException(codes.name() + " in " + file.describe() + ": block codes must be [N, blocks, bytes per block]");
        return new long[] {s[0], s[1] * s[2] * 8 / quantization.bits()};
    }

    private int blockOf(Info codes, int k) {
        return Math.toIntExact(k / codes.shape()[1]);
    }

    @Override
    public Map<String, String> metadata() {
        return file.metadata();
    }

    @Override
    public String describe() {
        return file.describe();
    }

    @Override
    public String origin(String name) {
        return file.origin(file.info(name).isPresent() ? name : Quantization.codes(name));
    }

    @Override
    public Optional<Id> checkpointId() {
        return Fingerprinted.of(file);
    }

    @Override
    public void close() {
        file.close();
    }
}
