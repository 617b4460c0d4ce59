/* eosio.msig in C: EOSIO's multi-signature proposal contract (eosio.contracts 1.9 behaviour) —
 * propose, approve, unapprove, cancel, exec, invalidate, with the same tables, checks and
 * messages. An approved proposal runs as inline actions of `exec` (the account must be
 * privileged, as eosio.msig is on EOSIO chains), after the transaction's delay_sec has passed since
 * it became fully approved. */
#include "cps/protocol.h"
#include "cps/sdk.h"

/* ---- tables (scope = proposer, except invals: scope = this contract) ---- */

#define PROPOSAL_FIELDS(X)                                                                         \
    X(proposal_name, name) X(packed_transaction, bytes)                                            \
    X(earliest_exec_time, binext_optional(time_point))
CPS_ABI_BINEXT_OPTIONAL(time_point)
CPS_ABI_STRUCT(proposal, PROPOSAL_FIELDS)

/* Legacy approvals table (eosio.msig before 1.6), still read and cleaned up. */
#define OLD_APPROVALS_INFO_FIELDS(X)                                                               \
    X(proposal_name, name) X(requested_approvals, array(permission_level))                         \
    X(provided_approvals, array(permission_level))
CPS_ABI_STRUCT(old_approvals_info, OLD_APPROVALS_INFO_FIELDS)

#define APPROVAL_FIELDS(X) X(level, permission_level) X(time, time_point)
CPS_ABI_STRUCT(approval, APPROVAL_FIELDS)
CPS_ABI_NESTED(approval)
#define CPS_CTYPE_approval approval_t
CPS_ABI_ARRAY(approval)

#define APPROVALS_INFO_FIELDS(X)                                                                   \
    X(version, uint8) X(proposal_name, name) X(requested_approvals, array(approval))               \
    X(provided_approvals, array(approval))
CPS_ABI_STRUCT(approvals_info, APPROVALS_INFO_FIELDS)

#define INVALIDATION_FIELDS(X) X(account, name) X(last_invalidation_time, time_point)
CPS_ABI_STRUCT(invalidation, INVALIDATION_FIELDS)

static uint64_t proposal_key(const void *row)
{
    return ((const proposal_t *)row)->proposal_name;
}
static uint64_t old_approvals_key(const void *row)
{
    return ((const old_approvals_info_t *)row)->proposal_name;
}
static uint64_t approvals_key(const void *row)
{
    return ((const approvals_info_t *)row)->proposal_name;
}
static uint64_t invalidation_key(const void *row)
{
    return ((const invalidation_t *)row)->account;
}
CPS_TABLE(proposal, proposal, proposal_key);
CPS_TABLE(approvals, old_approvals_info, old_approvals_key);
CPS_TABLE(approvals2, approvals_info, approvals_key);
CPS_TABLE(invals, invalidation, invalidation_key);

/* ---- actions ---- */

#define PROPOSE_FIELDS(X)                                                                          \
    X(proposer, name) X(proposal_name, name) X(requested, array(permission_level))                 \
    X(trx, transaction)
CPS_ABI_NESTED(transaction)
#define CPS_CTYPE_transaction transaction_t
CPS_ABI_STRUCT(propose, PROPOSE_FIELDS)

CPS_ABI_BINEXT(checksum256)
#define APPROVE_FIELDS(X)                                                                          \
    X(proposer, name) X(proposal_name, name) X(level, permission_level)                            \
    X(proposal_hash, binext(checksum256))
CPS_ABI_STRUCT(approve, APPROVE_FIELDS)

#define UNAPPROVE_FIELDS(X) X(proposer, name) X(proposal_name, name) X(level, permission_level)
CPS_ABI_STRUCT(unapprove, UNAPPROVE_FIELDS)

#define CANCEL_FIELDS(X) X(proposer, name) X(proposal_name, name) X(canceler, name)
CPS_ABI_STRUCT(cancel, CANCEL_FIELDS)

#define EXEC_FIELDS(X) X(proposer, name) X(proposal_name, name) X(executer, name)
CPS_ABI_STRUCT(exec, EXEC_FIELDS)

#define INVALIDATE_FIELDS(X) X(account, name)
CPS_ABI_STRUCT(invalidate, INVALIDATE_FIELDS)

static int64_t now_us(void)
{
    return (int64_t)current_time();
}

static bool same_level(permission_level_t a, permission_level_t b)
{
    return a.actor == b.actor && a.permission == b.permission;
}

/* Removes element i of an array in place, keeping the order (as std::vector::erase). */
#define ARRAY_ERASE(arr, i)                                                                        \
    do {                                                                                           \
        for (uint32_t k_ = (i); k_ + 1 < (arr).count; k_++)                                        \
            (arr).items[k_] = (arr).items[k_ + 1];                                                 \
        (arr).count--;                                                                             \
    } while (0)

/* Appends one element; arrays read from rows are heap copies, so growing means a new copy. */
#define ARRAY_PUSH(arr, type, value)                                                               \
    do {                                                                                           \
        type *grown_ = malloc(((arr).count + 1) * sizeof(type));                                   \
        if ((arr).count) memcpy(grown_, (arr).items, (arr).count * sizeof(type));                  \
        grown_[(arr).count] = (value);                                                             \
        (arr).items = grown_;                                                                      \
        (arr).count++;                                                                             \
    } while (0)

static transaction_header_t read_header(cps_bytes packed)
{
    cps_ds in = cps_ds_reader(packed.data, packed.size);
    transaction_header_t h;
    transaction_header_unpack(&h, &in);
    return h;
}

/* True when the packed transaction's declared authorizations are satisfied by `levels`. */
static bool trx_is_authorized(const cps_array_permission_level *levels, cps_bytes packed)
{
    cps_ds sizer = cps_ds_sizer();
    cps_ds_write_array_permission_level(&sizer, *levels);
    uint8_t *buf = malloc(sizer.pos);
    cps_ds writer = cps_ds_writer(buf, sizer.pos);
    cps_ds_write_array_permission_level(&writer, *levels);
    return check_transaction_authorization(packed.data, packed.size, NULL, 0, buf, sizer.pos) > 0;
}

/* The approvals that still count: provided approvals not invalidated afterwards by their actor
 * (new table: invalidated after the approval; legacy table: invalidated at all). */
static cps_array_permission_level counted_approvals(cps_name self, cps_name proposer,
                                                    cps_name proposal_name, bool *new_table)
{
    cps_table invals = cps_table_open(&invals_table, self, self);
    cps_array_permission_level out = {NULL, 0};
    cps_table apps = cps_table_open(&approvals2_table, self, proposer);
    int32_t itr = cps_table_find(&apps, proposal_name);
    if (itr >= 0) {
        *new_table = true;
        approvals_info_t info;
        cps_table_load(&apps, itr, &info);
        out.items = malloc((info.provided_approvals.count + 1) * sizeof(permission_level_t));
        for (uint32_t i = 0; i < info.provided_approvals.count; i++) {
            approval_t a = info.provided_approvals.items[i];
            int32_t inv = cps_table_find(&invals, a.level.actor);
            if (inv >= 0) {
                invalidation_t row;
                cps_table_load(&invals, inv, &row);
                if (row.last_invalidation_time >= a.time) continue;
            }
            out.items[out.count++] = a.level;
        }
        return out;
    }
    *new_table = false;
    cps_table old = cps_table_open(&approvals_table, self, proposer);
    old_approvals_info_t info;
    cps_table_get(&old, proposal_name, &info, "proposal not found");
    out.items = malloc((info.provided_approvals.count + 1) * sizeof(permission_level_t));
    for (uint32_t i = 0; i < info.provided_approvals.count; i++) {
        permission_level_t level = info.provided_approvals.items[i];
        if (cps_table_find(&invals, level.actor) >= 0) continue;
        out.items[out.count++] = level;
    }
    return out;
}

static void msig_propose(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const propose_t *a = args;
    require_auth(a->proposer);
    check((int64_t)a->trx.expiration * 1000000 >= now_us(), "transaction expired");

    cps_table props = cps_table_open(&proposal_table, self, a->proposer);
    check(cps_table_find(&props, a->proposal_name) < 0, "proposal with the same name exists");

    /* The proposal stores the transaction exactly as it was sent: re-read the action data and
     * take everything after proposer, proposal_name and requested. */
    uint32_t size = action_data_size();
    uint8_t *data = malloc(size);
    read_action_data(data, size);
    cps_ds in = cps_ds_reader(data, size);
    cps_ds_read_name(&in);
    cps_ds_read_name(&in);
    cps_ds_read_array_permission_level(&in);
    cps_bytes packed = {data + in.pos, size - in.pos};

    check(trx_is_authorized(&a->requested, packed), "transaction authorization failed");

    proposal_t prop;
    memset(&prop, 0, sizeof prop);
    prop.proposal_name = a->proposal_name;
    prop.packed_transaction = packed;
    prop.earliest_exec_time.present = true; /* present, empty until fully approved */
    cps_table_emplace(&props, a->proposer, &prop);

    approvals_info_t info;
    info.version = 1;
    info.proposal_name = a->proposal_name;
    info.requested_approvals.count = a->requested.count;
    info.requested_approvals.items = malloc((a->requested.count + 1) * sizeof(approval_t));
    for (uint32_t i = 0; i < a->requested.count; i++) {
        info.requested_approvals.items[i].level = a->requested.items[i];
        info.requested_approvals.items[i].time = 0;
    }
    info.provided_approvals.count = 0;
    info.provided_approvals.items = NULL;
    cps_table apps = cps_table_open(&approvals2_table, self, a->proposer);
    cps_table_emplace(&apps, a->proposer, &info);
}

/* After approvals change: a fully approved proposal gets its earliest execution time (now +
 * delay_sec); one that is no longer fully approved loses it. */
static void update_earliest_exec_time(cps_name self, cps_name proposer, cps_name proposal_name,
                                      bool approving)
{
    cps_table props = cps_table_open(&proposal_table, self, proposer);
    proposal_t prop;
    int32_t itr = cps_table_get(&props, proposal_name, &prop, "proposal not found");
    if (!prop.earliest_exec_time.present) return;
    if (approving == prop.earliest_exec_time.has) return;
    bool new_table;
    cps_array_permission_level levels = counted_approvals(self, proposer, proposal_name, &new_table);
    bool authorized = trx_is_authorized(&levels, prop.packed_transaction);
    if (approving && authorized) {
        transaction_header_t h = read_header(prop.packed_transaction);
        prop.earliest_exec_time.has = true;
        prop.earliest_exec_time.value = now_us() + (int64_t)h.delay_sec * 1000000;
        cps_table_modify(&props, itr, proposer, &prop);
    } else if (!approving && !authorized) {
        prop.earliest_exec_time.has = false;
        cps_table_modify(&props, itr, proposer, &prop);
    }
}

static void msig_approve(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const approve_t *a = args;
    require_auth2(a->level.actor, a->level.permission);

    if (a->proposal_hash.present) {
        cps_table props = cps_table_open(&proposal_table, self, a->proposer);
        proposal_t prop;
        cps_table_get(&props, a->proposal_name, &prop, "proposal not found");
        assert_sha256(prop.packed_transaction.data, prop.packed_transaction.size,
                      &a->proposal_hash.value);
    }

    cps_table apps = cps_table_open(&approvals2_table, self, a->proposer);
    int32_t itr = cps_table_find(&apps, a->proposal_name);
    if (itr >= 0) {
        approvals_info_t info;
        cps_table_load(&apps, itr, &info);
        uint32_t i = 0;
        while (i < info.requested_approvals.count &&
               !same_level(info.requested_approvals.items[i].level, a->level))
            i++;
        check(i < info.requested_approvals.count,
              "approval is not on the list of requested approvals");
        approval_t given = {a->level, now_us()};
        ARRAY_PUSH(info.provided_approvals, approval_t, given);
        ARRAY_ERASE(info.requested_approvals, i);
        cps_table_modify(&apps, itr, a->proposer, &info);
    } else {
        cps_table old = cps_table_open(&approvals_table, self, a->proposer);
        old_approvals_info_t info;
        int32_t oitr = cps_table_get(&old, a->proposal_name, &info, "proposal not found");
        uint32_t i = 0;
        while (i < info.requested_approvals.count &&
               !same_level(info.requested_approvals.items[i], a->level))
            i++;
        check(i < info.requested_approvals.count,
              "approval is not on the list of requested approvals");
        ARRAY_PUSH(info.provided_approvals, permission_level_t, a->level);
        ARRAY_ERASE(info.requested_approvals, i);
        cps_table_modify(&old, oitr, a->proposer, &info);
    }
    update_earliest_exec_time(self, a->proposer, a->proposal_name, true);
}

static void msig_unapprove(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const unapprove_t *a = args;
    require_auth2(a->level.actor, a->level.permission);

    cps_table apps = cps_table_open(&approvals2_table, self, a->proposer);
    int32_t itr = cps_table_find(&apps, a->proposal_name);
    if (itr >= 0) {
        approvals_info_t info;
        cps_table_load(&apps, itr, &info);
        uint32_t i = 0;
        while (i < info.provided_approvals.count &&
               !same_level(info.provided_approvals.items[i].level, a->level))
            i++;
        check(i < info.provided_approvals.count, "no approval previously granted");
        approval_t back = {a->level, now_us()};
        ARRAY_PUSH(info.requested_approvals, approval_t, back);
        ARRAY_ERASE(info.provided_approvals, i);
        cps_table_modify(&apps, itr, a->proposer, &info);
    } else {
        cps_table old = cps_table_open(&approvals_table, self, a->proposer);
        old_approvals_info_t info;
        int32_t oitr = cps_table_get(&old, a->proposal_name, &info, "proposal not found");
        uint32_t i = 0;
        while (i < info.provided_approvals.count &&
               !same_level(info.provided_approvals.items[i], a->level))
            i++;
        check(i < info.provided_approvals.count, "no approval previously granted");
        ARRAY_PUSH(info.requested_approvals, permission_level_t, a->level);
        ARRAY_ERASE(info.provided_approvals, i);
        cps_table_modify(&old, oitr, a->proposer, &info);
    }
    update_earliest_exec_time(self, a->proposer, a->proposal_name, false);
}

/* Erases the proposal's approvals row (new table, else legacy). */
static void erase_approvals(cps_name self, cps_name proposer, cps_name proposal_name)
{
    cps_table apps = cps_table_open(&approvals2_table, self, proposer);
    int32_t itr = cps_table_find(&apps, proposal_name);
    if (itr >= 0) {
        cps_table_erase(&apps, itr);
        return;
    }
    cps_table old = cps_table_open(&approvals_table, self, proposer);
    int32_t oitr = cps_table_find(&old, proposal_name);
    check(oitr >= 0, "proposal not found");
    cps_table_erase(&old, oitr);
}

static void msig_cancel(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const cancel_t *a = args;
    require_auth(a->canceler);

    cps_table props = cps_table_open(&proposal_table, self, a->proposer);
    proposal_t prop;
    int32_t itr = cps_table_get(&props, a->proposal_name, &prop, "proposal not found");
    if (a->canceler != a->proposer) {
        transaction_header_t h = read_header(prop.packed_transaction);
        check((int64_t)h.expiration * 1000000 < now_us(), "cannot cancel until expiration");
    }
    cps_table_erase(&props, itr);
    erase_approvals(self, a->proposer, a->proposal_name);
}

static void msig_exec(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const exec_t *a = args;
    require_auth(a->executer);

    cps_table props = cps_table_open(&proposal_table, self, a->proposer);
    proposal_t prop;
    int32_t itr = cps_table_get(&props, a->proposal_name, &prop, "proposal not found");
    cps_ds in = cps_ds_reader(prop.packed_transaction.data, prop.packed_transaction.size);
    transaction_t trx;
    transaction_unpack(&trx, &in);
    check((int64_t)trx.expiration * 1000000 >= now_us(), "transaction expired");

    bool new_table;
    cps_array_permission_level levels =
        counted_approvals(self, a->proposer, a->proposal_name, &new_table);
    check(trx_is_authorized(&levels, prop.packed_transaction), "transaction authorization failed");

    if (prop.earliest_exec_time.present && prop.earliest_exec_time.has) {
        check(prop.earliest_exec_time.value <= now_us(), "too early to execute");
    } else {
        check(trx.delay_sec == 0,
              "old proposals are not allowed to have non-zero `delay_sec`; cancel and retry");
    }

    for (uint32_t i = 0; i < trx.context_free_actions.count; i++) {
        const action_t *act = &trx.context_free_actions.items[i];
        check(act->authorization.count == 0, "context free actions cannot have authorizations");
        cps_action out = {act->account, act->name, NULL, 0, act->data.data, act->data.size};
        cps_action_send_context_free_inline(&out);
    }
    for (uint32_t i = 0; i < trx.actions.count; i++) {
        const action_t *act = &trx.actions.items[i];
        /* permission_level_t and cps_permission_level have the same two-name layout. */
        cps_action out = {act->account,
                          act->name,
                          (const cps_permission_level *)act->authorization.items,
                          act->authorization.count,
                          act->data.data,
                          act->data.size};
        cps_action_send_inline(&out);
    }

    cps_table_erase(&props, itr);
    erase_approvals(self, a->proposer, a->proposal_name);
}

static void msig_invalidate(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const invalidate_t *a = args;
    require_auth(a->account);
    cps_table invals = cps_table_open(&invals_table, self, self);
    invalidation_t row = {a->account, now_us()};
    int32_t itr = cps_table_find(&invals, a->account);
    if (itr < 0)
        cps_table_emplace(&invals, a->account, &row);
    else
        cps_table_modify(&invals, itr, a->account, &row);
}

static const cps_action_def msig_actions[] = {
    CPS_ACTION(propose, propose, msig_propose),
    CPS_ACTION(approve, approve, msig_approve),
    CPS_ACTION(unapprove, unapprove, msig_unapprove),
    CPS_ACTION(cancel, cancel, msig_cancel),
    CPS_ACTION(exec, exec, msig_exec),
    CPS_ACTION(invalidate, invalidate, msig_invalidate),
};
CPS_CONTRACT(msig_actions)
