package dev.iris.datasets;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The vocabulary of the synthetic shapes dataset, its captions ("A red circle in the top
 * left."), and a parser that finds the (colour, shape, position) a model wrote in free text,
 * so a generated answer can be scored against the caption it should have matched.
 */
public final class ShapesCaptions {
    private ShapesCaptions() {}

    public enum Colour {
        RED, GREEN, BLUE, YELLOW;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Shape {
        CIRCLE, SQUARE, TRIANGLE;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Position {
        TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT;

        /** "top left". */
        public String words() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }

        public boolean top() {
            return this == TOP_LEFT || this == TOP_RIGHT;
        }

        public boolean left() {
            return this == TOP_LEFT || this == BOTTOM_LEFT;
        }
    }

    /** What one image shows. */
    public record Scene(Colour colour, Shape shape, Position position) {
        /** The caption the dataset stores: "A red circle in the top left." */
        public String caption() {
            return "A " + colour.word() + " " + shape.word() + " in the " + position.words() + ".";
        }
    }

    /** All 48 scenes, in a fixed order (colour, then shape, then position). */
    public static List<Scene> all() {
        List<Scene> out = new ArrayList<>();
        for (Colour c : Colour.values()) {
            for (Shape s : Shape.values()) {
                for (Position p : Position.values()) {
                    out.add(new Scene(c, s, p));
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * The scene named in {@code text}, ignoring case and punctuation ("top-left" is "top left"),
     * plural shapes and repeats. Empty unless exactly one colour, one shape and one position are
     * named: "a red circle and a blue square" is not an answer about one scene.
     */
    public static Optional<Scene> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] words = text.toLowerCase(Locale.ROOT).split("[^a-z]+");
        Set<Colour> colours = EnumSet.noneOf(Colour.class);
        Set<Shape> shapes = EnumSet.noneOf(Shape.class);
        Set<Position> positions = EnumSet.noneOf(Position.class);
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            for (Colour c : Colour.values()) {
                if (w.equals(c.word())) {
                    colours.add(c);
                }
            }
            for (Shape s : Shape.values()) {
                if (w.equals(s.word()) || w.equals(s.word() + "s")) {
                    shapes.add(s);
                }
            }
            // a position is two adjacent words; "top" or "left" alone names none
            if ((w.equals("top") || w.equals("bottom")) && i + 1 < words.length
                    && (words[i + 1].equals("left") || words[i + 1].equals("right"))) {
                positions.add(Position.valueOf((w + "_" + words[i + 1]).toUpperCase(Locale.ROOT)));
            }
        }
        if (colours.size() != 1 || shapes.size() != 1 || positions.size() != 1) {
            return Optional.empty();
        }
        return Optional.of(new Scene(colours.iterator().next(), shapes.iterator().next(), positions.iterator().next()));
    }

    /**
     * Whether {@code generated} names the same colour, shape and position as {@code reference},
     * and nothing else from the vocabulary. Other words around them do not matter.
     *
     * @throws IllegalArgumentException when {@code reference} is not a shapes caption
     */
    public static boolean fullyCorrect(String generated, String reference) {
        Scene want = parse(reference)
                .orElseThrow(() -> new IllegalArgumentException("not a shapes caption: \"" + reference + "\""));
        return parse(generated).map(want::equals).orElse(false);
    }
}
