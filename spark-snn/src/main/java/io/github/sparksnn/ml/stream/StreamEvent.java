package io.github.sparksnn.ml.stream;

import java.io.Serializable;

/**
 * One event as {@link KeyStepFunction} receives it, through a Java bean encoder: the features arrive as one
 * {@code float[]} copied from Spark's row in one call, where a generic {@code Row} would box every value into a list
 * (at 784 features that boxing cost as much as the network's step). {@code time} is the time column as a long (a
 * sequence number, or microseconds for a timestamp), null when the column is. A null value inside the features fails
 * the bean's decoder (Spark asserts that a {@code float[]}'s elements are not null), which the stage reports with
 * the key and batch.
 * Public with a no-argument constructor, getters and setters, as Spark's bean encoder requires.
 */
public final class StreamEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    private String key;
    private Long time;
    private float[] features;

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public Long getTime() {
        return time;
    }

    public void setTime(Long time) {
        this.time = time;
    }

    public float[] getFeatures() {
        return features;
    }

    public void setFeatures(float[] features) {
        this.features = features;
    }
}
