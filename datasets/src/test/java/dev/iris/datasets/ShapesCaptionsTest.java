package dev.iris.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.datasets.ShapesCaptions.Colour;
import dev.iris.datasets.ShapesCaptions.Position;
import dev.iris.datasets.ShapesCaptions.Scene;
import dev.iris.datasets.ShapesCaptions.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShapesCaptionsTest {
    static final String RED_CIRCLE = "A red circle in the top left.";

    @Test
    void thereAre48ScenesAndEachCaptionParsesBack() {
        assertThat(ShapesCaptions.all()).hasSize(48).doesNotHaveDuplicates();
        for (Scene s : ShapesCaptions.all()) {
            assertThat(ShapesCaptions.parse(s.caption())).contains(s);
        }
        assertThat(new Scene(Colour.RED, Shape.CIRCLE, Position.TOP_LEFT).caption()).isEqualTo(RED_CIRCLE);
        assertThat(new Scene(Colour.YELLOW, Shape.TRIANGLE, Position.BOTTOM_RIGHT).caption())
                .isEqualTo("A yellow triangle in the bottom right.");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "A red circle in the top left.",
        "a RED Circle, in the TOP-LEFT corner!",
        "The image shows a red circle in the top left of the picture.",
        "red circles top left",
        "Red circle. Top left. A red circle in the top left.",
        "in the top left there is a red circle",
    })
    void findsTheSceneInFreeText(String text) {
        assertThat(ShapesCaptions.parse(text)).contains(new Scene(Colour.RED, Shape.CIRCLE, Position.TOP_LEFT));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "A red circle and a blue circle in the top left.",
        "A red circle and a red square in the top left.",
        "A red circle in the top left and the bottom right.",
        "A red circle at the top.",
        "A circle in the top left.",
        "A red thing in the top left.",
        "A red circle in the topleft.",
        "",
    })
    void isNoMatchUnlessExactlyOneOfEachIsNamed(String text) {
        assertThat(ShapesCaptions.parse(text)).isEmpty();
    }

    @Test
    void nullIsNoMatch() {
        assertThat(ShapesCaptions.parse(null)).isEmpty();
    }

    @Test
    void fullyCorrectNeedsTheSameColourShapeAndPositionAndNothingElse() {
        assertThat(ShapesCaptions.fullyCorrect(RED_CIRCLE, RED_CIRCLE)).isTrue();
        assertThat(ShapesCaptions.fullyCorrect("a red circle, top left", RED_CIRCLE)).isTrue();
        // extra words outside the vocabulary do not matter
        assertThat(ShapesCaptions.fullyCorrect("I can see a red circle in the top left of the white image.", RED_CIRCLE)).isTrue();

        assertThat(ShapesCaptions.fullyCorrect("A blue circle in the top left.", RED_CIRCLE)).as("wrong colour").isFalse();
        assertThat(ShapesCaptions.fullyCorrect("A red square in the top left.", RED_CIRCLE)).as("wrong shape").isFalse();
        assertThat(ShapesCaptions.fullyCorrect("A red circle in the top right.", RED_CIRCLE)).as("wrong position").isFalse();
        assertThat(ShapesCaptions.fullyCorrect("A red circle and a red triangle in the top left.", RED_CIRCLE))
                .as("two shapes").isFalse();
        assertThat(ShapesCaptions.fullyCorrect("A red circle.", RED_CIRCLE)).as("no position").isFalse();
        assertThat(ShapesCaptions.fullyCorrect("", RED_CIRCLE)).isFalse();
    }

    @Test
    void aReferenceThatIsNoCaptionIsAMistake() {
        assertThatThrownBy(() -> ShapesCaptions.fullyCorrect(RED_CIRCLE, "a photo of a cat"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a shapes caption: \"a photo of a cat\"");
    }
}
