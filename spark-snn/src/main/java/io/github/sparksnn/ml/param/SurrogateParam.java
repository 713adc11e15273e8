package io.github.sparksnn.ml.param;

import io.github.sparksnn.surrogate.Surrogates;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.Identifiable;

/**
 * A String Param holding a surrogate function spec (e.g. {@code "ATan(alpha=2.0)"}), validated with
 * {@link Surrogates#parse(String)} whenever it is set (directly, through a {@code ParamMap} or when a saved stage
 * is loaded). An invalid spec fails with the parser's own message (unknown name with the valid names, unknown
 * parameter, out-of-range value, syntax error with its column) rather than Spark's generic "invalid value".
 */
public class SurrogateParam extends Param<String> {
    private static final long serialVersionUID = 1L;

    public SurrogateParam(Identifiable parent, String name, String doc) {
        super(parent, name, doc, new Validator());
    }

    /** Parses the spec, throwing the parser's {@link IllegalArgumentException} when it is invalid. */
    private static final class Validator extends scala.runtime.AbstractFunction1<String, Object>
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(String spec) {
            Surrogates.parse(spec);
            return Boolean.TRUE;
        }
    }
}
