/* CPS contract SDK: the five secondary index families behind one signature (cps_index_ops), so
 * table code is written once and a contract links — and imports — only the families it uses. */
#include "cps/table.h"

/* Adapters for the families whose key is one value passed by pointer (all but idx256). */
#define ONE_WORD_FAMILY(family, field, size)                                                       \
    static int32_t family##_store(uint64_t scope, cps_name table, cps_name payer, uint64_t pk,     \
                                  const cps_index_key *key)                                        \
    {                                                                                              \
        return db_##family##_store(scope, table, payer, pk, &key->field);                          \
    }                                                                                              \
    static void family##_update(int32_t itr, cps_name payer, const cps_index_key *key)             \
    {                                                                                              \
        db_##family##_update(itr, payer, &key->field);                                             \
    }                                                                                              \
    static int32_t family##_find_primary(cps_name code, uint64_t scope, cps_name table,            \
                                         cps_index_key *key, uint64_t pk)                          \
    {                                                                                              \
        return db_##family##_find_primary(code, scope, table, &key->field, pk);                    \
    }                                                                                              \
    static int32_t family##_find_secondary(cps_name code, uint64_t scope, cps_name table,          \
                                           const cps_index_key *key, uint64_t *pk)                 \
    {                                                                                              \
        return db_##family##_find_secondary(code, scope, table, &key->field, pk);                  \
    }                                                                                              \
    static int32_t family##_lower_bound(cps_name code, uint64_t scope, cps_name table,             \
                                        cps_index_key *key, uint64_t *pk)                          \
    {                                                                                              \
        return db_##family##_lowerbound(code, scope, table, &key->field, pk);                      \
    }                                                                                              \
    static int32_t family##_upper_bound(cps_name code, uint64_t scope, cps_name table,             \
                                        cps_index_key *key, uint64_t *pk)                          \
    {                                                                                              \
        return db_##family##_upperbound(code, scope, table, &key->field, pk);                      \
    }                                                                                              \
    const cps_index_ops cps_##family##_ops = {                                                     \
        size,                                                                                      \
        family##_store,                                                                            \
        family##_update,                                                                           \
        db_##family##_remove,                                                                      \
        db_##family##_next,                                                                        \
        db_##family##_previous,                                                                    \
        family##_find_primary,                                                                     \
        family##_find_secondary,                                                                   \
        family##_lower_bound,                                                                      \
        family##_upper_bound,                                                                      \
        db_##family##_end,                                                                         \
    };

ONE_WORD_FAMILY(idx64, idx64, 8)
ONE_WORD_FAMILY(idx128, idx128, 16)
ONE_WORD_FAMILY(idx_double, idx_double, 8)
ONE_WORD_FAMILY(idx_long_double, idx_long_double, 16)

/* idx256 passes its two words with a word count. */
static int32_t idx256_store(uint64_t scope, cps_name table, cps_name payer, uint64_t pk,
                            const cps_index_key *key)
{
    return db_idx256_store(scope, table, payer, pk, key->idx256, 2);
}
static void idx256_update(int32_t itr, cps_name payer, const cps_index_key *key)
{
    db_idx256_update(itr, payer, key->idx256, 2);
}
static int32_t idx256_find_primary(cps_name code, uint64_t scope, cps_name table,
                                   cps_index_key *key, uint64_t pk)
{
    return db_idx256_find_primary(code, scope, table, key->idx256, 2, pk);
}
static int32_t idx256_find_secondary(cps_name code, uint64_t scope, cps_name table,
                                     const cps_index_key *key, uint64_t *pk)
{
    return db_idx256_find_secondary(code, scope, table, key->idx256, 2, pk);
}
static int32_t idx256_lower_bound(cps_name code, uint64_t scope, cps_name table, cps_index_key *key,
                                  uint64_t *pk)
{
    return db_idx256_lowerbound(code, scope, table, key->idx256, 2, pk);
}
static int32_t idx256_upper_bound(cps_name code, uint64_t scope, cps_name table, cps_index_key *key,
                                  uint64_t *pk)
{
    return db_idx256_upperbound(code, scope, table, key->idx256, 2, pk);
}
const cps_index_ops cps_idx256_ops = {
    32,
    idx256_store,
    idx256_update,
    db_idx256_remove,
    db_idx256_next,
    db_idx256_previous,
    idx256_find_primary,
    idx256_find_secondary,
    idx256_lower_bound,
    idx256_upper_bound,
    db_idx256_end,
};
