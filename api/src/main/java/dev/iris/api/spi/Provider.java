package dev.iris.api.spi;

/**
 * A named factory found with {@link java.util.ServiceLoader}. The {@link #type()} is what a
 * config's {@code type:} field names; it is stable across releases, like a Lucene codec name.
 */
public interface Provider {
    /** The stable name a config selects this provider by, e.g. {@code siglip}. */
    String type();

    /** One line for {@code iris plugins}. */
    default String description() {
        return "";
    }

    /** The plugin's version, recorded in files it writes. */
    default String version() {
        Package p = getClass().getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
