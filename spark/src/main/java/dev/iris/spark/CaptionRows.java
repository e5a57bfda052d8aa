package dev.iris.spark;

import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Rows of a partition ({@link ImageKeys} rows) to generated captions: {@code concurrency} rows
 * generate at once on the executor's model, whose decode batcher runs their decode steps as one
 * batch, as the server does for concurrent requests. A row without a usable image, or whose image
 * does not decode, gives a row with its reason and no text (it goes to the rejects).
 */
final class CaptionRows implements MapPartitionsFunction<Row, Row> {
    static final String TEXT = "text", PROMPT_TOKENS = "prompt_tokens", GENERATED_TOKENS = "generated_tokens",
            STOP_REASON = "stop_reason", CONFIG_HASH = "config_hash";
    static final StructType SCHEMA = new StructType()
            .add(ImageKeys.ID, DataTypes.StringType, true)
            .add(TEXT, DataTypes.StringType, true)
            .add(PROMPT_TOKENS, DataTypes.IntegerType, true)
            .add(GENERATED_TOKENS, DataTypes.IntegerType, true)
            .add(STOP_REASON, DataTypes.StringType, true)
            .add(CONFIG_HASH, DataTypes.StringType, false)
            .add(ImageKeys.REASON, DataTypes.StringType, true);

    private final ModelSpec spec;
    private final String prompt;
    private final String configHash;
    private final int concurrency;

    CaptionRows(ModelSpec spec, String prompt, String configHash, int concurrency) {
        this.spec = spec;
        this.prompt = prompt;
        this.configHash = configHash;
        this.concurrency = concurrency;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) return List.<Row>of().iterator();
        VisionLanguageModel model = ExecutorModels.model(spec);
        GenerateConfig cfg = spec.config().generate();
        List<Row> out = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "iris-caption");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Row>> window = new ArrayList<>();
            while (rows.hasNext()) {
                Row r = rows.next();
                window.add(pool.submit(() -> caption(model, cfg, r)));
                if (window.size() == 4 * concurrency || !rows.hasNext()) {
                    for (Future<Row> f : window) out.add(get(f));
                    window.clear();
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return out.iterator();
    }

    private Row caption(VisionLanguageModel model, GenerateConfig cfg, Row r) {
        String id = r.getAs(ImageKeys.ID);
        String reason = r.getAs(ImageKeys.REASON);
        if (reason != null) return RowFactory.create(id, null, null, null, null, configHash, reason);
        try {
            GenerationResult g = model.generate(Optional.of(r.getAs(ImageKeys.IMAGE)), "image of row " + id, prompt, cfg, piece -> {});
            return RowFactory.create(id, g.text(), g.promptIds().length, g.generatedIds().length, g.stopReason(), configHash, null);
        } catch (InvalidImageException e) {
            return RowFactory.create(id, null, null, null, null, configHash, EncodeRows.UNDECODABLE + ": " + e.reason());
        }
    }

    private static Row get(Future<Row> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IrisException("caption generation failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IrisException("interrupted while generating captions");
        }
    }
}
