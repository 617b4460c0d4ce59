/* A minimal raw-socket HTTP/1.1 client for the api tests: connects to 127.0.0.1, writes
 * requests byte for byte as given and reads Content-Length (or close-delimited) responses, with
 * a time limit on every wait so a broken server fails a test instead of hanging it. */
#ifndef CPS_TEST_API_HTTP_CLIENT_H
#define CPS_TEST_API_HTTP_CLIENT_H

#include "base/base.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HTTP_TEST_WAIT_MS 5000

typedef struct http_conn {
    int fd;
    cps_buf in; /* bytes read and not yet consumed */
} http_conn;

typedef struct http_response {
    int status;
    char headers[8192]; /* the header block as received, NUL-terminated */
    char *body;         /* malloc()ed, NUL-terminated */
    size_t body_len;
} http_response;

static inline int http_connect(http_conn *c, uint16_t port)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return 0;
}

static inline void http_close(http_conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    cps_buf_free(&c->in);
}

static inline int http_write_all(http_conn *c, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes one request. `host` NULL sends "127.0.0.1:<port>"-less requests without a Host header
 * only when `extra` supplies one; pass the Host explicitly through http_send_host. */
static inline int http_send_full(http_conn *c, const char *method, const char *path,
                                 const char *host, const char *extra_headers, const void *body,
                                 size_t len)
{
    cps_buf b = {0};
    cps_buf_printf(&b, "%s %s HTTP/1.1\r\n", method, path);
    if (host) cps_buf_printf(&b, "Host: %s\r\n", host);
    if (extra_headers) cps_buf_printf(&b, "%s", extra_headers);
    if (body) cps_buf_printf(&b, "Content-Length: %zu\r\n", len);
    cps_write_bytes(&b, "\r\n", 2);
    if (body && len) cps_write_bytes(&b, body, len);
    int rc = b.failed ? -1 : http_write_all(c, b.data, b.size);
    cps_buf_free(&b);
    return rc;
}

/* Reads more bytes into c->in; 0 on data, 1 on EOF, -1 on error or time-out. */
static inline int http_fill(http_conn *c, int wait_ms)
{
    struct pollfd p = {c->fd, POLLIN, 0};
    int r = poll(&p, 1, wait_ms);
    if (r <= 0) return -1;
    char tmp[16384];
    ssize_t n = recv(c->fd, tmp, sizeof tmp, 0);
    if (n == 0) return 1;
    if (n < 0) return -1;
    return cps_write_bytes(&c->in, tmp, (size_t)n) ? -1 : 0;
}

static inline void http_consume(http_conn *c, size_t n)
{
    memmove(c->in.data, c->in.data + n, c->in.size - n);
    c->in.size -= n;
}

static inline const char *http_find(const cps_buf *b, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= b->size; i++)
        if (memcmp(b->data + i, needle, k) == 0) return (const char *)b->data + i;
    return NULL;
}

/* Copies the value of header `name` (case-insensitive) into out; false if absent. */
static inline int http_header(const http_response *r, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    const char *line = strstr(r->headers, "\r\n");
    while (line) {
        line += 2;
        if (strncasecmp(line, name, k) == 0 && line[k] == ':') {
            const char *v = line + k + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t n = end ? (size_t)(end - v) : strlen(v);
            if (n >= cap) n = cap - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return 1;
        }
        line = strstr(line, "\r\n");
    }
    return 0;
}

static inline void http_response_free(http_response *r)
{
    free(r->body);
    r->body = NULL;
}

/* Reads one response. Returns 0, or -1 (time-out, malformed, connection closed first). */
static inline int http_read(http_conn *c, http_response *r, int wait_ms)
{
    memset(r, 0, sizeof *r);
    const char *end;
    while (!(end = http_find(&c->in, "\r\n\r\n")))
        if (http_fill(c, wait_ms) != 0) return -1;
    size_t head = (size_t)(end - (const char *)c->in.data) + 4;
    if (head >= sizeof r->headers) return -1;
    memcpy(r->headers, c->in.data, head);
    r->headers[head] = 0;
    if (sscanf(r->headers, "HTTP/1.%*d %d", &r->status) != 1) return -1;
    http_consume(c, head);
    if (r->status / 100 == 1 || r->status == 204 || r->status == 304) { /* never a body */
        r->body = calloc(1, 1);
        return 0;
    }
    char value[64];
    if (http_header(r, "Content-Length", value, sizeof value)) {
        size_t len = (size_t)strtoull(value, NULL, 10);
        while (c->in.size < len)
            if (http_fill(c, wait_ms) != 0) return -1;
        r->body = malloc(len + 1);
        memcpy(r->body, c->in.data, len);
        r->body[len] = 0;
        r->body_len = len;
        http_consume(c, len);
        return 0;
    }
    int rc;
    while ((rc = http_fill(c, wait_ms)) == 0) {
    }
    if (rc < 0) return -1;
    r->body = malloc(c->in.size + 1);
    memcpy(r->body, c->in.data, c->in.size);
    r->body[c->in.size] = 0;
    r->body_len = c->in.size;
    http_consume(c, c->in.size);
    return 0;
}

/* True when the server closed the connection (reads EOF within wait_ms). */
static inline int http_closed_by_peer(http_conn *c, int wait_ms)
{
    for (;;) {
        errno = 0;
        int rc = http_fill(c, wait_ms);
        if (rc == 1) return 1;
        if (rc < 0) return errno == ECONNRESET;
    }
}

/* One request on a fresh connection, Host "127.0.0.1:<port>". */
static inline int http_once(uint16_t port, const char *method, const char *path,
                            const char *extra_headers, const char *body, http_response *r)
{
    http_conn c;
    if (http_connect(&c, port) != 0) return -1;
    char host[32];
    snprintf(host, sizeof host, "127.0.0.1:%u", port);
    int rc = http_send_full(&c, method, path, host, extra_headers, body, body ? strlen(body) : 0);
    if (rc == 0) rc = http_read(&c, r, HTTP_TEST_WAIT_MS);
    http_close(&c);
    return rc;
}

#endif
