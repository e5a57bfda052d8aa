package dev.iris.api.weights;

import java.util.Map;

/**
 * Another project's names for a part's tensors, so that project's checkpoints load as they are.
 * {@code names} maps each name the part asks for to the name in those files; a common prefix
 * in front of them (Hugging Face LLaVA's {@code multi_modal_projector.}, say) is found by the host.
 * The part declares its namings (the host knows no tensor name); a file must match one naming whole.
 *
 * @param description what the naming is, for messages ("Hugging Face LLaVA (linear_1, linear_2)")
 */
public record WeightNaming(String description, Map<String, String> names) {
    public WeightNaming {
        names = Map.copyOf(names);
    }

    /** The name a file in this naming gives {@code name}; the name itself when the naming does not rename it. */
    public String fileName(String name) {
        return names.getOrDefault(name, name);
    }
}
