package dev.iris.datasets;

import dev.iris.api.IrisException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * A Parquet {@code conversations} column: a list of struct {@code from}, {@code value} (strings).
 * Writers lay lists out three ways, all read here: the standard three levels (pyarrow:
 * {@code conversations (LIST) { repeated list { element {from, value} } }}), the legacy two levels
 * ({@code conversations (LIST) { repeated array {from, value} }}), and a bare repeated group.
 */
final class ConversationColumn {
    private ConversationColumn() {}

    /** Checks the column's type; an error naming the file and the column otherwise. */
    static void check(Path file, Type column, String found) {
        if (turn(column) == null) {
            throw new IrisException(file + ": column '" + column.getName() + "' should be a list of struct<from: string, value: string> but is "
                    + column + found);
        }
    }

    /** The turns of a row, in order; a row without the column, or with an empty list, has none. */
    static List<LlavaTurns.Raw> read(Group row, String field) {
        List<LlavaTurns.Raw> out = new ArrayList<>();
        Type column = row.getType().getType(field);
        if (column.isRepetition(Type.Repetition.REPEATED)) {
            for (int i = 0; i < row.getFieldRepetitionCount(field); i++) out.add(raw(row.getGroup(field, i)));
            return out;
        }
        if (row.getFieldRepetitionCount(field) == 0) return out;
        Group list = row.getGroup(field, 0);
        GroupType listType = column.asGroupType();
        String repeated = listType.getType(0).getName();
        boolean threeLevels = !isTurn(listType.getType(0));
        for (int i = 0; i < list.getFieldRepetitionCount(repeated); i++) {
            Group item = list.getGroup(repeated, i);
            if (!threeLevels) {
                out.add(raw(item));
            } else {
                String element = item.getType().getType(0).getName();
                out.add(item.getFieldRepetitionCount(element) == 0 ? new LlavaTurns.Raw(null, null) : raw(item.getGroup(element, 0)));
            }
        }
        return out;
    }

    private static LlavaTurns.Raw raw(Group turn) {
        return new LlavaTurns.Raw(string(turn, "from"), string(turn, "value"));
    }

    private static String string(Group g, String field) {
        return g.getFieldRepetitionCount(field) == 0 ? null : g.getString(field, 0);
    }

    /** The struct type of one turn inside the column's type, or null when the column is not a list of turns. */
    private static GroupType turn(Type column) {
        if (column.isPrimitive()) return null;
        GroupType g = column.asGroupType();
        if (column.isRepetition(Type.Repetition.REPEATED)) return isTurn(g) ? g : null;
        if (g.getFieldCount() != 1 || !g.getType(0).isRepetition(Type.Repetition.REPEATED) || g.getType(0).isPrimitive()) return null;
        GroupType repeated = g.getType(0).asGroupType();
        if (isTurn(repeated)) return repeated;
        if (repeated.getFieldCount() != 1 || repeated.getType(0).isPrimitive()) return null;
        GroupType element = repeated.getType(0).asGroupType();
        return isTurn(element) ? element : null;
    }

    private static boolean isTurn(Type t) {
        if (t.isPrimitive()) return false;
        GroupType g = t.asGroupType();
        return g.containsField("from") && g.containsField("value") && isString(g.getType("from")) && isString(g.getType("value"));
    }

    private static boolean isString(Type t) {
        return t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED)
                && t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY;
    }
}
