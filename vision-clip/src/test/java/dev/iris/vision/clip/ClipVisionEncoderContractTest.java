package dev.iris.vision.clip;

import dev.iris.api.spi.VisionEncoder;
import dev.iris.common.vision.ImageProcessor;
import dev.iris.testkit.NaiveVisionEncoder;
import dev.iris.testkit.VisionFixtures;
import dev.iris.testkit.VitEncoderContract;
import org.junit.jupiter.api.Nested;

/**
 * The CLIP encoder on the vision-encoder contract (ORT against the plain-Java forward in float32
 * and float64, preprocessing, bad images, bad sizes): LLaVA's selection with {@code quick_gelu},
 * and the last layer with the class token kept and exact GELU.
 */
class ClipVisionEncoderContractTest {

    /** Small but with every feature exercised: 16 patches + class token, 4 heads of 8, 3 layers. */
    static final ClipVisionConfig TINY = new ClipVisionConfig(32, 48, 3, 4, 3, 32, 8, 1e-5, "quick_gelu");

    abstract static class Base extends VitEncoderContract {
        abstract ClipVisionConfig config();

        abstract FeatureSelection selection();

        @Override
        protected VisionEncoder createEncoder() {
            return new ClipVisionEncoder(config(), selection(), FeatureSelection.LAYER,
                    new ImageProcessor(ClipVisionEncoder.defaultsFor(config())));
        }

        @Override
        protected NaiveVisionEncoder naiveForward() {
            return (weights, pixels) -> new NaiveClipVision(config(), VisionFixtures.checkpoint(weights))
                    .features(pixels, selection().layer(), selection().strategy() == FeatureSelection.Strategy.FULL);
        }
    }

    @Nested
    class LlavaSelectionQuickGelu extends Base {
        ClipVisionConfig config() {
            return TINY;
        }

        FeatureSelection selection() {
            return FeatureSelection.LLAVA;
        }
    }

    @Nested
    class LastLayerFullExactGelu extends Base {
        ClipVisionConfig config() {
            return new ClipVisionConfig(32, 48, 2, 2, 3, 32, 8, 1e-5, "gelu");
        }

        FeatureSelection selection() {
            return new FeatureSelection(-1, FeatureSelection.Strategy.FULL);
        }
    }
}
