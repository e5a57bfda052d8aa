package dev.iris.api.weights;

import java.util.Map;

/**
 * Another project's names for a part's tensors, so that project's checkpoints load as they are.
 * {@code names} maps each name the part asks for to the name in those files; a common prefix
 * in front of them (Hugging Face LLaVA's {@code multi_modal_projector.}, say) is found by the host.
 * The part declares its namings (the host knows no tensor name); a file must match one naming whole.
 *
 * @param description what the naming is, for messages ("Hugging Face LLaVA (linear_1, linear_2)")
 * @param prefix      what that project writes in front of the names in a whole model's file
 *                    ({@code iris export --format hf} uses it; loading finds any prefix); "" for none
 */
public record WeightNaming(String description, Map<String, String> names, String prefix) {
    public WeightNaming {
        names = Map.copyOf(names);
        if (prefix == null) throw new IllegalArgumentException("a weight naming's prefix is \"\" when it has none");
    }

    /** A naming without a prefix of its own. */
    public WeightNaming(String description, Map<String, String> names) {
        this(description, names, "");
    }

    /** The name {@code name} is written under in a whole model's file of that project: the prefix, then {@link #fileName}. */
    public String exportName(String name) {
        return prefix + fileName(name);
    }

    /** The name a file in this naming gives {@code name}; the name itself when the naming does not rename it. */
    public String fileName(String name) {
        return names.getOrDefault(name, name);
    }
}
