package dev.iris.datasets;

import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Rows in Parquet files in the Hugging Face layout: a string {@code caption}, an
 * {@code image} struct of {@code bytes} and {@code path} (or plain image bytes), and an optional
 * {@code id}; or, when the file has a {@code conversations} column (list of struct {@code from},
 * {@code value}, as LLaVA-style datasets on the hub store it), a conversation per row with an
 * optional image (a row without one is a text-only sample). A pass reads one row group at a time and only the columns it needs, so memory
 * stays at one row group however large the files are.
 */
final class ParquetDataset implements Dataset {
    /** The column names to read; {@code idRequired} when the user named the id column. */
    record Columns(String id, boolean idRequired, String caption, String image, String conversations) {
        static final Columns DEFAULT = new Columns("id", false, "caption", "image", "conversations");

        Columns(String id, boolean idRequired, String caption, String image) {
            this(id, idRequired, caption, image, DEFAULT.conversations());
        }
    }

    private final List<Path> files;
    private final Columns columns;
    private final String description;

    private ParquetDataset(List<Path> files, Columns columns, String description) {
        this.files = List.copyOf(files);
        this.columns = columns;
        this.description = description;
    }

    /**
     * Checks every file's footer now, so a wrong file fails before training starts rather than
     * hours into it. {@code label} starts the description (e.g. "parquet /data/x").
     */
    static ParquetDataset open(List<Path> files, Columns columns, String label) {
        long rows = 0;
        for (Path f : files) {
            try (ParquetFileReader reader = openReader(f)) {
                Layout layout = Layout.of(f, reader.getFileMetaData().getSchema(), columns);
                checkCodecs(f, reader, layout);
                rows += reader.getRecordCount();
            } catch (IOException e) {
                throw new IrisException("cannot close " + f + ": " + e.getMessage(), e);
            }
        }
        return new ParquetDataset(files, columns, label + ": " + fileList(files) + ", " + rows + " rows");
    }

    private static String fileList(List<Path> files) {
        List<String> names = new ArrayList<>();
        for (Path f : files.size() <= 5 ? files : files.subList(0, 3)) {
            names.add(f.getFileName().toString());
        }
        if (files.size() > 5) {
            names.add("... " + (files.size() - 3) + " more");
        }
        return files.size() + (files.size() == 1 ? " file (" : " files (") + String.join(", ", names) + ")";
    }

    @Override
    public Examples open() {
        return new FilePass();
    }

    @Override
    public String describe() {
        return description;
    }

    /**
     * Opens a file with Parquet's own local file support (no Hadoop file system). Every failure,
     * whatever Parquet throws for a truncated file or a broken footer, is an error naming the file.
     */
    static ParquetFileReader openReader(Path file) {
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        try {
            return ParquetFileReader.open(new NamedInputFile(file), options);
        } catch (IOException e) {
            throw new IrisException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // parquet reports a wrong magic number or a broken footer as a RuntimeException
            throw new IrisException(file + ": not a Parquet file or a damaged one (" + detail(e) + ")", e);
        }
    }

    /**
     * The codecs this build decompresses: Parquet's own and those whose libraries are on the
     * class path. Hadoop's LZ4 (not LZ4_RAW), LZO and Brotli need native or
     * extra libraries; without this check a file using one fails deep in Hadoop with a missing class.
     */
    static final Set<CompressionCodecName> CODECS = EnumSet.of(CompressionCodecName.UNCOMPRESSED, CompressionCodecName.SNAPPY,
            CompressionCodecName.GZIP, CompressionCodecName.ZSTD, CompressionCodecName.LZ4_RAW);

    /** Every column chunk the pass will read uses a codec this build has: else an error naming file, column and row group. */
    static void checkCodecs(Path file, ParquetFileReader reader, Layout layout) {
        List<BlockMetaData> groups = reader.getRowGroups();
        for (int g = 0; g < groups.size(); g++) {
            for (ColumnChunkMetaData chunk : groups.get(g).getColumns()) {
                String top = chunk.getPath().toArray()[0];
                boolean read = top.equals(layout.captionField()) || top.equals(layout.imageField()) || top.equals(layout.idField())
                        || top.equals(layout.conversationsField());
                if (read && !CODECS.contains(chunk.getCodec())) {
                    throw new IrisException(file + ": column '" + chunk.getPath().toDotString() + "' in row group " + g
                            + " is compressed with " + chunk.getCodec() + ", which Iris cannot decompress (it reads "
                            + CODECS.stream().map(Enum::name).collect(Collectors.joining(", "))
                            + "); rewrite the file with one of those, e.g. pyarrow's compression='zstd'");
                }
            }
        }
    }

    /** Parquet's message, or the exception's type when it has none (a bare NullPointerException, say). */
    private static String detail(Exception e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    }

    /** Parquet names its input in messages by {@code toString()}: the path, not {@code LocalInputFile@2aa27288}. */
    private static final class NamedInputFile extends LocalInputFile {
        private final Path file;

        NamedInputFile(Path file) {
            super(file);
            this.file = file;
        }

        @Override
        public String toString() {
            return file.toString();
        }
    }

    /**
     * Where the values sit in one file's schema, and the projection that reads only them.
     *
     * @param idField the id column, or null to use {@code <file>#<row>}
     * @param imageStruct the image column is a struct (else plain bytes)
     * @param hasBytes the struct has a {@code bytes} field
     * @param hasPath the struct has a {@code path} field
     * @param conversationsField the conversations column, or null for the caption layout (then
     *                           {@code captionField} is set and the image column is required)
     */
    record Layout(MessageType projection, String idField, String captionField, String imageField,
            boolean imageStruct, boolean hasBytes, boolean hasPath, String conversationsField) {

        static Layout of(Path file, MessageType schema, Columns c) {
            List<String> names = schema.getFields().stream().map(Type::getName).toList();
            String found = " (columns: " + String.join(", ", names) + ")";

            String conversations = null, captionField = null;
            if (schema.containsField(c.conversations())) {
                ConversationColumn.check(file, schema.getType(c.conversations()), found);
                conversations = c.conversations();
            } else {
                Type caption = column(file, schema, c.caption(), "captions (or a '" + c.conversations() + "' column of turns)", found);
                if (!isString(caption)) {
                    throw new IrisException(file + ": column '" + c.caption() + "' should hold text but is " + caption + found);
                }
                captionField = c.caption();
            }
            String imageField = c.image();
            if (conversations != null && !schema.containsField(c.image())) {
                // conversations without an image column: text-only samples
                return finish(file, schema, c, null, conversations, null, false, false, false, found);
            }
            Type image = column(file, schema, c.image(), "images", found);
            boolean struct = !image.isPrimitive();
            boolean hasBytes = false;
            boolean hasPath = false;
            if (struct) {
                GroupType g = image.asGroupType();
                hasBytes = g.containsField("bytes") && isBinary(g.getType("bytes"));
                hasPath = g.containsField("path") && isString(g.getType("path"));
                if (!hasBytes && !hasPath) {
                    throw new IrisException(file + ": column '" + c.image() + "' should be a struct of binary 'bytes'"
                            + " and string 'path' but is " + image);
                }
            } else if (!isBinary(image)) {
                throw new IrisException(file + ": column '" + c.image() + "' should hold image bytes but is " + image + found);
            }
            return finish(file, schema, c, captionField, conversations, imageField, struct, hasBytes, hasPath, found);
        }

        private static Layout finish(Path file, MessageType schema, Columns c, String captionField, String conversations, String imageField,
                                     boolean struct, boolean hasBytes, boolean hasPath, String found) {
            String idField = null;
            if (schema.containsField(c.id())) {
                Type id = column(file, schema, c.id(), "ids", found);
                if (!id.isPrimitive()) {
                    throw new IrisException(file + ": column '" + c.id() + "' should hold ids but is " + id + found);
                }
                idField = c.id();
            } else if (c.idRequired()) {
                column(file, schema, c.id(), "ids", found); // throws the common message
            }
            // the projection keeps the file's own types, so required and optional layouts both read
            List<Type> keep = new ArrayList<>();
            for (Type t : schema.getFields()) {
                String n = t.getName();
                if (n.equals(captionField) || n.equals(imageField) || n.equals(idField) || n.equals(conversations)) {
                    keep.add(t);
                }
            }
            return new Layout(new MessageType(schema.getName(), keep), idField, captionField, imageField, struct, hasBytes, hasPath,
                    conversations);
        }

        private static Type column(Path file, MessageType schema, String name, String what, String found) {
            if (!schema.containsField(name)) {
                throw new IrisException(file + ": no '" + name + "' column for the " + what + found);
            }
            Type t = schema.getType(name);
            if (t.isRepetition(Type.Repetition.REPEATED)) {
                throw new IrisException(file + ": column '" + name + "' is a list, expected one value per row" + found);
            }
            return t;
        }

        private static boolean isBinary(Type t) {
            return t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED)
                    && t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY;
        }

        private static boolean isString(Type t) {
            return isBinary(t); // strings are BINARY, with or without the STRING annotation
        }
    }

    /** One pass over all files; holds at most one file and one row group at a time. */
    private final class FilePass extends Pass {
        private int nextFile;
        private Path file;
        private ParquetFileReader reader;
        private Layout layout;
        private MessageColumnIO columnIO;
        private RecordReader<Group> records;
        private long rowsLeftInGroup;
        private int rowGroup;
        private long row;

        @Override
        protected void release() {
            closeFile();
        }

        @Override
        protected Example advance() {
            try {
                while (true) {
                    if (reader == null) {
                        if (nextFile >= files.size()) {
                            return null;
                        }
                        openFile(files.get(nextFile++));
                    } else if (rowsLeftInGroup == 0) {
                        rowGroup++;   // counted before reading, so a damaged group is named by its errors
                        PageReadStore group = reader.readNextRowGroup();
                        if (group == null) {
                            closeFile();
                        } else {
                            records = columnIO.getRecordReader(group, new GroupRecordConverter(layout.projection()));
                            rowsLeftInGroup = group.getRowCount();
                        }
                    } else {
                        Group g = records.read();
                        rowsLeftInGroup--;
                        Example e = toExample(g, row);
                        row++;
                        if (e != null) {
                            return e;
                        }
                    }
                }
            } catch (IrisException e) {
                close();
                throw e;
            } catch (IOException | RuntimeException e) {
                String at = file + (rowGroup > 0 ? " in row group " + (rowGroup - 1) + " at row " + row : "");
                close();
                throw new IrisException("cannot read " + at + ": " + detail(e), e);
            }
        }

        private void openFile(Path f) throws IOException {
            file = f;
            reader = openReader(f);
            // the file may have changed since the footer check in open(): check it again
            layout = Layout.of(f, reader.getFileMetaData().getSchema(), columns);
            checkCodecs(f, reader, layout);
            reader.setRequestedSchema(layout.projection());
            columnIO = new ColumnIOFactory().getColumnIO(layout.projection(), reader.getFileMetaData().getSchema());
            rowsLeftInGroup = 0;
            rowGroup = 0;
            row = 0;
        }

        private void closeFile() {
            if (reader != null) {
                try {
                    reader.close();
                } catch (IOException e) {
                    // nothing was written, so a failed close loses nothing
                }
            }
            reader = null;
            records = null;
        }

        /** The row as an example, or null after counting why it is skipped. */
        private Example toExample(Group g, long rowInFile) {
            String id = layout.idField() != null && g.getFieldRepetitionCount(layout.idField()) > 0
                    ? g.getValueToString(g.getType().getFieldIndex(layout.idField()), 0)
                    : file.getFileName() + "#" + rowInFile;
            if (layout.conversationsField() != null) return toConversation(g, id);
            Optional<byte[]> image = image(g);
            if (image.isEmpty()) {
                skips.skip(missingReason(g), id);
                return null;
            }
            String caption = g.getFieldRepetitionCount(layout.captionField()) > 0 ? g.getString(layout.captionField(), 0) : null;
            if (caption == null || CaptionText.isBlank(caption)) {
                skips.skip(SkipCounter.EMPTY_CAPTION, id);
                return null;
            }
            return Example.caption(id, CaptionText.strip(caption), image.get());
        }

        /** A row of the conversation layout: its turns, and its image when it has one (else text only). */
        private Example toConversation(Group g, String id) {
            List<byte[]> images = new ArrayList<>();
            if (layout.imageField() != null && g.getFieldRepetitionCount(layout.imageField()) > 0) {
                Optional<byte[]> image = image(g);
                if (image.isEmpty()) {
                    // a row that names an image which is not there is not a text-only row
                    String reason = missingReason(g);
                    if (reason.equals(SkipCounter.IMAGE_NOT_FOUND)) {
                        skips.skip(reason, id);
                        return null;
                    }
                } else {
                    images.add(image.get());
                }
            }
            List<LlavaTurns.Raw> raw = ConversationColumn.read(g, layout.conversationsField());
            LlavaTurns.Read read = LlavaTurns.read(raw, images.size());
            if (!read.ok()) {
                skips.skip(read.problem(), id);
                return null;
            }
            return new Example(id, read.turns(), images);
        }

        private Optional<byte[]> image(Group g) {
            if (g.getFieldRepetitionCount(layout.imageField()) == 0) {
                return Optional.empty();
            }
            if (!layout.imageStruct()) {
                return nonEmpty(g.getBinary(layout.imageField(), 0).getBytes());
            }
            Group img = g.getGroup(layout.imageField(), 0);
            if (layout.hasBytes() && img.getFieldRepetitionCount("bytes") > 0) {
                Optional<byte[]> bytes = nonEmpty(img.getBinary("bytes", 0).getBytes());
                if (bytes.isPresent()) {
                    return bytes;
                }
            }
            // no bytes stored: the path names a file next to the parquet file (HF's layout)
            String path = path(img);
            return path == null ? Optional.empty() : ImageRefs.read(file.toAbsolutePath().getParent(), path);
        }

        private String path(Group img) {
            if (!layout.hasPath() || img.getFieldRepetitionCount("path") == 0) {
                return null;
            }
            String p = img.getString("path", 0);
            return p.isBlank() ? null : p;
        }

        /** "image file not found" when a path was given, else "missing image". */
        private String missingReason(Group g) {
            if (layout.imageStruct() && g.getFieldRepetitionCount(layout.imageField()) > 0
                    && path(g.getGroup(layout.imageField(), 0)) != null) {
                return SkipCounter.IMAGE_NOT_FOUND;
            }
            return SkipCounter.MISSING_IMAGE;
        }

        private static Optional<byte[]> nonEmpty(byte[] b) {
            return b.length == 0 ? Optional.empty() : Optional.of(b);
        }
    }
}
