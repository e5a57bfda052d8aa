package dev.iris.vlm;

import dev.iris.plugins.config.GenerateConfig;
import java.util.Objects;

/**
 * How to generate, as an immutable value. What a builder leaves unset comes from the config's
 * {@code generate} section (whose own defaults are greedy, 256 new tokens, seed 0), so
 * {@link #DEFAULTS} means "as the config says".
 *
 * <pre>{@code
 * Options o = Options.builder().maxNewTokens(64).temperature(0.7).topP(0.9).seed(7).build();
 * }</pre>
 */
public final class Options {
    /** Everything as the config's {@code generate} section says. */
    public static final Options DEFAULTS = new Builder().build();

    private final String system;
    private final Integer maxNewTokens;
    private final Double temperature;
    private final Integer topK;
    private final Double topP;
    private final Double repetitionPenalty;
    private final Integer seed;

    private Options(Builder b) {
        system = b.system;
        maxNewTokens = b.maxNewTokens;
        temperature = b.temperature;
        topK = b.topK;
        topP = b.topP;
        repetitionPenalty = b.repetitionPenalty;
        seed = b.seed;
    }

    /** A builder with nothing set (everything as the config says). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.system = system;
        b.maxNewTokens = maxNewTokens;
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.repetitionPenalty = repetitionPenalty;
        b.seed = seed;
        return b;
    }

    /** The config's generate section with these options in place of the values they set. */
    GenerateConfig over(GenerateConfig base) {
        GenerateConfig c = base;
        if (system != null) c = c.withSystem(system);
        if (maxNewTokens != null) c = c.withMaxNewTokens(maxNewTokens);
        if (temperature != null) c = c.withTemperature(temperature);
        if (topK != null) c = c.withTopK(topK);
        if (topP != null) c = c.withTopP(topP);
        if (repetitionPenalty != null) c = c.withRepetitionPenalty(repetitionPenalty);
        if (seed != null) c = c.withSeed(seed);
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Options x && Objects.equals(system, x.system) && Objects.equals(maxNewTokens, x.maxNewTokens)
                && Objects.equals(temperature, x.temperature) && Objects.equals(topK, x.topK) && Objects.equals(topP, x.topP)
                && Objects.equals(repetitionPenalty, x.repetitionPenalty) && Objects.equals(seed, x.seed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(system, maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    @Override
    public String toString() {
        return "Options[system=" + system + ", maxNewTokens=" + maxNewTokens + ", temperature=" + temperature + ", topK=" + topK
                + ", topP=" + topP + ", repetitionPenalty=" + repetitionPenalty + ", seed=" + seed + "] (null: as the config says)";
    }

    /** Sets options one at a time; each value is checked when set, naming the option. */
    public static final class Builder {
        private String system;
        private Integer maxNewTokens;
        private Double temperature;
        private Integer topK;
        private Double topP;
        private Double repetitionPenalty;
        private Integer seed;

        private Builder() {}

        /** The system turn of {@link IrisModel#generate} (a chat carries its own messages). */
        public Builder system(String system) {
            this.system = Objects.requireNonNull(system, "system");
            return this;
        }

        /** At most this many new tokens (at least 1). */
        public Builder maxNewTokens(int n) {
            if (n < 1) throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + n);
            this.maxNewTokens = n;
            return this;
        }

        /** Sampling temperature, {@code >= 0}; 0 is greedy. */
        public Builder temperature(double t) {
            if (!(t >= 0) || Double.isInfinite(t)) throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + t);
            this.temperature = t;
            return this;
        }

        /** Greedy decoding: temperature 0. */
        public Builder greedy() {
            return temperature(0);
        }

        /** Sample among the k likeliest tokens; 0 turns it off. */
        public Builder topK(int k) {
            if (k < 0) throw new IllegalArgumentException("topK must be >= 0 (0 = off), got " + k);
            this.topK = k;
            return this;
        }

        /** Sample among the likeliest tokens whose probabilities sum to p, in (0, 1]; 1 turns it off. */
        public Builder topP(double p) {
            if (!(p > 0 && p <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + p);
            this.topP = p;
            return this;
        }

        /** Penalty for tokens already present, {@code > 0}; 1 turns it off. */
        public Builder repetitionPenalty(double penalty) {
            if (!(penalty > 0) || Double.isInfinite(penalty)) throw new IllegalArgumentException("repetitionPenalty must be a finite number > 0, got " + penalty);
            this.repetitionPenalty = penalty;
            return this;
        }

        /** The sampler's seed: the same seed, prompt and options give the same answer. */
        public Builder seed(int seed) {
            this.seed = seed;
            return this;
        }

        /** The options set so far, as an immutable value. */
        public Options build() {
            return new Options(this);
        }
    }
}
