/* CPS contract SDK: tables over the primary index and the secondary index families, with
 * eosio.cdt multi_index's layout, checks and messages (see cps/table.h). */
#include "cps/table.h"

cps_table cps_table_open(const cps_table_def *def, cps_name code, uint64_t scope)
{
    /* The low 4 bits of the table name number the secondary indexes, so a 13-character name
     * would collide with them. */
    check((def->name & 0x0f) == 0,
          "multi_index does not support table names with a length greater than 12");
    check(def->index_count <= 16, "multi_index only supports a maximum of 16 secondary indices");
    cps_table t = {def, code, scope};
    return t;
}

/* Packs a row into a fresh heap block; the caller frees it (last block: free is a roll-back). */
static uint8_t *pack_row(const cps_table *t, const void *row, uint32_t *size)
{
    cps_ds sizer = cps_ds_sizer();
    t->def->pack(row, &sizer);
    uint8_t *buffer = malloc(sizer.pos);
    cps_ds writer = cps_ds_writer(buffer, sizer.pos);
    t->def->pack(row, &writer);
    *size = sizer.pos;
    return buffer;
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
    return db_find_i64(t->code, t->scope, t->def->name, primary_key);
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
    check(t->code == current_receiver(), "cannot create objects in table of another contract");
    uint64_t pk = t->def->primary_key(row);
    uint32_t size;
    uint8_t *buffer = pack_row(t, row, &size);
    int32_t itr = db_store_i64(t->scope, t->def->name, payer, pk, buffer, size);
    free(buffer);
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
    check(t->code == current_receiver(), "cannot modify objects in table of another contract");
    /* The stored row gives the old primary key and old secondary keys. */
    void *old_row = malloc(t->def->row_size);
    load_row(t, itr, old_row);
    uint64_t pk = t->def->primary_key(old_row);
    check(pk == t->def->primary_key(row),
          "updater cannot change primary key when modifying an object");

    uint32_t size;
    uint8_t *buffer = pack_row(t, row, &size);
    db_update_i64(itr, payer, buffer, size);
    free(buffer);

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
    check(t->code == current_receiver(), "cannot erase objects in table of another contract");
    void *old_row = malloc(t->def->row_size);
    load_row(t, itr, old_row);
    uint64_t pk = t->def->primary_key(old_row);
    db_remove_i64(itr);
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
    (void)t;
    return db_next_i64(itr, primary_key);
}

int32_t cps_table_prev(const cps_table *t, int32_t itr, uint64_t *primary_key)
{
    (void)t;
    return db_previous_i64(itr, primary_key);
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
