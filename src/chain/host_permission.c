/* host_permission: the permission intrinsics (nodeos permission.cpp) —
 * check_transaction_authorization, check_permission_authorization, get_permission_last_used,
 * get_account_creation_time. None may run in a context-free action.
 *
 * The two check_* calls answer "would these keys, permissions and delay satisfy ...?" with
 * authorization_manager::check_authorization's rules, read from the chain through the
 * controller's public queries and decided by the authority checker of chain.h. nodeos turns only
 * authorization_exception into "false": a missing permission met while resolving minimum
 * permissions (permission_query_exception), undecodable input, or a canceldelay of an unknown
 * deferred transaction still fail the action. Here those are negative error codes, while
 * AUTH_DENIED (a positive internal result) stands for nodeos's authorization_exception. */
#include "chain/host_groups.h"

#include <stdio.h>
#include <string.h>

#define HOST(name) static int host_##name(cps_vm_ctx *vm, void *user, cps_vm_slot *a)
#define UNUSED (void)user
#define CTX cps_chain__apply_from_vm(vm)

#define AUTH_DENIED 1           /* an authorization_exception: the check_* call returns false */
#define MAX_PROVIDED (1u << 20) /* fc's MAX_NUM_ARRAY_ELEMENTS */

static const char *name_str(cps_name n, char buf[CPS_NAME_STR_MAX])
{
    cps_abi_name_to_string(n, buf);
    return buf;
}

/* ---- reading the chain's permissions -------------------------------------------------------- */

typedef struct perm_lookup {
    cps_chain_controller *chain;
    cps_arena arena; /* authorities handed to the checker live here until the question ends */
} perm_lookup;

static int lookup_authority(void *vctx, const cps_permission_level *level,
                            const cps_authority **out)
{
    perm_lookup *l = vctx;
    cps_authority *auth = cps_abi_arena_alloc(&l->arena, sizeof *auth);
    if (!auth) return CPS_ERR_NOMEM;
    cps_name parent;
    int64_t last_used;
    int rc = cps_chain_controller_get_permission(l->chain, level->actor, level->permission,
                                                 &l->arena, &parent, auth, &last_used);
    if (rc) return rc;
    *out = auth;
    return 0;
}

static int lookup_parent(void *vctx, const cps_permission_level *level, cps_name *parent)
{
    perm_lookup *l = vctx;
    cps_arena scratch = {0};
    cps_authority auth;
    int64_t last_used;
    int rc = cps_chain_controller_get_permission(l->chain, level->actor, level->permission,
                                                 &scratch, parent, &auth, &last_used);
    cps_abi_arena_free(&scratch);
    return rc;
}

/* authorization_manager::get_permission: an empty actor or permission is invalid_permission (an
 * authorization_exception); a missing one is permission_query_exception (an error). */
static int require_permission(perm_lookup *l, const cps_permission_level *level)
{
    if (level->actor == 0 || level->permission == 0) return AUTH_DENIED;
    cps_name parent;
    int rc = lookup_parent(l, level, &parent);
    if (rc == CPS_ERR_NOT_FOUND) {
        char a[CPS_NAME_STR_MAX], p[CPS_NAME_STR_MAX];
        return cps_fail(CPS_ERR_NOT_FOUND, "Failed to retrieve permission: %s@%s",
                        name_str(level->actor, a), name_str(level->permission, p));
    }
    return rc;
}

/* get_permission(declared).satisfies(get_permission(required)), both fetched first, in the order
 * nodeos evaluates them (it matters only for which missing permission the error names). */
static int declared_satisfies(perm_lookup *l, const cps_permission_level *declared,
                              const cps_permission_level *required, bool declared_first)
{
    int rc = require_permission(l, declared_first ? declared : required);
    if (!rc) rc = require_permission(l, declared_first ? required : declared);
    if (rc) return rc;
    bool ok = false;
    rc = cps_chain_permission_satisfies(lookup_parent, l, declared, required, &ok);
    if (rc) return rc;
    return ok ? 0 : AUTH_DENIED;
}

/* lookup_minimum_permission: the linked permission, active without a link; *any for a link to
 * eosio.any (no minimum). */
static int minimum_permission(perm_lookup *l, cps_name actor, cps_name code, cps_name type,
                              cps_name *min, bool *any)
{
    *any = false;
    cps_name linked;
    int rc = cps_chain_controller_get_link(l->chain, actor, code, type, &linked);
    if (rc == CPS_ERR_NOT_FOUND) {
        *min = cps_abi_name("active");
        return 0;
    }
    if (rc) return rc;
    *any = linked == cps_abi_name("eosio.any");
    *min = linked;
    return 0;
}

/* ---- the native actions' own rules ------------------------------------------------------------
 */

static bool is_native_auth_action(cps_name n)
{
    return n == cps_abi_name("updateauth") || n == cps_abi_name("deleteauth") ||
           n == cps_abi_name("linkauth") || n == cps_abi_name("unlinkauth") ||
           n == cps_abi_name("canceldelay");
}

/* The names at the start of a native action's data (data_as<T>: fc::raw::unpack, trailing bytes
 * ignored); updateauth's authority must decode too. */
static int native_fields(const cps_action *act, uint64_t *f, int n, bool with_authority)
{
    cps_reader r = cps_reader_make(act->data.data, act->data.size);
    for (int i = 0; i < n; i++) {
        int rc = cps_read_u64(&r, &f[i]);
        if (rc) return cps_fail_prefix(rc, "action data");
    }
    if (with_authority) {
        cps_arena arena = {0};
        cps_authority auth;
        int rc = cps_abi_authority_unpack(&r, &arena, &auth);
        cps_abi_arena_free(&arena);
        if (rc) return cps_fail_prefix(rc, "updateauth authority");
    }
    return 0;
}

/* check_{updateauth,deleteauth,linkauth,unlinkauth,canceldelay}_authorization; canceldelay
 * raises the delay its declared authorization is checked under (*delay). */
static int check_native(perm_lookup *l, cps_chain_apply_context *ctx, const cps_action *act,
                        int64_t *delay)
{
    const cps_name nm = act->name;
    uint64_t f[4] = {0, 0, 0, 0};
    int rc;
    if (act->authorization_count != 1) return AUTH_DENIED; /* "should only have one ..." */
    const cps_permission_level *auth = &act->authorization[0];
    if (nm == cps_abi_name("canceldelay")) {
        /* canceldelay {permission_level canceling_auth, checksum256 trx_id} */
        if ((rc = native_fields(act, f, 2, false))) return rc;
        if (act->data.size < 48) return cps_fail(CPS_ERR_TRUNCATED, "action data: trx_id");
        cps_permission_level canceling = {f[0], f[1]};
        if ((rc = declared_satisfies(l, auth, &canceling, true))) return rc;
        cps_checksum256 id;
        memcpy(id.b, act->data.data + 16, 32);
        int64_t trx_delay;
        if ((rc = cps_chain__delayed_trx_delay(ctx, &id, &canceling, &trx_delay))) return rc;
        if (trx_delay > *delay) *delay = trx_delay;
        return 0;
    }
    if (nm == cps_abi_name("updateauth")) {
        /* updateauth {account, permission, parent, authority} */
        if ((rc = native_fields(act, f, 3, true))) return rc;
        if (auth->actor != f[0]) return AUTH_DENIED;
        cps_permission_level min = {f[0], f[1]};
        cps_name parent;
        if (!min.actor || !min.permission) return AUTH_DENIED; /* find_permission: invalid */
        rc = lookup_parent(l, &min, &parent);
        if (rc == CPS_ERR_NOT_FOUND)
            min.permission = f[2]; /* a new permission: its parent */
        else if (rc)
            return rc;
        return declared_satisfies(l, auth, &min, false);
    }
    if (nm == cps_abi_name("deleteauth")) {
        /* deleteauth {account, permission} */
        if ((rc = native_fields(act, f, 2, false))) return rc;
        if (auth->actor != f[0]) return AUTH_DENIED;
        cps_permission_level min = {f[0], f[1]};
        return declared_satisfies(l, auth, &min, false);
    }
    /* linkauth {account, code, type, requirement} / unlinkauth {account, code, type} */
    bool link = nm == cps_abi_name("linkauth");
    if ((rc = native_fields(act, f, link ? 4 : 3, false))) return rc;
    if (auth->actor != f[0]) return AUTH_DENIED;
    cps_name linked;
    bool any = false;
    if (link) {
        /* fix_linkauth_restriction: only eosio's own native actions cannot be linked */
        if (f[1] == cps_abi_name("eosio") && is_native_auth_action(f[2])) {
            char t[CPS_NAME_STR_MAX];
            return cps_fail(CPS_ERR_INVALID_ARG, "Cannot link eosio::%s to a minimum permission",
                            name_str(f[2], t));
        }
        if ((rc = minimum_permission(l, f[0], f[1], f[2], &linked, &any))) return rc;
    } else {
        rc = cps_chain_controller_get_link(l->chain, f[0], f[1], f[2], &linked);
        if (rc == CPS_ERR_NOT_FOUND) {
            char acc[CPS_NAME_STR_MAX], code[CPS_NAME_STR_MAX], type[CPS_NAME_STR_MAX];
            return cps_fail(CPS_ERR_NOT_FOUND,
                            "cannot unlink non-existent permission link of account '%s' for "
                            "actions matching '%s::%s'",
                            name_str(f[0], acc), name_str(f[1], code), name_str(f[2], type));
        }
        if (rc) return rc;
        any = linked == cps_abi_name("eosio.any");
    }
    if (any) return 0;
    cps_permission_level min = {f[0], linked};
    return declared_satisfies(l, auth, &min, true);
}

/* ---- the checks -------------------------------------------------------------------------------
 */

/* The checker's verdict on declared levels (each with its delay), then on unused keys. */
static int run_checker(perm_lookup *l, const cps_chain_config *cfg, const cps_public_key *keys,
                       size_t nkeys, const cps_permission_level *perms, size_t nperms,
                       int64_t delay_us, const cps_chain_declared_auth *decl, size_t ndecl)
{
    cps_chain_auth_params ap;
    memset(&ap, 0, sizeof ap);
    ap.lookup = lookup_authority;
    ap.lookup_ctx = l;
    ap.max_depth = cfg->max_authority_depth;
    ap.keys = keys;
    ap.key_count = nkeys;
    ap.permissions = perms;
    ap.permission_count = nperms;
    ap.delay_us = delay_us;
    cps_chain_auth_checker *chk = NULL;
    int rc = cps_chain_auth_checker_create(&ap, &chk);
    if (!rc) rc = cps_chain_auth_check_declared(chk, decl, ndecl, false);
    cps_chain_auth_checker_destroy(chk);
    return rc == CPS_ERR_AUTH ? AUTH_DENIED : rc;
}

/* flat_set<public_key> and flat_set<permission_level> as fc unpacks them (empty input: empty set;
 * duplicates collapse, which the checker does too). */
static int unpack_provided(cps_vm_ctx *vm, uint32_t kp, uint32_t kn, uint32_t pp, uint32_t pn,
                           cps_arena *arena, cps_public_key **keys, size_t *nkeys,
                           cps_permission_level **perms, size_t *nperms)
{
    uint8_t *kd, *pd;
    int rc = cps_vm_mem(vm, kp, kn, &kd);
    if (!rc) rc = cps_vm_mem(vm, pp, pn, &pd);
    if (!rc) rc = cps_vm_budget_charge(vm, 1 + ((uint64_t)kn + pn) / 16);
    if (rc) return rc;
    *keys = NULL;
    *perms = NULL;
    *nkeys = *nperms = 0;
    uint32_t n;
    if (kn) {
        cps_reader r = cps_reader_make(kd, kn);
        if ((rc = cps_read_varuint32(&r, &n))) return cps_fail_prefix(rc, "provided keys");
        if (n > MAX_PROVIDED || (uint64_t)n * 34 > cps_reader_left(&r))
            return cps_fail(CPS_ERR_TRUNCATED, "provided keys: %u keys in %zu bytes", n,
                            cps_reader_left(&r));
        *keys = cps_abi_arena_alloc(arena, (n ? n : 1) * sizeof **keys);
        if (!*keys) return CPS_ERR_NOMEM;
        for (uint32_t i = 0; i < n; i++)
            if ((rc = cps_public_key_unpack(&r, &(*keys)[i])))
                return cps_fail_prefix(rc, "provided key %u", i);
        *nkeys = n;
    }
    if (pn) {
        cps_reader r = cps_reader_make(pd, pn);
        if ((rc = cps_read_varuint32(&r, &n))) return cps_fail_prefix(rc, "provided permissions");
        if (n > MAX_PROVIDED || (uint64_t)n * 16 > cps_reader_left(&r))
            return cps_fail(CPS_ERR_TRUNCATED, "provided permissions: %u levels in %zu bytes", n,
                            cps_reader_left(&r));
        *perms = cps_abi_arena_alloc(arena, (n ? n : 1) * sizeof **perms);
        if (!*perms) return CPS_ERR_NOMEM;
        for (uint32_t i = 0; i < n; i++)
            if ((rc = cps_abi_permission_level_unpack(&r, &(*perms)[i])))
                return cps_fail_prefix(rc, "provided permission %u", i);
        *nperms = n;
    }
    return 0;
}

/* check_authorization over a transaction's actions (not its context-free actions). */
static int check_actions(perm_lookup *l, cps_chain_apply_context *ctx, const cps_transaction *trx,
                         const cps_public_key *keys, size_t nkeys,
                         const cps_permission_level *perms, size_t nperms, cps_arena *arena)
{
    const cps_chain_config *cfg = ctx->trx->config;
    int64_t provided = cps_chain_auth_effective_delay((int64_t)trx->header.delay_sec * 1000000,
                                                      cfg->max_transaction_delay);
    size_t ndecl = 0;
    for (uint32_t i = 0; i < trx->action_count; i++)
        ndecl += trx->actions[i].authorization_count;
    cps_chain_declared_auth *decl = cps_abi_arena_alloc(arena, (ndecl ? ndecl : 1) * sizeof *decl);
    if (!decl) return CPS_ERR_NOMEM;
    ndecl = 0;
    const cps_name eosio = cps_abi_name("eosio");
    for (uint32_t i = 0; i < trx->action_count; i++) {
        const cps_action *act = &trx->actions[i];
        bool special = act->account == eosio && is_native_auth_action(act->name);
        int64_t delay = provided;
        int rc;
        if (special && (rc = check_native(l, ctx, act, &delay))) return rc;
        for (uint32_t k = 0; k < act->authorization_count; k++) {
            const cps_permission_level *d = &act->authorization[k];
            if (!special) {
                cps_name min;
                bool any;
                if ((rc = minimum_permission(l, d->actor, act->account, act->name, &min, &any)))
                    return rc;
                cps_permission_level req = {d->actor, min};
                if (!any && (rc = declared_satisfies(l, d, &req, false))) return rc;
            }
            decl[ndecl].level = *d;
            decl[ndecl].delay_us = delay;
            ndecl++;
        }
    }
    return run_checker(l, cfg, keys, nkeys, perms, nperms, provided, decl, ndecl);
}

/* check_transaction_authorization(trx, trx_size, pubkeys, pubkeys_size, perms, perms_size)
 * -> 1 when the transaction's declared authorizations are satisfied, else 0. */
HOST(check_transaction_authorization)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    uint8_t *td;
    uint32_t tn = a[1].i32;
    int rc = cps_vm_mem(vm, a[0].i32, tn, &td);
    if (!rc) rc = cps_chain__check_context_aware(ctx);
    if (!rc) rc = cps_vm_budget_charge(vm, 1 + tn / 16);
    if (rc) return rc;
    cps_arena arena = {0};
    perm_lookup l = {ctx->trx->chain, {0}};
    cps_transaction trx;
    cps_public_key *keys;
    cps_permission_level *perms;
    size_t nkeys, nperms;
    cps_reader r = cps_reader_make(td, tn);
    rc = cps_abi_transaction_unpack(&r, &arena, &trx);
    if (rc) rc = cps_fail_prefix(rc, "check_transaction_authorization: transaction");
    if (!rc)
        rc = unpack_provided(vm, a[2].i32, a[3].i32, a[4].i32, a[5].i32, &arena, &keys, &nkeys,
                             &perms, &nperms);
    if (!rc) rc = check_actions(&l, ctx, &trx, keys, nkeys, perms, nperms, &arena);
    cps_abi_arena_free(&l.arena);
    cps_abi_arena_free(&arena);
    if (rc < 0) return rc;
    a[0].i64 = rc == 0;
    return 0;
}

/* check_permission_authorization(account, permission, pubkeys, pubkeys_size, perms, perms_size,
 * delay_us) -> 1 when account@permission is satisfied (and every key is used), else 0. */
HOST(check_permission_authorization)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    int rc = cps_chain__check_context_aware(ctx);
    if (rc) return rc;
    uint64_t delay = a[6].i64;
    if (delay > (uint64_t)INT64_MAX)
        return cps_fail(CPS_ERR_INVALID_ARG, "provided delay is too large");
    cps_arena arena = {0};
    perm_lookup l = {ctx->trx->chain, {0}};
    cps_public_key *keys;
    cps_permission_level *perms;
    size_t nkeys, nperms;
    rc = unpack_provided(vm, a[2].i32, a[3].i32, a[4].i32, a[5].i32, &arena, &keys, &nkeys, &perms,
                         &nperms);
    if (!rc) {
        const cps_chain_config *cfg = ctx->trx->config;
        int64_t d = cps_chain_auth_effective_delay((int64_t)delay, cfg->max_transaction_delay);
        cps_chain_declared_auth one = {{a[0].i64, a[1].i64}, d};
        rc = run_checker(&l, cfg, keys, nkeys, perms, nperms, d, &one, 1);
    }
    cps_abi_arena_free(&l.arena);
    cps_abi_arena_free(&arena);
    if (rc < 0) return rc;
    a[0].i64 = rc == 0;
    return 0;
}

/* get_permission_last_used(account, permission) -> microseconds since 1970 (0: never) */
HOST(get_permission_last_used)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    int rc = cps_chain__check_context_aware(ctx);
    if (rc) return rc;
    cps_arena arena = {0};
    cps_name parent;
    cps_authority auth;
    int64_t last_used = 0;
    cps_permission_level level = {a[0].i64, a[1].i64};
    if (level.actor == 0 || level.permission == 0)
        rc = CPS_ERR_NOT_FOUND;
    else
        rc = cps_chain_controller_get_permission(ctx->trx->chain, level.actor, level.permission,
                                                 &arena, &parent, &auth, &last_used);
    cps_abi_arena_free(&arena);
    if (rc == CPS_ERR_NOT_FOUND) {
        char x[CPS_NAME_STR_MAX], y[CPS_NAME_STR_MAX];
        return cps_fail(CPS_ERR_NOT_FOUND, "Failed to retrieve permission: %s@%s",
                        name_str(level.actor, x), name_str(level.permission, y));
    }
    if (rc) return rc;
    a[0].i64 = (uint64_t)last_used;
    return 0;
}

/* get_account_creation_time(account) -> microseconds since 1970 */
HOST(get_account_creation_time)
{
    UNUSED;
    cps_chain_apply_context *ctx = CTX;
    int rc = cps_chain__check_context_aware(ctx);
    if (rc) return rc;
    cps_chain_account_info info;
    rc = cps_chain_controller_get_account(ctx->trx->chain, a[0].i64, &info);
    if (rc == CPS_ERR_NOT_FOUND) {
        char n[CPS_NAME_STR_MAX];
        return cps_fail(CPS_ERR_ACCOUNT, "account '%s' does not exist", name_str(a[0].i64, n));
    }
    if (rc) return rc;
    a[0].i64 = (uint64_t)info.creation_date_us;
    return 0;
}

#define F(name, sig)                                                                               \
    {                                                                                              \
        "env", #name, sig, host_##name, NULL                                                       \
    }
static const cps_vm_host_func permission_funcs[] = {
    F(check_transaction_authorization, "(iiiiii)i"),
    F(check_permission_authorization, "(IIiiiiI)i"),
    F(get_permission_last_used, "(II)I"),
    F(get_account_creation_time, "(I)I"),
};
const cps_chain_intrinsic_group cps_chain__host_permission = {"permission", permission_funcs,
                                                              CPS_ARRAY_LEN(permission_funcs)};
