package dev.iris.cli.corpus;

/**
 * One row of the corpus as written, with what a reader must make of it.
 *
 * @param caption null for a null caption cell
 * @param image   null for a null {@code image} struct
 * @param format  how the image bytes (or the file the path names) are encoded; null when there are none
 */
public record CorpusRow(String id, String caption, Image image, ImageFormat format, Expect expect) {
    /**
     * The {@code image} struct.
     *
     * @param bytes null for a null {@code bytes} cell
     * @param path  null for a null {@code path} cell; relative paths are relative to the parquet file's folder
     */
    public record Image(byte[] bytes, String path) {}

    /** What a reader does with the row: use it, or skip it for the reason whose text starts with {@link #reason}. */
    public enum Expect {
        USABLE(null),
        MISSING_IMAGE("missing image"),
        IMAGE_NOT_FOUND("image file not found"),
        EMPTY_CAPTION("empty caption"),
        UNDECODABLE("undecodable image");

        public final String reason;

        Expect(String reason) {
            this.reason = reason;
        }

        /** Rows the dataset reader itself skips (before any image is decoded). */
        public boolean skippedByReader() {
            return this == MISSING_IMAGE || this == IMAGE_NOT_FOUND || this == EMPTY_CAPTION;
        }
    }

    public boolean usable() {
        return expect == Expect.USABLE;
    }
}
