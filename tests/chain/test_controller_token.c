/* Controller end to end: eosio.token deployed with setcode/setabi and run through the VM
 * (create, issue, transfer, balances read back from its tables), a failing transfer that leaves
 * the state untouched, blocks written to the log, reopened and replayed to the same state hash,
 * and a second controller applying the same blocks to the same state. */
#include "token_helpers.h"

static int token_action(cps_chain_controller *c, const char *name, const char *auth,
                        const cps_private_key *key, const char *json, uint32_t nonce,
                        cps_chain_transaction_trace **trace)
{
    ctl_action a = {"eosio.token", name, auth, token_abi, json};
    ctl_trx_opts o = {0, false, nonce, 0};
    return ctl_push(c, &a, 1, key, 1, &o, trace);
}

/* Builds a chain: alice, bob, eosio.token with CPS issued to alice and a transfer to bob, in
 * several blocks whose raw bytes are appended to `blocks`. */
static int build_chain(cps_chain_controller *c, cps_buf *blocks, size_t *nblocks)
{
    cps_private_key alice = ctl_key(1), bob = ctl_key(2), tk = ctl_key(3);
    int rc;
    *nblocks = 0;
#define STEP(x)                                                                                    \
    if ((rc = (x))) {                                                                              \
        fprintf(stderr, "    %s: %s\n", #x, cps_last_error());                                     \
        return rc;                                                                                 \
    }
    STEP(ctl_start(c));
    STEP(ctl_newaccount(c, "alice", &alice));
    STEP(ctl_newaccount(c, "bob", &bob));
    STEP(deploy_token(c, &tk));
    STEP(ctl_finish(c, &blocks[(*nblocks)++]));
    STEP(ctl_start(c));
    STEP(token_action(c, "create", "eosio.token@active", &tk,
                      "{\"issuer\":\"alice\",\"maximum_supply\":\"1000000.0000 CPS\"}", 0, NULL));
    STEP(token_action(c, "issue", "alice@active", &alice,
                      "{\"to\":\"alice\",\"quantity\":\"1000.0000 CPS\",\"memo\":\"\"}", 0, NULL));
    STEP(ctl_finish(c, &blocks[(*nblocks)++]));
    STEP(ctl_start(c));
    STEP(token_action(c, "transfer", "alice@active", &alice,
                      "{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"25.5000 CPS\",\"memo\":\"hi\"}",
                      0, NULL));
    STEP(ctl_finish(c, &blocks[(*nblocks)++]));
    STEP(ctl_start(c)); /* an empty block */
    STEP(ctl_finish(c, &blocks[(*nblocks)++]));
#undef STEP
    return 0;
}

TEST(token_create_issue_transfer)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_buf blocks[8] = {{0}};
    size_t n;
    ASSERT_OK(build_chain(c, blocks, &n));
    ASSERT_EQ(balance(c, "alice"), 9745000);
    ASSERT_EQ(balance(c, "bob"), 255000);
    cps_chain_account_info ai;
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("eosio.token"), &ai));
    ASSERT_EQ(ai.code_sequence, 1);
    ASSERT_EQ(ai.abi_sequence, 1);
    /* RAM: the token rows are billed to their payers */
    int64_t ram_bytes, ram_usage, nw, cw;
    ASSERT_OK(cps_chain_controller_get_resources(c, cps_abi_name("bob"), &ram_bytes, &ram_usage, &nw, &cw));
    ASSERT_EQ(ram_bytes, -1);
    ASSERT(ram_usage > 0);

    cps_private_key alice = ctl_key(1), bob = ctl_key(2);
    ASSERT_OK(ctl_start(c));
    /* a transfer that overdraws fails inside the contract and leaves no trace in the state */
    uint8_t before[32], after[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, before));
    cps_chain_transaction_trace *t = NULL;
    int rc = token_action(c, "transfer", "bob@active", &bob,
                          "{\"from\":\"bob\",\"to\":\"alice\",\"quantity\":\"26.0000 CPS\",\"memo\":\"\"}",
                          0, &t);
    ASSERT_EQ(rc, CPS_ERR_ASSERT);
    ASSERT_CONTAINS(cps_last_error(), "overdrawn balance");
    ASSERT(t != NULL);
    ASSERT_EQ(t->status, CPS_TRX_HARD_FAIL);
    ASSERT_CONTAINS(t->error_message, "overdrawn balance");
    cps_chain_transaction_trace_free(t);
    ASSERT_OK(cps_chain_controller_state_hash(c, after));
    ASSERT_MEM_EQ(before, after, 32);
    /* transferring someone else's tokens: missing authority */
    rc = token_action(c, "transfer", "bob@active", &bob,
                      "{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 CPS\",\"memo\":\"\"}", 0,
                      NULL);
    ASSERT_EQ(rc, CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(), "missing authority of alice");
    /* a good transfer notifies both parties: three action traces with receipts */
    t = NULL;
    ASSERT_OK(token_action(c, "transfer", "alice@active", &alice,
                           "{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"0.5000 CPS\",\"memo\":\"x\"}",
                           1, &t));
    ASSERT(t != NULL);
    ASSERT_EQ(t->action_count, 3);
    ASSERT_U64_EQ(t->actions[0].receiver, cps_abi_name("eosio.token"));
    ASSERT_U64_EQ(t->actions[1].receiver, cps_abi_name("alice"));
    ASSERT_U64_EQ(t->actions[2].receiver, cps_abi_name("bob"));
    ASSERT(t->actions[2].has_receipt);
    ASSERT_EQ(t->actions[1].global_sequence + 1, t->actions[2].global_sequence);
    ASSERT(t->cpu_units > 0);
    cps_buf js = {0};
    ASSERT_OK(cps_chain_transaction_trace_to_json(t, &js));
    ASSERT_CONTAINS(cps_buf_cstr(&js), "\"receiver\":\"bob\"");
    cps_buf_free(&js);
    cps_chain_transaction_trace_free(t);
    ASSERT_EQ(balance(c, "bob"), 260000);
    ASSERT_OK(ctl_finish(c, NULL));
    for (size_t i = 0; i < n; i++) cps_buf_free(&blocks[i]);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(setcode_refuses_unknown_imports)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_private_key k = ctl_key(9);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "mallory", &k));
    /* (module (import "env" "launch_missiles" (func)) (func (export "apply") (param i64 i64 i64))) */
    static const char wasm[] =
        "0061736d01000000010a0260000060037e7e7e0002170103656e760f6c61756e63685f6d697373696c6573"
        "000003020101070901056170706c7900010a040102000b";
    char json[512];
    snprintf(json, sizeof json, "{\"account\":\"mallory\",\"vmtype\":0,\"vmversion\":0,\"code\":\"%s\"}", wasm);
    ctl_action a = {"eosio", "setcode", "mallory@active", NULL, json};
    ASSERT_EQ(ctl_push(c, &a, 1, &k, 1, NULL, NULL), CPS_ERR_WASM_UNLINKABLE);
    ASSERT_CONTAINS(cps_last_error(), "env.launch_missiles");
    /* not wasm at all */
    ctl_action b = {"eosio", "setcode", "mallory@active", NULL,
                    "{\"account\":\"mallory\",\"vmtype\":0,\"vmversion\":0,\"code\":\"0102030405\"}"};
    ASSERT_EQ(ctl_push(c, &b, 1, &k, 1, NULL, NULL), CPS_ERR_WASM_MALFORMED);
    cps_chain_account_info ai;
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("mallory"), &ai));
    ASSERT_EQ(ai.code_sequence, 0);
    ASSERT_OK(ctl_finish(c, NULL));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(blocks_logged_reopened_replayed_and_reapplied)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_buf blocks[8] = {{0}};
    size_t n;
    ASSERT_OK(build_chain(c, blocks, &n));
    uint8_t h1[32], h2[32], h3[32], h4[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, h1));
    uint32_t head = cps_chain_controller_head_num(c);
    ASSERT_EQ(head, 1 + n);
    ASSERT_EQ(cps_chain_block_log_head_num(cps_chain_controller_block_log(c)), head);
    cps_checksum256 id1, id2;
    cps_chain_controller_head_id(c, &id1);
    cps_chain_controller_close(c);

    /* reopen: same head, same state */
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_EQ(cps_chain_controller_head_num(c), head);
    ASSERT_OK(cps_chain_controller_state_hash(c, h2));
    ASSERT_MEM_EQ(h1, h2, 32);
    ASSERT_EQ(balance(c, "bob"), 255000);
    cps_chain_controller_close(c);

    /* state lost: rebuilt from genesis and the block log */
    char sp[256];
    snprintf(sp, sizeof sp, "%s/state", dir);
    ctl_rm_rf(sp);
    ASSERT_OK(ctl_open(dir, &c));
    ASSERT_EQ(cps_chain_controller_head_num(c), head);
    cps_chain_controller_head_id(c, &id2);
    ASSERT_MEM_EQ(id1.b, id2.b, 32);
    ASSERT_OK(cps_chain_controller_state_hash(c, h3));
    ASSERT_MEM_EQ(h1, h3, 32);
    cps_chain_controller_close(c);

    /* another node applies the same blocks and agrees */
    cps_chain_controller *d = NULL;
    ASSERT_OK(ctl_open(dir2, &d));
    for (size_t i = 0; i < n; i++) {
        int rc = cps_chain_controller_push_block(d, blocks[i].data, blocks[i].size);
        if (rc) fprintf(stderr, "    push_block %zu: %s\n", i, cps_last_error());
        ASSERT_OK(rc);
    }
    ASSERT_OK(cps_chain_controller_state_hash(d, h4));
    ASSERT_MEM_EQ(h1, h4, 32);
    ASSERT_EQ(balance(d, "alice"), 9745000);
    /* a block twice, or a tampered block, is refused and changes nothing */
    ASSERT_EQ(cps_chain_controller_push_block(d, blocks[0].data, blocks[0].size), CPS_ERR_BLOCK);
    cps_chain_controller_close(d);

    /* a tampered copy of block 3 (one byte of its transfer memo) is refused by a fresh node */
    cps_chain_controller *e = NULL;
    char *dir3 = ctl_tempdir();
    ASSERT_OK(ctl_open(dir3, &e));
    ASSERT_OK(cps_chain_controller_push_block(e, blocks[0].data, blocks[0].size));
    ASSERT_OK(cps_chain_controller_push_block(e, blocks[1].data, blocks[1].size));
    uint8_t before[32], after[32];
    ASSERT_OK(cps_chain_controller_state_hash(e, before));
    cps_buf bad = {0};
    ASSERT_OK(cps_write_bytes(&bad, blocks[2].data, blocks[2].size));
    bad.data[bad.size - 5] ^= 1; /* inside the last transaction's bytes */
    ASSERT_NE(cps_chain_controller_push_block(e, bad.data, bad.size), 0);
    ASSERT_OK(cps_chain_controller_state_hash(e, after));
    ASSERT_MEM_EQ(before, after, 32);
    ASSERT_OK(cps_chain_controller_push_block(e, blocks[2].data, blocks[2].size));
    cps_buf_free(&bad);
    cps_chain_controller_close(e);
    ctl_rm_rf(dir3);
    free(dir3);

    for (size_t i = 0; i < n; i++) cps_buf_free(&blocks[i]);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

/* A block of many signed transfers (enough for push_block to recover their keys ahead on helper
 * threads) is applied by another node to the same state; the same block with one signature
 * altered, deep inside it, is refused and leaves nothing behind. */
TEST(a_block_of_many_signed_transfers_is_validated_and_a_bad_signature_refused)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_chain_controller *c = NULL, *d = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_buf blocks[8] = {{0}};
    size_t n;
    ASSERT_OK(build_chain(c, blocks, &n));
    cps_private_key alice = ctl_key(1), bob = ctl_key(2);
    ASSERT_OK(ctl_start(c));
    for (uint32_t i = 0; i < 40; i++) {
        char json[160];
        snprintf(json, sizeof json,
                 "{\"from\":\"%s\",\"to\":\"%s\",\"quantity\":\"0.0001 CPS\",\"memo\":\"m%u\"}",
                 i % 2 ? "bob" : "alice", i % 2 ? "alice" : "bob", i);
        ASSERT_OK(token_action(c, "transfer", i % 2 ? "bob@active" : "alice@active",
                               i % 2 ? &bob : &alice, json, i, NULL));
    }
    ASSERT_OK(ctl_finish(c, &blocks[n]));
    uint8_t h1[32], h2[32], before[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, h1));

    ASSERT_OK(ctl_open(dir2, &d));
    for (size_t i = 0; i < n; i++) ASSERT_OK(cps_chain_controller_push_block(d, blocks[i].data, blocks[i].size));
    ASSERT_OK(cps_chain_controller_state_hash(d, before));

    /* transaction 30's signature altered (s, so it still parses): the block must be refused */
    cps_arena a = {0};
    cps_signed_block blk;
    ASSERT_OK(cps_abi_signed_block_decode(blocks[n].data, blocks[n].size, &a, &blk));
    ASSERT_EQ(blk.transaction_count, 40);
    ASSERT(blk.transactions[30].is_packed);
    ASSERT_EQ(blk.transactions[30].packed.signature_count, 1);
    cps_signature *sig = &blk.transactions[30].packed.signatures[0];
    sig->data[50] ^= 0x01;
    cps_buf bad = {0};
    ASSERT_OK(cps_abi_signed_block_pack(&bad, &blk));
    ASSERT_EQ(cps_chain_controller_push_block(d, bad.data, bad.size), CPS_ERR_AUTH);
    ASSERT_CONTAINS(cps_last_error(), "transaction 30");
    ASSERT_OK(cps_chain_controller_state_hash(d, h2));
    ASSERT_MEM_EQ(before, h2, 32);

    ASSERT_OK(cps_chain_controller_push_block(d, blocks[n].data, blocks[n].size));
    ASSERT_OK(cps_chain_controller_state_hash(d, h2));
    ASSERT_MEM_EQ(h1, h2, 32);
    ASSERT_EQ(balance(d, "bob"), balance(c, "bob"));
    cps_buf_free(&bad);
    cps_abi_arena_free(&a);
    cps_chain_controller_close(c);
    cps_chain_controller_close(d);
    for (size_t i = 0; i <= n; i++) cps_buf_free(&blocks[i]);
    ctl_rm_rf(dir);
    ctl_rm_rf(dir2);
    free(dir);
    free(dir2);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    int rc = test_main(argc, argv);
    cps_abi_free(token_abi);
    cps_buf_free(&token_wasm);
    return rc;
}
