/* A helper server for tests/api/eosjs.test.sh (not a test_* program): serves a few /v1/chain
 * endpoints whose answers exercise the transport — a loop handler with state, errors from CPS
 * codes and from named exceptions — on 127.0.0.1 at a free port, which it prints. It runs its
 * libuv loop on the main thread until SIGTERM or SIGINT, then stops gracefully. Options are
 * passed as `--name value` / `--flag` pairs to cps_api_config_set(). */
#include "api/api.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

static uint32_t head_block_num = 1000;
static cps_api_server *server;

/* On the loop: the loop owns the (pretend) chain state, so the head moves on each call. */
static void get_info(cps_api_request *req, void *user)
{
    (void)user;
    head_block_num++;
    cps_api_respond_json(
        req, 200,
        json_pack("{s:s,s:s,s:I,s:I}", "server_version", "c0ffee00", "chain_id",
                  "8a34ec7df1b8cd06ff4a8abbaa7cc50300823350cadc59ab296cb00d104d2b8f",
                  "head_block_num", (json_int_t)head_block_num, "last_irreversible_block_num",
                  (json_int_t)head_block_num - 2));
}

/* As nodeos for an unknown account: chainbase's std::out_of_range, a plain 500. */
static void get_account(cps_api_request *req, void *user)
{
    (void)user;
    const char *name =
        json_string_value(json_object_get(cps_api_request_params(req), "account_name"));
    if (!name) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, "account_name: expected a string");
        return;
    }
    char detail[128];
    snprintf(detail, sizeof detail, "unknown key (eosio::chain::name): %s", name);
    CPS_API_RESPOND_ERROR(req, CPS_ERR_NOT_FOUND, detail);
}

static void get_block(cps_api_request *req, void *user)
{
    (void)user;
    /* eosjs sends a number or an id string; fc converts either to the string field. */
    json_t *id = json_object_get(cps_api_request_params(req), "block_num_or_id");
    char text[72] = "?";
    if (json_is_string(id))
        snprintf(text, sizeof text, "%s", json_string_value(id));
    else if (json_is_integer(id))
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(id));
    CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_UNKNOWN_BLOCK, "Could not find block: %s", text);
}

static void push_transaction(cps_api_request *req, void *user)
{
    (void)user;
    const char *packed =
        json_string_value(json_object_get(cps_api_request_params(req), "packed_trx"));
    CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_TX_DUPLICATE,
                              "duplicate transaction (packed_trx of %zu bytes)",
                              packed ? strlen(packed) / 2 : 0);
}

static void on_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    cps_api_server_destroy(server);
    server = NULL;
    uv_close((uv_handle_t *)h, NULL);
    uv_signal_t *other = h->data;
    if (!uv_is_closing((uv_handle_t *)other)) uv_close((uv_handle_t *)other, NULL);
}

int main(int argc, char **argv)
{
    cps_log_set_level(CPS_LOG_WARN);
    uv_loop_t *loop = uv_default_loop();
    cps_api_config cfg;
    cps_api_config_defaults(&cfg);
    cfg.http_server_address = "127.0.0.1:0";
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) != 0) {
            fprintf(stderr, "api_interop: unexpected argument %s\n", argv[i]);
            return 2;
        }
        const char *name = argv[i] + 2;
        const char *value = (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) ? argv[++i] : NULL;
        if (cps_api_config_set(&cfg, name, value) != 0) {
            fprintf(stderr, "api_interop: %s\n", cps_last_error());
            return 2;
        }
    }
    cps_api_endpoint eps[] = {
        {"/v1/chain/get_info", get_info, NULL, CPS_API_ON_LOOP | CPS_API_PARAMS_NONE, 0},
        {"/v1/chain/get_account", get_account, NULL, 0, 0},
        {"/v1/chain/get_block", get_block, NULL, 0, 0},
        {"/v1/chain/push_transaction", push_transaction, NULL, CPS_API_ON_LOOP,
         CPS_API_TIMEOUT_NONE},
    };
    if (cps_api_server_create(&cfg, loop, &server) != 0) goto fail;
    for (size_t i = 0; i < CPS_ARRAY_LEN(eps); i++)
        if (cps_api_server_add(server, &eps[i]) != 0) goto fail;
    if (cps_api_server_start(server) != 0) goto fail;
    printf("%u\n", cps_api_server_port(server));
    fflush(stdout);
    uv_signal_t term, intr;
    uv_signal_init(loop, &term);
    uv_signal_init(loop, &intr);
    term.data = &intr;
    intr.data = &term;
    uv_signal_start(&term, on_signal, SIGTERM);
    uv_signal_start(&intr, on_signal, SIGINT);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return 0;
fail:
    fprintf(stderr, "api_interop: %s\n", cps_last_error());
    cps_api_server_destroy(server);
    return 1;
}
