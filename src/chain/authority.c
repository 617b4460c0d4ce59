/* authority: EOSIO's authority checker (weighted keys, accounts and waits, recursion with a depth
 * limit and a per-question permission cache, used-key tracking), parent-permission satisfaction,
 * the declared-authorization check with the irrelevant-signature rule, and get_required_keys. */
#include "chain/chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Permission cache: what is known about each level during one question. A hash table over an
 * array, so slots stay valid while it grows and a wide authority costs no quadratic search.
 * ------------------------------------------------------------------------------------------ */
enum perm_status { BEING_EVALUATED, PERMISSION_UNSATISFIED, PERMISSION_SATISFIED };

struct cache_entry {
    cps_permission_level level;
    uint8_t status;
};

struct perm_cache {
    struct cache_entry *entries;
    size_t count, cap;
    uint32_t *table;  /* entry index + 1; 0 is empty */
    size_t table_cap; /* a power of two */
};

#define NO_SLOT SIZE_MAX

static uint64_t level_hash(const cps_permission_level *l)
{
    uint64_t x = l->actor * UINT64_C(0x9e3779b97f4a7c15) ^ l->permission;
    x ^= x >> 31;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 29;
    return x;
}

static void cache_free(struct perm_cache *c)
{
    free(c->entries);
    free(c->table);
    memset(c, 0, sizeof *c);
}

static size_t cache_find(const struct perm_cache *c, const cps_permission_level *l)
{
    if (!c->table_cap) return NO_SLOT;
    size_t mask = c->table_cap - 1;
    for (size_t i = (size_t)level_hash(l) & mask;; i = (i + 1) & mask) {
        uint32_t v = c->table[i];
        if (!v) return NO_SLOT;
        const struct cache_entry *e = &c->entries[v - 1];
        if (e->level.actor == l->actor && e->level.permission == l->permission) return v - 1;
    }
}

static int cache_grow_table(struct perm_cache *c)
{
    size_t cap = c->table_cap ? c->table_cap * 2 : 64;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t) return cps_fail(CPS_ERR_NOMEM, "out of memory in the authority checker");
    for (size_t k = 0; k < c->count; k++) {
        size_t i = (size_t)level_hash(&c->entries[k].level) & (cap - 1);
        while (t[i])
            i = (i + 1) & (cap - 1);
        t[i] = (uint32_t)(k + 1);
    }
    free(c->table);
    c->table = t;
    c->table_cap = cap;
    return 0;
}

/* Adds a level not yet in the cache; *slot receives its index. */
static int cache_insert(struct perm_cache *c, const cps_permission_level *l, uint8_t status,
                        size_t *slot)
{
    if (c->count >= UINT32_MAX - 1)
        return cps_fail(CPS_ERR_LIMIT, "authority checker: too many permissions");
    if ((c->count + 1) * 2 > c->table_cap) {
        int rc = cache_grow_table(c);
        if (rc) return rc;
    }
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct cache_entry *e = realloc(c->entries, cap * sizeof *e);
        if (!e) return cps_fail(CPS_ERR_NOMEM, "out of memory in the authority checker");
        c->entries = e;
        c->cap = cap;
    }
    size_t k = c->count++;
    c->entries[k].level = *l;
    c->entries[k].status = status;
    size_t mask = c->table_cap - 1;
    size_t i = (size_t)level_hash(l) & mask;
    while (c->table[i])
        i = (i + 1) & mask;
    c->table[i] = (uint32_t)(k + 1);
    if (slot) *slot = k;
    return 0;
}

/* The status of a level: its own entry, else its actor's wildcard entry (permission 0), as
 * authority_checker::permission_status_in_cache. Returns false if neither is cached. */
static bool cache_status(const struct perm_cache *c, const cps_permission_level *l, uint8_t *status)
{
    size_t k = cache_find(c, l);
    if (k == NO_SLOT) {
        cps_permission_level any = {l->actor, 0};
        k = cache_find(c, &any);
    }
    if (k == NO_SLOT) return false;
    *status = c->entries[k].status;
    return true;
}

/* ------------------------------------------------------------------------------------------
 * Checker
 * ------------------------------------------------------------------------------------------ */
struct cps_chain_auth_checker {
    cps_chain_permission_lookup lookup;
    void *lookup_ctx;
    cps_chain_checktime checktime;
    void *checktime_ctx;
    uint16_t max_depth;
    int64_t delay_us;
    cps_public_key *keys; /* sorted, unique */
    size_t key_count;
    uint8_t *used;
    cps_permission_level *permissions;
    size_t permission_count;
};

static int key_cmp(const void *a, const void *b)
{
    return cps_public_key_compare(a, b);
}

int cps_chain_auth_checker_create(const cps_chain_auth_params *p, cps_chain_auth_checker **out)
{
    *out = NULL;
    if (!p || !p->lookup)
        return cps_fail(CPS_ERR_INVALID_ARG, "authority checker: a permission lookup is required");
    if ((p->key_count && !p->keys) || (p->permission_count && !p->permissions))
        return cps_fail(CPS_ERR_INVALID_ARG, "authority checker: NULL keys or permissions");
    cps_chain_auth_checker *c = calloc(1, sizeof *c);
    if (!c) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    c->lookup = p->lookup;
    c->lookup_ctx = p->lookup_ctx;
    c->checktime = p->checktime;
    c->checktime_ctx = p->checktime_ctx;
    c->max_depth = p->max_depth;
    c->delay_us = p->delay_us;
    if (p->key_count) {
        c->keys = malloc(p->key_count * sizeof *c->keys);
        c->used = calloc(p->key_count, 1);
        if (!c->keys || !c->used) goto nomem;
        memcpy(c->keys, p->keys, p->key_count * sizeof *c->keys);
        /* nodeos holds the keys in a flat_set: sorted, duplicates dropped. */
        qsort(c->keys, p->key_count, sizeof *c->keys, key_cmp);
        size_t n = 0;
        for (size_t i = 0; i < p->key_count; i++)
            if (n == 0 || cps_public_key_compare(&c->keys[n - 1], &c->keys[i]) != 0)
                c->keys[n++] = c->keys[i];
        c->key_count = n;
    }
    if (p->permission_count) {
        c->permissions = malloc(p->permission_count * sizeof *c->permissions);
        if (!c->permissions) goto nomem;
        memcpy(c->permissions, p->permissions, p->permission_count * sizeof *c->permissions);
        c->permission_count = p->permission_count;
    }
    *out = c;
    return 0;
nomem:
    cps_chain_auth_checker_destroy(c);
    return cps_fail(CPS_ERR_NOMEM, "out of memory");
}

void cps_chain_auth_checker_destroy(cps_chain_auth_checker *c)
{
    if (!c) return;
    free(c->keys);
    free(c->used);
    free(c->permissions);
    free(c);
}

static int cache_init(const cps_chain_auth_checker *c, struct perm_cache *cache)
{
    memset(cache, 0, sizeof *cache);
    for (size_t i = 0; i < c->permission_count; i++) {
        size_t k = cache_find(cache, &c->permissions[i]);
        if (k != NO_SLOT) continue;
        int rc = cache_insert(cache, &c->permissions[i], PERMISSION_SATISFIED, NULL);
        if (rc) {
            cache_free(cache);
            return rc;
        }
    }
    return 0;
}

/* The authority of a level, or 1 when it has none (missing permission, or an empty actor or
 * permission name, which nodeos's get_permission rejects with the same outcome). */
static int lookup_level(cps_chain_auth_checker *c, const cps_permission_level *l,
                        const cps_authority **auth)
{
    if (c->checktime) {
        int rc = c->checktime(c->checktime_ctx);
        if (rc) return rc < 0 ? rc : CPS_ERR_DEADLINE;
    }
    if (l->actor == 0 || l->permission == 0) return 1;
    *auth = NULL;
    int rc = c->lookup(c->lookup_ctx, l, auth);
    if (rc == CPS_ERR_NOT_FOUND) return 1;
    if (rc) return rc < 0 ? rc : CPS_ERR_STATE;
    if (!*auth) return cps_fail(CPS_ERR_STATE, "authority checker: lookup returned no authority");
    return 0;
}

/* One entry of an authority in visiting order: weight descending, then waits (3) before keys
 * (2) before accounts (1), then the authority's own order (nodeos's flat_multimap keyed by
 * (weight, priority) with std::greater, which keeps insertion order among equal keys). */
enum meta_kind { META_ACCOUNT = 1, META_KEY = 2, META_WAIT = 3 };

struct meta {
    uint32_t weight;
    uint32_t seq;
    uint32_t index;
    uint8_t kind; /* also the priority */
};

static int meta_cmp(const void *pa, const void *pb)
{
    const struct meta *a = pa, *b = pb;
    if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
    if (a->kind != b->kind) return a->kind > b->kind ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

struct frame {
    const cps_authority *auth;
    struct meta *order;
    uint32_t n, next;
    uint32_t total;
    uint8_t *saved_used; /* the used keys when this authority's evaluation began */
    uint16_t depth;      /* recursion depth of this authority's account entries */
    size_t cache_slot;   /* where its outcome is recorded, NO_SLOT for none */
    uint16_t weight;     /* what the enclosing authority gains if it is satisfied */
};

struct frame_stack {
    struct frame *f;
    size_t n, cap;
};

static void frame_release(struct frame *f)
{
    free(f->order);
    free(f->saved_used);
    f->order = NULL;
    f->saved_used = NULL;
}

static int frame_push(cps_chain_auth_checker *c, struct frame_stack *s, const cps_authority *auth,
                      uint16_t depth, size_t slot, uint16_t weight)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct frame *f = realloc(s->f, cap * sizeof *f);
        if (!f) return cps_fail(CPS_ERR_NOMEM, "out of memory in the authority checker");
        s->f = f;
        s->cap = cap;
    }
    struct frame fr = {auth, NULL, 0, 0, 0, NULL, depth, slot, weight};
    uint64_t n = (uint64_t)auth->account_count + auth->key_count + auth->wait_count;
    if (n > UINT32_MAX / 2)
        return cps_fail(CPS_ERR_LIMIT, "authority checker: authority with %llu entries",
                        (unsigned long long)n);
    if (n) {
        fr.order = malloc((size_t)n * sizeof *fr.order);
        if (!fr.order) return cps_fail(CPS_ERR_NOMEM, "out of memory in the authority checker");
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < auth->account_count; i++, k++)
        fr.order[k] = (struct meta){auth->accounts[i].weight, k, i, META_ACCOUNT};
    for (uint32_t i = 0; i < auth->key_count; i++, k++)
        fr.order[k] = (struct meta){auth->keys[i].weight, k, i, META_KEY};
    for (uint32_t i = 0; i < auth->wait_count; i++, k++)
        fr.order[k] = (struct meta){auth->waits[i].weight, k, i, META_WAIT};
    if (n > 1) qsort(fr.order, (size_t)n, sizeof *fr.order, meta_cmp);
    fr.n = (uint32_t)n;
    if (c->key_count) {
        fr.saved_used = malloc(c->key_count);
        if (!fr.saved_used) {
            free(fr.order);
            return cps_fail(CPS_ERR_NOMEM, "out of memory in the authority checker");
        }
        memcpy(fr.saved_used, c->used, c->key_count);
    }
    s->f[s->n++] = fr;
    return 0;
}

static size_t find_key(const cps_chain_auth_checker *c, const cps_public_key *k)
{
    size_t lo = 0, hi = c->key_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = cps_public_key_compare(&c->keys[mid], k);
        if (d == 0) return mid;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NO_SLOT;
}

/* Decides whether `root` reaches its threshold, with an explicit stack instead of recursion so
 * a large max_authority_depth cannot exhaust the C stack. Mirrors authority_checker::satisfied
 * and its weight_tally_visitor step by step. */
static int evaluate(cps_chain_auth_checker *c, struct perm_cache *cache, const cps_authority *root,
                    uint16_t depth, size_t root_slot, bool *result)
{
    struct frame_stack s = {NULL, 0, 0};
    int rc = frame_push(c, &s, root, depth, root_slot, 0);
    bool r = false;
    while (rc == 0 && s.n) {
        struct frame *f = &s.f[s.n - 1];
        bool done = false;
        if (f->next == f->n) {
            /* Not satisfied: the keys it marked do not count as used (nodeos's KeyReverter). */
            if (c->key_count) memcpy(c->used, f->saved_used, c->key_count);
            r = false;
            done = true;
        } else {
            const struct meta *m = &f->order[f->next++];
            if (m->kind == META_WAIT) {
                const cps_wait_weight *w = &f->auth->waits[m->index];
                if (c->delay_us >= (int64_t)w->wait_sec * 1000000) f->total += w->weight;
            } else if (m->kind == META_KEY) {
                const cps_key_weight *kw = &f->auth->keys[m->index];
                size_t k = find_key(c, &kw->key);
                if (k != NO_SLOT) {
                    c->used[k] = 1;
                    f->total += kw->weight;
                }
            } else {
                const cps_permission_level_weight *pw = &f->auth->accounts[m->index];
                uint8_t st;
                if (cache_status(cache, &pw->permission, &st)) {
                    if (st == PERMISSION_SATISFIED) f->total += pw->weight;
                } else if (f->depth < c->max_depth) {
                    const cps_authority *sub;
                    rc = lookup_level(c, &pw->permission, &sub);
                    if (rc < 0) break;
                    if (rc == 0) {
                        size_t slot;
                        uint16_t d = (uint16_t)(f->depth + 1), weight = pw->weight;
                        rc = cache_insert(cache, &pw->permission, BEING_EVALUATED, &slot);
                        if (!rc) rc = frame_push(c, &s, sub, d, slot, weight);
                        continue; /* f may have moved; the new frame runs next */
                    }
                    rc = 0;
                }
            }
            if (f->total >= f->auth->threshold) {
                r = true;
                done = true;
            }
        }
        /* Unwind every frame this outcome completes. */
        while (done) {
            struct frame fin = s.f[--s.n];
            frame_release(&fin);
            if (fin.cache_slot != NO_SLOT)
                cache->entries[fin.cache_slot].status =
                    r ? PERMISSION_SATISFIED : PERMISSION_UNSATISFIED;
            if (!s.n) break;
            struct frame *p = &s.f[s.n - 1];
            if (r) p->total += fin.weight;
            /* nodeos compares after every entry, an unsatisfied account included (which only
             * matters for a threshold of 0, never stored but possible from a lookup). */
            done = p->total >= p->auth->threshold;
            r = done;
        }
    }
    /* An aborted question leaves the used keys as they were before it. */
    if (rc && s.n && c->key_count) memcpy(c->used, s.f[0].saved_used, c->key_count);
    for (size_t i = 0; i < s.n; i++)
        frame_release(&s.f[i]);
    free(s.f);
    *result = rc == 0 && r;
    return rc;
}

/* authority_checker::satisfied(permission_level): the level is visited as an account entry of
 * weight 1 at depth 0. */
static int level_satisfied(cps_chain_auth_checker *c, const cps_permission_level *level, bool *ok)
{
    *ok = false;
    struct perm_cache cache;
    int rc = cache_init(c, &cache);
    if (rc) return rc;
    uint8_t st;
    if (cache_status(&cache, level, &st)) {
        *ok = st == PERMISSION_SATISFIED;
    } else if (0 < c->max_depth) {
        const cps_authority *auth;
        rc = lookup_level(c, level, &auth);
        if (rc == 0) {
            size_t slot;
            rc = cache_insert(&cache, level, BEING_EVALUATED, &slot);
            if (!rc) rc = evaluate(c, &cache, auth, 1, slot, ok);
        } else if (rc == 1) {
            rc = 0;
        }
    }
    cache_free(&cache);
    return rc;
}

int cps_chain_auth_satisfied(cps_chain_auth_checker *c, const cps_permission_level *level, bool *ok)
{
    return level_satisfied(c, level, ok);
}

int cps_chain_auth_satisfied_delay(cps_chain_auth_checker *c, const cps_permission_level *level,
                                   int64_t delay_us, bool *ok)
{
    int64_t saved = c->delay_us;
    c->delay_us = delay_us;
    int rc = level_satisfied(c, level, ok);
    c->delay_us = saved;
    return rc;
}

int cps_chain_auth_authority_satisfied(cps_chain_auth_checker *c, const cps_authority *auth,
                                       bool *ok)
{
    *ok = false;
    struct perm_cache cache;
    int rc = cache_init(c, &cache);
    if (rc) return rc;
    rc = evaluate(c, &cache, auth, 0, NO_SLOT, ok);
    cache_free(&cache);
    return rc;
}

size_t cps_chain_auth_key_count(const cps_chain_auth_checker *c)
{
    return c->key_count;
}

const cps_public_key *cps_chain_auth_key(const cps_chain_auth_checker *c, size_t i)
{
    return i < c->key_count ? &c->keys[i] : NULL;
}

bool cps_chain_auth_key_used(const cps_chain_auth_checker *c, size_t i)
{
    return i < c->key_count && c->used[i];
}

bool cps_chain_auth_all_keys_used(const cps_chain_auth_checker *c)
{
    for (size_t i = 0; i < c->key_count; i++)
        if (!c->used[i]) return false;
    return true;
}

static int append_keys_json(const cps_chain_auth_checker *c, bool used, bool all, cps_buf *out)
{
    cps_write_u8(out, '[');
    bool first = true;
    for (size_t i = 0; i < c->key_count; i++) {
        if (!all && (c->used[i] != 0) != used) continue;
        char text[CPS_PUBLIC_KEY_STR_MAX];
        int rc = cps_public_key_to_string(&c->keys[i], false, text, sizeof text);
        if (rc) return rc;
        cps_buf_printf(out, "%s\"%s\"", first ? "" : ",", text);
        first = false;
    }
    cps_write_u8(out, ']');
    return out->failed;
}

int cps_chain_auth_unused_keys_json(const cps_chain_auth_checker *c, cps_buf *out)
{
    return append_keys_json(c, false, false, out);
}

int64_t cps_chain_auth_effective_delay(int64_t provided_us, uint32_t max_transaction_delay_sec)
{
    return provided_us >= (int64_t)max_transaction_delay_sec * 1000000 ? INT64_MAX : provided_us;
}

/* ------------------------------------------------------------------------------------------
 * Declared authorizations, required keys, parent chains
 * ------------------------------------------------------------------------------------------ */
static void level_json(cps_buf *b, const cps_permission_level *l)
{
    char actor[CPS_NAME_STR_MAX], perm[CPS_NAME_STR_MAX];
    cps_abi_name_to_string(l->actor, actor);
    cps_abi_name_to_string(l->permission, perm);
    cps_buf_printf(b, "{\"actor\":\"%s\",\"permission\":\"%s\"}", actor, perm);
}

static int declared_cmp(const void *pa, const void *pb)
{
    const cps_chain_declared_auth *a = pa, *b = pb;
    if (a->level.actor != b->level.actor) return a->level.actor < b->level.actor ? -1 : 1;
    if (a->level.permission != b->level.permission)
        return a->level.permission < b->level.permission ? -1 : 1;
    return (a->delay_us > b->delay_us) - (a->delay_us < b->delay_us);
}

int cps_chain_auth_check_declared(cps_chain_auth_checker *c, const cps_chain_declared_auth *auths,
                                  size_t n, bool allow_unused_keys)
{
    cps_chain_declared_auth *sorted = NULL;
    if (n) {
        sorted = malloc(n * sizeof *sorted);
        if (!sorted) return cps_fail(CPS_ERR_NOMEM, "out of memory");
        memcpy(sorted, auths, n * sizeof *sorted);
        /* nodeos collects them in a map keyed by level, keeping the smallest delay. */
        qsort(sorted, n, sizeof *sorted, declared_cmp);
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i && sorted[i].level.actor == sorted[i - 1].level.actor &&
            sorted[i].level.permission == sorted[i - 1].level.permission)
            continue; /* the first of a run has the smallest delay */
        bool ok;
        rc = cps_chain_auth_satisfied_delay(c, &sorted[i].level, sorted[i].delay_us, &ok);
        if (rc || ok) continue;
        cps_buf msg;
        cps_buf_init(&msg);
        cps_buf_printf(&msg, "transaction declares authority '");
        level_json(&msg, &sorted[i].level);
        if (sorted[i].delay_us == INT64_MAX)
            cps_buf_printf(&msg, "', but does not have signatures for it under an unbounded "
                                 "provided delay, provided permissions [");
        else
            cps_buf_printf(&msg,
                           "', but does not have signatures for it under a provided delay of "
                           "%lld ms, provided permissions [",
                           (long long)(sorted[i].delay_us / 1000));
        for (size_t k = 0; k < c->permission_count; k++) {
            if (k) cps_write_u8(&msg, ',');
            level_json(&msg, &c->permissions[k]);
        }
        cps_buf_printf(&msg, "], provided keys ");
        append_keys_json(c, false, true, &msg);
        rc = cps_fail(CPS_ERR_AUTH, "%s", msg.failed ? "(message too long)" : cps_buf_cstr(&msg));
        cps_buf_free(&msg);
    }
    free(sorted);
    if (rc == 0 && !allow_unused_keys && !cps_chain_auth_all_keys_used(c)) {
        cps_buf keys;
        cps_buf_init(&keys);
        append_keys_json(c, false, false, &keys);
        rc = cps_fail(CPS_ERR_AUTH, "transaction bears irrelevant signatures from these keys: %s",
                      keys.failed ? "(unprintable)" : cps_buf_cstr(&keys));
        cps_buf_free(&keys);
    }
    return rc;
}

int cps_chain_get_required_keys(cps_chain_permission_lookup lookup, void *lookup_ctx,
                                uint16_t max_depth, const cps_permission_level *declared, size_t n,
                                const cps_public_key *candidates, size_t candidate_count,
                                int64_t delay_us, cps_public_key **out, size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    cps_chain_auth_params p = {lookup, lookup_ctx, max_depth, candidates, candidate_count,
                               NULL,   0,          delay_us,  NULL,       NULL};
    cps_chain_auth_checker *c;
    int rc = cps_chain_auth_checker_create(&p, &c);
    if (rc) return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool ok;
        rc = cps_chain_auth_satisfied(c, &declared[i], &ok);
        if (rc == 0 && !ok) {
            cps_buf msg;
            cps_buf_init(&msg);
            level_json(&msg, &declared[i]);
            rc = cps_fail(CPS_ERR_AUTH,
                          "transaction declares authority '%s', but does not have signatures for "
                          "it.",
                          msg.failed ? "?" : cps_buf_cstr(&msg));
            cps_buf_free(&msg);
        }
    }
    size_t used = 0;
    for (size_t i = 0; rc == 0 && i < c->key_count; i++)
        used += c->used[i] != 0;
    if (rc == 0 && used) {
        *out = malloc(used * sizeof **out);
        if (!*out) rc = cps_fail(CPS_ERR_NOMEM, "out of memory");
        for (size_t i = 0, k = 0; rc == 0 && i < c->key_count; i++)
            if (c->used[i]) (*out)[k++] = c->keys[i];
        if (rc == 0) *out_n = used;
    }
    cps_chain_auth_checker_destroy(c);
    return rc;
}

int cps_chain_permission_satisfies(cps_chain_permission_parent parent_of, void *ctx,
                                   const cps_permission_level *declared,
                                   const cps_permission_level *required, bool *ok)
{
    *ok = false;
    cps_name required_parent, declared_parent;
    /* Both permissions must exist (nodeos looks both up before comparing). */
    int rc = parent_of(ctx, required, &required_parent);
    if (rc) return rc;
    rc = parent_of(ctx, declared, &declared_parent);
    if (rc) return rc;
    if (declared->actor != required->actor) return 0;
    if (declared->permission == required->permission ||
        (required_parent != 0 && declared->permission == required_parent)) {
        *ok = true;
        return 0;
    }
    cps_name p = required_parent;
    for (uint32_t steps = 0; p != 0; steps++) {
        if (steps > 65536)
            return cps_fail(CPS_ERR_DB_CORRUPT, "permission parent chain of %llx does not end",
                            (unsigned long long)required->actor);
        cps_permission_level l = {required->actor, p};
        cps_name pp;
        rc = parent_of(ctx, &l, &pp);
        if (rc) return rc;
        if (pp == declared->permission && pp != 0) {
            *ok = true;
            return 0;
        }
        p = pp;
    }
    return 0;
}
