package dev.iris.common.text.archfixture;

import dev.iris.runtime.archfixture.RuntimeUsesOnnx;

/** Breaks "a common module uses api and its own libraries only" on purpose (ArchitectureTest). */
public class TextCommonUsesRuntime {
    RuntimeUsesOnnx runtime;
}
