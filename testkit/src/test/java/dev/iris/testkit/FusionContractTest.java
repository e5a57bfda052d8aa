package dev.iris.testkit;

import static dev.iris.testkit.SampleFusions.DT;
import static dev.iris.testkit.SampleFusions.DV;
import static dev.iris.testkit.SampleFusions.P;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.iris.api.spi.Fusion;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** The fusion contract run on right and on broken fusions: it passes the first and catches the others. */
class FusionContractTest {

    abstract static class SampleContract extends FusionContract {
        @Override
        protected int visionTokens() {
            return P;
        }

        @Override
        protected int visionWidth() {
            return DV;
        }

        @Override
        protected int textWidth() {
            return DT;
        }
    }

    static class RightLinear extends SampleContract {
        @Override
        protected Fusion createFusion() {
            return new SampleFusions.Linear(false);
        }

        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.PLACES_TOKENS_IN_PROMPT, PluginBehavior.TRAINABLE_WEIGHTS);
        }

        @Override
        protected NaiveFusion naiveForward() {
            return SampleFusions.LINEAR_NAIVE;
        }
    }

    /** Its graph applies SiLU that its plain-Java forward does not. */
    static class GraphDiffersFromNaive extends RightLinear {
        @Override
        protected Fusion createFusion() {
            return new SampleFusions.Linear(true);
        }
    }

    static class RightGated extends SampleContract {
        boolean leaky() {
            return false;
        }

        @Override
        protected Fusion createFusion() {
            return new SampleFusions.Gated(leaky());
        }

        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.READS_IMAGE_EVERY_STEP, PluginBehavior.GATED_BLOCKS, PluginBehavior.TRAINABLE_WEIGHTS);
        }

        @Override
        protected boolean isGate(String qualifiedName) {
            return qualifiedName.equals("fusion/gate");
        }

        @Override
        protected NaiveFusion naiveForward() {
            return SampleFusions.gatedNaive(leaky());
        }
    }

    /** A gate that, at 0, still lets half of the image through: graph and naive forward agree, the text does not stay alone. */
    static class LeakyGate extends RightGated {
        @Override
        boolean leaky() {
            return true;
        }
    }

    /** Declares an ability the fusion does not have. */
    static class DeclaresGatesItLacks extends RightLinear {
        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.PLACES_TOKENS_IN_PROMPT, PluginBehavior.TRAINABLE_WEIGHTS, PluginBehavior.GATED_BLOCKS);
        }
    }

    static Events run(Class<?> contract) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(contract)).execute().testEvents();
    }

    static List<String> failed(Events events) {
        return events.failed().list().stream().map(e -> e.getTestDescriptor().getLegacyReportingName().replaceAll("\\(.*", "")).distinct().sorted().toList();
    }

    @Test
    void rightFusionsPassAndWhatTheyDoNotDeclareIsSkipped() {
        Events linear = run(RightLinear.class);
        assertThat(failed(linear)).isEmpty();
        assertThat(linear.succeeded().count()).isGreaterThanOrEqualTo(8);
        assertThat(linear.skipped().count() + linear.aborted().count()).as("the gate and between-layer tests, skipped").isGreaterThanOrEqualTo(4);
        Events gated = run(RightGated.class);
        assertThat(failed(gated)).isEmpty();
        assertThat(gated.succeeded().count()).isGreaterThanOrEqualTo(8);
    }

    @Test
    void aGraphThatDiffersFromItsPlainJavaForwardFails() {
        assertThat(failed(run(GraphDiffersFromNaive.class))).containsExactly("promptTokensMatchThePlainJavaForward");
    }

    @Test
    void aGateThatLeaksWhenClosedFails() {
        assertThat(failed(run(LeakyGate.class))).containsExactly("closedGatesLeaveTheTextExactlyAsItWasAndOpenOnesDoNot");
    }

    @Test
    void aDeclaredAbilityMustBeThere() {
        assertThat(failed(run(DeclaresGatesItLacks.class))).contains("closedGatesLeaveTheTextExactlyAsItWasAndOpenOnesDoNot");
    }
}
