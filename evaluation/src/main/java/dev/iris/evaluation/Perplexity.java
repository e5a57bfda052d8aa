package dev.iris.evaluation;

/** Perplexity from a mean token cross-entropy in nats. */
public final class Perplexity {
    private Perplexity() {
    }

    /**
     * {@code exp(meanLoss)}, for a mean per-token cross-entropy in nats (natural log, as PyTorch's and
     * ONNX's cross-entropy report it).
     * <ul>
     *   <li>NaN (a diverged or empty average) gives NaN, never a number that looks valid;</li>
     *   <li>+Infinity, and any loss above about 709.78 where exp overflows a double, gives +Infinity;</li>
     *   <li>-Infinity is not a cross-entropy and gives NaN (rather than a perplexity of 0).</li>
     * </ul>
     * Finite negative values are not checked: they give a perplexity below 1.
     */
    public static double of(double meanLoss) {
        if (Double.isNaN(meanLoss) || meanLoss == Double.NEGATIVE_INFINITY) return Double.NaN;
        return Math.exp(meanLoss);  // exp(+Inf) = +Inf, and overflow saturates to +Inf
    }
}
