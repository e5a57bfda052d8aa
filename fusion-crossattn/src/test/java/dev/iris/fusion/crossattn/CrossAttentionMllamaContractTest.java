package dev.iris.fusion.crossattn;

import dev.iris.api.spi.Fusion;
import dev.iris.testkit.FusionContract;
import dev.iris.testkit.NaiveFusion;
import dev.iris.testkit.PluginBehavior;
import java.util.List;
import java.util.Set;

/**
 * Architecture B with Mllama's mask ({@code image_mask: mllama}) on the fusion contract: with every
 * position reading every image token it is the plain-Java block, and the image rows choose which
 * of a sample's several images each position reads.
 */
class CrossAttentionMllamaContractTest extends FusionContract {
    private final CrossAttentionFusionTest geometry = new CrossAttentionFusionTest();

    @Override
    protected Fusion createFusion() {
        return new CrossAttentionFusion(CrossAttentionFusionTest.BLOCKS, CrossAttentionFusionTest.DV, CrossAttentionFusionTest.D,
                CrossAttentionFusionTest.HEADS, CrossAttentionFusionTest.KV, CrossAttentionFusionTest.HD, CrossAttentionFusionTest.INTER,
                1e-6, CrossAttentionFusion.ImageMask.MLLAMA);
    }

    @Override
    protected Set<PluginBehavior> behaviors() {
        return geometry.behaviors();
    }

    @Override
    protected int visionTokens() {
        return geometry.visionTokens();
    }

    @Override
    protected int visionWidth() {
        return geometry.visionWidth();
    }

    @Override
    protected int textWidth() {
        return geometry.textWidth();
    }

    @Override
    protected List<Integer> hookedLayers() {
        return geometry.hookedLayers();
    }

    @Override
    protected boolean isGate(String qualifiedName) {
        return geometry.isGate(qualifiedName);
    }

    @Override
    protected NaiveFusion naiveForward() {
        return geometry.naiveForward();
    }
}
