package dev.iris.llm.llama;

import dev.iris.testkit.NaiveDecoder;
import dev.iris.testkit.NaiveLanguageModel;

/** The plain-Java reference of a Llama config: testkit's {@link NaiveDecoder} with the config's biases and rope scaling. */
final class NaiveLlama {
    private NaiveLlama() {}

    static NaiveDecoder.Shape shape(LlamaConfig c) {
        return new NaiveDecoder.Shape(c.hiddenSize(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.intermediateSize(), c.vocabSize(),
                c.ropeTheta(), c.ropeScaling(), c.rmsEps(), c.tiedEmbeddings(), c.attentionBias(), c.attentionBias(), c.mlpBias());
    }

    /** The contract's reference for weights under {@value LlamaLanguageModel#GROUP}. */
    static NaiveLanguageModel forward(LlamaConfig c) {
        return NaiveDecoder.of(shape(c), LlamaLanguageModel.GROUP);
    }
}
