package dev.iris.plugins.config;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.CharArrayReader;
import java.io.IOException;
import java.io.Reader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * A YAML factory whose parsers also report the anchor of a scalar value ({@code path: &folder m}):
 * Jackson reports anchors of mappings and lists through {@code getObjectId()} but drops those of
 * scalars, which {@link YamlTree} needs to resolve aliases to them.
 */
final class AnchoringYamlFactory extends YAMLFactory {
    private static final long serialVersionUID = 1L;

    /** The parser, with the anchor of the scalar it last decoded. */
    static final class Parser extends YAMLParser {
        private String scalarAnchor;

        Parser(IOContext ctxt, int parserFeatures, int formatFeatures, LoaderOptions options, Reader reader) {
            super(ctxt, parserFeatures, formatFeatures, options, null, reader);
        }

        @Override
        protected JsonToken _decodeScalar(ScalarEvent scalar) throws IOException {
            scalarAnchor = scalar.getAnchor();
            return super._decodeScalar(scalar);
        }

        /** The anchor of the current token: a mapping's or list's, or the current scalar value's. */
        String anchor() throws IOException {
            Object id = getObjectId();
            if (id != null) {
                return id.toString();
            }
            JsonToken t = currentToken();
            return t != null && t.isScalarValue() && !isCurrentAlias() ? scalarAnchor : null;
        }
    }

    @Override
    protected YAMLParser _createParser(Reader r, IOContext ctxt) {
        return new Parser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, r);
    }

    @Override
    protected YAMLParser _createParser(char[] data, int offset, int len, IOContext ctxt, boolean recyclable) {
        return new Parser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, new CharArrayReader(data, offset, len));
    }
}
