/* Tests of the system, transaction and console groups through the VM, with a real controller
 * behind the apply context where the chain is consulted: eosio_exit's stop code, get_sender
 * from the action trace, get_code_hash's packed result, get_block_num, get_action packing and
 * its size protocol, get_context_free_data (context-free actions only), send_deferred input
 * decoding, and the exact console text of printi128/printui128/printsf/printdf/printqf. */
#include "chain/controller_internal.h" /* cps_chain__feature_digest */
#include "host_harness.h"

static const cps_chain_intrinsic_group *const groups[] = {
    &cps_chain__host_system, &cps_chain__host_transaction, &cps_chain__host_console, NULL};

/* ---- system ---- */

TEST(eosio_exit_returns_the_exit_code_the_controller_maps_to_success)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    cps_vm_value a[1] = {HV_I32(0)};
    ASSERT_EQ(harness_call(&h, "eosio_exit", a, 1, NULL), CPS_CHAIN_WASM_EXIT);
    ASSERT_CONTAINS(cps_last_error(), "eosio_exit(0)");
    h.ctx.context_free = true; /* callable from context-free actions too */
    a[0] = HV_I32(7);
    ASSERT_EQ(harness_call(&h, "eosio_exit", a, 1, NULL), CPS_CHAIN_WASM_EXIT);
    harness_close(&h);
}

TEST(get_sender_is_the_creator_actions_receiver)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    cps_chain_action_trace actions[3];
    memset(actions, 0, sizeof actions);
    actions[0].receiver = cps_abi_name("bob");   /* the transaction's action */
    actions[1].receiver = cps_abi_name("carol"); /* inline, sent by action 1 */
    actions[1].creator_action_ordinal = 1;
    actions[2].receiver = cps_abi_name("dave"); /* inline, sent by action 2 */
    actions[2].creator_action_ordinal = 2;
    cps_chain_transaction_trace trace;
    memset(&trace, 0, sizeof trace);
    trace.actions = actions;
    trace.action_count = 3;
    h.trx.trace = &trace;
    cps_vm_value res;
    h.ctx.action_ordinal = 1;
    ASSERT_OK(harness_call(&h, "get_sender", NULL, 0, &res));
    ASSERT_U64_EQ(res.v.i64, 0);
    h.ctx.action_ordinal = 2;
    ASSERT_OK(harness_call(&h, "get_sender", NULL, 0, &res));
    ASSERT_U64_EQ(res.v.i64, cps_abi_name("bob"));
    h.ctx.action_ordinal = 3;
    ASSERT_OK(harness_call(&h, "get_sender", NULL, 0, &res));
    ASSERT_U64_EQ(res.v.i64, cps_abi_name("carol"));
    h.ctx.context_free = true;
    ASSERT_EQ(harness_call(&h, "get_sender", NULL, 0, &res), CPS_ERR_STATE);
    ASSERT_STR_EQ(cps_last_error(), "only context free api's can be used in this context");
    h.trx.trace = NULL;
    harness_close(&h);
}

TEST(get_code_hash_and_get_block_num)
{
    harness h;
    harness_chain c;
    ASSERT_OK(harness_open(&h, groups));
    ASSERT_OK(harness_chain_open(&h, &c));
    uint8_t *m = harness_mem(&h);
    memset(m, 0xAA, 64);
    cps_vm_value a[4] = {HV_I64(cps_abi_name("eosio")), HV_I32(5), HV_I32(0), HV_I32(64)}, res;
    ASSERT_OK(harness_call(&h, "get_code_hash", a, 4, &res));
    ASSERT_EQ(res.v.i32, 43);
    cps_chain_account_info info;
    ASSERT_OK(cps_chain_controller_get_account(c.chain, cps_abi_name("eosio"), &info));
    ASSERT_EQ(m[0], 0); /* struct_version is at most 0 */
    ASSERT_U64_EQ(cps_load_u64(m + 1), info.code_sequence);
    ASSERT_MEM_EQ(m + 9, info.code_hash.b, 32);
    ASSERT(m[41] == 0 && m[42] == 0);
    ASSERT_EQ(m[43], 0xAA); /* nothing beyond the 43 bytes */
    /* an account that does not exist: zeros; a buffer too small: only the size */
    memset(m, 0xAA, 64);
    a[0] = HV_I64(cps_abi_name("nobody"));
    ASSERT_OK(harness_call(&h, "get_code_hash", a, 4, &res));
    ASSERT_EQ(res.v.i32, 43);
    static const uint8_t zeros[43];
    ASSERT_MEM_EQ(m, zeros, 43);
    memset(m, 0xAA, 64);
    a[3] = HV_I32(42);
    ASSERT_OK(harness_call(&h, "get_code_hash", a, 4, &res));
    ASSERT_EQ(res.v.i32, 43);
    ASSERT_EQ(m[0], 0xAA);
    a[2] = HV_I32(131072 - 10);
    ASSERT_EQ(harness_call(&h, "get_code_hash", a, 4, &res), CPS_ERR_TRAP);
    ASSERT_OK(harness_call(&h, "get_block_num", NULL, 0, &res));
    ASSERT_EQ(res.v.i32, cps_chain_controller_head_num(c.chain) + 1);
    harness_chain_close(&c);
    harness_close(&h);
}

TEST(is_feature_activated_answers_from_the_chain)
{
    harness h;
    harness_chain c;
    ASSERT_OK(harness_open(&h, groups));
    cps_checksum256 pre, sender;
    ASSERT_OK(cps_chain__feature_digest("PREACTIVATE_FEATURE", &pre));
    ASSERT_OK(cps_chain__feature_digest("GET_SENDER", &sender));
    ASSERT_OK(harness_chain_open_with(&h, &c, &pre, 1)); /* the first block activates it */
    uint8_t *m = harness_mem(&h);
    memcpy(m, pre.b, 32);
    memcpy(m + 32, sender.b, 32);
    memset(m + 64, 0x5A, 32); /* no such feature */
    cps_vm_value a[1] = {HV_I32(0)}, res;
    ASSERT_OK(harness_call(&h, "is_feature_activated", a, 1, &res));
    ASSERT_EQ(res.v.i32, 1);
    a[0] = HV_I32(32);
    ASSERT_OK(harness_call(&h, "is_feature_activated", a, 1, &res));
    ASSERT_EQ(res.v.i32, 0);
    a[0] = HV_I32(64);
    ASSERT_OK(harness_call(&h, "is_feature_activated", a, 1, &res));
    ASSERT_EQ(res.v.i32, 0);
    a[0] = HV_I32(131072 - 16);
    ASSERT_EQ(harness_call(&h, "is_feature_activated", a, 1, &res), CPS_ERR_TRAP);
    a[0] = HV_I32(0);
    h.ctx.context_free = true;
    ASSERT_EQ(harness_call(&h, "is_feature_activated", a, 1, &res), CPS_ERR_STATE);
    harness_chain_close(&c);
    harness_close(&h);
}

/* ---- transaction ---- */

static void make_action(cps_action *a, const char *account, const char *name,
                        cps_permission_level *auth, uint32_t nauth, const char *data)
{
    memset(a, 0, sizeof *a);
    a->account = cps_abi_name(account);
    a->name = cps_abi_name(name);
    a->authorization = auth;
    a->authorization_count = nauth;
    a->data.data = (const uint8_t *)data;
    a->data.size = strlen(data);
}

TEST(get_action_packs_the_transactions_actions)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    cps_permission_level auth = {cps_abi_name("alice"), cps_abi_name("active")};
    cps_action cfa[1], acts[2];
    make_action(&cfa[0], "eosio.null", "nonce", NULL, 0, "xyz");
    make_action(&acts[0], "eosio.token", "transfer", &auth, 1, "payload");
    make_action(&acts[1], "alice", "hi", &auth, 1, "");
    h.trx_body.context_free_actions = cfa;
    h.trx_body.context_free_action_count = 1;
    h.trx_body.actions = acts;
    h.trx_body.action_count = 2;
    uint8_t *m = harness_mem(&h);
    for (uint32_t type = 0; type <= 1; type++)
        for (uint32_t i = 0; i < (type ? 2u : 1u); i++) {
            cps_buf want = {0};
            ASSERT_OK(cps_abi_action_pack(&want, type ? &acts[i] : &cfa[i]));
            cps_vm_value a[4] = {HV_I32(type), HV_I32(i), HV_I32(100), HV_I32(0)}, res;
            memset(m + 100, 0xEE, 200);
            ASSERT_OK(harness_call(&h, "get_action", a, 4, &res)); /* size only */
            ASSERT_EQ(res.v.i32, want.size);
            ASSERT_EQ(m[100], 0xEE);
            a[3] = HV_I32(want.size - 1); /* too small: nothing written, size returned */
            ASSERT_OK(harness_call(&h, "get_action", a, 4, &res));
            ASSERT_EQ(res.v.i32, want.size);
            ASSERT_EQ(m[100], 0xEE);
            a[3] = HV_I32(200);
            ASSERT_OK(harness_call(&h, "get_action", a, 4, &res));
            ASSERT_EQ(res.v.i32, want.size);
            ASSERT_MEM_EQ(m + 100, want.data, want.size);
            cps_buf_free(&want);
        }
    cps_vm_value a[4] = {HV_I32(1), HV_I32(2), HV_I32(100), HV_I32(200)}, res;
    ASSERT_OK(harness_call(&h, "get_action", a, 4, &res));
    ASSERT_EQ((int32_t)res.v.i32, -1);
    a[0] = HV_I32(0);
    a[1] = HV_I32(1);
    ASSERT_OK(harness_call(&h, "get_action", a, 4, &res));
    ASSERT_EQ((int32_t)res.v.i32, -1);
    a[0] = HV_I32(2); /* neither context-free nor normal */
    a[1] = HV_I32(0);
    ASSERT_EQ(harness_call(&h, "get_action", a, 4, &res), CPS_ERR_NOT_FOUND);
    ASSERT_STR_EQ(cps_last_error(), "action is not found");
    a[0] = HV_I32(1);
    a[2] = HV_I32(131072 - 10); /* the buffer is validated whatever its use */
    ASSERT_EQ(harness_call(&h, "get_action", a, 4, &res), CPS_ERR_TRAP);
    h.ctx.context_free = true; /* get_action is context-free */
    a[2] = HV_I32(100);
    ASSERT_OK(harness_call(&h, "get_action", a, 4, &res));
    harness_close(&h);
}

TEST(get_context_free_data_only_in_context_free_actions)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    cps_bytes cfd[2] = {{(const uint8_t *)"first item", 10}, {(const uint8_t *)"", 0}};
    h.trx.cfd = cfd;
    h.trx.cfd_count = 2;
    uint8_t *m = harness_mem(&h);
    cps_vm_value a[3] = {HV_I32(0), HV_I32(100), HV_I32(0)}, res;
    ASSERT_EQ(harness_call(&h, "get_context_free_data", a, 3, &res), CPS_ERR_STATE);
    ASSERT_STR_EQ(cps_last_error(), "this API may only be called from context_free apply");
    h.ctx.context_free = true;
    ASSERT_OK(harness_call(&h, "get_context_free_data", a, 3, &res)); /* size query */
    ASSERT_EQ(res.v.i32, 10);
    a[2] = HV_I32(4);
    memset(m + 100, 0xEE, 16);
    ASSERT_OK(harness_call(&h, "get_context_free_data", a, 3, &res));
    ASSERT_EQ(res.v.i32, 4);
    ASSERT_MEM_EQ(m + 100, "firs", 4);
    ASSERT_EQ(m[104], 0xEE);
    a[2] = HV_I32(64);
    ASSERT_OK(harness_call(&h, "get_context_free_data", a, 3, &res));
    ASSERT_EQ(res.v.i32, 10);
    ASSERT_MEM_EQ(m + 100, "first item", 10);
    a[0] = HV_I32(1);
    ASSERT_OK(harness_call(&h, "get_context_free_data", a, 3, &res));
    ASSERT_EQ(res.v.i32, 0);
    a[0] = HV_I32(2);
    ASSERT_OK(harness_call(&h, "get_context_free_data", a, 3, &res));
    ASSERT_EQ((int32_t)res.v.i32, -1);
    a[1] = HV_I32(131072 - 8);
    ASSERT_EQ(harness_call(&h, "get_context_free_data", a, 3, &res), CPS_ERR_TRAP);
    harness_close(&h);
}

TEST(send_deferred_and_cancel_deferred)
{
    harness h;
    harness_chain c;
    ASSERT_OK(harness_open(&h, groups));
    ASSERT_OK(harness_chain_open(&h, &c));
    h.ctx.receiver = cps_abi_name("eosio"); /* privileged: no sender authority to prove */
    h.ctx.privileged = true;
    uint8_t *m = harness_mem(&h);
    cps_permission_level auth = {cps_abi_name("eosio"), cps_abi_name("active")};
    cps_action act;
    make_action(&act, "eosio", "later", &auth, 1, "data");
    cps_transaction t;
    memset(&t, 0, sizeof t);
    t.header.expiration = 1000;
    t.header.delay_sec = 10;
    t.actions = &act;
    t.action_count = 1;
    cps_buf packed = {0};
    ASSERT_OK(cps_abi_transaction_pack(&packed, &t));
    memcpy(m + 100, packed.data, packed.size);
    memcpy(m + 100 + packed.size, "trailing", 8);
    memset(m, 0, 16); /* sender id 7 */
    m[0] = 7;
    cps_vm_value a[5] = {HV_I32(0), HV_I64(cps_abi_name("eosio")), HV_I32(100),
                         HV_I32(packed.size - 3), HV_I32(0)};
    ASSERT_NE(harness_call(&h, "send_deferred", a, 5, NULL), 0); /* truncated */
    ASSERT_CONTAINS(cps_last_error(), "send_deferred: transaction");
    /* bytes after the transaction are ignored, as fc::raw::unpack ignores them */
    a[3] = HV_I32(packed.size + 8);
    ASSERT_OK(harness_call(&h, "send_deferred", a, 5, NULL));
    ASSERT_NE(harness_call(&h, "send_deferred", a, 5, NULL), 0); /* same id, no replace */
    a[4] = HV_I32(1);
    ASSERT_OK(harness_call(&h, "send_deferred", a, 5, NULL)); /* replace_existing */
    a[0] = HV_I32(131072 - 8);
    ASSERT_EQ(harness_call(&h, "send_deferred", a, 5, NULL), CPS_ERR_TRAP);
    cps_vm_value cd[1] = {HV_I32(0)}, res;
    ASSERT_OK(harness_call(&h, "cancel_deferred", cd, 1, &res));
    ASSERT_EQ(res.v.i32, 1);
    ASSERT_OK(harness_call(&h, "cancel_deferred", cd, 1, &res));
    ASSERT_EQ(res.v.i32, 0);
    h.ctx.context_free = true;
    ASSERT_EQ(harness_call(&h, "cancel_deferred", cd, 1, &res), CPS_ERR_STATE);
    a[0] = HV_I32(0);
    ASSERT_EQ(harness_call(&h, "send_deferred", a, 5, NULL), CPS_ERR_STATE);
    cps_buf_free(&packed);
    harness_chain_close(&c);
    harness_close(&h);
}

/* ---- console ---- */

static const char *console(harness *h)
{
    return cps_buf_cstr(&h->ctx.console);
}

TEST(console_prints_128_bit_integers_in_decimal)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    uint8_t *m = harness_mem(&h);
    cps_store_u64(m, 0);
    cps_store_u64(m + 8, 0x8000000000000000ull); /* INT128_MIN */
    cps_vm_value a[1] = {HV_I32(0)};
    ASSERT_OK(harness_call(&h, "printi128", a, 1, NULL));
    ASSERT_STR_EQ(console(&h), "-170141183460469231731687303715884105728");
    cps_buf_reset(&h.ctx.console);
    ASSERT_OK(harness_call(&h, "printui128", a, 1, NULL));
    ASSERT_STR_EQ(console(&h), "170141183460469231731687303715884105728");
    cps_buf_reset(&h.ctx.console);
    memset(m, 0xFF, 16);
    ASSERT_OK(harness_call(&h, "printui128", a, 1, NULL));
    ASSERT_OK(harness_call(&h, "printi128", a, 1, NULL));
    ASSERT_STR_EQ(console(&h), "340282366920938463463374607431768211455-1");
    cps_buf_reset(&h.ctx.console);
    memset(m, 0, 16);
    ASSERT_OK(harness_call(&h, "printi128", a, 1, NULL));
    ASSERT_STR_EQ(console(&h), "0");
    a[0] = HV_I32(131072 - 15);
    ASSERT_EQ(harness_call(&h, "printui128", a, 1, NULL), CPS_ERR_TRAP);
    harness_close(&h);
}

TEST(console_prints_floats_as_nodeos)
{
    harness h;
    ASSERT_OK(harness_open(&h, groups));
    h.ctx.context_free = true;
    cps_vm_value f[1] = {hv_f32(0x3FC00000u)}; /* 1.5f */
    ASSERT_OK(harness_call(&h, "printsf", f, 1, NULL));
    f[0] = hv_f32(0xC2F6E979u); /* -123.456f */
    ASSERT_OK(harness_call(&h, "printsf", f, 1, NULL));
    ASSERT_STR_EQ(console(&h), "1.500000e+00-1.234560e+02");
    cps_buf_reset(&h.ctx.console);
    cps_vm_value d[1] = {hv_f64(0x3FB999999999999Aull)}; /* 0.1 */
    ASSERT_OK(harness_call(&h, "printdf", d, 1, NULL));
    d[0] = hv_f64(0x7FF0000000000000ull);
    ASSERT_OK(harness_call(&h, "printdf", d, 1, NULL));
    ASSERT_STR_EQ(console(&h), "1.000000000000000e-01inf");
    cps_buf_reset(&h.ctx.console);
    /* printqf: binary128 rounded to x87 80-bit, 18 digits after the point */
    uint8_t *m = harness_mem(&h);
    cps_store_u64(m, 0);
    cps_store_u64(m + 8, 0x3FFF000000000000ull); /* 1.0 */
    cps_store_u64(m + 16, 0x999999999999999Aull);
    cps_store_u64(m + 24, 0x3FFB999999999999ull); /* 0.1 in binary128 */
    cps_store_u64(m + 32, 0x8000000000000000ull);
    cps_store_u64(m + 40, 0xC000921FB54442D1ull); /* -(double)pi, widened */
    cps_vm_value q[1] = {HV_I32(0)};
    ASSERT_OK(harness_call(&h, "printqf", q, 1, NULL));
    q[0] = HV_I32(16);
    ASSERT_OK(harness_call(&h, "printqf", q, 1, NULL));
    q[0] = HV_I32(32);
    ASSERT_OK(harness_call(&h, "printqf", q, 1, NULL));
    ASSERT_STR_EQ(console(&h), "1.000000000000000000e+00"
                               "1.000000000000000000e-01"
                               "-3.141592653589793116e+00");
    q[0] = HV_I32(131072 - 8);
    ASSERT_EQ(harness_call(&h, "printqf", q, 1, NULL), CPS_ERR_TRAP);
    harness_close(&h);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
