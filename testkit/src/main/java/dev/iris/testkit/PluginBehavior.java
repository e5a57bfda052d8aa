package dev.iris.testkit;

/**
 * Optional abilities a plugin declares to its contract. A contract test about an ability the
 * plugin does not declare is skipped (an assumption, reported as skipped); a plugin that
 * declares one must pass every test about it.
 */
public enum PluginBehavior {
    /** Training updates the plugin's weights: gradients must match finite differences. */
    TRAINABLE_WEIGHTS,
    /** A language model that continues from cached keys and values exactly as it would recompute them. */
    HAS_KV_CACHE,
    /** A fusion that writes image embeddings into image positions of the prompt. */
    PLACES_TOKENS_IN_PROMPT,
    /** A fusion whose decoder reads the image at every step (work between decoder layers). */
    READS_IMAGE_EVERY_STEP,
    /** A fusion whose blocks pass through gates that, closed, leave the language model as it was. */
    GATED_BLOCKS,
    /** A dataset that skips unusable rows (missing image, empty caption) and reports them. */
    SKIPS_BAD_ROWS,
    /** A dataset that reads files and must release them when a pass ends or is closed. */
    READS_FILES
}
