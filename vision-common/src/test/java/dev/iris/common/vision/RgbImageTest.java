package dev.iris.common.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import org.junit.jupiter.api.Test;

/** Conversion of in-memory BufferedImages, following Pillow's convert("RGB"). */
class RgbImageTest {

    @Test
    void greyUsesStoredValuesNotJavaGammaConversion() {
        BufferedImage g = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(0, 0, 0, 100);
        g.getRaster().setSample(1, 0, 0, 200);
        assertThat(g.getRGB(0, 0) & 0xff).as("Java's own conversion changes grey values").isNotEqualTo(100);
        assertThat(RgbImage.from(g).pixels()).containsExactly(100, 100, 100, (byte) 200, (byte) 200, (byte) 200);
    }

    @Test
    void sixteenBitGreyIsClippedLikePillow() {
        BufferedImage g = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        g.getRaster().setSample(0, 0, 0, 7);
        g.getRaster().setSample(1, 0, 0, 255);
        g.getRaster().setSample(2, 0, 0, 40000);
        RgbImage r = RgbImage.from(g);
        assertThat(r.get(0, 0, 1)).isEqualTo(7);
        assertThat(r.get(1, 0, 1)).isEqualTo(255);
        assertThat(r.get(2, 0, 1)).isEqualTo(255);
    }

    @Test
    void alphaIsDroppedWithoutCompositing() {
        BufferedImage a = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x10_20_40_60); // nearly transparent
        assertThat(RgbImage.from(a).pixels()).containsExactly(0x20, 0x40, 0x60);
        BufferedImage a4 = new BufferedImage(1, 1, BufferedImage.TYPE_4BYTE_ABGR);
        a4.setRGB(0, 0, 0x00_C0_80_40); // fully transparent keeps its colour
        assertThat(RgbImage.from(a4).pixels()).containsExactly((byte) 0xC0, (byte) 0x80, 0x40);
    }

    @Test
    void premultipliedAlphaIsUndoneFirst() {
        BufferedImage p = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB_PRE);
        p.setRGB(0, 0, 0xFF_C8_64_32);
        assertThat(RgbImage.from(p).pixels()).containsExactly((byte) 0xC8, 0x64, 0x32);
    }

    @Test
    void paletteIsLookedUpAndBgrOrderIsHandled() {
        byte[] r = {10, 20}, g = {30, 40}, b = {50, 60}, a = {0, (byte) 255};
        IndexColorModel icm = new IndexColorModel(1, 2, r, g, b, a);
        BufferedImage p = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, icm);
        p.getRaster().setSample(0, 0, 0, 1);
        p.getRaster().setSample(1, 0, 0, 0);
        assertThat(RgbImage.from(p).pixels()).containsExactly(20, 40, 60, 10, 30, 50);

        BufferedImage bgr = new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR);
        bgr.setRGB(0, 0, 0x010203);
        assertThat(RgbImage.from(bgr).pixels()).containsExactly(1, 2, 3);
        BufferedImage ibgr = new BufferedImage(1, 1, BufferedImage.TYPE_INT_BGR);
        ibgr.setRGB(0, 0, 0x010203);
        assertThat(RgbImage.from(ibgr).pixels()).containsExactly(1, 2, 3);
    }

    @Test
    void sixteenBitRgbKeepsTheHighByte() {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(1, 1);
        raster.setPixel(0, 0, new int[] {0xABCD, 0x00FF, 0xFFFF});
        BufferedImage img = new BufferedImage(cm, raster, false, null);
        assertThat(RgbImage.from(img).pixels()).containsExactly((byte) 0xAB, 0x00, (byte) 0xFF);
    }

    @Test
    void cmykUsesPillowsFormulaNotAProfile() {
        ComponentColorModel cm = new ComponentColorModel(new FakeCmyk(), false, false,
                java.awt.Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixel(0, 0, new int[] {100, 0, 255, 50});
        raster.setPixel(1, 0, new int[] {200, 10, 0, 10});
        BufferedImage img = new BufferedImage(cm, raster, false, null);
        // Pillow 9.4: Image.frombytes("CMYK", (2, 1), bytes([100, 0, 255, 50, 200, 10, 0, 10])).convert("RGB")
        assertThat(RgbImage.from(img).pixels()).containsExactly(125, (byte) 205, 0, 53, (byte) 235, (byte) 245);
    }

    @Test
    void factoriesAgree() {
        RgbImage a = RgbImage.of(2, 1, new byte[] {1, 2, 3, (byte) 250, 5, 6});
        RgbImage b = RgbImage.ofPacked(2, 1, new int[] {0xFF010203, 0x00FA0506});
        RgbImage c = RgbImage.ofPlanes(2, 1, new int[] {1, 250}, new int[] {2, 5}, new int[] {3, 6});
        assertThat(b).isEqualTo(a);
        assertThat(c).isEqualTo(a);
        assertThat(RgbImage.from(a.toBufferedImage())).isEqualTo(a);
        assertThat(a.get(1, 0, 0)).isEqualTo(250);
        assertThatThrownBy(() -> RgbImage.of(2, 2, new byte[3])).hasMessageContaining("needs 12 bytes");
        assertThatThrownBy(() -> RgbImage.ofPlanes(1, 1, new int[] {256}, new int[] {0}, new int[] {0}))
                .hasMessageContaining("outside 0..255");
        assertThatThrownBy(() -> RgbImage.of(0, 1, new byte[0])).hasMessageContaining("positive");
    }

    /** A 4-component colour space stand-in; conversion never calls its methods. */
    private static final class FakeCmyk extends ColorSpace {
        FakeCmyk() {
            super(ColorSpace.TYPE_CMYK, 4);
        }

        @Override public float[] toRGB(float[] v) { return new float[3]; }
        @Override public float[] fromRGB(float[] v) { return new float[4]; }
        @Override public float[] toCIEXYZ(float[] v) { return new float[3]; }
        @Override public float[] fromCIEXYZ(float[] v) { return new float[4]; }
    }
}
