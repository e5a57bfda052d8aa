package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties of PillowResize that hold whatever Pillow's exact numbers are (those are in the golden test). */
class PillowResizeTest {

    @Test
    void constantImagesStayConstantForEveryFilter() {
        // weights are normalised to sum 1 before rounding, so a flat image must come back flat
        for (Resample f : Resample.values()) {
            for (int v : new int[] {0, 1, 128, 254, 255}) {
                byte[] src = new byte[13 * 7 * 3];
                Arrays.fill(src, (byte) v);
                for (int[] size : new int[][] {{224, 224}, {5, 3}, {13, 30}, {1, 1}}) {
                    byte[] out = PillowResize.resize(src, 13, 7, 3, size[0], size[1], f);
                    for (byte b : out) assertThat(b & 0xff).as("%s value %d to %dx%d", f, v, size[0], size[1]).isEqualTo(v);
                }
            }
        }
    }

    @Test
    void channelsAreIndependent() {
        Random rnd = new Random(7);
        byte[] rgb = new byte[19 * 11 * 3];
        rnd.nextBytes(rgb);
        for (Resample f : Resample.values()) {
            byte[] out = PillowResize.resize(rgb, 19, 11, 3, 40, 9, f);
            for (int c = 0; c < 3; c++) {
                byte[] plane = new byte[19 * 11];
                for (int i = 0; i < plane.length; i++) plane[i] = rgb[3 * i + c];
                byte[] one = PillowResize.resize(plane, 19, 11, 1, 40, 9, f);
                for (int i = 0; i < one.length; i++) assertThat(out[3 * i + c]).as("%s channel %d", f, c).isEqualTo(one[i]);
            }
        }
    }

    @Test
    void sameSizeIsACopy() {
        byte[] src = {1, 2, 3, 4, 5, 6};
        byte[] out = PillowResize.resize(src, 2, 1, 3, 2, 1, Resample.BICUBIC);
        assertThat(out).isEqualTo(src).isNotSameAs(src);
    }

    @Test
    void bufferedImageOverloadConvertsFirst() {
        RgbImage img = Golden.rgb("tiny_8x8.rgb.u8.gz");
        assertThat(PillowResize.resize(img.toBufferedImage(), 224, 224, Resample.BICUBIC))
                .isEqualTo(Golden.rgb("tiny_224_bicubic.u8.gz"));
    }

    @Test
    void argumentsAreChecked() {
        byte[] src = new byte[12];
        assertThatThrownBy(() -> PillowResize.resize(src, 2, 2, 3, 0, 5, Resample.BICUBIC))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("target size must be positive, got 0x5");
        assertThatThrownBy(() -> PillowResize.resize(src, 2, 2, 2, 4, 4, Resample.BICUBIC))
                .hasMessage("2x2x2 pixels need 8 bytes, got 12");
        assertThatThrownBy(() -> PillowResize.resize(src, 2, 2, 5, 4, 4, Resample.BICUBIC))
                .hasMessage("channels must be 1..4, got 5");
        assertThatThrownBy(() -> Resample.fromPilCode(6)).hasMessageContaining("unknown Pillow resample code 6");
        assertThat(Resample.fromPilCode(3)).isEqualTo(Resample.BICUBIC);
    }
}
