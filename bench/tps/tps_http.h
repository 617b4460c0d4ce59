/* Minimal blocking HTTP/1.1 client for the throughput benchmark: one keep-alive connection per
 * thread to a local cpsd, POST with a JSON body, Content-Length or chunked responses. */
#ifndef CPS_BENCH_TPS_HTTP_H
#define CPS_BENCH_TPS_HTTP_H

#include "base/base.h"

/* Opens a TCP connection to 127.0.0.1:port. Returns the socket (caller closes it with
 * tps_http_close) or a negative CPS_ERR_IO with cps_last_error() set. */
int tps_http_connect(int port);
void tps_http_close(int fd);

/* Sends one POST of `body` (borrowed) to `path` and reads the whole answer into `resp` (reset
 * first; owned by the caller). *status gets the HTTP status. Returns 0 or a negative error; a
 * malformed or truncated answer is CPS_ERR_FORMAT / CPS_ERR_TRUNCATED with a detail. */
int tps_http_post(int fd, const char *path, const char *body, size_t body_n, int *status,
                  cps_buf *resp);

/* One request on a fresh connection (for the few set-up and read-back calls). */
int tps_http_post_once(int port, const char *path, const char *body, int *status, cps_buf *resp);

#endif
