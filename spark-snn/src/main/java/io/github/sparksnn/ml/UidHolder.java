package io.github.sparksnn.ml;

/**
 * Hands a stage's uid to its own {@code uid()} while the Scala superclass constructor runs.
 *
 * <p>Spark's shared Params ({@code featuresCol}, ...) are Scala trait vals, created inside the superclass
 * constructor, and each records {@code parent.uid()}. A Java subclass assigns its fields only after that
 * constructor returns, so {@code uid()} would return null and the Params would belong to "null". A constructor
 * therefore parks the uid here first ({@code this(UidHolder.park(uid))}), and {@code uid()} reads it back
 * while its field is still unset.
 */
final class UidHolder {
    private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

    private UidHolder() {
    }

    /** A token standing for the parked uid (only its type matters: it selects the private constructor). */
    static final class Token {
        private Token() {
        }
    }

    private static final Token TOKEN = new Token();

    static Token park(String uid) {
        if (uid == null || uid.isEmpty()) {
            throw new IllegalArgumentException("uid must not be empty");
        }
        PENDING.set(uid);
        return TOKEN;
    }

    /** The parked uid; used by {@code uid()} before the field is assigned. */
    static String pending() {
        return PENDING.get();
    }

    /** Takes the parked uid out (called once the field is set). */
    static String take() {
        String u = PENDING.get();
        PENDING.remove();
        return u;
    }
}
