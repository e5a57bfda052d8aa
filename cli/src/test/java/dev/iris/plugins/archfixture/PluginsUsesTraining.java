package dev.iris.plugins.archfixture;

import dev.iris.training.Trainer;

/** Breaks the layering on purpose: the plugin host reaching up into training. */
public class PluginsUsesTraining {
    public Class<?> trainer() {
        return Trainer.class;
    }
}
