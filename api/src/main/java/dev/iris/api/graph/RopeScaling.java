package dev.iris.api.graph;

/**
 * How a rotary embedding stretches its frequencies for contexts longer than the model was
 * first trained on (a Hugging Face config's {@code rope_scaling}). The runtime turns it into
 * scaled inverse frequencies; the angles stay {@code position * invFreq}.
 */
public sealed interface RopeScaling {

    /** No scaling: {@code invFreq[i] = theta^(-2i/d)}. */
    None NONE = new None();

    /** Plain rotary embedding. */
    record None() implements RopeScaling {}

    /** {@code rope_type: linear}: every inverse frequency divided by {@code factor} (positions interpolated). */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            if (!(factor > 0) || Double.isInfinite(factor)) throw new IllegalArgumentException("linear rope scaling needs a positive factor, got " + factor);
        }
    }

    /**
     * {@code rope_type: llama3} (Llama 3.1 and later): wavelengths longer than
     * {@code originalMaxPositions / lowFreqFactor} are divided by {@code factor}, those shorter
     * than {@code originalMaxPositions / highFreqFactor} are kept, and the band between is a
     * linear blend of the two in {@code originalMaxPositions / wavelength}.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) implements RopeScaling {
        public Llama3 {
            if (!(factor > 0) || Double.isInfinite(factor)) throw new IllegalArgumentException("llama3 rope scaling needs a positive factor, got " + factor);
            if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || Double.isInfinite(highFreqFactor)) {
                throw new IllegalArgumentException("llama3 rope scaling needs 0 < low_freq_factor < high_freq_factor, got "
                        + lowFreqFactor + " and " + highFreqFactor);
            }
            if (originalMaxPositions <= 0) throw new IllegalArgumentException("llama3 rope scaling needs a positive original context, got " + originalMaxPositions);
        }
    }
}
