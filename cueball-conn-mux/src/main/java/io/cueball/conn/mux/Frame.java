package io.cueball.conn.mux;

import java.util.Objects;

/**
 * One frame on a multiplexed connection: a request, or the response to the request with the same id.
 *
 * @param requestId the request's id: chosen by the client, unique among the connection's requests in flight;
 *                  the server answers with the same id
 * @param error     in a response, whether the server failed the request ({@code payload} is then its message,
 *                  UTF-8); false in a request
 * @param payload   the request or response body; not copied
 */
public record Frame(long requestId, boolean error, byte[] payload) {

    /**
     * Checks the payload.
     *
     * @param requestId the request's id
     * @param error     whether a response reports a failed request
     * @param payload   the body; not copied
     * @throws NullPointerException if the payload is null
     */
    public Frame {
        Objects.requireNonNull(payload, "payload must not be null");
    }

    /**
     * @param requestId the request id
     * @param payload   the body
     * @return a request, or a successful response
     */
    public static Frame of(long requestId, byte[] payload) {
        return new Frame(requestId, false, payload);
    }

    @Override
    public String toString() {
        return "Frame{id=" + requestId + (error ? ", error" : "") + ", " + payload.length + " bytes}";
    }
}
