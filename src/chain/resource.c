/* resource: per-account resource limits (what the system contract sets with
 * set_resource_limits) and usage as EOSIO's resource_limits_manager keeps them — RAM from table
 * and native-object bytes; CPU and NET as exponential moving averages over a 24 h window, each
 * account allowed its staked share (weight / total weight) of the elastic virtual block limits,
 * which contract when blocks run above their target and expand otherwise. */
#include "chain/controller_internal.h"

#include <string.h>

/* chain.rlimit: ram_bytes i64 | net_weight i64 | cpu_weight i64 (absent: all -1, unlimited).
 * chain.rusage: ram_usage i64 | net accumulator | cpu accumulator, an accumulator being
 *               last_ordinal u32 | value_ex u64 | consumed u64.
 * chain.global "rlstate": block net and cpu accumulators | pending net u64 | pending cpu u64 |
 *               total net weight u64 | total cpu weight u64 | total ram u64 |
 *               virtual net limit u64 | virtual cpu limit u64. */
typedef struct limits {
    int64_t ram_bytes, net_weight, cpu_weight;
} limits;

typedef struct usage {
    int64_t ram;
    cps_chain_usage_accumulator net, cpu;
} usage;

typedef struct rl_state {
    cps_chain_usage_accumulator block_net, block_cpu;
    uint64_t pending_net, pending_cpu;
    uint64_t total_net_weight, total_cpu_weight, total_ram;
    uint64_t virtual_net, virtual_cpu;
} rl_state;

#define USAGE_SIZE (8 + 2 * 20)
#define STATE_SIZE (2 * 20 + 7 * 8)

/* ---- the accumulator (exponential_moving_average_accumulator) ----------------------------- */
uint64_t cps_chain__usage_average(const cps_chain_usage_accumulator *a)
{
    return a->value_ex / CPS_CHAIN_RATE_LIMITING_PRECISION +
           (a->value_ex % CPS_CHAIN_RATE_LIMITING_PRECISION != 0);
}

int cps_chain__usage_add(cps_chain_usage_accumulator *a, uint64_t units, uint32_t ordinal,
                         uint32_t window)
{
    if (units > UINT64_MAX / CPS_CHAIN_RATE_LIMITING_PRECISION)
        return cps_fail(CPS_ERR_RESOURCE, "usage exceeds the maximum value representable after "
                                          "extending for precision");
    if (UINT64_MAX - a->consumed < units)
        return cps_fail(CPS_ERR_RESOURCE, "overflow in tracked usage when adding usage");
    unsigned __int128 contrib =
        ((unsigned __int128)units * CPS_CHAIN_RATE_LIMITING_PRECISION + window - 1) / window;
    if (contrib > UINT64_MAX || UINT64_MAX - a->value_ex < (uint64_t)contrib)
        return cps_fail(CPS_ERR_RESOURCE, "overflow in accumulated value when adding usage");
    if (a->last_ordinal != ordinal) {
        if (ordinal < a->last_ordinal)
            return cps_fail(CPS_ERR_RESOURCE, "new ordinal cannot be less than the previous ordinal");
        if ((uint64_t)a->last_ordinal + window > ordinal) {
            uint32_t delta = ordinal - a->last_ordinal;
            /* value_ex * (window - delta) / window; fits: the factor is below 1 */
            a->value_ex = (uint64_t)((unsigned __int128)a->value_ex * (window - delta) / window);
        } else {
            a->value_ex = 0;
        }
        a->last_ordinal = ordinal;
        a->consumed = cps_chain__usage_average(a);
    }
    a->consumed += units;
    a->value_ex += (uint64_t)contrib;
    return 0;
}

static void acc_write(uint8_t *p, const cps_chain_usage_accumulator *a)
{
    cps_store_u32(p, a->last_ordinal);
    cps_store_u64(p + 4, a->value_ex);
    cps_store_u64(p + 12, a->consumed);
}

static void acc_read(const uint8_t *p, cps_chain_usage_accumulator *a)
{
    a->last_ordinal = cps_load_u32(p);
    a->value_ex = cps_load_u64(p + 4);
    a->consumed = cps_load_u64(p + 12);
}

/* ---- the chain-wide state ------------------------------------------------------------------ */
static int read_state(cps_chain_controller *c, cps_state_view *v, rl_state *s)
{
    memset(s, 0, sizeof *s);
    cps_bytes val;
    int rc = cps_state_get(v, c->t_global, "rlstate", 7, &val);
    if (rc == CPS_ERR_NOT_FOUND) {
        /* initialize_database: the virtual limits start at the block maxima */
        s->virtual_net = c->config.max_block_net_usage;
        s->virtual_cpu = c->config.max_block_cpu_usage;
        return 0;
    }
    if (rc) return rc;
    if (val.size != STATE_SIZE) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.global rlstate record");
    acc_read(val.data, &s->block_net);
    acc_read(val.data + 20, &s->block_cpu);
    uint64_t *f[] = {&s->pending_net, &s->pending_cpu, &s->total_net_weight, &s->total_cpu_weight,
                     &s->total_ram, &s->virtual_net, &s->virtual_cpu};
    for (size_t i = 0; i < CPS_ARRAY_LEN(f); i++) *f[i] = cps_load_u64(val.data + 40 + 8 * i);
    return 0;
}

static int write_state(cps_chain_controller *c, const rl_state *s)
{
    uint8_t val[STATE_SIZE];
    acc_write(val, &s->block_net);
    acc_write(val + 20, &s->block_cpu);
    const uint64_t f[] = {s->pending_net,      s->pending_cpu, s->total_net_weight,
                          s->total_cpu_weight, s->total_ram,   s->virtual_net,
                          s->virtual_cpu};
    for (size_t i = 0; i < CPS_ARRAY_LEN(f); i++) cps_store_u64(val + 40 + 8 * i, f[i]);
    return cps_state_put(c->st, c->t_global, "rlstate", 7, val, STATE_SIZE);
}

/* The elastic parameters the configuration implies (resource_limits_config_object). */
typedef struct elastic {
    uint64_t target, max;
    uint32_t periods, max_multiplier;
} elastic;

static elastic cpu_params(const cps_chain_config *cfg)
{
    elastic e = {(uint64_t)cfg->max_block_cpu_usage * cfg->target_block_cpu_usage_pct / 10000,
                 cfg->max_block_cpu_usage, CPS_CHAIN_BLOCK_AVERAGE_WINDOW_SLOTS, 1000};
    return e;
}

static elastic net_params(const cps_chain_config *cfg)
{
    elastic e = {(uint64_t)cfg->max_block_net_usage * cfg->target_block_net_usage_pct / 10000,
                 cfg->max_block_net_usage, CPS_CHAIN_BLOCK_AVERAGE_WINDOW_SLOTS, 1000};
    return e;
}

/* update_elastic_limit: contract by 99/100 above the target, expand by 1000/999 below, kept
 * between max and max * max_multiplier. */
static uint64_t elastic_update(uint64_t current, uint64_t average, const elastic *e)
{
    unsigned __int128 r = average > e->target ? (unsigned __int128)current * 99 / 100
                                              : (unsigned __int128)current * 1000 / 999;
    unsigned __int128 hi = (unsigned __int128)e->max * e->max_multiplier;
    if (r < e->max) r = e->max;
    if (r > hi) r = hi;
    return (uint64_t)r;
}

int cps_chain__resource_process_block(cps_chain_controller *c, uint32_t block_num)
{
    rl_state s;
    int rc = read_state(c, cps_chain__view(c), &s);
    elastic ec = cpu_params(&c->config), en = net_params(&c->config);
    if (!rc) rc = cps_chain__usage_add(&s.block_cpu, s.pending_cpu, block_num, ec.periods);
    if (rc) return rc;
    s.virtual_cpu = elastic_update(s.virtual_cpu, cps_chain__usage_average(&s.block_cpu), &ec);
    s.pending_cpu = 0;
    if ((rc = cps_chain__usage_add(&s.block_net, s.pending_net, block_num, en.periods))) return rc;
    s.virtual_net = elastic_update(s.virtual_net, cps_chain__usage_average(&s.block_net), &en);
    s.pending_net = 0;
    return write_state(c, &s);
}

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
    if (val.size != USAGE_SIZE) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.rusage record");
    out->ram = (int64_t)cps_load_u64(val.data);
    acc_read(val.data + 8, &out->net);
    acc_read(val.data + 28, &out->cpu);
    return 0;
}

static int write_usage(cps_chain_controller *c, cps_name n, const usage *u)
{
    uint8_t key[8], val[USAGE_SIZE];
    cps_chain__key_name(key, n);
    cps_store_u64(val, (uint64_t)u->ram);
    acc_write(val + 8, &u->net);
    acc_write(val + 28, &u->cpu);
    return cps_state_put(c->st, c->t_rusage, key, 8, val, USAGE_SIZE);
}

int cps_chain__resource_init_account(cps_chain_controller *c, cps_name account)
{
    usage u;
    memset(&u, 0, sizeof u);
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
    /* a limit below the current usage is allowed here: as in EOSIO (validate_ram_usage), the
     * caller checks the account's RAM at the end of the transaction, so a contract may lower a
     * limit and raise it again (eosio.system's newaccount then buyrambytes) */
    int rc;
    /* the totals the shares are computed against (process_account_limit_updates; CPS applies
     * them at once rather than at the end of the block) */
    limits old;
    rl_state s;
    rc = read_limits(c, cps_chain__view(c), account, &old);
    if (!rc) rc = read_state(c, cps_chain__view(c), &s);
    if (rc) return rc;
    s.total_net_weight += (uint64_t)(net_weight > 0 ? net_weight : 0);
    s.total_net_weight -= (uint64_t)(old.net_weight > 0 ? old.net_weight : 0);
    s.total_cpu_weight += (uint64_t)(cpu_weight > 0 ? cpu_weight : 0);
    s.total_cpu_weight -= (uint64_t)(old.cpu_weight > 0 ? old.cpu_weight : 0);
    s.total_ram += (uint64_t)(ram_bytes > 0 ? ram_bytes : 0);
    s.total_ram -= (uint64_t)(old.ram_bytes > 0 ? old.ram_bytes : 0);
    if ((rc = write_state(c, &s))) return rc;
    uint8_t key[8], val[24];
    cps_chain__key_name(key, account);
    cps_store_u64(val, (uint64_t)ram_bytes);
    cps_store_u64(val + 8, (uint64_t)net_weight);
    cps_store_u64(val + 16, (uint64_t)cpu_weight);
    return cps_state_put(c->st, c->t_rlimit, key, 8, val, 24);
}

/* The window share of one account (get_account_cpu_limit_ex): *used and *max in units (µs or
 * bytes) over the window; unlimited when the weight is negative or no weight is staked. */
static bool account_share(uint64_t virtual_limit, uint64_t total_weight, int64_t weight,
                          const cps_chain_usage_accumulator *a, uint32_t window,
                          unsigned __int128 *used, unsigned __int128 *max)
{
    *used = ((unsigned __int128)a->value_ex * window + CPS_CHAIN_RATE_LIMITING_PRECISION - 1) /
            CPS_CHAIN_RATE_LIMITING_PRECISION;
    if (weight < 0 || total_weight == 0) return false;
    *max = (unsigned __int128)virtual_limit * window * (uint64_t)weight / total_weight;
    return true;
}

/* Whether actor n appears in trx's authorizations before (action i, authorization k). */
static bool authorized_earlier(const cps_transaction *trx, uint32_t i, uint32_t k, cps_name n)
{
    for (uint32_t pi = 0; pi <= i; pi++)
        for (uint32_t pk = 0; pk < trx->actions[pi].authorization_count; pk++) {
            if (pi == i && pk == k) return false;
            if (trx->actions[pi].authorization[pk].actor == n) return true;
        }
    return false;
}

/* Account n's usage with cpu_us and net_bytes added at this block's slot, checked against its
 * staked shares (EOSIO's messages); *u is the new usage to write, *lp (may be NULL) the limits
 * read. */
static int account_charge(cps_chain_controller *c, cps_state_view *v, const rl_state *s,
                          cps_name n, uint32_t cpu_us, uint64_t net_bytes, usage *u, limits *lp)
{
    const uint32_t slot = c->pending.timestamp;
    limits own, *lim = lp ? lp : &own;
    int rc = read_limits(c, v, n, lim);
    if (!rc) rc = read_usage(c, v, n, u);
    if (!rc) rc = cps_chain__usage_add(&u->net, net_bytes, slot, CPS_CHAIN_ACCOUNT_WINDOW_SLOTS);
    if (!rc) rc = cps_chain__usage_add(&u->cpu, cpu_us, slot, CPS_CHAIN_ACCOUNT_WINDOW_SLOTS);
    if (rc) return rc;
    char a[CPS_NAME_STR_MAX]; /* formatted only for a failure's message */
    unsigned __int128 used, max;
    if (account_share(s->virtual_cpu, s->total_cpu_weight, lim->cpu_weight, &u->cpu,
                      CPS_CHAIN_ACCOUNT_WINDOW_SLOTS, &used, &max) && used > max) {
        cps_abi_name_to_string(n, a);
        return cps_fail(CPS_ERR_RESOURCE, "authorizing account '%s' has insufficient cpu "
                                          "resources for this transaction", a);
    }
    if (account_share(s->virtual_net, s->total_net_weight, lim->net_weight, &u->net,
                      CPS_CHAIN_ACCOUNT_WINDOW_SLOTS, &used, &max) && used > max) {
        cps_abi_name_to_string(n, a);
        return cps_fail(CPS_ERR_RESOURCE, "authorizing account '%s' has insufficient net "
                                          "resources for this transaction", a);
    }
    return 0;
}

/* ---- subjective billing ----------------------------------------------------------------- */

#define SUBJECTIVE_SLOTS 4096u /* direct-mapped by account; a collision forgets the older record */

struct cps_chain_subjective {
    cps_name account; /* 0: empty */
    cps_chain_usage_accumulator cpu;
};

static struct cps_chain_subjective *subjective_slot(cps_chain_controller *c, cps_name account,
                                                    bool create)
{
    if (!c->subjective) {
        if (!create) return NULL;
        c->subjective = calloc(SUBJECTIVE_SLOTS, sizeof *c->subjective);
        if (!c->subjective) return NULL;
    }
    uint64_t h = account * UINT64_C(0x9E3779B97F4A7C15);
    struct cps_chain_subjective *e = &c->subjective[(h >> 32) & (SUBJECTIVE_SLOTS - 1)];
    if (e->account == account) return e;
    if (!create) return NULL;
    memset(e, 0, sizeof *e);
    e->account = account;
    return e;
}

void cps_chain__resource_subjective_add(cps_chain_controller *c, cps_name account, uint32_t cpu_us)
{
    struct cps_chain_subjective *e = subjective_slot(c, account, true);
    if (e && cps_chain__usage_add(&e->cpu, cpu_us, c->pending.timestamp,
                                  CPS_CHAIN_ACCOUNT_WINDOW_SLOTS) != 0)
        cps_clear_error(); /* saturated: the record stays as it is */
}

int cps_chain__resource_precheck(cps_chain_controller *c, const cps_transaction *trx)
{
    if (!c->subjective) return 0;
    cps_state_view *v = cps_chain__view(c);
    rl_state s;
    int rc = read_state(c, v, &s);
    for (uint32_t i = 0; !rc && i < trx->action_count; i++)
        for (uint32_t k = 0; !rc && k < trx->actions[i].authorization_count; k++) {
            cps_name n = trx->actions[i].authorization[k].actor;
            struct cps_chain_subjective *e = subjective_slot(c, n, false);
            if (!e || authorized_earlier(trx, i, k, n)) continue;
            cps_chain_usage_accumulator sub = e->cpu;
            usage u;
            limits l;
            /* both decayed to this block's slot: the stake's usage by charging nothing */
            if ((rc = cps_chain__usage_add(&sub, 0, c->pending.timestamp,
                                           CPS_CHAIN_ACCOUNT_WINDOW_SLOTS)) ||
                (rc = account_charge(c, v, &s, n, 0, 0, &u, &l)))
                break;
            unsigned __int128 used, max, sub_used, sub_max;
            if (!account_share(s.virtual_cpu, s.total_cpu_weight, l.cpu_weight, &u.cpu,
                               CPS_CHAIN_ACCOUNT_WINDOW_SLOTS, &used, &max))
                continue; /* unlimited */
            account_share(s.virtual_cpu, s.total_cpu_weight, l.cpu_weight, &sub,
                          CPS_CHAIN_ACCOUNT_WINDOW_SLOTS, &sub_used, &sub_max);
            unsigned __int128 left = max > used ? max - used : 0;
            if (sub_used >= left) {
                char a[CPS_NAME_STR_MAX];
                cps_abi_name_to_string(n, a);
                rc = cps_fail(CPS_ERR_RESOURCE,
                              "authorizing account '%s' has insufficient cpu resources for this "
                              "transaction: estimated CPU time (%llu us) is not less than the "
                              "maximum billable CPU time for the transaction (%llu us)",
                              a, (unsigned long long)sub_used, (unsigned long long)left);
            }
        }
    return rc;
}

int cps_chain__resource_bill(cps_chain_controller *c, const cps_transaction *trx, uint32_t cpu_us,
                             uint32_t net_words)
{
    cps_state_view *v = cps_chain__view(c);
    const uint64_t net_bytes = (uint64_t)net_words * 8;
    rl_state s;
    int rc = read_state(c, v, &s);
    if (rc) return rc;
    for (uint32_t i = 0; i < trx->action_count; i++) {
        for (uint32_t k = 0; k < trx->actions[i].authorization_count; k++) {
            cps_name n = trx->actions[i].authorization[k].actor;
            if (authorized_earlier(trx, i, k, n)) continue; /* bill each account once */
            usage u;
            if ((rc = account_charge(c, v, &s, n, cpu_us, net_bytes, &u, NULL))) return rc;
            if ((rc = write_usage(c, n, &u))) return rc;
        }
    }
    s.pending_cpu += cpu_us;
    s.pending_net += net_bytes;
    if (s.pending_cpu > c->config.max_block_cpu_usage)
        return cps_fail(CPS_ERR_RESOURCE, "block has insufficient cpu resources");
    if (s.pending_net > c->config.max_block_net_usage)
        return cps_fail(CPS_ERR_RESOURCE, "block has insufficient net resources");
    return write_state(c, &s);
}

static int limits_fn(cps_chain_controller *c, cps_state_view *v, cps_name account,
                     cps_chain_account_resource_limit *net, cps_chain_account_resource_limit *cpu)
{
    limits l;
    usage u;
    rl_state s;
    int rc = read_limits(c, v, account, &l);
    if (!rc) rc = read_usage(c, v, account, &u);
    if (!rc) rc = read_state(c, v, &s);
    if (rc) return rc;
    struct {
        cps_chain_account_resource_limit *out;
        uint64_t virt, total;
        int64_t weight;
        const cps_chain_usage_accumulator *acc;
    } k[2] = {{net, s.virtual_net, s.total_net_weight, l.net_weight, &u.net},
              {cpu, s.virtual_cpu, s.total_cpu_weight, l.cpu_weight, &u.cpu}};
    for (int i = 0; i < 2; i++) {
        if (!k[i].out) continue;
        unsigned __int128 used, max;
        bool limited = account_share(k[i].virt, k[i].total, k[i].weight, k[i].acc,
                                     CPS_CHAIN_ACCOUNT_WINDOW_SLOTS, &used, &max);
        k[i].out->used = used > INT64_MAX ? INT64_MAX : (int64_t)used;
        k[i].out->last_ordinal = k[i].acc->last_ordinal;
        k[i].out->value_ex = k[i].acc->value_ex;
        if (!limited) {
            k[i].out->available = k[i].out->max = -1;
            continue;
        }
        k[i].out->max = max > INT64_MAX ? INT64_MAX : (int64_t)max;
        k[i].out->available = max <= used ? 0 : (max - used > INT64_MAX ? INT64_MAX
                                                                         : (int64_t)(max - used));
    }
    return 0;
}

int cps_chain__resource_account_limits(cps_chain_controller *c, cps_name account,
                                       cps_chain_account_resource_limit *net,
                                       cps_chain_account_resource_limit *cpu)
{
    cps_state_view *v = cps_chain__view(c);
    if (v) return limits_fn(c, v, account, net, cpu);
    int rc = cps_state_view_open(c->st, &v);
    if (rc) return rc;
    rc = limits_fn(c, v, account, net, cpu);
    cps_state_view_close(v);
    return rc;
}

int cps_chain__resource_virtual_limits(cps_chain_controller *c, uint64_t *net, uint64_t *cpu)
{
    cps_state_view *v = cps_chain__view(c);
    bool own = false;
    int rc = 0;
    if (!v) {
        if ((rc = cps_state_view_open(c->st, &v))) return rc;
        own = true;
    }
    rl_state s;
    rc = read_state(c, v, &s);
    if (own) cps_state_view_close(v);
    if (rc) return rc;
    *net = s.virtual_net;
    *cpu = s.virtual_cpu;
    return 0;
}

uint32_t cps_chain__net_usage_words(const cps_chain_config *cfg, size_t packed_trx_size,
                                    size_t packed_cfd_size, size_t signature_count, bool delayed)
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
    /* a delayed transaction also pays ahead for the receipt that retires it later */
    if (delayed) bytes += cfg->base_per_transaction_net_usage + CPS_CHAIN_TRX_ID_NET_USAGE;
    uint64_t words = (bytes + 7) / 8;
    return words > UINT32_MAX ? UINT32_MAX : (uint32_t)words;
}

uint32_t cps_chain__cpu_usage_us(const cps_chain_config *cfg, uint64_t units)
{
    uint64_t us = (units + CPS_CHAIN_UNITS_PER_US - 1) / CPS_CHAIN_UNITS_PER_US;
    if (us < cfg->min_transaction_cpu_usage) us = cfg->min_transaction_cpu_usage;
    return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}
