package io.github.sparksnn.ml.train.net;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * The per-frame protection of one authenticated link, after the handshake: every frame carries a 16-byte AES-GCM
 * tag over its header (as associated data) and its payload, under a key of its own direction and a nonce made of
 * the frame's sequence number in that direction. The sequence number is not sent: both ends count, so a frame that
 * was replayed, reordered, dropped, reflected back or injected fails its tag.
 *
 * <p>With {@code encrypt} the payload travels as AES-GCM ciphertext, so the wire carries exactly
 * {@code AES-GCM(key, seq, header, payload)}. Without it the payload travels in clear and the tag is still AES-GCM's
 * tag of that payload's encryption (the ciphertext is computed and dropped on both sides): an integrity tag that
 * costs what AES-GCM encryption costs. Why that and not HMAC-SHA256 or GMAC: on the JDK 17 of this project AES-GCM
 * encryption runs on the AES and carry-less multiply instructions (several GB/s), HMAC-SHA256 at about a third of
 * that and GMAC through {@code updateAAD} (associated data only) without those intrinsics at under 100 MB/s; see
 * {@code MacThroughputBench} in the tests. Its security is GCM's: anyone who can forge a tag for a chosen payload
 * here could forge a GCM ciphertext, knowing the plaintext, under the same nonce.
 *
 * <p>The receiver does not use the JDK's GCM decryption, which holds back the whole payload until the tag checks;
 * it runs AES-CTR with GCM's counter (the payload's own keystream, starting at counter 2) to decrypt piece by piece
 * and recomputes the tag by encrypting the plaintext again, so a received vector streams through as it arrives.
 * Nothing computed from a payload is trusted before {@link #endReceive} (see {@link PeerLink}).
 */
final class FrameSeal {
    static final int TAG_BYTES = 16;
    /** Bytes the ciphers take at once (the scratch holds their output plus GCM's partial block and tag). */
    private static final int PIECE = 1 << 16;

    private final boolean encrypt;
    private final SecretKeySpec sendKey;
    private final SecretKeySpec receiveKey;
    private final Cipher sendGcm;
    private final Cipher receiveGcm;
    private final Cipher receiveCtr;
    // One scratch per direction: a link may send on one thread while another receives (see PeerLink).
    private final byte[] sendScratch = new byte[PIECE + 64];
    private final byte[] receiveScratch = new byte[PIECE + 64];
    private long sent;
    private long received;

    /** {@code sendKey}, {@code receiveKey}: 16-byte AES keys, one per direction. */
    FrameSeal(byte[] sendKey, byte[] receiveKey, boolean encrypt) {
        this.encrypt = encrypt;
        this.sendKey = new SecretKeySpec(sendKey, "AES");
        this.receiveKey = new SecretKeySpec(receiveKey, "AES");
        try {
            this.sendGcm = Cipher.getInstance("AES/GCM/NoPadding");
            this.receiveGcm = Cipher.getInstance("AES/GCM/NoPadding");
            this.receiveCtr = encrypt ? Cipher.getInstance("AES/CTR/NoPadding") : null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable in this JVM", e);
        }
    }

    boolean encrypts() {
        return encrypt;
    }

    /** GCM's 12-byte nonce for frame {@code seq}: four zero bytes, then the sequence number, big-endian. */
    private static byte[] nonce(long seq, int size) {
        byte[] iv = new byte[size];
        for (int i = 0; i < 8; i++) {
            iv[4 + i] = (byte) (seq >>> (56 - 8 * i));
        }
        return iv;
    }

    /** Starts the next outgoing frame: {@code header} is its 40 bytes, already written in clear. */
    void beginSend(byte[] header, int n) {
        try {
            sendGcm.init(Cipher.ENCRYPT_MODE, sendKey, new GCMParameterSpec(128, nonce(sent++, 12)));
            sendGcm.updateAAD(header, 0, n);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM refused frame " + (sent - 1), e);
        }
    }

    /** Writes payload bytes of the current outgoing frame to {@code out} (their ciphertext when encrypting). */
    void writePayload(OutputStream out, byte[] b, int off, int n) throws IOException {
        try {
            for (int o = off, end = off + n; o < end; ) {
                int k = Math.min(PIECE, end - o);
                int m = sendGcm.update(b, o, k, sendScratch, 0);
                if (encrypt) {
                    out.write(sendScratch, 0, m);
                } else {
                    out.write(b, o, k);
                }
                o += k;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on an outgoing frame", e);
        }
    }

    /** Ends the current outgoing frame: the last ciphertext bytes (when encrypting) and the tag. */
    void endSend(OutputStream out) throws IOException {
        try {
            int m = sendGcm.doFinal(sendScratch, 0);
            if (encrypt) {
                out.write(sendScratch, 0, m);
            } else {
                out.write(sendScratch, m - TAG_BYTES, TAG_BYTES);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on an outgoing frame", e);
        }
    }

    /** Starts checking the next incoming frame, whose header is {@code header}. */
    void beginReceive(byte[] header, int n) {
        try {
            byte[] iv = nonce(received++, 12);
            receiveGcm.init(Cipher.ENCRYPT_MODE, receiveKey, new GCMParameterSpec(128, iv));
            receiveGcm.updateAAD(header, 0, n);
            if (encrypt) {
                byte[] counter = nonce(received - 1, 16);
                counter[15] = 2; // GCM encrypts the payload from counter block (nonce || 2)
                receiveCtr.init(Cipher.ENCRYPT_MODE, receiveKey, new IvParameterSpec(counter));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM refused frame " + (received - 1), e);
        }
    }

    /** Payload bytes of the current incoming frame, as received: decrypted in place when encrypting, then hashed. */
    void openPayload(byte[] b, int off, int n) {
        try {
            if (encrypt) {
                receiveCtr.update(b, off, n, b, off);
            }
            for (int o = off, end = off + n; o < end; ) {
                int k = Math.min(PIECE, end - o);
                receiveGcm.update(b, o, k, receiveScratch, 0);
                o += k;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on an incoming frame", e);
        }
    }

    /** Whether the tag received after the current incoming frame is the one its header and payload give. */
    boolean endReceive(byte[] tag) {
        try {
            int m = receiveGcm.doFinal(receiveScratch, 0);
            return MessageDigest.isEqual(java.util.Arrays.copyOfRange(receiveScratch, m - TAG_BYTES, m), tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on an incoming frame", e);
        }
    }

    /** Sequence number the next incoming frame must have (for messages). */
    long receivedFrames() {
        return received;
    }
}
