/* The HTTP server end to end: a real server on 127.0.0.1 (ephemeral port) with test endpoints on
 * the HTTP threads and on a libuv loop running in a test thread, driven by a raw-socket client:
 * routing, nodeos error bodies, limits, asynchronous answers, time limits, CORS, Host checks,
 * /metrics, concurrency, hostile clients and graceful shutdown. */
#include "api/api.h"
#include "test.h"
#include "api/http_client.h"

#include <pthread.h>
#include <stdatomic.h>
#include <uv.h>

/* ---- fixture: a server, its loop thread and a way to run code on that loop --------------- */

typedef struct fixture {
    uv_loop_t loop;
    uv_async_t control;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    void (*call)(struct fixture *, void *);
    void *call_arg;
    bool call_done;
    cps_api_server *server;
    uint16_t port;
    char host[32];
} fixture;

static _Atomic(pthread_t) loop_thread_id; /* read by handlers on other threads */

static void on_control(uv_async_t *h)
{
    fixture *fx = h->data;
    pthread_mutex_lock(&fx->lock);
    void (*call)(fixture *, void *) = fx->call;
    void *arg = fx->call_arg;
    fx->call = NULL;
    pthread_mutex_unlock(&fx->lock);
    if (!call) return;
    call(fx, arg);
    pthread_mutex_lock(&fx->lock);
    fx->call_done = true;
    pthread_cond_broadcast(&fx->cond);
    pthread_mutex_unlock(&fx->lock);
}

static void *loop_main(void *arg)
{
    fixture *fx = arg;
    loop_thread_id = pthread_self();
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* Runs call(fx, arg) on the loop thread and waits for it. */
static void on_loop(fixture *fx, void (*call)(fixture *, void *), void *arg)
{
    pthread_mutex_lock(&fx->lock);
    fx->call = call;
    fx->call_arg = arg;
    fx->call_done = false;
    pthread_mutex_unlock(&fx->lock);
    uv_async_send(&fx->control);
    pthread_mutex_lock(&fx->lock);
    while (!fx->call_done)
        pthread_cond_wait(&fx->cond, &fx->lock);
    pthread_mutex_unlock(&fx->lock);
}

/* ---- test endpoints ----------------------------------------------------------------------- */

static void h_echo(cps_api_request *req, void *user)
{
    (void)user;
    json_t *o = json_pack("{s:s,s:O,s:b}", "method", cps_api_request_method(req), "got",
                          cps_api_request_params(req), "on_loop",
                          pthread_equal(pthread_self(), loop_thread_id));
    cps_api_respond_json(req, 200, o);
}

static void h_raw(cps_api_request *req, void *user)
{
    (void)user;
    cps_bytes b = cps_api_request_body(req);
    json_t *o = json_pack("{s:I,s:b}", "length", (json_int_t)b.size, "params_null",
                          cps_api_request_params(req) == NULL);
    cps_api_respond_json(req, 200, o);
}

/* CPS_API_PARAMS_LAZY: a body starting with "fast" is answered without a JSON tree; any other
 * is parsed on demand. */
static void h_lazy(cps_api_request *req, void *user)
{
    (void)user;
    cps_bytes b = cps_api_request_body(req);
    bool unparsed = cps_api_request_params(req) == NULL;
    if (b.size >= 4 && memcmp(b.data, "fast", 4) == 0) {
        cps_api_respond_json(req, 200, json_pack("{s:b,s:b}", "fast", 1, "unparsed", unparsed));
        return;
    }
    json_t *params = cps_api_request_parse_params(req);
    if (!params) return; /* answered: not JSON */
    cps_api_respond_json(req, 200, json_pack("{s:O,s:b,s:b}", "got", params, "unparsed", unparsed,
                                             "same", params == cps_api_request_params(req)));
}

static void h_dup(cps_api_request *req, void *user)
{
    (void)user;
    CPS_API_RESPOND_ERROR(req, CPS_ERR_TX_DUPLICATE, "duplicate transaction 0123abcd");
}

static void h_assert(cps_api_request *req, void *user)
{
    (void)user;
    CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_EOSIO_ASSERT_MESSAGE,
                              "assertion failure with message: %s", "overdrawn balance");
}

static void h_last_error(cps_api_request *req, void *user)
{
    (void)user;
    cps_fail(CPS_ERR_AUTH, "transaction declares authority alice@active but has no signature");
    CPS_API_RESPOND_ERROR(req, CPS_ERR_AUTH, NULL);
}

/* Requests held back by handlers, answered (or released) by the test. */
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static cps_api_request *held[64];
static int n_held;

static void hold(cps_api_request *req)
{
    pthread_mutex_lock(&held_lock);
    held[n_held++] = req;
    pthread_mutex_unlock(&held_lock);
}

static cps_api_request *take_held(void)
{
    pthread_mutex_lock(&held_lock);
    cps_api_request *r = n_held ? held[--n_held] : NULL;
    pthread_mutex_unlock(&held_lock);
    return r;
}

static void wait_held(int n)
{
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&held_lock);
        int have = n_held;
        pthread_mutex_unlock(&held_lock);
        if (have >= n) return;
        usleep(2000);
    }
}

static void h_hold(cps_api_request *req, void *user)
{
    (void)user;
    hold(req);
}

/* Answers from a uv timer 20 ms later, on the loop. */
static void later_fire(uv_timer_t *t)
{
    cps_api_request *req = t->data;
    json_t *o = json_pack("{s:b}", "later", pthread_equal(pthread_self(), loop_thread_id));
    cps_api_respond_json(req, 202, o);
    uv_close((uv_handle_t *)t, (uv_close_cb)free);
}

static void h_later(cps_api_request *req, void *user)
{
    uv_loop_t *loop = user;
    uv_timer_t *t = malloc(sizeof *t);
    uv_timer_init(loop, t);
    t->data = req;
    uv_timer_start(t, later_fire, 20, 0);
}

/* Hands the request to a worker thread that answers after 10 ms. */
static void *worker_main(void *arg)
{
    usleep(10000);
    cps_api_respond_json(arg, 200, json_pack("{s:s}", "from", "worker"));
    return NULL;
}

static void h_worker(cps_api_request *req, void *user)
{
    (void)user;
    pthread_t t;
    pthread_create(&t, NULL, worker_main, req);
    pthread_detach(t);
}

/* Blocks the loop (for the queue time limit test). */
static void h_block_loop(cps_api_request *req, void *user)
{
    (void)user;
    usleep(300 * 1000);
    cps_api_respond_json(req, 200, json_object());
}

/* Reports how much of its time limit is left, in milliseconds (-1: no limit). */
static void h_deadline(cps_api_request *req, void *user)
{
    (void)user;
    uint64_t deadline = cps_api_request_deadline_ns(req), now = cps_time_mono_ns();
    long long left = deadline == UINT64_MAX ? -1
                     : deadline > now       ? (long long)((deadline - now) / 1000000u)
                                            : 0;
    cps_api_respond_json(req, 200, json_pack("{s:I}", "left_ms", (json_int_t)left));
}

static uv_loop_t *fixture_loop_for_later;

static void add_test_endpoints(cps_api_server *s, uv_loop_t *loop)
{
    fixture_loop_for_later = loop;
    cps_api_endpoint eps[] = {
        {"/test/echo", h_echo, NULL, 0, 0},
        {"/test/loop_echo", h_echo, NULL, CPS_API_ON_LOOP, 0},
        {"/test/none", h_echo, NULL, CPS_API_PARAMS_NONE, 0},
        {"/test/optional", h_echo, NULL, CPS_API_PARAMS_OPTIONAL, 0},
        {"/test/raw", h_raw, NULL, CPS_API_PARAMS_RAW, 0},
        {"/test/lazy", h_lazy, NULL, CPS_API_PARAMS_LAZY, 0},
        {"/test/dup", h_dup, NULL, CPS_API_PARAMS_RAW, 0},
        {"/test/assert", h_assert, NULL, CPS_API_PARAMS_RAW | CPS_API_ON_LOOP, 0},
        {"/test/last_error", h_last_error, NULL, CPS_API_PARAMS_RAW, 0},
        {"/test/hold_loop", h_hold, NULL, CPS_API_PARAMS_RAW | CPS_API_ON_LOOP, 50},
        {"/test/hold_http", h_hold, NULL, CPS_API_PARAMS_RAW, 50},
        {"/test/hold_forever", h_hold, NULL, CPS_API_PARAMS_RAW | CPS_API_ON_LOOP,
         CPS_API_TIMEOUT_NONE},
        {"/test/later", h_later, loop, CPS_API_PARAMS_RAW | CPS_API_ON_LOOP, 1000},
        {"/test/worker", h_worker, NULL, CPS_API_PARAMS_RAW, 1000},
        {"/test/block_loop", h_block_loop, NULL, CPS_API_PARAMS_RAW | CPS_API_ON_LOOP,
         CPS_API_TIMEOUT_NONE},
        {"/test/deadline_loop", h_deadline, NULL, CPS_API_PARAMS_RAW | CPS_API_ON_LOOP, 250},
        {"/test/deadline_default", h_deadline, NULL, CPS_API_PARAMS_RAW, 0},
        {"/test/deadline_none", h_deadline, NULL, CPS_API_PARAMS_RAW, CPS_API_TIMEOUT_NONE},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(eps); i++)
        if (cps_api_server_add(s, &eps[i]) != 0) {
            fprintf(stderr, "add %s: %s\n", eps[i].path, cps_last_error());
            abort();
        }
}

static void test_config(cps_api_config *cfg)
{
    cps_api_config_defaults(cfg);
    cfg->http_server_address = "127.0.0.1:0";
}

static int fixture_start(fixture *fx, const cps_api_config *cfg)
{
    memset(fx, 0, sizeof *fx);
    pthread_mutex_init(&fx->lock, NULL);
    pthread_cond_init(&fx->cond, NULL);
    uv_loop_init(&fx->loop);
    uv_async_init(&fx->loop, &fx->control, on_control);
    fx->control.data = fx;
    if (cps_api_server_create(cfg, &fx->loop, &fx->server) != 0) return -1;
    add_test_endpoints(fx->server, &fx->loop);
    if (cps_api_server_start(fx->server) != 0) return -1;
    fx->port = cps_api_server_port(fx->server);
    snprintf(fx->host, sizeof fx->host, "127.0.0.1:%u", fx->port);
    pthread_create(&fx->thread, NULL, loop_main, fx);
    return 0;
}

static void destroy_on_loop(fixture *fx, void *arg)
{
    (void)arg;
    cps_api_server_destroy(fx->server);
    fx->server = NULL;
    uv_close((uv_handle_t *)&fx->control, NULL);
}

static void fixture_stop(fixture *fx)
{
    on_loop(fx, destroy_on_loop, NULL);
    pthread_join(fx->thread, NULL);
    uv_loop_close(&fx->loop);
    pthread_cond_destroy(&fx->cond);
    pthread_mutex_destroy(&fx->lock);
}

/* Sends one request on a fresh connection with a correct Host. */
static int request(fixture *fx, const char *method, const char *path, const char *body,
                   http_response *r)
{
    return http_once(fx->port, method, path, NULL, body, r);
}

/* Parses a response body as JSON (NULL on failure). */
static json_t *body_json(const http_response *r)
{
    return json_loadb(r->body ? r->body : "", r->body_len, JSON_DECODE_ANY, NULL);
}

static const char *str_of(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

/* Checks the nodeos error shape; returns 0 when every field matches. */
static int check_error(const http_response *r, int status, const char *message, long long code,
                       const char *name, const char *what, const char *detail)
{
    json_t *j = body_json(r);
    int ok = j && r->status == status && json_integer_value(json_object_get(j, "code")) == status &&
             strcmp(str_of(json_object_get(j, "message")), message) == 0;
    json_t *e = j ? json_object_get(j, "error") : NULL;
    ok = ok && e && json_integer_value(json_object_get(e, "code")) == code &&
         strcmp(str_of(json_object_get(e, "name")), name) == 0 &&
         strcmp(str_of(json_object_get(e, "what")), what) == 0;
    json_t *details = e ? json_object_get(e, "details") : NULL;
    if (ok && detail) {
        json_t *d0 = json_array_get(details, 0);
        ok = d0 && strcmp(str_of(json_object_get(d0, "message")), detail) == 0 &&
             json_is_string(json_object_get(d0, "file")) &&
             json_is_integer(json_object_get(d0, "line_number")) &&
             json_is_string(json_object_get(d0, "method"));
    }
    /* The key order is nodeos's: code, message, error{code, name, what, details}. */
    ok = ok && r->body && strncmp(r->body, "{\"code\":", 8) == 0 &&
         strstr(r->body, "\"message\":") < strstr(r->body, "\"error\":") &&
         strstr(r->body, "\"name\":") < strstr(r->body, "\"what\":") &&
         strstr(r->body, "\"what\":") < strstr(r->body, "\"details\":");
    if (!ok)
        fprintf(stderr, "    unexpected error response %d: %s\n", r->status,
                r->body ? r->body : "(no body)");
    json_decref(j);
    return ok ? 0 : -1;
}

/* ---- tests -------------------------------------------------------------------------------- */

TEST(supported_apis_lists_registered_endpoints_sorted)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response r;
    ASSERT_OK(request(&fx, "POST", "/v1/node/get_supported_apis", "", &r));
    fixture_stop(&fx);
    ASSERT_EQ(r.status, 200);
    ASSERT_STR_EQ(r.body,
                  "{\"apis\":[\"/metrics\",\"/test/assert\",\"/test/block_loop\","
                  "\"/test/deadline_default\",\"/test/deadline_loop\",\"/test/deadline_none\","
                  "\"/test/dup\",\"/test/echo\",\"/test/hold_forever\",\"/test/hold_http\",\"/test/"
                  "hold_loop\","
                  "\"/test/last_error\",\"/test/later\",\"/test/lazy\",\"/test/loop_echo\","
                  "\"/test/none\","
                  "\"/test/optional\",\"/test/raw\",\"/test/worker\"]}");
    char ct[64];
    ASSERT(http_header(&r, "Content-Type", ct, sizeof ct));
    ASSERT_STR_EQ(ct, "application/json");
    http_response_free(&r);
}

TEST(unknown_endpoint_is_nodeos_404)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response r;
    ASSERT_OK(request(&fx, "POST", "/v1/chain/get_nothing", "{}", &r));
    fixture_stop(&fx);
    ASSERT_OK(check_error(&r, 404, "Not Found", 0, "exception", "unspecified", "Unknown Endpoint"));
    json_t *j = body_json(&r);
    json_t *d0 = json_array_get(json_object_get(json_object_get(j, "error"), "details"), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(d0, "file")), "http.c");
    ASSERT_STR_EQ(json_string_value(json_object_get(d0, "method")), "dispatch");
    ASSERT_EQ(json_array_size(json_object_get(json_object_get(j, "error"), "details")), 1);
    json_decref(j);
    http_response_free(&r);
}

TEST(post_and_get_with_body_reach_the_handler)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response a, b;
    ASSERT_OK(request(&fx, "POST", "/test/echo", "{\"account_name\":\"alice\",\"n\":7}", &a));
    ASSERT_OK(request(&fx, "GET", "/test/echo", "{\"x\":[1,2]}", &b));
    fixture_stop(&fx);
    ASSERT_EQ(a.status, 200);
    ASSERT_STR_EQ(a.body, "{\"method\":\"POST\",\"got\":{\"account_name\":\"alice\",\"n\":7},"
                          "\"on_loop\":false}");
    ASSERT_EQ(b.status, 200);
    ASSERT_STR_EQ(b.body, "{\"method\":\"GET\",\"got\":{\"x\":[1,2]},\"on_loop\":false}");
    http_response_free(&a);
    http_response_free(&b);
}

TEST(loop_endpoint_runs_on_the_loop_thread)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response r;
    ASSERT_OK(request(&fx, "POST", "/test/loop_echo", "[1,\"two\"]", &r));
    fixture_stop(&fx);
    ASSERT_EQ(r.status, 200);
    ASSERT_STR_EQ(r.body, "{\"method\":\"POST\",\"got\":[1,\"two\"],\"on_loop\":true}");
    http_response_free(&r);
}

TEST(params_rules_follow_nodeos_parse_params)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response r[8];
    ASSERT_OK(request(&fx, "POST", "/test/echo", "", &r[0]));
    ASSERT_OK(request(&fx, "POST", "/test/echo", " { \t } ", &r[1]));
    ASSERT_OK(request(&fx, "POST", "/test/echo", "{\"a\":", &r[2]));
    ASSERT_OK(request(&fx, "POST", "/test/none", "{\"a\":1}", &r[3]));
    ASSERT_OK(request(&fx, "POST", "/test/none", "{}", &r[4]));
    ASSERT_OK(request(&fx, "POST", "/test/optional", "", &r[5]));
    ASSERT_OK(request(&fx, "POST", "/test/raw", "not json at all", &r[6]));
    ASSERT_OK(request(&fx, "POST", "/test/none", NULL, &r[7]));
    fixture_stop(&fx);
    ASSERT_OK(check_error(&r[0], 400, "Invalid Request", 3200006, "invalid_http_request",
                          "invalid http request", "A Request body is required"));
    ASSERT_OK(check_error(&r[1], 400, "Invalid Request", 3200006, "invalid_http_request",
                          "invalid http request", "A Request body is required"));
    ASSERT_OK(check_error(&r[2], 400, "Invalid Request", 3200006, "invalid_http_request",
                          "invalid http request", "Unable to parse valid input from POST body"));
    ASSERT_OK(check_error(&r[3], 400, "Invalid Request", 3200006, "invalid_http_request",
                          "invalid http request", "no parameter should be given"));
    ASSERT_EQ(r[4].status, 200);
    ASSERT_STR_EQ(r[4].body, "{\"method\":\"POST\",\"got\":{},\"on_loop\":false}");
    ASSERT_EQ(r[5].status, 200);
    ASSERT_EQ(r[6].status, 200);
    ASSERT_STR_EQ(r[6].body, "{\"length\":15,\"params_null\":true}");
    ASSERT_EQ(r[7].status, 200);
    for (int i = 0; i < 8; i++)
        http_response_free(&r[i]);
}

TEST(lazy_params_are_parsed_only_on_demand_with_the_same_answers)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "verbose-http-errors", NULL));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response r[5];
    ASSERT_OK(request(&fx, "POST", "/test/lazy", "", &r[0]));
    ASSERT_OK(request(&fx, "POST", "/test/lazy", " {} ", &r[1]));
    ASSERT_OK(request(&fx, "POST", "/test/lazy", "{\"a\":", &r[2]));
    ASSERT_OK(request(&fx, "POST", "/test/lazy", "fast, not json", &r[3]));
    ASSERT_OK(request(&fx, "POST", "/test/lazy", "[1,{\"b\":2}]", &r[4]));
    fixture_stop(&fx);
    /* the empty-body rule is checked before the handler, as for REQUIRED */
    ASSERT_OK(check_error(&r[0], 400, "Invalid Request", 3200006, "invalid_http_request",
                          "invalid http request", "A Request body is required"));
    ASSERT_OK(check_error(&r[1], 400, "Invalid Request", 3200006, "invalid_http_request",
                          "invalid http request", "A Request body is required"));
    /* invalid JSON: the same 400, with the parser's detail under verbose-http-errors */
    ASSERT_OK(check_error(&r[2], 400, "Invalid Request", 3200006, "invalid_http_request",
                          "invalid http request", "Unable to parse valid input from POST body"));
    json_t *j = body_json(&r[2]);
    json_t *details = json_object_get(json_object_get(j, "error"), "details");
    ASSERT_EQ(json_array_size(details), 2);
    ASSERT_CONTAINS(json_string_value(json_object_get(json_array_get(details, 1), "message")),
                    "line 1");
    json_decref(j);
    ASSERT_EQ(r[3].status, 200);
    ASSERT_STR_EQ(r[3].body, "{\"fast\":true,\"unparsed\":true}");
    ASSERT_EQ(r[4].status, 200);
    ASSERT_STR_EQ(r[4].body, "{\"got\":[1,{\"b\":2}],\"unparsed\":true,\"same\":true}");
    for (int i = 0; i < 5; i++)
        http_response_free(&r[i]);
}

TEST(verbose_errors_add_the_parser_detail)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "verbose-http-errors", NULL));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response r;
    ASSERT_OK(request(&fx, "POST", "/test/echo", "{\"a\":", &r));
    fixture_stop(&fx);
    json_t *j = body_json(&r);
    json_t *details = json_object_get(json_object_get(j, "error"), "details");
    ASSERT_EQ(json_array_size(details), 2);
    ASSERT_CONTAINS(json_string_value(json_object_get(json_array_get(details, 1), "message")),
                    "line 1");
    json_decref(j);
    http_response_free(&r);
}

TEST(body_over_max_body_size_is_413)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "max-body-size", "1024"));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    char big[2001], exact[1025];
    memset(big, 'x', 2000);
    big[2000] = 0;
    memset(exact, ' ', 1024);
    exact[0] = '[';
    exact[1023] = ']';
    exact[1024] = 0;
    http_response a, b;
    ASSERT_OK(request(&fx, "POST", "/test/raw", big, &a));
    ASSERT_OK(request(&fx, "POST", "/test/echo", exact, &b));

    /* Chunked, so the size is only known while reading. */
    http_conn c;
    ASSERT_OK(http_connect(&c, fx.port));
    char head[160];
    snprintf(head, sizeof head,
             "POST /test/raw HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n", fx.host);
    ASSERT_OK(http_write_all(&c, head, strlen(head)));
    char chunk[700];
    int n = snprintf(chunk, sizeof chunk, "258\r\n");
    memset(chunk + n, 'y', 600);
    memcpy(chunk + n + 600, "\r\n", 2);
    ASSERT_OK(http_write_all(&c, chunk, (size_t)n + 602));
    ASSERT_OK(http_write_all(&c, chunk, (size_t)n + 602));
    /* Over the limit in mid-body: no answer can be queued then, so the connection closes. */
    int closed = http_closed_by_peer(&c, HTTP_TEST_WAIT_MS);
    size_t unanswered = c.in.size;
    http_close(&c);
    cps_api_metric *too_large = NULL;
    ASSERT_OK(cps_api_metrics_counter(cps_api_server_metrics(fx.server),
                                      "cps_http_unrouted_requests_total", "",
                                      (const char *[]){"reason", "too_large", NULL}, &too_large));
    double n_too_large = cps_api_metric_value(too_large);
    fixture_stop(&fx);
    ASSERT_OK(check_error(&a, 413, "Request Entity Too Large", 3200006, "invalid_http_request",
                          "invalid http request",
                          "Request body exceeds max-body-size (1024 bytes)"));
    ASSERT_EQ(b.status, 200);
    ASSERT(closed);
    ASSERT_EQ(unanswered, 0);
    ASSERT_EQ(n_too_large, 2);
    http_response_free(&a);
    http_response_free(&b);
}

TEST(handler_errors_render_nodeos_shape)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response a, b, c;
    ASSERT_OK(request(&fx, "POST", "/test/dup", "{}", &a));
    ASSERT_OK(request(&fx, "POST", "/test/assert", "{}", &b));
    ASSERT_OK(request(&fx, "POST", "/test/last_error", "{}", &c));
    fixture_stop(&fx);
    ASSERT_OK(check_error(&a, 409, "Conflict", 3040008, "tx_duplicate", "Duplicate transaction",
                          "duplicate transaction 0123abcd"));
    ASSERT_OK(check_error(&b, 500, "Internal Service Error", 3050003,
                          "eosio_assert_message_exception",
                          "eosio_assert_message assertion failure",
                          "assertion failure with message: overdrawn balance"));
    ASSERT_OK(check_error(&c, 401, "UnAuthorized", 3090003, "unsatisfied_authorization",
                          "Provided keys, permissions, and delays do not satisfy declared "
                          "authorizations",
                          "transaction declares authority alice@active but has no signature"));
    json_t *j = body_json(&a);
    json_t *d0 = json_array_get(json_object_get(json_object_get(j, "error"), "details"), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(d0, "file")), "test_server.c");
    ASSERT_STR_EQ(json_string_value(json_object_get(d0, "method")), "h_dup");
    json_decref(j);
    http_response_free(&a);
    http_response_free(&b);
    http_response_free(&c);
}

TEST(async_answers_from_loop_timer_and_worker_thread)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response a, b;
    ASSERT_OK(request(&fx, "POST", "/test/later", "", &a));
    ASSERT_OK(request(&fx, "POST", "/test/worker", "", &b));
    fixture_stop(&fx);
    ASSERT_EQ(a.status, 202);
    ASSERT_STR_EQ(a.body, "{\"later\":true}");
    ASSERT_EQ(b.status, 200);
    ASSERT_STR_EQ(b.body, "{\"from\":\"worker\"}");
    http_response_free(&a);
    http_response_free(&b);
}

static void check_timeout(fixture *fx, const char *path, int *failed)
{
    uint64_t t0 = cps_time_mono_ns();
    http_response r;
    *failed = 1;
    if (request(fx, "POST", path, "", &r) != 0) return;
    uint64_t ms = (cps_time_mono_ns() - t0) / 1000000u;
    cps_api_request *late = take_held();
    char want[96];
    snprintf(want, sizeof want, "%s exceeded the time limit of 50 ms", path);
    if (check_error(&r, 500, "Internal Service Error", 2, "timeout_exception", "Timeout", want) ==
            0 &&
        ms >= 45 && late && cps_api_request_abandoned(late))
        *failed = 0;
    /* The handler answers late: the answer goes nowhere and the request is released. */
    if (late) cps_api_respond_json(late, 200, json_object());
    http_response_free(&r);
}

TEST(time_limit_answers_timeout_exception)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    int failed_loop, failed_http;
    check_timeout(&fx, "/test/hold_loop", &failed_loop);
    check_timeout(&fx, "/test/hold_http", &failed_http);
    cps_api_metric *timeouts = NULL;
    ASSERT_OK(cps_api_metrics_counter(cps_api_server_metrics(fx.server), "cps_http_timeouts_total",
                                      "", NULL, &timeouts));
    double n = cps_api_metric_value(timeouts);
    fixture_stop(&fx);
    ASSERT_EQ(failed_loop, 0);
    ASSERT_EQ(failed_http, 0);
    ASSERT_EQ(n, 2);
}

TEST(handlers_see_their_deadline)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "http-max-response-time-ms", "400"));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response a, b, c;
    ASSERT_OK(request(&fx, "POST", "/test/deadline_loop", "", &a));
    ASSERT_OK(request(&fx, "POST", "/test/deadline_default", "", &b));
    ASSERT_OK(request(&fx, "POST", "/test/deadline_none", "", &c));
    fixture_stop(&fx);
    json_t *ja = body_json(&a), *jb = body_json(&b), *jc = body_json(&c);
    json_int_t left_a = json_integer_value(json_object_get(ja, "left_ms"));
    json_int_t left_b = json_integer_value(json_object_get(jb, "left_ms"));
    json_int_t left_c = json_integer_value(json_object_get(jc, "left_ms"));
    json_decref(ja);
    json_decref(jb);
    json_decref(jc);
    http_response_free(&a);
    http_response_free(&b);
    http_response_free(&c);
    /* The endpoint's own limit (250 ms), the server's (400 ms), none. */
    ASSERT(left_a > 0 && left_a <= 250);
    ASSERT(left_b > 250 && left_b <= 400);
    ASSERT_EQ(left_c, -1);
}

TEST(expect_100_continue)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "max-body-size", "100"));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    /* Over the limit: refused before the body is sent. */
    http_conn c;
    ASSERT_OK(http_connect(&c, fx.port));
    char head[200];
    int n = snprintf(head, sizeof head,
                     "POST /test/raw HTTP/1.1\r\nHost: %s\r\nExpect: 100-continue\r\n"
                     "Content-Length: 5000\r\n\r\n",
                     fx.host);
    ASSERT_OK(http_write_all(&c, head, (size_t)n));
    http_response refused;
    ASSERT_OK(http_read(&c, &refused, HTTP_TEST_WAIT_MS));
    http_close(&c);
    /* Within the limit: 100 Continue, then the body, then the answer. */
    ASSERT_OK(http_connect(&c, fx.port));
    n = snprintf(head, sizeof head,
                 "POST /test/raw HTTP/1.1\r\nHost: %s\r\nExpect: 100-continue\r\n"
                 "Content-Length: 5\r\n\r\n",
                 fx.host);
    ASSERT_OK(http_write_all(&c, head, (size_t)n));
    http_response cont, ok;
    ASSERT_OK(http_read(&c, &cont, HTTP_TEST_WAIT_MS));
    ASSERT_OK(http_write_all(&c, "hello", 5));
    ASSERT_OK(http_read(&c, &ok, HTTP_TEST_WAIT_MS));
    http_close(&c);
    fixture_stop(&fx);
    ASSERT_EQ(refused.status, 413);
    ASSERT_EQ(cont.status, 100);
    ASSERT_EQ(ok.status, 200);
    ASSERT_STR_EQ(ok.body, "{\"length\":5,\"params_null\":true}");
    http_response_free(&refused);
    http_response_free(&cont);
    http_response_free(&ok);
}

TEST(loop_queue_time_limit_answers_busy)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "http-max-queue-time-ms", "80"));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    /* One request blocks the loop for 300 ms; the one behind it waits too long. */
    http_conn blocker;
    ASSERT_OK(http_connect(&blocker, fx.port));
    ASSERT_OK(http_send_full(&blocker, "POST", "/test/block_loop", fx.host, NULL, "", 0));
    usleep(50 * 1000);
    http_response r, first;
    ASSERT_OK(request(&fx, "POST", "/test/loop_echo", "{\"a\":1}", &r));
    ASSERT_OK(http_read(&blocker, &first, HTTP_TEST_WAIT_MS));
    http_close(&blocker);
    fixture_stop(&fx);
    ASSERT_EQ(first.status, 200);
    ASSERT_OK(check_error(&r, 503, "Busy", 503, "Busy",
                          "The request waited more than 80 ms for the node's event loop", NULL));
    http_response_free(&r);
    http_response_free(&first);
}

TEST(cors_preflight_and_headers_on_every_response)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "access-control-allow-origin", "*"));
    ASSERT_OK(cps_api_config_set(&cfg, "access-control-allow-headers", "Content-Type"));
    ASSERT_OK(cps_api_config_set(&cfg, "access-control-max-age", "3600"));
    ASSERT_OK(cps_api_config_set(&cfg, "access-control-allow-credentials", "true"));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_response pre, nf, ok;
    ASSERT_OK(http_once(fx.port, "OPTIONS", "/v1/chain/get_info",
                        "Origin: http://example.org\r\nAccess-Control-Request-Method: POST\r\n",
                        NULL, &pre));
    ASSERT_OK(request(&fx, "POST", "/nowhere", "{}", &nf));
    ASSERT_OK(request(&fx, "POST", "/test/echo", "{\"a\":1}", &ok));
    fixture_stop(&fx);

    cps_api_config plain;
    test_config(&plain);
    ASSERT_OK(fixture_start(&fx, &plain));
    http_response bare;
    ASSERT_OK(request(&fx, "POST", "/test/echo", "{\"a\":1}", &bare));
    fixture_stop(&fx);

    ASSERT_EQ(pre.status, 200);
    ASSERT_STR_EQ(pre.body, "{}");
    http_response *with[] = {&pre, &nf, &ok};
    for (int i = 0; i < 3; i++) {
        char v[64];
        ASSERT(http_header(with[i], "Access-Control-Allow-Origin", v, sizeof v));
        ASSERT_STR_EQ(v, "*");
        ASSERT(http_header(with[i], "Access-Control-Allow-Headers", v, sizeof v));
        ASSERT_STR_EQ(v, "Content-Type");
        ASSERT(http_header(with[i], "Access-Control-Max-Age", v, sizeof v));
        ASSERT_STR_EQ(v, "3600");
        ASSERT(http_header(with[i], "Access-Control-Allow-Credentials", v, sizeof v));
        ASSERT_STR_EQ(v, "true");
    }
    ASSERT_EQ(nf.status, 404);
    char v[64];
    ASSERT(!http_header(&bare, "Access-Control-Allow-Origin", v, sizeof v));
    ASSERT(!http_header(&bare, "Access-Control-Allow-Credentials", v, sizeof v));
    http_response_free(&pre);
    http_response_free(&nf);
    http_response_free(&ok);
    http_response_free(&bare);
}

/* The value of the series whose line starts with `series ` in a Prometheus text body. */
static double series_value(const char *text, const char *series)
{
    size_t k = strlen(series);
    for (const char *line = text; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n') line++;
        if (strncmp(line, series, k) == 0 && line[k] == ' ') return strtod(line + k + 1, NULL);
    }
    return -1;
}

TEST(metrics_endpoint_prometheus_format)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    cps_api_node_metrics nm;
    ASSERT_OK(cps_api_node_metrics_register(cps_api_server_metrics(fx.server), &nm));
    cps_api_metric_set(nm.head_block_num, 1234);
    cps_api_metric_add(nm.transactions_total, 5);
    http_response r[5], m;
    for (int i = 0; i < 3; i++)
        ASSERT_OK(request(&fx, "POST", "/test/echo", "{\"i\":1}", &r[i]));
    ASSERT_OK(request(&fx, "POST", "/test/echo", "{bad", &r[3]));
    ASSERT_OK(request(&fx, "POST", "/not/here", "", &r[4]));
    ASSERT_OK(request(&fx, "GET", "/metrics", NULL, &m));
    fixture_stop(&fx);
    for (int i = 0; i < 5; i++)
        http_response_free(&r[i]);
    ASSERT_EQ(m.status, 200);
    char ct[64];
    ASSERT(http_header(&m, "Content-Type", ct, sizeof ct));
    ASSERT_STR_EQ(ct, "text/plain; version=0.0.4; charset=utf-8");
    ASSERT_CONTAINS(m.body, "# HELP cps_http_request_duration_seconds ");
    ASSERT_CONTAINS(m.body, "# TYPE cps_http_request_duration_seconds histogram\n");
    ASSERT_CONTAINS(m.body, "# TYPE cps_http_requests_total counter\n");
    ASSERT_EQ(
        series_value(m.body, "cps_http_request_duration_seconds_count{endpoint=\"/test/echo\"}"),
        4);
    ASSERT_EQ(series_value(m.body,
                           "cps_http_request_duration_seconds_bucket{endpoint=\"/test/echo\","
                           "le=\"+Inf\"}"),
              4);
    ASSERT_EQ(
        series_value(m.body, "cps_http_requests_total{endpoint=\"/test/echo\",status=\"2xx\"}"), 3);
    ASSERT_EQ(
        series_value(m.body, "cps_http_requests_total{endpoint=\"/test/echo\",status=\"4xx\"}"), 1);
    ASSERT_EQ(series_value(m.body, "cps_http_unrouted_requests_total{reason=\"not_found\"}"), 1);
    ASSERT_EQ(series_value(m.body, "cps_chain_head_block_num"), 1234);
    ASSERT_EQ(series_value(m.body, "cps_chain_transactions_total"), 5);
    /* The request being answered is in flight while /metrics renders (earlier ones may still
     * be completing on their threads). */
    ASSERT(series_value(m.body, "cps_http_requests_in_flight") >= 1);
    /* Every line is a comment or "series value". */
    for (char *line = strtok(m.body, "\n"); line; line = strtok(NULL, "\n"))
        ASSERT_MSG(line[0] == '#' || strchr(line, ' '), "bad metrics line: %s", line);
    http_response_free(&m);
}

/* 20 connections, 10 keep-alive requests each, alternating HTTP-thread and loop endpoints. */
struct client_arg {
    uint16_t port;
    int id;
    int ok;
};

static void *client_main(void *p)
{
    struct client_arg *a = p;
    http_conn c;
    if (http_connect(&c, a->port) != 0) return NULL;
    char host[32];
    snprintf(host, sizeof host, "127.0.0.1:%u", a->port);
    for (int i = 0; i < 10; i++) {
        char body[64], want[160];
        snprintf(body, sizeof body, "{\"client\":%d,\"i\":%d}", a->id, i);
        const char *path = (i % 2) ? "/test/loop_echo" : "/test/echo";
        snprintf(want, sizeof want, "{\"method\":\"POST\",\"got\":%s,\"on_loop\":%s}", body,
                 (i % 2) ? "true" : "false");
        http_response r;
        if (http_send_full(&c, "POST", path, host, NULL, body, strlen(body)) != 0 ||
            http_read(&c, &r, HTTP_TEST_WAIT_MS) != 0)
            break;
        if (r.status == 200 && strcmp(r.body, want) == 0) a->ok++;
        http_response_free(&r);
    }
    http_close(&c);
    return NULL;
}

TEST(many_concurrent_keep_alive_connections)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    pthread_t threads[20];
    struct client_arg args[20];
    for (int i = 0; i < 20; i++) {
        args[i] = (struct client_arg){fx.port, i, 0};
        pthread_create(&threads[i], NULL, client_main, &args[i]);
    }
    int total = 0;
    for (int i = 0; i < 20; i++) {
        pthread_join(threads[i], NULL);
        total += args[i].ok;
    }
    fixture_stop(&fx);
    ASSERT_EQ(total, 200);
}

TEST(hostile_clients_do_not_hurt_the_server)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_conn c;
    /* Garbage instead of HTTP. */
    ASSERT_OK(http_connect(&c, fx.port));
    const char garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 GARBAGE\r\n\r\n\0\0\xff";
    ASSERT_OK(http_write_all(&c, garbage, sizeof garbage));
    ASSERT(http_closed_by_peer(&c, HTTP_TEST_WAIT_MS));
    http_close(&c);
    /* Connect and close at once; half a header block; a body cut short. */
    ASSERT_OK(http_connect(&c, fx.port));
    http_close(&c);
    ASSERT_OK(http_connect(&c, fx.port));
    ASSERT_OK(http_write_all(&c, "POST /test/echo HTTP/1.1\r\nHo", 28));
    http_close(&c);
    ASSERT_OK(http_connect(&c, fx.port));
    const char cut[] =
        "POST /test/loop_echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"";
    ASSERT_OK(http_write_all(&c, cut, sizeof cut - 1));
    http_close(&c);
    /* A client that leaves while its request waits for a handler. */
    ASSERT_OK(http_connect(&c, fx.port));
    ASSERT_OK(http_send_full(&c, "POST", "/test/hold_forever", fx.host, NULL, "", 0));
    wait_held(1);
    http_close(&c);
    cps_api_request *held_req = take_held();
    ASSERT(held_req != NULL);
    usleep(20 * 1000);
    cps_api_respond_json(held_req, 200, json_pack("{s:s}", "to", "nobody"));
    /* A header line far over libmicrohttpd's memory limit. */
    ASSERT_OK(http_connect(&c, fx.port));
    cps_buf huge = {0};
    cps_buf_printf(&huge, "POST /test/echo HTTP/1.1\r\nHost: %s\r\nX-Big: ", fx.host);
    for (int i = 0; i < 100000; i++)
        cps_write_u8(&huge, 'a');
    cps_write_bytes(&huge, "\r\n\r\n", 4);
    http_write_all(&c, huge.data, huge.size); /* the server may close before reading it all */
    cps_buf_free(&huge);
    http_response big;
    int big_rc = http_read(&c, &big, HTTP_TEST_WAIT_MS);
    if (big_rc == 0) {
        ASSERT(big.status >= 400);
        http_response_free(&big);
    }
    http_close(&c);
    /* Still serving. */
    http_response r;
    ASSERT_OK(request(&fx, "POST", "/test/echo", "{\"still\":\"alive\"}", &r));
    fixture_stop(&fx);
    ASSERT_EQ(r.status, 200);
    http_response_free(&r);
}

TEST(half_closed_client_gets_answer_and_close)
{
    /* The FIN comes with the request; the server must still answer and then close at once
     * (libmicrohttpd's epoll mode left such connections open until the idle timeout). */
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    int answered = 0, closed = 0;
    for (int i = 0; i < 20; i++) {
        http_conn c;
        ASSERT_OK(http_connect(&c, fx.port));
        char req[128];
        int n = snprintf(req, sizeof req,
                         "POST /test/echo HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\n\r\n[%d]",
                         fx.host, i % 10 + 100);
        ASSERT_OK(http_write_all(&c, req, (size_t)n));
        shutdown(c.fd, SHUT_WR);
        http_response r;
        if (http_read(&c, &r, HTTP_TEST_WAIT_MS) == 0 && r.status == 200) answered++;
        http_response_free(&r);
        if (http_closed_by_peer(&c, 2000)) closed++;
        http_close(&c);
    }
    fixture_stop(&fx);
    ASSERT_EQ(answered, 20);
    ASSERT_EQ(closed, 20);
}

TEST(keep_alive_off_closes_connections)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "http-keep-alive", "false"));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_conn c;
    ASSERT_OK(http_connect(&c, fx.port));
    ASSERT_OK(http_send_full(&c, "POST", "/test/echo", fx.host, NULL, "{}", 2));
    http_response r;
    ASSERT_OK(http_read(&c, &r, HTTP_TEST_WAIT_MS));
    int closed = http_closed_by_peer(&c, HTTP_TEST_WAIT_MS);
    http_close(&c);
    fixture_stop(&fx);
    char v[32];
    ASSERT(http_header(&r, "Connection", v, sizeof v));
    ASSERT_STR_EQ(v, "close");
    ASSERT(closed);
    http_response_free(&r);
}

TEST(too_many_requests_in_flight_is_busy)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "http-max-in-flight-requests", "1"));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_conn c;
    ASSERT_OK(http_connect(&c, fx.port));
    ASSERT_OK(http_send_full(&c, "POST", "/test/hold_forever", fx.host, NULL, "", 0));
    wait_held(1);
    http_response busy, first;
    ASSERT_OK(request(&fx, "POST", "/test/echo", "{}", &busy));
    cps_api_request *h = take_held();
    cps_api_respond_json(h, 202, json_pack("{s:b}", "released", 1));
    ASSERT_OK(http_read(&c, &first, HTTP_TEST_WAIT_MS));
    http_close(&c);
    fixture_stop(&fx);
    ASSERT_OK(check_error(&busy, 503, "Busy", 503, "Busy", "Too many requests in flight: 2", NULL));
    ASSERT_EQ(first.status, 202);
    ASSERT_STR_EQ(first.body, "{\"released\":true}");
    http_response_free(&busy);
    http_response_free(&first);
}

TEST(host_header_is_validated_like_nodeos)
{
    cps_api_config cfg;
    test_config(&cfg);
    ASSERT_OK(cps_api_config_set(&cfg, "http-alias", "node.example:80,cps.local"));
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    const char *hosts[] = {"evil.example:8888", "localhost", "node.example", "CPS.local:1",
                           "127.0.0.1:1"};
    int want[] = {400, 400, 200, 200, 200};
    http_response r[5], none;
    for (int i = 0; i < 5; i++) {
        http_conn c;
        ASSERT_OK(http_connect(&c, fx.port));
        ASSERT_OK(http_send_full(&c, "POST", "/test/echo", hosts[i], NULL, "[1]", 3));
        ASSERT_OK(http_read(&c, &r[i], HTTP_TEST_WAIT_MS));
        http_close(&c);
    }
    http_conn c;
    ASSERT_OK(http_connect(&c, fx.port));
    ASSERT_OK(http_write_all(&c, "POST /test/echo HTTP/1.0\r\nContent-Length: 3\r\n\r\n[1]", 50));
    ASSERT_OK(http_read(&c, &none, HTTP_TEST_WAIT_MS));
    http_close(&c);
    fixture_stop(&fx);

    cps_api_config off;
    test_config(&off);
    ASSERT_OK(cps_api_config_set(&off, "http-validate-host", "false"));
    ASSERT_OK(fixture_start(&fx, &off));
    ASSERT_OK(http_connect(&c, fx.port));
    ASSERT_OK(http_send_full(&c, "POST", "/test/echo", "evil.example", NULL, "[1]", 3));
    http_response allowed;
    ASSERT_OK(http_read(&c, &allowed, HTTP_TEST_WAIT_MS));
    http_close(&c);
    fixture_stop(&fx);

    for (int i = 0; i < 5; i++) {
        ASSERT_MSG(r[i].status == want[i], "Host %s: status %d", hosts[i], r[i].status);
        http_response_free(&r[i]);
    }
    ASSERT_EQ(none.status, 400);
    ASSERT_STR_EQ(none.body, "{\"code\":400,\"message\":\"Disallowed HTTP HOST header in the "
                             "request\",\"error\":{\"code\":0,\"name\":\"\",\"what\":\"\","
                             "\"details\":[]}}");
    ASSERT_EQ(allowed.status, 200);
    http_response_free(&none);
    http_response_free(&allowed);
}

TEST(stop_answers_waiting_requests_and_late_answers_are_safe)
{
    cps_api_config cfg;
    test_config(&cfg);
    fixture fx;
    ASSERT_OK(fixture_start(&fx, &cfg));
    http_conn c[3];
    for (int i = 0; i < 3; i++) {
        ASSERT_OK(http_connect(&c[i], fx.port));
        ASSERT_OK(http_send_full(&c[i], "POST", "/test/hold_forever", fx.host, NULL, "", 0));
    }
    wait_held(3);
    /* An idle keep-alive connection too. */
    http_conn idle;
    ASSERT_OK(http_connect(&idle, fx.port));
    fixture_stop(&fx); /* destroys the server on its loop */
    int answered = 0;
    for (int i = 0; i < 3; i++) {
        http_response r;
        if (http_read(&c[i], &r, HTTP_TEST_WAIT_MS) == 0 &&
            check_error(&r, 503, "Busy", 503, "Busy", "The server is shutting down", NULL) == 0)
            answered++;
        http_response_free(&r);
        http_close(&c[i]);
    }
    int idle_closed = http_closed_by_peer(&idle, HTTP_TEST_WAIT_MS);
    http_close(&idle);
    /* The handlers still hold their requests; answering them now is harmless. */
    cps_api_request *req;
    int released = 0;
    while ((req = take_held())) {
        ASSERT(cps_api_request_abandoned(req));
        cps_api_respond_json(req, 200, json_object());
        released++;
    }
    ASSERT_EQ(answered, 3);
    ASSERT_EQ(released, 3);
    ASSERT(idle_closed);
}

/* Answers {} whatever the body (registered with CPS_API_PARAMS_OPTIONAL by the tests). */
static void h_noop(cps_api_request *req, void *user)
{
    (void)user;
    cps_api_respond_copy(req, 200, NULL, "{}", 2);
}

TEST(server_api_misuse_fails_cleanly)
{
    cps_api_config cfg;
    test_config(&cfg);
    cps_api_server *s;
    ASSERT_OK(cps_api_server_create(&cfg, NULL, &s));
    cps_api_endpoint loop_ep = {"/x", h_noop, NULL, CPS_API_ON_LOOP, 0};
    ASSERT_EQ(cps_api_server_add(s, &loop_ep), CPS_ERR_INVALID_ARG);
    cps_api_endpoint ep = {"/x", h_noop, NULL, CPS_API_PARAMS_OPTIONAL, 0};
    ASSERT_OK(cps_api_server_add(s, &ep));
    ASSERT_EQ(cps_api_server_add(s, &ep), CPS_ERR_EXISTS);
    cps_api_endpoint builtin = {"/metrics", h_noop, NULL, 0, 0};
    ASSERT_EQ(cps_api_server_add(s, &builtin), CPS_ERR_EXISTS);
    cps_api_endpoint relative = {"x", h_noop, NULL, 0, 0};
    ASSERT_EQ(cps_api_server_add(s, &relative), CPS_ERR_INVALID_ARG);
    cps_api_endpoint two_params = {"/y", h_noop, NULL, CPS_API_PARAMS_RAW | CPS_API_PARAMS_NONE, 0};
    ASSERT_EQ(cps_api_server_add(s, &two_params), CPS_ERR_INVALID_ARG);
    ASSERT_OK(cps_api_server_start(s));
    ASSERT_EQ(cps_api_server_start(s), CPS_ERR_STATE);
    cps_api_endpoint late = {"/late", h_noop, NULL, 0, 0};
    ASSERT_EQ(cps_api_server_add(s, &late), CPS_ERR_STATE);

    /* A second server on the same port cannot listen. */
    char taken[32];
    snprintf(taken, sizeof taken, "127.0.0.1:%u", cps_api_server_port(s));
    cps_api_config same = cfg;
    same.http_server_address = taken;
    cps_api_server *s2;
    ASSERT_OK(cps_api_server_create(&same, NULL, &s2));
    ASSERT_EQ(cps_api_server_start(s2), CPS_ERR_IO);
    ASSERT_CONTAINS(cps_last_error(), "cannot listen");
    cps_api_server_destroy(s2);

    /* Without a loop the server still serves its HTTP-thread endpoints. */
    http_response r;
    ASSERT_OK(http_once(cps_api_server_port(s), "POST", "/x", NULL, "{}", &r));
    ASSERT_EQ(r.status, 200);
    http_response_free(&r);
    cps_api_server_stop(s);
    cps_api_server_stop(s); /* idempotent */
    cps_api_server_destroy(s);

    const char *bad[] = {
        "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:", "[::1", "[::1]8888", "127.0.0.1:12a"};
    for (size_t i = 0; i < CPS_ARRAY_LEN(bad); i++) {
        cps_api_config b = cfg;
        b.http_server_address = bad[i];
        ASSERT_OK(cps_api_server_create(&b, NULL, &s));
        ASSERT_MSG(cps_api_server_start(s) == CPS_ERR_INVALID_ARG, "address %s accepted", bad[i]);
        cps_api_server_destroy(s);
    }
    cps_api_config zero = cfg;
    zero.http_threads = 0;
    ASSERT_EQ(cps_api_server_create(&zero, NULL, &s), CPS_ERR_INVALID_ARG);
}

TEST(ipv6_loopback_and_single_thread)
{
    cps_api_config cfg;
    test_config(&cfg);
    cfg.http_server_address = "[::1]:0";
    cfg.http_threads = 1;
    cps_api_server *s;
    ASSERT_OK(cps_api_server_create(&cfg, NULL, &s));
    cps_api_endpoint ep = {"/x", h_noop, NULL, CPS_API_PARAMS_OPTIONAL, 0};
    ASSERT_OK(cps_api_server_add(s, &ep));
    if (cps_api_server_start(s) != 0) { /* no IPv6 on this machine: nothing to test */
        cps_api_server_destroy(s);
        return;
    }
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(cps_api_server_port(s));
    a.sin6_addr = in6addr_loopback;
    ASSERT_OK(connect(fd, (struct sockaddr *)&a, sizeof a));
    http_conn c = {fd, {0}};
    char host[32];
    snprintf(host, sizeof host, "[::1]:%u", cps_api_server_port(s));
    ASSERT_OK(http_send_full(&c, "POST", "/x", host, NULL, "{}", 2));
    http_response r;
    ASSERT_OK(http_read(&c, &r, HTTP_TEST_WAIT_MS));
    http_close(&c);
    cps_api_server_destroy(s);
    ASSERT_EQ(r.status, 200);
    http_response_free(&r);
}

int main(int argc, char **argv)
{
    cps_log_set_level(CPS_LOG_WARN);
    return test_main(argc, argv);
}
