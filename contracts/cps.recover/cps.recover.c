/* cps.recover: recovery partners for accounts (white paper "Password Recovery" and "Recovery of
 * Hacked Accounts"), enforced on chain. An enrolled account's owner permission is held by this
 * contract alone (cps.recover@eosio.code), so the rules below are the only way to change the
 * account's owner or to replace its active authority without its active keys:
 *   - partners (a threshold of them) replace the active authority only after the account has not
 *     used its active or owner permission for 30 days;
 *   - an owner-level change (new partners/threshold, or handing the owner to another authority,
 *     which leaves recovery) needs the account (active) and its partners' threshold together, or
 *     30 days of notice during which the account can cancel it;
 *   - the owner changes at most once per 30 days.
 * Tables and actions are described in docs/contracts.md ("cps.recover"). */
#include "cps/protocol.h"
#include "cps/sdk.h"

#define RECOVERY_WAIT_US ((int64_t)30 * 24 * 3600 * 1000000)
#define MAX_PARTNERS 16

/* partners (scope = this contract, key = account) */
#define PARTNERSHIP_FIELDS(X)                                                                      \
    X(account, name) X(partners, array(name)) X(threshold, uint8)                                  \
    X(last_owner_change, time_point)
CPS_ABI_STRUCT(partnership, PARTNERSHIP_FIELDS)

/* requests (scope = account, key = kind: "active" or "owner") */
#define RECOVERY_REQUEST_FIELDS(X)                                                                 \
    X(kind, name) X(proposer, name) X(new_auth, authority) X(new_partners, array(name))            \
    X(new_threshold, uint8) X(approvals, array(name)) X(requested, time_point)
CPS_ABI_STRUCT(recovery_request, RECOVERY_REQUEST_FIELDS)

static uint64_t partnership_key(const void *row)
{
    return ((const partnership_t *)row)->account;
}
static uint64_t request_key(const void *row)
{
    return ((const recovery_request_t *)row)->kind;
}
CPS_TABLE(partners, partnership, partnership_key);
CPS_TABLE(requests, recovery_request, request_key);

#define ENROLL_FIELDS(X) X(account, name) X(partners, array(name)) X(threshold, uint8)
CPS_ABI_STRUCT(enroll, ENROLL_FIELDS)

#define REQACTIVE_FIELDS(X) X(account, name) X(partner, name) X(new_active, authority)
CPS_ABI_STRUCT(reqactive, REQACTIVE_FIELDS)

#define REQOWNER_FIELDS(X)                                                                         \
    X(account, name) X(new_owner, authority) X(new_partners, array(name)) X(new_threshold, uint8)
CPS_ABI_STRUCT(reqowner, REQOWNER_FIELDS)

#define APPROVE_FIELDS(X) X(account, name) X(kind, name) X(partner, name)
CPS_ABI_STRUCT(approve, APPROVE_FIELDS)

#define CANCEL_FIELDS(X) X(account, name) X(kind, name)
CPS_ABI_STRUCT(cancel, CANCEL_FIELDS)

#define EXEC_FIELDS(X) X(account, name) X(kind, name) X(executer, name)
CPS_ABI_STRUCT(exec, EXEC_FIELDS)

/* updateauth's arguments (the native eosio action). */
#define UPDATEAUTH_FIELDS(X) X(account, name) X(permission, name) X(parent, name) X(auth, authority)
CPS_ABI_STRUCT(updateauth, UPDATEAUTH_FIELDS)

static int64_t now_us(void)
{
    return (int64_t)current_time();
}

static bool contains(const cps_array_name *list, cps_name n)
{
    for (uint32_t i = 0; i < list->count; i++)
        if (list->items[i] == n) return true;
    return false;
}

/* The partner list rules, shared by enroll and owner-level changes. */
static void check_partners(cps_name account, const cps_array_name *partners, uint8_t threshold)
{
    check(partners->count > 0, "at least one recovery partner is required");
    check(partners->count <= MAX_PARTNERS, "at most 16 recovery partners");
    check(threshold >= 1 && threshold <= partners->count,
          "threshold must be between 1 and the number of partners");
    for (uint32_t i = 0; i < partners->count; i++) {
        cps_name p = partners->items[i];
        check(p != account, "an account cannot be its own recovery partner");
        check(is_account(p), "recovery partner account does not exist");
        for (uint32_t k = 0; k < i; k++)
            check(partners->items[k] != p, "duplicate recovery partner");
    }
}

/* The owner authority held by this contract alone. */
static authority_t contract_owner(cps_name self)
{
    static permission_level_weight_t holder;
    holder.permission.actor = self;
    holder.permission.permission = N("eosio.code");
    holder.weight = 1;
    authority_t a;
    memset(&a, 0, sizeof a);
    a.threshold = 1;
    a.accounts.items = &holder;
    a.accounts.count = 1;
    return a;
}

/* True when `a` is satisfied by this contract, and only by it: its eosio.code entry reaches the
 * threshold and everything else together does not. */
static bool held_by_contract_alone(cps_name self, const authority_t *a)
{
    uint32_t contract_weight = 0, other_weight = 0;
    for (uint32_t i = 0; i < a->accounts.count; i++) {
        const permission_level_weight_t *w = &a->accounts.items[i];
        if (w->permission.actor == self && w->permission.permission == N("eosio.code"))
            contract_weight += w->weight;
        else
            other_weight += w->weight;
    }
    for (uint32_t i = 0; i < a->keys.count; i++)
        other_weight += a->keys.items[i].weight;
    for (uint32_t i = 0; i < a->waits.count; i++)
        other_weight += a->waits.items[i].weight;
    return contract_weight >= a->threshold && other_weight < a->threshold;
}

/* Sends eosio::updateauth for account@permission, authorized by account@owner (which this
 * contract's eosio.code satisfies for an enrolled account). */
static void send_updateauth(cps_name account, cps_name permission, cps_name parent,
                            const authority_t *auth)
{
    updateauth_t args = {account, permission, parent, *auth};
    uint32_t size;
    uint8_t *data = cps_pack_to_heap(updateauth_pack_any, &args, &size);
    cps_permission_level level = {account, N("owner")};
    cps_action act = {N("eosio"), N("updateauth"), &level, 1, data, size};
    cps_action_send_inline(&act);
}

static partnership_t load_partnership(cps_name self, cps_name account, int32_t *itr)
{
    cps_table t = cps_table_open(&partners_table, self, self);
    partnership_t row;
    *itr = cps_table_get(&t, account, &row, "account is not enrolled in recovery");
    return row;
}

static void recover_enroll(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const enroll_t *a = args;
    require_auth2(a->account, N("owner"));
    cps_table t = cps_table_open(&partners_table, self, self);
    check(cps_table_find(&t, a->account) < 0,
          "account is already enrolled; change partners with reqowner");
    check_partners(a->account, &a->partners, a->threshold);

    partnership_t row = {a->account, a->partners, a->threshold, now_us()};
    cps_table_emplace(&t, a->account, &row);
    authority_t owner = contract_owner(self);
    send_updateauth(a->account, N("owner"), 0, &owner);
}

static void put_request(cps_name self, cps_name account, const recovery_request_t *req,
                        cps_name payer)
{
    cps_table t = cps_table_open(&requests_table, self, account);
    check(cps_table_find(&t, req->kind) < 0, "a request of this kind is already pending");
    cps_table_emplace(&t, payer, req);
}

static void recover_reqactive(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const reqactive_t *a = args;
    require_auth(a->partner);
    int32_t itr;
    partnership_t p = load_partnership(self, a->account, &itr);
    check(contains(&p.partners, a->partner), "not a recovery partner of this account");

    recovery_request_t req;
    memset(&req, 0, sizeof req);
    req.kind = N("active");
    req.proposer = a->partner;
    req.new_auth = a->new_active;
    req.approvals.items = malloc(sizeof(cps_name));
    req.approvals.items[0] = a->partner;
    req.approvals.count = 1;
    req.requested = now_us();
    put_request(self, a->account, &req, a->partner);
}

static void recover_reqowner(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const reqowner_t *a = args;
    require_auth2(a->account, N("active"));
    int32_t itr;
    load_partnership(self, a->account, &itr);
    if (held_by_contract_alone(self, &a->new_owner)) {
        check_partners(a->account, &a->new_partners, a->new_threshold);
    } else {
        /* Handing the owner to another authority ends recovery: no partners to name. */
        check(a->new_partners.count == 0 && a->new_threshold == 0,
              "partners can only be set while cps.recover holds the owner permission");
    }

    recovery_request_t req;
    memset(&req, 0, sizeof req);
    req.kind = N("owner");
    req.proposer = a->account;
    req.new_auth = a->new_owner;
    req.new_partners = a->new_partners;
    req.new_threshold = a->new_threshold;
    req.requested = now_us();
    put_request(self, a->account, &req, a->account);
}

static void recover_approve(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const approve_t *a = args;
    require_auth(a->partner);
    int32_t pitr;
    partnership_t p = load_partnership(self, a->account, &pitr);
    check(contains(&p.partners, a->partner), "not a recovery partner of this account");
    cps_table t = cps_table_open(&requests_table, self, a->account);
    recovery_request_t req;
    int32_t itr = cps_table_get(&t, a->kind, &req, "no such recovery request");
    check(!contains(&req.approvals, a->partner), "partner already approved");
    cps_name *grown = malloc((req.approvals.count + 1) * sizeof(cps_name));
    if (req.approvals.count) memcpy(grown, req.approvals.items, req.approvals.count * sizeof(cps_name));
    grown[req.approvals.count] = a->partner;
    req.approvals.items = grown;
    req.approvals.count++;
    /* Each partner pays for the bytes their approval adds. */
    cps_table_modify(&t, itr, a->partner, &req);
}

static void recover_cancel(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const cancel_t *a = args;
    require_auth2(a->account, N("active"));
    cps_table t = cps_table_open(&requests_table, self, a->account);
    recovery_request_t req;
    int32_t itr = cps_table_get(&t, a->kind, &req, "no such recovery request");
    cps_table_erase(&t, itr);
}

/* Counts approvals of partners that are still partners. */
static uint32_t valid_approvals(const partnership_t *p, const recovery_request_t *req)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < req->approvals.count; i++)
        if (contains(&p->partners, req->approvals.items[i])) n++;
    return n;
}

static void recover_exec(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const exec_t *a = args;
    require_auth(a->executer);
    int32_t pitr;
    partnership_t p = load_partnership(self, a->account, &pitr);
    cps_table t = cps_table_open(&requests_table, self, a->account);
    recovery_request_t req;
    int32_t itr = cps_table_get(&t, a->kind, &req, "no such recovery request");
    int64_t now = now_us();
    uint32_t approvals = valid_approvals(&p, &req);

    if (a->kind == N("active")) {
        check(approvals >= p.threshold, "not enough partner approvals");
        int64_t last = get_permission_last_used(a->account, N("active"));
        int64_t owner_last = get_permission_last_used(a->account, N("owner"));
        if (owner_last > last) last = owner_last;
        check(now - last >= RECOVERY_WAIT_US,
              "account was active in the last 30 days: partners cannot recover it yet");
        cps_table_erase(&t, itr);
        send_updateauth(a->account, N("active"), N("owner"), &req.new_auth);
        return;
    }
    check(a->kind == N("owner"), "unknown request kind");
    check(approvals >= p.threshold || now - req.requested >= RECOVERY_WAIT_US,
          "owner change needs the partners' approval or 30 days of notice");
    check(now - p.last_owner_change >= RECOVERY_WAIT_US,
          "owner can change at most once per 30 days");
    cps_table_erase(&t, itr);
    cps_table pt = cps_table_open(&partners_table, self, self);
    if (held_by_contract_alone(self, &req.new_auth)) {
        p.partners = req.new_partners;
        p.threshold = req.new_threshold;
        p.last_owner_change = now;
        cps_table_modify(&pt, pitr, 0, &p);
    } else {
        cps_table_erase(&pt, pitr); /* the account leaves recovery */
    }
    send_updateauth(a->account, N("owner"), 0, &req.new_auth);
}

static const cps_action_def recover_actions[] = {
    CPS_ACTION(enroll, enroll, recover_enroll),
    CPS_ACTION(reqactive, reqactive, recover_reqactive),
    CPS_ACTION(reqowner, reqowner, recover_reqowner),
    CPS_ACTION(approve, approve, recover_approve),
    CPS_ACTION(cancel, cancel, recover_cancel),
    CPS_ACTION(exec, exec, recover_exec),
};
CPS_CONTRACT(recover_actions)
