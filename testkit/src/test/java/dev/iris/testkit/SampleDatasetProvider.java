package dev.iris.testkit;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.DatasetProvider;
import dev.iris.api.spi.PluginContext;

/** Registers the sample dataset (on the kit's test class path only) so the registration check has something to find. */
public final class SampleDatasetProvider implements DatasetProvider {
    @Override
    public String type() {
        return "sample-lines";
    }

    @Override
    public String description() {
        return "id|caption lines, for checking the dataset contract";
    }

    @Override
    public Dataset create(ComponentConfig config, PluginContext context) {
        return new SampleDataset(config.path("path"), SampleDataset.Fault.NONE);
    }
}
