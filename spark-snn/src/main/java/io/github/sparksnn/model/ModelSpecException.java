package io.github.sparksnn.model;

/**
 * A model spec that does not parse or does not fit its input shape. {@link #position()} is the 0-based
 * character offset of the offending token (or -1 for a shape error, which names the layer instead); the message
 * shows the spec with a caret under that token.
 */
public final class ModelSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int position;

    public ModelSpecException(String spec, int position, String message) {
        super("model spec error at position " + position + ": " + message + "\n  " + spec + "\n  "
                + " ".repeat(Math.max(0, position)) + "^");
        this.position = position;
    }

    public int position() {
        return position;
    }
}
