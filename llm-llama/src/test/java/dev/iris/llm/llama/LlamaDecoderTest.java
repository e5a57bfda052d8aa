package dev.iris.llm.llama;

import dev.iris.api.graph.RopeScaling;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.common.text.ChatMl;
import dev.iris.testkit.LanguageModelContract;
import dev.iris.testkit.NaiveLanguageModel;
import dev.iris.testkit.PluginBehavior;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Nested;

/**
 * The Llama description on the language-model contract (ORT against a plain-Java forward pass,
 * the cache, gradients, the layer hook) in two layouts: Llama 3.2's (grouped-query attention,
 * head_dim apart from hidden / heads, llama3 rope scaling, tied embeddings, no biases) and one
 * with every bias, linear rope scaling and a separate lm_head.
 */
class LlamaDecoderTest {

    /** Llama 3.2's layout at toy size: 24 wide, 4 query heads of 8 (32 != 24), 2 key/value heads. */
    static final LlamaConfig LLAMA32_LIKE = new LlamaConfig(24, 2, 4, 2, 8, 40, 37, 10000.0,
            new RopeScaling.Llama3(8.0, 1.0, 4.0, 16), 1e-5, true, false, false, 128);
    /** Every bias Llama allows, linear scaling, untied head, plain multi-head attention. */
    static final LlamaConfig BIASED = new LlamaConfig(32, 2, 4, 4, 8, 48, 40, 500.0,
            new RopeScaling.Linear(2.5), 1e-6, false, true, true, 128);

    abstract static class LlamaContract extends LanguageModelContract {
        abstract LlamaConfig config();

        @Override
        protected LanguageModel createModel() {
            // the graph needs no tokenizer: the folder is never read
            return new LlamaLanguageModel(Path.of("no-tokenizer-needed"), config(), ChatMl.chatMl().withImageToken(LlamaLanguageModel.IMAGE_TOKEN));
        }

        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.HAS_KV_CACHE, PluginBehavior.TRAINABLE_WEIGHTS);
        }

        /**
         * The rotary inverse frequencies are float32 in every run (as transformers computes them),
         * the reference's float64: measured max logit differences 1.1e-7 and 7.6e-7 in float64
         * (3.2e-6 and 1.6e-6 in float32, against the kit's 2e-4).
         */
        @Override
        protected double tolerance(DType precision) {
            return precision == DType.F64 ? 1e-6 : super.tolerance(precision);
        }

        @Override
        protected NaiveLanguageModel naiveForward() {
            return NaiveLlama.forward(config());
        }
    }

    @Nested
    class Llama32Layout extends LlamaContract {
        @Override
        LlamaConfig config() {
            return LLAMA32_LIKE;
        }
    }

    @Nested
    class AllBiases extends LlamaContract {
        @Override
        LlamaConfig config() {
            return BIASED;
        }
    }
}
