package dev.iris.vision.siglip;

import dev.iris.testkit.NaiveVit;
import java.util.Map;

/**
 * A plain-Java SigLIP vision forward pass written from the model's definition (testkit's
 * {@link NaiveVit}: loops, double accumulation), for checking the graph description: the patch
 * embedding (with bias) is an explicit convolution, not the reshape the description uses; tanh
 * GELU; {@code post_layernorm} over every token.
 */
final class NaiveSiglipVision {
    private final SiglipVisionConfig c;
    private final NaiveVit vit;

    NaiveSiglipVision(SiglipVisionConfig c, Map<String, float[]> weights) {
        this.c = c;
        this.vit = new NaiveVit(NaiveVit.widen(weights), "vision_model.", c.heads(), c.layerNormEps(), NaiveVit::geluTanh);
    }

    /** {@code last_hidden_state} [N][D] of one image given as channel planes [C*S*S]. */
    double[][] lastHiddenState(float[] pixels) {
        double[] px = new double[pixels.length];
        for (int i = 0; i < px.length; i++) px[i] = pixels[i];
        double[][] x = vit.addPositions(vit.patchEmbedding(px, c.channels(), c.imageSize(), c.patchSize(), c.hiddenSize(), true));
        for (int l = 0; l < c.layers(); l++) vit.layer(x, l);
        return vit.layerNorm(x, "post_layernorm");
    }
}
