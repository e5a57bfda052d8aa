package dev.iris.training;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Loss curves as a PNG line chart (xchart, rendered into a {@link BufferedImage}, so no window is
 * opened; with no display AWT runs headless by itself, and {@code -Djava.awt.headless=true} forces it).
 *
 * <p>Data rules, so that a diverged run still gets a readable chart:
 * <ul>
 *   <li>points are drawn in step order (sorted here), one line per series, legend in map order
 *       (pass a {@link java.util.LinkedHashMap} for a stable order);</li>
 *   <li>a point whose step is not finite is dropped; a NaN or infinite value is drawn as a gap;</li>
 *   <li>a series without any finite point is left out (xchart cannot draw it); if no series is left the
 *       chart is written with empty axes.</li>
 * </ul>
 * The file is written to a temporary file in the same folder and then renamed over {@code png}, so a
 * reader (or a crash mid-write) never sees half a PNG.
 */
public final class LossChart {
    public static final int DEFAULT_WIDTH = 800;
    public static final int DEFAULT_HEIGHT = 500;

    private LossChart() {
    }

    /** {@link #write(Path, String, Map, int, int)} at {@value #DEFAULT_WIDTH} x {@value #DEFAULT_HEIGHT}. */
    public static void write(Path png, String title, Map<String, List<double[]>> series) throws IOException {
        write(png, title, series, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * Writes the chart.
     *
     * @param png    target file; its folder is created if needed and an existing file is replaced
     * @param title  chart title
     * @param series name to points, each point {@code {step, value}}
     * @throws IllegalArgumentException for a point that is not two numbers or a size below 1
     */
    public static void write(Path png, String title, Map<String, List<double[]>> series, int width, int height)
            throws IOException {
        Objects.requireNonNull(png, "png");
        if (width < 1 || height < 1) throw new IllegalArgumentException("size " + width + "x" + height);
        BufferedImage image = BitmapEncoder.getBufferedImage(chart(title, series, width, height));

        Path target = png.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        // not Files.createTempFile: its 0600 mode would stick to the renamed PNG
        Path tmp = dir.resolve("." + target.getFileName() + "." + ThreadLocalRandom.current().nextLong(1L << 40) + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer in ImageIO");
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);  // only left when something above failed
        }
    }

    static XYChart chart(String title, Map<String, List<double[]>> series, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height)
                .title(title == null ? "" : title).xAxisTitle("step").yAxisTitle("loss").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            List<double[]> pts = new ArrayList<>(e.getValue().size());
            boolean anyFinite = false;
            for (double[] p : e.getValue()) {
                if (p == null || p.length != 2)
                    throw new IllegalArgumentException("series '" + e.getKey() + "': a point is {step, value}");
                if (!Double.isFinite(p[0])) continue;
                boolean finite = Double.isFinite(p[1]);
                anyFinite |= finite;
                // xchart leaves a gap at NaN, while an infinity would wreck the axis range
                pts.add(finite ? p : new double[] {p[0], Double.NaN});
            }
            if (!anyFinite) continue;
            pts.sort(Comparator.comparingDouble(p -> p[0]));
            double[] x = new double[pts.size()];
            double[] y = new double[pts.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            // long runs have thousands of points: markers would hide the line
            s.setMarker(pts.size() > 50 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        return chart;
    }
}
