/* net: the bounded LRU set of 32-byte ids that de-duplicates gossiped blocks, transactions and
 * votes. Fixed memory (chosen at creation), O(1) add/lookup/evict, no allocation afterwards. */
#include "net/net_internal.h"

#include <stdlib.h>
#include <string.h>

/* Ids are hashes a peer controls (a transaction id is sha256 of its bytes), so the bucket index
 * mixes in a per-process random key: without it, a peer could grind ids into one bucket. */
static uint32_t bucket_of(const cps_net_lru *l, const cps_checksum256 *id)
{
    uint64_t x = cps_load_u64(id->b + 8) ^ cps_load_u64(id->b + 24) ^ l->hash_key;
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return (uint32_t)x & l->bucket_mask;
}

int cps_net__lru_init(cps_net_lru *l, uint32_t capacity, uint64_t hash_key)
{
    memset(l, 0, sizeof *l);
    if (capacity == 0 || capacity > (1u << 24))
        return cps_fail(CPS_ERR_INVALID_ARG, "dedup capacity %u (1..16777216)", capacity);
    uint32_t nb = 1;
    while (nb < capacity * 2) nb <<= 1;
    l->entries = calloc(capacity, sizeof *l->entries);
    l->buckets = calloc(nb, sizeof *l->buckets);
    if (!l->entries || !l->buckets) {
        cps_net__lru_free(l);
        return cps_fail(CPS_ERR_NOMEM, "dedup set of %u ids", capacity);
    }
    l->capacity = capacity;
    l->bucket_mask = nb - 1;
    l->hash_key = hash_key;
    /* Every slot starts on the free list, chained through bucket_next. */
    for (uint32_t i = 0; i < capacity; i++) l->entries[i].bucket_next = i + 2 <= capacity ? i + 2 : 0;
    l->free_list = 1;
    return 0;
}

void cps_net__lru_free(cps_net_lru *l)
{
    free(l->entries);
    free(l->buckets);
    memset(l, 0, sizeof *l);
}

static uint32_t find(const cps_net_lru *l, const cps_checksum256 *id)
{
    for (uint32_t i = l->buckets[bucket_of(l, id)]; i; i = l->entries[i - 1].bucket_next)
        if (memcmp(l->entries[i - 1].id.b, id->b, 32) == 0) return i;
    return 0;
}

static void unlink_recency(cps_net_lru *l, uint32_t i)
{
    cps_net_lru_entry *e = &l->entries[i - 1];
    if (e->newer) l->entries[e->newer - 1].older = e->older;
    else l->newest = e->older;
    if (e->older) l->entries[e->older - 1].newer = e->newer;
    else l->oldest = e->newer;
    e->newer = e->older = 0;
}

static void push_newest(cps_net_lru *l, uint32_t i)
{
    cps_net_lru_entry *e = &l->entries[i - 1];
    e->newer = 0;
    e->older = l->newest;
    if (l->newest) l->entries[l->newest - 1].newer = i;
    l->newest = i;
    if (!l->oldest) l->oldest = i;
}

static void unlink_bucket(cps_net_lru *l, uint32_t i)
{
    uint32_t *link = &l->buckets[bucket_of(l, &l->entries[i - 1].id)];
    while (*link != i) link = &l->entries[*link - 1].bucket_next;
    *link = l->entries[i - 1].bucket_next;
}

static void remove_entry(cps_net_lru *l, uint32_t i)
{
    unlink_bucket(l, i);
    unlink_recency(l, i);
    l->entries[i - 1].bucket_next = l->free_list;
    l->free_list = i;
    l->count--;
}

bool cps_net__lru_contains(const cps_net_lru *l, const cps_checksum256 *id)
{
    return l->capacity && find(l, id) != 0;
}

bool cps_net__lru_add(cps_net_lru *l, const cps_checksum256 *id)
{
    uint32_t i = find(l, id);
    if (i) {
        unlink_recency(l, i);
        push_newest(l, i);
        return false;
    }
    if (l->count == l->capacity) remove_entry(l, l->oldest);
    i = l->free_list;
    cps_net_lru_entry *e = &l->entries[i - 1];
    l->free_list = e->bucket_next;
    e->id = *id;
    uint32_t b = bucket_of(l, id);
    e->bucket_next = l->buckets[b];
    l->buckets[b] = i;
    push_newest(l, i);
    l->count++;
    return true;
}

void cps_net__lru_remove(cps_net_lru *l, const cps_checksum256 *id)
{
    uint32_t i = l->capacity ? find(l, id) : 0;
    if (i) remove_entry(l, i);
}
