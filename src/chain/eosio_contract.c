/* eosio_contract: the native actions of the eosio account (EOSIO's eosio_contract.cpp) —
 * newaccount, setcode, setabi, updateauth, deleteauth, linkauth, unlinkauth, canceldelay — with
 * nodeos's rules and messages, and the account creation genesis shares. */
#include "chain/controller_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *nstr(cps_name n, char *buf)
{
    cps_abi_name_to_string(n, buf);
    return buf;
}

static int64_t authority_ram(const cps_authority *a)
{
    cps_buf b = {0};
    cps_abi_authority_pack(&b, a);
    int64_t n = (int64_t)b.size;
    cps_buf_free(&b);
    return CPS_CHAIN_PERMISSION_RAM + n;
}

static int64_t now_us(const cps_chain_apply_context *ctx)
{
    return ctx->trx->block_time_us;
}

/* validate_authority_precondition: referenced accounts exist; referenced permissions other
 * than owner, active and the virtual eosio.code exist; waits within the maximum delay. */
static int authority_precondition(cps_chain_controller *c, const cps_authority *a,
                                  const char *what)
{
    char n1[CPS_NAME_STR_MAX], n2[CPS_NAME_STR_MAX];
    int rc = cps_abi_authority_validate(a);
    if (rc) return cps_fail_prefix(CPS_ERR_FORMAT, "invalid %s authority", what);
    for (uint32_t i = 0; i < a->key_count; i++)
        if (!cps_public_key_is_valid(&a->keys[i].key))
            return cps_fail(CPS_ERR_FORMAT, "invalid %s authority: key %u is not a valid point",
                            what, i);
    for (uint32_t i = 0; i < a->account_count; i++) {
        const cps_permission_level *l = &a->accounts[i].permission;
        bool exists;
        if ((rc = cps_chain__account_exists(c, l->actor, &exists))) return rc;
        if (!exists)
            return cps_fail(CPS_ERR_ACCOUNT, "account '%s' does not exist", nstr(l->actor, n1));
        if (l->permission == cps_abi_name("owner") || l->permission == cps_abi_name("active") ||
            l->permission == cps_abi_name("eosio.code"))
            continue;
        cps_arena ar = {0};
        rc = cps_chain__perm_get(c, NULL, l->actor, l->permission, &ar, NULL, NULL, NULL, NULL);
        cps_abi_arena_free(&ar);
        if (rc == CPS_ERR_NOT_FOUND)
            return cps_fail(CPS_ERR_ACCOUNT, "permission '%s@%s' does not exist",
                            nstr(l->actor, n1), nstr(l->permission, n2));
        if (rc) return rc;
    }
    for (uint32_t i = 0; i < a->wait_count; i++)
        if (a->waits[i].wait_sec > c->config.max_transaction_delay)
            return cps_fail(CPS_ERR_FORMAT, "%s authority: wait of %u s exceeds the maximum delay",
                            what, a->waits[i].wait_sec);
    return 0;
}

int cps_chain__create_account(cps_chain_controller *c, cps_name name, int64_t now, bool privileged,
                              const cps_authority *owner, const cps_authority *active)
{
    cps_chain_account a;
    memset(&a, 0, sizeof a);
    a.name = name;
    a.creation_date_us = now;
    a.privileged = privileged;
    int rc = cps_chain__account_put(c, &a);
    if (!rc) rc = cps_chain__perm_put(c, name, cps_abi_name("owner"), 0, owner, now, 0);
    if (!rc) rc = cps_chain__perm_put(c, name, cps_abi_name("active"), cps_abi_name("owner"), active,
                                      now, 0);
    if (!rc) rc = cps_chain__resource_init_account(c, name);
    if (!rc)
        rc = cps_chain__resource_add_ram(c, name, CPS_CHAIN_OVERHEAD_PER_ACCOUNT_RAM +
                                                      authority_ram(owner) + authority_ram(active));
    return rc;
}

/* A reader over the action data that fails with a message naming the action. */
static int data_error(const cps_chain_apply_context *ctx, int rc)
{
    char n[CPS_NAME_STR_MAX];
    (void)rc;
    return cps_fail_prefix(CPS_ERR_FORMAT, "%s: malformed action data", nstr(ctx->act->name, n));
}

static int end_of_data(const cps_chain_apply_context *ctx, cps_reader *r)
{
    int rc = cps_read_end(r);
    return rc ? data_error(ctx, rc) : 0;
}

static int apply_newaccount(cps_chain_apply_context *ctx)
{
    cps_chain_controller *c = ctx->trx->chain;
    cps_reader r = cps_reader_make(ctx->act->data.data, ctx->act->data.size);
    cps_arena ar = {0};
    uint64_t creator, name;
    cps_authority owner, active;
    char n1[CPS_NAME_STR_MAX], n2[CPS_NAME_STR_MAX];
    int rc = cps_read_u64(&r, &creator);
    if (!rc) rc = cps_read_u64(&r, &name);
    if (!rc) rc = cps_abi_authority_unpack(&r, &ar, &owner);
    if (!rc) rc = cps_abi_authority_unpack(&r, &ar, &active);
    rc = rc ? data_error(ctx, rc) : end_of_data(ctx, &r);
    if (!rc) rc = cps_chain__require_auth(ctx, creator, 0);
    if (!rc) rc = authority_precondition(c, &owner, "owner");
    if (!rc) rc = authority_precondition(c, &active, "active");
    if (rc) goto out;
    if (name == 0) {
        rc = cps_fail(CPS_ERR_ACCOUNT, "account name cannot be empty");
        goto out;
    }
    if (cps_abi_name_length(name) > 12) {
        rc = cps_fail(CPS_ERR_ACCOUNT, "account names can only be 12 chars long");
        goto out;
    }
    nstr(name, n1);
    cps_chain_account cr;
    if ((rc = cps_chain__account_get(c, NULL, creator, &cr))) goto out;
    /* Only privileged accounts can make names with the "eosio." prefix. */
    if (!cr.privileged && strncmp(n1, "eosio.", 6) == 0) {
        rc = cps_fail(CPS_ERR_ACCOUNT, "only privileged accounts can have names that start with "
                                       "'eosio.'");
        goto out;
    }
    bool exists;
    if ((rc = cps_chain__account_exists(c, name, &exists))) goto out;
    if (exists) {
        rc = cps_fail(CPS_ERR_ACCOUNT,
                      "Cannot create account named %s, as that name is already taken", n1);
        goto out;
    }
    (void)n2;
    rc = cps_chain__create_account(c, name, now_us(ctx), false, &owner, &active);
out:
    cps_abi_arena_free(&ar);
    return rc;
}

static int code_refcount(cps_chain_controller *c, const cps_checksum256 *hash, int delta,
                         const uint8_t *code, size_t size)
{
    cps_bytes v;
    int rc = cps_state_get(cps_chain__view(c), c->t_code, hash->b, 32, &v);
    if (rc == CPS_ERR_NOT_FOUND) {
        if (delta < 0) return 0;
        cps_buf b = {0};
        cps_write_u32(&b, 1);
        cps_write_bytes(&b, code, size);
        rc = b.failed;
        if (!rc) rc = cps_state_insert(c->st, c->t_code, hash->b, 32, b.data, b.size);
        cps_buf_free(&b);
        return rc;
    }
    if (rc) return rc;
    if (v.size < 4) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.code record");
    uint32_t count = cps_load_u32(v.data);
    if (delta < 0 && count <= 1) return cps_state_remove(c->st, c->t_code, hash->b, 32);
    cps_buf b = {0};
    cps_write_u32(&b, delta < 0 ? count - 1 : count + 1);
    cps_write_bytes(&b, v.data + 4, v.size - 4);
    rc = b.failed;
    if (!rc) rc = cps_state_put(c->st, c->t_code, hash->b, 32, b.data, b.size);
    cps_buf_free(&b);
    return rc;
}

static int code_size(cps_chain_controller *c, const cps_checksum256 *hash, int64_t *size)
{
    *size = 0;
    bool zero = true;
    for (int i = 0; i < 32; i++) zero &= hash->b[i] == 0;
    if (zero) return 0;
    cps_bytes v;
    int rc = cps_state_get(cps_chain__view(c), c->t_code, hash->b, 32, &v);
    if (rc) return rc;
    *size = v.size >= 4 ? (int64_t)v.size - 4 : 0;
    return 0;
}

static int apply_setcode(cps_chain_apply_context *ctx)
{
    cps_chain_controller *c = ctx->trx->chain;
    cps_reader r = cps_reader_make(ctx->act->data.data, ctx->act->data.size);
    uint64_t account;
    uint8_t vmtype, vmversion;
    const uint8_t *code;
    size_t size;
    int rc = cps_read_u64(&r, &account);
    if (!rc) rc = cps_read_u8(&r, &vmtype);
    if (!rc) rc = cps_read_u8(&r, &vmversion);
    if (!rc) rc = cps_read_blob(&r, &code, &size);
    rc = rc ? data_error(ctx, rc) : end_of_data(ctx, &r);
    if (!rc) rc = cps_chain__require_auth(ctx, account, 0);
    if (rc) return rc;
    if (vmtype != 0 || vmversion != 0)
        return cps_fail(CPS_ERR_FORMAT, "setcode: vm type and version must be 0");
    cps_checksum256 hash;
    memset(&hash, 0, sizeof hash);
    if (size) {
        cps_sha256(code, size, hash.b);
        /* Validate now, under the chain's current wasm configuration as nodeos does (always
         * decoded afresh: the cache may hold this code from before a limit was lowered), so a
         * bad contract is refused at setcode rather than at first use. Modules run under the
         * permissive c->vm_limits, so the validated module serves the cache as it is. */
        cps_chain_wasm_config cfg;
        cps_vm_limits lim;
        cps_vm_module *m = NULL;
        rc = cps_chain__wasm_config_load(c, NULL, &cfg);
        if (!rc) {
            cps_chain__wasm_setcode_limits(c, &cfg, &lim);
            rc = cps_vm_module_load(code, size, &lim, &m);
        }
        if (!rc) rc = cps_chain__intrinsics_check_imports(m);
        if (!rc) rc = cps_vm_cache_put(c->vm_cache, hash.b, m);
        cps_vm_module_release(m);
        if (rc) return cps_fail_prefix(rc, "setcode");
    }
    cps_chain_account a;
    if ((rc = cps_chain__account_get(c, NULL, account, &a))) return rc;
    if (memcmp(a.code_hash.b, hash.b, 32) == 0)
        return cps_fail(CPS_ERR_ACCOUNT, "contract is already running this version of code");
    int64_t old_size;
    if ((rc = code_size(c, &a.code_hash, &old_size))) return rc;
    if (old_size && (rc = code_refcount(c, &a.code_hash, -1, NULL, 0))) return rc;
    if (size && (rc = code_refcount(c, &hash, +1, code, size))) return rc;
    a.code_hash = hash;
    a.code_sequence++;
    a.vm_type = vmtype;
    a.vm_version = vmversion;
    if ((rc = cps_chain__account_put(c, &a))) return rc;
    int64_t delta = ((int64_t)size - old_size) * CPS_CHAIN_SETCODE_RAM_MULTIPLIER;
    return cps_chain__ram_hook(ctx->trx, account, delta);
}

static int apply_setabi(cps_chain_apply_context *ctx)
{
    cps_chain_controller *c = ctx->trx->chain;
    cps_reader r = cps_reader_make(ctx->act->data.data, ctx->act->data.size);
    uint64_t account;
    const uint8_t *abi;
    size_t size;
    int rc = cps_read_u64(&r, &account);
    if (!rc) rc = cps_read_blob(&r, &abi, &size);
    rc = rc ? data_error(ctx, rc) : end_of_data(ctx, &r);
    if (!rc) rc = cps_chain__require_auth(ctx, account, 0);
    if (rc) return rc;
    cps_chain_account a;
    if ((rc = cps_chain__account_get(c, NULL, account, &a))) return rc;
    int64_t delta = (int64_t)size - (int64_t)a.abi.size;
    a.abi.data = abi;
    a.abi.size = size;
    a.abi_sequence++;
    if ((rc = cps_chain__account_put(c, &a))) return rc;
    return cps_chain__ram_hook(ctx->trx, account, delta);
}

static int apply_updateauth(cps_chain_apply_context *ctx)
{
    cps_chain_controller *c = ctx->trx->chain;
    cps_reader r = cps_reader_make(ctx->act->data.data, ctx->act->data.size);
    cps_arena ar = {0};
    uint64_t account, permission, parent;
    cps_authority auth;
    char n1[CPS_NAME_STR_MAX];
    int rc = cps_read_u64(&r, &account);
    if (!rc) rc = cps_read_u64(&r, &permission);
    if (!rc) rc = cps_read_u64(&r, &parent);
    if (!rc) rc = cps_abi_authority_unpack(&r, &ar, &auth);
    rc = rc ? data_error(ctx, rc) : end_of_data(ctx, &r);
    if (!rc) rc = cps_chain__require_auth(ctx, account, 0);
    if (rc) goto out;
    nstr(permission, n1);
    if (permission == 0) rc = cps_fail(CPS_ERR_ACCOUNT, "Cannot create authority with empty name");
    else if (strncmp(n1, "eosio.", 6) == 0)
        rc = cps_fail(CPS_ERR_ACCOUNT, "Permission names that start with 'eosio.' are reserved");
    else if (permission == parent)
        rc = cps_fail(CPS_ERR_ACCOUNT, "Cannot set an authority as its own parent");
    else if (permission == cps_abi_name("owner") && parent != 0)
        rc = cps_fail(CPS_ERR_ACCOUNT, "Cannot change owner authority's parent");
    else if (permission == cps_abi_name("active") && parent != cps_abi_name("owner"))
        rc = cps_fail(CPS_ERR_ACCOUNT, "Cannot change active authority's parent from owner");
    if (!rc) rc = authority_precondition(c, &auth, "new");
    if (rc) goto out;
    if (permission != cps_abi_name("owner")) {
        cps_arena pa = {0};
        rc = cps_chain__perm_get(c, NULL, account, parent, &pa, NULL, NULL, NULL, NULL);
        cps_abi_arena_free(&pa);
        if (rc == CPS_ERR_NOT_FOUND) {
            char n2[CPS_NAME_STR_MAX];
            rc = cps_fail(CPS_ERR_ACCOUNT, "parent permission %s@%s does not exist",
                          nstr(account, n1), nstr(parent, n2));
        }
        if (rc) goto out;
    }
    cps_arena old_ar = {0};
    cps_name old_parent;
    cps_authority old;
    int64_t upd, used;
    rc = cps_chain__perm_get(c, NULL, account, permission, &old_ar, &old_parent, &old, &upd, &used);
    if (rc == 0) {
        if (old_parent != parent)
            rc = cps_fail(CPS_ERR_ACCOUNT, "Changing parent authority is not currently supported");
        int64_t delta = authority_ram(&auth) - authority_ram(&old);
        if (!rc) rc = cps_chain__perm_put(c, account, permission, parent, &auth, now_us(ctx), used);
        if (!rc) rc = cps_chain__ram_hook(ctx->trx, account, delta);
    } else if (rc == CPS_ERR_NOT_FOUND) {
        rc = cps_chain__perm_put(c, account, permission, parent, &auth, now_us(ctx), 0);
        if (!rc) rc = cps_chain__ram_hook(ctx->trx, account, authority_ram(&auth));
    }
    cps_abi_arena_free(&old_ar);
out:
    cps_abi_arena_free(&ar);
    return rc;
}

static int apply_deleteauth(cps_chain_apply_context *ctx)
{
    cps_chain_controller *c = ctx->trx->chain;
    cps_reader r = cps_reader_make(ctx->act->data.data, ctx->act->data.size);
    uint64_t account, permission;
    char n1[CPS_NAME_STR_MAX], n2[CPS_NAME_STR_MAX];
    int rc = cps_read_u64(&r, &account);
    if (!rc) rc = cps_read_u64(&r, &permission);
    rc = rc ? data_error(ctx, rc) : end_of_data(ctx, &r);
    if (!rc) rc = cps_chain__require_auth(ctx, account, 0);
    if (rc) return rc;
    if (permission == cps_abi_name("active"))
        return cps_fail(CPS_ERR_ACCOUNT, "Cannot delete active authority");
    if (permission == cps_abi_name("owner"))
        return cps_fail(CPS_ERR_ACCOUNT, "Cannot delete owner authority");
    /* No link may still point at it, and no child permission may hang under it. */
    uint8_t lo[8];
    cps_chain__key_name(lo, account);
    cps_bytes k, v;
    cps_state_view *view = cps_chain__view(c);
    rc = cps_state_seek(view, c->t_link, CPS_STATE_GE, lo, 8, &k, &v);
    while (rc == 0 && k.size == 24 && memcmp(k.data, lo, 8) == 0) {
        if (v.size == 8 && cps_load_u64(v.data) == permission) {
            cps_name code = 0, type = 0;
            for (int i = 0; i < 8; i++) {
                code = code << 8 | k.data[8 + i];
                type = type << 8 | k.data[16 + i];
            }
            return cps_fail(CPS_ERR_ACCOUNT,
                            "Cannot delete a linked authority. Unlink the authority first. This "
                            "authority is linked to %s::%s.", nstr(code, n1), nstr(type, n2));
        }
        uint8_t last[24];
        memcpy(last, k.data, 24);
        rc = cps_state_seek(view, c->t_link, CPS_STATE_GT, last, 24, &k, &v);
    }
    if (rc && rc != CPS_ERR_NOT_FOUND) return rc;
    rc = cps_state_seek(view, c->t_perm, CPS_STATE_GE, lo, 8, &k, &v);
    while (rc == 0 && k.size == 16 && memcmp(k.data, lo, 8) == 0) {
        if (v.size >= 8 && cps_load_u64(v.data) == permission)
            return cps_fail(CPS_ERR_ACCOUNT, "Cannot delete an authority which has children. "
                                             "Delete the children first");
        uint8_t last[16];
        memcpy(last, k.data, 16);
        rc = cps_state_seek(view, c->t_perm, CPS_STATE_GT, last, 16, &k, &v);
    }
    if (rc && rc != CPS_ERR_NOT_FOUND) return rc;
    cps_arena ar = {0};
    cps_authority old;
    rc = cps_chain__perm_get(c, NULL, account, permission, &ar, NULL, &old, NULL, NULL);
    if (rc == CPS_ERR_NOT_FOUND)
        rc = cps_fail(CPS_ERR_ACCOUNT, "permission %s@%s does not exist", nstr(account, n1),
                      nstr(permission, n2));
    int64_t refund = rc ? 0 : authority_ram(&old);
    cps_abi_arena_free(&ar);
    if (rc) return rc;
    uint8_t key[16];
    cps_chain__key_name(key, account);
    cps_chain__key_name(key + 8, permission);
    if ((rc = cps_state_remove(c->st, c->t_perm, key, 16))) return rc;
    return cps_chain__ram_hook(ctx->trx, account, -refund);
}

static bool is_native_auth_action(cps_name type)
{
    return type == cps_abi_name("updateauth") || type == cps_abi_name("deleteauth") ||
           type == cps_abi_name("linkauth") || type == cps_abi_name("unlinkauth") ||
           type == cps_abi_name("canceldelay");
}

static int apply_linkauth(cps_chain_apply_context *ctx, bool link)
{
    cps_chain_controller *c = ctx->trx->chain;
    cps_reader r = cps_reader_make(ctx->act->data.data, ctx->act->data.size);
    uint64_t account, code, type, requirement = 0;
    char n1[CPS_NAME_STR_MAX], n2[CPS_NAME_STR_MAX];
    int rc = cps_read_u64(&r, &account);
    if (!rc) rc = cps_read_u64(&r, &code);
    if (!rc) rc = cps_read_u64(&r, &type);
    if (!rc && link) rc = cps_read_u64(&r, &requirement);
    rc = rc ? data_error(ctx, rc) : end_of_data(ctx, &r);
    if (!rc) rc = cps_chain__require_auth(ctx, account, 0);
    if (rc) return rc;
    uint8_t key[24];
    cps_chain__key_name(key, account);
    cps_chain__key_name(key + 8, code);
    cps_chain__key_name(key + 16, type);
    cps_bytes v;
    int found = cps_state_get(cps_chain__view(c), c->t_link, key, 24, &v);
    if (found && found != CPS_ERR_NOT_FOUND) return found;
    if (!link) {
        if (found == CPS_ERR_NOT_FOUND)
            return cps_fail(CPS_ERR_ACCOUNT, "Attempting to unlink authority, but no link found");
        if ((rc = cps_state_remove(c->st, c->t_link, key, 24))) return rc;
        return cps_chain__ram_hook(ctx->trx, account, -CPS_CHAIN_LINK_RAM);
    }
    if (requirement == 0) return cps_fail(CPS_ERR_ACCOUNT, "Required permission cannot be empty");
    bool exists;
    if ((rc = cps_chain__account_exists(c, code, &exists))) return rc;
    if (!exists)
        return cps_fail(CPS_ERR_ACCOUNT, "Failed to retrieve code for account: %s", nstr(code, n1));
    if (code == cps_abi_name("eosio") && is_native_auth_action(type))
        return cps_fail(CPS_ERR_ACCOUNT, "Cannot link eosio::%s to a minimum permission",
                        nstr(type, n1));
    if (requirement != cps_abi_name("eosio.any")) {
        cps_arena ar = {0};
        rc = cps_chain__perm_get(c, NULL, account, requirement, &ar, NULL, NULL, NULL, NULL);
        cps_abi_arena_free(&ar);
        if (rc == CPS_ERR_NOT_FOUND)
            return cps_fail(CPS_ERR_ACCOUNT, "Failed to retrieve permission: %s@%s",
                            nstr(account, n1), nstr(requirement, n2));
        if (rc) return rc;
    }
    uint8_t val[8];
    cps_store_u64(val, requirement);
    if (found == 0) {
        if (v.size == 8 && cps_load_u64(v.data) == requirement)
            return cps_fail(CPS_ERR_ACCOUNT, "Attempting to update required authority, but new "
                                             "requirement is same as old");
        return cps_state_put(c->st, c->t_link, key, 24, val, 8);
    }
    if ((rc = cps_state_insert(c->st, c->t_link, key, 24, val, 8))) return rc;
    return cps_chain__ram_hook(ctx->trx, account, CPS_CHAIN_LINK_RAM);
}

static int apply_canceldelay(cps_chain_apply_context *ctx)
{
    cps_reader r = cps_reader_make(ctx->act->data.data, ctx->act->data.size);
    cps_permission_level canceling;
    uint8_t id[32];
    int rc = cps_abi_permission_level_unpack(&r, &canceling);
    if (!rc) rc = cps_read_bytes(&r, id, 32);
    rc = rc ? data_error(ctx, rc) : end_of_data(ctx, &r);
    if (!rc) rc = cps_chain__require_auth(ctx, canceling.actor, canceling.permission);
    if (rc) return rc;
    cps_checksum256 trx_id;
    memcpy(trx_id.b, id, 32);
    return cps_chain__canceldelay(ctx, &canceling, &trx_id);
}

int cps_chain__native_apply(cps_chain_apply_context *ctx, bool *handled)
{
    const cps_name n = ctx->act->name;
    *handled = true;
    if (n == cps_abi_name("newaccount")) return apply_newaccount(ctx);
    if (n == cps_abi_name("setcode")) return apply_setcode(ctx);
    if (n == cps_abi_name("setabi")) return apply_setabi(ctx);
    if (n == cps_abi_name("updateauth")) return apply_updateauth(ctx);
    if (n == cps_abi_name("deleteauth")) return apply_deleteauth(ctx);
    if (n == cps_abi_name("linkauth")) return apply_linkauth(ctx, true);
    if (n == cps_abi_name("unlinkauth")) return apply_linkauth(ctx, false);
    if (n == cps_abi_name("canceldelay")) return apply_canceldelay(ctx);
    *handled = false;
    return 0;
}
