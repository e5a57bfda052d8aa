package dev.iris.testkit;

import static dev.iris.testkit.FusionContractTest.failed;
import static dev.iris.testkit.FusionContractTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.spi.VisionEncoder;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

/** The vision-encoder contract run on a right encoder and on one whose graph reads the channels wrongly. */
class VisionEncoderContractTest {

    static class RightEncoder extends VisionEncoderContract {
        @Override
        protected VisionEncoder createEncoder() {
            return new SampleVisionEncoder(false);
        }

        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.TRAINABLE_WEIGHTS);
        }

        @Override
        protected NaiveVisionEncoder naiveForward() {
            return SampleVisionEncoder::naive;
        }
    }

    static class MixesChannels extends RightEncoder {
        @Override
        protected VisionEncoder createEncoder() {
            return new SampleVisionEncoder(true);
        }
    }

    @Test
    void aRightEncoderPasses() {
        Events events = run(RightEncoder.class);
        assertThat(failed(events)).isEmpty();
        assertThat(events.succeeded().count()).isGreaterThanOrEqualTo(11);
    }

    @Test
    void aGraphThatDiffersFromItsPlainJavaForwardFails() {
        assertThat(failed(run(MixesChannels.class))).containsExactly("featuresMatchThePlainJavaForward");
    }
}
