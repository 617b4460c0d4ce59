/* eosio.token in C: the table layouts of EOSIO's reference token contract, shared by the contract
 * itself and by other C contracts that read balances and supplies (as eosio.system does).
 *
 *   table "accounts"  scope = owner,        key = symbol code   row: account { asset balance }
 *   table "stat"      scope = symbol code,  key = symbol code   row: currency_stats { asset supply,
 *                                                                    asset max_supply, name issuer
 * } */
#ifndef CPS_CONTRACT_EOSIO_TOKEN_H
#define CPS_CONTRACT_EOSIO_TOKEN_H

#include "cps/sdk.h"

#define ACCOUNT_FIELDS(X) X(balance, asset)
CPS_ABI_STRUCT(account, ACCOUNT_FIELDS)

#define CURRENCY_STATS_FIELDS(X) X(supply, asset) X(max_supply, asset) X(issuer, name)
CPS_ABI_STRUCT(currency_stats, CURRENCY_STATS_FIELDS)

static inline uint64_t token_account_key(const void *row)
{
    return cps_symbol_code_of(((const account_t *)row)->balance.symbol);
}
static inline uint64_t token_stats_key(const void *row)
{
    return cps_symbol_code_of(((const currency_stats_t *)row)->supply.symbol);
}

CPS_TABLE(accounts, account, token_account_key);
CPS_TABLE(stat, currency_stats, token_stats_key);

/* Current supply of a token of `token_contract`; aborts with "unable to find key" if the token
 * was never created. */
static inline cps_asset token_get_supply(cps_name token_contract, cps_symbol_code code)
{
    cps_table stats = cps_table_open(&stat_table, token_contract, code);
    currency_stats_t st;
    cps_table_get(&stats, code, &st, NULL);
    return st.supply;
}

/* Balance of `owner`; aborts with "unable to find key" if owner has no balance row. */
static inline cps_asset token_get_balance(cps_name token_contract, cps_name owner,
                                          cps_symbol_code code)
{
    cps_table balances = cps_table_open(&accounts_table, token_contract, owner);
    account_t row;
    cps_table_get(&balances, code, &row, NULL);
    return row.balance;
}

#endif
