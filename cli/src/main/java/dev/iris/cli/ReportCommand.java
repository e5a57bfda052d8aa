package dev.iris.cli;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.report.Report;
import dev.iris.report.ReportRequest;
import dev.iris.report.ReportService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Writes a PDF report: the model's findings about an image, with the prompt, the model and its settings. */
@Command(name = "report", description = "Write a PDF report of the model's findings about an image (translated when report.translate is configured).")
final class ReportCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "A PNG or JPEG image.")
    Path image;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The question or instruction.")
    String prompt;

    @Option(names = "--out", required = true, paramLabel = "FILE.pdf", description = "The PDF to write (replaced atomically).")
    Path out;

    @Override
    public Integer call() throws IOException {
        IrisConfig cfg = config.loadChecked(parent::registry);
        byte[] bytes = InputFiles.read(image);
        ReportRequest request;
        try {
            request = ReportRequest.of(bytes, image.getFileName().toString(), prompt);
        } catch (IrisException e) {
            throw new IrisException(image + ": " + e.getMessage(), e);
        }
        PrintWriter o = spec.commandLine().getOut();
        try (VisionLanguageModel model = VisionLanguageModel.load(cfg, parent.registry());
             ReportService service = new ReportService(model, cfg, VersionCommand.irisVersion())) {
            // the findings stream as they are generated, as with `iris generate`
            Report report = service.report(request, piece -> {
                o.print(piece);
                o.flush();
            });
            o.println();
            service.writer().write(report, out);
            o.println("wrote " + out);
            o.flush();
        }
        return 0;
    }
}
