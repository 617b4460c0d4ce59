/* http_client: the small HTTP/1.1 client `cps` talks to cpsd with (POST of a JSON body, one
 * request per connection), and cps_cli_call, which turns nodeos-shaped error bodies into
 * cleos's "Error <code>: <what>" / "Error Details:" lines. Plain http only. */
#include "cli/cli.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_RESPONSE (64u * 1024 * 1024)
#define IO_TIMEOUT_SECONDS 60

/* Splits "http://host[:port][/prefix]" into its parts (IPv6 hosts in brackets). */
static int parse_url(const char *url, char *host, size_t host_cap, char *port, size_t port_cap,
                     const char **prefix)
{
    const char *p;
    if (strncmp(url, "http://", 7) == 0) p = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        return cps_fail(CPS_ERR_UNSUPPORTED, "%s: https is not supported by cps yet; use http",
                        url);
    else return cps_fail(CPS_ERR_INVALID_ARG, "%s: the URL must start with http://", url);
    const char *host_start = p, *host_end;
    if (*p == '[') {
        host_start = ++p;
        host_end = strchr(p, ']');
        if (!host_end) return cps_fail(CPS_ERR_INVALID_ARG, "%s: unterminated [IPv6 address]", url);
        p = host_end + 1;
    } else {
        host_end = p + strcspn(p, ":/");
        p = host_end;
    }
    size_t hn = (size_t)(host_end - host_start);
    if (hn == 0 || hn >= host_cap) return cps_fail(CPS_ERR_INVALID_ARG, "%s: bad host", url);
    memcpy(host, host_start, hn);
    host[hn] = '\0';
    if (*p == ':') {
        p++;
        size_t pn = strspn(p, "0123456789");
        if (pn == 0 || pn >= port_cap) return cps_fail(CPS_ERR_INVALID_ARG, "%s: bad port", url);
        memcpy(port, p, pn);
        port[pn] = '\0';
        p += pn;
    } else {
        snprintf(port, port_cap, "80");
    }
    if (*p && *p != '/') return cps_fail(CPS_ERR_INVALID_ARG, "%s: unexpected text after host", url);
    *prefix = p;
    return 0;
}

static int connect_to(const char *url, const char *host, const char *port, int *fd_out)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0)
        return cps_fail(CPS_ERR_NET, "Failed to connect to cpsd at %s; is cpsd running? (%s)", url,
                        gai_strerror(g));
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        struct timeval tv = {IO_TIMEOUT_SECONDS, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return cps_fail(CPS_ERR_NET, "Failed to connect to cpsd at %s; is cpsd running? (%s)", url,
                        strerror(err));
    *fd_out = fd;
    return 0;
}

static int send_all(int fd, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return cps_fail(CPS_ERR_NET, "sending the request: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Decodes a chunked body in place; returns its length through *n. */
static int dechunk(uint8_t *body, size_t size, size_t *n)
{
    size_t in = 0, out = 0;
    for (;;) {
        size_t line_end = in;
        while (line_end + 1 < size && !(body[line_end] == '\r' && body[line_end + 1] == '\n'))
            line_end++;
        if (line_end + 1 >= size)
            return cps_fail(CPS_ERR_HTTP, "chunked response ends inside a chunk header");
        uint64_t len = 0;
        size_t digits = 0;
        for (size_t i = in; i < line_end; i++, digits++) {
            int c = body[i], v;
            if (c >= '0' && c <= '9') v = c - '0';
            else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
            else break; /* chunk extensions follow */
            if (len > MAX_RESPONSE) return cps_fail(CPS_ERR_HTTP, "chunk too large");
            len = len * 16 + (uint64_t)v;
        }
        if (digits == 0) return cps_fail(CPS_ERR_HTTP, "bad chunk size at offset %zu", in);
        in = line_end + 2;
        if (len == 0) break;
        if (len > size - in || size - in - len < 2)
            return cps_fail(CPS_ERR_HTTP, "chunk of %llu bytes runs past the response",
                            (unsigned long long)len);
        memmove(body + out, body + in, len);
        out += len;
        in += len + 2;
    }
    *n = out;
    return 0;
}

/* Splits a raw response into status and body (moved to the start of the buffer). */
static int parse_response(uint8_t *data, size_t size, int *status, size_t *body_size)
{
    size_t head_end = 0;
    for (size_t i = 0; i + 3 < size; i++)
        if (memcmp(data + i, "\r\n\r\n", 4) == 0) {
            head_end = i + 4;
            break;
        }
    if (!head_end) return cps_fail(CPS_ERR_HTTP, "the response has no complete header");
    if (size < 12 || memcmp(data, "HTTP/1.", 7) != 0)
        return cps_fail(CPS_ERR_HTTP, "the response does not start with an HTTP/1.x status line");
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (data[i] < '0' || data[i] > '9') return cps_fail(CPS_ERR_HTTP, "bad status code");
        code = code * 10 + (data[i] - '0');
    }
    bool chunked = false;
    long long content_length = -1;
    /* Header lines: only the two that frame the body matter here. */
    for (size_t i = 0; i < head_end;) {
        size_t e = i;
        while (e + 1 < head_end && !(data[e] == '\r' && data[e + 1] == '\n')) e++;
        size_t len = e - i;
        const char *line = (const char *)data + i;
        if (len > 15 && strncasecmp(line, "content-length:", 15) == 0) {
            content_length = 0;
            for (size_t k = 15; k < len; k++) {
                if (line[k] == ' ' || line[k] == '\t') continue;
                if (line[k] < '0' || line[k] > '9' || content_length > (long long)MAX_RESPONSE)
                    return cps_fail(CPS_ERR_HTTP, "bad Content-Length");
                content_length = content_length * 10 + (line[k] - '0');
            }
        } else if (len > 18 && strncasecmp(line, "transfer-encoding:", 18) == 0) {
            for (size_t k = 18; k + 7 <= len; k++)
                if (strncasecmp(line + k, "chunked", 7) == 0) chunked = true;
        }
        i = e + 2;
    }
    size_t body = size - head_end;
    memmove(data, data + head_end, body);
    if (chunked) {
        int rc = dechunk(data, body, &body);
        if (rc) return rc;
    } else if (content_length >= 0) {
        if ((size_t)content_length > body)
            return cps_fail(CPS_ERR_HTTP, "the response ends after %zu of %lld body bytes", body,
                            content_length);
        body = (size_t)content_length;
    }
    *status = code;
    *body_size = body;
    return 0;
}

int cps_cli_http_post(const char *url, const char *path, const char *body, size_t body_size,
                      int *status, char **response, size_t *response_size)
{
    *response = NULL;
    *response_size = 0;
    char host[256], port[8];
    const char *prefix = NULL;
    int rc = parse_url(url, host, sizeof host, port, sizeof port, &prefix);
    if (rc) return rc;
    int fd = -1;
    if ((rc = connect_to(url, host, port, &fd)) != 0) return rc;
    cps_buf req, resp;
    cps_buf_init(&req);
    cps_buf_init(&resp);
    resp.limit = MAX_RESPONSE;
    bool v6 = strchr(host, ':') != NULL;
    cps_buf_printf(&req,
                   "POST %s%s HTTP/1.1\r\nHost: %s%s%s:%s\r\nContent-Type: application/json\r\n"
                   "Accept: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                   prefix, path, v6 ? "[" : "", host, v6 ? "]" : "", port, body_size);
    if (body_size) cps_write_bytes(&req, body, body_size);
    if (req.failed) rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (!rc) rc = send_all(fd, req.data, req.size);
    while (!rc) {
        uint8_t chunk[16384];
        ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0)
            rc = cps_fail(CPS_ERR_NET, "reading the response from %s: %s", url,
                          errno == EAGAIN ? "timed out" : strerror(errno));
        if (r <= 0) break;
        if (cps_write_bytes(&resp, chunk, (size_t)r))
            rc = cps_fail(CPS_ERR_LIMIT, "the response from %s is larger than %u bytes", url,
                          MAX_RESPONSE);
    }
    close(fd);
    cps_buf_free(&req);
    size_t n = 0;
    if (!rc && resp.size == 0) rc = cps_fail(CPS_ERR_HTTP, "%s closed the connection without a response", url);
    if (!rc) rc = parse_response(resp.data, resp.size, status, &n);
    if (!rc && cps_write_u8(&resp, 0)) rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
    if (rc) {
        cps_buf_free(&resp);
        return rc;
    }
    resp.data[n] = '\0';
    *response = (char *)cps_buf_release(&resp, NULL);
    *response_size = n;
    return 0;
}

/* ---- nodeos-shaped calls ------------------------------------------------------------------ */

/* cleos's hints after some errors, so users know what to do. */
static void print_hint(cps_cli_ctx *ctx, json_int_t code)
{
    if (code == 3090003 || code == 3090004 || code == 3090005)
        fprintf(ctx->err, "Ensure that you have the related private keys inside your wallet and "
                          "your wallet is unlocked.\n");
}

/* Prints {"code","message","error":{"code","name","what","details":[{"message"}]}} as cleos. */
static void print_node_error(cps_cli_ctx *ctx, int status, const char *body, size_t n)
{
    json_error_t jerr;
    json_t *v = json_loadb(body, n, 0, &jerr);
    json_t *error = v ? json_object_get(v, "error") : NULL;
    if (!json_is_object(error)) {
        fprintf(ctx->err, "Error: HTTP %d from %s: %.*s\n", status, ctx->url, (int)(n > 500 ? 500 : n),
                body);
        json_decref(v);
        return;
    }
    json_int_t code = json_integer_value(json_object_get(error, "code"));
    const char *what = json_string_value(json_object_get(error, "what"));
    const char *name = json_string_value(json_object_get(error, "name"));
    fprintf(ctx->err, "Error %lld: %s\n", (long long)code, what ? what : name ? name : "unknown");
    print_hint(ctx, code);
    json_t *details = json_object_get(error, "details");
    if (json_array_size(details)) {
        fprintf(ctx->err, "Error Details:\n");
        size_t i;
        json_t *d;
        json_array_foreach(details, i, d)
        {
            const char *m = json_string_value(json_object_get(d, "message"));
            if (m) fprintf(ctx->err, "%s\n", m);
            if (ctx->verbose) {
                const char *file = json_string_value(json_object_get(d, "file"));
                const char *method = json_string_value(json_object_get(d, "method"));
                json_int_t line = json_integer_value(json_object_get(d, "line_number"));
                if (file) fprintf(ctx->err, "    %s:%lld %s\n", file, (long long)line, method ? method : "");
            }
        }
    }
    json_decref(v);
}

int cps_cli_call(cps_cli_ctx *ctx, const char *path, json_t *params, json_t **result,
                 char **text)
{
    if (result) *result = NULL;
    if (text) *text = NULL;
    char *body = NULL, *resp = NULL;
    size_t resp_size;
    int status;
    if (params) {
        body = json_dumps(params, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!body) return cps_cli_error(ctx, CPS_ERR_NOMEM, "out of memory");
    }
    if (ctx->verbose) fprintf(ctx->err, "POST %s%s %s\n", ctx->url, path, body ? body : "");
    int rc = cps_cli_http_post(ctx->url, path, body ? body : "", body ? strlen(body) : 0, &status,
                               &resp, &resp_size);
    free(body);
    if (rc) return cps_cli_error(ctx, rc, "%s", cps_last_error());
    if (status < 200 || status > 299) {
        print_node_error(ctx, status, resp, resp_size);
        free(resp);
        return CPS_CLI_EXIT_FAIL;
    }
    json_t *v = NULL;
    rc = cps_abi_json_parse(resp, resp_size, &v);
    if (rc) {
        free(resp);
        return cps_cli_error(ctx, rc, "%s%s: the reply is not JSON: %s", ctx->url, path,
                             cps_last_error());
    }
    if (result) *result = v;
    else json_decref(v);
    if (text) *text = resp;
    else free(resp);
    return 0;
}

int cps_cli_node_abi(cps_cli_ctx *ctx, cps_name account, const cps_abi **out)
{
    *out = NULL;
    for (size_t i = 0; i < ctx->node_abi_count; i++)
        if (ctx->node_abi_cache[i].account == account) {
            *out = ctx->node_abi_cache[i].abi;
            return 0;
        }
    char name[16], body[64];
    cps_abi_name_to_string(account, name);
    int n = snprintf(body, sizeof body, "{\"account_name\":\"%s\"}", name);
    int status;
    char *resp;
    size_t resp_size;
    int rc = cps_cli_http_post(ctx->url, "/v1/chain/get_abi", body, (size_t)n, &status, &resp,
                               &resp_size);
    if (rc) return rc;
    if (status != 200) {
        rc = cps_fail(CPS_ERR_HTTP, "get_abi for %s: HTTP %d: %.300s", name, status, resp);
        free(resp);
        return rc;
    }
    json_t *v = NULL;
    cps_abi *abi = NULL;
    rc = cps_abi_json_parse(resp, resp_size, &v);
    free(resp);
    if (rc) return cps_fail_prefix(rc, "get_abi for %s", name);
    json_t *abi_json = json_object_get(v, "abi");
    if (json_is_object(abi_json)) {
        rc = cps_abi_from_json_value(abi_json, &abi);
        if (rc) rc = cps_fail_prefix(rc, "the ABI of %s", name);
    }
    json_decref(v);
    if (rc) return rc;
    struct cps_cli_node_abi *grown =
        realloc(ctx->node_abi_cache, (ctx->node_abi_count + 1) * sizeof *grown);
    if (!grown) {
        cps_abi_free(abi);
        return cps_fail(CPS_ERR_NOMEM, "out of memory");
    }
    ctx->node_abi_cache = grown;
    grown[ctx->node_abi_count].account = account;
    grown[ctx->node_abi_count].abi = abi;
    ctx->node_abi_count++;
    *out = abi;
    return 0;
}
