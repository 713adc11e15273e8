package io.github.sparksnn.ml.train.net;

import java.io.IOException;

/**
 * A peer below reported that it failed (an ERROR frame): the message is the root cause as that task saw it, passed
 * up unchanged so the driver can name the partition and step where the trouble started, and whether a restart could
 * help (a lost connection or a timeout) or not (the engine failed: a bad configuration, a missing GPU).
 */
public final class PeerFailure extends IOException {
    private static final long serialVersionUID = 1L;
    private final boolean fatal;

    /** {@code fatal}: the failure would repeat on a restart (the engine itself failed, not the network). */
    public PeerFailure(String rootCause, boolean fatal) {
        super(rootCause);
        this.fatal = fatal;
    }

    public boolean fatal() {
        return fatal;
    }
}
