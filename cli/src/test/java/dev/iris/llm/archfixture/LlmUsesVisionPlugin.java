package dev.iris.llm.archfixture;

import dev.iris.vision.archfixture.VisionUsesOnnx;

/** Breaks "a plugin depends on api alone" on purpose (ArchitectureTest). */
public class LlmUsesVisionPlugin {
    VisionUsesOnnx other;
}
