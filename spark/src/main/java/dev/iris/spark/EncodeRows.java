package dev.iris.spark;

import dev.iris.api.image.InvalidImageException;
import dev.iris.api.tensor.Tensor;
import dev.iris.training.FeatureTable;
import dev.iris.training.VisionTower;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Distinct images of a partition ({@link ImageKeys} rows) to their features, {@code batch} images
 * per run of the executor's vision tower. An image the encoder's decoder refuses gives a row with
 * its reason and no features (it goes to the rejects); any other failure fails the task.
 */
final class EncodeRows implements MapPartitionsFunction<Row, Row> {
    /** The reason prefix of an image the decoder refused, as training's skip list words it. */
    static final String UNDECODABLE = "undecodable image";
    static final StructType SCHEMA = new StructType()
            .add(FeatureTable.KEY, DataTypes.StringType, false)
            .add(FeatureTable.ENCODER, DataTypes.StringType, false)
            .add(FeatureTable.TOKENS, DataTypes.IntegerType, false)
            .add(FeatureTable.HIDDEN, DataTypes.IntegerType, false)
            .add(FeatureTable.VALUES, DataTypes.BinaryType, true)
            .add(FeatureTable.REASON, DataTypes.StringType, true);

    private final ModelSpec spec;
    private final String fingerprint;
    private final int batch;

    EncodeRows(ModelSpec spec, String fingerprint, int batch) {
        this.spec = spec;
        this.fingerprint = fingerprint;
        this.batch = batch;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && rows.hasNext()) fill();
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return ready.poll();
            }

            private void fill() {
                ExecutorModels.Vision vision = ExecutorModels.vision(spec);
                List<Tensor> pixels = new ArrayList<>();
                List<String> keys = new ArrayList<>();
                while (rows.hasNext() && pixels.size() < batch) {
                    Row r = rows.next();
                    String key = r.getAs(ImageKeys.KEY);
                    try {
                        pixels.add(vision.preprocess(r.getAs(ImageKeys.IMAGE), "image of row " + r.getAs(ImageKeys.ID)));
                        keys.add(key);
                    } catch (InvalidImageException e) {
                        ready.add(RowFactory.create(key, fingerprint, vision.tokens(), vision.hiddenSize(), null, UNDECODABLE + ": " + e.reason()));
                    }
                }
                List<Tensor> features = vision.encode(pixels);
                for (int i = 0; i < features.size(); i++) {
                    ready.add(RowFactory.create(keys.get(i), fingerprint, vision.tokens(), vision.hiddenSize(), VisionTower.bytes(features.get(i)), null));
                }
            }
        };
    }
}
