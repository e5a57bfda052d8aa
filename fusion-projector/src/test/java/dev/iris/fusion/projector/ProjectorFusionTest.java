package dev.iris.fusion.projector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.spi.Fusion;
import dev.iris.api.tensor.DType;
import dev.iris.testkit.FusionContract;
import dev.iris.testkit.NaiveFusion;
import dev.iris.testkit.PluginBehavior;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The projector against the fusion contract (both token merges: shapes, ORT vs plain Java,
 * gradients, the splice, bad input), plus what only the projector promises.
 */
class ProjectorFusionTest {
    private static final int P = 16, DV = 6, H = 10, DT = 8, F = 4;

    /** The contract for one merge order. */
    abstract static class ProjectorContract extends FusionContract {
        abstract ProjectorFusion.Merge merge();

        @Override
        protected Fusion createFusion() {
            return new ProjectorFusion(merge(), F, P, DV, H, DT);
        }

        @Override
        protected Set<PluginBehavior> behaviors() {
            return Set.of(PluginBehavior.PLACES_TOKENS_IN_PROMPT, PluginBehavior.TRAINABLE_WEIGHTS);
        }

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

        @Override
        protected NaiveFusion naiveForward() {
            return new NaiveProjector(merge(), F, P, DV, H, DT);
        }
    }

    @Nested
    class Sequential extends ProjectorContract {
        @Override
        ProjectorFusion.Merge merge() {
            return ProjectorFusion.Merge.SEQUENTIAL;
        }
    }

    @Nested
    class Spatial extends ProjectorContract {
        @Override
        ProjectorFusion.Merge merge() {
            return ProjectorFusion.Merge.SPATIAL;
        }
    }

    @Test
    void spatialMergeGroupsSquareBlocksOfTheGrid() {
        // the naive forward's reading of "spatial": merged token 1 holds patches (0,2) (0,3) (1,2) (1,3) of the 4x4 grid
        NaiveProjector spatial = new NaiveProjector(ProjectorFusion.Merge.SPATIAL, F, P, DV, H, DT);
        assertThat(List.of(spatial.sourceToken(1, 0), spatial.sourceToken(1, 1), spatial.sourceToken(1, 2), spatial.sourceToken(1, 3)))
                .containsExactly(2, 3, 6, 7);
    }

    @Test
    void declaresArchitectureA() {
        // the host reads these instead of guessing from the token count
        ProjectorFusion fusion = new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, F, P, DV, H, DT);
        assertThat(fusion.placesTokensInPrompt()).isTrue();
        assertThat(fusion.readsImageEveryStep()).isFalse();
        assertThat(fusion.imageTokens()).isEqualTo(P / F);
    }

    @Test
    void badGeometryIsExplained() {
        assertThatThrownBy(() -> new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, 3, 16, DV, H, DT))
                .hasMessage("merge factor 3 does not divide the 16 patch tokens");
        assertThatThrownBy(() -> new ProjectorFusion(ProjectorFusion.Merge.SPATIAL, 4, 12, DV, H, DT))
                .hasMessageContaining("spatial merge needs a square patch grid");
    }

    @Test
    void featuresOfAnotherEncoderAreNamedWhenTheGraphIsDescribed() {
        // before ONNX Runtime's reshape would fail with only its own shapes to show
        ProjectorFusion f = new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, F, P, DV, H, DT);
        assertThatThrownBy(() -> f.projectImage(new GraphBuilder(), new GraphBuilder().input("features", DType.F32, 1L, (long) P, DV + 1L)))
                .hasMessage("projector: vision features [1, " + P + ", " + (DV + 1) + "] do not match the configured " + P
                        + " patch tokens (per image) of width " + DV);
        assertThatThrownBy(() -> f.projectImage(new GraphBuilder(), new GraphBuilder().input("features", DType.F32, "batch", P + 4L, (long) DV)))
                .hasMessageContaining("do not match the configured " + P + " patch tokens (per image)");
    }

    @Test
    void declaresHuggingFaceLlavaNamesForEveryWeightItBinds() {
        ProjectorFusion f = new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, F, P, DV, H, DT);
        GraphBuilder g = new GraphBuilder();
        g.output("image", f.projectImage(g, g.input("features", DType.F32, 1L, (long) P, (long) DV)));
        List<String> bound = g.build().weights().keySet().stream().map(q -> q.substring("fusion/".length())).sorted().toList();
        assertThat(f.weightNamings()).hasSize(1);
        var llava = f.weightNamings().get(0);
        assertThat(llava.names().keySet()).containsExactlyInAnyOrderElementsOf(bound);
        assertThat(bound.stream().map(llava::fileName).toList())
                .containsExactly("linear_1.bias", "linear_1.weight", "linear_2.bias", "linear_2.weight");
    }
}
