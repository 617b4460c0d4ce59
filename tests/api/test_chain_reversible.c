/* The chain API on a three-producer chain whose head is above LIB: get_info's LIB fields,
 * get_block / get_block_info / get_block_header_state of reversible blocks, the schedules in
 * get_block_header_state and get_producers, get_transaction_status through LIB moves and a
 * popped block, and pushes still queued when a producer's turn ends forwarded instead of
 * refused. A real controller and HTTP server in process; the controller lives on the loop
 * thread and the test drives it there. */
#include "api/chain_api_internal.h"
#include "api/http_client.h"
#include "../chain/sched_helpers.h"

#include <pthread.h>
#include <uv.h>

/* ---- fixture: chain, server and API on a loop thread ---------------------------------------- */
typedef struct fixture {
    uv_loop_t loop;
    uv_async_t control;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int (*call)(struct fixture *);
    int call_rc;
    bool call_done;
    char *dir;
    cps_chain_controller *ctl;
    cps_api_server *server;
    cps_chain_api *api;
    sched_prods prods;
    uint32_t slot; /* the head's */
    uint16_t port;
    /* what a step saw, for the test thread */
    cps_checksum256 trx_id;
    uint32_t trx_block;
} fixture;

static void on_control(uv_async_t *h)
{
    fixture *fx = h->data;
    pthread_mutex_lock(&fx->lock);
    int (*call)(fixture *) = fx->call;
    fx->call = NULL;
    pthread_mutex_unlock(&fx->lock);
    if (!call) return;
    int rc = call(fx);
    pthread_mutex_lock(&fx->lock);
    fx->call_rc = rc;
    fx->call_done = true;
    pthread_cond_broadcast(&fx->cond);
    pthread_mutex_unlock(&fx->lock);
}

static void *loop_main(void *arg)
{
    fixture *fx = arg;
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* Runs call(fx) on the loop thread and returns its result. */
static int on_loop(fixture *fx, int (*call)(fixture *))
{
    pthread_mutex_lock(&fx->lock);
    fx->call = call;
    fx->call_done = false;
    pthread_mutex_unlock(&fx->lock);
    uv_async_send(&fx->control);
    pthread_mutex_lock(&fx->lock);
    while (!fx->call_done)
        pthread_cond_wait(&fx->cond, &fx->lock);
    int rc = fx->call_rc;
    pthread_mutex_unlock(&fx->lock);
    return rc;
}

/* A chain whose active schedule is prod.a, prod.b, prod.c and whose head is 4 blocks above LIB,
 * with the API serving it. */
static int setup_on_loop(fixture *fx)
{
    int rc = ctl_open(fx->dir, &fx->ctl);
    if (!rc) rc = sched_setup(fx->ctl, &fx->prods);
    if (!rc) rc = sched_activate_three(fx->ctl, &fx->prods, &fx->slot);
    for (int i = 0; i < 4 && !rc; i++) rc = sched_produce(fx->ctl, &fx->prods, ++fx->slot, NULL, NULL);
    if (rc) return rc;
    cps_api_config cfg;
    cps_api_config_defaults(&cfg);
    cfg.http_server_address = "127.0.0.1:0";
    if ((rc = cps_api_server_create(&cfg, &fx->loop, &fx->server))) return rc;
    cps_chain_api_options o = {0};
    o.controller = fx->ctl;
    o.server = fx->server;
    o.loop = &fx->loop;
    if ((rc = cps_chain_api_create(&o, &fx->api))) return rc;
    if ((rc = cps_api_server_start(fx->server))) return rc;
    fx->port = cps_api_server_port(fx->server);
    return 0;
}

static int fixture_start(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    pthread_mutex_init(&fx->lock, NULL);
    pthread_cond_init(&fx->cond, NULL);
    uv_loop_init(&fx->loop);
    uv_async_init(&fx->loop, &fx->control, on_control);
    fx->control.data = fx;
    fx->dir = ctl_tempdir();
    pthread_create(&fx->thread, NULL, loop_main, fx);
    int rc = fx->dir ? on_loop(fx, setup_on_loop) : CPS_ERR_IO;
    if (rc) fprintf(stderr, "    setup: %s\n", cps_last_error());
    return rc;
}

static int teardown_on_loop(fixture *fx)
{
    if (fx->server) cps_api_server_stop(fx->server);
    cps_chain_api_destroy(fx->api);
    cps_api_server_destroy(fx->server);
    cps_chain_controller_close(fx->ctl);
    uv_close((uv_handle_t *)&fx->control, NULL);
    return 0;
}

static void fixture_stop(fixture *fx)
{
    on_loop(fx, teardown_on_loop);
    pthread_join(fx->thread, NULL);
    uv_loop_close(&fx->loop);
    pthread_cond_destroy(&fx->cond);
    pthread_mutex_destroy(&fx->lock);
    if (fx->dir) ctl_rm_rf(fx->dir);
    free(fx->dir);
}

/* POSTs body to /v1/chain/<ep>; returns the parsed body (caller decrefs) and *status. */
static json_t *call(fixture *fx, const char *ep, const char *body, int *status)
{
    char path[128];
    snprintf(path, sizeof path, "/v1/chain/%s", ep);
    http_response r;
    *status = 0;
    if (http_once(fx->port, "POST", path, NULL, body, &r)) return NULL;
    *status = r.status;
    json_t *j = json_loadb(r.body ? r.body : "", r.body_len, JSON_DECODE_ANY, NULL);
    if (r.status != 200) fprintf(stderr, "    %s -> %d %s\n", ep, r.status, r.body ? r.body : "");
    http_response_free(&r);
    return j;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* The id (hex) and timestamp text of block `n`, read on the test thread from get_block_info's
 * independent source: the controller, asked on the loop. */
static uint32_t want_num;
static char want_id[65], want_time[CPS_TIME_STR_MAX];
static int block_facts_on_loop(fixture *fx)
{
    cps_buf raw = {0};
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block b;
    cps_checksum256 id;
    int rc = cps_chain_controller_read_block(fx->ctl, want_num, &raw);
    if (!rc) rc = cps_abi_signed_block_decode(raw.data, raw.size, &a, &b);
    if (!rc) rc = cps_abi_block_id(&b.signed_header.header, &id);
    if (!rc) {
        cps_hex_encode(want_id, id.b, 32);
        cps_abi_block_timestamp_to_string(b.signed_header.header.timestamp, want_time);
    }
    cps_abi_arena_free(&a);
    cps_buf_free(&raw);
    return rc;
}

static int block_facts(fixture *fx, uint32_t n)
{
    want_num = n;
    return on_loop(fx, block_facts_on_loop);
}

/* ---- tests ------------------------------------------------------------------------------------ */

TEST(get_info_reports_lib_and_its_time_below_the_head)
{
    fixture fx;
    ASSERT_OK(fixture_start(&fx));
    int st;
    json_t *info = call(&fx, "get_info", "{}", &st);
    ASSERT_EQ(st, 200);
    uint32_t head = (uint32_t)num(info, "head_block_num");
    uint32_t lib = (uint32_t)num(info, "last_irreversible_block_num");
    ASSERT_TRUE(lib + 4 <= head);
    ASSERT_OK(block_facts(&fx, lib));
    ASSERT_STR_EQ(str(info, "last_irreversible_block_id"), want_id);
    ASSERT_STR_EQ(str(info, "last_irreversible_block_time"), want_time);
    ASSERT_TRUE(strcmp(str(info, "last_irreversible_block_time"), str(info, "head_block_time")));
    ASSERT_OK(block_facts(&fx, head));
    ASSERT_STR_EQ(str(info, "head_block_id"), want_id);
    ASSERT_STR_EQ(str(info, "head_block_time"), want_time);
    json_decref(info);
    fixture_stop(&fx);
}

TEST(reversible_blocks_are_served_by_number_and_id)
{
    fixture fx;
    ASSERT_OK(fixture_start(&fx));
    uint32_t head = cps_chain_controller_head_num(fx.ctl);
    uint32_t lib = cps_chain_controller_lib_num(fx.ctl);
    ASSERT_TRUE(lib < head);
    for (uint32_t n = lib; n <= head; n++) {
        ASSERT_OK(block_facts(&fx, n));
        char body[160];
        int st;
        snprintf(body, sizeof body, "{\"block_num_or_id\":%u}", n);
        json_t *b = call(&fx, "get_block", body, &st);
        ASSERT_EQ(st, 200);
        ASSERT_STR_EQ(str(b, "id"), want_id);
        ASSERT_EQ(num(b, "block_num"), n);
        json_decref(b);
        snprintf(body, sizeof body, "{\"block_num_or_id\":\"%s\"}", want_id);
        b = call(&fx, "get_block", body, &st);
        ASSERT_EQ(st, 200);
        ASSERT_EQ(num(b, "block_num"), n);
        ASSERT_STR_EQ(str(b, "timestamp"), want_time);
        json_decref(b);
        snprintf(body, sizeof body, "{\"block_num\":%u}", n);
        b = call(&fx, "get_block_info", body, &st);
        ASSERT_EQ(st, 200);
        ASSERT_STR_EQ(str(b, "id"), want_id);
        json_decref(b);
    }
    /* An id whose number is on this chain but which is another block: unknown. */
    ASSERT_OK(block_facts(&fx, head));
    want_id[63] = want_id[63] == '0' ? '1' : '0';
    char body[160];
    snprintf(body, sizeof body, "{\"block_num_or_id\":\"%s\"}", want_id);
    int st;
    json_t *b = call(&fx, "get_block", body, &st);
    ASSERT_EQ(st, 400);
    ASSERT_STR_EQ(str(json_object_get(b, "error"), "name"), "unknown_block_exception");
    json_decref(b);
    snprintf(body, sizeof body, "{\"block_num_or_id\":%u}", head + 1);
    b = call(&fx, "get_block", body, &st);
    ASSERT_EQ(st, 400);
    json_decref(b);
    fixture_stop(&fx);
}

static int produce_with_trx_on_loop(fixture *fx);
static int lib_below_head_on_loop(fixture *fx);

/* The active schedule's names, comma-separated, from a {version, producers} object. */
static void schedule_names(const json_t *sched, char *out, size_t cap)
{
    out[0] = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(sched, "producers"), i, p)
    {
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", i ? "," : "", str(p, "producer_name"));
    }
}

TEST(header_state_and_producers_show_the_active_schedule)
{
    fixture fx;
    ASSERT_OK(fixture_start(&fx));
    uint32_t head = cps_chain_controller_head_num(fx.ctl);
    uint32_t lib = cps_chain_controller_lib_num(fx.ctl);
    char body[160], names[256];
    int st;
    snprintf(body, sizeof body, "{\"block_num_or_id\":%u}", head);
    json_t *h = call(&fx, "get_block_header_state", body, &st);
    ASSERT_EQ(st, 200);
    ASSERT_EQ(num(h, "block_num"), head);
    ASSERT_EQ(num(h, "dpos_irreversible_blocknum"), lib);
    json_t *active = json_object_get(h, "active_schedule");
    ASSERT_EQ(num(active, "version"), 1);
    schedule_names(active, names, sizeof names);
    ASSERT_STR_EQ(names, "prod.a,prod.b,prod.c");
    ASSERT_EQ(num(json_object_get(h, "header"), "schedule_version"), 1);
    /* The producer's authority is its schedule entry: [0, {threshold 1, keys [its key]}]. */
    json_t *auth = json_array_get(json_object_get(h, "valid_block_signing_authority"), 1);
    ASSERT_EQ(num(auth, "threshold"), 1);
    const char *producer = str(json_object_get(h, "header"), "producer");
    char key[CPS_PUBLIC_KEY_STR_MAX];
    for (int i = 0; i < 3; i++)
        if (fx.prods.name[i] == cps_abi_name(producer))
            ASSERT_OK(cps_public_key_to_string(&fx.prods.pub[i], false, key, sizeof key));
    ASSERT_STR_EQ(str(json_array_get(json_object_get(auth, "keys"), 0), "key"), key);
    /* No schedule waits: pending has the active version and no producers. */
    json_t *pending = json_object_get(h, "pending_schedule");
    ASSERT_EQ(num(json_object_get(pending, "schedule"), "version"), 1);
    ASSERT_EQ(json_array_size(json_object_get(json_object_get(pending, "schedule"), "producers")),
              0);
    ASSERT_EQ(strlen(str(pending, "schedule_hash")), 64);
    json_decref(h);

    /* LIB itself is in nodeos's fork database; blocks below it are not. (Blocks committed
     * before the API started under a schedule no longer active have no header state here: LIB
     * moves to a block the API saw.) */
    uint32_t lib_before = lib;
    ASSERT_OK(on_loop(&fx, produce_with_trx_on_loop));
    ASSERT_OK(on_loop(&fx, produce_with_trx_on_loop));
    ASSERT_OK(on_loop(&fx, lib_below_head_on_loop));
    lib = cps_chain_controller_lib_num(fx.ctl);
    ASSERT_EQ(lib, fx.trx_block - 1);
    snprintf(body, sizeof body, "{\"block_num_or_id\":%u}", fx.trx_block);
    h = call(&fx, "get_block_header_state", body, &st);
    ASSERT_EQ(st, 200);
    ASSERT_EQ(num(h, "dpos_irreversible_blocknum"), lib_before); /* LIB when it was the head */
    json_decref(h);
    snprintf(body, sizeof body, "{\"block_num_or_id\":%u}", lib);
    h = call(&fx, "get_block_header_state", body, &st);
    ASSERT_EQ(st, 200);
    json_decref(h);
    snprintf(body, sizeof body, "{\"block_num_or_id\":%u}", lib - 1);
    h = call(&fx, "get_block_header_state", body, &st);
    ASSERT_EQ(st, 400);
    ASSERT_STR_EQ(str(json_object_get(h, "error"), "name"), "unknown_block_exception");
    json_decref(h);

    /* Without a system contract, get_producers lists the active schedule. */
    json_t *p = call(&fx, "get_producers", "{\"json\":true}", &st);
    ASSERT_EQ(st, 200);
    json_t *rows = json_object_get(p, "rows");
    ASSERT_EQ(json_array_size(rows), 3);
    names[0] = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_array_get(rows, i);
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", i ? "," : "", str(r, "owner"));
        ASSERT_OK(cps_public_key_to_string(&fx.prods.pub[i], false, key, sizeof key));
        ASSERT_STR_EQ(str(r, "producer_key"), key);
        ASSERT_STR_EQ(str(r, "total_votes"), "0.00000000000000000");
        ASSERT_EQ(num(json_array_get(json_object_get(r, "producer_authority"), 1), "threshold"),
                  1);
    }
    ASSERT_STR_EQ(names, "prod.a,prod.b,prod.c");
    ASSERT_STR_EQ(str(p, "more"), "");
    json_decref(p);
    fixture_stop(&fx);
}

/* A block by its scheduled producer holding one newaccount, remembered for
 * get_transaction_status as the ingress pipeline does. */
static int produce_with_trx_on_loop(fixture *fx)
{
    cps_chain_controller *c = fx->ctl;
    uint32_t slot = ++fx->slot;
    cps_name who;
    int rc = cps_chain_controller_scheduled_producer(c, slot, &who, NULL);
    if (!rc) rc = cps_chain_controller_start_block(c, slot, who);
    if (rc) return rc;
    static int seq;
    char name[16];
    snprintf(name, sizeof name, "user.%c", 'a' + seq++);
    cps_private_key k = ctl_key(77);
    char pub[CPS_PUBLIC_KEY_STR_MAX], json[1024];
    ctl_pub_str(&k, pub);
    snprintf(json, sizeof json,
             "{\"creator\":\"eosio\",\"name\":\"%s\",\"owner\":{\"threshold\":1,\"keys\":[{\"key\":"
             "\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},\"active\":{\"threshold\":1,"
             "\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]}}",
             name, pub, pub);
    ctl_action a = {"eosio", "newaccount", "eosio@active", NULL, json};
    cps_private_key dev = ctl_dev_key();
    cps_chain_transaction_trace *t = NULL;
    rc = ctl_push(c, &a, 1, &dev, 1, NULL, &t);
    if (!rc) {
        fx->trx_id = t->id;
        chain_api_remember_trx(fx->api, &t->id, 0);
    }
    cps_chain_transaction_trace_free(t);
    cps_private_key key = sched_key_of(&fx->prods, who);
    cps_buf raw = {0};
    if (!rc) rc = cps_chain_controller_finalize_block(c, &key);
    if (!rc) rc = cps_chain_controller_commit_block(c, &raw);
    if (rc) cps_chain_controller_abort_block(c, NULL, NULL);
    else {
        cps_chain_api_head_changed(fx->api, &raw);
        fx->trx_block = cps_chain_controller_head_num(c);
    }
    cps_buf_free(&raw);
    return rc;
}

static int lib_to_head_on_loop(fixture *fx)
{
    int rc = cps_chain_controller_set_lib(fx->ctl, cps_chain_controller_head_num(fx->ctl));
    if (!rc) cps_chain_api_head_changed(fx->api, NULL);
    return rc;
}

static int lib_below_head_on_loop(fixture *fx)
{
    int rc = cps_chain_controller_set_lib(fx->ctl, cps_chain_controller_head_num(fx->ctl) - 1);
    if (!rc) cps_chain_api_head_changed(fx->api, NULL);
    return rc;
}

static int pop_head_on_loop(fixture *fx)
{
    int rc = cps_chain_controller_pop_block(fx->ctl, NULL, NULL);
    if (!rc) {
        fx->slot--;
        cps_chain_api_head_changed(fx->api, NULL);
    }
    return rc;
}

static json_t *trx_status(fixture *fx)
{
    char body[128], hex[65];
    cps_hex_encode(hex, fx->trx_id.b, 32);
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", hex);
    int st;
    json_t *j = call(fx, "get_transaction_status", body, &st);
    return st == 200 ? j : (json_decref(j), NULL);
}

TEST(transaction_status_follows_lib_and_forks)
{
    fixture fx;
    ASSERT_OK(fixture_start(&fx));
    ASSERT_OK(on_loop(&fx, produce_with_trx_on_loop));
    uint32_t lib = cps_chain_controller_lib_num(fx.ctl);
    json_t *s = trx_status(&fx);
    ASSERT_TRUE(s != NULL);
    ASSERT_STR_EQ(str(s, "state"), "IN_BLOCK");
    ASSERT_EQ(num(s, "block_number"), fx.trx_block);
    ASSERT_EQ(num(s, "irreversible_number"), lib);
    ASSERT_EQ(num(s, "head_number"), fx.trx_block);
    ASSERT_OK(block_facts(&fx, fx.trx_block));
    ASSERT_STR_EQ(str(s, "block_id"), want_id);
    ASSERT_STR_EQ(str(s, "block_timestamp"), want_time);
    ASSERT_OK(block_facts(&fx, lib));
    ASSERT_STR_EQ(str(s, "irreversible_id"), want_id);
    ASSERT_STR_EQ(str(s, "irreversible_timestamp"), want_time);
    json_decref(s);

    /* LIB reaches the block: irreversible, and get_info follows. */
    ASSERT_OK(on_loop(&fx, lib_to_head_on_loop));
    s = trx_status(&fx);
    ASSERT_TRUE(s != NULL);
    ASSERT_STR_EQ(str(s, "state"), "IRREVERSIBLE");
    ASSERT_EQ(num(s, "irreversible_number"), fx.trx_block);
    json_decref(s);
    int st;
    json_t *info = call(&fx, "get_info", "{}", &st);
    ASSERT_EQ(num(info, "last_irreversible_block_num"), fx.trx_block);
    ASSERT_STR_EQ(str(info, "last_irreversible_block_time"), str(info, "head_block_time"));
    json_decref(info);

    /* A reversible block that is popped: its transaction is forked out. */
    ASSERT_OK(on_loop(&fx, produce_with_trx_on_loop));
    s = trx_status(&fx);
    ASSERT_STR_EQ(str(s, "state"), "IN_BLOCK");
    json_decref(s);
    ASSERT_OK(on_loop(&fx, pop_head_on_loop));
    s = trx_status(&fx);
    ASSERT_STR_EQ(str(s, "state"), "FORKED_OUT");
    ASSERT_EQ(json_object_get(s, "block_number") == NULL, 1);
    json_decref(s);
    info = call(&fx, "get_info", "{}", &st);
    ASSERT_EQ(num(info, "head_block_num"), fx.trx_block - 1);
    json_decref(info);

    /* Unknown ids are UNKNOWN. */
    memset(fx.trx_id.b, 0x5a, 32);
    s = trx_status(&fx);
    ASSERT_STR_EQ(str(s, "state"), "UNKNOWN");
    json_decref(s);
    fixture_stop(&fx);
}

/* ---- a producer's turn ends with pushes still queued ------------------------------------------ */
#define TURN_PUSHES 3
static struct {
    char *body[TURN_PUSHES];   /* push_transaction bodies */
    cps_buf relayed[TURN_PUSHES]; /* what the relay was handed */
    int relayed_count;
    int status[TURN_PUSHES];
    json_t *answer[TURN_PUSHES];
    fixture *fx;
    cps_name who; /* the producer of the turn's block */
} turn;

/* The node's P2P relay, recorded (no peer, no speculative trace: the answer keeps the receipt). */
static int recording_relay(void *ctx, const uint8_t *packed, size_t n,
                           cps_chain_transaction_trace **trace)
{
    (void)ctx;
    if (trace) *trace = NULL;
    if (turn.relayed_count < TURN_PUSHES &&
        cps_write_bytes(&turn.relayed[turn.relayed_count], packed, n))
        return CPS_ERR_NOMEM;
    turn.relayed_count++;
    return 0;
}

/* The producer's block is pending (its turn) and the ingress knows it; bodies are made. */
static int turn_start_on_loop(fixture *fx)
{
    cps_chain_api_set_relay(fx->api, recording_relay, NULL);
    /* a block at the wall clock's slot first: the API checks expirations against the clock */
    uint32_t now_slot = cps_block_timestamp_from_us(cps_time_now_us());
    if (now_slot > fx->slot) fx->slot = now_slot;
    cps_buf head = {0};
    int rc = sched_produce(fx->ctl, &fx->prods, fx->slot, NULL, &head);
    if (!rc) cps_chain_api_head_changed(fx->api, &head);
    cps_buf_free(&head);
    cps_private_key dev = ctl_dev_key();
    for (int i = 0; i < TURN_PUSHES && !rc; i++) {
        char json[1024], pub[CPS_PUBLIC_KEY_STR_MAX];
        cps_private_key k = ctl_key(90);
        ctl_pub_str(&k, pub);
        snprintf(json, sizeof json,
                 "{\"creator\":\"eosio\",\"name\":\"turn.%c\",\"owner\":{\"threshold\":1,\"keys\":"
                 "[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},\"active\":"
                 "{\"threshold\":1,\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],"
                 "\"waits\":[]}}", 'a' + i, pub, pub);
        ctl_action a = {"eosio", "newaccount", "eosio@active", NULL, json};
        cps_buf packed = {0}, body = {0};
        cps_arena ar = {0};
        cps_packed_transaction pt;
        rc = ctl_make_trx(fx->ctl, &a, 1, &dev, 1, NULL, &packed);
        cps_reader r = cps_reader_make(packed.data, packed.size);
        if (!rc) rc = cps_abi_packed_transaction_unpack(&r, &ar, &pt);
        if (!rc) rc = cps_abi_packed_transaction_to_json(&pt, false, NULL, NULL, &body);
        if (!rc) turn.body[i] = strdup(cps_buf_cstr(&body));
        cps_abi_arena_free(&ar);
        cps_buf_free(&packed);
        cps_buf_free(&body);
    }
    uint32_t slot = ++fx->slot;
    cps_name who;
    if (!rc) rc = cps_chain_controller_scheduled_producer(fx->ctl, slot, &who, NULL);
    if (!rc) rc = cps_chain_controller_start_block(fx->ctl, slot, who);
    if (!rc) cps_chain_api_block_started(fx->api);
    turn.who = who;
    return rc;
}

/* The turn's last block commits: no block is pending any more (the next slot is another
 * producer's), and the ingress has not looked since it last saw one (it still queues pushes). */
static int turn_end_on_loop(fixture *fx)
{
    cps_private_key key = sched_key_of(&fx->prods, turn.who);
    cps_buf raw = {0};
    int rc = cps_chain_controller_finalize_block(fx->ctl, &key);
    if (!rc) rc = cps_chain_controller_commit_block(fx->ctl, &raw);
    if (!rc) cps_chain_api_head_changed(fx->api, &raw);
    cps_buf_free(&raw);
    return rc;
}

static int relayed_count_on_loop(fixture *fx)
{
    (void)fx;
    return turn.relayed_count;
}

/* The next producer's block holds the forwarded transactions. */
static int next_block_on_loop(fixture *fx)
{
    uint32_t slot = ++fx->slot;
    cps_name who;
    int rc = cps_chain_controller_scheduled_producer(fx->ctl, slot, &who, NULL);
    if (!rc) rc = cps_chain_controller_start_block(fx->ctl, slot, who);
    for (int i = 0; i < TURN_PUSHES && !rc; i++)
        rc = cps_chain_controller_push_transaction(fx->ctl, turn.relayed[i].data,
                                                   turn.relayed[i].size, NULL);
    cps_private_key key = sched_key_of(&fx->prods, who);
    cps_buf raw = {0};
    if (!rc) rc = cps_chain_controller_finalize_block(fx->ctl, &key);
    if (!rc) rc = cps_chain_controller_commit_block(fx->ctl, &raw);
    if (rc) cps_chain_controller_abort_block(fx->ctl, NULL, NULL);
    else {
        fx->trx_block = cps_chain_controller_head_num(fx->ctl);
        cps_chain_api_head_changed(fx->api, &raw);
    }
    cps_buf_free(&raw);
    return rc;
}

static void *push_thread(void *arg)
{
    int i = (int)(intptr_t)arg;
    http_response r;
    if (http_once(turn.fx->port, "POST", "/v1/chain/push_transaction", NULL, turn.body[i], &r))
        return NULL;
    turn.status[i] = r.status;
    turn.answer[i] = json_loadb(r.body ? r.body : "", r.body_len, JSON_DECODE_ANY, NULL);
    http_response_free(&r);
    return NULL;
}

/* Pushes queued when a producer's turn has ended are not refused (no pending block): they go to
 * the peers like a follower's, and each is answered once a block holds it. */
TEST(pushes_queued_at_the_end_of_a_turn_are_forwarded)
{
    fixture fx;
    ASSERT_OK(fixture_start(&fx));
    memset(&turn, 0, sizeof turn);
    turn.fx = &fx;
    ASSERT_OK(on_loop(&fx, turn_start_on_loop));
    ASSERT_OK(on_loop(&fx, turn_end_on_loop));
    /* the first push joins the queue (the ingress last saw a pending block); the loop drains it
     * with no block pending: it goes to the relay, and so do the others (queued or not) */
    pthread_t th[TURN_PUSHES];
    for (int i = 0; i < TURN_PUSHES; i++)
        ASSERT_EQ(pthread_create(&th[i], NULL, push_thread, (void *)(intptr_t)i), 0);
    for (int k = 0; k < 500 && on_loop(&fx, relayed_count_on_loop) < TURN_PUSHES; k++)
        usleep(10 * 1000);
    ASSERT_EQ(on_loop(&fx, relayed_count_on_loop), TURN_PUSHES);
    ASSERT_OK(on_loop(&fx, next_block_on_loop));
    for (int i = 0; i < TURN_PUSHES; i++) {
        pthread_join(th[i], NULL);
        ASSERT_EQ(turn.status[i], 202);
        json_t *p = json_object_get(turn.answer[i], "processed");
        ASSERT_EQ(json_integer_value(json_object_get(p, "block_num")), fx.trx_block);
        ASSERT_EQ(strcmp(str(json_object_get(p, "receipt"), "status"), "executed"), 0);
        ASSERT_EQ(strlen(str(turn.answer[i], "transaction_id")), 64);
        json_decref(turn.answer[i]);
        free(turn.body[i]);
        cps_buf_free(&turn.relayed[i]);
    }
    fixture_stop(&fx);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    return test_main(argc, argv);
}
