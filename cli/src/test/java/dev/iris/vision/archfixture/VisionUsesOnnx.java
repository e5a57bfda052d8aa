package dev.iris.vision.archfixture;

/** Breaks "only runtime-onnx uses ORT" and "vision uses api only" on purpose (ArchitectureTest). */
public class VisionUsesOnnx {
    ai.onnxruntime.OrtEnvironment env;
}
