package dev.iris.api.graph;

/** Records operations into a {@link Graph}. (Being written.) */
public final class GraphBuilder {
}
