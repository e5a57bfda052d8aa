package dev.iris.common.nn;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.Tensor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * A graph as text, one line per recorded operation in recording order, with every argument
 * (arrays by content). Two descriptions that give the same text record the same operations on
 * the same weights in the same order, so they compute the same numbers: a refactoring of a
 * model's description can be checked against the text of the description before it.
 */
public final class GraphText {
    private GraphText() {}

    public static String render(Graph graph) {
        StringBuilder out = new StringBuilder();
        for (Graph.Node n : graph.nodes()) out.append(n.value()).append(" = ").append(value(n.op())).append('\n');
        graph.outputs().forEach((name, v) -> out.append("output ").append(name).append(" = ").append(v).append('\n'));
        return out.toString();
    }

    private static String value(Object o) {
        return switch (o) {
            case null -> "null";
            case long[] a -> Arrays.toString(a);
            case int[] a -> Arrays.toString(a);
            case double[] a -> Arrays.toString(a);
            case float[] a -> Arrays.toString(a);
            case Value v -> v.toString();
            case Tensor t -> "Tensor" + t.dtype() + Arrays.toString(t.shape()) + Arrays.toString(t.toDoubles());
            case Record r -> record(r);
            default -> String.valueOf(o);
        };
    }

    private static String record(Record r) {
        StringJoiner parts = new StringJoiner(", ", r.getClass().getSimpleName() + "(", ")");
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                parts.add(c.getName() + "=" + value(c.getAccessor().invoke(r)));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getName(), e);
            }
        }
        return parts.toString();
    }
}
