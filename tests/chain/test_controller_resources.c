/* Controller resources: a privileged contract on eosio sets per-account limits with
 * set_resource_limits; a transaction over its RAM limit or without CPU/NET weight is rejected
 * and leaves no trace (state and block); NET is billed by EOSIO's formula, CPU from the VM's
 * units; onblock runs each block once eosio has code. */
#include "ctl_helpers.h"

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
    ctl_trx_opts o = {0, false, nonce};
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
    /* no CPU weight: rejected */
    ASSERT_OK(set_limits(c, "alice", ram_usage + 4096, -1, 0, 2));
    ASSERT_OK(cps_chain_controller_state_hash(c, before));
    ctl_action abi = {"eosio", "setabi", "alice@active", NULL, "{\"account\":\"alice\",\"abi\":\"\"}"};
    ASSERT_EQ(ctl_push(c, &abi, 1, &alice, 1, NULL, NULL), CPS_ERR_RESOURCE);
    ASSERT_CONTAINS(cps_last_error(), "no CPU");
    ASSERT_OK(cps_chain_controller_state_hash(c, after));
    ASSERT_MEM_EQ(before, after, 32);
    /* a ram limit below the usage is refused by set_resource_limits itself */
    ASSERT_EQ(set_limits(c, "alice", 10, -1, -1, 3), CPS_ERR_RESOURCE);
    cps_buf raw = {0};
    ASSERT_OK(ctl_finish(c, &raw));
    /* the block holds exactly the four transactions that succeeded */
    cps_arena a = {0};
    cps_signed_block blk;
    ASSERT_OK(cps_abi_signed_block_decode(raw.data, raw.size, &a, &blk));
    ASSERT_EQ(blk.transaction_count, 4);
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

int main(int argc, char **argv)
{
    ctl_set_build_dir(argv[0]);
    int rc = test_main(argc, argv);
    cps_abi_free(limits_abi);
    return rc;
}
