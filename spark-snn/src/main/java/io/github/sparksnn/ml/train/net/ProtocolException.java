package io.github.sparksnn.ml.train.net;

import java.io.IOException;

/** A peer broke the aggregation protocol (bad magic, wrong secret, stale run or step, wrong length, ...). */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String reason) {
        super(reason);
    }
}
