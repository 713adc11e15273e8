package io.github.sparksnn.ml.stream;

import java.io.Serializable;

/**
 * One event as {@link PrefixFunction} and {@link KeyStepFunction} receive it, through a Java bean encoder: the
 * features arrive as one {@code float[]} copied from Spark's row in one call (the column holds no nulls,
 * {@link StreamFeatures}), where a generic {@code Row} would box every value into a list (at 784 features that boxing
 * cost as much as the network's step). After {@link PrefixFunction}, {@code features} holds the event's currents, the
 * network prefix's output. {@code time} is the time column as a long (a sequence number, or microseconds for a
 * timestamp), null when the column is; {@code eventTime} is the timestamp itself when the query has a watermark (its
 * column carries the watermark to the stateful operator), else null.
 * Public with a no-argument constructor, getters and setters, as Spark's bean encoder requires.
 */
public final class StreamEvent implements Serializable {
    private static final long serialVersionUID = 1L;

    private String key;
    private Long time;
    private float[] features;
    private java.sql.Timestamp eventTime;

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

    public java.sql.Timestamp getEventTime() {
        return eventTime;
    }

    public void setEventTime(java.sql.Timestamp eventTime) {
        this.eventTime = eventTime;
    }
}
