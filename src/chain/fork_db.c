/* chain: the fork database — the bounded tree of reversible blocks above the last irreversible
 * block, with the deterministic fork choice and the branch arithmetic a fork switch needs. */
#include "chain/finality.h"

#include <stdlib.h>
#include <string.h>

typedef struct node {
    cps_chain_fork_entry e;
    uint8_t *block_copy; /* e.block points here */
    int32_t parent, first_child, next_sibling;
    bool used;
} node;

struct cps_chain_fork_db {
    node *nodes;
    uint32_t node_cap; /* allocated slots */
    uint32_t count;    /* used slots, root included */
    int32_t free_head; /* free slots chained through next_sibling */
    int32_t *table;    /* open addressing by id: slot index or -1 */
    uint32_t table_mask;
    int32_t root, best;
    uint32_t max_entries, max_depth;
    void (*release_user)(void *ctx, void *user);
    void *release_ctx;
};

int cps_chain_block_facts_from_header(const cps_block_header *h, cps_chain_block_facts *out)
{
    memset(out, 0, sizeof *out);
    int rc = cps_abi_block_id(h, &out->id);
    if (rc) return rc;
    out->previous = h->previous;
    out->block_num = cps_abi_block_header_num(h);
    out->timestamp = h->timestamp;
    out->producer = h->producer;
    out->schedule_version = h->schedule_version;
    out->announced_version = h->has_new_producers ? h->new_producers.version : 0;
    for (uint32_t i = 0; i < h->header_extension_count; i++)
        if (h->header_extensions[i].type == CPS_CHAIN_QC_CLAIM_EXTENSION_ID) out->claims_qc = true;
    return 0;
}

/* The newest QC claimed on the branch ending at f, given its parent's (see claim_num). */
static uint32_t claim_num_of(const cps_chain_block_facts *f, uint32_t parent_claim_num)
{
    return f->claims_qc && f->block_num > 0 ? f->block_num - 1 : parent_claim_num;
}

uint32_t cps_chain_block_facts_pending(const cps_chain_block_facts *parent,
                                       const cps_chain_block_facts *f)
{
    if (f->announced_version) return f->announced_version;
    if (f->schedule_version != parent->schedule_version) return 0;
    return parent->pending_version;
}

uint32_t cps_chain_block_facts_parent_pending(const cps_chain_block_facts *parent,
                                              const cps_chain_block_facts *f,
                                              uint32_t f_pending)
{
    if (f->schedule_version != parent->schedule_version) return f->schedule_version;
    if (f->announced_version) return 0;
    return f_pending;
}

/* ---- id index ---------------------------------------------------------------------------- */

/* Bytes 0..3 of an id are the block number; the rest is hash output, so any 8 of them spread. */
static uint32_t id_hash(const cps_checksum256 *id)
{
    return (uint32_t)(cps_load_u64(id->b + 8) ^ (cps_load_u64(id->b + 16) >> 7));
}

static int32_t find(const cps_chain_fork_db *db, const cps_checksum256 *id)
{
    for (uint32_t i = id_hash(id) & db->table_mask;; i = (i + 1) & db->table_mask) {
        int32_t s = db->table[i];
        if (s < 0) return -1;
        if (memcmp(db->nodes[s].e.facts.id.b, id->b, 32) == 0) return s;
    }
}

static void table_insert(cps_chain_fork_db *db, int32_t slot)
{
    uint32_t i = id_hash(&db->nodes[slot].e.facts.id) & db->table_mask;
    while (db->table[i] >= 0)
        i = (i + 1) & db->table_mask;
    db->table[i] = slot;
}

/* Rebuilds the index from the used slots: after removals (simpler than tombstones, and removals
 * come once per irreversible block at most) and after the slot array grows. */
static int table_rebuild(cps_chain_fork_db *db, uint32_t want_slots)
{
    uint32_t cap = 16;
    while (cap < want_slots * 2)
        cap <<= 1;
    if (cap - 1 != db->table_mask || !db->table) {
        int32_t *t = malloc(sizeof *t * cap);
        if (!t) return cps_fail(CPS_ERR_NOMEM, "fork db index of %u slots", cap);
        free(db->table);
        db->table = t;
        db->table_mask = cap - 1;
    }
    memset(db->table, 0xff, sizeof *db->table * (db->table_mask + 1));
    for (uint32_t s = 0; s < db->node_cap; s++)
        if (db->nodes[s].used) table_insert(db, (int32_t)s);
    return 0;
}

/* ---- slots --------------------------------------------------------------------------------- */

static int grow(cps_chain_fork_db *db)
{
    uint32_t cap = db->node_cap ? db->node_cap * 2 : 64;
    if (cap > db->max_entries) cap = db->max_entries;
    node *n = realloc(db->nodes, sizeof *n * cap);
    if (!n) return cps_fail(CPS_ERR_NOMEM, "fork db of %u entries", cap);
    db->nodes = n;
    for (uint32_t s = cap; s-- > db->node_cap;) {
        memset(&n[s], 0, sizeof n[s]);
        n[s].next_sibling = db->free_head;
        db->free_head = (int32_t)s;
    }
    db->node_cap = cap;
    return table_rebuild(db, cap);
}

static void release(cps_chain_fork_db *db, int32_t s)
{
    node *n = &db->nodes[s];
    if (n->e.user && db->release_user) db->release_user(db->release_ctx, n->e.user);
    free(n->block_copy);
    memset(n, 0, sizeof *n);
    n->next_sibling = db->free_head;
    db->free_head = s;
    db->count--;
}

/* ---- fork choice ----------------------------------------------------------------------------- */

/* >0 if a is the better head (docs: best_qc_slot, then block_num, then the lower id). */
static int compare_heads(const node *a, const node *b)
{
    if (a->e.best_qc_slot != b->e.best_qc_slot)
        return a->e.best_qc_slot > b->e.best_qc_slot ? 1 : -1;
    if (a->e.facts.block_num != b->e.facts.block_num)
        return a->e.facts.block_num > b->e.facts.block_num ? 1 : -1;
    return -memcmp(a->e.facts.id.b, b->e.facts.id.b, 32);
}

static void recompute_best(cps_chain_fork_db *db)
{
    int32_t best = db->root;
    for (uint32_t s = 0; s < db->node_cap; s++)
        if (db->nodes[s].used && compare_heads(&db->nodes[s], &db->nodes[best]) > 0)
            best = (int32_t)s;
    db->best = best;
}

/* Calls visit on `from` and every descendant, without recursion (the depth is bounded only by
 * max_depth, far beyond a safe C stack). Returns the number visited, or -1 on out of memory. */
static long walk_subtree(cps_chain_fork_db *db, int32_t from,
                         void (*visit)(cps_chain_fork_db *, int32_t, void *), void *ctx)
{
    int32_t *stack = malloc(sizeof *stack * (db->count + 1));
    if (!stack) return -1;
    long visited = 0;
    size_t top = 0;
    stack[top++] = from;
    while (top) {
        int32_t s = stack[--top];
        /* read the children before visiting: a visit may free s */
        for (int32_t c = db->nodes[s].first_child; c >= 0; c = db->nodes[c].next_sibling)
            stack[top++] = c;
        visit(db, s, ctx);
        visited++;
    }
    free(stack);
    return visited;
}

static void raise_qc_slot(cps_chain_fork_db *db, int32_t s, void *ctx)
{
    uint32_t slot = *(const uint32_t *)ctx;
    if (db->nodes[s].e.best_qc_slot < slot) db->nodes[s].e.best_qc_slot = slot;
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

int cps_chain_fork_db_open(const cps_chain_block_facts *root, const cps_chain_fork_db_options *opt,
                           cps_chain_fork_db **out)
{
    *out = NULL;
    if (!root) return cps_fail(CPS_ERR_INVALID_ARG, "fork db: no root");
    if (root->block_num != cps_abi_block_num_from_id(&root->id))
        return cps_fail(CPS_ERR_INVALID_ARG, "fork db root: num %u but its id carries %u",
                        root->block_num, cps_abi_block_num_from_id(&root->id));
    cps_chain_fork_db_options o = {0};
    if (opt) o = *opt;
    if (!o.max_entries) o.max_entries = CPS_CHAIN_FORK_DB_DEFAULT_MAX_ENTRIES;
    if (!o.max_depth) o.max_depth = CPS_CHAIN_FORK_DB_DEFAULT_MAX_DEPTH;
    if (o.max_entries < 2 || o.max_entries > CPS_CHAIN_FORK_DB_MAX_ENTRIES_LIMIT)
        return cps_fail(CPS_ERR_INVALID_ARG, "fork db: max_entries %u outside 2..%u", o.max_entries,
                        CPS_CHAIN_FORK_DB_MAX_ENTRIES_LIMIT);
    cps_chain_fork_db *db = calloc(1, sizeof *db);
    if (!db) return cps_fail(CPS_ERR_NOMEM, "fork db");
    db->free_head = -1;
    db->max_entries = o.max_entries;
    db->max_depth = o.max_depth;
    db->release_user = o.release_user;
    db->release_ctx = o.release_ctx;
    int rc = grow(db);
    if (rc) {
        cps_chain_fork_db_close(db);
        return rc;
    }
    int32_t s = db->free_head;
    db->free_head = db->nodes[s].next_sibling;
    node *n = &db->nodes[s];
    memset(n, 0, sizeof *n);
    n->used = true;
    n->parent = n->first_child = n->next_sibling = -1;
    n->e.facts = *root;
    n->e.qc = true; /* final, hence certified as far as fork choice goes */
    n->e.best_qc_slot = root->timestamp;
    n->e.claim_num = claim_num_of(root, 0);
    db->count = 1;
    db->root = db->best = s;
    table_insert(db, s);
    *out = db;
    return 0;
}

void cps_chain_fork_db_close(cps_chain_fork_db *db)
{
    if (!db) return;
    for (uint32_t s = 0; s < db->node_cap; s++)
        if (db->nodes[s].used) release(db, (int32_t)s);
    free(db->nodes);
    free(db->table);
    free(db);
}

/* ---- adding ------------------------------------------------------------------------------- */

int cps_chain_fork_db_add(cps_chain_fork_db *db, const cps_chain_block_facts *f,
                          const uint8_t *block, size_t block_size,
                          const cps_chain_fork_entry **entry)
{
    if (entry) *entry = NULL;
    const node *root = &db->nodes[db->root];
    if (f->block_num != cps_abi_block_num_from_id(&f->id))
        return cps_fail(CPS_ERR_BLOCK, "block %u: its id carries number %u", f->block_num,
                        cps_abi_block_num_from_id(&f->id));
    if (find(db, &f->id) >= 0)
        return cps_fail(CPS_ERR_EXISTS, "block %u already in the fork db", f->block_num);
    if (f->block_num <= root->e.facts.block_num)
        return cps_fail(CPS_ERR_STATE, "block %u is at or below the last irreversible block %u",
                        f->block_num, root->e.facts.block_num);
    int32_t p = find(db, &f->previous);
    if (p < 0)
        return cps_fail(CPS_ERR_NOT_FOUND, "block %u does not link: previous %u unknown",
                        f->block_num, cps_abi_block_num_from_id(&f->previous));
    const node *parent = &db->nodes[p];
    if (f->block_num != parent->e.facts.block_num + 1)
        return cps_fail(CPS_ERR_BLOCK, "block %u follows block %u", f->block_num,
                        parent->e.facts.block_num);
    if (f->timestamp <= parent->e.facts.timestamp)
        return cps_fail(CPS_ERR_BLOCK, "block %u: slot %u is not after its parent's %u",
                        f->block_num, f->timestamp, parent->e.facts.timestamp);
    if (f->block_num - root->e.facts.block_num > db->max_depth)
        return cps_fail(CPS_ERR_LIMIT,
                        "block %u is %u blocks beyond the last irreversible block (max %u)",
                        f->block_num, f->block_num - root->e.facts.block_num, db->max_depth);
    if (db->count >= db->max_entries)
        return cps_fail(CPS_ERR_LIMIT, "fork db holds its maximum of %u blocks", db->max_entries);
    uint8_t *copy = NULL;
    if (block) {
        copy = malloc(block_size ? block_size : 1);
        if (!copy) return cps_fail(CPS_ERR_NOMEM, "copy of block %u", f->block_num);
        memcpy(copy, block, block_size);
    }
    if (db->free_head < 0) {
        int rc = grow(db);
        if (rc) {
            free(copy);
            return rc;
        }
        p = find(db, &f->previous); /* slots moved */
    }
    int32_t s = db->free_head;
    node *n = &db->nodes[s];
    db->free_head = n->next_sibling;
    memset(n, 0, sizeof *n);
    n->used = true;
    n->e.facts = *f;
    n->e.facts.pending_version = cps_chain_block_facts_pending(&db->nodes[p].e.facts, f);
    n->block_copy = copy;
    n->e.block = copy;
    n->e.block_size = copy ? block_size : 0;
    n->e.best_qc_slot = db->nodes[p].e.best_qc_slot;
    n->e.claim_num = claim_num_of(f, db->nodes[p].e.claim_num);
    n->parent = p;
    n->first_child = -1;
    n->next_sibling = db->nodes[p].first_child;
    db->nodes[p].first_child = s;
    db->count++;
    table_insert(db, s);
    if (compare_heads(n, &db->nodes[db->best]) > 0) db->best = s;
    if (entry) *entry = &n->e;
    return 0;
}

int cps_chain_fork_db_add_block(cps_chain_fork_db *db, const uint8_t *raw, size_t n,
                                const cps_chain_fork_entry **entry)
{
    if (entry) *entry = NULL;
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block blk;
    cps_chain_block_facts f;
    int rc = cps_abi_signed_block_decode(raw, n, &a, &blk);
    if (!rc) rc = cps_chain_block_facts_from_header(&blk.signed_header.header, &f);
    cps_abi_arena_free(&a);
    if (rc) return rc;
    return cps_chain_fork_db_add(db, &f, raw, n, entry);
}

typedef struct rebuild_item {
    cps_chain_block_facts f;
    size_t index;
} rebuild_item;

static int by_num(const void *a, const void *b)
{
    const rebuild_item *x = a, *y = b;
    if (x->f.block_num != y->f.block_num) return x->f.block_num < y->f.block_num ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int cps_chain_fork_db_rebuild(cps_chain_fork_db *db, const cps_bytes *blocks, size_t count,
                              size_t *skipped)
{
    if (skipped) *skipped = 0;
    if (!count) return 0;
    rebuild_item *items = calloc(count, sizeof *items);
    if (!items) return cps_fail(CPS_ERR_NOMEM, "fork db rebuild of %zu blocks", count);
    cps_arena a;
    cps_abi_arena_init(&a);
    int rc = 0;
    for (size_t i = 0; i < count && !rc; i++) {
        cps_signed_block blk;
        rc = cps_abi_signed_block_decode(blocks[i].data, blocks[i].size, &a, &blk);
        if (!rc) rc = cps_chain_block_facts_from_header(&blk.signed_header.header, &items[i].f);
        if (rc) cps_fail_prefix(rc, "reversible block %zu", i);
        items[i].index = i;
        cps_abi_arena_reset(&a);
    }
    cps_abi_arena_free(&a);
    if (!rc) qsort(items, count, sizeof *items, by_num);
    for (size_t i = 0; i < count && !rc; i++) {
        const cps_bytes *b = &blocks[items[i].index];
        rc = cps_chain_fork_db_add(db, &items[i].f, b->data, b->size, NULL);
        if (rc == CPS_ERR_STATE || rc == CPS_ERR_NOT_FOUND || rc == CPS_ERR_EXISTS) {
            if (skipped) (*skipped)++;
            rc = 0;
        }
    }
    free(items);
    return rc;
}

/* ---- queries ------------------------------------------------------------------------------- */

const cps_chain_fork_entry *cps_chain_fork_db_get(const cps_chain_fork_db *db,
                                                  const cps_checksum256 *id)
{
    int32_t s = find(db, id);
    return s < 0 ? NULL : &db->nodes[s].e;
}

const cps_chain_fork_entry *cps_chain_fork_db_root(const cps_chain_fork_db *db)
{
    return &db->nodes[db->root].e;
}

const cps_chain_fork_entry *cps_chain_fork_db_best_head(const cps_chain_fork_db *db)
{
    return &db->nodes[db->best].e;
}

size_t cps_chain_fork_db_size(const cps_chain_fork_db *db)
{
    return db->count;
}

static int by_id(const void *a, const void *b)
{
    const cps_chain_fork_entry *const *x = a, *const *y = b;
    return memcmp((*x)->facts.id.b, (*y)->facts.id.b, 32);
}

/* Writes the first cap matches sorted by id: all matches are collected first so that which
 * ones fit does not depend on slot order. */
static size_t sorted_out(const cps_chain_fork_entry **all, size_t n,
                         const cps_chain_fork_entry **out, size_t cap)
{
    qsort(all, n, sizeof *all, by_id);
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = all[i];
    return n;
}

size_t cps_chain_fork_db_children(const cps_chain_fork_db *db, const cps_checksum256 *id,
                                  const cps_chain_fork_entry **out, size_t cap)
{
    int32_t s = find(db, id);
    if (s < 0) return 0;
    size_t n = 0;
    for (int32_t c = db->nodes[s].first_child; c >= 0; c = db->nodes[c].next_sibling)
        n++;
    if (!n || !cap) return n;
    const cps_chain_fork_entry **all = malloc(sizeof *all * n);
    if (!all) return 0;
    n = 0;
    for (int32_t c = db->nodes[s].first_child; c >= 0; c = db->nodes[c].next_sibling)
        all[n++] = &db->nodes[c].e;
    n = sorted_out(all, n, out, cap);
    free(all);
    return n;
}

/* Entries matching (by block_num or by timestamp) a value, sorted by id. */
static size_t select_entries(const cps_chain_fork_db *db, bool by_slot, uint32_t value,
                             const cps_chain_fork_entry **out, size_t cap)
{
    size_t n = 0;
    for (uint32_t s = 0; s < db->node_cap; s++) {
        const node *x = &db->nodes[s];
        if (x->used && (by_slot ? x->e.facts.timestamp : x->e.facts.block_num) == value) n++;
    }
    if (!n || !cap) return n;
    const cps_chain_fork_entry **all = malloc(sizeof *all * n);
    if (!all) return 0;
    n = 0;
    for (uint32_t s = 0; s < db->node_cap; s++) {
        const node *x = &db->nodes[s];
        if (x->used && (by_slot ? x->e.facts.timestamp : x->e.facts.block_num) == value)
            all[n++] = &x->e;
    }
    n = sorted_out(all, n, out, cap);
    free(all);
    return n;
}

size_t cps_chain_fork_db_at_num(const cps_chain_fork_db *db, uint32_t num,
                                const cps_chain_fork_entry **out, size_t cap)
{
    return select_entries(db, false, num, out, cap);
}

size_t cps_chain_fork_db_at_slot(const cps_chain_fork_db *db, uint32_t slot,
                                 const cps_chain_fork_entry **out, size_t cap)
{
    return select_entries(db, true, slot, out, cap);
}

bool cps_chain_fork_db_extends(const cps_chain_fork_db *db, const cps_checksum256 *descendant,
                               const cps_checksum256 *ancestor)
{
    int32_t s = find(db, descendant);
    int32_t target = find(db, ancestor);
    if (s < 0 || target < 0) return false;
    uint32_t target_num = db->nodes[target].e.facts.block_num;
    while (s >= 0 && db->nodes[s].e.facts.block_num > target_num)
        s = db->nodes[s].parent;
    return s == target;
}

/* ---- branches ------------------------------------------------------------------------------ */

int cps_chain_fork_db_branches(const cps_chain_fork_db *db, const cps_checksum256 *a,
                               const cps_checksum256 *b, cps_chain_fork_branches *out)
{
    memset(out, 0, sizeof *out);
    int32_t x = find(db, a), y = find(db, b);
    if (x < 0 || y < 0)
        return cps_fail(CPS_ERR_NOT_FOUND, "branches: block %u not in the fork db",
                        cps_abi_block_num_from_id(x < 0 ? a : b));
    uint32_t xn = db->nodes[x].e.facts.block_num, yn = db->nodes[y].e.facts.block_num;
    /* Every entry descends from the root, so the fork point is at or above it. */
    uint32_t root_num = db->nodes[db->root].e.facts.block_num;
    out->a_path = malloc(sizeof *out->a_path * (xn - root_num + 1));
    out->b_path = malloc(sizeof *out->b_path * (yn - root_num + 1));
    if (!out->a_path || !out->b_path) {
        cps_chain_fork_branches_free(out);
        return cps_fail(CPS_ERR_NOMEM, "branches");
    }
    while (xn > yn) {
        out->a_path[out->a_count++] = db->nodes[x].e.facts.id;
        x = db->nodes[x].parent;
        xn--;
    }
    while (yn > xn) {
        out->b_path[out->b_count++] = db->nodes[y].e.facts.id;
        y = db->nodes[y].parent;
        yn--;
    }
    while (x != y) {
        out->a_path[out->a_count++] = db->nodes[x].e.facts.id;
        out->b_path[out->b_count++] = db->nodes[y].e.facts.id;
        x = db->nodes[x].parent;
        y = db->nodes[y].parent;
    }
    out->fork_point = db->nodes[x].e.facts.id;
    out->fork_point_num = db->nodes[x].e.facts.block_num;
    return 0;
}

void cps_chain_fork_branches_free(cps_chain_fork_branches *br)
{
    free(br->a_path);
    free(br->b_path);
    memset(br, 0, sizeof *br);
}

/* ---- finality facts ------------------------------------------------------------------------ */

int cps_chain_fork_db_mark_qc(cps_chain_fork_db *db, const cps_checksum256 *id)
{
    int32_t s = find(db, id);
    if (s < 0)
        return cps_fail(CPS_ERR_NOT_FOUND, "mark QC: block %u not in the fork db",
                        cps_abi_block_num_from_id(id));
    if (db->nodes[s].e.qc) return 0;
    db->nodes[s].e.qc = true;
    uint32_t slot = db->nodes[s].e.facts.timestamp;
    if (walk_subtree(db, s, raise_qc_slot, &slot) < 0) return cps_fail(CPS_ERR_NOMEM, "mark QC");
    recompute_best(db);
    return 0;
}

int cps_chain_fork_db_set_user(cps_chain_fork_db *db, const cps_checksum256 *id, void *user)
{
    int32_t s = find(db, id);
    if (s < 0)
        return cps_fail(CPS_ERR_NOT_FOUND, "block %u not in the fork db",
                        cps_abi_block_num_from_id(id));
    void *old = db->nodes[s].e.user;
    db->nodes[s].e.user = user;
    if (old && old != user && db->release_user) db->release_user(db->release_ctx, old);
    return 0;
}

/* ---- pruning ------------------------------------------------------------------------------- */

static void mark_keep(cps_chain_fork_db *db, int32_t s, void *ctx)
{
    (void)db;
    ((uint8_t *)ctx)[s] = 1;
}

static void free_visit(cps_chain_fork_db *db, int32_t s, void *ctx)
{
    (void)ctx;
    release(db, s);
}

static void unlink_child(cps_chain_fork_db *db, int32_t s)
{
    int32_t p = db->nodes[s].parent;
    if (p < 0) return;
    int32_t *link = &db->nodes[p].first_child;
    while (*link != s)
        link = &db->nodes[*link].next_sibling;
    *link = db->nodes[s].next_sibling;
}

int cps_chain_fork_db_advance_root(cps_chain_fork_db *db, const cps_checksum256 *id,
                                   cps_checksum256 **newly_final, size_t *count)
{
    if (newly_final) *newly_final = NULL;
    if (count) *count = 0;
    int32_t s = find(db, id);
    if (s < 0)
        return cps_fail(CPS_ERR_NOT_FOUND, "advance root: block %u not in the fork db",
                        cps_abi_block_num_from_id(id));
    if (s == db->root) return 0;
    uint32_t n = db->nodes[s].e.facts.block_num - db->nodes[db->root].e.facts.block_num;
    uint8_t *keep = calloc(db->node_cap, 1);
    cps_checksum256 *ids = newly_final ? malloc(sizeof *ids * n) : NULL;
    if (!keep || (newly_final && !ids)) {
        free(keep);
        free(ids);
        return cps_fail(CPS_ERR_NOMEM, "advance root");
    }
    if (walk_subtree(db, s, mark_keep, keep) < 0) {
        free(keep);
        free(ids);
        return cps_fail(CPS_ERR_NOMEM, "advance root");
    }
    if (ids) {
        int32_t c = s;
        for (uint32_t i = n; i-- > 0; c = db->nodes[c].parent)
            ids[i] = db->nodes[c].e.facts.id;
    }
    unlink_child(db, s);
    db->nodes[s].parent = -1;
    db->nodes[s].next_sibling = -1;
    for (uint32_t i = 0; i < db->node_cap; i++)
        if (db->nodes[i].used && !keep[i]) release(db, (int32_t)i);
    free(keep);
    db->root = s;
    db->nodes[s].e.qc = true;
    uint32_t slot = db->nodes[s].e.facts.timestamp;
    int rc = table_rebuild(db, db->node_cap);
    if (!rc && walk_subtree(db, s, raise_qc_slot, &slot) < 0)
        rc = cps_fail(CPS_ERR_NOMEM, "advance root");
    recompute_best(db);
    if (rc) {
        free(ids);
        return rc;
    }
    if (newly_final) *newly_final = ids;
    if (count) *count = n;
    return 0;
}

int cps_chain_fork_db_remove(cps_chain_fork_db *db, const cps_checksum256 *id)
{
    int32_t s = find(db, id);
    if (s < 0)
        return cps_fail(CPS_ERR_NOT_FOUND, "remove: block %u not in the fork db",
                        cps_abi_block_num_from_id(id));
    if (s == db->root)
        return cps_fail(CPS_ERR_INVALID_ARG, "remove: block %u is the root",
                        cps_abi_block_num_from_id(id));
    unlink_child(db, s);
    if (walk_subtree(db, s, free_visit, NULL) < 0) return cps_fail(CPS_ERR_NOMEM, "remove");
    int rc = table_rebuild(db, db->node_cap);
    recompute_best(db);
    return rc;
}
