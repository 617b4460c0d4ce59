/* http: the server — libmicrohttpd callbacks, routing, body collection and parameter checks,
 * the hand-off of requests to the event loop, suspended connections answered from any thread,
 * the timer thread that enforces time limits, CORS, Host checks, metrics and graceful stop. */
#include "api/api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define LOG_MODULE "api"
#define JSON_TYPE "application/json"
#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define SUPPORTED_APIS_PATH "/v1/node/get_supported_apis"
#define METRICS_PATH "/metrics"

/* Why a request was answered before reaching an endpoint (a metrics label). */
enum unrouted_reason {
    UNROUTED_NONE = 0,
    UNROUTED_NOT_FOUND,
    UNROUTED_OPTIONS,
    UNROUTED_TOO_LARGE,
    UNROUTED_BUSY,
    UNROUTED_BAD_HOST,
    UNROUTED_COUNT_
};
static const char *const unrouted_names[UNROUTED_COUNT_] = {"",          "not_found", "options",
                                                            "too_large", "busy",      "bad_host"};

struct endpoint {
    char *path;
    cps_api_handler handler;
    void *user;
    unsigned flags;
    int64_t timeout_ms;
    cps_api_metric *latency;
    /* Responses by status class (index status / 100), registered the first time a class is
     * seen so /metrics lists only the classes that happened. */
    _Atomic(cps_api_metric *) by_class[6];
};

/* A request's life, under its lock:
 *   ACTIVE   received, no answer yet, connection not suspended (a handler may be running)
 *   PENDING  connection suspended, waiting for the loop or for a handler's answer
 *   DONE     an answer is stored (from the handler, the timer or the stop); immutable since */
enum request_state { REQ_ACTIVE, REQ_PENDING, REQ_DONE };

struct cps_api_request {
    cps_api_server *server; /* valid until the connection completes */
    struct MHD_Connection *conn;
    const struct endpoint *ep;
    /* References: one for the connection (dropped when MHD reports completion) and one for the
     * handler, from the call (or the loop queue) until its answer. */
    atomic_int refs;

    pthread_mutex_t lock; /* guards state, the answer and handler_answered */
    enum request_state state;
    bool handler_answered;
    unsigned status;
    const char *content_type; /* static text */
    char *answer;             /* malloc()ed, or static when answer_static */
    size_t answer_len;
    bool answer_static;

    /* Owned by the connection's HTTP thread. */
    char *method;
    char *path;
    cps_buf body;
    bool body_too_large;
    bool response_queued;
    enum unrouted_reason unrouted;
    json_t *params;
    uint64_t received_ns;
    uint64_t deadline_ns;

    /* Guarded by the server lock. */
    bool suspended;
    bool handler_started;
    bool in_pending;
    cps_api_request *pending_prev, *pending_next;
    cps_api_request *queue_next;
};

struct cps_api_server {
    cps_api_config cfg; /* string fields point to the copies below */
    char *address, *cors_origin, *cors_headers, *cors_max_age, *aliases;
    char *self_host; /* "ip:port" of the listening socket, for the Host check fast path */
    char *supported_apis_json;
    size_t supported_apis_len;

    uv_loop_t *loop;
    uv_async_t *async;

    struct endpoint *endpoints;
    size_t n_endpoints, cap_endpoints;

    struct MHD_Daemon *daemon;
    int listen_fd;
    uint16_t port;

    cps_api_metrics *metrics;
    bool owns_metrics;
    cps_api_metric *m_in_flight, *m_queue_length, *m_timeouts;
    cps_api_metric *m_unrouted[UNROUTED_COUNT_];

    /* The server lock guards everything below, the requests' list links and their
     * suspended/handler_started flags. Order: server lock before a request's lock. */
    pthread_mutex_t lock;
    pthread_cond_t drained;    /* suspended_count or in_flight went down while stopping */
    pthread_cond_t timer_wake; /* a new deadline or the timer must quit */
    bool started;
    atomic_bool stopping;     /* written under the lock, read without it on the HTTP threads */
    cps_api_request *pending; /* suspended requests, each with a deadline */
    cps_api_request *queue_head, *queue_tail; /* waiting for the loop */
    size_t queue_length;
    size_t suspended_count;
    size_t in_flight;
    pthread_t timer_thread;
    bool timer_running, timer_quit;
    uint64_t timer_next; /* when the timer thread wakes next (UINT64_MAX: no deadline) */
};

/* The answer of last resort, when even building an error body fails for want of memory. */
static const char oom_body[] =
    "{\"code\":500,\"message\":\"Internal Service Error\",\"error\":{\"code\":0,\"name\":"
    "\"exception\",\"what\":\"unspecified\",\"details\":[{\"message\":\"out of memory\",\"file\":"
    "\"http.c\",\"line_number\":0,\"method\":\"respond\"}]}}";
static const char options_body[] = "{}";

/* ==========================================================================================
 * Small helpers.
 * ========================================================================================== */

static char *copy_or_null(const char *s, bool *failed)
{
    if (!s) return NULL;
    char *c = strdup(s);
    if (!c) *failed = true;
    return c;
}

static uint64_t deadline_after(uint64_t now, int64_t ms)
{
    if (ms < 0) return UINT64_MAX;
    return now + (uint64_t)ms * 1000000u;
}

static int64_t endpoint_timeout_ms(const cps_api_server *s, const struct endpoint *ep)
{
    if (ep->timeout_ms == CPS_API_TIMEOUT_NONE) return -1;
    if (ep->timeout_ms > 0) return ep->timeout_ms;
    return s->cfg.max_response_time_ms;
}

/* Builds an error body with one detail (two with verbose-http-errors and an `extra`). On failure
 * returns NULL and the caller answers oom_body. */
static char *error_body(const cps_api_server *s, enum cps_api_exception exc, const char *message,
                        const char *extra, const char *file, unsigned line, const char *method,
                        size_t *len)
{
    cps_api_error_detail d[2] = {{message, file, line, method}, {extra, file, line, method}};
    size_t n = (extra && s && s->cfg.verbose_http_errors) ? 2 : 1;
    cps_buf b = {0};
    if (cps_api_error_json(&b, exc, d, n)) {
        cps_buf_free(&b);
        return NULL;
    }
    return (char *)cps_buf_release(&b, len);
}

/* The 503 "Busy" body nodeos (Leap) sends when it sheds load: error.code is the status. */
static char *busy_body(const char *what, size_t *len)
{
    cps_buf b = {0};
    if (cps_api_error_json_custom(&b, 503, "Busy", 503, "Busy", what, NULL, 0)) {
        cps_buf_free(&b);
        return NULL;
    }
    return (char *)cps_buf_release(&b, len);
}

/* ==========================================================================================
 * Request lifetime.
 * ========================================================================================== */

static void request_free(cps_api_request *req)
{
    pthread_mutex_destroy(&req->lock);
    if (!req->answer_static) free(req->answer);
    free(req->method);
    free(req->path);
    cps_buf_free(&req->body);
    if (req->params) json_decref(req->params);
    free(req);
}

static void request_unref(cps_api_request *req)
{
    if (atomic_fetch_sub_explicit(&req->refs, 1, memory_order_acq_rel) == 1) request_free(req);
}

/* Stores an answer; the request's lock is held and its state is not DONE. */
static void store_answer_locked(cps_api_request *req, unsigned status, const char *content_type,
                                char *body, size_t len, bool is_static)
{
    if (!body) {
        status = 500;
        content_type = JSON_TYPE;
        body = (char *)oom_body;
        len = sizeof oom_body - 1;
        is_static = true;
    }
    req->status = status;
    req->content_type = content_type ? content_type : JSON_TYPE;
    req->answer = body;
    req->answer_len = len;
    req->answer_static = is_static;
    req->state = REQ_DONE;
}

static void pending_link_locked(cps_api_server *s, cps_api_request *req)
{
    req->pending_prev = NULL;
    req->pending_next = s->pending;
    if (s->pending) s->pending->pending_prev = req;
    s->pending = req;
    req->in_pending = true;
    if (req->deadline_ns < s->timer_next) pthread_cond_signal(&s->timer_wake);
}

static void pending_unlink_locked(cps_api_server *s, cps_api_request *req)
{
    if (!req->in_pending) return;
    if (req->pending_prev)
        req->pending_prev->pending_next = req->pending_next;
    else
        s->pending = req->pending_next;
    if (req->pending_next) req->pending_next->pending_prev = req->pending_prev;
    req->pending_prev = req->pending_next = NULL;
    req->in_pending = false;
}

/* Suspends the connection of an ACTIVE request (server and request locks held): from now on an
 * answer from any thread resumes it. Only legal inside the access handler callback. */
static void suspend_locked(cps_api_server *s, cps_api_request *req)
{
    req->state = REQ_PENDING;
    MHD_suspend_connection(req->conn);
    req->suspended = true;
    s->suspended_count++;
    pending_link_locked(s, req);
}

/* Answers a PENDING request on behalf of the server (timer, stop): server lock held. The
 * request's handler, if any, keeps its reference and finds the request abandoned. */
static void finish_pending_locked(cps_api_server *s, cps_api_request *req, unsigned status,
                                  char *body, size_t len)
{
    pthread_mutex_lock(&req->lock);
    if (req->state != REQ_PENDING) {
        /* A handler's answer won the race; its thread unlinks and resumes the connection. */
        pthread_mutex_unlock(&req->lock);
        free(body);
        return;
    }
    store_answer_locked(req, status, JSON_TYPE, body, len, false);
    pthread_mutex_unlock(&req->lock);
    pending_unlink_locked(s, req);
    MHD_resume_connection(req->conn);
}

/* A handler's answer (any thread). Consumes the handler's reference. */
static void answer(cps_api_request *req, unsigned status, const char *content_type, char *body,
                   size_t len, bool is_static)
{
    if (!req) {
        if (!is_static) free(body);
        return;
    }
    pthread_mutex_lock(&req->lock);
    if (req->handler_answered) {
        /* API misuse; the reference was already given back, so touch nothing more. */
        cps_log_error(LOG_MODULE, "a handler answered %s twice", req->path);
        pthread_mutex_unlock(&req->lock);
        if (!is_static) free(body);
        return;
    }
    req->handler_answered = true;
    if (req->state == REQ_DONE) { /* timed out or cancelled: the answer goes nowhere */
        pthread_mutex_unlock(&req->lock);
        if (!is_static) free(body);
        request_unref(req);
        return;
    }
    enum request_state was = req->state;
    store_answer_locked(req, status, content_type, body, len, is_static);
    pthread_mutex_unlock(&req->lock);
    if (was == REQ_PENDING) {
        /* The connection is suspended, so it (and the server, whose stop waits for every
         * suspended connection) is still alive. */
        cps_api_server *s = req->server;
        pthread_mutex_lock(&s->lock);
        pending_unlink_locked(s, req);
        MHD_resume_connection(req->conn);
        pthread_mutex_unlock(&s->lock);
    }
    request_unref(req);
}

/* ==========================================================================================
 * Public request accessors and answers.
 * ========================================================================================== */

const char *cps_api_request_method(const cps_api_request *req)
{
    return req->method;
}

const char *cps_api_request_path(const cps_api_request *req)
{
    return req->path;
}

cps_bytes cps_api_request_body(const cps_api_request *req)
{
    cps_bytes b = {req->body.data ? req->body.data : (const uint8_t *)"", req->body.size};
    return b;
}

json_t *cps_api_request_params(const cps_api_request *req)
{
    return req->params;
}

uint64_t cps_api_request_deadline_ns(const cps_api_request *req)
{
    return req->deadline_ns;
}

bool cps_api_request_abandoned(cps_api_request *req)
{
    pthread_mutex_lock(&req->lock);
    bool abandoned = req->state == REQ_DONE && !req->handler_answered;
    pthread_mutex_unlock(&req->lock);
    return abandoned;
}

void cps_api_respond_take(cps_api_request *req, unsigned status, const char *content_type,
                          char *body, size_t len)
{
    if (!body) {
        body = (char *)"";
        len = 0;
        answer(req, status, content_type, body, len, true);
        return;
    }
    answer(req, status, content_type, body, len, false);
}

void cps_api_respond_copy(cps_api_request *req, unsigned status, const char *content_type,
                          const void *body, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy) {
        if (len) memcpy(copy, body, len);
        copy[len] = 0;
    }
    answer(req, status, content_type, copy, len, false);
}

void cps_api_respond_buf(cps_api_request *req, unsigned status, cps_buf *b)
{
    if (b->failed) {
        cps_buf_free(b);
        answer(req, 500, JSON_TYPE, NULL, 0, false);
        return;
    }
    size_t len;
    char *body = (char *)cps_buf_release(b, &len);
    if (!body) {
        cps_api_respond_take(req, status, JSON_TYPE, NULL, 0);
        return;
    }
    answer(req, status, JSON_TYPE, body, len, false);
}

void cps_api_respond_json(cps_api_request *req, unsigned status, json_t *value)
{
    char *body = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (value) json_decref(value);
    answer(req, body ? status : 500, JSON_TYPE, body, body ? strlen(body) : 0, false);
}

void cps_api_respond_exception(cps_api_request *req, enum cps_api_exception exc, const char *file,
                               unsigned line, const char *method, const char *fmt, ...)
{
    cps_buf message = {0};
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n >= 0 && cps_buf_reserve(&message, (size_t)n) == 0) {
        vsnprintf((char *)message.data, (size_t)n + 1, fmt, ap2);
        message.size = (size_t)n;
    }
    va_end(ap2);
    va_end(ap);
    size_t len = 0;
    char *body = error_body(NULL, exc, cps_buf_cstr(&message), NULL, file, line, method, &len);
    cps_buf_free(&message);
    answer(req, cps_api_exception_get(exc)->http_status, JSON_TYPE, body, len, false);
}

void cps_api_respond_error(cps_api_request *req, int cps_code, const char *file, unsigned line,
                           const char *method, const char *detail)
{
    if (!detail) detail = cps_last_error();
    if (!detail || !*detail) detail = cps_strerror(cps_code);
    enum cps_api_exception exc = cps_api_exception_for_error(cps_code);
    size_t len = 0;
    char *body = error_body(NULL, exc, detail, NULL, file, line, method, &len);
    answer(req, cps_api_exception_get(exc)->http_status, JSON_TYPE, body, len, false);
}

/* ==========================================================================================
 * Sending (on the connection's HTTP thread, inside the access handler callback).
 * ========================================================================================== */

static void count_response(cps_api_server *s, cps_api_request *req, unsigned status)
{
    if (req->unrouted != UNROUTED_NONE) {
        cps_api_metric_inc(s->m_unrouted[req->unrouted]);
        return;
    }
    struct endpoint *ep = (struct endpoint *)req->ep;
    if (!ep) return;
    double seconds = (double)(cps_time_mono_ns() - req->received_ns) / 1e9;
    cps_api_metric_observe(ep->latency, seconds);
    unsigned cls = status / 100;
    if (cls >= CPS_ARRAY_LEN(ep->by_class)) cls = 0;
    cps_api_metric *m = atomic_load_explicit(&ep->by_class[cls], memory_order_acquire);
    if (!m) {
        char class_name[4] = {(char)('0' + cls), 'x', 'x', 0};
        if (cps_api_metrics_counter(
                s->metrics, "cps_http_requests_total",
                "HTTP requests answered, by endpoint and status class.",
                (const char *[]){"endpoint", ep->path, "status", class_name, NULL}, &m) != 0)
            m = NULL;
        if (m) atomic_store_explicit(&ep->by_class[cls], m, memory_order_release);
    }
    cps_api_metric_inc(m);
}

static void add_header(struct MHD_Response *r, const char *name, const char *value)
{
    if (value && *value) MHD_add_response_header(r, name, value);
}

/* Queues the stored answer of a DONE request. The body passes to libmicrohttpd. */
static enum MHD_Result send_answer(cps_api_request *req)
{
    cps_api_server *s = req->server;
    pthread_mutex_lock(&req->lock);
    unsigned status = req->status;
    const char *content_type = req->content_type;
    char *body = req->answer;
    size_t len = req->answer_len;
    bool is_static = req->answer_static;
    req->answer = NULL;
    req->answer_static = false;
    pthread_mutex_unlock(&req->lock);

    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, is_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
    if (!r) {
        if (!is_static) free(body);
        return MHD_NO;
    }
    add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    /* nodeos adds the CORS headers to every response, errors included. */
    add_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, s->cfg.access_control_allow_origin);
    add_header(r, "Access-Control-Allow-Headers", s->cfg.access_control_allow_headers);
    add_header(r, "Access-Control-Max-Age", s->cfg.access_control_max_age);
    if (s->cfg.access_control_allow_credentials)
        add_header(r, "Access-Control-Allow-Credentials", "true");
    if (!s->cfg.keep_alive || s->stopping || req->body_too_large)
        add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(req->conn, status, r);
    MHD_destroy_response(r);
    req->response_queued = true;
    count_response(s, req, status);
    return ret;
}

/* Answers right away from the HTTP thread, before any handler saw the request. */
static enum MHD_Result send_now(cps_api_request *req, unsigned status, const char *content_type,
                                char *body, size_t len, bool is_static)
{
    pthread_mutex_lock(&req->lock);
    store_answer_locked(req, status, content_type, body, len, is_static);
    pthread_mutex_unlock(&req->lock);
    return send_answer(req);
}

static enum MHD_Result send_exception(cps_api_request *req, enum cps_api_exception exc,
                                      const char *message, const char *extra, unsigned line,
                                      const char *method)
{
    size_t len = 0;
    char *body = error_body(req->server, exc, message, extra, __FILE__, line, method, &len);
    return send_now(req, cps_api_exception_get(exc)->http_status, JSON_TYPE, body, len, false);
}

static enum MHD_Result send_busy(cps_api_request *req, const char *what)
{
    size_t len = 0;
    char *body = busy_body(what, &len);
    req->unrouted = UNROUTED_BUSY;
    return send_now(req, 503, JSON_TYPE, body, len, false);
}

/* ==========================================================================================
 * Routing, Host check, parameters.
 * ========================================================================================== */

static int compare_endpoints(const void *a, const void *b)
{
    return strcmp(((const struct endpoint *)a)->path, ((const struct endpoint *)b)->path);
}

static const struct endpoint *find_endpoint(const cps_api_server *s, const char *path)
{
    size_t lo = 0, hi = s->n_endpoints;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, s->endpoints[mid].path);
        if (c == 0) return &s->endpoints[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Splits "host:port", "[v6]:port", "host" into the host part (no brackets) in out. */
static bool host_part(const char *hostport, char *out, size_t cap)
{
    const char *start = hostport, *end;
    if (*start == '[') {
        start++;
        end = strchr(start, ']');
        if (!end) return false;
    } else {
        end = strrchr(start, ':');
        if (!end) end = start + strlen(start);
    }
    size_t n = (size_t)(end - start);
    if (n >= cap) return false;
    memcpy(out, start, n);
    out[n] = 0;
    return true;
}

/* True when `list` (comma-separated host[:port] entries) names `host` (compared without port,
 * case-insensitively, as host names are). */
static bool alias_matches(const char *list, const char *host)
{
    while (list && *list) {
        const char *comma = strchr(list, ',');
        size_t n = comma ? (size_t)(comma - list) : strlen(list);
        char entry[256], entry_host[256];
        if (n > 0 && n < sizeof entry) {
            memcpy(entry, list, n);
            entry[n] = 0;
            if (host_part(entry, entry_host, sizeof entry_host) &&
                strcasecmp(entry_host, host) == 0)
                return true;
        }
        list = comma ? comma + 1 : NULL;
    }
    return false;
}

/* nodeos's http-validate-host (Leap host_is_valid): the Host header must name the address the
 * connection arrived on (an IP literal, any port), or the host of http-server-address, or an
 * alias. This stops DNS-rebinding pages from talking to a node on localhost. */
static bool host_allowed(const cps_api_server *s, struct MHD_Connection *conn, const char *header)
{
    if (!s->cfg.validate_host) return true;
    if (!header || !*header) return false;
    if (s->self_host && strcmp(header, s->self_host) == 0) return true;
    if (strcmp(header, s->cfg.http_server_address) == 0) return true;
    char host[256];
    if (!host_part(header, host, sizeof host)) return false;
    unsigned char want[16];
    int family = inet_pton(AF_INET, host, want) == 1    ? AF_INET
                 : inet_pton(AF_INET6, host, want) == 1 ? AF_INET6
                                                        : 0;
    if (family) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct sockaddr_storage local;
        socklen_t local_len = sizeof local;
        if (!info || getsockname(info->connect_fd, (struct sockaddr *)&local, &local_len) != 0)
            return false;
        const unsigned char *have = NULL;
        size_t have_len = 0;
        if (local.ss_family == AF_INET) {
            have = (const unsigned char *)&((struct sockaddr_in *)&local)->sin_addr;
            have_len = 4;
        } else if (local.ss_family == AF_INET6) {
            have = (const unsigned char *)&((struct sockaddr_in6 *)&local)->sin6_addr;
            have_len = 16;
            /* An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d. */
            static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
            if (family == AF_INET && memcmp(have, mapped, 12) == 0) {
                have += 12;
                have_len = 4;
            }
        }
        return have && have_len == (family == AF_INET ? 4u : 16u) &&
               memcmp(have, want, have_len) == 0;
    }
    char configured[256];
    if (host[0] && host_part(s->cfg.http_server_address, configured, sizeof configured) &&
        strcasecmp(configured, host) == 0)
        return true;
    return host[0] && alias_matches(s->cfg.http_alias, host);
}

/* nodeos is_empty_content: the body trimmed of spaces is empty, or is "{" spaces/tabs "}". */
static bool is_empty_content(const char *body, size_t n)
{
    size_t left = 0, right = n;
    while (left < right && body[left] == ' ')
        left++;
    while (right > left && body[right - 1] == ' ')
        right--;
    if (left == right) return true;
    if (right - left < 2 || body[left] != '{' || body[right - 1] != '}') return false;
    for (size_t i = left + 1; i < right - 1; i++)
        if (body[i] != ' ' && body[i] != '\t') return false;
    return true;
}

/* Parses the body into req->params; on invalid JSON returns -1 with the 400 body to answer
 * (NULL when out of memory: the answer functions then send the last-resort body). */
static int parse_body(cps_api_request *req, char **error_text, size_t *error_len)
{
    json_error_t error;
    req->params = json_loadb(cps_buf_cstr(&req->body), req->body.size, JSON_DECODE_ANY, &error);
    if (req->params) return 0;
    char extra[256 + 64];
    snprintf(extra, sizeof extra, "%s at line %d column %d (byte %d)", error.text, error.line,
             error.column, error.position);
    *error_text = error_body(req->server, CPS_API_EXC_INVALID_HTTP_REQUEST,
                             "Unable to parse valid input from POST body", extra, __FILE__,
                             __LINE__, __func__, error_len);
    return -1;
}

/* nodeos parse_params. Returns 0 and sets req->params, or answers 400 and returns -1. */
static int check_params(cps_api_request *req, enum MHD_Result *sent)
{
    unsigned flags = req->ep->flags;
    if (flags & CPS_API_PARAMS_RAW) return 0;
    const char *body = cps_buf_cstr(&req->body);
    size_t n = req->body.size;
    bool empty = is_empty_content(body, n);
    if (empty) {
        if (!(flags & (CPS_API_PARAMS_NONE | CPS_API_PARAMS_OPTIONAL))) {
            *sent = send_exception(req, CPS_API_EXC_INVALID_HTTP_REQUEST,
                                   "A Request body is required", NULL, __LINE__, __func__);
            return -1;
        }
        req->params = json_object();
        if (!req->params) {
            *sent = send_now(req, 500, JSON_TYPE, NULL, 0, false);
            return -1;
        }
        return 0;
    }
    if (flags & CPS_API_PARAMS_NONE) {
        *sent = send_exception(req, CPS_API_EXC_INVALID_HTTP_REQUEST,
                               "no parameter should be given", NULL, __LINE__, __func__);
        return -1;
    }
    if (flags & CPS_API_PARAMS_LAZY) return 0; /* cps_api_request_parse_params, if needed */
    char *error_body_text = NULL;
    size_t error_len = 0;
    if (parse_body(req, &error_body_text, &error_len) == 0) return 0;
    *sent = send_now(req, cps_api_exception_get(CPS_API_EXC_INVALID_HTTP_REQUEST)->http_status,
                     JSON_TYPE, error_body_text, error_len, false);
    return -1;
}

json_t *cps_api_request_parse_params(cps_api_request *req)
{
    if (req->params || !(req->ep->flags & CPS_API_PARAMS_LAZY)) return req->params;
    char *error_body_text = NULL;
    size_t error_len = 0;
    if (parse_body(req, &error_body_text, &error_len) == 0) return req->params;
    answer(req, cps_api_exception_get(CPS_API_EXC_INVALID_HTTP_REQUEST)->http_status, JSON_TYPE,
           error_body_text, error_len, false);
    return NULL;
}

/* ==========================================================================================
 * The access handler callback and its companions.
 * ========================================================================================== */

static cps_api_request *request_new(cps_api_server *s, struct MHD_Connection *conn, const char *url,
                                    const char *method)
{
    cps_api_request *req = calloc(1, sizeof *req);
    if (!req) return NULL;
    req->method = strdup(method ? method : "");
    req->path = strdup(url ? url : "");
    if (!req->method || !req->path) {
        free(req->method);
        free(req->path);
        free(req);
        return NULL;
    }
    pthread_mutex_init(&req->lock, NULL);
    atomic_init(&req->refs, 1);
    req->server = s;
    req->conn = conn;
    req->received_ns = cps_time_mono_ns();
    req->deadline_ns = UINT64_MAX;
    pthread_mutex_lock(&s->lock);
    s->in_flight++;
    cps_api_metric_set(s->m_in_flight, (double)s->in_flight);
    pthread_mutex_unlock(&s->lock);
    return req;
}

/* A decimal Content-Length above `limit` (or unparsable digits, which cannot be honoured
 * either: libmicrohttpd rejects those itself). */
static bool content_length_exceeds(const char *text, size_t limit)
{
    size_t v = 0;
    if (!*text) return false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        if (v > (SIZE_MAX - 9) / 10) return true;
        v = v * 10 + (size_t)(*p - '0');
    }
    return v > limit;
}

/* Reserves the announced body (a decimal Content-Length already checked against the limit) at
 * once, up to a bound: a push_transactions body of a few hundred KiB would otherwise grow by
 * doubling and copy itself a dozen times. (Out of memory here fails the body's first write.) */
#define BODY_RESERVE_MAX ((size_t)4 << 20)
static void reserve_announced_body(cps_api_request *req, const char *text)
{
    size_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return;
        v = v * 10 + (size_t)(*p - '0');
        if (v > BODY_RESERVE_MAX) return;
    }
    if (v && cps_buf_reserve(&req->body, v))
        cps_log_debug(LOG_MODULE, "%s: cannot reserve the %zu-byte body", req->path, v);
}

static enum MHD_Result send_too_large(cps_api_request *req)
{
    char message[128];
    snprintf(message, sizeof message, "Request body exceeds max-body-size (%zu bytes)",
             req->server->cfg.max_body_size);
    req->body_too_large = true;
    req->unrouted = UNROUTED_TOO_LARGE;
    /* The status is 413 (nodeos's websocketpp answered "Request Entity Too Large"); the error
     * object is the invalid_http_request it amounts to. */
    const cps_api_exception_info *e = cps_api_exception_get(CPS_API_EXC_INVALID_HTTP_REQUEST);
    cps_api_error_detail d = {message, __FILE__, __LINE__, __func__};
    cps_buf b = {0};
    size_t len = 0;
    char *body = NULL;
    if (cps_api_error_json_custom(&b, 413, "Request Entity Too Large", e->code, e->name, e->what,
                                  &d, 1) == 0)
        body = (char *)cps_buf_release(&b, &len);
    cps_buf_free(&b);
    return send_now(req, 413, JSON_TYPE, body, len, false);
}

/* Runs after the whole body arrived: the nodeos order of checks, then the endpoint. */
static enum MHD_Result dispatch(cps_api_server *s, cps_api_request *req)
{
    const char *host =
        MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host_allowed(s, req->conn, host)) {
        req->unrouted = UNROUTED_BAD_HOST;
        cps_buf b = {0};
        cps_api_error_json_custom(&b, 400, "Disallowed HTTP HOST header in the request", 0, "", "",
                                  NULL, 0);
        size_t len = 0;
        char *body = b.failed ? NULL : (char *)cps_buf_release(&b, &len);
        cps_buf_free(&b);
        return send_now(req, 400, JSON_TYPE, body, len, false);
    }
    if (strcmp(req->method, MHD_HTTP_METHOD_OPTIONS) == 0) {
        req->unrouted = UNROUTED_OPTIONS;
        return send_now(req, 200, JSON_TYPE, (char *)options_body, sizeof options_body - 1, true);
    }
    const struct endpoint *ep = find_endpoint(s, req->path);
    if (!ep) {
        req->unrouted = UNROUTED_NOT_FOUND;
        size_t len = 0;
        cps_buf b = {0};
        cps_api_error_detail d = {"Unknown Endpoint", __FILE__, __LINE__, __func__};
        const cps_api_exception_info *e = cps_api_exception_get(CPS_API_EXC_UNSPECIFIED);
        char *body = NULL;
        if (cps_api_error_json_custom(&b, 404, "Not Found", e->code, e->name, e->what, &d, 1) == 0)
            body = (char *)cps_buf_release(&b, &len);
        cps_buf_free(&b);
        return send_now(req, 404, JSON_TYPE, body, len, false);
    }
    req->ep = ep;
    if (s->stopping) return send_busy(req, "The server is shutting down");
    if (s->cfg.max_in_flight_requests >= 0) {
        pthread_mutex_lock(&s->lock);
        size_t in_flight = s->in_flight;
        pthread_mutex_unlock(&s->lock);
        if (in_flight > (size_t)s->cfg.max_in_flight_requests) {
            char what[96];
            snprintf(what, sizeof what, "Too many requests in flight: %zu", in_flight);
            return send_busy(req, what);
        }
    }
    enum MHD_Result sent = MHD_YES;
    if (check_params(req, &sent) != 0) return sent;

    if (ep->flags & CPS_API_ON_LOOP) {
        uint64_t now = cps_time_mono_ns();
        pthread_mutex_lock(&s->lock);
        if (s->stopping) {
            pthread_mutex_unlock(&s->lock);
            return send_busy(req, "The server is shutting down");
        }
        pthread_mutex_lock(&req->lock);
        req->deadline_ns = deadline_after(now, s->cfg.max_queue_time_ms);
        suspend_locked(s, req);
        pthread_mutex_unlock(&req->lock);
        atomic_fetch_add_explicit(&req->refs, 1, memory_order_relaxed); /* the handler's */
        req->queue_next = NULL;
        if (s->queue_tail)
            s->queue_tail->queue_next = req;
        else
            s->queue_head = req;
        s->queue_tail = req;
        s->queue_length++;
        cps_api_metric_set(s->m_queue_length, (double)s->queue_length);
        pthread_mutex_unlock(&s->lock);
        uv_async_send(s->async);
        return MHD_YES;
    }

    /* On this HTTP thread. */
    req->deadline_ns = deadline_after(cps_time_mono_ns(), endpoint_timeout_ms(s, ep));
    req->handler_started = true;
    atomic_fetch_add_explicit(&req->refs, 1, memory_order_relaxed); /* the handler's */
    ep->handler(req, ep->user);

    pthread_mutex_lock(&req->lock);
    bool done = req->state == REQ_DONE;
    pthread_mutex_unlock(&req->lock);
    if (done) return send_answer(req);

    /* The handler will answer later: suspend until it does (or time runs out). */
    pthread_mutex_lock(&s->lock);
    pthread_mutex_lock(&req->lock);
    if (req->state == REQ_DONE) {
        pthread_mutex_unlock(&req->lock);
        pthread_mutex_unlock(&s->lock);
        return send_answer(req);
    }
    if (s->stopping) {
        size_t len = 0;
        char *body = busy_body("The server is shutting down", &len);
        store_answer_locked(req, 503, JSON_TYPE, body, len, false);
        pthread_mutex_unlock(&req->lock);
        pthread_mutex_unlock(&s->lock);
        return send_answer(req);
    }
    suspend_locked(s, req);
    pthread_mutex_unlock(&req->lock);
    pthread_mutex_unlock(&s->lock);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    cps_api_server *s = cls;
    cps_api_request *req = *con_cls;
    if (!req) {
        /* Headers are in; a Content-Length over the limit is refused before the body is read
         * (and before "100 Continue" is sent to a client that asked for it). */
        req = request_new(s, conn, url, method);
        if (!req) return MHD_NO;
        *con_cls = req;
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && content_length_exceeds(length, s->cfg.max_body_size))
            return send_too_large(req);
        if (length) reserve_announced_body(req, length);
        return MHD_YES;
    }
    if (req->response_queued) {
        *upload_data_size = 0; /* an early answer was queued: the rest of the body is ignored */
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->body.size + n > s->cfg.max_body_size) {
            /* libmicrohttpd cannot queue an answer in the middle of a body (a chunked one, whose
             * size was not announced), and reading on could take forever: close, as nodeos
             * (Leap's body limit) does. */
            req->body_too_large = true;
            cps_api_metric_inc(s->m_unrouted[UNROUTED_TOO_LARGE]);
            cps_log_debug(LOG_MODULE, "%s: body over max-body-size, connection closed", req->path);
            return MHD_NO;
        }
        if (cps_write_bytes(&req->body, upload_data, n) != 0) return MHD_NO;
        return MHD_YES;
    }
    if (req->suspended) {
        /* Resumed: an answer is stored. */
        pthread_mutex_lock(&s->lock);
        req->suspended = false;
        s->suspended_count--;
        if (s->stopping) pthread_cond_broadcast(&s->drained);
        pthread_mutex_unlock(&s->lock);
        return send_answer(req);
    }
    return dispatch(s, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    cps_api_server *s = cls;
    cps_api_request *req = *con_cls;
    if (!req) return;
    *con_cls = NULL;
    pthread_mutex_lock(&s->lock);
    if (req->suspended) { /* the client went away while the answer was on its way */
        req->suspended = false;
        s->suspended_count--;
    }
    pending_unlink_locked(s, req);
    s->in_flight--;
    cps_api_metric_set(s->m_in_flight, (double)s->in_flight);
    if (s->stopping) pthread_cond_broadcast(&s->drained);
    pthread_mutex_unlock(&s->lock);
    request_unref(req);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = 0;
    cps_log_debug(LOG_MODULE, "libmicrohttpd: %s", text);
}

/* ==========================================================================================
 * The event loop side.
 * ========================================================================================== */

static void on_async(uv_async_t *handle)
{
    cps_api_server *s = handle->data;
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    cps_api_request *list = s->queue_head;
    s->queue_head = s->queue_tail = NULL;
    s->queue_length = 0;
    cps_api_metric_set(s->m_queue_length, 0);
    pthread_mutex_unlock(&s->lock);

    while (list) {
        cps_api_request *req = list;
        list = req->queue_next;
        req->queue_next = NULL;
        pthread_mutex_lock(&s->lock);
        pthread_mutex_lock(&req->lock);
        bool done = req->state == REQ_DONE;
        pthread_mutex_unlock(&req->lock);
        if (done) { /* answered while queued (queue time limit, stop) */
            pthread_mutex_unlock(&s->lock);
            request_unref(req);
            continue;
        }
        /* The handler's time starts now, not when the request arrived: a loop busy with a
         * block delays queries as it does in nodeos, bounded by max_queue_time_ms. */
        req->handler_started = true;
        req->deadline_ns = deadline_after(cps_time_mono_ns(), endpoint_timeout_ms(s, req->ep));
        if (req->deadline_ns < s->timer_next) pthread_cond_signal(&s->timer_wake);
        pthread_mutex_unlock(&s->lock);
        req->ep->handler(req, req->ep->user);
    }
}

/* ==========================================================================================
 * The timer thread: answers PENDING requests whose deadline passed.
 * ========================================================================================== */

static void expire_locked(cps_api_server *s, cps_api_request *req)
{
    size_t len = 0;
    char *body;
    unsigned status;
    if (!req->handler_started) {
        char what[128];
        snprintf(what, sizeof what,
                 "The request waited more than %lld ms for the node's event loop",
                 (long long)s->cfg.max_queue_time_ms);
        body = busy_body(what, &len);
        status = 503;
    } else {
        char message[128];
        int64_t ms = req->ep ? endpoint_timeout_ms(s, req->ep) : s->cfg.max_response_time_ms;
        snprintf(message, sizeof message, "%s exceeded the time limit of %lld ms", req->path,
                 (long long)ms);
        body =
            error_body(s, CPS_API_EXC_TIMEOUT, message, NULL, __FILE__, __LINE__, __func__, &len);
        status = cps_api_exception_get(CPS_API_EXC_TIMEOUT)->http_status;
    }
    cps_api_metric_inc(s->m_timeouts);
    finish_pending_locked(s, req, status, body, len);
}

static void *timer_main(void *arg)
{
    cps_api_server *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->timer_quit) {
        uint64_t now = cps_time_mono_ns(), next = UINT64_MAX;
        cps_api_request *req = s->pending;
        while (req) {
            cps_api_request *following = req->pending_next;
            if (req->deadline_ns <= now) {
                pthread_mutex_lock(&req->lock);
                bool pending = req->state == REQ_PENDING;
                pthread_mutex_unlock(&req->lock);
                /* A DONE one is being resumed by its answering thread: leave it alone. */
                if (pending) expire_locked(s, req);
            } else if (req->deadline_ns < next) {
                next = req->deadline_ns;
            }
            req = following;
        }
        s->timer_next = next;
        if (next == UINT64_MAX) {
            pthread_cond_wait(&s->timer_wake, &s->lock);
        } else {
            struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
            pthread_cond_timedwait(&s->timer_wake, &s->lock, &ts);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ==========================================================================================
 * Built-in endpoints.
 * ========================================================================================== */

static void handle_supported_apis(cps_api_request *req, void *user)
{
    cps_api_server *s = user;
    cps_api_respond_copy(req, 200, JSON_TYPE, s->supported_apis_json, s->supported_apis_len);
}

static void handle_metrics(cps_api_request *req, void *user)
{
    cps_api_server *s = user;
    cps_buf b = {0};
    if (cps_api_metrics_render(s->metrics, &b) != 0) {
        cps_buf_free(&b);
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_UNSPECIFIED, "out of memory rendering metrics");
        return;
    }
    size_t len;
    char *body = (char *)cps_buf_release(&b, &len);
    cps_api_respond_take(req, 200, METRICS_TYPE, body, len);
}

/* ==========================================================================================
 * Lifecycle.
 * ========================================================================================== */

int cps_api_server_create(const cps_api_config *cfg, struct uv_loop_s *loop, cps_api_server **out)
{
    if (!cfg || !out) return cps_fail(CPS_ERR_INVALID_ARG, "cps_api_server_create: NULL argument");
    if (cfg->http_threads == 0)
        return cps_fail(CPS_ERR_INVALID_ARG, "http-threads %u must be greater than 0",
                        cfg->http_threads);
    if (!cfg->http_server_address || !*cfg->http_server_address)
        return cps_fail(CPS_ERR_INVALID_ARG, "http-server-address is empty");
    cps_api_server *s = calloc(1, sizeof *s);
    if (!s) return cps_fail(CPS_ERR_NOMEM, "server");
    s->cfg = *cfg;
    s->listen_fd = -1;
    s->timer_next = UINT64_MAX;
    bool failed = false;
    s->cfg.http_server_address = s->address = copy_or_null(cfg->http_server_address, &failed);
    s->cfg.access_control_allow_origin = s->cors_origin =
        copy_or_null(cfg->access_control_allow_origin, &failed);
    s->cfg.access_control_allow_headers = s->cors_headers =
        copy_or_null(cfg->access_control_allow_headers, &failed);
    s->cfg.access_control_max_age = s->cors_max_age =
        copy_or_null(cfg->access_control_max_age, &failed);
    s->cfg.http_alias = s->aliases = copy_or_null(cfg->http_alias, &failed);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->drained, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* deadlines are cps_time_mono_ns */
    pthread_cond_init(&s->timer_wake, &attr);
    pthread_condattr_destroy(&attr);
    int rc = 0;
    if (failed) {
        rc = cps_fail(CPS_ERR_NOMEM, "server configuration");
        goto fail;
    }
    if (cfg->metrics) {
        s->metrics = cfg->metrics;
    } else {
        if ((rc = cps_api_metrics_create(&s->metrics))) goto fail;
        s->owns_metrics = true;
    }
    if ((rc = cps_api_metrics_gauge(s->metrics, "cps_http_requests_in_flight",
                                    "HTTP requests received and not yet answered.", NULL,
                                    &s->m_in_flight)) ||
        (rc = cps_api_metrics_gauge(s->metrics, "cps_http_loop_queue_length",
                                    "Requests waiting for the node's event loop.", NULL,
                                    &s->m_queue_length)) ||
        (rc = cps_api_metrics_counter(s->metrics, "cps_http_timeouts_total",
                                      "Requests answered by the server because time ran out.", NULL,
                                      &s->m_timeouts)))
        goto fail;
    for (int i = 1; i < UNROUTED_COUNT_; i++)
        if ((rc = cps_api_metrics_counter(
                 s->metrics, "cps_http_unrouted_requests_total",
                 "Requests answered before reaching an endpoint, by reason.",
                 (const char *[]){"reason", unrouted_names[i], NULL}, &s->m_unrouted[i])))
            goto fail;
    if (loop) {
        s->loop = loop;
        s->async = malloc(sizeof *s->async);
        if (!s->async) {
            rc = cps_fail(CPS_ERR_NOMEM, "uv_async_t");
            goto fail;
        }
        int uv_rc = uv_async_init(loop, s->async, on_async);
        if (uv_rc) {
            free(s->async);
            s->async = NULL;
            rc = cps_fail(CPS_ERR_IO, "uv_async_init: %s", uv_strerror(uv_rc));
            goto fail;
        }
        s->async->data = s;
    }
    cps_api_endpoint builtin[] = {
        {SUPPORTED_APIS_PATH, handle_supported_apis, s, CPS_API_PARAMS_RAW, 0},
        {METRICS_PATH, handle_metrics, s, CPS_API_PARAMS_RAW, 0},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(builtin); i++)
        if ((rc = cps_api_server_add(s, &builtin[i]))) goto fail;
    *out = s;
    return 0;
fail:
    cps_api_server_destroy(s);
    return rc;
}

int cps_api_server_add(cps_api_server *s, const cps_api_endpoint *ep)
{
    if (!s || !ep || !ep->path || !ep->handler)
        return cps_fail(CPS_ERR_INVALID_ARG, "cps_api_server_add: NULL argument");
    if (s->started) return cps_fail(CPS_ERR_STATE, "endpoint %s added after start", ep->path);
    if (ep->path[0] != '/')
        return cps_fail(CPS_ERR_INVALID_ARG, "path %s must start with /", ep->path);
    if ((ep->flags & CPS_API_ON_LOOP) && !s->loop)
        return cps_fail(CPS_ERR_INVALID_ARG, "endpoint %s runs on the loop, but there is none",
                        ep->path);
    unsigned params =
        ep->flags & (CPS_API_PARAMS_NONE | CPS_API_PARAMS_OPTIONAL | CPS_API_PARAMS_RAW |
                     CPS_API_PARAMS_LAZY);
    if (params & (params - 1))
        return cps_fail(CPS_ERR_INVALID_ARG, "endpoint %s: at most one CPS_API_PARAMS_* flag",
                        ep->path);
    if (ep->timeout_ms < CPS_API_TIMEOUT_NONE)
        return cps_fail(CPS_ERR_INVALID_ARG, "endpoint %s: timeout %lld ms", ep->path,
                        (long long)ep->timeout_ms);
    for (size_t i = 0; i < s->n_endpoints; i++)
        if (strcmp(s->endpoints[i].path, ep->path) == 0)
            return cps_fail(CPS_ERR_EXISTS, "endpoint %s is already registered", ep->path);
    if (s->n_endpoints == s->cap_endpoints) {
        size_t cap = s->cap_endpoints ? s->cap_endpoints * 2 : 16;
        struct endpoint *grown = realloc(s->endpoints, cap * sizeof *grown);
        if (!grown) return cps_fail(CPS_ERR_NOMEM, "endpoint table");
        s->endpoints = grown;
        s->cap_endpoints = cap;
    }
    struct endpoint *e = &s->endpoints[s->n_endpoints];
    memset(e, 0, sizeof *e);
    e->path = strdup(ep->path);
    if (!e->path) return cps_fail(CPS_ERR_NOMEM, "endpoint path");
    e->handler = ep->handler;
    e->user = ep->user;
    e->flags = ep->flags;
    e->timeout_ms = ep->timeout_ms;
    for (size_t i = 0; i < CPS_ARRAY_LEN(e->by_class); i++)
        atomic_init(&e->by_class[i], NULL);
    s->n_endpoints++;
    return 0;
}

/* Parses http-server-address and opens a listening socket on it. */
static int open_listener(cps_api_server *s, bool *ipv6)
{
    const char *address = s->cfg.http_server_address;
    char host[256], port[16];
    const char *colon;
    if (address[0] == '[') {
        const char *close = strchr(address, ']');
        if (!close || close[1] != ':')
            return cps_fail(CPS_ERR_INVALID_ARG, "http-server-address \"%s\": expected [v6]:port",
                            address);
        size_t n = (size_t)(close - address - 1);
        if (n >= sizeof host)
            return cps_fail(CPS_ERR_INVALID_ARG, "host too long in \"%s\"", address);
        memcpy(host, address + 1, n);
        host[n] = 0;
        colon = close + 1;
    } else {
        colon = strrchr(address, ':');
        if (!colon)
            return cps_fail(CPS_ERR_INVALID_ARG, "http-server-address \"%s\": expected host:port",
                            address);
        size_t n = (size_t)(colon - address);
        if (n >= sizeof host)
            return cps_fail(CPS_ERR_INVALID_ARG, "host too long in \"%s\"", address);
        memcpy(host, address, n);
        host[n] = 0;
    }
    const char *port_text = colon + 1;
    size_t port_len = strlen(port_text);
    if (port_len == 0 || port_len > 5 || strspn(port_text, "0123456789") != port_len ||
        atoi(port_text) > 65535)
        return cps_fail(CPS_ERR_INVALID_ARG, "http-server-address \"%s\": bad port", address);
    memcpy(port, port_text, port_len + 1);

    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_family = host[0] ? AF_UNSPEC : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &found);
    if (gai != 0)
        return cps_fail(CPS_ERR_IO, "http-server-address \"%s\": %s", address, gai_strerror(gai));
    int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
    if (fd < 0) {
        freeaddrinfo(found);
        return cps_fail(CPS_ERR_IO, "socket: %s", strerror(errno));
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        int err = errno;
        close(fd);
        freeaddrinfo(found);
        return cps_fail(CPS_ERR_IO, "cannot listen on %s: %s", address, strerror(err));
    }
    *ipv6 = found->ai_family == AF_INET6;
    freeaddrinfo(found);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);

    struct sockaddr_storage bound;
    socklen_t bound_len = sizeof bound;
    char ip[INET6_ADDRSTRLEN] = "";
    if (getsockname(fd, (struct sockaddr *)&bound, &bound_len) == 0) {
        if (bound.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&bound;
            s->port = ntohs(a->sin_port);
            inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        } else if (bound.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&bound;
            s->port = ntohs(a->sin6_port);
            inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        }
    }
    char self[INET6_ADDRSTRLEN + 16];
    snprintf(self, sizeof self, *ipv6 ? "[%s]:%u" : "%s:%u", ip, s->port);
    s->self_host = strdup(self);
    s->listen_fd = fd;
    return 0;
}

/* {"apis":[...]}: every endpoint but get_supported_apis itself, in path order (nodeos walks a
 * std::map of its handlers). */
static int build_supported_apis(cps_api_server *s)
{
    cps_buf b = {0};
    cps_write_bytes(&b, "{\"apis\":[", 9);
    bool first = true;
    for (size_t i = 0; i < s->n_endpoints; i++) {
        if (strcmp(s->endpoints[i].path, SUPPORTED_APIS_PATH) == 0) continue;
        if (!first) cps_write_u8(&b, ',');
        first = false;
        cps_json_quote(&b, s->endpoints[i].path, strlen(s->endpoints[i].path));
    }
    cps_write_bytes(&b, "]}", 2);
    if (b.failed) {
        cps_buf_free(&b);
        return cps_fail(CPS_ERR_NOMEM, "supported apis");
    }
    s->supported_apis_json = (char *)cps_buf_release(&b, &s->supported_apis_len);
    return 0;
}

int cps_api_server_start(cps_api_server *s)
{
    if (!s) return cps_fail(CPS_ERR_INVALID_ARG, "cps_api_server_start: NULL server");
    if (s->started) return cps_fail(CPS_ERR_STATE, "server already started");
    qsort(s->endpoints, s->n_endpoints, sizeof *s->endpoints, compare_endpoints);
    int rc;
    for (size_t i = 0; i < s->n_endpoints; i++) {
        if (s->endpoints[i].latency) continue;
        if ((rc = cps_api_metrics_histogram(
                 s->metrics, "cps_http_request_duration_seconds",
                 "Time from a request's arrival to its answer, by endpoint.",
                 (const char *[]){"endpoint", s->endpoints[i].path, NULL}, NULL, 0,
                 &s->endpoints[i].latency)))
            return rc;
    }
    free(s->supported_apis_json);
    s->supported_apis_json = NULL;
    if ((rc = build_supported_apis(s))) return rc;
    bool ipv6 = false;
    if ((rc = open_listener(s, &ipv6))) return rc;

    s->timer_quit = false;
    if (pthread_create(&s->timer_thread, NULL, timer_main, s) != 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
        return cps_fail(CPS_ERR_IO, "cannot start the HTTP timer thread");
    }
    s->timer_running = true;

    /* poll(), not epoll: libmicrohttpd 0.9.75's edge-triggered epoll misses a FIN that arrives
     * with the request, so a client that half-closes after sending never sees the connection
     * close (until the idle timeout). Each pool thread polls only its own connections. */
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (ipv6) flags |= MHD_USE_IPv6;
    struct MHD_OptionItem pool[] = {
        {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->cfg.http_threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    if (s->cfg.http_threads < 2) pool[0].option = MHD_OPTION_END;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
                                 on_mhd_log, s, MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.max_connections,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.idle_timeout_s,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_ARRAY,
                                 pool, MHD_OPTION_END);
    if (!s->daemon) {
        pthread_mutex_lock(&s->lock);
        s->timer_quit = true;
        pthread_cond_signal(&s->timer_wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->timer_thread, NULL);
        s->timer_running = false;
        close(s->listen_fd);
        s->listen_fd = -1;
        return cps_fail(CPS_ERR_IO, "libmicrohttpd failed to start on %s",
                        s->cfg.http_server_address);
    }
    s->started = true;
    cps_log_info(LOG_MODULE, "listening on %s (port %u, %u threads)", s->cfg.http_server_address,
                 s->port, s->cfg.http_threads);
    return 0;
}

uint16_t cps_api_server_port(const cps_api_server *s)
{
    return s ? s->port : 0;
}

cps_api_metrics *cps_api_server_metrics(cps_api_server *s)
{
    return s ? s->metrics : NULL;
}

void cps_api_server_stop(cps_api_server *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    if (!s->started || s->stopping) {
        pthread_mutex_unlock(&s->lock);
        return;
    }
    s->stopping = true;
    pthread_mutex_unlock(&s->lock);

    /* No new connections; the listening socket comes back to us to close. */
    MHD_socket returned = MHD_quiesce_daemon(s->daemon);
    if (returned != MHD_INVALID_SOCKET) {
        close(returned);
        s->listen_fd = -1;
    }

    pthread_mutex_lock(&s->lock);
    cps_api_request *queued = s->queue_head;
    s->queue_head = s->queue_tail = NULL;
    s->queue_length = 0;
    cps_api_metric_set(s->m_queue_length, 0);
    while (s->pending) {
        cps_api_request *req = s->pending;
        size_t len = 0;
        char *body = busy_body("The server is shutting down", &len);
        pthread_mutex_lock(&req->lock);
        bool pending = req->state == REQ_PENDING;
        pthread_mutex_unlock(&req->lock);
        if (pending) {
            finish_pending_locked(s, req, 503, body, len);
        } else {
            /* Its answering thread is about to unlink and resume it; wait for that. */
            free(body);
            pending_unlink_locked(s, req);
        }
    }
    s->timer_quit = true;
    pthread_cond_signal(&s->timer_wake);
    pthread_mutex_unlock(&s->lock);
    while (queued) { /* the loop will not see these: drop the handler references they held */
        cps_api_request *next = queued->queue_next;
        queued->queue_next = NULL;
        request_unref(queued);
        queued = next;
    }
    if (s->timer_running) {
        pthread_join(s->timer_thread, NULL);
        s->timer_running = false;
    }

    /* Every suspended connection must be resumed and seen again by libmicrohttpd before the
     * daemon stops (stopping with suspended connections is undefined). Answers already on their
     * way get the grace period to reach their clients. */
    pthread_mutex_lock(&s->lock);
    while (s->suspended_count > 0)
        pthread_cond_wait(&s->drained, &s->lock);
    pthread_mutex_unlock(&s->lock);
    uint64_t grace_end = cps_time_mono_ns() + (uint64_t)s->cfg.shutdown_grace_ms * 1000000u;
    pthread_mutex_lock(&s->lock);
    while (s->in_flight > 0 && cps_time_mono_ns() < grace_end) {
        /* drained uses the realtime clock; wait in short slices against the monotonic end */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->drained, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    s->listen_fd = -1; /* closed above, or by MHD_stop_daemon if quiescing failed */
    cps_log_info(LOG_MODULE, "stopped listening on %s", s->cfg.http_server_address);
}

static void free_async(uv_handle_t *handle)
{
    free(handle);
}

void cps_api_server_destroy(cps_api_server *s)
{
    if (!s) return;
    cps_api_server_stop(s);
    if (s->async) {
        s->async->data = NULL;
        uv_close((uv_handle_t *)s->async, free_async);
        s->async = NULL;
    }
    for (size_t i = 0; i < s->n_endpoints; i++)
        free(s->endpoints[i].path);
    free(s->endpoints);
    if (s->owns_metrics) cps_api_metrics_destroy(s->metrics);
    free(s->address);
    free(s->cors_origin);
    free(s->cors_headers);
    free(s->cors_max_age);
    free(s->aliases);
    free(s->self_host);
    free(s->supported_apis_json);
    pthread_cond_destroy(&s->timer_wake);
    pthread_cond_destroy(&s->drained);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
