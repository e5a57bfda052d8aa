package dev.iris.testkit;

import dev.iris.api.tensor.DType;
import java.util.Set;

/**
 * The vision-encoder contract as a ViT tower (SigLIP, CLIP) takes it: the tower is frozen in every
 * training stage, its test weights are {@link VisionFixtures#VIT_INIT}'s, and float64 is checked to
 * 1e-10. A family's test supplies the encoder and its plain-Java forward.
 */
public abstract class VitEncoderContract extends VisionEncoderContract {

    @Override
    protected Set<PluginBehavior> behaviors() {
        return Set.of(); // the vision tower is frozen in every training stage
    }

    /** Float64 leaves only summation order: a wrong index or formula cannot hide in rounding noise. */
    @Override
    protected double tolerance(DType precision) {
        return precision == DType.F64 ? 1e-10 : super.tolerance(precision);
    }

    @Override
    protected TestWeights.Init weightInit() {
        return VisionFixtures.VIT_INIT;
    }
}
