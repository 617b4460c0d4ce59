/* bench/api: requests per second for a trivial endpoint over keep-alive connections — answered
 * on an HTTP thread, and handed to a libuv loop — beside a baseline in the same process: a plain
 * thread-per-connection loopback server that answers the same request bytes with the same
 * response bytes (captured from the real server), so the ratio is the cost of the HTTP stack,
 * routing and hand-off. About 10 s. */
#include "api/api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define SECONDS_PER_FIGURE 0.5
#define ROUNDS 2

static const char info_body[] = "{\"server_version\":\"cps\",\"head_block_num\":12345}";

static void h_info(cps_api_request *req, void *user)
{
    (void)user;
    cps_api_respond_copy(req, 200, NULL, info_body, sizeof info_body - 1);
}

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one response (headers + Content-Length body) into buf; returns its size or -1. */
static ssize_t read_response(int fd, char *buf, size_t cap)
{
    size_t have = 0;
    for (;;) {
        ssize_t r = recv(fd, buf + have, cap - have - 1, 0);
        if (r <= 0) return -1;
        have += (size_t)r;
        buf[have] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (!end) continue;
        char *cl = strstr(buf, "\r\nContent-Length:"); /* libmicrohttpd's spelling */
        if (!cl || cl > end) return -1;
        size_t total = (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
        if (have >= total) return (ssize_t)total;
    }
}

/* ---- the baseline: same bytes, no HTTP stack ------------------------------------------ */

static char canned_response[1024];
static size_t canned_len, request_len;
static int baseline_listen_fd;
static uint16_t baseline_port;

static void *baseline_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buf[4096];
    size_t have = 0;
    for (;;) {
        ssize_t r = recv(fd, buf + have, sizeof buf - have, 0);
        if (r <= 0) break;
        have += (size_t)r;
        while (have >= request_len) {
            if (write_all(fd, canned_response, canned_len) != 0) goto out;
            memmove(buf, buf + request_len, have - request_len);
            have -= request_len;
        }
    }
out:
    close(fd);
    return NULL;
}

static void *baseline_accept(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(baseline_listen_fd, NULL, NULL);
        if (fd < 0) return NULL;
        pthread_t t;
        pthread_create(&t, NULL, baseline_conn, (void *)(intptr_t)fd);
        pthread_detach(t);
    }
}

static void start_baseline(void)
{
    baseline_listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(baseline_listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(baseline_listen_fd, 64) != 0 ||
        getsockname(baseline_listen_fd, (struct sockaddr *)&a, &len) != 0) {
        perror("baseline");
        exit(1);
    }
    baseline_port = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, baseline_accept, NULL);
    pthread_detach(t);
}

/* ---- clients ------------------------------------------------------------------------ */

struct client {
    uint16_t port;
    const char *request;
    double seconds;
    long done;
};

static void *client_main(void *p)
{
    struct client *c = p;
    int fd = connect_to(c->port);
    char buf[4096];
    uint64_t end = cps_time_mono_ns() + (uint64_t)(c->seconds * 1e9);
    c->done = 0;
    while (cps_time_mono_ns() < end) {
        for (int k = 0; k < 16; k++) {
            if (write_all(fd, c->request, request_len) != 0 ||
                read_response(fd, buf, sizeof buf) < 0) {
                fprintf(stderr, "bench: request failed\n");
                exit(1);
            }
            c->done++;
        }
    }
    close(fd);
    return NULL;
}

/* Requests per second from `n` client threads, one keep-alive connection each. */
static double measure(uint16_t port, const char *request, int n)
{
    pthread_t t[8];
    struct client c[8];
    uint64_t start = cps_time_mono_ns();
    for (int i = 0; i < n; i++) {
        c[i] = (struct client){port, request, SECONDS_PER_FIGURE, 0};
        pthread_create(&t[i], NULL, client_main, &c[i]);
    }
    long total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        total += c[i].done;
    }
    return (double)total / ((double)(cps_time_mono_ns() - start) / 1e9);
}

/* The machine is shared: figure and baseline alternate, and the best of each is kept. */
static void pair(const char *label, uint16_t port, const char *request, int n)
{
    double ours = 0, base = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double a = measure(port, request, n), b = measure(baseline_port, request, n);
        if (a > ours) ours = a;
        if (b > base) base = b;
    }
    printf("%-44s %9.0f req/s   baseline %9.0f req/s   ratio %.2f\n", label, ours, base,
           ours / base);
}

static void *loop_main(void *arg)
{
    uv_run(arg, UV_RUN_DEFAULT);
    return NULL;
}

static void close_on_loop(uv_async_t *h)
{
    cps_api_server_destroy(h->data);
    uv_close((uv_handle_t *)h, NULL);
}

int main(void)
{
    cps_log_set_level(CPS_LOG_WARN);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_async_t stopper;
    uv_async_init(&loop, &stopper, close_on_loop);

    cps_api_config cfg;
    cps_api_config_defaults(&cfg);
    cfg.http_server_address = "127.0.0.1:0";
    cps_api_server *s;
    cps_api_endpoint http_ep = {"/v1/chain/get_info", h_info, NULL, CPS_API_PARAMS_NONE, 0};
    cps_api_endpoint loop_ep = {"/v1/chain/get_info_loop", h_info, NULL,
                                CPS_API_PARAMS_NONE | CPS_API_ON_LOOP, 0};
    if (cps_api_server_create(&cfg, &loop, &s) || cps_api_server_add(s, &http_ep) ||
        cps_api_server_add(s, &loop_ep) || cps_api_server_start(s)) {
        fprintf(stderr, "bench: %s\n", cps_last_error());
        return 1;
    }
    stopper.data = s;
    pthread_t loop_thread;
    pthread_create(&loop_thread, NULL, loop_main, &loop);
    uint16_t port = cps_api_server_port(s);

    /* eosjs's get_info: POST with the body "{}". Both requests have the same length, so the
     * baseline (which counts request bytes) serves either. */
    char req_http[256], req_loop[256];
    snprintf(req_http, sizeof req_http,
             "POST /v1/chain/get_info HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Length: 2\r\n"
             "X-Pad: 123456\r\n\r\n{}",
             port);
    snprintf(req_loop, sizeof req_loop,
             "POST /v1/chain/get_info_loop HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Length: "
             "2\r\nX-Pad: 1\r\n\r\n{}",
             port);
    request_len = strlen(req_http);
    if (strlen(req_loop) != request_len) {
        fprintf(stderr, "bench: request lengths differ\n");
        return 1;
    }
    int fd = connect_to(port);
    if (write_all(fd, req_http, request_len) != 0) return 1;
    ssize_t n = read_response(fd, canned_response, sizeof canned_response);
    close(fd);
    if (n <= 0 || strncmp(canned_response, "HTTP/1.1 200", 12) != 0) {
        fprintf(stderr, "bench: unexpected first response\n");
        return 1;
    }
    canned_len = (size_t)n;
    start_baseline();

    printf("api: trivial endpoint, %zu-byte request, %zu-byte response, %u HTTP threads\n",
           request_len, canned_len, cfg.http_threads);
    pair("HTTP-thread endpoint, 1 connection", port, req_http, 1);
    pair("HTTP-thread endpoint, 4 connections", port, req_http, 4);
    pair("loop endpoint (uv_async hand-off), 1 conn", port, req_loop, 1);
    pair("loop endpoint (uv_async hand-off), 4 conns", port, req_loop, 4);

    uv_async_send(&stopper);
    pthread_join(loop_thread, NULL);
    uv_loop_close(&loop);
    shutdown(baseline_listen_fd, SHUT_RDWR);
    close(baseline_listen_fd);
    return 0;
}
