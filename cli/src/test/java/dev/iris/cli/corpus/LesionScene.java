package dev.iris.cli.corpus;

import java.util.SplittableRandom;

/**
 * What one synthetic scan shows: a body outline on a dark background and, unless {@code place} is
 * {@link Place#NONE}, one lesion. The caption describes the same scene, so a model has a little
 * to learn (where the lesion is, how big and bright), though loss going down is all a test needs.
 *
 * @param sizeMm   the lesion's stated diameter; its drawn size grows with it
 * @param bright   a bright (hyperdense) lesion, else a dark (hypodense) one
 * @param round    round, else oval
 * @param modality the imaging modality named in the caption, which also sets the background
 */
public record LesionScene(Place place, int sizeMm, boolean bright, boolean round, Modality modality) {
    /** Where the lesion sits, as the caption says it. */
    public enum Place {
        UPPER_LEFT("upper left", "左上"), UPPER_RIGHT("upper right", "右上"), LOWER_LEFT("lower left", "左下"),
        LOWER_RIGHT("lower right", "右下"), CENTRE("centre", "中央"), NONE("", "");

        public final String english;
        public final String chinese;

        Place(String english, String chinese) {
            this.english = english;
            this.chinese = chinese;
        }

        /** The lesion's centre as a fraction of the image side. */
        double x() {
            return switch (this) {
                case UPPER_LEFT, LOWER_LEFT -> 0.3;
                case UPPER_RIGHT, LOWER_RIGHT -> 0.7;
                case CENTRE, NONE -> 0.5;
            };
        }

        double y() {
            return switch (this) {
                case UPPER_LEFT, UPPER_RIGHT -> 0.3;
                case LOWER_LEFT, LOWER_RIGHT -> 0.7;
                case CENTRE, NONE -> 0.5;
            };
        }
    }

    public enum Modality {
        CT("axial CT"), MRI("T2‑weighted MRI"), XRAY("chest X‑ray"), ULTRASOUND("ultrasound");

        public final String name;

        Modality(String name) {
            this.name = name;
        }
    }

    /** A scene drawn from {@code random}; one in eight shows no lesion. */
    static LesionScene random(SplittableRandom random) {
        Place[] places = Place.values();
        Place place = random.nextInt(8) == 0 ? Place.NONE : places[random.nextInt(places.length - 1)];
        Modality[] modalities = Modality.values();
        return new LesionScene(place, 3 + random.nextInt(28), random.nextInt(4) != 0, random.nextBoolean(),
                modalities[random.nextInt(modalities.length)]);
    }
}
