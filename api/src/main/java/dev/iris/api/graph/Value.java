package dev.iris.api.graph;

import dev.iris.api.tensor.DType;

/** A value computed by a graph: its id in the graph, element type and (partly symbolic) shape. */
public record Value(int id, DType dtype, Shape shape) {
    public int rank() {
        return shape.rank();
    }

    @Override
    public String toString() {
        return "%" + id + ":" + dtype + shape;
    }
}
