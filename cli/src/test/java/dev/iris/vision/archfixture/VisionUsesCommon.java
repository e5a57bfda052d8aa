package dev.iris.vision.archfixture;

import dev.iris.common.vision.RgbImage;

/** Stays within "a plugin uses api and the common modules" (ArchitectureTest: the allowed side). */
public class VisionUsesCommon {
    RgbImage image;
}
