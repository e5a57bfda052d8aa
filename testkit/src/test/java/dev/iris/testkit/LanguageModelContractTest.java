package dev.iris.testkit;

import static dev.iris.testkit.FusionContractTest.failed;
import static dev.iris.testkit.FusionContractTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.spi.LanguageModel;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

/** The language-model contract run on a right model and on one whose cache forgets the past. */
class LanguageModelContractTest {

    static class RightModel extends LanguageModelContract {
        @Override
        protected LanguageModel createModel() {
            return new SampleLanguageModel(false);
        }

        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.HAS_KV_CACHE, PluginBehavior.TRAINABLE_WEIGHTS);
        }

        @Override
        protected NaiveLanguageModel naiveForward() {
            return SampleLanguageModel::naiveLogits;
        }
    }

    static class CacheForgetsThePast extends RightModel {
        @Override
        protected LanguageModel createModel() {
            return new SampleLanguageModel(true);
        }
    }

    /** The same broken model, not claiming a cache: the cache test is skipped and nothing fails. */
    static class NoCacheDeclared extends CacheForgetsThePast {
        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.TRAINABLE_WEIGHTS);
        }
    }

    @Test
    void aRightModelPasses() {
        Events events = run(RightModel.class);
        assertThat(failed(events)).isEmpty();
        assertThat(events.succeeded().count()).isGreaterThanOrEqualTo(10);
    }

    @Test
    void aCacheThatForgetsThePastFails() {
        // (its present keys are also read before the attention, so they keep their per-head transpose)
        assertThat(failed(run(CacheForgetsThePast.class))).containsExactlyInAnyOrder("continuingFromTheCacheGivesTheLogitsOfRecomputing",
                "theCachedDecoderRunsNoPerHeadReshapesAndQuantizesEachInputOnce");
    }

    @Test
    void anUndeclaredAbilityIsSkippedNotFailed() {
        Events events = run(NoCacheDeclared.class);
        assertThat(failed(events)).isEmpty();
        assertThat(events.skipped().count() + events.aborted().count()).isEqualTo(3);
    }
}
