package dev.iris.datasets;

import dev.iris.api.spi.Dataset.Example;
import dev.iris.api.spi.Dataset.Turn;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * LLaVA's {@code conversations} list ({@code [{"from": "human", "value": ...}, {"from": "gpt", ...}]})
 * as turns: {@code human}/{@code user} speak user turns, {@code gpt}/{@code assistant} answer,
 * {@code system} sets the system turn. Answers are stripped of surrounding spaces (chat templates
 * strip them too, and a trained answer must tokenize as the template writes it). Anything that
 * cannot be a conversation gives a reason instead.
 */
final class LlavaTurns {
    /** One {@code {from, value}} pair as read; either may be null when the file lacks it. */
    record Raw(String from, String value) {}

    /** The turns, or why there are none. */
    record Read(List<Turn> turns, String problem) {
        boolean ok() {
            return problem == null;
        }
    }

    private LlavaTurns() {}

    static Read read(List<Raw> raw, int images) {
        if (raw.isEmpty()) return bad("no turns: the conversations list is empty");
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            Raw r = raw.get(i);
            if (r.from() == null) return bad("bad turn: turn " + (i + 1) + " has no 'from'");
            if (r.value() == null) return bad("bad turn: turn " + (i + 1) + " has no text 'value'");
            switch (r.from().strip().toLowerCase(Locale.ROOT)) {
                case "human", "user" -> turns.add(Turn.user(r.value()));
                case "gpt", "assistant" -> {
                    if (CaptionText.isBlank(r.value())) return bad("empty answer: turn " + (i + 1));
                    turns.add(Turn.assistant(CaptionText.strip(r.value())));
                }
                case "system" -> turns.add(Turn.system(r.value()));
                default -> {
                    return bad("unknown role: turn " + (i + 1) + " is from '" + r.from() + "' (expected human, gpt or system)");
                }
            }
        }
        Optional<String> problem = Example.problem(turns, images);
        return problem.map(LlavaTurns::bad).orElseGet(() -> new Read(List.copyOf(turns), null));
    }

    private static Read bad(String problem) {
        return new Read(null, problem);
    }
}
