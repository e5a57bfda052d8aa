package dev.iris.common.vision.archfixture;

import dev.iris.vision.archfixture.VisionUsesOnnx;

/** Breaks "a common module never uses a plugin" on purpose (ArchitectureTest). */
public class VisionCommonUsesPlugin {
    VisionUsesOnnx plugin;
}
