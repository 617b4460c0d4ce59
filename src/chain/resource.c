/* resource: per-account resource limits (what the system contract sets with
 * set_resource_limits) and usage — RAM from table and native-object bytes, CPU from the VM's
 * deterministic metering, NET from EOSIO's packed-size formula. */
#include "chain/controller_internal.h"

#include <string.h>

/* chain.rlimit: ram_bytes i64 | net_weight i64 | cpu_weight i64 (absent: all -1, unlimited).
 * chain.rusage: ram_usage i64 | net_used u64 | cpu_used u64 (cumulative bytes and µs). */
typedef struct limits {
    int64_t ram_bytes, net_weight, cpu_weight;
} limits;
typedef struct usage {
    int64_t ram;
    uint64_t net, cpu;
} usage;

static int read_limits(cps_chain_controller *c, cps_state_view *v, cps_name n, limits *out)
{
    uint8_t key[8];
    cps_bytes val;
    cps_chain__key_name(key, n);
    out->ram_bytes = out->net_weight = out->cpu_weight = -1;
    int rc = cps_state_get(v, c->t_rlimit, key, 8, &val);
    if (rc == CPS_ERR_NOT_FOUND) return 0;
    if (rc) return rc;
    if (val.size != 24) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.rlimit record");
    out->ram_bytes = (int64_t)cps_load_u64(val.data);
    out->net_weight = (int64_t)cps_load_u64(val.data + 8);
    out->cpu_weight = (int64_t)cps_load_u64(val.data + 16);
    return 0;
}

static int read_usage(cps_chain_controller *c, cps_state_view *v, cps_name n, usage *out)
{
    uint8_t key[8];
    cps_bytes val;
    cps_chain__key_name(key, n);
    memset(out, 0, sizeof *out);
    int rc = cps_state_get(v, c->t_rusage, key, 8, &val);
    if (rc == CPS_ERR_NOT_FOUND) return 0;
    if (rc) return rc;
    if (val.size != 24) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.rusage record");
    out->ram = (int64_t)cps_load_u64(val.data);
    out->net = cps_load_u64(val.data + 8);
    out->cpu = cps_load_u64(val.data + 16);
    return 0;
}

static int write_usage(cps_chain_controller *c, cps_name n, const usage *u)
{
    uint8_t key[8], val[24];
    cps_chain__key_name(key, n);
    cps_store_u64(val, (uint64_t)u->ram);
    cps_store_u64(val + 8, u->net);
    cps_store_u64(val + 16, u->cpu);
    return cps_state_put(c->st, c->t_rusage, key, 8, val, 24);
}

int cps_chain__resource_init_account(cps_chain_controller *c, cps_name account)
{
    usage u = {0, 0, 0};
    return write_usage(c, account, &u);
}

int cps_chain__resource_add_ram(cps_chain_controller *c, cps_name account, int64_t delta)
{
    if (!delta) return 0;
    usage u;
    int rc = read_usage(c, cps_chain__view(c), account, &u);
    if (rc) return rc;
    if ((delta > 0 && u.ram > INT64_MAX - delta) || u.ram + delta < 0) {
        char n[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(account, n);
        return cps_fail(CPS_ERR_RESOURCE, "RAM usage of %s out of range (%lld %+lld)", n,
                        (long long)u.ram, (long long)delta);
    }
    u.ram += delta;
    return write_usage(c, account, &u);
}

int cps_chain__resource_verify_ram(cps_chain_controller *c, cps_name account)
{
    limits l;
    usage u;
    cps_state_view *v = cps_chain__view(c);
    int rc = read_limits(c, v, account, &l);
    if (!rc) rc = read_usage(c, v, account, &u);
    if (rc) return rc;
    if (l.ram_bytes >= 0 && u.ram > l.ram_bytes) {
        char n[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(account, n);
        return cps_fail(CPS_ERR_RESOURCE,
                        "account %s has insufficient ram; needs %lld bytes has %lld bytes", n,
                        (long long)u.ram, (long long)l.ram_bytes);
    }
    return 0;
}

int cps_chain__resource_get(cps_chain_controller *c, cps_name account, int64_t *ram_bytes,
                            int64_t *ram_usage, int64_t *net_weight, int64_t *cpu_weight)
{
    limits l;
    usage u;
    cps_state_view *v = cps_chain__view(c);
    bool own = false;
    int rc = 0;
    if (!v) {
        rc = cps_state_view_open(c->st, &v);
        if (rc) return rc;
        own = true;
    }
    rc = read_limits(c, v, account, &l);
    if (!rc) rc = read_usage(c, v, account, &u);
    if (own) cps_state_view_close(v);
    if (rc) return rc;
    if (ram_bytes) *ram_bytes = l.ram_bytes;
    if (ram_usage) *ram_usage = u.ram;
    if (net_weight) *net_weight = l.net_weight;
    if (cpu_weight) *cpu_weight = l.cpu_weight;
    return 0;
}

int cps_chain__resource_set(cps_chain_controller *c, cps_name account, int64_t ram_bytes,
                            int64_t net_weight, int64_t cpu_weight)
{
    if (ram_bytes < -1 || net_weight < -1 || cpu_weight < -1)
        return cps_fail(CPS_ERR_INVALID_ARG, "resource limits must be >= -1");
    usage u;
    int rc = read_usage(c, cps_chain__view(c), account, &u);
    if (rc) return rc;
    if (ram_bytes >= 0 && u.ram > ram_bytes) {
        char n[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(account, n);
        return cps_fail(CPS_ERR_RESOURCE, "ram limit %lld of %s is below its usage %lld",
                        (long long)ram_bytes, n, (long long)u.ram);
    }
    uint8_t key[8], val[24];
    cps_chain__key_name(key, account);
    cps_store_u64(val, (uint64_t)ram_bytes);
    cps_store_u64(val + 8, (uint64_t)net_weight);
    cps_store_u64(val + 16, (uint64_t)cpu_weight);
    return cps_state_put(c->st, c->t_rlimit, key, 8, val, 24);
}

int cps_chain__resource_bill(cps_chain_controller *c, const cps_transaction *trx, uint32_t cpu_us,
                             uint32_t net_words)
{
    cps_state_view *v = cps_chain__view(c);
    for (uint32_t i = 0; i < trx->action_count; i++) {
        for (uint32_t k = 0; k < trx->actions[i].authorization_count; k++) {
            cps_name n = trx->actions[i].authorization[k].actor;
            /* bill each account once */
            bool seen = false;
            for (uint32_t pi = 0; pi <= i && !seen; pi++)
                for (uint32_t pk = 0; pk < trx->actions[pi].authorization_count; pk++) {
                    if (pi == i && pk == k) break;
                    if (trx->actions[pi].authorization[pk].actor == n) {
                        seen = true;
                        break;
                    }
                }
            if (seen) continue;
            limits l;
            usage u;
            int rc = read_limits(c, v, n, &l);
            if (!rc) rc = read_usage(c, v, n, &u);
            if (rc) return rc;
            char s[CPS_NAME_STR_MAX];
            cps_abi_name_to_string(n, s);
            if (l.net_weight == 0)
                return cps_fail(CPS_ERR_RESOURCE, "account %s has no NET (net_weight 0)", s);
            if (l.cpu_weight == 0)
                return cps_fail(CPS_ERR_RESOURCE, "account %s has no CPU (cpu_weight 0)", s);
            u.net += (uint64_t)net_words * 8;
            u.cpu += cpu_us;
            if ((rc = write_usage(c, n, &u))) return rc;
        }
    }
    return 0;
}

uint32_t cps_chain__net_usage_words(const cps_chain_config *cfg, size_t packed_trx_size,
                                    size_t packed_cfd_size, size_t signature_count)
{
    /* transaction_context::init_for_input_trx: base + unprunable (16 + packed_trx) + prunable
     * (signatures and context-free data) discounted by num/den, rounded up; then to words. */
    uint64_t unprunable = 16 + (uint64_t)packed_trx_size;
    uint64_t prunable = cps_varuint32_size((uint32_t)signature_count) + 66u * (uint64_t)signature_count +
                        (uint64_t)packed_cfd_size;
    if (cfg->context_free_discount_net_usage_den > 0 &&
        cfg->context_free_discount_net_usage_num < cfg->context_free_discount_net_usage_den) {
        prunable *= cfg->context_free_discount_net_usage_num;
        prunable = (prunable + cfg->context_free_discount_net_usage_den - 1) /
                   cfg->context_free_discount_net_usage_den;
    }
    uint64_t bytes = cfg->base_per_transaction_net_usage + unprunable + prunable;
    uint64_t words = (bytes + 7) / 8;
    return words > UINT32_MAX ? UINT32_MAX : (uint32_t)words;
}

uint32_t cps_chain__cpu_usage_us(const cps_chain_config *cfg, uint64_t units)
{
    uint64_t us = (units + CPS_CHAIN_UNITS_PER_US - 1) / CPS_CHAIN_UNITS_PER_US;
    if (us < cfg->min_transaction_cpu_usage) us = cfg->min_transaction_cpu_usage;
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}
