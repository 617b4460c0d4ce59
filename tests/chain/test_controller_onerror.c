/* Controller: a WASM contract's deferred transaction fails and eosio::onerror reaches the
 * sender's own contract, which records it in a table (soft_fail) — the whole path through
 * send_deferred, the producer's scheduled-transaction run and the contract's apply. */
#include "probe.h"

#include "chain/controller_internal.h"

/* alice's active = her key or alice@eosio.code (so her contract may send as alice@active). */
static int add_eosio_code(cps_chain_controller *c, const cps_private_key *key)
{
    char pub[CPS_PUBLIC_KEY_STR_MAX], json[1024];
    ctl_pub_str(key, pub);
    snprintf(json, sizeof json,
             "{\"account\":\"alice\",\"permission\":\"active\",\"parent\":\"owner\",\"auth\":"
             "{\"threshold\":1,\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":"
             "[{\"permission\":{\"actor\":\"alice\",\"permission\":\"eosio.code\"},\"weight\":1}],"
             "\"waits\":[]}}",
             pub);
    ctl_action a = {"eosio", "updateauth", "alice@active", NULL, json};
    return ctl_push(c, &a, 1, key, 1, NULL, NULL);
}

/* The packed transaction alice's contract sends: one alice::fail (which asserts). */
static int failing_trx(cps_chain_controller *c, cps_buf *out)
{
    cps_permission_level auth = {cps_abi_name("alice"), cps_abi_name("active")};
    cps_action act = {cps_abi_name("alice"), cps_abi_name("fail"), &auth, 1, {NULL, 0}};
    cps_transaction t;
    memset(&t, 0, sizeof t);
    t.header.expiration =
        (uint32_t)(cps_block_timestamp_to_us(cps_chain_controller_head_timestamp(c)) / 1000000 +
                   600);
    t.actions = &act;
    t.action_count = 1;
    cps_buf_reset(out);
    return cps_abi_transaction_pack(out, &t);
}

/* The same transaction as the JSON of probe's "go" action. */
static int go_json(const cps_buf *trx, cps_buf *json)
{
    int rc = cps_abi_action_bin_to_json(probe_get_abi(), cps_abi_name("go"), trx->data, trx->size,
                                        json);
    return rc ? rc : cps_write_u8(json, 0);
}

TEST(failed_deferred_transaction_delivers_onerror_to_the_sender_contract)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_private_key ka = ctl_key(1);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &ka));
    ASSERT_OK(probe_deploy(c, "alice", &ka, 0));
    ASSERT_OK(add_eosio_code(c, &ka));
    ASSERT_OK(ctl_finish(c, NULL));

    /* block 3: alice::go sends the failing transaction deferred (sender_id 7) */
    ASSERT_OK(ctl_start(c));
    cps_buf sent = {0}, json = {0}, row = {0};
    ASSERT_OK(failing_trx(c, &sent));
    ASSERT_OK(go_json(&sent, &json));
    ctl_action go = {"alice", "go", "alice@active", probe_get_abi(), (const char *)json.data};
    ASSERT_OK(ctl_push(c, &go, 1, &ka, 1, NULL, NULL));
    cps_checksum256 ids[4];
    size_t n = 0;
    ASSERT_OK(ctl_finish(c, NULL));

    /* block 4: the producer runs it; it fails; onerror goes to alice's contract */
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(cps_chain_controller_get_scheduled_transactions(c, ids, 4, &n));
    ASSERT_EQ(n, 1);
    cps_checksum256 sent_id;
    cps_abi_transaction_id_raw(sent.data, sent.size, &sent_id);
    ASSERT_MEM_EQ(ids[0].b, sent_id.b, 32);
    cps_chain_transaction_trace *t = NULL;
    ASSERT_OK(cps_chain_controller_push_scheduled_transaction(c, &ids[0], &t));
    ASSERT_EQ(t->status, CPS_TRX_SOFT_FAIL);
    ASSERT_EQ(t->action_count, 1);
    ASSERT_U64_EQ(t->actions[0].receiver, cps_abi_name("alice"));
    ASSERT_U64_EQ(t->actions[0].account, cps_abi_name("eosio"));
    ASSERT_U64_EQ(t->actions[0].name, cps_abi_name("onerror"));
    ASSERT(t->actions[0].has_receipt);
    cps_chain_transaction_trace_free(t);
    ASSERT_OK(ctl_finish(c, NULL));

    /* the contract's record: onerror{sender_id = 7, sent_trx} in table "errors", key 7 */
    ASSERT(probe_row(c, "alice", "errors", 7, &row));
    size_t vs = cps_varuint32_size((uint32_t)sent.size);
    ASSERT_EQ(row.size, 16 + vs + sent.size);
    ASSERT_EQ(row.data[0], 7);
    for (int i = 1; i < 16; i++) ASSERT_EQ(row.data[i], 0);
    ASSERT_MEM_EQ(row.data + 16 + vs, sent.data, sent.size);
    /* the failed transaction's own write ("junk") did not survive, and nothing is left queued */
    ASSERT(!probe_row(c, "alice", "junk", 1, &row));
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(cps_chain_controller_get_scheduled_transactions(c, ids, 4, &n));
    ASSERT_EQ(n, 0);
    cps_chain_controller_abort_block(c, NULL, NULL);

    /* a validating node replays the blocks (soft_fail receipt included) to the same state */
    cps_chain_controller *d = NULL;
    ASSERT_OK(ctl_open(dir2, &d));
    for (uint32_t num = 2; num <= cps_chain_controller_head_num(c); num++) {
        cps_buf raw = {0};
        ASSERT_OK(cps_chain_block_log_read_raw(cps_chain_controller_block_log(c), num, &raw));
        int rc = cps_chain_controller_push_block(d, raw.data, raw.size);
        if (rc) fprintf(stderr, "    block %u: %s\n", num, cps_last_error());
        ASSERT_OK(rc);
        cps_buf_free(&raw);
    }
    uint8_t h0[32], h1[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, h0));
    ASSERT_OK(cps_chain_controller_state_hash(d, h1));
    ASSERT_MEM_EQ(h0, h1, 32);
    ASSERT(probe_row(d, "alice", "errors", 7, &row));

    cps_buf_free(&sent);
    cps_buf_free(&json);
    cps_buf_free(&row);
    cps_chain_controller_close(d);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    int rc = test_main(argc, argv);
    cps_abi_free(probe_abi);
    return rc;
}
