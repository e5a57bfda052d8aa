package dev.iris.runtime.session;

import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;
import dev.iris.runtime.onnx.FileWeight;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import dev.iris.runtime.weights.QuantizedSource;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes one weight group's checkpoint with its quantized linear weights as the codes and scales
 * the open inference sessions read (from the weight cache), so a later load in the same format
 * quantizes nothing: {@code W#codes} and {@code W#scales} in {@link dev.iris.runtime.onnx.WeightQuantizer}'s
 * layout (embedding tables too, tied or not: inference graphs gather their rows from the codes),
 * every other tensor (and a quantized weight a graph also reads as floats) as float32, with
 * metadata {@value QuantizedSource#WEIGHTS_KEY} and {@value QuantizedSource#LAYOUT_KEY}.
 */
public final class QuantizedExport {
    private QuantizedExport() {}

    /** What was written: tensors stored as codes, and tensors kept as floats. */
    public record Written(Path file, int quantized, int floats) {}

    /**
     * @param sessions the factory whose sessions are open in {@code quantization} (every graph that reads the group)
     * @param group    the weight group (e.g. {@code llm})
     * @param source   the group's checkpoint
     * @throws IrisException when the sessions read nothing of the group as codes (the weight cache is off, or no weight quantizes)
     */
    public static Written write(SessionFactory sessions, Quantization quantization, String group, WeightSource source, Path file) {
        if (!quantization.enabled()) throw new IrisException("iris quantize needs a quantized format (int8, int4, int8_channel), not fp32");
        Map<String, FileWeight> initializers = sessions.fileWeights();
        String prefix = group + "/", codes = Quantization.codes(""), scales = Quantization.scales("");
        Map<String, Tensor> out = new LinkedHashMap<>();
        int quantized = 0, floats = 0;
        for (String name : source.names()) {
            FileWeight c = initializers.get(Quantization.codes(prefix + name));
            FileWeight s = initializers.get(Quantization.scales(prefix + name));
            if (c != null && s != null) {
                out.put(name + codes, read(c));
                out.put(name + scales, read(s));
                quantized++;
                if (!initializers.containsKey(prefix + name)) continue;   // read as codes only
            }
            out.put(name, source.read(name));
            floats++;
        }
        if (quantized == 0) {
            throw new IrisException("no weight of " + group + " (" + source.describe() + ") was read as " + quantization.spec()
                    + " codes from the weight cache: is IRIS_WEIGHT_CACHE off, or does no linear layer quantize?");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(QuantizedSource.WEIGHTS_KEY, quantization.spec());
        meta.put(QuantizedSource.LAYOUT_KEY, String.valueOf(FrozenWeights.QUANTIZER_FORMAT));
        SafetensorsWriter.write(file, out, DType.F32, meta);
        return new Written(file, quantized, floats);
    }

    /** A cache file's range as a tensor (a read-only mapping: the writer copies it). */
    private static Tensor read(FileWeight w) {
        try (FileChannel ch = FileChannel.open(w.file(), StandardOpenOption.READ)) {
            return new Tensor(w.dtype(), w.shape(), ch.map(FileChannel.MapMode.READ_ONLY, w.offset(), w.length()).order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException e) {
            throw new IrisException("weight cache " + w.file() + ": cannot read " + w.length() + " bytes at " + w.offset() + " (" + e.getMessage() + ")", e);
        }
    }
}
