/* Controller: delayed transactions end to end — stored with status "delayed", executed by the
 * producer when due (receipt by id), cancelled by canceldelay under EOSIO's rules, hard-failed
 * and expired as nodeos does — and a second node replaying the blocks to the same state. */
#include "ctl_helpers.h"
#include "chain/controller_internal.h"

static char newaccount_json[1024];

static const char *newaccount_data(const char *name, const cps_private_key *key)
{
    char pub[CPS_PUBLIC_KEY_STR_MAX];
    ctl_pub_str(key, pub);
    snprintf(newaccount_json, sizeof newaccount_json,
             "{\"creator\":\"eosio\",\"name\":\"%s\","
             "\"owner\":{\"threshold\":1,\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},"
             "\"active\":{\"threshold\":1,\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]}}",
             name, pub, pub);
    return newaccount_json;
}

/* Pushes a newaccount of `name` by eosio delayed by delay_sec; *id receives its id. */
static int push_delayed_newaccount(cps_chain_controller *c, const char *name, uint32_t delay_sec,
                                   uint32_t nonce, cps_checksum256 *id)
{
    cps_private_key k = ctl_key(7), dev = ctl_dev_key();
    ctl_action a = {"eosio", "newaccount", "eosio@active", NULL, newaccount_data(name, &k)};
    ctl_trx_opts o = {0, false, nonce, delay_sec};
    cps_chain_transaction_trace *t = NULL;
    int rc = ctl_push(c, &a, 1, &dev, 1, &o, &t);
    if (!rc && t->status != CPS_TRX_DELAYED) rc = -1;
    if (!rc && t->action_count != 0) rc = -2; /* nothing ran */
    if (t) *id = t->id;
    cps_chain_transaction_trace_free(t);
    return rc;
}

static bool exists(cps_chain_controller *c, const char *name)
{
    cps_chain_account_info ai;
    return cps_chain_controller_get_account(c, cps_abi_name(name), &ai) == 0;
}

/* Starts a block `slots` half-seconds after the head. */
static int start_after(cps_chain_controller *c, uint32_t slots)
{
    return cps_chain_controller_start_block(c, cps_chain_controller_head_timestamp(c) + slots,
                                            cps_abi_name("eosio"));
}

/* Pushes every scheduled transaction due; their statuses go to st[] (up to 8). */
static int run_due(cps_chain_controller *c, uint8_t *st, size_t *n)
{
    cps_checksum256 ids[8];
    int rc = cps_chain_controller_get_scheduled_transactions(c, ids, 8, n);
    for (size_t i = 0; !rc && i < *n; i++) {
        cps_chain_transaction_trace *t = NULL;
        rc = cps_chain_controller_push_scheduled_transaction(c, &ids[i], &t);
        if (!rc) st[i] = t->status;
        cps_chain_transaction_trace_free(t);
    }
    return rc;
}

TEST(delayed_transaction_runs_when_due_and_replays)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL, *d = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_buf blocks[8] = {{0}};
    size_t nb = 0;
    cps_checksum256 id;
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(push_delayed_newaccount(c, "alice", 2, 0, &id));
    ASSERT(!exists(c, "alice"));
    ASSERT_OK(ctl_finish(c, &blocks[nb++]));

    /* 1.5 s later: not due; pushing it anyway is refused */
    uint8_t st[8];
    size_t n;
    ASSERT_OK(start_after(c, 3));
    ASSERT_OK(run_due(c, st, &n));
    ASSERT_EQ(n, 0);
    ASSERT_EQ(cps_chain_controller_push_scheduled_transaction(c, &id, NULL), CPS_ERR_TX);
    ASSERT_OK(ctl_finish(c, &blocks[nb++]));
    ASSERT(!exists(c, "alice"));

    /* 2 s after it was published: executed, receipt by id */
    ASSERT_OK(start_after(c, 1));
    ASSERT_OK(run_due(c, st, &n));
    ASSERT_EQ(n, 1);
    ASSERT_EQ(st[0], CPS_TRX_EXECUTED);
    ASSERT(exists(c, "alice"));
    ASSERT_EQ(cps_chain_controller_push_scheduled_transaction(c, &id, NULL), CPS_ERR_NOT_FOUND);
    ASSERT_OK(ctl_finish(c, &blocks[nb++]));
    cps_arena a = {0};
    cps_signed_block b;
    ASSERT_OK(cps_abi_signed_block_decode(blocks[2].data, blocks[2].size, &a, &b));
    ASSERT_EQ(b.transaction_count, 1);
    ASSERT(!b.transactions[0].is_packed);
    ASSERT_MEM_EQ(b.transactions[0].trx_id.b, id.b, 32);
    ASSERT_EQ(b.transactions[0].net_usage_words, 0);
    ASSERT_OK(cps_abi_signed_block_decode(blocks[0].data, blocks[0].size, &a, &b));
    ASSERT_EQ(b.transactions[0].status, CPS_TRX_DELAYED);
    cps_abi_arena_free(&a);

    /* another node applies the blocks to the same state */
    uint8_t h1[32], h2[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, h1));
    ASSERT_OK(ctl_open(dir2, &d));
    for (size_t i = 0; i < nb; i++) {
        int rc = cps_chain_controller_push_block(d, blocks[i].data, blocks[i].size);
        if (rc) fprintf(stderr, "    push_block %zu: %s\n", i, cps_last_error());
        ASSERT_OK(rc);
    }
    ASSERT_OK(cps_chain_controller_state_hash(d, h2));
    ASSERT_MEM_EQ(h1, h2, 32);
    ASSERT(exists(d, "alice"));
    cps_chain_controller_close(d);

    /* and the node itself, from its log after losing its state */
    cps_chain_controller_close(c);
    char sp[256];
    snprintf(sp, sizeof sp, "%s/state", dir);
    ctl_rm_rf(sp);
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_OK(cps_chain_controller_state_hash(c, h2));
    ASSERT_MEM_EQ(h1, h2, 32);
    cps_chain_controller_close(c);
    for (size_t i = 0; i < nb; i++) cps_buf_free(&blocks[i]);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

static int canceldelay(cps_chain_controller *c, const char *auth, const char *canceling_actor,
                       const cps_checksum256 *id, const cps_private_key *key, uint32_t nonce)
{
    char hex[65], json[512];
    cps_hex_encode(hex, id->b, 32);
    snprintf(json, sizeof json,
             "{\"canceling_auth\":{\"actor\":\"%s\",\"permission\":\"active\"},\"trx_id\":\"%s\"}",
             canceling_actor, hex);
    ctl_action a = {"eosio", "canceldelay", auth, NULL, json};
    ctl_trx_opts o = {0, false, nonce, 0};
    return ctl_push(c, &a, 1, key, 1, &o, NULL);
}

TEST(canceldelay_rules_and_ram_refund)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_private_key ka = ctl_key(1), dev = ctl_dev_key();
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &ka));
    int64_t ram0, ramu0, nw, cw;
    ASSERT_OK(cps_chain_controller_get_resources(c, cps_abi_name("eosio"), &ram0, &ramu0, &nw, &cw));
    cps_checksum256 id;
    ASSERT_OK(push_delayed_newaccount(c, "bob", 10, 1, &id));
    int64_t ramu1;
    ASSERT_OK(cps_chain_controller_get_resources(c, cps_abi_name("eosio"), &ram0, &ramu1, &nw, &cw));
    ASSERT(ramu1 > ramu0); /* the stored transaction is billed to its first authorizer */
    ASSERT_OK(ctl_finish(c, NULL));

    ASSERT_OK(ctl_start(c));
    /* alice@active authorized nothing in it */
    ASSERT_EQ(canceldelay(c, "alice@active", "alice", &id, &ka, 2), CPS_ERR_AUTH);
    /* the declared authority must satisfy canceling_auth */
    ASSERT_EQ(canceldelay(c, "alice@active", "eosio", &id, &ka, 3), CPS_ERR_AUTH);
    /* an unknown id */
    cps_checksum256 other = id;
    other.b[0] ^= 1;
    ASSERT_EQ(canceldelay(c, "eosio@active", "eosio", &other, &dev, 4), CPS_ERR_NOT_FOUND);
    ASSERT_OK(canceldelay(c, "eosio@active", "eosio", &id, &dev, 5));
    int64_t ramu2;
    ASSERT_OK(cps_chain_controller_get_resources(c, cps_abi_name("eosio"), &ram0, &ramu2, &nw, &cw));
    ASSERT_EQ(ramu2, ramu0);
    ASSERT_OK(ctl_finish(c, NULL));

    /* 10 s later nothing is due and bob never appears */
    uint8_t st[8];
    size_t n;
    ASSERT_OK(start_after(c, 21));
    ASSERT_OK(run_due(c, st, &n));
    ASSERT_EQ(n, 0);
    ASSERT_OK(ctl_finish(c, NULL));
    ASSERT(!exists(c, "bob"));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(hard_fail_and_expired_receipts)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL, *d = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_buf blocks[8] = {{0}};
    size_t nb = 0;
    cps_private_key ka = ctl_key(1);
    cps_checksum256 dup_id, late_id;
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &ka));
    /* alice exists by the time this runs: its newaccount fails */
    ASSERT_OK(push_delayed_newaccount(c, "alice", 1, 7, &dup_id));
    /* this one is left waiting past its expiration window */
    ASSERT_OK(push_delayed_newaccount(c, "carol", 1, 8, &late_id));
    ASSERT_OK(ctl_finish(c, &blocks[nb++]));

    ASSERT_OK(start_after(c, 2));
    cps_chain_transaction_trace *t = NULL;
    ASSERT_OK(cps_chain_controller_push_scheduled_transaction(c, &dup_id, &t));
    ASSERT_EQ(t->status, CPS_TRX_HARD_FAIL);
    ASSERT_NE(t->error, 0);
    cps_chain_transaction_trace_free(t);
    ASSERT_OK(ctl_finish(c, &blocks[nb++]));

    /* deferred_trx_expiration_window (600 s) later */
    uint32_t window = cps_chain_controller_config(c)->deferred_trx_expiration_window;
    ASSERT_OK(start_after(c, window * 2 + 4));
    uint8_t st[8];
    size_t n;
    ASSERT_OK(run_due(c, st, &n));
    ASSERT_EQ(n, 1);
    ASSERT_EQ(st[0], CPS_TRX_EXPIRED);
    ASSERT_OK(ctl_finish(c, &blocks[nb++]));
    ASSERT(!exists(c, "carol"));

    uint8_t h1[32], h2[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, h1));
    ASSERT_OK(ctl_open(dir2, &d));
    for (size_t i = 0; i < nb; i++) {
        int rc = cps_chain_controller_push_block(d, blocks[i].data, blocks[i].size);
        if (rc) fprintf(stderr, "    push_block %zu: %s\n", i, cps_last_error());
        ASSERT_OK(rc);
    }
    ASSERT_OK(cps_chain_controller_state_hash(d, h2));
    ASSERT_MEM_EQ(h1, h2, 32);
    /* a block whose receipt claims another status is refused */
    cps_arena a = {0};
    cps_chain_controller_close(d);
    d = NULL;
    ctl_rm_rf(dir2);
    ASSERT_OK(ctl_open(dir2, &d));
    ASSERT_OK(cps_chain_controller_push_block(d, blocks[0].data, blocks[0].size));
    cps_signed_block b;
    ASSERT_OK(cps_abi_signed_block_decode(blocks[1].data, blocks[1].size, &a, &b));
    ASSERT_EQ(b.transactions[0].status, CPS_TRX_HARD_FAIL);
    b.transactions[0].status = CPS_TRX_EXECUTED;
    cps_buf bad = {0};
    ASSERT_OK(cps_abi_signed_block_pack(&bad, &b));
    ASSERT_EQ(cps_chain_controller_push_block(d, bad.data, bad.size), CPS_ERR_BLOCK);
    cps_buf_free(&bad);
    cps_abi_arena_free(&a);
    cps_chain_controller_close(d);
    cps_chain_controller_close(c);
    for (size_t i = 0; i < nb; i++) cps_buf_free(&blocks[i]);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

/* A packed `transaction` of one newaccount by alice. */
static int newaccount_by_alice(cps_chain_controller *c, const char *name, cps_buf *out)
{
    cps_private_key k = ctl_key(9);
    cps_buf data = {0};
    json_t *v = NULL;
    const char *js = newaccount_data(name, &k);
    char json[1024];
    snprintf(json, sizeof json, "%s", js);
    memcpy(strstr(json, "\"eosio\""), "\"alice\"", 7);
    int rc = cps_abi_json_parse(json, strlen(json), &v);
    if (!rc) rc = cps_abi_action_json_to_bin(cps_abi_eosio_native(), cps_abi_name("newaccount"), v,
                                             &data);
    json_decref(v);
    cps_permission_level auth = {cps_abi_name("alice"), cps_abi_name("active")};
    cps_action act = {cps_abi_name("eosio"), cps_abi_name("newaccount"), &auth, 1,
                      {data.data, data.size}};
    cps_transaction t;
    memset(&t, 0, sizeof t);
    t.header.expiration = (uint32_t)(cps_block_timestamp_to_us(
                                         cps_chain_controller_head_timestamp(c)) / 1000000 + 60);
    t.actions = &act;
    t.action_count = 1;
    cps_buf_reset(out);
    if (!rc) rc = cps_abi_transaction_pack(out, &t);
    cps_buf_free(&data);
    return rc;
}

static int64_t ram_usage(cps_chain_controller *c, const char *name)
{
    int64_t r, u, n, w;
    if (cps_chain_controller_get_resources(c, cps_abi_name(name), &r, &u, &n, &w)) return -1;
    return u;
}

TEST(send_deferred_replace_cancel_and_onerror)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_private_key ka = ctl_key(1), kb = ctl_key(2);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &ka));
    ASSERT_OK(ctl_newaccount(c, "bob", &kb));
    ASSERT_OK(ctl_finish(c, NULL));

    /* alice's contract action (no controller transaction around it: the rows go straight to
     * the pending block) */
    ASSERT_OK(ctl_start(c));
    cps_chain_trx_context tc;
    memset(&tc, 0, sizeof tc);
    tc.chain = c;
    tc.state = cps_chain_controller_state(c);
    tc.config = cps_chain_controller_config(c);
    tc.block_time_us = cps_block_timestamp_to_us(cps_chain_controller_head_timestamp(c) + 1);
    tc.block_num = cps_chain_controller_head_num(c) + 1;
    cps_permission_level auth = {cps_abi_name("alice"), cps_abi_name("active")};
    cps_action act = {cps_abi_name("alice"), cps_abi_name("go"), &auth, 1, {NULL, 0}};
    cps_chain_apply_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.trx = &tc;
    ctx.act = &act;
    ctx.receiver = cps_abi_name("alice");
    cps_buf fails = {0}, works = {0}, later = {0};
    ASSERT_OK(newaccount_by_alice(c, "bob", &fails));   /* bob exists: fails when run */
    ASSERT_OK(newaccount_by_alice(c, "carol", &works));
    ASSERT_OK(newaccount_by_alice(c, "dave", &later));
    const int64_t base = ram_usage(c, "alice");

    /* alice@active is not satisfied by alice@eosio.code */
    ASSERT_EQ(cps_chain__send_deferred(&ctx, 1, cps_abi_name("alice"), works.data, works.size,
                                       false), CPS_ERR_AUTH);
    /* bob's RAM needs bob's authorization of the action */
    ctx.privileged = false;
    ASSERT_EQ(cps_chain__send_deferred(&ctx, 1, cps_abi_name("bob"), works.data, works.size, false),
              CPS_ERR_AUTH);
    /* truncated bytes */
    ASSERT_EQ(cps_chain__send_deferred(&ctx, 1, cps_abi_name("alice"), works.data, works.size - 1,
                                       false), CPS_ERR_FORMAT);
    ctx.privileged = true; /* a privileged sender skips the authority checks */
    ASSERT_OK(cps_chain__send_deferred(&ctx, 1, cps_abi_name("alice"), fails.data, fails.size,
                                       false));
    ASSERT_EQ(ram_usage(c, "alice"), base + CPS_CHAIN_GENERATED_TRX_RAM + (int64_t)fails.size);
    ASSERT_EQ(cps_chain__send_deferred(&ctx, 1, cps_abi_name("alice"), works.data, works.size,
                                       false), CPS_ERR_TX_DUPLICATE);
    /* sender_id 2: `later` replaced by `works` (the RAM follows the new bytes) */
    ASSERT_OK(cps_chain__send_deferred(&ctx, 2, cps_abi_name("alice"), later.data, later.size,
                                       false));
    ASSERT_OK(cps_chain__send_deferred(&ctx, 2, cps_abi_name("alice"), works.data, works.size,
                                       true));
    const int64_t both = base + 2 * CPS_CHAIN_GENERATED_TRX_RAM + (int64_t)fails.size +
                         (int64_t)works.size;
    ASSERT_EQ(ram_usage(c, "alice"), both);
    /* the same transaction under another sender_id has the same id: refused */
    ASSERT_EQ(cps_chain__send_deferred(&ctx, 3, cps_abi_name("alice"), works.data, works.size,
                                       false), CPS_ERR_TX_DUPLICATE);
    bool cancelled = true;
    ASSERT_OK(cps_chain__cancel_deferred(&ctx, 3, &cancelled));
    ASSERT(!cancelled);
    ASSERT_OK(cps_chain__send_deferred(&ctx, 4, cps_abi_name("alice"), later.data, later.size,
                                       false));
    ASSERT(ram_usage(c, "alice") > both);
    ASSERT_OK(cps_chain__cancel_deferred(&ctx, 4, &cancelled));
    ASSERT(cancelled);
    ASSERT_EQ(ram_usage(c, "alice"), both);
    ASSERT_OK(ctl_finish(c, NULL));

    /* next block: both due (delay 0) */
    ASSERT_OK(ctl_start(c));
    cps_checksum256 ids[4];
    size_t n;
    ASSERT_OK(cps_chain_controller_get_scheduled_transactions(c, ids, 4, &n));
    ASSERT_EQ(n, 2);
    int soft = 0, executed = 0;
    for (size_t i = 0; i < n; i++) {
        cps_chain_transaction_trace *t = NULL;
        ASSERT_OK(cps_chain_controller_push_scheduled_transaction(c, &ids[i], &t));
        if (t->status == CPS_TRX_SOFT_FAIL) {
            soft++;
            /* the onerror trace: eosio::onerror delivered to alice */
            ASSERT_EQ(t->action_count, 1);
            ASSERT_U64_EQ(t->actions[0].receiver, cps_abi_name("alice"));
            ASSERT_U64_EQ(t->actions[0].name, cps_abi_name("onerror"));
            size_t vs = cps_varuint32_size((uint32_t)fails.size);
            ASSERT_EQ(t->actions[0].data_size, 16 + vs + fails.size);
            ASSERT_EQ(t->actions[0].data[0], 1); /* sender_id 1, little-endian */
            ASSERT_MEM_EQ(t->actions[0].data + 16 + vs, fails.data, fails.size);
        } else if (t->status == CPS_TRX_EXECUTED) {
            executed++;
        }
        cps_chain_transaction_trace_free(t);
    }
    ASSERT_EQ(soft, 1);
    ASSERT_EQ(executed, 1);
    ASSERT(exists(c, "carol"));
    ASSERT(!exists(c, "dave"));
    ASSERT_OK(ctl_finish(c, NULL));
    /* the records' RAM is refunded (newaccount bills the new account, not its creator) */
    ASSERT_EQ(ram_usage(c, "alice"), base);
    ASSERT(ram_usage(c, "carol") > 0);
    cps_chain_account_info ai;
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("carol"), &ai));
    cps_buf_free(&fails);
    cps_buf_free(&works);
    cps_buf_free(&later);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    return test_main(argc, argv);
}
