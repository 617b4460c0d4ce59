/* eosio.wrap in C: EOSIO's governance wrapper. `exec(executer, trx)` runs a transaction's actions
 * with any authority, as inline actions of this privileged account; it needs this account's own
 * authority (eosio.wrap@active, which a chain sets to eosio@active = eosio.prods@active: 2/3+1 of
 * the producers, approved through eosio.msig) and the executer's. Same action, arguments and
 * messages as the Antelope reference contract (inline execution, no deferred transaction). */
#include "cps/protocol.h"
#include "cps/sdk.h"

#define EXEC_FIELDS(X) X(executer, name) X(trx, transaction)
CPS_ABI_NESTED(transaction)
#define CPS_CTYPE_transaction transaction_t
CPS_ABI_STRUCT(exec, EXEC_FIELDS)

static void wrap_exec(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const exec_t *a = args;
    require_auth(self);
    require_auth(a->executer);
    check((int64_t)a->trx.expiration * 1000000 >= (int64_t)current_time(), "transaction expired");
    check(a->trx.context_free_actions.count == 0,
          "not allowed to `exec` a transaction with context-free actions");
    for (uint32_t i = 0; i < a->trx.actions.count; i++) {
        const action_t *act = &a->trx.actions.items[i];
        /* permission_level_t and cps_permission_level have the same two-name layout. */
        cps_action out = {act->account,
                          act->name,
                          (const cps_permission_level *)act->authorization.items,
                          act->authorization.count,
                          act->data.data,
                          act->data.size};
        cps_action_send_inline(&out);
    }
}

static const cps_action_def wrap_actions[] = {
    CPS_ACTION(exec, exec, wrap_exec),
};
CPS_CONTRACT(wrap_actions)
