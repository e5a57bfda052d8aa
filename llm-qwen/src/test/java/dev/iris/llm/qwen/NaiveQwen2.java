package dev.iris.llm.qwen;

import dev.iris.api.graph.RopeScaling;
import dev.iris.testkit.NaiveDecoder;
import dev.iris.testkit.NaiveLanguageModel;

/** The plain-Java reference of a Qwen2 config: testkit's Llama-family {@link NaiveDecoder} with q/k/v biases, no rope scaling. */
final class NaiveQwen2 {
    private NaiveQwen2() {}

    static NaiveDecoder.Shape shape(Qwen2Config c) {
        return new NaiveDecoder.Shape(c.hiddenSize(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.intermediateSize(), c.vocabSize(),
                c.ropeTheta(), RopeScaling.NONE, c.rmsEps(), c.tiedEmbeddings(), true, false, false);
    }

    /** The contract's reference for weights under {@value Qwen2LanguageModel#GROUP}. */
    static NaiveLanguageModel forward(Qwen2Config c) {
        return NaiveDecoder.of(shape(c), Qwen2LanguageModel.GROUP);
    }
}
