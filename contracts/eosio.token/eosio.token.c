/* eosio.token in C: EOSIO's reference token contract (eosio.contracts 1.9) with the same actions,
 * arguments, tables, checks, error messages, notifications and RAM payers, so wallets, explorers
 * and eosio.system see no difference. Actions: create, issue, retire, transfer, open, close. */
#include "eosio.token.h"

#define CREATE_FIELDS(X) X(issuer, name) X(maximum_supply, asset)
CPS_ABI_STRUCT(create, CREATE_FIELDS)

#define ISSUE_FIELDS(X) X(to, name) X(quantity, asset) X(memo, string)
CPS_ABI_STRUCT(issue, ISSUE_FIELDS)

#define RETIRE_FIELDS(X) X(quantity, asset) X(memo, string)
CPS_ABI_STRUCT(retire, RETIRE_FIELDS)

#define TRANSFER_FIELDS(X) X(from, name) X(to, name) X(quantity, asset) X(memo, string)
CPS_ABI_STRUCT(transfer, TRANSFER_FIELDS)

#define OPEN_FIELDS(X) X(owner, name) X(symbol, symbol) X(ram_payer, name)
CPS_ABI_STRUCT(open, OPEN_FIELDS)

#define CLOSE_FIELDS(X) X(owner, name) X(symbol, symbol)
CPS_ABI_STRUCT(close, CLOSE_FIELDS)

/* Longest memo accepted, in bytes. */
#define MAX_MEMO_SIZE 256

/* Both row types are fixed-size and their C layout is their wire layout (little-endian int64 /
 * uint64 fields, no padding), so the hot actions (transfer, issue, retire) read and write them
 * with the db intrinsics directly instead of through the generic table layer: no heap buffer,
 * no (un)packing through function pointers, no re-read of the row to learn its key. Every check
 * the table layer would make either holds by construction here (the code is the running
 * contract, the key cannot change) or is kept below with the same message. Each wasm
 * instruction is metered, and this is most of a transfer's cost (docs/performance.md). */
_Static_assert(sizeof(account_t) == 16, "account row is one asset on the wire");
_Static_assert(sizeof(currency_stats_t) == 40, "currency_stats row is two assets and a name");

/* Reads a fixed-size row; a shorter one is refused with the datastream's message, as unpacking
 * it would be. */
static void read_row(int32_t itr, void *row, uint32_t size)
{
    if (db_get_i64(itr, row, size) < (int32_t)size) cps_ds__read_overflow();
}

/* The stat row of a symbol code (scope and key are both the code), or aborts with `msg`. */
static int32_t get_stats(cps_name self, cps_symbol_code code, currency_stats_t *st,
                         const char *msg)
{
    int32_t itr = db_find_i64(self, code, stat_table.name, code);
    check(itr >= 0, msg);
    read_row(itr, st, sizeof *st);
    return itr;
}

static void sub_balance(cps_name self, cps_name owner, cps_asset value)
{
    int32_t itr = db_find_i64(self, owner, accounts_table.name, cps_symbol_code_of(value.symbol));
    check(itr >= 0, "no balance object found");
    account_t from;
    read_row(itr, &from, sizeof from);
    check(from.balance.amount >= value.amount, "overdrawn balance");
    from.balance = cps_asset_sub(from.balance, value);
    /* The owner pays for their own row from now on (as in the reference contract). */
    db_update_i64(itr, owner, &from, sizeof from);
}

static void add_balance(cps_name self, cps_name owner, cps_asset value, cps_name ram_payer)
{
    cps_symbol_code code = cps_symbol_code_of(value.symbol);
    int32_t itr = db_find_i64(self, owner, accounts_table.name, code);
    account_t to;
    if (itr < 0) {
        to.balance = value;
        db_store_i64(owner, accounts_table.name, ram_payer, code, &to, sizeof to);
    } else {
        read_row(itr, &to, sizeof to);
        to.balance = cps_asset_add(to.balance, value);
        db_update_i64(itr, 0, &to, sizeof to);
    }
}

static void token_create(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const create_t *a = args;
    require_auth(self);

    cps_symbol sym = a->maximum_supply.symbol;
    check(cps_symbol_is_valid(sym), "invalid symbol name");
    check(cps_asset_is_valid(a->maximum_supply), "invalid supply");
    check(a->maximum_supply.amount > 0, "max-supply must be positive");

    cps_table stats = cps_table_open(&stat_table, self, cps_symbol_code_of(sym));
    check(cps_table_find(&stats, cps_symbol_code_of(sym)) < 0, "token with symbol already exists");

    currency_stats_t st;
    st.supply = cps_asset_make(0, a->maximum_supply.symbol);
    st.max_supply = a->maximum_supply;
    st.issuer = a->issuer;
    cps_table_emplace(&stats, self, &st);
}

static void token_issue(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const issue_t *a = args;
    cps_symbol sym = a->quantity.symbol;
    check(cps_symbol_is_valid(sym), "invalid symbol name");
    check(a->memo.size <= MAX_MEMO_SIZE, "memo has more than 256 bytes");

    currency_stats_t st;
    int32_t itr = get_stats(self, cps_symbol_code_of(sym), &st,
                            "token with symbol does not exist, create token before issue");
    check(a->to == st.issuer, "tokens can only be issued to issuer account");

    require_auth(st.issuer);
    check(cps_asset_is_valid(a->quantity), "invalid quantity");
    check(a->quantity.amount > 0, "must issue positive quantity");

    check(a->quantity.symbol == st.supply.symbol, "symbol precision mismatch");
    check(a->quantity.amount <= st.max_supply.amount - st.supply.amount,
          "quantity exceeds available supply");

    st.supply = cps_asset_add(st.supply, a->quantity);
    db_update_i64(itr, 0, &st, sizeof st);

    add_balance(self, st.issuer, a->quantity, st.issuer);
}

static void token_retire(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const retire_t *a = args;
    cps_symbol sym = a->quantity.symbol;
    check(cps_symbol_is_valid(sym), "invalid symbol name");
    check(a->memo.size <= MAX_MEMO_SIZE, "memo has more than 256 bytes");

    currency_stats_t st;
    int32_t itr = get_stats(self, cps_symbol_code_of(sym), &st, "token with symbol does not exist");

    require_auth(st.issuer);
    check(cps_asset_is_valid(a->quantity), "invalid quantity");
    check(a->quantity.amount > 0, "must retire positive quantity");

    check(a->quantity.symbol == st.supply.symbol, "symbol precision mismatch");

    st.supply = cps_asset_sub(st.supply, a->quantity);
    db_update_i64(itr, 0, &st, sizeof st);

    sub_balance(self, st.issuer, a->quantity);
}

static void token_transfer(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const transfer_t *a = args;
    check(a->from != a->to, "cannot transfer to self");
    require_auth(a->from);
    check(is_account(a->to), "to account does not exist");
    currency_stats_t st;
    get_stats(self, cps_symbol_code_of(a->quantity.symbol), &st, "unable to find key");

    require_recipient(a->from);
    require_recipient(a->to);

    check(cps_asset_is_valid(a->quantity), "invalid quantity");
    check(a->quantity.amount > 0, "must transfer positive quantity");
    check(a->quantity.symbol == st.supply.symbol, "symbol precision mismatch");
    check(a->memo.size <= MAX_MEMO_SIZE, "memo has more than 256 bytes");

    /* The recipient pays for a new balance row only if they signed too. */
    cps_name payer = has_auth(a->to) ? a->to : a->from;

    sub_balance(self, a->from, a->quantity);
    add_balance(self, a->to, a->quantity, payer);
}

static void token_open(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const open_t *a = args;
    require_auth(a->ram_payer);

    check(is_account(a->owner), "owner account does not exist");

    cps_symbol_code sym_code = cps_symbol_code_of(a->symbol);
    cps_table stats = cps_table_open(&stat_table, self, sym_code);
    currency_stats_t st;
    cps_table_get(&stats, sym_code, &st, "symbol does not exist");
    check(st.supply.symbol == a->symbol, "symbol precision mismatch");

    cps_table balances = cps_table_open(&accounts_table, self, a->owner);
    if (cps_table_find(&balances, sym_code) < 0) {
        account_t row;
        row.balance = cps_asset_make(0, a->symbol);
        cps_table_emplace(&balances, a->ram_payer, &row);
    }
}

static void token_close(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const close_t *a = args;
    require_auth(a->owner);
    cps_table balances = cps_table_open(&accounts_table, self, a->owner);
    int32_t itr = cps_table_find(&balances, cps_symbol_code_of(a->symbol));
    check(itr >= 0, "Balance row already deleted or never existed. Action won't have any effect.");
    account_t row;
    cps_table_load(&balances, itr, &row);
    check(row.balance.amount == 0, "Cannot close because the balance is not zero.");
    cps_table_erase(&balances, itr);
}

static const cps_action_def token_actions[] = {
    CPS_ACTION(create, create, token_create), CPS_ACTION(issue, issue, token_issue),
    CPS_ACTION(retire, retire, token_retire), CPS_ACTION(transfer, transfer, token_transfer),
    CPS_ACTION(open, open, token_open),       CPS_ACTION(close, close, token_close),
};
CPS_CONTRACT(token_actions)
