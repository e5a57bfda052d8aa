package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;

/** The MLP of ViTs (SigLIP, CLIP) and GPT-2: {@code fc2(act(fc1(x)))} with biases. */
public record TwoLayerMlp(int hiddenSize, int intermediateSize, Activation activation, String fc1, String fc2) implements Mlp {

    /** SigLIP's and CLIP's names ({@code mlp.fc1}, {@code mlp.fc2}). */
    public static TwoLayerMlp vit(int hiddenSize, int intermediateSize, Activation activation) {
        return new TwoLayerMlp(hiddenSize, intermediateSize, activation, "mlp.fc1", "mlp.fc2");
    }

    public TwoLayerMlp {
        if (hiddenSize <= 0 || intermediateSize <= 0) {
            throw new IllegalArgumentException("MLP sizes must be positive: hidden " + hiddenSize + ", intermediate " + intermediateSize);
        }
    }

    @Override
    public Value apply(GraphBuilder g, Weights w, Value x) {
        Value up = activation.apply(g, w.linear(g, x, fc1, intermediateSize, hiddenSize, true));
        return w.linear(g, up, fc2, hiddenSize, intermediateSize, true);
    }
}
