package io.github.sparksnn.ml.train.net;

import java.io.IOException;

/**
 * A peer below reported that it failed (an ERROR frame): the message is the root cause as that task saw it, passed
 * up unchanged so the driver can name the partition and step where the trouble started.
 */
public final class PeerFailure extends IOException {
    private static final long serialVersionUID = 1L;

    public PeerFailure(String rootCause) {
        super(rootCause);
    }
}
