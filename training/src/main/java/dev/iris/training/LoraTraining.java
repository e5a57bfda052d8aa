package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.LoraConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.plugins.model.PeftAdapter;
import dev.iris.runtime.graph.LoraRewrite;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code train.lora}: the training graph with low-rank adapters on the language model's targeted
 * linear layers, the groups trained (the adapters instead of the language model's weights, which
 * stay frozen), and the {@code adapter_config.json} saved beside the adapters.
 */
final class LoraTraining {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LoraTraining.class);

    private LoraTraining() {}

    /** The adapters' spec, after checking it fits the stage and the model section. */
    static Optional<LoraRewrite.Spec> spec(IrisConfig config) {
        TrainConfig tc = config.train();
        if (tc.lora().isEmpty()) return Optional.empty();
        LoraConfig lc = tc.lora().get();
        if (tc.stage() == TrainConfig.Stage.PRETRAIN) {
            throw new IrisException("train.lora: stage pretrain trains the fusion module only and leaves the language model frozen;"
                    + " LoRA adapts the language model, use stage finetune (fusion + adapters) or lm (adapters on text)");
        }
        if (config.llm().has("adapter")) {
            throw new IrisException("train.lora with model.llm.adapter: training on top of an unmerged adapter is not supported;"
                    + " fold it in with `iris merge` and point model.llm.path at the merged folder");
        }
        if (config.llm().has("weights")) {
            // the adapter's base is then the folder with those tensors over it, which base_model_name_or_path cannot say
            LOG.warn("train.lora with model.llm.weights: the adapters adapt the folder's model with {} laid over it; adapter_config.json"
                    + " names the folder alone, so merge onto a folder holding those weights (iris merge --base)", config.llm().values().get("weights"));
        }
        return Optional.of(new LoraRewrite.Spec(lc.rank(), lc.alpha(), lc.targets()));
    }

    /** The weight groups trained: the stage's, with the language model's weights replaced by its adapters. */
    static List<String> trainableGroups(TrainConfig.Stage stage, Optional<LoraRewrite.Spec> lora) {
        List<String> groups = TrainingGraph.trainableGroups(stage);
        if (lora.isEmpty()) return groups;
        return groups.stream().map(g -> g.equals("llm") ? LoraRewrite.GROUP : g).toList();
    }

    /** {@code all-linear} expanded against the training graph (the expanded names are what the adapter config records). */
    static Optional<LoraRewrite.Spec> resolve(Graph graph, Optional<LoraRewrite.Spec> lora) {
        return lora.map(spec -> LoraRewrite.resolve(graph, "llm", spec));
    }

    /** The training graph with the adapters; every target must reach a linear layer of the language model. */
    static Graph adapt(Graph graph, Optional<LoraRewrite.Spec> lora, double dropout) {
        if (lora.isEmpty()) return graph;
        LoraRewrite.requireEveryTarget(graph, "llm", lora.get(), "train.lora.targets");
        return LoraRewrite.apply(graph, "llm", lora.get(), dropout).graph();
    }

    /** The dropout masks' source when {@code train.lora.dropout} is above 0. */
    static Optional<LoraDropout> dropout(Graph graph, TrainConfig tc) {
        return tc.lora().filter(l -> l.dropout() > 0).map(l -> new LoraDropout(graph, l.dropout(), tc.seed()));
    }

    /** The text files a checkpoint holds beside its tensors: PEFT's adapter config when training adapters. */
    static Map<String, String> textFiles(IrisConfig config, Optional<LoraRewrite.Spec> lora) {
        if (lora.isEmpty()) return Map.of();
        String base = config.llm().path("path").toAbsolutePath().toString();
        return Map.of(PeftAdapter.CONFIG, PeftAdapter.configJson(lora.get(), config.train().lora().orElseThrow().dropout(), base));
    }
}
