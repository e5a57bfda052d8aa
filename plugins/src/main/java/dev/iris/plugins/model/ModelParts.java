package dev.iris.plugins.model;

import dev.iris.runtime.weights.OverlaySource;
import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.weights.PartCheckpoint;
import dev.iris.api.graph.Graph;
import dev.iris.runtime.graph.LoraRewrite;
import dev.iris.runtime.weights.PartNeeds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The three plugins of a model, created from a config through the registry, and the checkpoint
 * each weight group binds from: {@code vision} and {@code llm} from their model folders
 * ({@code path}; {@code model.llm.weights} may name trained tensors that override the folder's),
 * {@code fusion} from {@code model.fusion.weights} when given (else its weights are initialised).
 * Given files are checked when the parts are created, against the names the parts' graphs bind:
 * <ul>
 *   <li>{@code model.fusion.weights} must hold every tensor of the fusion, under its own names or
 *       a naming it declares, under any common prefix; a file {@code iris train} wrote for another
 *       fusion type, or holding tensors this fusion does not use, is an error.</li>
 *   <li>{@code model.llm.weights} may hold only tensors the language model binds, under their own
 *       names, at least one; a file {@code iris train} wrote must hold all of them (stages lm and
 *       finetune train every one).</li>
 * </ul>
 */
public final class ModelParts implements AutoCloseable {
    /** Metadata key in which {@code iris train} records the fusion type that wrote a checkpoint. */
    public static final String FUSION_TYPE_KEY = "iris.fusion";
    /** Metadata key in which {@code iris train} records the training stage. */
    public static final String STAGE_KEY = "iris.stage";

    private final VisionEncoder vision;
    private final LanguageModel llm;
    private final Fusion fusion;
    private final String fusionType;
    private final Map<String, WeightSource> sources = new HashMap<>();
    private final Optional<Path> fusionWeights;
    private Optional<PeftAdapter> adapter = Optional.empty();

    private ModelParts(VisionEncoder vision, LanguageModel llm, Fusion fusion, String fusionType, Optional<Path> fusionWeights) {
        this.vision = vision;
        this.llm = llm;
        this.fusion = fusion;
        this.fusionType = fusionType;
        this.fusionWeights = fusionWeights;
    }

    public static ModelParts create(IrisConfig config, PluginRegistry registry) {
        HostContext ctx = new HostContext();
        ComponentConfig vc = config.vision(), lc = config.llm(), fc = config.fusion();
        VisionEncoderProvider vp = registry.forConfig(ProviderKind.VISION, vc);
        LanguageModelProvider lp = registry.forConfig(ProviderKind.LLM, lc);
        FusionProvider fp = registry.forConfig(ProviderKind.FUSION, fc);
        VisionEncoder vision = vp.create(vc, ctx);
        ctx.vision(vision);
        LanguageModel llm = lp.create(lc, ctx);
        ctx.languageModel(llm);
        Fusion fusion = fp.create(fc, ctx);
        Optional<Path> fw = existing(fc, "weights");
        Optional<Path> lw = existing(lc, "weights");
        ModelParts parts = new ModelParts(vision, llm, fusion, fp.type(), fw);
        try {
            Map<String, Map<String, long[]>> shapes = PartWeightNames.shapes(vision, llm, fusion);
            PartNeeds visionNeeds = new PartNeeds(vp.type() + " vision encoder", vc.key() + ".path", shapes.get("vision").keySet(), List.of());
            PartNeeds llmNeeds = new PartNeeds(lp.type() + " language model", lc.key() + ".weights", shapes.get("llm").keySet(), List.of());
            PartNeeds fusionNeeds = new PartNeeds(fp.type() + " fusion", fc.key() + ".weights", shapes.get("fusion").keySet(),
                    fusion.weightNamings());
            parts.sources.put("vision", ctx.openWeights(folder(vc)));
            parts.sources.put("llm", ctx.openWeights(folder(lc)));
            if (lw.isPresent()) {
                // trained tensors over the folder's: see checkOverlay for what the file must hold
                WeightSource top = ctx.openWeights(lw.get());
                parts.sources.put("llm", new OverlaySource(top, parts.sources.get("llm")));
                PartCheckpoint.checkOverlay(top, llmNeeds, completeBecause(top), List.of(fusionNeeds, visionNeeds));
                PartCheckpoint.checkShapes(top, shapes.get("llm"));
            }
            Optional<Path> adapterFolder = existing(lc, "adapter");
            if (adapterFolder.isPresent()) {
                parts.adapter = Optional.of(PeftAdapter.read(adapterFolder.get()));
                parts.sources.put(LoraRewrite.GROUP, parts.adapter.get().source());
            }
            if (fw.isPresent()) {
                WeightSource file = ctx.openWeights(fw.get());
                parts.sources.put("fusion", file);
                checkFusionType(file, fp.type(), fc.key());
                // a file Iris wrote holds exactly one fusion's tensors; others (a whole-model training checkpoint) may hold more
                parts.sources.put("fusion", PartCheckpoint.resolve(file, fusionNeeds, file.metadata().containsKey(FUSION_TYPE_KEY),
                        List.of(llmNeeds, visionNeeds)));
                PartCheckpoint.checkShapes(parts.sources.get("fusion"), shapes.get("fusion"));
            }
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
        return parts;
    }

    private static Optional<Path> existing(ComponentConfig c, String key) {
        Optional<Path> p = c.optPath(key);
        if (p.isPresent() && !Files.exists(p.get())) throw new ConfigException(c.key() + "." + key + ": " + p.get() + " does not exist");
        return p;
    }

    /**
     * Why a language-model file must hold every tensor of the model, or null: one written by
     * {@code iris train} (stage lm or finetune) holds all it trained, and those stages train every
     * tensor of the language model. A file from elsewhere may override a subset.
     */
    private static String completeBecause(WeightSource top) {
        String stage = top.metadata().get(STAGE_KEY);
        return stage == null ? null : "it was written by `iris train` (" + STAGE_KEY + "=" + stage + "), which trains every tensor of the language model";
    }

    private static void checkFusionType(WeightSource file, String type, String key) {
        String written = file.metadata().get(FUSION_TYPE_KEY);
        if (written != null && !written.equals(type)) {
            throw new WeightException(file.describe() + " (" + key + ".weights): written by `iris train` for a " + written
                    + " fusion (" + FUSION_TYPE_KEY + "=" + written + "), but " + key + ".type is " + type
                    + "; set " + key + ".type: " + written + " with that run's fusion settings, or give a " + type + " checkpoint");
        }
    }

    private static Path folder(ComponentConfig c) {
        Path p = c.path("path");
        if (!Files.isDirectory(p)) throw new ConfigException(c.key() + ".path: " + p + " is not a folder");
        return p;
    }

    public VisionEncoder vision() {
        return vision;
    }

    public LanguageModel llm() {
        return llm;
    }

    public Fusion fusion() {
        return fusion;
    }

    public String fusionType() {
        return fusionType;
    }

    /** The LoRA adapter {@code model.llm.adapter} names, applied unmerged by {@link #adapt}. */
    public Optional<PeftAdapter> adapter() {
        return adapter;
    }

    /**
     * {@code graph} with the adapter of {@code model.llm.adapter} applied to its language-model
     * layers (the graph itself without one). A graph with language-model layers must take every
     * module the adapter holds, and only those: an adapter for another model is an error naming
     * the modules that differ.
     */
    public Graph adapt(Graph graph) {
        if (adapter.isEmpty()) return graph;
        PeftAdapter a = adapter.get();
        if (LoraRewrite.linearModules(graph, "llm").isEmpty()) return graph;
        LoraRewrite.Result r = LoraRewrite.apply(graph, "llm", a.spec());
        java.util.Set<String> adapted = new java.util.TreeSet<>(r.modules().stream().map(LoraRewrite.Module::name).toList());
        java.util.Set<String> held = new java.util.TreeSet<>(a.modules());
        if (!adapted.equals(held)) {
            java.util.Set<String> notInGraph = new java.util.TreeSet<>(held), notInFile = new java.util.TreeSet<>(adapted);
            notInGraph.removeAll(adapted);
            notInFile.removeAll(held);
            throw new WeightException("model.llm.adapter " + a.folder() + " does not fit the language model: "
                    + (notInGraph.isEmpty() ? "" : "adapter modules the model's target_modules do not reach: " + PartCheckpoint.few(notInGraph) + "; ")
                    + (notInFile.isEmpty() ? "" : "targeted modules with no tensors in " + PeftAdapter.WEIGHTS + ": " + PartCheckpoint.few(notInFile)));
        }
        return r.graph();
    }

    /** The folder a component's {@code path} names (for cache keys). */
    public static Path folderOf(ComponentConfig c) {
        return folder(c);
    }

    public Optional<Path> fusionWeightsFile() {
        return fusionWeights;
    }

    /**
     * Checkpoints by weight group: {@code vision} and {@code llm} always, {@code fusion} when
     * {@code model.fusion.weights} is given (every fusion tensor then comes from it; without it the
     * fusion is initialised). Checked against the parts' names when the parts were created.
     */
    public Map<String, WeightSource> sources() {
        return Map.copyOf(sources);
    }

    @Override
    public void close() {
        for (WeightSource s : sources.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                throw new IrisException("closing " + s.describe() + " failed: " + e.getMessage(), e);
            }
        }
        sources.clear();
    }
}
