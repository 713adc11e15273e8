package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.backend.Backend;
import io.github.sparksnn.backend.BackendProvider;

/**
 * A {@code cuda} provider registered on the test class path only, never available: it proves that the Spark
 * layer finds backends through the core's {@link BackendProvider} service (as the gpu module registers its
 * CUDA backend) while {@code auto} still falls back to the CPU in every other test.
 */
public final class UnavailableTestBackendProvider implements BackendProvider {
    static final String REASON = "test provider: no device here";

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean isAvailable() {
        return false;
    }

    @Override
    public String unavailableReason() {
        return REASON;
    }

    @Override
    public int deviceCount() {
        return 0;
    }

    @Override
    public Backend create(int device) {
        throw new IllegalStateException(REASON);
    }
}
