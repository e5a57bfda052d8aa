package dev.iris.examples.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.iris.vlm.Answer;
import dev.iris.vlm.Image;
import dev.iris.vlm.Iris;
import dev.iris.vlm.IrisModel;
import dev.iris.vlm.Options;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The consumer's view: one dependency (iris-vlm), a tiny model, an answer; and what the dependency did not bring. */
class HelloIrisTest {
    @TempDir
    Path dir;

    @Test
    void mainStreamsTheSameAnswerTheModelGives() throws Exception {
        Path config = Iris.init("tiny", dir.resolve("tiny"));
        BufferedImage picture = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        picture.setRGB(10, 10, Color.GREEN.getRGB());
        Path png = dir.resolve("dot.png");
        ImageIO.write(picture, "png", png.toFile());

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            HelloIris.main(new String[] {config.toString(), "What is in the image?", png.toString()});
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);

        Answer expected;
        try (IrisModel model = Iris.load(config)) {
            expected = model.generate("What is in the image?", Image.of(png), Options.builder().maxNewTokens(64).build());
        }
        assertEquals(expected.text() + System.lineSeparator() + "[" + expected.stopReason() + " after " + expected.generatedIds().length
                + " tokens]" + System.lineSeparator(), printed);
        assertTrue(expected.generatedIds().length > 0, "the model generated nothing");
    }

    @Test
    void inferenceBringsNoTrainingServerOrCommandLineLibraries() {
        // Hadoop (datasets), XChart (training), PDFBox (reports), picocli (the command), Javalin (the server), an SLF4J binding (the command's)
        for (String absent : List.of("org.apache.hadoop.conf.Configuration", "org.knowm.xchart.XYChart", "org.apache.pdfbox.pdmodel.PDDocument",
                "picocli.CommandLine", "io.javalin.Javalin", "ch.qos.logback.classic.Logger", "org.apache.parquet.hadoop.ParquetReader")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(absent, false, getClass().getClassLoader()),
                    absent + " is on the consumer's class path");
        }
    }
}
