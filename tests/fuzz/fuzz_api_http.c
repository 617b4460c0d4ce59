/* libFuzzer target for the HTTP server: each input is written raw to a fresh connection of a
 * real server (endpoints on HTTP threads, on a libuv loop, answered by a worker, timing out),
 * and every answer read back must be well-formed: a status line, and for a JSON error the nodeos
 * shape. The server must keep serving: a well-formed request is checked now and then. */
#include "api/api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_api_http: %s failed at line %d\n", #cond, __LINE__);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static uint16_t port;
static uv_loop_t loop;

static void h_echo(cps_api_request *req, void *user)
{
    (void)user;
    json_t *params = cps_api_request_params(req);
    if (params)
        cps_api_respond_json(req, 200, json_pack("{s:O}", "got", params));
    else
        cps_api_respond_copy(req, 200, NULL, "{}", 2);
}

static void h_error(cps_api_request *req, void *user)
{
    (void)user;
    cps_bytes b = cps_api_request_body(req);
    CPS_API_RESPOND_ERROR(req, b.size % 2 ? CPS_ERR_TX_DUPLICATE : CPS_ERR_NOMEM, NULL);
}

static void *late_answer(void *arg)
{
    usleep(20 * 1000);
    cps_api_respond_copy(arg, 200, NULL, "{}", 2);
    return NULL;
}

static void h_late(cps_api_request *req, void *user)
{
    (void)user;
    pthread_t t;
    if (pthread_create(&t, NULL, late_answer, req) != 0) {
        cps_api_respond_copy(req, 200, NULL, "{}", 2);
        return;
    }
    pthread_detach(t);
}

static void *loop_main(void *arg)
{
    (void)arg;
    uv_run(&loop, UV_RUN_DEFAULT);
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cps_log_set_level(CPS_LOG_OFF);
    uv_loop_init(&loop);
    cps_api_config cfg;
    cps_api_config_defaults(&cfg);
    cfg.http_server_address = "127.0.0.1:0";
    cfg.max_body_size = 4096;
    cfg.idle_timeout_s = 2;
    cfg.access_control_allow_origin = "*";
    cfg.http_alias = "fuzz:1,fuzz";
    cfg.verbose_http_errors = true;
    cps_api_server *s;
    cps_api_endpoint eps[] = {
        {"/e", h_echo, NULL, 0, 0},
        {"/n", h_echo, NULL, CPS_API_PARAMS_NONE, 0},
        {"/o", h_echo, NULL, CPS_API_PARAMS_OPTIONAL, 0},
        {"/r", h_echo, NULL, CPS_API_PARAMS_RAW, 0},
        {"/l", h_echo, NULL, CPS_API_ON_LOOP, 0},
        {"/x", h_error, NULL, CPS_API_PARAMS_RAW | CPS_API_ON_LOOP, 0},
        {"/t", h_late, NULL, CPS_API_PARAMS_RAW, 5},
    };
    REQUIRE(cps_api_server_create(&cfg, &loop, &s) == 0);
    for (size_t i = 0; i < CPS_ARRAY_LEN(eps); i++)
        REQUIRE(cps_api_server_add(s, &eps[i]) == 0);
    REQUIRE(cps_api_server_start(s) == 0);
    port = cps_api_server_port(s);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, loop_main, NULL) == 0);
    pthread_detach(t);
    /* The server lives as long as the process: libFuzzer exits without returning here. */
    return 0;
}

/* Sends `data`, half-closes, and reads everything the server says until it closes. */
static size_t exchange(const uint8_t *data, size_t size, char *out, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    struct linger no_time_wait = {1, 0}; /* thousands of connections: leave no TIME_WAIT */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_time_wait, sizeof no_time_wait);
    size_t sent = 0;
    while (sent < size) {
        ssize_t w = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
        if (w <= 0) break; /* the server may close first (e.g. after a 413) */
        sent += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    size_t have = 0;
    /* The server must answer or close within its idle timeout (2 s). libFuzzer's -timeout
     * alarm interrupts poll(), so the wait is measured against the clock. */
    uint64_t give_up = cps_time_mono_ns() + 4000000000u;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 100);
        if (r < 0 && errno != EINTR) REQUIRE(!"poll failed");
        if (r <= 0) {
            REQUIRE(cps_time_mono_ns() < give_up);
            continue;
        }
        ssize_t n = recv(fd, out + have, cap - have - 1, 0);
        if (n <= 0) break;
        have += (size_t)n;
        if (have >= cap - 1) break;
    }
    out[have] = 0;
    close(fd);
    return have;
}

/* Checks every complete response in the stream. */
static void check_responses(char *text, size_t n)
{
    char *p = text, *end = text + n;
    while (p < end) {
        char *head_end = strstr(p, "\r\n\r\n");
        if (!head_end) return;
        int status = 0;
        REQUIRE(sscanf(p, "HTTP/1.%*d %d", &status) == 1);
        REQUIRE(status >= 100 && status < 600);
        *head_end = 0;
        char *cl = strstr(p, "\r\nContent-Length: ");
        bool json = strstr(p, "\r\nContent-Type: application/json") != NULL;
        size_t len = cl ? strtoul(cl + 18, NULL, 10) : 0;
        char *body = head_end + 4;
        if (!cl || (size_t)(end - body) < len) return;
        if (json && len) {
            json_t *j = json_loadb(body, len, 0, NULL);
            REQUIRE(j != NULL);
            if (status >= 400) {
                REQUIRE(json_integer_value(json_object_get(j, "code")) == status);
                json_t *e = json_object_get(j, "error");
                REQUIRE(json_is_object(e));
                REQUIRE(json_is_integer(json_object_get(e, "code")));
                REQUIRE(json_is_string(json_object_get(e, "name")));
                REQUIRE(json_is_array(json_object_get(e, "details")));
            }
            json_decref(j);
        }
        p = body + len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char out[1 << 16];
    static unsigned runs;
    size_t n = exchange(data, size, out, sizeof out);
    check_responses(out, n);
    if (++runs % 128 == 0) {
        static const char probe[] = "POST /e HTTP/1.1\r\nHost: fuzz\r\nContent-Length: 7\r\n\r\n"
                                    "{\"a\":1}";
        n = exchange((const uint8_t *)probe, sizeof probe - 1, out, sizeof out);
        REQUIRE(n > 12 && strncmp(out, "HTTP/1.1 200", 12) == 0);
    }
    return 0;
}
