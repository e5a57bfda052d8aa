package dev.iris.llm.qwen;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import java.nio.file.Path;

/** A Qwen2 / Qwen2.5 checkpoint folder as a {@link LanguageModel}. */
public final class Qwen2LanguageModel implements LanguageModel {
    private final Path folder;
    private final Qwen2Decoder decoder;

    public Qwen2LanguageModel(Path folder, Qwen2Config config) {
        this.folder = folder;
        this.decoder = new Qwen2Decoder(config);
    }

    /** Reads {@code config.json} of a Hugging Face model folder. */
    public static Qwen2LanguageModel open(Path folder) {
        return new Qwen2LanguageModel(folder, Qwen2Config.read(folder.resolve("config.json")));
    }

    public Path folder() {
        return folder;
    }

    public Qwen2Config config() {
        return decoder.config();
    }

    @Override
    public int hiddenSize() {
        return config().hiddenSize();
    }

    @Override
    public int vocabSize() {
        return config().vocabSize();
    }

    @Override
    public int layers() {
        return config().layers();
    }

    @Override
    public int kvHeads() {
        return config().kvHeads();
    }

    @Override
    public int headDim() {
        return config().headDim();
    }

    @Override
    public int maxPositions() {
        return config().maxPositions();
    }

    @Override
    public Value embed(GraphBuilder g, Value ids) {
        return decoder.embed(g, ids);
    }

    @Override
    public Decoded decode(GraphBuilder g, DecoderInput in) {
        return decoder.decode(g, in);
    }

    @Override
    public Value logits(GraphBuilder g, Value hidden) {
        return decoder.logits(g, hidden);
    }
}
