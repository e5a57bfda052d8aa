package dev.iris.plugins.archfixture;

import dev.iris.vision.archfixture.VisionUsesOnnx;

/** Breaks "plugins are found, not named" on purpose (ArchitectureTest). */
public class PluginsNamesAPlugin {
    VisionUsesOnnx concrete;
}
