package dev.iris.vlm;

/**
 * One optimizer step of {@link IrisModel#train(java.util.function.Consumer)}, for progress displays.
 *
 * @param step             steps done so far (1 after the first)
 * @param totalSteps       steps the run will make
 * @param loss             this step's mean loss over the answer tokens
 * @param learningRate     the learning rate used
 * @param gradNorm         the gradient's norm before clipping
 * @param samplesPerSecond throughput so far
 * @param epoch            the epoch this step belongs to (0-based)
 */
public record TrainStep(long step, long totalSteps, double loss, double learningRate, double gradNorm, double samplesPerSecond, int epoch) {}
