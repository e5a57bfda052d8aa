package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.Op;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.FusionProvider;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.api.weights.WeightSource;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The three plugins of a model, created from a config through the registry, and the checkpoint
 * each weight group binds from: {@code vision} and {@code llm} from their model folders
 * ({@code path}; {@code model.llm.weights} may name trained tensors that override the folder's),
 * {@code fusion} from {@code model.fusion.weights} when given (else its weights are initialised).
 */
public final class ModelParts implements AutoCloseable {
    private final VisionEncoder vision;
    private final LanguageModel llm;
    private final Fusion fusion;
    private final String fusionType;
    private final Map<String, WeightSource> sources = new HashMap<>();
    private final Optional<Path> fusionWeights;

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
        Optional<Path> fw = fc.optPath("weights");
        if (fw.isPresent() && !Files.exists(fw.get())) {
            throw new ConfigException(fc.key() + ".weights: " + fw.get() + " does not exist");
        }
        ModelParts parts = new ModelParts(vision, llm, fusion, fp.type(), fw);
        try {
            parts.sources.put("vision", ctx.openWeights(folder(vc)));
            WeightSource llmBase = ctx.openWeights(folder(lc));
            Optional<Path> llmWeights = lc.optPath("weights");
            if (llmWeights.isPresent()) {
                // a language model trained by `iris train` (stage lm or finetune): its tensors over the folder's
                if (!Files.exists(llmWeights.get())) throw new ConfigException(lc.key() + ".weights: " + llmWeights.get() + " does not exist");
                llmBase = new OverlaySource(ctx.openWeights(llmWeights.get()), llmBase);
            }
            parts.sources.put("llm", llmBase);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
        return parts;
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

    /** The folder a component's {@code path} names (for cache keys). */
    public static Path folderOf(ComponentConfig c) {
        return folder(c);
    }

    public Optional<Path> fusionWeightsFile() {
        return fusionWeights;
    }

    /**
     * Checkpoints by weight group for a graph. The fusion checkpoint is opened on first use and
     * viewed under the prefix its tensors carry (the first fusion weight of the graph anchors it).
     */
    public Map<String, WeightSource> sources(Graph graph) {
        if (fusionWeights.isPresent() && !sources.containsKey("fusion")) {
            String anchor = graph.nodes().stream()
                    .filter(n -> n.op() instanceof Op.Weight w && w.group().equals("fusion"))
                    .map(n -> ((Op.Weight) n.op()).name()).findFirst().orElse(null);
            if (anchor != null) {
                sources.put("fusion", StrippedPrefixSource.forAnchor(new HostContext().openWeights(fusionWeights.get()), anchor));
            }
        }
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
