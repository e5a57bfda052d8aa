package dev.iris.api.spi;

/** The kinds of plugin Iris knows, with the config field that selects one of each. */
public enum ProviderKind {
    VISION("vision encoder", "model.vision", VisionEncoderProvider.class),
    LLM("language model", "model.llm", LanguageModelProvider.class),
    FUSION("fusion", "model.fusion", FusionProvider.class),
    DATASET("dataset", "train.dataset", DatasetProvider.class);

    private final String label;
    private final String configKey;
    private final Class<? extends Provider> providerType;

    ProviderKind(String label, String configKey, Class<? extends Provider> providerType) {
        this.label = label;
        this.configKey = configKey;
        this.providerType = providerType;
    }

    public String label() {
        return label;
    }

    /** Where in the config the component of this kind is described. */
    public String configKey() {
        return configKey;
    }

    public Class<? extends Provider> providerType() {
        return providerType;
    }
}
