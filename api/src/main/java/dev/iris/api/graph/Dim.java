package dev.iris.api.graph;

/** One dimension of a {@link Shape}: a fixed size or a named symbol bound at run time. */
public sealed interface Dim {

    record Fixed(long size) implements Dim {
        public Fixed {
            if (size < 0) throw new IllegalArgumentException("negative dimension " + size);
        }

        @Override
        public String toString() {
            return Long.toString(size);
        }
    }

    record Symbol(String name) implements Dim {
        @Override
        public String toString() {
            return name;
        }
    }

    static Dim of(long size) {
        return new Fixed(size);
    }

    static Dim sym(String name) {
        return new Symbol(name);
    }

    default boolean isOne() {
        return this instanceof Fixed f && f.size() == 1;
    }
}
