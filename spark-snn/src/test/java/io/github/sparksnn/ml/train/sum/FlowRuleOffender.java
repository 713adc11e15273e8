package io.github.sparksnn.ml.train.sum;

import io.github.sparksnn.ml.train.SyncMode;

/**
 * Test-only: a class of {@code ml.train.sum} that uses {@code ml.train} above it, so that {@code ArchitectureTest}
 * can prove its one-way rule for {@code ml.train}'s sub-packages fails on an upward import.
 */
public final class FlowRuleOffender {
    public SyncMode mode = SyncMode.AUTO;
}
