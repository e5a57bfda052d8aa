package dev.iris.vision.clip;

import dev.iris.testkit.NaiveVit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * A plain-Java CLIP vision forward pass written from the model's definition (testkit's
 * {@link NaiveVit}: loops, double accumulation), for checking the graph description: the patch
 * embedding is an explicit convolution without bias, the class embedding is token 0,
 * {@code pre_layrnorm} before the layers, every hidden state is kept.
 */
final class NaiveClipVision {
    private final ClipVisionConfig c;
    private final NaiveVit vit;

    /** @param weights checkpoint names ({@code vision_model.*}) to values */
    NaiveClipVision(ClipVisionConfig c, Map<String, double[]> weights) {
        this.c = c;
        DoubleUnaryOperator act = switch (c.hiddenAct()) {
            case "quick_gelu" -> NaiveVit::quickGelu;
            case "gelu" -> NaiveVit::gelu;
            default -> throw new IllegalArgumentException(c.hiddenAct());
        };
        this.vit = new NaiveVit(weights, "vision_model.", c.heads(), c.layerNormEps(), act);
    }

    /** Hugging Face's {@code hidden_states}: [0] embeddings after pre_layrnorm, [i] after layer i; each [1 + N][D]. */
    List<double[][]> hiddenStates(double[] pixels) {
        return hiddenStates(pixels, c.layers());
    }

    /** The first {@code 1 + layers} hidden states (the graph asks for no weights of later layers). */
    List<double[][]> hiddenStates(double[] pixels, int layers) {
        double[][] patches = vit.patchEmbedding(pixels, c.channels(), c.imageSize(), c.patchSize(), c.hiddenSize(), false);
        double[][] x = new double[patches.length + 1][];
        x[0] = vit.w("embeddings.class_embedding").clone();       // token 0, before the patches
        System.arraycopy(patches, 0, x, 1, patches.length);
        x = vit.layerNorm(vit.addPositions(x), "pre_layrnorm");
        List<double[][]> states = new ArrayList<>();
        states.add(NaiveVit.copy(x));
        for (int l = 0; l < layers; l++) states.add(NaiveVit.copy(vit.layer(x, l)));
        return states;
    }

    /** LLaVA's features: hidden_states[layer] (negative from the end), without the class token unless full. */
    double[][] features(double[] pixels, int layer, boolean full) {
        int index = layer < 0 ? c.layers() + 1 + layer : layer;
        double[][] h = hiddenStates(pixels, index).get(index);
        return full ? h : Arrays.copyOfRange(h, 1, h.length);
    }

    /** {@code pooler_output}: post_layernorm of the last layer's class token. */
    double[] pooled(double[] pixels) {
        List<double[][]> states = hiddenStates(pixels);
        double[][] cls = {states.get(states.size() - 1)[0]};
        return vit.layerNorm(cls, "post_layernorm")[0];
    }
}
