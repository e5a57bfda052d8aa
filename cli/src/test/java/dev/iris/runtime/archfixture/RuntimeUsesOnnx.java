package dev.iris.runtime.archfixture;

/** Allowed: the runtime may use ORT (ArchitectureTest checks it is not reported). */
public class RuntimeUsesOnnx {
    ai.onnxruntime.OrtEnvironment env;
}
