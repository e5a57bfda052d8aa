package dev.iris.api.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A shape whose dimensions are fixed sizes or named symbols (batch, sequence, ...). */
public record Shape(List<Dim> dims) {

    public Shape {
        dims = List.copyOf(dims);
    }

    public static Shape of(Dim... dims) {
        return new Shape(Arrays.asList(dims));
    }

    public static Shape of(long... sizes) {
        List<Dim> d = new ArrayList<>();
        for (long s : sizes) d.add(Dim.of(s));
        return new Shape(d);
    }

    public int rank() {
        return dims.size();
    }

    public Dim dim(int axis) {
        return dims.get(axis < 0 ? axis + dims.size() : axis);
    }

    /** True when every dimension is a fixed size. */
    public boolean isStatic() {
        return dims.stream().allMatch(d -> d instanceof Dim.Fixed);
    }

    /** Fixed sizes; throws when a dimension is symbolic. */
    public long[] sizes() {
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(dims.get(i) instanceof Dim.Fixed f)) throw new IllegalStateException("shape " + this + " is not static");
            out[i] = f.size();
        }
        return out;
    }

    @Override
    public String toString() {
        return dims.toString();
    }
}
