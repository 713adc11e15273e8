package io.github.sparksnn.surrogate;

/**
 * A text and a position in it, with the few moves a hand-written recursive-descent parser makes: the surrogate
 * spec parser ({@link Surrogates#parse}) and the formula parser ({@link ExprParser}) share them. Each parser words
 * its own errors.
 */
abstract class TextCursor {
    final String s;
    int pos;

    TextCursor(String s) {
        this.s = s;
    }

    /** The exception for a problem at 0-based column {@code at}. */
    abstract IllegalArgumentException error(int at, String message);

    /** Consumes {@code c}, which must be the next character. */
    void expect(char c) {
        if (peek() != c) {
            throw error(pos, "expected '" + c + "'");
        }
        pos++;
    }

    /** The next character, or {@code '\0'} at the end. */
    char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    /** Skips white space. */
    void ws() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }
}
