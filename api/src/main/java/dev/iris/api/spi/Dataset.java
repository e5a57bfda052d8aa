package dev.iris.api.spi;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** A stream of examples (conversations with their images, captions among them); never loads the whole dataset. */
public interface Dataset {
    /** Opens a fresh pass over the examples, in the dataset's stored order. The caller closes it. */
    Examples open();

    /** A short description for logs and reports (files, split). */
    String describe();

    /**
     * Metrics that only this dataset's captions support, e.g. an exact-match accuracy of a
     * synthetic task whose captions have a known structure. Evaluation reports them beside the
     * general caption metrics (loss, BLEU, ROUGE, CIDEr) that every dataset gets; most datasets
     * offer none.
     */
    default List<TaskMetric> taskMetrics() {
        return List.of();
    }

    /** One pass: an iterator that holds files open until closed. */
    interface Examples extends Iterator<Example>, AutoCloseable {
        @Override
        void close();

        /** Rows skipped so far in this pass (missing image, empty caption, ...). */
        Skips skips();

        /**
         * The rows skipped since the previous call (or the start of the pass), each with its
         * reason, in the order they were met. The host writes them to the run's skip list so the
         * user can fix the data; {@link #skips()} keeps counting them.
         */
        List<Skipped> drainSkipped();
    }

    /**
     * One conversation with its images: {@code turns} are an optional system turn, then user and
     * assistant turns alternating, ending with an assistant turn; {@code images} hold encoded file
     * bytes (PNG, JPEG), none for a text-only sample. {@value #IMAGE_MARKER} in a user turn's text
     * says which turn an image belongs to (in order); without any marker the images belong to the
     * first user turn. A caption is the one-turn conversation {@link #caption}.
     *
     * @throws IllegalArgumentException when the turns or images break these rules ({@link #problem})
     */
    record Example(String id, List<Turn> turns, List<byte[]> images) {
        /** LLaVA's placeholder for an image in a user turn. */
        public static final String IMAGE_MARKER = "<image>";

        public Example {
            turns = List.copyOf(turns);
            images = List.copyOf(images);
            Optional<String> p = problem(turns, images.size());
            if (p.isPresent()) throw new IllegalArgumentException("example " + id + ": " + p.get());
        }

        /**
         * An image with its caption: a user turn whose instruction the trainer draws from
         * {@code train.prompts}, and the caption as the answer. {@code image} may be null (text only).
         */
        public static Example caption(String id, String caption, byte[] image) {
            return new Example(id, List.of(Turn.promptedUser(), Turn.assistant(caption)), image == null ? List.of() : List.of(image));
        }

        /** Whether this is a caption: one prompted user turn and its answer. */
        public boolean isCaption() {
            return turns.size() == 2 && turns.get(0).prompted();
        }

        /** The caption of a caption example. */
        public String caption() {
            if (!isCaption()) throw new IllegalStateException("example " + id + " is a conversation, not a caption");
            return turns.get(1).text();
        }

        /** The first image, or null when there is none. */
        public byte[] firstImage() {
            return images.isEmpty() ? null : images.get(0);
        }

        /** Per image (in order), the index of the turn it belongs to. */
        public List<Integer> imageTurns() {
            List<Integer> out = new java.util.ArrayList<>();
            for (int i = 0; i < turns.size(); i++) {
                for (int k = 0; k < turns.get(i).imageMarkers(); k++) out.add(i);
            }
            if (!out.isEmpty()) return List.copyOf(out);
            int firstUser = turns.get(0).role() == Role.SYSTEM ? 1 : 0;
            return java.util.Collections.nCopies(images.size(), firstUser);
        }

        /**
         * Why {@code turns} with {@code images} images cannot be an example, or empty when they can:
         * a short reason first ("roles not alternating", "empty answer", "image count mismatch",
         * ...), then after ": " the details.
         */
        public static Optional<String> problem(List<Turn> turns, int images) {
            if (turns.isEmpty()) return Optional.of("no turns");
            int markers = 0;
            int first = turns.get(0).role() == Role.SYSTEM ? 1 : 0;
            if (first == turns.size()) return Optional.of("no answer: only a system turn");
            for (int i = 0; i < turns.size(); i++) {
                Turn t = turns.get(i);
                Role expected = i < first ? Role.SYSTEM : (i - first) % 2 == 0 ? Role.USER : Role.ASSISTANT;
                if (t.role() != expected) {
                    return Optional.of("roles not alternating: turn " + (i + 1) + " is " + t.role().label() + " where " + expected.label()
                            + " should be (system first, then user and assistant in turns)");
                }
                if (t.role() == Role.ASSISTANT && t.text().isBlank()) return Optional.of("empty answer: turn " + (i + 1));
                if (t.role() != Role.USER && t.imageMarkers() > 0) {
                    return Optional.of("image in a " + t.role().label() + " turn: turn " + (i + 1) + " holds " + IMAGE_MARKER);
                }
                markers += t.imageMarkers();
            }
            if (turns.get(turns.size() - 1).role() != Role.ASSISTANT) {
                return Optional.of("no final answer: the last turn is a user turn without an answer");
            }
            if (markers > 0 && markers != images) {
                return Optional.of("image count mismatch: " + IMAGE_MARKER + " appears " + markers + " times but the example has "
                        + images + (images == 1 ? " image" : " images"));
            }
            return Optional.empty();
        }
    }

    /** Who speaks a turn. */
    enum Role {
        SYSTEM, USER, ASSISTANT;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One turn. {@code text} is null only for a prompted user turn, whose instruction the trainer
     * draws from {@code train.prompts} (a caption's question).
     */
    record Turn(Role role, String text) {
        public Turn {
            if (role == null) throw new IllegalArgumentException("a turn needs a role");
            if (text == null && role != Role.USER) throw new IllegalArgumentException("a " + role.label() + " turn needs text");
        }

        public static Turn system(String text) {
            return new Turn(Role.SYSTEM, text);
        }

        public static Turn user(String text) {
            return new Turn(Role.USER, text);
        }

        public static Turn assistant(String text) {
            return new Turn(Role.ASSISTANT, text);
        }

        /** A user turn whose instruction is drawn from {@code train.prompts}. */
        public static Turn promptedUser() {
            return new Turn(Role.USER, null);
        }

        public boolean prompted() {
            return text == null;
        }

        /** How often {@link Example#IMAGE_MARKER} appears in the text. */
        public int imageMarkers() {
            if (text == null) return 0;
            int n = 0;
            for (int at = text.indexOf(Example.IMAGE_MARKER); at >= 0; at = text.indexOf(Example.IMAGE_MARKER, at + 1)) n++;
            return n;
        }

        /** The text without image markers, stripped (as LLaVA's preprocessing removes them); null for a prompted turn. */
        public String textWithoutImages() {
            return text == null ? null : text.replace(Example.IMAGE_MARKER, "").strip();
        }
    }

    /**
     * One row that was not used, and why (e.g. "missing image", or "empty answer: turn 4": a short
     * reason, then after ": " the details of this row).
     */
    record Skipped(String id, String reason) {}

    /**
     * Skipped rows: how many, the ids of the first few (for the report), and counts by reason
     * (e.g. "missing image", "empty caption": a reason's text before any ": ", without the row's
     * details). A skipped row is never replaced by a stand-in.
     */
    record Skips(long count, List<String> firstIds, Map<String, Long> byReason) {
        public static final Skips NONE = new Skips(0, List.of(), Map.of());
    }

    /**
     * A score of one generated caption against its reference that only makes sense for one kind
     * of data (e.g. "names the same colour, shape and position").
     */
    interface TaskMetric {
        /** The key in JSON reports, e.g. {@code shapes_accuracy}. */
        String key();

        /** What a reader sees in tables, e.g. "held-out fully correct (shapes: colour, shape and position)". */
        String label();

        /**
         * 1 when {@code generated} is right about {@code reference}, 0 when wrong (values in
         * between for partial credit), empty when the reference is not one this metric can judge.
         */
        OptionalDouble score(String generated, String reference);
    }
}
