/* Controller: dry runs (nodeos's compute_transaction) leave nothing behind — state, pending
 * block, dedup, resource usage — and skip only the signature checks; this node's own CPU limit
 * (--max-transaction-time) stops input transactions but not the blocks it validates. */
#include "probe.h"

#include "chain/controller_internal.h"

static int state_hash(cps_chain_controller *c, uint8_t out[32])
{
    return cps_chain_controller_state_hash(c, out);
}

/* A chain with alice running the probe contract, and a block open. */
static cps_chain_controller *probe_chain(const char *dir, cps_private_key *alice)
{
    cps_chain_controller *c = NULL;
    *alice = ctl_key(1);
    if (ctl_open(dir, &c) || ctl_start(c) || ctl_newaccount(c, "alice", alice) ||
        probe_deploy(c, "alice", alice, 0) || ctl_finish(c, NULL) || ctl_start(c)) {
        fprintf(stderr, "    probe chain: %s\n", cps_last_error());
        cps_chain_controller_close(c);
        return NULL;
    }
    return c;
}

TEST(dry_run_executes_and_leaves_nothing)
{
    char *dir = ctl_tempdir();
    cps_private_key ka;
    cps_chain_controller *c = probe_chain(dir, &ka);
    ASSERT(c != NULL);
    cps_chain_account_resource_limit net0, cpu0, net1, cpu1;
    ASSERT_OK(cps_chain_controller_get_account_limits(c, cps_abi_name("alice"), &net0, &cpu0));
    uint8_t h0[32], h1[32];
    ASSERT_OK(state_hash(c, h0));

    cps_buf put = {0}, row = {0};
    ASSERT_OK(probe_trx(c, "alice", "put", NULL, &ka, 1, 1, &put));
    cps_chain_transaction_trace *t = NULL;
    ASSERT_OK(cps_chain_controller_dry_run_transaction(c, put.data, put.size, &t));
    ASSERT(t != NULL);
    ASSERT_EQ(t->status, CPS_TRX_EXECUTED);
    ASSERT_EQ(t->action_count, 1);
    ASSERT_U64_EQ(t->actions[0].receiver, cps_abi_name("alice"));
    ASSERT(t->actions[0].has_receipt);
    ASSERT(t->cpu_usage_us > 0);
    cps_chain_transaction_trace_free(t);
    /* nothing stayed: the row, the state hash, the usage */
    ASSERT(!probe_row(c, "alice", "rows", 1, &row));
    ASSERT_OK(state_hash(c, h1));
    ASSERT_MEM_EQ(h0, h1, 32);
    ASSERT_OK(cps_chain_controller_get_account_limits(c, cps_abi_name("alice"), &net1, &cpu1));
    ASSERT_EQ(cpu1.used, cpu0.used);
    ASSERT_EQ(net1.used, net0.used);

    /* not in dedup: the same transaction can be pushed for real afterwards, and then it is */
    t = NULL;
    ASSERT_OK(cps_chain_controller_push_transaction(c, put.data, put.size, &t));
    cps_chain_transaction_trace_free(t);
    ASSERT(probe_row(c, "alice", "rows", 1, &row));
    ASSERT_EQ(row.size, 4);
    /* ... and a dry run of it now is a duplicate, as nodeos would say */
    ASSERT_EQ(cps_chain_controller_dry_run_transaction(c, put.data, put.size, NULL),
              CPS_ERR_TX_DUPLICATE);

    /* no signatures: refused by push, executed by a dry run */
    cps_buf unsigned_put = {0};
    ASSERT_OK(probe_trx(c, "alice", "burn", "{\"loops\":3}", NULL, 0, 2, &unsigned_put));
    ASSERT_OK(state_hash(c, h0));
    ASSERT_EQ(cps_chain_controller_push_transaction(c, unsigned_put.data, unsigned_put.size, NULL),
              CPS_ERR_AUTH);
    t = NULL;
    ASSERT_OK(cps_chain_controller_dry_run_transaction(c, unsigned_put.data, unsigned_put.size, &t));
    ASSERT_EQ(t->action_count, 1);
    cps_chain_transaction_trace_free(t);
    /* a signature by a key alice does not have is irrelevant for push, ignored by a dry run */
    cps_private_key stranger = ctl_key(99);
    cps_buf foreign = {0};
    ASSERT_OK(probe_trx(c, "alice", "burn", "{\"loops\":3}", &stranger, 1, 3, &foreign));
    ASSERT_EQ(cps_chain_controller_push_transaction(c, foreign.data, foreign.size, NULL),
              CPS_ERR_AUTH);
    ASSERT_OK(cps_chain_controller_dry_run_transaction(c, foreign.data, foreign.size, NULL));
    ASSERT_OK(state_hash(c, h1));
    ASSERT_MEM_EQ(h0, h1, 32);

    /* the structural checks remain: a permission that does not exist */
    cps_buf nosuch = {0};
    ctl_action bad = {"alice", "burn", "alice@nosuch", probe_get_abi(), "{\"loops\":3}"};
    ctl_trx_opts o = {0, false, 4, 0};
    ASSERT_OK(ctl_make_trx(c, &bad, 1, NULL, 0, &o, &nosuch));
    ASSERT(cps_chain_controller_dry_run_transaction(c, nosuch.data, nosuch.size, NULL) != 0);

    /* an assertion: the failure comes back with its trace, and the "junk" row is gone */
    cps_buf fail = {0};
    ASSERT_OK(probe_trx(c, "alice", "fail", NULL, NULL, 0, 5, &fail));
    t = NULL;
    ASSERT_EQ(cps_chain_controller_dry_run_transaction(c, fail.data, fail.size, &t),
              CPS_ERR_ASSERT);
    ASSERT(t != NULL);
    ASSERT_EQ(t->error, CPS_ERR_ASSERT);
    ASSERT(strstr(t->error_message, "probe failed on purpose") != NULL);
    cps_chain_transaction_trace_free(t);
    ASSERT(!probe_row(c, "alice", "junk", 1, &row));
    ASSERT_OK(state_hash(c, h1));
    ASSERT_MEM_EQ(h0, h1, 32);

    /* the block holds the one real transaction only */
    cps_buf raw = {0};
    ASSERT_OK(ctl_finish(c, &raw));
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block sb;
    ASSERT_OK(cps_abi_signed_block_decode(raw.data, raw.size, &a, &sb));
    ASSERT_EQ(sb.transaction_count, 1);
    cps_abi_arena_free(&a);
    /* without a pending block there is nothing to run on */
    ASSERT_EQ(cps_chain_controller_dry_run_transaction(c, put.data, put.size, NULL), CPS_ERR_STATE);

    cps_buf_free(&raw);
    cps_buf_free(&put);
    cps_buf_free(&row);
    cps_buf_free(&unsigned_put);
    cps_buf_free(&foreign);
    cps_buf_free(&nosuch);
    cps_buf_free(&fail);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(node_cpu_limit_stops_an_infinite_loop)
{
    char *dir = ctl_tempdir();
    cps_private_key ka;
    cps_chain_controller *c = probe_chain(dir, &ka);
    ASSERT(c != NULL);
    uint8_t h0[32], h1[32];
    ASSERT_OK(state_hash(c, h0));
    cps_buf spin = {0};
    ASSERT_OK(probe_trx(c, "alice", "spin", NULL, &ka, 1, 1, &spin));

    cps_chain_controller_set_max_transaction_time(c, 3);
    cps_chain_transaction_trace *t = NULL;
    ASSERT_EQ(cps_chain_controller_push_transaction(c, spin.data, spin.size, &t), CPS_ERR_DEADLINE);
    ASSERT(strstr(cps_last_error(), "reached node configured max-transaction-time 3000us") != NULL);
    ASSERT(t != NULL);
    ASSERT_EQ(t->error, CPS_ERR_DEADLINE);
    /* stopped at the node's limit (3 ms of billed CPU), far below the chain's 150 ms */
    ASSERT(t->cpu_units >= 3000u * CPS_CHAIN_UNITS_PER_US);
    ASSERT(t->cpu_units < 4000u * CPS_CHAIN_UNITS_PER_US);
    cps_chain_transaction_trace_free(t);
    ASSERT_OK(state_hash(c, h1));
    ASSERT_MEM_EQ(h0, h1, 32);
    /* a dry run is bound by it too */
    ASSERT_EQ(cps_chain_controller_dry_run_transaction(c, spin.data, spin.size, NULL),
              CPS_ERR_DEADLINE);

    /* without it, the chain's own limit (max_transaction_cpu_usage) stops the loop */
    cps_chain_controller_set_max_transaction_time(c, -1);
    t = NULL;
    ASSERT_EQ(cps_chain_controller_push_transaction(c, spin.data, spin.size, &t), CPS_ERR_RESOURCE);
    ASSERT(t->cpu_units >= (uint64_t)cps_chain_controller_config(c)->max_transaction_cpu_usage *
                               CPS_CHAIN_UNITS_PER_US);
    cps_chain_transaction_trace_free(t);
    ASSERT_OK(state_hash(c, h1));
    ASSERT_MEM_EQ(h0, h1, 32);
    cps_buf_free(&spin);
    cps_chain_controller_close(c);
    ctl_rm_rf(dir);
    free(dir);
}

TEST(node_cpu_limit_does_not_bind_validated_blocks)
{
    char *dir = ctl_tempdir(), *dir2 = ctl_tempdir();
    cps_private_key ka;
    cps_chain_controller *c = probe_chain(dir, &ka);
    ASSERT(c != NULL);
    /* a transaction of more than 1 ms of CPU, accepted by a node without a limit */
    cps_buf burn = {0}, b1 = {0}, b3 = {0};
    ASSERT_OK(probe_trx(c, "alice", "burn", "{\"loops\":40000}", &ka, 1, 1, &burn));
    cps_chain_transaction_trace *t = NULL;
    ASSERT_OK(cps_chain_controller_push_transaction(c, burn.data, burn.size, &t));
    ASSERT(t->cpu_usage_us > 1000);
    ASSERT(t->cpu_usage_us < 100000);
    cps_chain_transaction_trace_free(t);
    ASSERT_OK(ctl_finish(c, &b3));

    /* a second node with a 1 ms limit refuses it as input but accepts the block holding it */
    cps_chain_controller *d = NULL;
    ASSERT_OK(ctl_open(dir2, &d));
    cps_chain_controller_set_max_transaction_time(d, 1);
    cps_chain_block_log *log = cps_chain_controller_block_log(c);
    ASSERT_OK(cps_chain_block_log_read_raw(log, 2, &b1));
    ASSERT_OK(cps_chain_controller_push_block(d, b1.data, b1.size));
    ASSERT_OK(ctl_start(d));
    ASSERT_EQ(cps_chain_controller_push_transaction(d, burn.data, burn.size, NULL),
              CPS_ERR_DEADLINE);
    cps_chain_controller_abort_block(d, NULL, NULL);
    ASSERT_OK(cps_chain_controller_push_block(d, b3.data, b3.size));
    uint8_t h0[32], h1[32];
    ASSERT_OK(state_hash(c, h0));
    ASSERT_OK(state_hash(d, h1));
    ASSERT_MEM_EQ(h0, h1, 32);

    cps_buf_free(&burn);
    cps_buf_free(&b1);
    cps_buf_free(&b3);
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
