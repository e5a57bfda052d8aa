package dev.iris.runtime.graph;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Low-rank adapters (LoRA) as a graph rewrite that knows no model family: every linear layer of
 * one weight group whose module name a target names, {@code y = x W^T + b}, becomes
 * {@code y + (alpha / rank) * (x A^T) B^T} with {@code A [rank, in]} and {@code B [out, rank]} in a
 * weight group of their own ({@link #GROUP}). A module is the weight's name without
 * {@code .weight}; a target names it as PEFT matches {@code target_modules}: the whole name or
 * its trailing dotted part ({@code q_proj} names {@code model.layers.0.self_attn.q_proj}).
 * A starts as PEFT's Kaiming-uniform (bound {@code 1/sqrt(in)}), B at zero, so an untrained
 * adapter leaves the model's output as it was.
 */
public final class LoraRewrite {
    /** The weight group the adapters' tensors belong to. */
    public static final String GROUP = "lora";
    public static final String A = ".lora_A.weight", B = ".lora_B.weight";
    /**
     * Prefix of the inputs a rewrite with dropout adds, one per adapted layer, shaped like the
     * layer's input and of type uint8: the trainer feeds each a fresh mask of 0 (dropped) and 1
     * (kept) every pass. The graph casts it to float; dropout's 1 / (1 - p) is folded into the
     * adapter's scale, so a mask costs a byte per element instead of a float's four.
     */
    public static final String DROPOUT_INPUT = "lora_dropout:";
    /** PEFT's shorthand target: every linear layer but the output layer. */
    public static final String ALL_LINEAR = "all-linear";

    /**
     * What to adapt.
     *
     * @param rank    the adapters' rank r (at least 1)
     * @param alpha   the scale numerator: updates are scaled by {@code alpha / rank}
     * @param targets module names, matched as PEFT does
     */
    public record Spec(int rank, double alpha, List<String> targets) {
        public Spec {
            if (rank < 1) throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
            targets = List.copyOf(targets);
        }

        public double scale() {
            return alpha / rank;
        }

        /** PEFT's rule: the module name is the target or ends with "." + target. */
        public boolean targets(String module) {
            for (String t : targets) if (module.equals(t) || module.endsWith("." + t)) return true;
            return false;
        }
    }

    /** One adapted linear layer: its module name and the weight's [out, in]. */
    public record Module(String name, long out, long in) {
        public String a() {
            return name + A;
        }

        public String b() {
            return name + B;
        }
    }

    /** The rewritten graph and the modules it adapted, in graph order. */
    public record Result(Graph graph, List<Module> modules) {}

    private LoraRewrite() {}

    /**
     * Rewrites the linear layers of {@code group} that {@code spec} targets. Layers whose weight is
     * shared (tied) share one adapter. Nothing is checked about coverage: see {@link #requireEveryTarget}.
     */
    public static Result apply(Graph graph, String group, Spec spec) {
        return apply(graph, group, spec, 0);
    }

    /**
     * As {@link #apply(Graph, String, Spec)}; with a {@code dropout} rate p above 0 the adapters
     * read {@code x * mask / (1 - p)} (PEFT's dropout on the adapter's input), the mask a uint8
     * input named {@link #DROPOUT_INPUT}{@code <module>} (with {@code #n} for a module's later
     * uses). The adapter is linear in its input, so {@code 1 / (1 - p)} joins {@code alpha / rank}
     * in one scalar instead of a multiplication over the whole input.
     */
    public static Result apply(Graph graph, String group, Spec spec, double dropout) {
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        Map<Integer, Module> adapted = new HashMap<>();
        for (Graph.Node n : graph.nodes()) {
            if (n.op() instanceof Op.Linear l) {
                module(graph, l, group).filter(m -> spec.targets(m.name())).ifPresent(m -> adapted.put(n.value().id(), m));
            }
        }
        if (adapted.isEmpty()) return new Result(graph, List.of());
        GraphBuilder g = new GraphBuilder();
        Map<Integer, Value> map = new HashMap<>();
        Map<String, Module> modules = new LinkedHashMap<>();
        Value scale = null;
        java.util.Set<String> maskNames = new java.util.HashSet<>(graph.inputs().keySet());
        for (Graph.Node n : graph.nodes()) {
            Value out = Replay.record(g, n, v -> map.get(v.id()));
            Module m = adapted.get(n.value().id());
            if (m != null) {
                modules.putIfAbsent(m.name(), m);
                Op.Linear l = (Op.Linear) n.op();
                Value x = map.get(l.x().id());
                if (dropout > 0) {
                    String name = DROPOUT_INPUT + m.name();
                    for (int k = 2; !maskNames.add(name); k++) name = DROPOUT_INPUT + m.name() + "#" + k;
                    x = g.mul(x, g.cast(g.input(name, DType.U8, x.shape().dims().toArray()), x.dtype()));
                }
                Value a = g.weight(GROUP, m.a(), Init.uniform(1.0 / Math.sqrt(m.in())), spec.rank(), m.in());
                Value b = g.weight(GROUP, m.b(), Init.zeros(), m.out(), spec.rank());
                if (scale == null) scale = g.scalar(spec.scale() / (1 - dropout));
                out = g.add(out, g.mul(g.linear(g.linear(x, a, null), b, null), scale));
            }
            map.put(n.value().id(), out);
        }
        graph.outputs().forEach((name, v) -> g.output(name, map.get(v.id())));
        return new Result(g.build(), List.copyOf(modules.values()));
    }

    /**
     * {@code spec} with {@link #ALL_LINEAR} replaced, as PEFT does, by the trailing names of every
     * linear module of {@code group} except the output layer (the group's last linear layer, which
     * computes the logits), so the saved config lists what was adapted.
     */
    public static Spec resolve(Graph graph, String group, Spec spec) {
        if (!spec.targets().contains(ALL_LINEAR)) return spec;
        if (spec.targets().size() > 1) throw new IrisException("LoRA targets: " + ALL_LINEAR + " stands alone, not next to " + spec.targets());
        List<String> modules = linearModules(graph, group);
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        String output = lastLinearModule(graph, group);
        for (String m : modules) if (!m.equals(output)) names.add(m.substring(m.lastIndexOf('.') + 1));
        if (names.isEmpty()) throw new IrisException("LoRA targets: " + ALL_LINEAR + " found no linear layer of the " + group + " but its output layer");
        return new Spec(spec.rank(), spec.alpha(), List.copyOf(names));
    }

    private static String lastLinearModule(Graph graph, String group) {
        String last = null;
        for (Graph.Node n : graph.nodes()) {
            if (n.op() instanceof Op.Linear l) last = module(graph, l, group).map(Module::name).orElse(last);
        }
        return last;
    }

    /**
     * Fails when a target adapted nothing, naming it and the linear modules {@code group} has (by
     * their trailing names, the way targets usually name them).
     */
    public static void requireEveryTarget(Graph graph, String group, Spec spec, String key) {
        List<String> modules = linearModules(graph, group);
        for (String t : spec.targets()) {
            if (modules.stream().noneMatch(m -> new Spec(1, 1, List.of(t)).targets(m))) {
                TreeSet<String> shortNames = new TreeSet<>();
                for (String m : modules) shortNames.add(m.substring(m.lastIndexOf('.') + 1));
                throw new IrisException(key + ": target '" + t + "' matches no linear layer of the " + group + " (its linear modules: "
                        + (shortNames.isEmpty() ? "none" : String.join(", ", shortNames)) + "; full names such as "
                        + (modules.isEmpty() ? "-" : modules.get(0)) + ")");
            }
        }
    }

    /** Module names of the linear layers whose weight belongs to {@code group}, each once, in graph order. */
    public static List<String> linearModules(Graph graph, String group) {
        List<String> out = new ArrayList<>();
        for (Graph.Node n : graph.nodes()) {
            if (n.op() instanceof Op.Linear l) module(graph, l, group).map(Module::name).filter(m -> !out.contains(m)).ifPresent(out::add);
        }
        return out;
    }

    private static java.util.Optional<Module> module(Graph graph, Op.Linear l, String group) {
        if (!(graph.op(l.weight()) instanceof Op.Weight w) || !w.group().equals(group) || !w.name().endsWith(".weight")) {
            return java.util.Optional.empty();
        }
        long[] s = l.weight().shape().sizes();
        return java.util.Optional.of(new Module(w.name().substring(0, w.name().length() - ".weight".length()), s[0], s[1]));
    }
}
