package dev.iris.cli.bench;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Op;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.OnnxCompiler;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bytes of weights one decoded token reads: what bounds decode speed from memory bandwidth
 * (the bench's ceiling). Found from the decode graph's structure, never from weight names.
 */
final class WeightBytesPerToken {
    private WeightBytesPerToken() {}

    /**
     * Bytes of LLM weights one decode step reads in fp32: every weight the decoder and LM head
     * use. An untied embedding table is looked up one row per token, so only that row counts;
     * a tied one is the LM head and counts once, in full.
     */
    static long of(LanguageModel llm) {
        return of(llm, CompiledGraph.Quantization.NONE);
    }

    /**
     * The same with linear layers' weights stored as {@code q} stores them: codes plus one float
     * scale per block (or per output channel) for each weight the compiler quantizes, 4 bytes per value for the rest.
     */
    static long of(LanguageModel llm, CompiledGraph.Quantization q) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, 1L, "seq");
        Value hidden = llm.decode(g, new LanguageModel.DecoderInput(llm.embed(g, ids), g.input("positions", DType.I64, 1L, "seq"),
                null, List.of(), List.of(), null)).hidden();
        g.output("logits", llm.logits(g, hidden));
        Graph graph = g.build();
        Set<String> quantized = q.enabled() ? OnnxCompiler.compile(graph, DType.F32, List.of(), q).quantized() : Set.of();
        // a table that is only looked up (an embedding with an untied head) gives one row per
        // token; a weight any other operation reads (a tied head reads the table too) is read whole
        Set<Value> readWhole = new HashSet<>();
        for (Graph.Node node : graph.nodes()) {
            for (Value in : node.op().inputs()) {
                boolean lookedUp = node.op() instanceof Op.Gather gather && gather.table().equals(in);
                if (graph.op(in) instanceof Op.Weight && !lookedUp) readWhole.add(in);
            }
        }
        long bytes = 0;
        for (Map.Entry<String, Value> e : graph.weights().entrySet()) {
            long[] shape = e.getValue().shape().sizes();
            long n = Tensor.numel(shape);
            if (!readWhole.contains(e.getValue())) bytes += shape[shape.length - 1] * 4L;
            else if (quantized.contains(e.getKey())) bytes += q.storedBytes(shape[0], shape[1]);
            else bytes += n * 4;
        }
        return bytes;
    }
}
