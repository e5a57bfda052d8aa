package dev.iris.api.graph;

/** How a trainable weight starts when no checkpoint provides it. */
public sealed interface Init {
    record Zeros() implements Init {}

    record Ones() implements Init {}

    record Constant(double value) implements Init {}

    /** Normal with mean 0 and the given standard deviation (as Hugging Face's {@code initializer_range}). */
    record Normal(double std) implements Init {}

    /** Uniform in [-bound, bound] (PyTorch's default for {@code nn.Linear} uses 1/sqrt(fan_in)). */
    record Uniform(double bound) implements Init {}

    /** The weight must come from a checkpoint. */
    record Required() implements Init {}

    static Init zeros() {
        return new Zeros();
    }

    static Init ones() {
        return new Ones();
    }

    static Init constant(double value) {
        return new Constant(value);
    }

    static Init normal(double std) {
        return new Normal(std);
    }

    static Init uniform(double bound) {
        return new Uniform(bound);
    }

    static Init required() {
        return new Required();
    }
}
