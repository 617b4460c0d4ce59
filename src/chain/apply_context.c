/* apply_context: what an action can do to the chain while it runs (authorization questions,
 * console, return value, privileged calls) and how a contract's apply() is run in the VM: one
 * instance per code hash, reset before each action, metered against the transaction's budget. */
#include "chain/controller_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONSOLE (1u << 20)
#define MAX_INSTANCES 32

bool cps_chain__has_auth(const cps_chain_apply_context *ctx, cps_name account)
{
    for (uint32_t i = 0; i < ctx->act->authorization_count; i++)
        if (ctx->act->authorization[i].actor == account) return true;
    return false;
}

int cps_chain__require_auth(cps_chain_apply_context *ctx, cps_name account, cps_name permission)
{
    for (uint32_t i = 0; i < ctx->act->authorization_count; i++) {
        const cps_permission_level *l = &ctx->act->authorization[i];
        if (l->actor == account && (permission == 0 || l->permission == permission)) return 0;
    }
    char a[CPS_NAME_STR_MAX], p[CPS_NAME_STR_MAX];
    cps_abi_name_to_string(account, a);
    if (permission) {
        cps_abi_name_to_string(permission, p);
        return cps_fail(CPS_ERR_AUTH, "missing authority of %s/%s", a, p);
    }
    return cps_fail(CPS_ERR_AUTH, "missing authority of %s", a);
}

int cps_chain__is_account(cps_chain_apply_context *ctx, cps_name account, bool *exists)
{
    return cps_chain__account_exists(ctx->trx->chain, account, exists);
}

void cps_chain__console_append(cps_chain_apply_context *ctx, const void *data, size_t n)
{
    if (ctx->console.size >= MAX_CONSOLE) return;
    if (n > MAX_CONSOLE - ctx->console.size) n = MAX_CONSOLE - ctx->console.size;
    if (cps_write_bytes(&ctx->console, data, n)) {
        /* diagnostic output only: drop it rather than fail the action */
        cps_buf_free(&ctx->console);
    }
}

int cps_chain__set_return_value(cps_chain_apply_context *ctx, const void *data, size_t n)
{
    if (n > CPS_CHAIN_MAX_ACTION_RETURN_VALUE)
        return cps_fail(CPS_ERR_LIMIT, "action return value size %zu must be at most %u bytes", n,
                        CPS_CHAIN_MAX_ACTION_RETURN_VALUE);
    cps_buf_reset(&ctx->return_value);
    return cps_write_bytes(&ctx->return_value, data, n);
}

static int require_privileged(const cps_chain_apply_context *ctx, const char *what)
{
    if (ctx->privileged) return 0;
    char n[CPS_NAME_STR_MAX];
    cps_abi_name_to_string(ctx->receiver, n);
    return cps_fail(CPS_ERR_AUTH, "%s: %s is not privileged", what, n);
}

int cps_chain__set_resource_limits(cps_chain_apply_context *ctx, cps_name account,
                                   int64_t ram_bytes, int64_t net_weight, int64_t cpu_weight)
{
    int rc = require_privileged(ctx, "set_resource_limits");
    bool exists;
    if (!rc) rc = cps_chain__account_exists(ctx->trx->chain, account, &exists);
    if (!rc && !exists) rc = cps_fail(CPS_ERR_ACCOUNT, "set_resource_limits: no such account");
    if (!rc) rc = cps_chain__resource_set(ctx->trx->chain, account, ram_bytes, net_weight, cpu_weight);
    if (!rc) rc = cps_chain__trx_verify_ram_at_end(ctx->trx, account);
    return rc;
}

int cps_chain__get_resource_limits(cps_chain_apply_context *ctx, cps_name account,
                                   int64_t *ram_bytes, int64_t *net_weight, int64_t *cpu_weight)
{
    int rc = require_privileged(ctx, "get_resource_limits");
    if (!rc)
        rc = cps_chain__resource_get(ctx->trx->chain, account, ram_bytes, NULL, net_weight,
                                     cpu_weight);
    return rc;
}

int cps_chain__is_privileged(cps_chain_apply_context *ctx, cps_name account, bool *privileged)
{
    int rc = require_privileged(ctx, "is_privileged");
    cps_chain_account a;
    if (!rc) rc = cps_chain__account_get(ctx->trx->chain, NULL, account, &a);
    if (!rc) *privileged = a.privileged;
    return rc;
}

int cps_chain__set_privileged(cps_chain_apply_context *ctx, cps_name account, bool privileged)
{
    int rc = require_privileged(ctx, "set_privileged");
    cps_chain_account a;
    if (!rc) rc = cps_chain__account_get(ctx->trx->chain, NULL, account, &a);
    if (!rc) {
        a.privileged = privileged;
        rc = cps_chain__account_put(ctx->trx->chain, &a);
    }
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Running contracts.
 * ------------------------------------------------------------------------------------------ */
void cps_chain__instances_clear(cps_chain_controller *c)
{
    for (size_t i = 0; i < c->instance_count; i++) cps_vm_instance_destroy(c->instances[i].inst);
    c->instance_count = 0;
}

/* The instance of contract `hash` under the chain's current wasm configuration: the kept one if
 * it was made under the same max_pages and max_call_depth (the only limits eos-vm applies when a
 * contract runs; the others bind at setcode), else a new one. The module cache needs no
 * invalidation: modules are loaded under the fixed permissive c->vm_limits, so the translation
 * does not depend on the configuration. */
static int get_instance(cps_chain_controller *c, const cps_checksum256 *hash,
                        cps_vm_instance **out)
{
    cps_chain_wasm_config cfg;
    int rc = cps_chain__wasm_config_load(c, NULL, &cfg);
    if (rc) return rc;
    for (size_t i = 0; i < c->instance_count; i++)
        if (memcmp(c->instances[i].code_hash.b, hash->b, 32) == 0) {
            cps_chain_instance_entry *e = &c->instances[i];
            if (e->max_pages == cfg.max_pages && e->max_call_depth == cfg.max_call_depth) {
                *out = e->inst;
                return cps_vm_instance_reset(*out);
            }
            /* made under other limits: drop it (no action of it is running: inline actions and
             * notifications run after the action that sent them returns) */
            cps_vm_instance_destroy(e->inst);
            c->instances[i] = c->instances[--c->instance_count];
            break;
        }
    cps_vm_limits run;
    cps_chain__wasm_run_limits(c, &cfg, &run);
    cps_vm_module *m = cps_vm_cache_get(c->vm_cache, hash->b);
    if (!m) {
        cps_bytes v;
        rc = cps_state_get(cps_chain__view(c), c->t_code, hash->b, 32, &v);
        if (rc == CPS_ERR_NOT_FOUND) return cps_fail(CPS_ERR_DB_CORRUPT, "code of an account is missing");
        if (rc) return rc;
        if (v.size < 4) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.code record");
        rc = cps_vm_cache_load(c->vm_cache, hash->b, v.data + 4, v.size - 4, &c->vm_limits, &m);
        if (rc) return rc;
    }
    const cps_vm_host_func *funcs = NULL;
    size_t nfuncs = 0;
    rc = cps_chain__intrinsics_table(&funcs, &nfuncs);
    cps_vm_imports imports = {funcs, nfuncs, NULL, NULL};
    /* A start function is not allowed to reach the chain: it runs without an apply context,
     * with a small fixed budget (EOSIO refuses modules with a start function altogether). */
    cps_vm_exec start = {1000000, 0, 0, NULL};
    cps_vm_instance *inst = NULL;
    if (!rc) rc = cps_vm_instance_create(m, &imports, &run, &start, false, &inst);
    cps_vm_module_release(m);
    if (rc) return rc;
    if (c->instance_count >= MAX_INSTANCES) cps_chain__instances_clear(c);
    if (c->instance_count == c->instance_cap) {
        size_t cap = c->instance_cap ? c->instance_cap * 2 : 8;
        cps_chain_instance_entry *n = realloc(c->instances, cap * sizeof *n);
        if (!n) {
            cps_vm_instance_destroy(inst);
            return cps_fail(CPS_ERR_NOMEM, "instances");
        }
        c->instances = n;
        c->instance_cap = cap;
    }
    c->instances[c->instance_count].code_hash = *hash;
    c->instances[c->instance_count].inst = inst;
    c->instances[c->instance_count].max_pages = cfg.max_pages;
    c->instances[c->instance_count].max_call_depth = cfg.max_call_depth;
    c->instance_count++;
    *out = inst;
    return 0;
}

int cps_chain__run_wasm(cps_chain_apply_context *ctx, const cps_chain_account *recv)
{
    cps_chain_trx_context *tc = ctx->trx;
    cps_chain_controller *c = tc->chain;
    cps_vm_instance *inst = NULL;
    int rc = get_instance(c, &recv->code_hash, &inst);
    if (rc) return cps_fail_prefix(rc, "contract of receiver");
    cps_vm_value args[3] = {cps_vm_i64(ctx->receiver), cps_vm_i64(ctx->act->account),
                            cps_vm_i64(ctx->act->name)};
    cps_vm_exec ex = {0};
    ex.budget = tc->cpu_budget_units > tc->cpu_used_units ? tc->cpu_budget_units - tc->cpu_used_units
                                                          : 0;
    ex.user = ctx;
    rc = cps_vm_call(inst, "apply", args, 3, NULL, 0, &ex);
    tc->cpu_used_units += ex.used;
    if (rc == CPS_ERR_WASM_EXIT) return 0; /* eosio_exit ends the action successfully */
    if (rc == CPS_ERR_DEADLINE && tc->cpu_limit_by_node)
        return cps_chain__node_cpu_limit_exceeded(tc);
    if (rc == CPS_ERR_DEADLINE)
        return cps_fail(CPS_ERR_RESOURCE, "transaction exceeded its CPU budget of %llu us",
                        (unsigned long long)(tc->cpu_budget_units / CPS_CHAIN_UNITS_PER_US));
    if (rc == CPS_ERR_NOT_FOUND) return cps_fail_prefix(rc, "contract has no apply export");
    return rc;
}
