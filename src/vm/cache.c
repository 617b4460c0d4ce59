/* vm: the module cache — loaded modules keyed by a 32-byte code hash with least-recently-used
 * eviction, so the chain decodes and translates a contract once and reuses it for every action.
 * A small array scanned linearly: the cache holds tens to hundreds of contracts, and a scan of
 * that many 32-byte keys costs far less than one instantiation. */
#include "vm/vm_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct cache_entry {
    uint8_t hash[32];
    cps_vm_module *module;
    uint64_t last_use;
} cache_entry;

struct cps_vm_cache {
    pthread_mutex_t lock;
    cache_entry *entries;
    size_t n, capacity;
    uint64_t clock, hits, misses;
};

int cps_vm_cache_create(size_t capacity, cps_vm_cache **out)
{
    *out = NULL;
    if (capacity == 0) return cps_fail(CPS_ERR_INVALID_ARG, "cache capacity is 0");
    cps_vm_cache *c = calloc(1, sizeof *c);
    if (!c) return cps_fail(CPS_ERR_NOMEM, "module cache");
    c->entries = calloc(capacity, sizeof(cache_entry));
    if (!c->entries) {
        free(c);
        return cps_fail(CPS_ERR_NOMEM, "module cache of %zu entries", capacity);
    }
    pthread_mutex_init(&c->lock, NULL);
    c->capacity = capacity;
    *out = c;
    return 0;
}

void cps_vm_cache_destroy(cps_vm_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++)
        cps_vm_module_release(c->entries[i].module);
    pthread_mutex_destroy(&c->lock);
    free(c->entries);
    free(c);
}

static cache_entry *find(cps_vm_cache *c, const uint8_t hash[32])
{
    for (size_t i = 0; i < c->n; i++)
        if (memcmp(c->entries[i].hash, hash, 32) == 0) return &c->entries[i];
    return NULL;
}

cps_vm_module *cps_vm_cache_get(cps_vm_cache *c, const uint8_t hash[32])
{
    cps_vm_module *m = NULL;
    pthread_mutex_lock(&c->lock);
    cache_entry *e = find(c, hash);
    if (e) {
        e->last_use = ++c->clock;
        m = cps_vm_module_retain(e->module);
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return m;
}

int cps_vm_cache_put(cps_vm_cache *c, const uint8_t hash[32], cps_vm_module *m)
{
    cps_vm_module *old = NULL;
    pthread_mutex_lock(&c->lock);
    cache_entry *e = find(c, hash);
    if (!e) {
        if (c->n < c->capacity) {
            e = &c->entries[c->n++];
        } else {
            e = &c->entries[0];
            for (size_t i = 1; i < c->n; i++)
                if (c->entries[i].last_use < e->last_use) e = &c->entries[i];
        }
        if (e->module) old = e->module;
        memcpy(e->hash, hash, 32);
    } else {
        old = e->module;
    }
    e->module = cps_vm_module_retain(m);
    e->last_use = ++c->clock;
    pthread_mutex_unlock(&c->lock);
    cps_vm_module_release(old);
    return 0;
}

int cps_vm_cache_load(cps_vm_cache *c, const uint8_t hash[32], const uint8_t *bytes, size_t size,
                      const cps_vm_limits *limits, cps_vm_module **out)
{
    *out = cps_vm_cache_get(c, hash);
    if (*out) return 0;
    cps_vm_module *m;
    int rc = cps_vm_module_load(bytes, size, limits, &m);
    if (rc) return rc;
    rc = cps_vm_cache_put(c, hash, m);
    if (rc) {
        cps_vm_module_release(m);
        return rc;
    }
    *out = m;
    return 0;
}

void cps_vm_cache_stats(cps_vm_cache *c, size_t *entries, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->lock);
    if (entries) *entries = c->n;
    if (hits) *hits = c->hits;
    if (misses) *misses = c->misses;
    pthread_mutex_unlock(&c->lock);
}
