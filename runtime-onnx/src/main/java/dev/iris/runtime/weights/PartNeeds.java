package dev.iris.runtime.weights;

import dev.iris.api.weights.WeightNaming;
import java.util.List;
import java.util.Set;

/**
 * What one part of a model binds from the checkpoint given for it: the names its graph asks
 * for, the other namings it accepts, and how to refer to the part and its option in messages.
 *
 * @param part   e.g. "projector fusion" or "qwen2 language model"
 * @param option the config key that names the file, e.g. "model.fusion.weights"
 */
public record PartNeeds(String part, String option, Set<String> names, List<WeightNaming> namings) {
    public PartNeeds {
        names = Set.copyOf(names);
        namings = List.copyOf(namings);
    }
}
