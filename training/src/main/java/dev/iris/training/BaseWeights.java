package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.runtime.onnx.CompiledGraph.Quantization;

/**
 * How a training run holds the language model's frozen linear layers: as {@code runtime.weights}
 * says when they are all frozen (adapters with {@code train.lora}, or stage pretrain), as int8
 * codes (QLoRA-style) or float32. Weights being trained stay float, so a full fine-tune of the
 * language model with quantized weights is refused, as is int4 (no training form).
 */
final class BaseWeights {
    private BaseWeights() {}

    static Quantization forTraining(IrisConfig config) {
        Quantization q = config.runtime().weights();
        if (!q.enabled()) return q;
        TrainConfig tc = config.train();
        if (q.bits() != 8) {
            throw new IrisException("runtime.weights: " + q.spec() + " is not supported in training: a frozen base can be held as int8"
                    + " or int8_channel (or fp32)");
        }
        if (tc.lora().isEmpty() && tc.stage() != TrainConfig.Stage.PRETRAIN) {
            throw new IrisException("runtime.weights: " + q.spec() + " with train.stage " + tc.stage().name().toLowerCase()
                    + " without train.lora: the language model's weights are trained and stay float32; use train.lora"
                    + " (adapters over an " + q.spec() + " base) or runtime.weights: fp32");
        }
        return q;
    }
}
