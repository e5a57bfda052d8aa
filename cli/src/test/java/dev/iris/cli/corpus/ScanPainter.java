package dev.iris.cli.corpus;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;

/** Draws a {@link LesionScene} with Java2D: a gradient background, a body outline, the lesion and a side marker. */
final class ScanPainter {
    private ScanPainter() {}

    static BufferedImage paint(LesionScene scene, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            // hard edges: the same pixels on every JDK, so the corpus is the same for a seed
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
            int base = switch (scene.modality()) {
                case CT -> 10;
                case MRI -> 25;
                case XRAY -> 40;
                case ULTRASOUND -> 5;
            };
            g.setPaint(new GradientPaint(0, 0, grey(base), size, size, grey(base + 30)));
            g.fillRect(0, 0, size, size);
            g.setColor(grey(base + 60));
            g.fill(new Ellipse2D.Double(size * 0.08, size * 0.12, size * 0.84, size * 0.76));
            g.setColor(grey(base + 35));
            g.fill(new Ellipse2D.Double(size * 0.14, size * 0.18, size * 0.72, size * 0.64));
            if (scene.place() != LesionScene.Place.NONE) {
                double d = size * (0.08 + 0.22 * (scene.sizeMm() - 3) / 27.0);
                double w = scene.round() ? d : d * 1.5;
                double x = scene.place().x() * size - w / 2, y = scene.place().y() * size - d / 2;
                g.setColor(scene.bright() ? new Color(245, 240, 225) : grey(Math.max(0, base - 5)));
                g.fill(new Ellipse2D.Double(x, y, w, d));
            }
            // the side marker: a small yellow triangle in the top-left corner (no text: fonts differ between machines)
            g.setColor(new Color(200, 200, 80));
            int m = Math.max(3, size / 10);
            g.fillPolygon(new int[] {1, 1 + m, 1}, new int[] {1, 1, 1 + m}, 3);
        } finally {
            g.dispose();
        }
        return img;
    }

    private static Color grey(int v) {
        int c = Math.max(0, Math.min(255, v));
        return new Color(c, c, c);
    }
}
