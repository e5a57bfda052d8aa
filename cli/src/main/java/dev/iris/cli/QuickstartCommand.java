package dev.iris.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The end-to-end demo. Until training exists it says so plainly and succeeds. */
@Command(name = "quickstart", description = "Train and try a tiny model end to end (not yet available in this build).")
final class QuickstartCommand implements Callable<Integer> {
    static final String NOT_YET = "iris quickstart: not yet available in this build: arrives with the training work.";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(NOT_YET);
        return 0;
    }
}
