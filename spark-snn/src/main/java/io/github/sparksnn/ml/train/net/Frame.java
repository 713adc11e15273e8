package io.github.sparksnn.ml.train.net;

/**
 * The fixed header of every message between tasks and the driver, 40 bytes, little-endian:
 * <pre>
 *  0  int   magic    0x534E4E54 ("SNNT")
 *  4  short version  3 (2: no abort marker in a PARTIAL's trailer; 1: one-way authentication, no frame tags)
 *  6  short type     HELLO | AUTH | REGISTER | PEERS | STATE | DELTA16 | PARTIAL | PARTIAL16 | END | ERROR
 *  8  long  run      the run's 64-bit id
 * 16  int   attempt  the driver's stage attempt (a restarted stage gets a new one)
 * 20  int   epoch
 * 24  int   step     first step of the round the message belongs to
 * 28  int   partition  the sender's partition (-1: the driver)
 * 32  long  length   payload bytes that follow
 * </pre>
 * Payloads are raw little-endian numbers, never Java-serialized objects. After the handshake every frame is
 * followed by a 16-byte tag (see {@link PeerLink}), which {@code length} does not count.
 */
public record Frame(int type, long run, int attempt, int epoch, int step, int partition, long length) {
    public static final int MAGIC = 0x534E4E54;
    public static final short VERSION = 3;
    public static final int HEADER_BYTES = 40;

    /** Server to client on connect: a 32-byte random nonce to answer; {@code partition} is the server's. */
    public static final int HELLO = 1;
    /**
     * Client to server: the client's 32-byte nonce and its 32-byte proof of the run's secret; then server to client:
     * the server's 32-byte proof (see {@link PeerLink}).
     */
    public static final int AUTH = 2;
    /** Down the tree: the parameters and buffers the round starts from ({@code dim} floats). */
    public static final int STATE = 3;
    /** Up the tree: the sender's partial sum (see {@link PeerLink#sendPartial}). */
    public static final int PARTIAL = 4;
    /** Down the tree: the epoch is over, no payload. */
    public static final int END = 5;
    /** Up the tree, instead of PARTIAL: the sender failed; the payload is the root cause in UTF-8 (at most 4 KB). */
    public static final int ERROR = 6;
    /** Task to driver when a stage starts: where the task listens for its children ("host:port", or empty). */
    public static final int REGISTER = 7;
    /** Driver to every task once all registered: the tasks' addresses in partition order, one per line. */
    public static final int PEERS = 8;
    /** Down the tree (bfloat16 transport): the change since the last state, {@code dim} bfloat16 values. */
    public static final int DELTA16 = 9;
    /** Up the tree (bfloat16 transport): a PARTIAL whose vectors are bfloat16 values. */
    public static final int PARTIAL16 = 10;

    public static String typeName(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case AUTH -> "AUTH";
            case STATE -> "STATE";
            case PARTIAL -> "PARTIAL";
            case END -> "END";
            case ERROR -> "ERROR";
            case REGISTER -> "REGISTER";
            case PEERS -> "PEERS";
            case DELTA16 -> "DELTA16";
            case PARTIAL16 -> "PARTIAL16";
            default -> "type " + type;
        };
    }

    @Override
    public String toString() {
        return typeName(type) + "(attempt " + attempt + ", epoch " + epoch + ", step " + step + ", partition "
                + partition + ", " + length + " bytes)";
    }
}
