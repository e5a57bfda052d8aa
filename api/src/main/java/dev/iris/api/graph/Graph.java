package dev.iris.api.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recorded computation: nodes in the order they were recorded (a topological order),
 * named inputs, named weights and named outputs. Immutable.
 */
public final class Graph {

    /** One recorded operation and the value it produces. */
    public record Node(Value value, Op op) {}

    private final List<Node> nodes;
    private final Map<String, Value> outputs;

    Graph(List<Node> nodes, Map<String, Value> outputs) {
        this.nodes = List.copyOf(nodes);
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        for (int i = 0; i < this.nodes.size(); i++) {
            if (this.nodes.get(i).value().id() != i) throw new IllegalStateException("node ids must be dense");
        }
    }

    public List<Node> nodes() {
        return nodes;
    }

    public Op op(Value v) {
        return nodes.get(v.id()).op();
    }

    public Map<String, Value> outputs() {
        return outputs;
    }

    public Value output(String name) {
        Value v = outputs.get(name);
        if (v == null) throw new IllegalArgumentException("graph has no output '" + name + "' (outputs: " + outputs.keySet() + ")");
        return v;
    }

    /** Inputs by name, in recording order. */
    public Map<String, Value> inputs() {
        Map<String, Value> m = new LinkedHashMap<>();
        for (Node n : nodes) if (n.op() instanceof Op.Input in) m.put(in.name(), n.value());
        return m;
    }

    /** Weights by qualified name ({@code group/name}), in recording order. */
    public Map<String, Value> weights() {
        Map<String, Value> m = new LinkedHashMap<>();
        for (Node n : nodes) if (n.op() instanceof Op.Weight w) m.put(w.qualifiedName(), n.value());
        return m;
    }

    public int size() {
        return nodes.size();
    }
}
