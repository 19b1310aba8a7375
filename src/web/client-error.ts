import type { Server } from "node:http";
import type { Socket } from "node:net";

/** Node's parser codes that have a more telling status than 400. */
const STATUS_BY_CODE: Record<string, { status: number; reason: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: "Request Header Fields Too Large", message: "The request's headers are too large." },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: "Request Timeout", message: "The request took too long to arrive." },
};

/**
 * Requests that Node's HTTP parser refuses before Express sees them (malformed chunked encoding, a bad header
 * line, headers too large) get the contract's JSON error body instead of Node's bare "400 Bad Request".
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // A response already under way on this connection cannot be followed by another one: just close it.
    const responseStarted = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (!socket.writable || responseStarted) {
      socket.destroy();
      return;
    }
    const known = STATUS_BY_CODE[error.code ?? ""];
    const status = known?.status ?? 400;
    const body = JSON.stringify({
      error: { code: "malformed_request", message: known?.message ?? "The request is not valid HTTP (for example, a malformed chunked body or header).", issues: [] },
    });
    socket.end(
      `HTTP/1.1 ${status} ${known?.reason ?? "Bad Request"}\r\n` +
        "Content-Type: application/json; charset=utf-8\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        "Connection: close\r\n\r\n" +
        body,
    );
  });
}
