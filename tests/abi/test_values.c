/* Plain value types: names (normalization, the 13th character), symbols, assets (precision,
 * max_amount, negatives, overflow), times, 128-bit integers and float text, per EOSIO's rules. */
#include "abi/abi.h"
#include "test.h"

static int name_of(const char *s, cps_name *n)
{
    return cps_abi_name_from_string(s, strlen(s), n);
}

TEST(names_encode_as_eosio_and_print_normalized)
{
    cps_name n;
    char s[CPS_NAME_STR_MAX];
    ASSERT_OK(name_of("eosio.token", &n));
    ASSERT_U64_EQ(n, 0x5530ea033482a600ull);
    ASSERT_OK(name_of("transfer", &n));
    ASSERT_U64_EQ(n, 0xcdcd3c2d57000000ull);
    ASSERT_OK(name_of("active", &n));
    ASSERT_U64_EQ(n, 0x3232eda800000000ull);
    ASSERT_OK(name_of("", &n));
    ASSERT_U64_EQ(n, 0);
    ASSERT_EQ(cps_abi_name_to_string(0, s), 0);
    ASSERT_STR_EQ(s, "");
    /* the 13th character takes the low 4 bits */
    ASSERT_OK(name_of("............1", &n));
    ASSERT_U64_EQ(n, 1);
    ASSERT_EQ(cps_abi_name_to_string(1, s), 13);
    ASSERT_STR_EQ(s, "............1");
    ASSERT_OK(name_of("zzzzzzzzzzzzj", &n));
    ASSERT_U64_EQ(n, UINT64_MAX);
    ASSERT_OK(name_of("a.b", &n));
    cps_abi_name_to_string(n, s);
    ASSERT_STR_EQ(s, "a.b");
    ASSERT_OK(name_of(".a", &n));
    cps_abi_name_to_string(n, s);
    ASSERT_STR_EQ(s, ".a");
    ASSERT_EQ(cps_abi_name_length(cps_abi_name("eosio.token")), 11);
    ASSERT_U64_EQ(cps_abi_name("bob"), 0x3d0e000000000000ull);
}

TEST(names_reject_what_leap_rejects)
{
    cps_name n = 42;
    static const char *bad[] = {"Bob",           "eosio.",         "a.", "zzzzzzzzzzzzk",
                                "zzzzzzzzzzzzz", "aaaaaaaaaaaaaa", "a6", "a-b",
                                "a b",           "\xc3\xa9",       "."};
    for (size_t i = 0; i < CPS_ARRAY_LEN(bad); i++) {
        ASSERT_MSG(name_of(bad[i], &n) == CPS_ERR_FORMAT, "\"%s\" accepted", bad[i]);
        ASSERT_CONTAINS(cps_last_error(), "is not a valid name");
    }
    ASSERT_EQ(n, 42); /* output untouched on failure */
    name_of("Bob", &n);
    ASSERT_CONTAINS(cps_last_error(), "name \"Bob\" is not a valid name: character 1");
    name_of("abc.", &n);
    ASSERT_CONTAINS(cps_last_error(), "not normalized");
    name_of("aaaaaaaaaaaak", &n);
    ASSERT_CONTAINS(cps_last_error(), "13th character");
    /* a NUL inside is not a name character */
    ASSERT_EQ(cps_abi_name_from_string("a\0b", 3, &n), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "\\x00");
}

TEST(every_name_value_round_trips_through_text)
{
    /* A pseudo-random sweep: to_string then from_string gives the value back. */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    char s[CPS_NAME_STR_MAX];
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = cps_abi_name_to_string(x, s);
        cps_name back;
        ASSERT_OK(cps_abi_name_from_string(s, len, &back));
        ASSERT_U64_EQ(back, x);
    }
}

TEST(symbols_and_symbol_codes)
{
    cps_symbol sym;
    char s[CPS_SYMBOL_STR_MAX];
    ASSERT_OK(cps_abi_symbol_from_string("4,SYS", 5, &sym));
    ASSERT_U64_EQ(sym, 0x0000000053595304ull);
    ASSERT_EQ(cps_abi_symbol_precision(sym), 4);
    ASSERT_U64_EQ(cps_abi_symbol_code(sym), 0x535953);
    ASSERT_OK(cps_abi_symbol_to_string(sym, s));
    ASSERT_STR_EQ(s, "4,SYS");
    ASSERT_OK(cps_abi_symbol_from_string(" 18,ABCDEFG ", 12, &sym));
    ASSERT_OK(cps_abi_symbol_to_string(sym, s));
    ASSERT_STR_EQ(s, "18,ABCDEFG");
    /* nodeos accepts an empty code */
    ASSERT_OK(cps_abi_symbol_from_string("4,", 2, &sym));
    ASSERT_OK(cps_abi_symbol_to_string(sym, s));
    ASSERT_STR_EQ(s, "4,");
    ASSERT_EQ(cps_abi_symbol_from_string("19,SYS", 6, &sym), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "precision 19 should be <= 18");
    ASSERT_EQ(cps_abi_symbol_from_string("4,sys", 5, &sym), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_abi_symbol_from_string("4,ABCDEFGH", 10, &sym), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "longer than 7");
    ASSERT_EQ(cps_abi_symbol_from_string(",SYS", 4, &sym), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_abi_symbol_from_string("SYS", 3, &sym), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_abi_symbol_from_string("", 0, &sym), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_abi_symbol_from_string("x,SYS", 5, &sym), CPS_ERR_FORMAT);

    ASSERT(cps_abi_symbol_code_is_valid(0));
    ASSERT(cps_abi_symbol_code_is_valid(0x41));
    ASSERT(!cps_abi_symbol_code_is_valid(0x4100));                /* zero byte below a letter */
    ASSERT(!cps_abi_symbol_code_is_valid(0x61));                  /* lower case */
    ASSERT(!cps_abi_symbol_code_is_valid(0x4141414141414141ull)); /* 8 letters */
    ASSERT(!cps_abi_symbol_is_valid(cps_abi_symbol_make(19, 0x41)));
    cps_symbol_code code;
    ASSERT_OK(cps_abi_symbol_code_from_string("EOS", 3, &code));
    ASSERT_U64_EQ(code, 0x534f45);
    ASSERT_OK(cps_abi_symbol_code_to_string(code, s));
    ASSERT_STR_EQ(s, "EOS");
    ASSERT_EQ(cps_abi_symbol_code_to_string(0x6161, s), CPS_ERR_FORMAT);
}

static int asset_of(const char *s, cps_asset *a)
{
    return cps_abi_asset_from_string(s, strlen(s), a);
}

TEST(assets_follow_eosio_text_rules)
{
    cps_asset a;
    char s[CPS_ASSET_STR_MAX];
    ASSERT_OK(asset_of("1.0000 SYS", &a));
    ASSERT_EQ(a.amount, 10000);
    ASSERT_U64_EQ(a.symbol, 0x0000000053595304ull);
    ASSERT_OK(cps_abi_asset_to_string(&a, s));
    ASSERT_STR_EQ(s, "1.0000 SYS");

    static const struct {
        const char *in, *out;
        int64_t amount;
        int precision;
    } ok[] = {
        {"0.0001 SYS", "0.0001 SYS", 1, 4},
        {"-0.0001 SYS", "-0.0001 SYS", -1, 4},
        {"-0.0000 SYS", "0.0000 SYS", 0, 4},
        {"12 A", "12 A", 12, 0},
        {"-12 A", "-12 A", -12, 0},
        {"4611686018427387903 MAX", "4611686018427387903 MAX", 4611686018427387903ll, 0},
        {"-4611686018427387903 MAX", "-4611686018427387903 MAX", -4611686018427387903ll, 0},
        {"4.611686018427387903 MAX", "4.611686018427387903 MAX", 4611686018427387903ll, 18},
        {"0.000000000000000001 A", "0.000000000000000001 A", 1, 18},
        {"  1.5  B  ", "1.5 B", 15, 1},
        {"01.10 B", "1.10 B", 110, 2},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(ok); i++) {
        ASSERT_MSG(asset_of(ok[i].in, &a) == 0, "\"%s\": %s", ok[i].in, cps_last_error());
        ASSERT_EQ(a.amount, ok[i].amount);
        ASSERT_EQ(cps_abi_symbol_precision(a.symbol), ok[i].precision);
        ASSERT_OK(cps_abi_asset_to_string(&a, s));
        ASSERT_STR_EQ(s, ok[i].out);
    }

    static const struct {
        const char *in;
        int code;
        const char *msg;
    } bad[] = {
        {"1.0000SYS", CPS_ERR_FORMAT, "separated with a space"},
        {"1. SYS", CPS_ERR_FORMAT, "missing decimal fraction after decimal point"},
        {".5 SYS", CPS_ERR_FORMAT, "bad amount"},
        {"1.2.3 SYS", CPS_ERR_FORMAT, "bad amount"},
        {"+1 SYS", CPS_ERR_FORMAT, "bad amount"},
        {"1e3 SYS", CPS_ERR_FORMAT, "bad amount"},
        {"- 1 SYS", CPS_ERR_FORMAT, "bad amount"},
        {"1 sys", CPS_ERR_FORMAT, "only letters A-Z"},
        {"1 SYSTEMXX", CPS_ERR_FORMAT, "longer than 7"},
        {"1 SYS X", CPS_ERR_FORMAT, "only letters A-Z"},
        {"0.0000000000000000001 A", CPS_ERR_FORMAT, "precision 19 should be <= 18"},
        {"4611686018427387904 A", CPS_ERR_OVERFLOW, "must be less than 2^62"},
        {"-4611686018427387904 A", CPS_ERR_OVERFLOW, "must be less than 2^62"},
        {"9223372036854775808 A", CPS_ERR_OVERFLOW, "less than 2^62"},
        {"99999999999999999999 A", CPS_ERR_OVERFLOW, "overflows"},
        {"20.000000000000000000 A", CPS_ERR_OVERFLOW, "overflows"},
        {"", CPS_ERR_FORMAT, "separated with a space"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(bad); i++) {
        int rc = asset_of(bad[i].in, &a);
        ASSERT_MSG(rc == bad[i].code, "\"%s\": %s (%s)", bad[i].in, cps_error_name(rc),
                   cps_last_error());
        ASSERT_MSG(test_contains(cps_last_error(), bad[i].msg), "\"%s\": \"%s\" lacks \"%s\"",
                   bad[i].in, cps_last_error(), bad[i].msg);
    }

    /* Printing checks validity too. */
    cps_asset out_of_range = {INT64_C(1) << 62, cps_abi_symbol_make(0, 0x41)};
    ASSERT_EQ(cps_abi_asset_to_string(&out_of_range, s), CPS_ERR_OVERFLOW);
    cps_asset min = {INT64_MIN, cps_abi_symbol_make(0, 0x41)};
    ASSERT_EQ(cps_abi_asset_to_string(&min, s), CPS_ERR_OVERFLOW);
    cps_asset bad_sym = {1, cps_abi_symbol_make(19, 0x41)};
    ASSERT_EQ(cps_abi_asset_to_string(&bad_sym, s), CPS_ERR_FORMAT);
    ASSERT(!cps_abi_asset_is_valid(&bad_sym));
}

TEST(times_print_and_parse_as_nodeos)
{
    char s[CPS_TIME_STR_MAX];
    int64_t us;
    uint32_t sec, slot;
    cps_abi_time_point_to_string(1527854400500123, s);
    ASSERT_STR_EQ(s, "2018-06-01T12:00:00.500"); /* microseconds dropped, as nodeos */
    ASSERT_OK(cps_abi_time_point_from_string("2018-06-01T12:00:00.500123", 26, &us));
    ASSERT_EQ(us, 1527854400500123);
    ASSERT_OK(cps_abi_time_point_from_string("2018-06-01T12:00:00Z", 20, &us));
    ASSERT_EQ(us, 1527854400000000);
    /* negative time points: boost's duration form */
    cps_abi_time_point_to_string(-1, s);
    ASSERT_STR_EQ(s, "-000000.000001");
    cps_abi_time_point_to_string(-INT64_C(90061) * 1000000, s);
    ASSERT_STR_EQ(s, "-250101");
    cps_abi_time_point_to_string(INT64_MIN, s);
    ASSERT_OK(cps_abi_time_point_from_string(s, strlen(s), &us));
    ASSERT_EQ(us, INT64_MIN);
    ASSERT_OK(cps_abi_time_point_from_string("-250101", 7, &us));
    ASSERT_EQ(us, -INT64_C(90061) * 1000000);
    ASSERT_NE(cps_abi_time_point_from_string("-2501", 5, &us), 0);

    cps_abi_time_point_sec_to_string(1893456000, s);
    ASSERT_STR_EQ(s, "2030-01-01T00:00:00");
    ASSERT_OK(cps_abi_time_point_sec_from_string("2106-02-07T06:28:15", 19, &sec));
    ASSERT_EQ(sec, UINT32_MAX);
    ASSERT_EQ(cps_abi_time_point_sec_from_string("2106-02-07T06:28:16", 19, &sec),
              CPS_ERR_OVERFLOW);
    ASSERT_EQ(cps_abi_time_point_sec_from_string("1969-12-31T23:59:59", 19, &sec),
              CPS_ERR_OVERFLOW);
    ASSERT_NE(cps_abi_time_point_sec_from_string("2020-02-30T00:00:00", 19, &sec), 0);

    cps_abi_block_timestamp_to_string(0, s);
    ASSERT_STR_EQ(s, "2000-01-01T00:00:00.000");
    cps_abi_block_timestamp_to_string(1, s);
    ASSERT_STR_EQ(s, "2000-01-01T00:00:00.500");
    ASSERT_OK(cps_abi_block_timestamp_from_string("2000-01-01T00:00:00.999", 23, &slot));
    ASSERT_EQ(slot, 1);
    ASSERT_EQ(cps_abi_block_timestamp_from_string("1999-12-31T23:59:59.500", 23, &slot),
              CPS_ERR_OVERFLOW);
}

TEST(int128_text_round_trips_and_range_checks)
{
    char s[CPS_INT128_STR_MAX];
    cps_uint128 u;
    cps_int128 i;
    cps_uint128 umax = ~(cps_uint128)0;
    cps_int128 imin = (cps_int128)((cps_uint128)1 << 127);
    cps_int128 imax = (cps_int128)(((cps_uint128)1 << 127) - 1);
    cps_abi_uint128_to_string(umax, s);
    ASSERT_STR_EQ(s, "340282366920938463463374607431768211455");
    ASSERT_OK(cps_abi_uint128_from_string(s, strlen(s), &u));
    ASSERT(u == umax);
    cps_abi_int128_to_string(imin, s);
    ASSERT_STR_EQ(s, "-170141183460469231731687303715884105728");
    ASSERT_OK(cps_abi_int128_from_string(s, strlen(s), &i));
    ASSERT(i == imin);
    cps_abi_int128_to_string(imax, s);
    ASSERT_OK(cps_abi_int128_from_string(s, strlen(s), &i));
    ASSERT(i == imax);
    cps_abi_int128_to_string(0, s);
    ASSERT_STR_EQ(s, "0");
    ASSERT_EQ(cps_abi_uint128_from_string("340282366920938463463374607431768211456", 39, &u),
              CPS_ERR_OVERFLOW);
    ASSERT_EQ(cps_abi_int128_from_string("170141183460469231731687303715884105728", 39, &i),
              CPS_ERR_OVERFLOW);
    ASSERT_EQ(cps_abi_int128_from_string("-170141183460469231731687303715884105729", 40, &i),
              CPS_ERR_OVERFLOW);
    ASSERT_EQ(cps_abi_uint128_from_string("-1", 2, &u), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_abi_uint128_from_string("", 0, &u), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_abi_uint128_from_string("0x", 2, &u), CPS_ERR_FORMAT);
    ASSERT_EQ(cps_abi_uint128_from_string("0x123456789012345678901234567890123", 35, &u),
              CPS_ERR_FORMAT);
    ASSERT_OK(cps_abi_uint128_from_string("0xFF", 4, &u));
    ASSERT(u == 255);
}

TEST(floats_format_like_fc)
{
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_float64_format(&b, 1.5));
    ASSERT_STR_EQ(cps_buf_cstr(&b), "1.50000000000000000");
    cps_buf_reset(&b);
    ASSERT_OK(cps_abi_float64_format(&b, -1e-20));
    ASSERT_STR_EQ(cps_buf_cstr(&b), "-0.00000000000000000");
    cps_buf_reset(&b);
    ASSERT_OK(cps_abi_float64_format(&b, 1.7976931348623157e308));
    ASSERT_EQ(b.size, 309 + 1 + 17);
    cps_buf_free(&b);
}

TEST(arena_allocations_are_aligned_zeroed_and_limited)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    uint8_t *small = cps_abi_arena_alloc(&a, 3);
    uint8_t *big = cps_abi_arena_alloc(&a, 100000);
    uint8_t *after = cps_abi_arena_alloc(&a, 5);
    ASSERT(small && big && after);
    ASSERT_EQ((uintptr_t)small % 16, 0);
    ASSERT_EQ((uintptr_t)big % 16, 0);
    ASSERT_EQ((uintptr_t)after % 16, 0);
    ASSERT_EQ(big[99999], 0);
    memset(big, 1, 100000);
    ASSERT_EQ(after - small, 16); /* the big block did not displace the current one */
    cps_abi_arena_free(&a);
    a.limit = 10000;
    ASSERT(cps_abi_arena_alloc(&a, 100) != NULL);
    ASSERT(cps_abi_arena_alloc(&a, 20000) == NULL);
    ASSERT_CONTAINS(cps_last_error(), "limit");
    cps_abi_arena_free(&a);
    ASSERT_EQ(a.limit, 10000);

    /* reset keeps one block, hands it out again zeroed, and frees the big ones */
    cps_arena r;
    cps_abi_arena_init(&r);
    uint8_t *p1 = cps_abi_arena_alloc(&r, 64);
    memset(p1, 0xee, 64);
    ASSERT(cps_abi_arena_alloc(&r, 50000) != NULL);
    cps_abi_arena_reset(&r);
    ASSERT_EQ(r.allocated, 8192);
    uint8_t *p2 = cps_abi_arena_alloc(&r, 64);
    ASSERT(p2 == p1);
    for (int i = 0; i < 64; i++)
        ASSERT_EQ(p2[i], 0);
    cps_abi_arena_free(&r);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
