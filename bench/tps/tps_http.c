/* Minimal blocking HTTP/1.1 client for the throughput benchmark (see tps_http.h). The server is
 * our own cpsd, but its answers are still parsed defensively: bounded headers, checked lengths. */
#include "tps_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HEADER_BYTES 16384

int tps_http_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return cps_fail(CPS_ERR_IO, "socket: %s", strerror(errno));
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        return cps_fail(CPS_ERR_IO, "connect 127.0.0.1:%d: %s", port, strerror(e));
    }
    int one = 1;
    /* Requests are written in one piece; Nagle would only delay the small ones. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

void tps_http_close(int fd)
{
    if (fd >= 0) close(fd);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return cps_fail(CPS_ERR_IO, "send: %s", w < 0 ? strerror(errno) : "closed");
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads more bytes into `in`; 0 on progress, error on EOF or failure. */
static int read_more(int fd, cps_buf *in)
{
    if (cps_buf_reserve(in, 65536)) return CPS_ERR_NOMEM;
    ssize_t r;
    do {
        r = recv(fd, in->data + in->size, 65536, 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return cps_fail(CPS_ERR_IO, "recv: %s", strerror(errno));
    if (r == 0) return cps_fail(CPS_ERR_TRUNCATED, "connection closed after %zu bytes of answer", in->size);
    in->size += (size_t)r;
    return 0;
}

static const char *find_crlf2(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
            return (const char *)p + i;
    return NULL;
}

/* Case-insensitive header lookup inside the header block [h, end); value up to CRLF. */
static const char *header_value(const char *h, const char *end, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    for (const char *line = h; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol) eol = end;
        if ((size_t)(eol - line) > nl + 1 && !strncasecmp(line, name, nl) && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ')) ve--;
            *len = (size_t)(ve - v);
            return v;
        }
        line = eol + 1;
    }
    return NULL;
}

static int parse_size(const char *v, size_t len, int base, size_t *out)
{
    size_t x = 0;
    if (len == 0) return cps_fail(CPS_ERR_FORMAT, "HTTP: empty length");
    for (size_t i = 0; i < len; i++) {
        int d;
        char c = v[i];
        if (c >= '0' && c <= '9') d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else if (base == 16 && (c == ';' || c == ' ')) break; /* chunk extensions */
        else return cps_fail(CPS_ERR_FORMAT, "HTTP: bad length digit '%c' at %zu", c, i);
        if (x > (SIZE_MAX >> 5)) return cps_fail(CPS_ERR_FORMAT, "HTTP: length overflows");
        x = x * (size_t)base + (size_t)d;
    }
    *out = x;
    return 0;
}

/* Decodes a chunked body, reading as needed; `in` holds what has arrived after the headers. */
static int read_chunked(int fd, cps_buf *in, cps_buf *resp)
{
    size_t pos = 0;
    for (;;) {
        const uint8_t *eol;
        while (!(eol = memchr(in->data + pos, '\n', in->size - pos))) {
            if (in->size - pos > 1024) return cps_fail(CPS_ERR_FORMAT, "HTTP: chunk size line too long");
            int rc = read_more(fd, in);
            if (rc) return rc;
        }
        size_t n, linelen = (size_t)(eol - (in->data + pos));
        const char *line = (const char *)in->data + pos;
        if (linelen && line[linelen - 1] == '\r') linelen--;
        int rc = parse_size(line, linelen, 16, &n);
        if (rc) return rc;
        pos = (size_t)(eol - in->data) + 1;
        if (n == 0) { /* trailers end with an empty line; cpsd sends none */
            while (in->size - pos < 2) {
                if ((rc = read_more(fd, in))) return rc;
            }
            return 0;
        }
        if (n > ((size_t)1 << 30)) return cps_fail(CPS_ERR_FORMAT, "HTTP: chunk of %zu bytes", n);
        while (in->size - pos < n + 2) {
            if ((rc = read_more(fd, in))) return rc;
        }
        if (cps_write_bytes(resp, in->data + pos, n)) return CPS_ERR_NOMEM;
        pos += n + 2;
    }
}

int tps_http_post(int fd, const char *path, const char *body, size_t body_n, int *status,
                  cps_buf *resp)
{
    char head[512];
    int hn = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      path, body_n);
    if (hn < 0 || (size_t)hn >= sizeof head) return cps_fail(CPS_ERR_INVALID_ARG, "path too long");
    int rc = write_all(fd, head, (size_t)hn);
    if (!rc) rc = write_all(fd, body, body_n);
    if (rc) return rc;

    cps_buf in = {0};
    const char *hend;
    cps_buf_reset(resp);
    while (!(hend = find_crlf2(in.data, in.size))) {
        if (in.size > MAX_HEADER_BYTES) {
            rc = cps_fail(CPS_ERR_FORMAT, "HTTP: headers longer than %d bytes", MAX_HEADER_BYTES);
            goto done;
        }
        if ((rc = read_more(fd, &in))) goto done;
    }
    const char *h = (const char *)in.data;
    if (hend - h < 12 || strncmp(h, "HTTP/1.", 7) || h[8] != ' ') {
        rc = cps_fail(CPS_ERR_FORMAT, "HTTP: bad status line");
        goto done;
    }
    *status = atoi(h + 9);
    size_t body_at = (size_t)(hend - h) + 4, vlen;
    const char *te = header_value(h, hend, "Transfer-Encoding", &vlen);
    if (te && vlen >= 7 && !strncasecmp(te, "chunked", 7)) {
        cps_buf rest = {0};
        if (cps_write_bytes(&rest, in.data + body_at, in.size - body_at)) rc = CPS_ERR_NOMEM;
        if (!rc) rc = read_chunked(fd, &rest, resp);
        cps_buf_free(&rest);
        goto done;
    }
    const char *cl = header_value(h, hend, "Content-Length", &vlen);
    if (!cl) {
        rc = cps_fail(CPS_ERR_FORMAT, "HTTP: answer without Content-Length or chunked encoding");
        goto done;
    }
    size_t n;
    if ((rc = parse_size(cl, vlen, 10, &n))) goto done;
    while (in.size - body_at < n)
        if ((rc = read_more(fd, &in))) goto done;
    if (in.size - body_at > n) {
        rc = cps_fail(CPS_ERR_FORMAT, "HTTP: %zu bytes beyond the answer", in.size - body_at - n);
        goto done;
    }
    if (cps_write_bytes(resp, in.data + body_at, n)) rc = CPS_ERR_NOMEM;
done:
    cps_buf_free(&in);
    return rc;
}

int tps_http_post_once(int port, const char *path, const char *body, int *status, cps_buf *resp)
{
    int fd = tps_http_connect(port);
    if (fd < 0) return fd;
    int rc = tps_http_post(fd, path, body, strlen(body), status, resp);
    tps_http_close(fd);
    return rc;
}
