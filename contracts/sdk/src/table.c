/* CPS contract SDK: tables over the primary index and the secondary index families, with
 * eosio.cdt multi_index's layout, checks and messages (see cps/table.h). */
#include "cps/table.h"

/* Rows are packed in one pass into `scratch` (the caller's stack) when they fit, which is the
 * usual case; a larger row is counted on the way and packed again into a heap block. Returns
 * the bytes (scratch or heap; release with release_row) and their number in *size. */
static uint8_t *pack_row(const cps_table *t, const void *row, uint8_t *scratch,
                         uint32_t scratch_size, uint32_t *size)
{
    cps_ds out = cps_ds_probe(scratch, scratch_size);
    t->def->pack(row, &out);
    *size = out.pos;
    if (out.mode != CPS_DS_SIZE) return scratch;
    uint8_t *buffer = malloc(out.pos);
    cps_ds writer = cps_ds_writer(buffer, out.pos);
    t->def->pack(row, &writer);
    return buffer;
}

static void release_row(uint8_t *packed, const uint8_t *scratch)
{
    if (packed != scratch) free(packed);
}

/* Stack room for a packed row: every row of the CPS contracts fits (eosio.token's are 16 and
 * 40 bytes); larger ones take the heap path of pack_row. */
#define ROW_SCRATCH 256

/* Primary keys of the rows whose iterators this action has handed out (find, get, emplace,
 * next, previous), so modify and erase need not read a row back just to learn its key: what
 * eosio.cdt's multi_index gets from its object cache. An iterator names one row for the whole
 * action (the host never reuses the number, not even after an erase), and the contract's memory
 * starts zeroed for every action, so an entry cannot go stale; a slot taken by another iterator
 * is only a miss, and a miss reads the row as before. The table (name and scope) is kept too,
 * so an iterator of another table passed by mistake also takes the old path. */
#define PK_SLOTS 8
static struct {
    int32_t itr_plus_one; /* 0: empty */
    cps_name table;
    uint64_t scope;
    uint64_t primary_key;
} pk_cache[PK_SLOTS];

static void remember_pk(const cps_table *t, int32_t itr, uint64_t primary_key)
{
    if (itr < 0) return;
    uint32_t slot = (uint32_t)itr % PK_SLOTS;
    pk_cache[slot].itr_plus_one = itr + 1;
    pk_cache[slot].table = t->def->name;
    pk_cache[slot].scope = t->scope;
    pk_cache[slot].primary_key = primary_key;
}

/* `itr` must be >= 0. */
static bool known_pk(const cps_table *t, int32_t itr, uint64_t *primary_key)
{
    uint32_t slot = (uint32_t)itr % PK_SLOTS;
    if (pk_cache[slot].itr_plus_one != itr + 1 || pk_cache[slot].table != t->def->name ||
        pk_cache[slot].scope != t->scope)
        return false;
    *primary_key = pk_cache[slot].primary_key;
    return true;
}

static void forget_pk(int32_t itr)
{
    uint32_t slot = (uint32_t)itr % PK_SLOTS;
    if (pk_cache[slot].itr_plus_one == itr + 1) pk_cache[slot].itr_plus_one = 0;
}

/* The running contract does not change during an action: ask the host once. */
static cps_name receiver(void)
{
    static cps_name cached;
    if (cached == 0) cached = current_receiver();
    return cached;
}

/* Reads and unpacks the row at `itr`. The bytes stay allocated until the action ends: strings
 * and bytes in the row point into them (and key functions may read those fields). */
static void load_row(const cps_table *t, int32_t itr, void *row)
{
    int32_t size = db_get_i64(itr, NULL, 0);
    check(size >= 0, "error reading iterator");
    uint8_t *buffer = malloc((size_t)size);
    db_get_i64(itr, buffer, (uint32_t)size);
    cps_ds reader = cps_ds_reader(buffer, (uint32_t)size);
    t->def->unpack(row, &reader);
}

int32_t cps_table_find(const cps_table *t, uint64_t primary_key)
{
    int32_t itr = db_find_i64(t->code, t->scope, t->def->name, primary_key);
    remember_pk(t, itr, primary_key);
    return itr;
}

void cps_table_load(const cps_table *t, int32_t itr, void *row)
{
    check(itr >= 0, "cannot load a row from an end iterator");
    load_row(t, itr, row);
}

int32_t cps_table_get(const cps_table *t, uint64_t primary_key, void *row, const char *msg)
{
    int32_t itr = cps_table_find(t, primary_key);
    check(itr >= 0, msg ? msg : "unable to find key");
    load_row(t, itr, row);
    return itr;
}

/* ---- secondary indexes: each call goes to the index's family (cps_index_ops) ---- */

static const cps_index_ops *index_ops(const cps_table *t, uint32_t index)
{
    check(index < t->def->index_count, "no such secondary index");
    return t->def->indexes[index].ops;
}

cps_name cps_index_table_name(const cps_table *t, uint32_t index)
{
    return (t->def->name & ~(uint64_t)0x0f) | (index & 0x0f);
}

/* Computes a row's key with the union's unused bytes zeroed, so keys compare bytewise. */
static void row_key(const cps_index_def *def, const void *row, cps_index_key *key)
{
    memset(key, 0, sizeof *key);
    def->key(row, key);
}

/* Byte comparison of keys (at most 32 bytes), compiled in so that a table does not make the
 * contract import memcmp. */
static bool same_bytes(const void *a, const void *b, uint32_t size)
{
    const uint8_t *x = a, *y = b;
    for (uint32_t i = 0; i < size; i++)
        if (x[i] != y[i]) return false;
    return true;
}

int32_t cps_index_find_primary(const cps_table *t, uint32_t index, uint64_t primary_key,
                               cps_index_key *key)
{
    const cps_index_ops *ops = index_ops(t, index);
    memset(key, 0, sizeof *key);
    return ops->find_primary(t->code, t->scope, cps_index_table_name(t, index), key, primary_key);
}

int32_t cps_index_find(const cps_table *t, uint32_t index, const cps_index_key *key,
                       uint64_t *primary_key)
{
    const cps_index_ops *ops = index_ops(t, index);
    return ops->find_secondary(t->code, t->scope, cps_index_table_name(t, index), key, primary_key);
}

int32_t cps_index_lower_bound(const cps_table *t, uint32_t index, cps_index_key *key,
                              uint64_t *primary_key)
{
    const cps_index_ops *ops = index_ops(t, index);
    return ops->lower_bound(t->code, t->scope, cps_index_table_name(t, index), key, primary_key);
}

int32_t cps_index_upper_bound(const cps_table *t, uint32_t index, cps_index_key *key,
                              uint64_t *primary_key)
{
    const cps_index_ops *ops = index_ops(t, index);
    return ops->upper_bound(t->code, t->scope, cps_index_table_name(t, index), key, primary_key);
}

int32_t cps_index_next(const cps_table *t, uint32_t index, int32_t itr, uint64_t *primary_key)
{
    return index_ops(t, index)->next(itr, primary_key);
}

int32_t cps_index_prev(const cps_table *t, uint32_t index, int32_t itr, uint64_t *primary_key)
{
    return index_ops(t, index)->prev(itr, primary_key);
}

int32_t cps_index_end(const cps_table *t, uint32_t index)
{
    return index_ops(t, index)->end(t->code, t->scope, cps_index_table_name(t, index));
}

void cps_index_key_from_checksum256(const cps_checksum256 *hash, cps_index_key *key)
{
    for (int word = 0; word < 2; word++) {
        const uint8_t *b = hash->hash + 16 * word;
        uint64_t hi = 0, lo = 0;
        for (int i = 0; i < 8; i++)
            hi = (hi << 8) | b[i];
        for (int i = 8; i < 16; i++)
            lo = (lo << 8) | b[i];
        key->idx256[word].hi = hi;
        key->idx256[word].lo = lo;
    }
}

/* ---- writes ---- */

int32_t cps_table_emplace(const cps_table *t, cps_name payer, const void *row)
{
    check(t->code == receiver(), "cannot create objects in table of another contract");
    uint64_t pk = t->def->primary_key(row);
    uint8_t scratch[ROW_SCRATCH];
    uint32_t size;
    uint8_t *packed = pack_row(t, row, scratch, sizeof scratch, &size);
    int32_t itr = db_store_i64(t->scope, t->def->name, payer, pk, packed, size);
    release_row(packed, scratch);
    remember_pk(t, itr, pk);
    for (uint32_t i = 0; i < t->def->index_count; i++) {
        cps_index_key key;
        row_key(&t->def->indexes[i], row, &key);
        t->def->indexes[i].ops->store(t->scope, cps_index_table_name(t, i), payer, pk, &key);
    }
    return itr;
}

void cps_table_modify(const cps_table *t, int32_t itr, cps_name payer, const void *row)
{
    check(itr >= 0, "cannot pass end iterator to modify");
    check(t->code == receiver(), "cannot modify objects in table of another contract");
    /* The stored row gives the old primary key and old secondary keys; without secondary
     * indexes a key remembered from the lookup is enough. */
    void *old_row = NULL;
    uint64_t pk;
    if (t->def->index_count > 0 || !known_pk(t, itr, &pk)) {
        old_row = malloc(t->def->row_size);
        load_row(t, itr, old_row);
        pk = t->def->primary_key(old_row);
    }
    check(pk == t->def->primary_key(row),
          "updater cannot change primary key when modifying an object");

    uint8_t scratch[ROW_SCRATCH];
    uint32_t size;
    uint8_t *packed = pack_row(t, row, scratch, sizeof scratch, &size);
    db_update_i64(itr, payer, packed, size);
    release_row(packed, scratch);

    for (uint32_t i = 0; i < t->def->index_count; i++) {
        const cps_index_def *def = &t->def->indexes[i];
        cps_index_key old_key, new_key;
        row_key(def, old_row, &old_key);
        row_key(def, row, &new_key);
        if (same_bytes(&old_key, &new_key, def->ops->key_size)) continue;
        cps_index_key found;
        int32_t idx_itr = cps_index_find_primary(t, i, pk, &found);
        check(idx_itr >= 0, "secondary index entry of the row not found");
        def->ops->update(idx_itr, payer, &new_key);
    }
}

void cps_table_erase(const cps_table *t, int32_t itr)
{
    check(itr >= 0, "cannot pass end iterator to erase");
    check(t->code == receiver(), "cannot erase objects in table of another contract");
    uint64_t pk;
    if (!known_pk(t, itr, &pk)) {
        void *old_row = malloc(t->def->row_size);
        load_row(t, itr, old_row);
        pk = t->def->primary_key(old_row);
    }
    db_remove_i64(itr);
    forget_pk(itr);
    for (uint32_t i = 0; i < t->def->index_count; i++) {
        cps_index_key key;
        int32_t idx_itr = cps_index_find_primary(t, i, pk, &key);
        if (idx_itr >= 0) t->def->indexes[i].ops->remove(idx_itr);
    }
}

/* ---- iteration ---- */

int32_t cps_table_begin(const cps_table *t)
{
    return db_lowerbound_i64(t->code, t->scope, t->def->name, 0);
}

int32_t cps_table_end(const cps_table *t)
{
    return db_end_i64(t->code, t->scope, t->def->name);
}

int32_t cps_table_next(const cps_table *t, int32_t itr, uint64_t *primary_key)
{
    int32_t next = db_next_i64(itr, primary_key);
    if (next >= 0) remember_pk(t, next, *primary_key);
    return next;
}

int32_t cps_table_prev(const cps_table *t, int32_t itr, uint64_t *primary_key)
{
    int32_t prev = db_previous_i64(itr, primary_key);
    if (prev >= 0) remember_pk(t, prev, *primary_key);
    return prev;
}

int32_t cps_table_lower_bound(const cps_table *t, uint64_t primary_key)
{
    return db_lowerbound_i64(t->code, t->scope, t->def->name, primary_key);
}

int32_t cps_table_upper_bound(const cps_table *t, uint64_t primary_key)
{
    return db_upperbound_i64(t->code, t->scope, t->def->name, primary_key);
}

uint64_t cps_table_available_primary_key(const cps_table *t)
{
    uint64_t last = 0;
    int32_t end = cps_table_end(t);
    if (end == -1) return 0; /* the table does not exist (the host rejects previous(-1)) */
    int32_t itr = db_previous_i64(end, &last);
    if (itr < 0) return 0; /* empty table */
    check(last < UINT64_MAX - 2, "next primary key in table is at autoincrement limit");
    return last + 1;
}
