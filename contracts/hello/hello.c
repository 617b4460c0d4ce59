/* hello: the contract of docs/contracts.md's first steps. `hi(user)` needs user's authority and
 * greets them; `count(user)` also remembers how many times each user said hi. */
#include "cps/sdk.h"

/* Action arguments and table rows: one field list each, shared with hello.abi (abi.test.sh). */
#define HI_FIELDS(X) X(user, name)
CPS_ABI_STRUCT(hi, HI_FIELDS)

#define GREETING_FIELDS(X) X(user, name) X(count, uint64)
CPS_ABI_STRUCT(greeting, GREETING_FIELDS)

static uint64_t greeting_key(const void *row)
{
    return ((const greeting_t *)row)->user;
}
CPS_TABLE(greetings, greeting, greeting_key);

static void on_hi(cps_name self, cps_name code, const void *args)
{
    (void)self;
    (void)code;
    const hi_t *hi = args;
    require_auth(hi->user);
    prints("hello, ");
    printn(hi->user);
}

static void on_count(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const hi_t *hi = args;
    require_auth(hi->user);

    /* One table per contract, scope = the contract itself; the user pays for their row. */
    cps_table greetings = cps_table_open(&greetings_table, self, self);
    greeting_t row;
    int32_t itr = cps_table_find(&greetings, hi->user);
    if (itr < 0) {
        row.user = hi->user;
        row.count = 1;
        cps_table_emplace(&greetings, hi->user, &row);
    } else {
        cps_table_load(&greetings, itr, &row);
        check(row.count < UINT64_MAX, "too many greetings");
        row.count++;
        cps_table_modify(&greetings, itr, 0, &row);
    }
    prints("greetings from ");
    printn(hi->user);
    prints(": ");
    printui(row.count);
}

static const cps_action_def hello_actions[] = {
    CPS_ACTION(hi, hi, on_hi),
    CPS_ACTION(count, hi, on_count),
};
CPS_CONTRACT(hello_actions)
