/* chain (dry runs and node limits): compute_transaction's speculative execution, which applies
 * a transaction in a nested session that is always undone, and this node's own CPU limit on
 * the transactions it is handed (nodeos's --max-transaction-time). */
#include "chain/controller_internal.h"

#include <stdlib.h>

int cps_chain__node_cpu_limit_exceeded(const cps_chain_trx_context *tc)
{
    char hex[65];
    cps_hex_encode(hex, tc->id.b, 32);
    uint64_t used = tc->cpu_used_units / CPS_CHAIN_UNITS_PER_US;
    uint64_t limit = tc->cpu_budget_units / CPS_CHAIN_UNITS_PER_US;
    if (used < limit) used = limit; /* it stopped at the limit, or billed past it */
    return cps_fail(CPS_ERR_DEADLINE,
                    "transaction %s was executing for too long %lluus reached node configured "
                    "max-transaction-time %lluus",
                    hex, (unsigned long long)used, (unsigned long long)limit);
}

void cps_chain_controller_set_max_transaction_time(cps_chain_controller *c, int64_t ms)
{
    c->node_trx_cpu_limit_us = ms > 0 ? (uint64_t)ms * 1000u : 0;
}

/* nodeos's dry_run transactions (transaction_metadata::trx_type::dry_run) run like input
 * transactions — same header, TaPoS, dedup, NET and CPU checks, same execution — except that
 * missing signatures are not an error (check_but_dont_fail), and whatever they did is undone
 * (transaction_context::undo), including the pending block's receipt and totals. */
int cps_chain_controller_dry_run_transaction(cps_chain_controller *c, const uint8_t *packed,
                                             size_t n, cps_chain_transaction_trace **trace)
{
    if (trace) *trace = NULL;
    if (!c->pending.active || c->pending.finalized)
        return cps_fail(CPS_ERR_STATE, "no block is open for transactions");
    /* What push_transaction may add to the pending block, to put back afterwards. */
    cps_chain_pending *p = &c->pending;
    const size_t trx_count = p->trx_count, action_count = p->action_count;
    const uint64_t cpu_used = p->cpu_used_us, net_used = p->net_used_bytes;
    uint32_t level;
    int rc = cps_state_session_push(c->st, &level);
    if (rc) return rc;
    c->dry_run = true;
    rc = cps_chain__push_transaction(c, packed, n, NULL, trace);
    c->dry_run = false;
    /* A failed undo leaves the pending block unusable, which the caller must learn instead of
     * the transaction's outcome. */
    int ur = cps_state_session_undo(c->st, level);
    for (size_t i = trx_count; i < p->trx_count; i++) cps_buf_free(&p->trxs[i].packed);
    p->trx_count = trx_count;
    p->action_count = action_count;
    p->cpu_used_us = cpu_used;
    p->net_used_bytes = net_used;
    if (!ur) ur = cps_chain__config_sync(c);
    if (ur) {
        cps_chain_transaction_trace_free(trace ? *trace : NULL);
        if (trace) *trace = NULL;
        return cps_fail_prefix(ur, "dry run: undoing the transaction");
    }
    return rc;
}
