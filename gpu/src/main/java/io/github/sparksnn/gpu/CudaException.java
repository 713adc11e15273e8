package io.github.sparksnn.gpu;

/** A failed CUDA driver call; {@link #result()} is the {@code CUresult} code. */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int result;

    public CudaException(String message, int result) {
        super(message);
        this.result = result;
    }

    public int result() {
        return result;
    }
}
