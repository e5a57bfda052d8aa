package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.graph.LoraRewrite;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code iris merge}: folds a LoRA adapter into its base model, {@code W' = W + (alpha / r) B A}
 * for every adapted module, and writes a loadable Hugging Face model folder: one
 * {@code model.safetensors} in the language model's own names (every tensor, each in the dtype
 * the base stores it in, or all floating ones in the dtype asked for), and the base folder's
 * other files (config, tokenizer, generation config) copied, {@code config.json}'s dtype set to
 * the one written.
 */
public final class LoraMerge {
    /** What was written: the folder, the modules folded in, the tensors written and their floating dtypes. */
    public record Result(Path output, List<String> modules, int tensors, Set<DType> dtypes) {}

    private static final String CONFIG = "config.json";

    private LoraMerge() {}

    /** {@link #merge(Path, Path, Path, Optional)} keeping each tensor's dtype. */
    public static Result merge(Path adapterFolder, Path base, Path output) {
        return merge(adapterFolder, base, output, Optional.empty());
    }

    /**
     * @param base the base model folder (the adapter's {@code base_model_name_or_path} when null)
     * @param dtype the floating dtype to write; empty keeps each tensor's dtype in the base (a
     *     merged weight is computed in float32 and rounded to nearest even into it)
     */
    public static Result merge(Path adapterFolder, Path base, Path output, Optional<DType> dtype) {
        PeftAdapter adapter = PeftAdapter.read(adapterFolder);
        if (base == null) {
            if (adapter.base().isEmpty()) {
                throw new IrisException(adapterFolder.resolve(PeftAdapter.CONFIG) + " names no base_model_name_or_path; give --base");
            }
            base = Path.of(adapter.base());
        }
        if (!Files.isDirectory(base)) throw new IrisException("base model " + base + " is not a folder");
        Path baseFolder = base;
        return ModelFolders.writeNew(output, "--output", tmp -> {
            try (WeightSource weights = Safetensors.open(baseFolder)) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (String n : weights.names()) out.put(n, weights.read(n));
                double scale = adapter.spec().scale();
                for (String m : adapter.modules()) {
                    String key = m + ".weight";
                    Tensor w = out.get(key);
                    if (w == null) {
                        throw new IrisException("the adapter adapts " + m + " but the base model " + baseFolder + " has no tensor " + key);
                    }
                    Tensor merged = folded(w, adapter.weights().get(m + LoraRewrite.A), adapter.weights().get(m + LoraRewrite.B), scale, key);
                    out.put(key, merged.toFloating(dtype.orElse(w.dtype())));
                }
                Set<DType> written = EnumSet.noneOf(DType.class);
                for (Tensor t : out.values()) if (t.dtype().isFloating()) written.add(dtype.orElse(t.dtype()));
                Path file = tmp.resolve(Safetensors.SINGLE_FILE);
                // the other tensors are converted as they are written, never all held converted at once
                if (dtype.isPresent()) SafetensorsWriter.write(file, out, dtype.get(), Map.of("format", "pt"));
                else SafetensorsWriter.writeAsHeld(file, out, Map.of("format", "pt"));
                ModelFolders.copyOtherFiles(baseFolder, tmp);
                // with several dtypes (kept from such a base) no single name is true; the copied config then stays the base's
                if (written.size() == 1 && Files.isRegularFile(tmp.resolve(CONFIG))) {
                    ConfigDType.set(tmp.resolve(CONFIG), baseFolder.resolve(CONFIG), written.iterator().next());
                }
                return new Result(output, adapter.modules(), out.size(), written);
            }
        });
    }

    /** W + scale * B A, in float32 with float64 sums. */
    static Tensor folded(Tensor w, Tensor a, Tensor b, double scale, String key) {
        long[] ws = w.shape(), as = a.shape(), bs = b.shape();
        if (ws.length != 2 || bs[0] != ws[0] || as[1] != ws[1]) {
            throw new IrisException("the adapter's " + key + " update is " + Arrays.toString(bs) + " x " + Arrays.toString(as)
                    + ", the base weight is " + Arrays.toString(ws));
        }
        int out = (int) ws[0], in = (int) ws[1], r = (int) as[0];
        float[] wv = w.toFloating(DType.F32).toFloats(), av = a.toFloats(), bv = b.toFloats();
        float[] merged = new float[wv.length];
        double[] row = new double[in];
        for (int o = 0; o < out; o++) {
            Arrays.fill(row, 0);
            for (int k = 0; k < r; k++) {
                double bk = bv[o * r + k];
                if (bk == 0) continue;
                for (int i = 0; i < in; i++) row[i] += bk * av[k * in + i];
            }
            for (int i = 0; i < in; i++) merged[o * in + i] = (float) (wv[o * in + i] + scale * row[i]);
        }
        return Tensor.ofFloats(merged, ws);
    }
}
