package io.github.sparksnn.ml.stream;

import java.io.Serializable;

/**
 * One event as {@link KeyStepFunction} receives it, through a Java bean encoder: the features arrive as one
 * {@code float[]} copied from Spark's row in one call, where a generic {@code Row} would box every value into a list
 * (at 784 features that boxing cost as much as the network's step). {@code time} is the time column as a long (a
 * sequence number, or microseconds for a timestamp), null when the column is; {@code firstNull} is 1 + the index of
 * the first null feature value, 0 when there is none (the bean's {@code float[]} would turn a null into 0 silently).
 * Public with a no-argument constructor, getters and setters, as Spark's bean encoder requires.
 */
public final class StreamEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    private String key;
    private Long time;
    private float[] features;
    private int firstNull;

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

    public int getFirstNull() {
        return firstNull;
    }

    public void setFirstNull(int firstNull) {
        this.firstNull = firstNull;
    }
}
