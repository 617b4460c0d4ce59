/* Controller resources: a privileged contract on eosio sets per-account limits with
 * set_resource_limits; a transaction over its RAM limit or its staked CPU/NET share is rejected
 * and leaves no trace (state and block); NET is billed by EOSIO's formula, CPU from the VM's
 * units; onblock runs each block once eosio has code; CPU shares over the 24 h window follow the
 * staked weights and the elastic virtual limit, with EOSIO's moving-average arithmetic. */
#include "ctl_helpers.h"
#include "chain/controller_internal.h"

static const char setlimits_abi_json[] =
    "{\"version\":\"eosio::abi/1.1\",\"structs\":[{\"name\":\"setlimits\",\"base\":\"\",\"fields\":["
    "{\"name\":\"account\",\"type\":\"name\"},{\"name\":\"ram_bytes\",\"type\":\"int64\"},"
    "{\"name\":\"net_weight\",\"type\":\"int64\"},{\"name\":\"cpu_weight\",\"type\":\"int64\"}]}],"
    "\"actions\":[{\"name\":\"setlimits\",\"type\":\"setlimits\",\"ricardian_contract\":\"\"}]}";

static cps_abi *limits_abi;

static int deploy_setlimits(cps_chain_controller *c)
{
    char path[4200];
    cps_buf wasm = {0}, json = {0};
    snprintf(path, sizeof path, "%s/tests/chain/wat/setlimits.wasm", ctl_build_dir);
    int rc = ctl_read_file(path, &wasm);
    if (rc) {
        fprintf(stderr, "    cannot read %s\n", path);
        return rc;
    }
    if (!limits_abi && (rc = cps_abi_from_json(setlimits_abi_json, strlen(setlimits_abi_json),
                                               &limits_abi)))
        return rc;
    cps_buf_printf(&json, "{\"account\":\"eosio\",\"vmtype\":0,\"vmversion\":0,\"code\":\"");
    cps_hex_append(&json, wasm.data, wasm.size);
    cps_buf_printf(&json, "\"}");
    ctl_action a = {"eosio", "setcode", "eosio@active", NULL, cps_buf_cstr(&json)};
    cps_private_key dev = ctl_dev_key();
    rc = ctl_push(c, &a, 1, &dev, 1, NULL, NULL);
    cps_buf_free(&wasm);
    cps_buf_free(&json);
    return rc;
}

static int set_limits(cps_chain_controller *c, const char *who, int64_t ram, int64_t net,
                      int64_t cpu, uint32_t nonce)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"account\":\"%s\",\"ram_bytes\":%lld,\"net_weight\":%lld,\"cpu_weight\":%lld}", who,
             (long long)ram, (long long)net, (long long)cpu);
    ctl_action a = {"eosio", "setlimits", "eosio@active", limits_abi, json};
    cps_private_key dev = ctl_dev_key();
    ctl_trx_opts o = {0, false, nonce, 0};
    return ctl_push(c, &a, 1, &dev, 1, &o, NULL);
}

TEST(limits_reject_without_trace)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_private_key alice = ctl_key(1);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(deploy_setlimits(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    ASSERT_OK(ctl_finish(c, NULL));

    int64_t ram_bytes, ram_usage, nw, cw;
    ASSERT_OK(cps_chain_controller_get_resources(c, cps_abi_name("alice"), &ram_bytes, &ram_usage,
                                                 &nw, &cw));
    ASSERT_EQ(ram_bytes, -1);
    ASSERT(ram_usage > 2048); /* the account overhead and its two permissions */

    ASSERT_OK(ctl_start(c));
    /* only eosio's own authority can call setlimits (require_auth in the contract) */
    ASSERT_OK(set_limits(c, "alice", ram_usage + 100, -1, -1, 0));
    ASSERT_OK(cps_chain_controller_get_resources(c, cps_abi_name("alice"), &ram_bytes, NULL, &nw, &cw));
    ASSERT_EQ(ram_bytes, ram_usage + 100);
    /* a new permission needs more RAM than alice has left */
    uint8_t before[32], after[32];
    ASSERT_OK(cps_chain_controller_state_hash(c, before));
    ctl_action upd = {"eosio", "updateauth", "alice@active", NULL,
                      "{\"account\":\"alice\",\"permission\":\"ops\",\"parent\":\"active\",\"auth\":"
                      "{\"threshold\":1,\"keys\":[],\"accounts\":[{\"permission\":{\"actor\":\"eosio\","
                      "\"permission\":\"active\"},\"weight\":1}],\"waits\":[]}}"};
    cps_chain_transaction_trace *t = NULL;
    ASSERT_EQ(ctl_push(c, &upd, 1, &alice, 1, NULL, &t), CPS_ERR_RESOURCE);
    ASSERT_CONTAINS(cps_last_error(), "insufficient ram");
    cps_chain_transaction_trace_free(t);
    ASSERT_OK(cps_chain_controller_state_hash(c, after));
    ASSERT_MEM_EQ(before, after, 32);
    /* with more RAM it goes through */
    ASSERT_OK(set_limits(c, "alice", ram_usage + 4096, -1, -1, 1));
    ASSERT_OK(ctl_push(c, &upd, 1, &alice, 1, NULL, NULL));
    /* no CPU weight while others have staked some: alice's share is 0, rejected (with nothing
     * staked chain-wide every account is unlimited, as in EOSIO) */
    ASSERT_OK(set_limits(c, "eosio.null", -1, -1, 1000, 4));
    ASSERT_OK(set_limits(c, "alice", ram_usage + 4096, -1, 0, 2));
    ASSERT_OK(cps_chain_controller_state_hash(c, before));
    ctl_action abi = {"eosio", "setabi", "alice@active", NULL, "{\"account\":\"alice\",\"abi\":\"\"}"};
    ASSERT_EQ(ctl_push(c, &abi, 1, &alice, 1, NULL, NULL), CPS_ERR_RESOURCE);
    ASSERT_CONTAINS(cps_last_error(), "authorizing account 'alice' has insufficient cpu");
    ASSERT_OK(cps_chain_controller_state_hash(c, after));
    ASSERT_MEM_EQ(before, after, 32);
    /* a ram limit below the usage is refused by set_resource_limits itself */
    ASSERT_EQ(set_limits(c, "alice", 10, -1, -1, 3), CPS_ERR_RESOURCE);
    cps_buf raw = {0};
    ASSERT_OK(ctl_finish(c, &raw));
    /* the block holds exactly the five transactions that succeeded */
    cps_arena a = {0};
    cps_signed_block blk;
    ASSERT_OK(cps_abi_signed_block_decode(raw.data, raw.size, &a, &blk));
    ASSERT_EQ(blk.transaction_count, 5);
    cps_abi_arena_free(&a);
    cps_buf_free(&raw);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(billing_and_onblock)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    const cps_chain_config *cfg = cps_chain_controller_config(c);
    cps_private_key alice = ctl_key(1);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(deploy_setlimits(c));
    cps_buf b = {0};
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    ctl_action abi = {"eosio", "setabi", "alice@active", NULL, "{\"account\":\"alice\",\"abi\":\"00\"}"};
    ASSERT_OK(ctl_make_trx(c, &abi, 1, &alice, 1, NULL, &b));
    cps_chain_transaction_trace *t = NULL;
    ASSERT_OK(cps_chain_controller_push_transaction(c, b.data, b.size, &t));
    /* NET: base + 16 + packed_trx + discounted (signatures + cfd), in words, rounded up */
    cps_arena a = {0};
    cps_packed_transaction p;
    cps_reader r = cps_reader_make(b.data, b.size);
    ASSERT_OK(cps_abi_packed_transaction_unpack(&r, &a, &p));
    uint64_t prunable = 1 + 66 * (uint64_t)p.signature_count;
    prunable = (prunable * cfg->context_free_discount_net_usage_num +
                cfg->context_free_discount_net_usage_den - 1) / cfg->context_free_discount_net_usage_den;
    uint64_t bytes = cfg->base_per_transaction_net_usage + 16 + p.packed_trx.size + prunable;
    ASSERT_EQ(t->net_usage_words, (bytes + 7) / 8);
    /* CPU: setabi is native (no wasm for alice), eosio's contract runs on the notification-free
     * native action: the billed time follows the units */
    uint64_t us = (t->cpu_units + CPS_CHAIN_UNITS_PER_US - 1) / CPS_CHAIN_UNITS_PER_US;
    if (us < cfg->min_transaction_cpu_usage) us = cfg->min_transaction_cpu_usage;
    ASSERT_EQ(t->cpu_usage_us, us);
    ASSERT(t->cpu_units > 0); /* eosio's wasm ran after the native handler */
    cps_chain_transaction_trace_free(t);
    cps_abi_arena_free(&a);
    cps_buf_free(&b);
    ASSERT_OK(ctl_finish(c, NULL));
    /* onblock: each new block runs eosio's contract once, which advances its recv_sequence */
    cps_chain_account_info before, after;
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("eosio"), &before));
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_finish(c, NULL));
    ASSERT_OK(cps_chain_controller_get_account(c, cps_abi_name("eosio"), &after));
    ASSERT_EQ(after.recv_sequence, before.recv_sequence + 1);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(moving_average_accumulator_arithmetic)
{
    cps_chain_usage_accumulator a = {0, 0, 0};
    ASSERT_OK(cps_chain__usage_add(&a, 100, 1, 10));
    ASSERT_U64_EQ(a.value_ex, 10000000); /* 100 * precision / window */
    ASSERT_U64_EQ(a.consumed, 100);
    ASSERT_U64_EQ(cps_chain__usage_average(&a), 10);
    ASSERT_OK(cps_chain__usage_add(&a, 0, 6, 10)); /* decays by (10 - 5) / 10 */
    ASSERT_U64_EQ(a.value_ex, 5000000);
    ASSERT_U64_EQ(a.consumed, 5);
    ASSERT_OK(cps_chain__usage_add(&a, 7, 6, 10)); /* same ordinal: adds */
    ASSERT_U64_EQ(a.consumed, 12);
    ASSERT_U64_EQ(a.value_ex, 5700000);
    ASSERT_OK(cps_chain__usage_add(&a, 3, 16, 10)); /* a whole window later: starts over */
    ASSERT_U64_EQ(a.value_ex, 300000);
    ASSERT_U64_EQ(a.consumed, 3);
    ASSERT_OK(cps_chain__usage_add(&a, 1, 17, 3)); /* rounding up: ceil(1e6 / 3) */
    ASSERT_U64_EQ(a.value_ex, 300000 * 2 / 3 + 333334);
    ASSERT_EQ(cps_chain__usage_add(&a, 1, 2, 3), CPS_ERR_RESOURCE); /* ordinal went back */
    ASSERT_EQ(cps_chain__usage_add(&a, UINT64_MAX / 100, 18, 3), CPS_ERR_RESOURCE);
}

TEST(cpu_share_by_weight_and_elastic_virtual_limit)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    const cps_chain_config *cfg = cps_chain_controller_config(c);
    cps_private_key alice = ctl_key(1);
    uint64_t vnet, vcpu, vnet2, vcpu2;
    ASSERT_OK(cps_chain_controller_get_virtual_limits(c, &vnet, &vcpu));
    ASSERT_U64_EQ(vcpu, cfg->max_block_cpu_usage); /* the starting point */
    ASSERT_U64_EQ(vnet, cfg->max_block_net_usage);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(deploy_setlimits(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    /* alice holds 8 of 1e9 + 8 weight: about 276 us of CPU per 24 h */
    ASSERT_OK(set_limits(c, "eosio.null", -1, -1, 1000000000, 1));
    ASSERT_OK(set_limits(c, "alice", -1, -1, 8, 2));
    ASSERT_OK(ctl_finish(c, NULL));
    /* a quiet block (below the 10% target) expands the virtual limits by 1000/999 */
    ASSERT_OK(cps_chain_controller_get_virtual_limits(c, &vnet, &vcpu));
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_finish(c, NULL));
    ASSERT_OK(cps_chain_controller_get_virtual_limits(c, &vnet2, &vcpu2));
    ASSERT_U64_EQ(vcpu2, vcpu * 1000 / 999);
    ASSERT_U64_EQ(vnet2, vnet * 1000 / 999);

    cps_chain_account_resource_limit net, cpu;
    ASSERT_OK(cps_chain_controller_get_account_limits(c, cps_abi_name("alice"), &net, &cpu));
    ASSERT_EQ(net.max, -1); /* net weight -1: unlimited */
    unsigned __int128 want = (unsigned __int128)vcpu2 * CPS_CHAIN_ACCOUNT_WINDOW_SLOTS * 8 /
                             (1000000000u + 8u);
    ASSERT_EQ(cpu.max, (int64_t)want);
    ASSERT_EQ(cpu.used, 0);
    ASSERT_OK(ctl_start(c));
    int rejected = 0;
    for (uint32_t i = 0; i < 10 && !rejected; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"account\":\"alice\",\"abi\":\"%02x\"}", i);
        ctl_action abi = {"eosio", "setabi", "alice@active", NULL, json};
        cps_chain_transaction_trace *t = NULL;
        cps_chain_account_resource_limit before;
        ASSERT_OK(cps_chain_controller_get_account_limits(c, cps_abi_name("alice"), NULL, &before));
        int rc = ctl_push(c, &abi, 1, &alice, 1, NULL, &t);
        if (rc == 0) {
            ASSERT_OK(cps_chain_controller_get_account_limits(c, cps_abi_name("alice"), NULL, &cpu));
            /* the 24 h average holds what was billed (rounded up by the precision) */
            ASSERT(cpu.used >= before.used + t->cpu_usage_us);
            ASSERT(cpu.used <= before.used + t->cpu_usage_us + 1);
            ASSERT(cpu.used <= cpu.max);
        } else {
            ASSERT_EQ(rc, CPS_ERR_RESOURCE);
            ASSERT_CONTAINS(cps_last_error(), "'alice' has insufficient cpu");
            ASSERT((int64_t)cfg->min_transaction_cpu_usage > before.available);
            /* the first refusal ran the action (billing comes after execution: a transaction
             * may raise its own limits) ... */
            ASSERT(t != NULL && t->action_count > 0);
            rejected = 1;
        }
        cps_chain_transaction_trace_free(t);
    }
    ASSERT(rejected);
    /* ... and left a subjective bill, so alice's next one is refused before it runs */
    {
        ctl_action abi = {"eosio", "setabi", "alice@active", NULL,
                          "{\"account\":\"alice\",\"abi\":\"ff\"}"};
        cps_chain_transaction_trace *t = NULL;
        ASSERT_EQ(ctl_push(c, &abi, 1, &alice, 1, NULL, &t), CPS_ERR_RESOURCE);
        ASSERT_CONTAINS(cps_last_error(), "'alice' has insufficient cpu");
        ASSERT_CONTAINS(cps_last_error(), "estimated CPU time");
        ASSERT(t == NULL || t->action_count == 0);
        cps_chain_transaction_trace_free(t);
    }
    ASSERT_OK(ctl_finish(c, NULL));
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(recovered_keys_are_cached)
{
    char *dir = ctl_tempdir();
    cps_chain_controller *c = NULL;
    ASSERT_OK(ctl_open(dir, &c));
    cps_private_key alice = ctl_key(1);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(ctl_newaccount(c, "alice", &alice));
    ASSERT_OK(ctl_finish(c, NULL));
    ctl_action abi = {"eosio", "setabi", "alice@active", NULL, "{\"account\":\"alice\",\"abi\":\"00\"}"};
    cps_buf b = {0};
    ASSERT_OK(ctl_make_trx(c, &abi, 1, &alice, 1, NULL, &b));
    ASSERT_OK(ctl_start(c));
    uint64_t hits = c->key_cache_hits;
    ASSERT_OK(cps_chain_controller_push_transaction(c, b.data, b.size, NULL));
    ASSERT_U64_EQ(c->key_cache_hits, hits); /* first sight: recovered */
    cps_buf *back = NULL;
    size_t n = 0;
    cps_chain_controller_abort_block(c, &back, &n);
    ASSERT_EQ(n, 1);
    ASSERT_OK(ctl_start(c));
    ASSERT_OK(cps_chain_controller_push_transaction(c, back[0].data, back[0].size, NULL));
    ASSERT_U64_EQ(c->key_cache_hits, hits + 1); /* the same signature and digest: cached */
    /* a signature by another key over the same transaction is not confused with it */
    cps_private_key other = ctl_key(2);
    cps_buf b2 = {0};
    ASSERT_OK(ctl_make_trx(c, &abi, 1, &other, 1, &(ctl_trx_opts){0, false, 1, 0}, &b2));
    ASSERT_EQ(cps_chain_controller_push_transaction(c, b2.data, b2.size, NULL), CPS_ERR_AUTH);
    ASSERT_OK(ctl_finish(c, NULL));
    cps_buf_free(&back[0]);
    free(back);
    cps_buf_free(&b);
    cps_buf_free(&b2);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    int rc = test_main(argc, argv);
    cps_abi_free(limits_abi);
    return rc;
}
