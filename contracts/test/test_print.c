/* test_print: the console intrinsics. The chain's console output for print() must be exactly
 * PRINT_EXPECTED below (EOSIO's formats: decimal integers, names as text, lower-case hex,
 * floats in scientific notation with 6 / 15 / 18 digits after the point).
 *
 *   print()          every print intrinsic once, separated by "|"
 *   printname(who)   printn(who)
 */
#include "cps/sdk.h"

#define PRINT_EXPECTED                                                                             \
    "text|abc|-42|42|eosio.token|01abff|-1|18446744073709551616|"                                  \
    "1.500000e+00|1.250000000000000e-01|2.500000000000000000e+00|"

CPS_ABI_EMPTY_STRUCT(empty)

static void on_print(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    prints("text");
    prints("|");
    prints_l("abcdef", 3);
    prints("|");
    printi(-42);
    prints("|");
    printui(42);
    prints("|");
    printn(N("eosio.token"));
    prints("|");
    printhex("\x01\xab\xff", 3);
    prints("|");
    cps_int128 minus_one = {UINT64_MAX, UINT64_MAX};
    printi128(&minus_one);
    prints("|");
    cps_uint128 two_to_64 = {0, 1};
    printui128(&two_to_64);
    prints("|");
    printsf(1.5f);
    prints("|");
    printdf(0.125);
    prints("|");
    long double two_and_a_half = 2.5L;
    printqf(&two_and_a_half);
    prints("|");
}

#define PRINTNAME_FIELDS(X) X(who, name)
CPS_ABI_STRUCT(printname, PRINTNAME_FIELDS)

static void on_printname(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    printn(((const printname_t *)args)->who);
}

static const cps_action_def print_actions[] = {
    CPS_ACTION(print, empty, on_print),
    CPS_ACTION(printname, printname, on_printname),
};
CPS_CONTRACT(print_actions)
