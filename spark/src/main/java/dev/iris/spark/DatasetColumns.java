package dev.iris.spark;

import dev.iris.api.IrisException;
import java.io.Serializable;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns of a parquet dataset in the layout Iris's parquet datasets read (MedTrinity / Hugging
 * Face: {@code id}, {@code caption}, {@code image} as a struct of {@code bytes} and {@code path} or as
 * plain bytes), with configurable names. {@link #check} names the input and the column that does not fit.
 */
public record DatasetColumns(String id, String image, String caption) implements Serializable {
    public static DatasetColumns defaults() {
        return new DatasetColumns("id", "image", "caption");
    }

    /** Whether the image column is a struct {bytes, path} (else: plain bytes). */
    public boolean imageIsStruct(StructType schema) {
        return schema.apply(image).dataType() instanceof StructType;
    }

    /** Fails, naming {@code input} and the column, when the schema lacks a column or has it in another type. */
    public void check(StructType schema, String input, boolean needsCaption) {
        require(schema, input, id, "option id=", "a string");
        if (needsCaption) require(schema, input, caption, "option caption=", "a string");
        StructField f = require(schema, input, image, "option image=", "a struct of bytes and path, or bytes");
        if (f.dataType() instanceof StructType st) {
            boolean bytes = has(st, "bytes", BinaryType.class), path = has(st, "path", StringType.class);
            if (!bytes && !path) {
                throw new IrisException(input + ": image column '" + image + "' is a struct without a binary 'bytes' or string 'path' field: "
                        + st.simpleString());
            }
        } else if (!(f.dataType() instanceof BinaryType)) {
            throw new IrisException(input + ": image column '" + image + "' is " + f.dataType().simpleString()
                    + ", expected a struct of bytes and path, or bytes");
        }
    }

    private static StructField require(StructType schema, String input, String name, String option, String expected) {
        int i = schema.getFieldIndex(name).getOrElse(() -> -1);
        if (i < 0) {
            throw new IrisException(input + ": no column '" + name + "' (" + option + ", expected " + expected + "); columns: "
                    + String.join(", ", schema.fieldNames()));
        }
        StructField f = schema.fields()[i];
        if (expected.equals("a string") && !(f.dataType() instanceof StringType)) {
            throw new IrisException(input + ": column '" + name + "' is " + f.dataType().simpleString() + ", expected " + expected);
        }
        return f;
    }

    private static boolean has(StructType st, String field, Class<? extends DataType> type) {
        int i = st.getFieldIndex(field).getOrElse(() -> -1);
        return i >= 0 && type.isInstance(st.fields()[i].dataType());
    }
}
