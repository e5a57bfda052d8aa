package dev.iris.runtime.session;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.cache.WeightCache;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.FileWeight;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.WeightQuantizer;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.weights.Fingerprinted;
import dev.iris.runtime.weights.QuantizedSource;
import dev.iris.runtime.weights.WeightBinder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stored form of a graph's frozen weights: memory-mapped from the weight cache for a group
 * with a checkpoint on disk (converted on first use), else read and converted in memory. A
 * model's sessions get the same mapped buffers, so a weight read by two graphs is held once.
 */
final class FrozenWeights {
    /**
     * Version of {@link WeightQuantizer}'s output layout in cache keys: bump it when the codes or
     * scales it writes for the same bits and block size change, so old cache files are rebuilt.
     */
    static final int QUANTIZER_FORMAT = 2;   // 2: per-channel codes uint8 in [1, 255] (were int8 in [-63, 63])

    private final WeightCache cache;
    private final CompiledGraph.Quantization quantization;
    /** Cache files' contents by key (checkpoint content + format), shared by every session of the factory. */
    private final Map<String, Map<String, FileWeight>> mapped = new HashMap<>();
    /** The float shape each graph asked for, by group/name: a checkpoint's tensor is checked against it before conversion. */
    private final Map<String, long[]> expected = new HashMap<>();

    FrozenWeights(WeightCache cache, CompiledGraph.Quantization quantization) {
        this.cache = cache;
        this.quantization = quantization;
    }

    /** The cache's name for the conversion format (part of every file's key and name). */
    String format() {
        return quantization.enabled()
                ? "q" + quantization.bits() + "b" + quantization.blockSize() + "v" + QUANTIZER_FORMAT
                : "f32";
    }

    /** Every initializer of {@code cg} (see {@link GraphSession#initializerNames}) in its stored form. */
    /** A graph's initializers: converted in memory, or in cache files. */
    record Bound(Map<String, Tensor> inMemory, Map<String, FileWeight> inFiles) {}

    synchronized Bound initializers(Graph graph, CompiledGraph cg, WeightBinder binder) {
        Map<String, FileWeight> out = new LinkedHashMap<>();
        // what each checkpoint on disk must provide: entry name (the file's tensor name plus any suffix) -> initializer names
        Map<String, Map<String, WeightCache.Want>> wants = new LinkedHashMap<>();
        Map<String, Map<String, List<String>>> targets = new LinkedHashMap<>();
        Map<String, Fingerprinted.Id> ids = new HashMap<>();
        Map<String, String> groupOf = new HashMap<>();
        Map<String, List<String>> frozenOf = new HashMap<>();
        List<String> inMemory = new ArrayList<>();
        for (Map.Entry<String, Value> e : cg.frozen().entrySet()) {
            String q = e.getKey();
            Op.Weight w = (Op.Weight) graph.op(graph.weights().get(q));
            Optional<Fingerprinted.Id> id = cache.enabled() ? binder.source(w.group()).flatMap(Fingerprinted::of) : Optional.empty();
            if (id.isEmpty()) {
                inMemory.add(q);
                continue;
            }
            String key = id.get().content() + "/" + format();
            ids.put(key, id.get());
            groupOf.put(key, w.group());
            frozenOf.computeIfAbsent(key, k -> new ArrayList<>()).add(q);
            long[] shape = e.getValue().shape().sizes();
            expected.put(w.group() + "/" + w.name(), shape);
            Map<String, WeightCache.Want> want = wants.computeIfAbsent(key, k -> new LinkedHashMap<>());
            Map<String, List<String>> to = targets.computeIfAbsent(key, k -> new LinkedHashMap<>());
            if (cg.quantized().contains(q)) {
                String codes = CompiledGraph.Quantization.codes(w.name()), scales = CompiledGraph.Quantization.scales(w.name());
                long rows = shape[0], cols = shape[1];
                if (quantization.perChannel()) {
                    // WeightQuantizer's per-channel layout: uint8 codes [K, N], one scale per output channel
                    want.put(codes, new WeightCache.Want(DType.U8, new long[] {cols, rows}));
                    want.put(scales, new WeightCache.Want(DType.F32, new long[] {rows}));
                } else {
                    int bs = quantization.blockFor(cols);
                    long blocks = cols / bs;
                    want.put(codes, new WeightCache.Want(DType.U8, new long[] {rows, blocks, (long) bs * quantization.bits() / 8}));
                    want.put(scales, new WeightCache.Want(DType.F32, new long[] {rows * blocks}));
                }
                to.computeIfAbsent(codes, k -> new ArrayList<>()).add(CompiledGraph.Quantization.codes(q));
                to.computeIfAbsent(scales, k -> new ArrayList<>()).add(CompiledGraph.Quantization.scales(q));
                if (cg.floatToo().contains(q)) {
                    want.put(w.name(), new WeightCache.Want(DType.F32, shape));
                    to.computeIfAbsent(w.name(), k -> new ArrayList<>()).add(q);
                }
            } else {
                want.put(w.name(), new WeightCache.Want(DType.F32, shape));
                to.computeIfAbsent(w.name(), k -> new ArrayList<>()).add(q);
            }
        }
        for (Map.Entry<String, Map<String, WeightCache.Want>> g : wants.entrySet()) {
            String key = g.getKey();
            Map<String, FileWeight> store = mapped.get(key);
            if (store == null || !store.keySet().containsAll(g.getValue().keySet())) {
                Optional<Map<String, FileWeight>> loaded = cache.load(ids.get(key), format(), g.getValue(),
                        new Converter(binder, groupOf.get(key), g.getValue()));
                if (loaded.isEmpty()) {
                    // not cacheable here (unwritable everywhere, or an odd file): converted in memory as before
                    inMemory.addAll(frozenOf.get(key));
                    continue;
                }
                store = loaded.get();
                mapped.put(key, store);
            }
            for (Map.Entry<String, List<String>> t : targets.get(key).entrySet()) {
                for (String name : t.getValue()) out.put(name, store.get(t.getKey()));
            }
        }
        Map<String, Tensor> memory = new LinkedHashMap<>();
        if (!inMemory.isEmpty()) {
            List<String> distinct = inMemory.stream().distinct().toList();
            Map<String, Tensor> floats = binder.bind(graph, distinct, DType.F32);
            memory.putAll(GraphSession.storedForms(cg, floats));
        }
        return new Bound(memory, out);
    }

    /** Converts a checkpoint's tensors to their stored form, one at a time, for the cache writer. */
    private final class Converter implements WeightCache.Converter {
        private final WeightBinder binder;
        private final String group;
        private final Map<String, WeightCache.Want> wanted;
        private ByteBuffer scratch;                 // the widened float32 weight, reused across tensors
        private String lastQuantized;
        private WeightQuantizer.Quantized last;

        Converter(WeightBinder binder, String group, Map<String, WeightCache.Want> wanted) {
            this.binder = binder;
            this.group = group;
            this.wanted = wanted;
        }

        @Override
        public Tensor convert(String entry) {
            String codes = CompiledGraph.Quantization.codes(""), scales = CompiledGraph.Quantization.scales("");
            Optional<Tensor> saved = saved(entry);
            if (saved.isPresent()) return saved.get();
            if (entry.endsWith(codes) || entry.endsWith(scales)) {
                String base = entry.substring(0, entry.length() - (entry.endsWith(codes) ? codes.length() : scales.length()));
                if (!base.equals(lastQuantized)) {
                    Tensor f = widened(base);
                    last = WeightQuantizer.quantize(f, quantization.bits(), quantization.blockFor(f.shape()[1]));
                    lastQuantized = base;
                }
                return entry.endsWith(codes) ? last.codes() : last.scales();
            }
            return widened(entry);
        }

        /**
         * Codes or scales as {@code iris quantize} saved them, when the checkpoint holds them in this
         * factory's format, layout version and the shape wanted: used as stored, nothing quantized.
         */
        private Optional<Tensor> saved(String entry) {
            Optional<WeightSource> src = binder.source(group);
            if (src.isEmpty()) return Optional.empty();
            Map<String, String> meta = src.get().metadata();
            String spec = meta.get(QuantizedSource.WEIGHTS_KEY);
            if (spec == null || !String.valueOf(QUANTIZER_FORMAT).equals(meta.get(QuantizedSource.LAYOUT_KEY))) return Optional.empty();
            if (!CompiledGraph.Quantization.parse(spec).equals(quantization)) return Optional.empty();
            WeightCache.Want want = wanted.get(entry);
            Optional<WeightSource.Info> info = src.get().info(entry);
            if (want == null || info.isEmpty() || info.get().dtype() != want.dtype() || !Arrays.equals(info.get().shape(), want.shape())) {
                return Optional.empty();
            }
            return Optional.of(src.get().read(entry));
        }

        /** The weight as float32 in the scratch buffer (valid until the next call). */
        private Tensor widened(String name) {
            // stored() checks the file against the shape the graph asked for, and throws the binder's
            // error naming the tensor and the file when it is absent or shaped otherwise
            long[] shape = expected.get(group + "/" + name);
            if (shape == null) throw new IllegalStateException("no planned shape for " + group + "/" + name);
            Tensor stored = binder.stored(group, name, shape);
            int n = Math.toIntExact(Tensor.numel(shape));
            if (scratch == null || scratch.capacity() < n * 4L) scratch = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = scratch.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            out.clear().limit(n * 4);
            FloatBuffer dst = out.asFloatBuffer();
            ByteBuffer in = stored.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            switch (stored.dtype()) {
                case F32 -> out.duplicate().put(in);
                case BF16 -> {
                    ShortBuffer s = in.asShortBuffer();
                    for (int i = 0; i < n; i++) dst.put(i, Float.intBitsToFloat((s.get(i) & 0xffff) << 16));
                }
                case F16 -> {
                    ShortBuffer s = in.asShortBuffer();
                    for (int i = 0; i < n; i++) dst.put(i, Float.float16ToFloat(s.get(i)));
                }
                default -> {
                    for (int i = 0; i < n; i++) dst.put(i, stored.getFloat(i));
                }
            }
            return new Tensor(DType.F32, shape, out.slice(0, n * 4).order(ByteOrder.LITTLE_ENDIAN));
        }
    }
}
