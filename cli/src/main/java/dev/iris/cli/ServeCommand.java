package dev.iris.cli;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.server.BindAddress;
import dev.iris.server.ChatEngine;
import dev.iris.api.IrisException;
import dev.iris.server.IrisServer;
import dev.iris.server.PortInUseException;
import dev.iris.server.ServeConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import dev.iris.report.ReportService;

/**
 * Serves the model over HTTP until the process is stopped (Ctrl+C / SIGTERM drains requests
 * under way first). The server listens at once; {@code /ready} turns 200 when the model is loaded.
 */
@Command(name = "serve", description = "Serve the model over HTTP: OpenAI-compatible chat completions and a web page. The config's serve section sets the limits.")
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Override
    public Integer call() throws InterruptedException {
        IrisConfig cfg = config.loadChecked(parent::registry);
        ServeConfig serve = ServeConfig.from(cfg, System.getenv());
        PrintWriter out = spec.commandLine().getOut();
        IrisServer server;
        try {
            server = new IrisServer(serve, cfg.generate()).start(host, port);
        } catch (PortInUseException e) {
            throw new IrisException(e.getMessage() + ": stop the process using it, or choose another port with --port");
        }
        String shown = host.contains(":") ? "[" + host + "]" : host;
        out.println("Iris serving on http://" + shown + ":" + server.port() + "/ (loading the model...)");
        if (serve.apiKey().isEmpty() && !BindAddress.isLoopback(host)) {
            out.println("warning: listening on " + host + " without an API key (set serve.api_key or IRIS_API_KEY)");
        }
        out.flush();

        CountDownLatch stopped = new CountDownLatch(1);
        VisionLanguageModel[] model = new VisionLanguageModel[1];
        Thread hook = new Thread(() -> {
            server.stop();   // drains requests under way, up to serve.drain_s, then stops them at their next step
            synchronized (model) {
                if (model[0] != null) model[0].close();   // waits for a model run still under way: never frees a running session
            }
            stopped.countDown();
        }, "iris-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            VisionLanguageModel m = VisionLanguageModel.load(cfg, parent.registry());
            synchronized (model) {
                model[0] = m;
            }
            m.prepare();
            server.reports(new ReportService(m, cfg, ReportService.irisVersion()));
            server.ready(ChatEngine.of(m));
        } catch (RuntimeException e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            server.stop();
            throw e;
        }
        out.println("ready: model '" + serve.modelName() + "', web page at http://" + shown + ":" + server.port() + "/");
        out.flush();
        stopped.await();
        return 0;
    }
}
