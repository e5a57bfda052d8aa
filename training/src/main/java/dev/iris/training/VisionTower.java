package dev.iris.training;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.GraphSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The frozen vision tower as one inference session: preprocessed images [3, H, W] in, one
 * [tokens, hidden] feature tensor per image out. The feature cache and the distributed features
 * job both encode through it, so their features are the same numbers.
 */
public final class VisionTower implements AutoCloseable {
    private final VisionEncoder vision;
    private final GraphSession session;

    /** @param opener compiles and binds a graph (the host's weights and runtime) */
    public VisionTower(VisionEncoder vision, Function<Graph, GraphSession> opener) {
        this.vision = vision;
        GraphBuilder g = new GraphBuilder();
        int s = vision.imageSize();
        g.output("features", vision.encode(g, g.input("pixels", DType.F32, "batch", 3L, (long) s, (long) s)));
        this.session = opener.apply(g.build());
    }

    public VisionEncoder vision() {
        return vision;
    }

    /** Runs the tower on the images in one batch; features [tokens, hidden] per image, in order. */
    public List<Tensor> encode(List<Tensor> pixels) {
        if (pixels.isEmpty()) return List.of();
        int s = vision.imageSize();
        int per = 3 * s * s;
        ByteBuffer buffer = Tensor.allocate((long) pixels.size() * per * 4);
        for (int k = 0; k < pixels.size(); k++) {
            buffer.position(k * per * 4);
            buffer.put(pixels.get(k).data().duplicate());
        }
        buffer.clear();
        Tensor batch = new Tensor(DType.F32, new long[] {pixels.size(), 3, s, s}, buffer);
        Tensor feats = session.run(Map.of("pixels", batch)).get("features");
        long[] shape = feats.shape();
        int each = Math.toIntExact(shape[1] * shape[2]);
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < pixels.size(); k++) {
            ByteBuffer slice = feats.data().duplicate().position(k * each * 4).limit((k + 1) * each * 4).slice().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer copy = Tensor.allocate((long) each * 4);
            copy.put(slice).flip();
            out.add(new Tensor(DType.F32, new long[] {shape[1], shape[2]}, copy));
        }
        return out;
    }

    /** The little-endian float32 bytes of a feature tensor: a feature cache file's content. */
    public static byte[] bytes(Tensor features) {
        byte[] bytes = new byte[features.data().remaining()];
        features.data().duplicate().get(bytes);
        return bytes;
    }

    @Override
    public void close() {
        session.close();
    }
}
