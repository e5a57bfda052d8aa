package dev.iris.datasets;

import dev.iris.api.spi.Dataset;
import java.util.OptionalDouble;

/**
 * The shapes dataset's task metric: a generated caption is right when it names the reference's
 * colour, shape and position and no other ({@link ShapesCaptions#parse}).
 */
final class ShapesAccuracy implements Dataset.TaskMetric {
    @Override
    public String key() {
        return "shapes_accuracy";
    }

    @Override
    public String label() {
        return "held-out fully correct (shapes: colour, shape and position)";
    }

    /** Empty for a reference that is not a shapes caption (a user's own file read as {@code type: shapes}). */
    @Override
    public OptionalDouble score(String generated, String reference) {
        return ShapesCaptions.parse(reference)
                .map(want -> OptionalDouble.of(ShapesCaptions.parse(generated).map(want::equals).orElse(false) ? 1 : 0))
                .orElse(OptionalDouble.empty());
    }
}
