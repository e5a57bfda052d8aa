package dev.iris.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** The {@code --json} option of commands that print text by default, and the one way Iris commands print JSON. */
final class JsonOutput {
    static final String DESCRIPTION = "Print one JSON object instead of text.";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--json", description = DESCRIPTION)
    private boolean json;

    boolean enabled() {
        return json;
    }

    /** Prints {@code value} as indented JSON and a line end. */
    static void print(PrintWriter out, Object value) throws JsonProcessingException {
        out.println(MAPPER.writeValueAsString(value));
    }
}
