/* ABI-driven conversion: every built-in type JSON -> binary -> JSON with nodeos's output forms,
 * structs with bases, typedefs, variants, optionals, arrays, binary extensions, action/table/
 * action-result lookups, and the error paths with the exact path of the bad value. */
#include "abi/abi.h"
#include "test.h"

/* A test ABI touching every kind of type. */
static const char *test_abi_json =
    "{\"version\":\"eosio::abi/1.2\","
    "\"types\":[{\"new_type_name\":\"account_name\",\"type\":\"name\"},"
    "{\"new_type_name\":\"names\",\"type\":\"name[]\"},"
    "{\"new_type_name\":\"alias_of_alias\",\"type\":\"account_name\"},"
    "{\"new_type_name\":\"matrix_row\",\"type\":\"int8[]\"}],"
    "\"structs\":["
    "{\"name\":\"transfer\",\"base\":\"\",\"fields\":[{\"name\":\"from\",\"type\":\"account_name\"}"
    ","
    "{\"name\":\"to\",\"type\":\"name\"},{\"name\":\"quantity\",\"type\":\"asset\"},"
    "{\"name\":\"memo\",\"type\":\"string\"}]},"
    "{\"name\":\"base_s\",\"base\":\"\",\"fields\":[{\"name\":\"a\",\"type\":\"uint8\"}]},"
    "{\"name\":\"mid_s\",\"base\":\"base_s\",\"fields\":[{\"name\":\"b\",\"type\":\"uint16\"}]},"
    "{\"name\":\"derived\",\"base\":\"mid_s\",\"fields\":[{\"name\":\"c\",\"type\":\"string?\"}]},"
    "{\"name\":\"ext\",\"base\":\"\",\"fields\":[{\"name\":\"x\",\"type\":\"uint8\"},"
    "{\"name\":\"y\",\"type\":\"uint8$\"},{\"name\":\"z\",\"type\":\"string$\"}]},"
    "{\"name\":\"holder\",\"base\":\"\",\"fields\":[{\"name\":\"first\",\"type\":\"ext\"},"
    "{\"name\":\"last\",\"type\":\"ext\"}]},"
    "{\"name\":\"node\",\"base\":\"\",\"fields\":[{\"name\":\"v\",\"type\":\"uint8\"},"
    "{\"name\":\"next\",\"type\":\"node?\"}]},"
    "{\"name\":\"withvar\",\"base\":\"\",\"fields\":[{\"name\":\"v\",\"type\":\"var\"},"
    "{\"name\":\"vs\",\"type\":\"var[]\"}]},"
    "{\"name\":\"matrix\",\"base\":\"\",\"fields\":[{\"name\":\"rows\",\"type\":\"matrix_row[]\"}]}"
    ","
    "{\"name\":\"empty\",\"base\":\"\",\"fields\":[]},"
    "{\"name\":\"opt\",\"base\":\"\",\"fields\":[{\"name\":\"a\",\"type\":\"uint8\"},"
    "{\"name\":\"b\",\"type\":\"uint32?\"}]},"
    "{\"name\":\"result\",\"base\":\"\",\"fields\":[{\"name\":\"ok\",\"type\":\"bool\"}]}],"
    "\"actions\":[{\"name\":\"transfer\",\"type\":\"transfer\",\"ricardian_contract\":\"\"},"
    "{\"name\":\"setnames\",\"type\":\"names\",\"ricardian_contract\":\"\"}],"
    "\"tables\":[{\"name\":\"accounts\",\"index_type\":\"i64\",\"key_names\":[\"k\"],"
    "\"key_types\":[\"uint64\"],\"type\":\"transfer\"}],"
    "\"ricardian_clauses\":[{\"id\":\"c1\",\"body\":\"text\"}],"
    "\"error_messages\":[{\"error_code\":7,\"error_msg\":\"seven\"}],\"abi_extensions\":[],"
    "\"variants\":[{\"name\":\"var\",\"types\":[\"uint8\",\"string\",\"account_name\",\"transfer\"]"
    "}],"
    "\"action_results\":[{\"name\":\"transfer\",\"result_type\":\"result\"}]}";

static cps_abi *abi;

static void load(void)
{
    if (!abi && cps_abi_from_json(test_abi_json, strlen(test_abi_json), &abi))
        fprintf(stderr, "test ABI: %s\n", cps_last_error());
}

/* JSON in -> hex, then hex -> JSON out (expected nodeos text). */
struct case_ {
    const char *type, *json_in, *hex, *json_out;
};

static int run_case(const struct case_ *c, char *why, size_t cap)
{
    cps_buf b, j;
    cps_buf_init(&b);
    cps_buf_init(&j);
    int ok = 0;
    int rc = cps_abi_json_to_bin(abi, c->type, c->json_in, strlen(c->json_in), &b);
    if (rc) {
        snprintf(why, cap, "%s %s: json_to_bin failed: %s", c->type, c->json_in, cps_last_error());
        goto done;
    }
    char *hex = malloc(b.size * 2 + 1);
    cps_hex_encode(hex, b.data, b.size);
    if (strcmp(hex, c->hex) != 0) {
        snprintf(why, cap, "%s %s: hex %s, expected %s", c->type, c->json_in, hex, c->hex);
        free(hex);
        goto done;
    }
    free(hex);
    rc = cps_abi_bin_to_json(abi, c->type, b.data, b.size, &j);
    if (rc) {
        snprintf(why, cap, "%s %s: bin_to_json failed: %s", c->type, c->hex, cps_last_error());
        goto done;
    }
    const char *want = c->json_out ? c->json_out : c->json_in;
    if (strcmp(cps_buf_cstr(&j), want) != 0) {
        snprintf(why, cap, "%s %s: json %s, expected %s", c->type, c->hex, cps_buf_cstr(&j), want);
        goto done;
    }
    ok = 1;
done:
    cps_buf_free(&b);
    cps_buf_free(&j);
    return ok;
}

#define RUN_CASES(cases)                                                                           \
    do {                                                                                           \
        load();                                                                                    \
        ASSERT(abi != NULL);                                                                       \
        char why_[1024];                                                                           \
        for (size_t i_ = 0; i_ < CPS_ARRAY_LEN(cases); i_++)                                       \
            ASSERT_MSG(run_case(&(cases)[i_], why_, sizeof why_), "%s", why_);                     \
    } while (0)

TEST(integers_round_trip_with_nodeos_number_forms)
{
    static const struct case_ cases[] = {
        {"bool", "true", "01", "1"},
        {"bool", "false", "00", "0"},
        {"bool", "1", "01", "1"},
        {"bool", "\"false\"", "00", "0"},
        {"int8", "-128", "80", NULL},
        {"int8", "127", "7f", NULL},
        {"int8", "\"-5\"", "fb", "-5"},
        {"uint8", "255", "ff", NULL},
        {"int16", "-32768", "0080", NULL},
        {"uint16", "65535", "ffff", NULL},
        {"int32", "-2147483648", "00000080", NULL},
        {"uint32", "4294967295", "ffffffff", NULL},
        /* 64-bit: numbers up to 0xffffffff in magnitude, strings beyond (Leap's fc). */
        {"int64", "4294967295", "ffffffff00000000", NULL},
        {"int64", "4294967296", "0000000001000000", "\"4294967296\""},
        {"int64", "-4294967295", "01000000ffffffff", NULL},
        {"int64", "-4294967296", "00000000ffffffff", "\"-4294967296\""},
        {"int64", "\"-9223372036854775808\"", "0000000000000080", NULL},
        {"int64", "9223372036854775807", "ffffffffffffff7f", "\"9223372036854775807\""},
        {"uint64", "\"18446744073709551615\"", "ffffffffffffffff", NULL},
        {"uint64", "0", "0000000000000000", NULL},
        {"uint64", "1.0", "0100000000000000", "1"},
        /* 128-bit: always decimal strings. */
        {"int128", "\"-1\"", "ffffffffffffffffffffffffffffffff", NULL},
        {"int128", "5", "05000000000000000000000000000000", "\"5\""},
        {"int128", "\"-170141183460469231731687303715884105728\"",
         "00000000000000000000000000000080", NULL},
        {"uint128", "\"340282366920938463463374607431768211455\"",
         "ffffffffffffffffffffffffffffffff", NULL},
        {"uint128", "\"0x0102\"", "02010000000000000000000000000000", "\"258\""},
        {"varint32", "-1", "01", NULL},
        {"varint32", "2147483647", "feffffff0f", NULL},
        {"varint32", "-2147483648", "ffffffff0f", NULL},
        {"varuint32", "0", "00", NULL},
        {"varuint32", "128", "8001", NULL},
        {"varuint32", "4294967295", "ffffffff0f", NULL},
    };
    RUN_CASES(cases);
}

TEST(floats_print_as_nodeos_fixed_strings)
{
    static const struct case_ cases[] = {
        {"float64", "1.5", "000000000000f83f", "\"1.50000000000000000\""},
        {"float64", "\"-0.25\"", "000000000000d0bf", "\"-0.25000000000000000\""},
        {"float64", "0", "0000000000000000", "\"0.00000000000000000\""},
        {"float64", "\"inf\"", "000000000000f07f", "\"inf\""},
        {"float64", "1e20", "408cb5781daf1544", "\"100000000000000000000.00000000000000000\""},
        {"float32", "1.5", "0000c03f", "\"1.50000000000000000\""},
        /* float32 is widened to double before printing, as nodeos does. */
        {"float32", "0.1", "cdcccc3d", "\"0.10000000149011612\""},
        {"float128", "\"0x000102030405060708090a0b0c0d0e0f\"", "000102030405060708090a0b0c0d0e0f",
         NULL},
        {"float128", "\"ffffffffffffffffffffffffffffff7f\"", "ffffffffffffffffffffffffffffff7f",
         "\"0xffffffffffffffffffffffffffffff7f\""},
    };
    RUN_CASES(cases);
}

TEST(strings_bytes_checksums_times_round_trip)
{
    static const struct case_ cases[] = {
        {"string", "\"\"", "00", NULL},
        {"string", "\"hello\"", "0568656c6c6f", NULL},
        {"string", "\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u007f\"", "0a6122625c630a090d017f",
         "\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u007f\""},
        {"string", "\"caf\\u00e9 \\u20ac\"", "09636166c3a920e282ac",
         "\"caf\xc3\xa9 \xe2\x82\xac\""},
        {"string", "\"\\u0085\"", "02c285", NULL},
        {"bytes", "\"\"", "00", NULL},
        {"bytes", "\"00FFaa\"", "0300ffaa", "\"00ffaa\""},
        {"checksum160", "\"000102030405060708090a0b0c0d0e0f10111213\"",
         "000102030405060708090a0b0c0d0e0f10111213", NULL},
        {"checksum256", "\"0e2c363bd2397dac723b096a499221e1f2bd5b9a8a9c175467eb2825e1ad7289\"",
         "0e2c363bd2397dac723b096a499221e1f2bd5b9a8a9c175467eb2825e1ad7289", NULL},
        {"checksum512",
         "\"000000000000000000000000000000000000000000000000000000000000"
         "00000000000000000000000000000000000000000000000000000000000000000001\"",
         "0000000000000000000000000000000000000000000000000000000000000000"
         "0000000000000000000000000000000000000000000000000000000000000001",
         NULL},
        {"time_point", "\"2018-06-01T12:00:00.500\"", "2071cf52936d0500", NULL},
        {"time_point", "\"1970-01-01T00:00:00.000\"", "0000000000000000", NULL},
        {"time_point", "\"2018-06-01T12:00:00\"", "00d0c752936d0500",
         "\"2018-06-01T12:00:00.000\""},
        {"time_point", "\"-000000.000001\"", "ffffffffffffffff", NULL},
        {"time_point_sec", "\"2030-01-01T00:00:00\"", "80d8db70", NULL},
        {"time_point_sec", "\"2030-01-01T00:00:00.999Z\"", "80d8db70", "\"2030-01-01T00:00:00\""},
        {"block_timestamp_type", "\"2000-01-01T00:00:00.000\"", "00000000", NULL},
        {"block_timestamp_type", "\"2018-06-01T12:00:00.500\"", "81e34745", NULL},
        {"block_timestamp_type", "\"2018-06-01T12:00:00.700\"", "81e34745",
         "\"2018-06-01T12:00:00.500\""},
    };
    RUN_CASES(cases);
}

TEST(names_symbols_assets_keys_round_trip)
{
    static const struct case_ cases[] = {
        {"name", "\"eosio.token\"", "00a6823403ea3055", NULL},
        {"name", "\"\"", "0000000000000000", NULL},
        {"name", "\"zzzzzzzzzzzzj\"", "ffffffffffffffff", NULL},
        {"account_name", "\"alice\"", "0000000000855c34", NULL},
        {"alias_of_alias", "\"bob\"", "0000000000000e3d", NULL},
        {"symbol", "\"4,SYS\"", "0453595300000000", NULL},
        {"symbol", "\"0,A\"", "0041000000000000", NULL},
        {"symbol_code", "\"SYS\"", "5359530000000000", NULL},
        {"symbol_code", "\"ABCDEFG\"", "4142434445464700", NULL},
        {"asset", "\"1.0000 SYS\"", "10270000000000000453595300000000", NULL},
        {"asset", "\"-0.0001 SYS\"", "ffffffffffffffff0453595300000000", NULL},
        {"asset", "\"4611686018427387903 MAX\"", "ffffffffffffff3f004d415800000000", NULL},
        {"asset", "\"  5 A  \"", "05000000000000000041000000000000", "\"5 A\""},
        {"extended_asset", "{\"quantity\":\"1.000 EOS\",\"contract\":\"eosio.token\"}",
         "e80300000000000003454f530000000000a6823403ea3055", NULL},
        {"extended_asset", "[\"1.000 EOS\",\"eosio.token\"]",
         "e80300000000000003454f530000000000a6823403ea3055",
         "{\"quantity\":\"1.000 EOS\",\"contract\":\"eosio.token\"}"},
        /* K1 keys print in the legacy EOS form; both forms are accepted. */
        {"public_key", "\"PUB_K1_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63\"",
         "0002c0ded2bc1f1305fb0faac5e6c03ee3a1924234985427b6167ca569d13df435cf",
         "\"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\""},
        {"public_key", "\"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\"",
         "0002c0ded2bc1f1305fb0faac5e6c03ee3a1924234985427b6167ca569d13df435cf", NULL},
        {"signature",
         "\"SIG_K1_"
         "K5sfcJAgZJYa4mTnz7778LNSN9q7qn2hD5jvfj6K28GfWUJ2rdSNA3cX4oPBEFHp6S3RUpTnYAYbA1sSrh"
         "SgU2eRCECYoE\"",
         NULL, NULL},
    };
    load();
    ASSERT(abi != NULL);
    char why[1024];
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        if (!cases[i].hex) continue;
        ASSERT_MSG(run_case(&cases[i], why, sizeof why), "%s", why);
    }
    /* The signature: binary is index 0 + 65 bytes; the text comes back unchanged. */
    const struct case_ *s = &cases[CPS_ARRAY_LEN(cases) - 1];
    cps_buf b, j;
    cps_buf_init(&b);
    cps_buf_init(&j);
    ASSERT_OK(cps_abi_json_to_bin(abi, "signature", s->json_in, strlen(s->json_in), &b));
    ASSERT_EQ(b.size, 66);
    ASSERT_EQ(b.data[0], 0);
    ASSERT_OK(cps_abi_bin_to_json(abi, "signature", b.data, b.size, &j));
    ASSERT_STR_EQ(cps_buf_cstr(&j), s->json_in);
    cps_buf_free(&b);
    cps_buf_free(&j);
}

TEST(structs_bases_typedefs_variants_optionals_arrays)
{
    static const struct case_ cases[] = {
        {"transfer",
         "{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 SYS\",\"memo\":\"test\"}",
         "0000000000855c340000000000000e3d1027000000000000045359530000000004"
         "74657374",
         NULL},
        /* Positional form for a struct without base; unknown keys are ignored. */
        {"transfer", "[\"alice\",\"bob\",\"1.0000 SYS\",\"test\"]",
         "0000000000855c340000000000000e3d1027000000000000045359530000000004"
         "74657374",
         "{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 SYS\",\"memo\":\"test\"}"},
        {"derived", "{\"a\":1,\"b\":2,\"c\":\"x\",\"extra\":[1,2]}", "010200010178",
         "{\"a\":1,\"b\":2,\"c\":\"x\"}"},
        {"derived", "{\"a\":1,\"b\":2,\"c\":null}", "01020000", NULL},
        /* Leap: an absent optional field is null. */
        {"derived", "{\"a\":1,\"b\":2}", "01020000", "{\"a\":1,\"b\":2,\"c\":null}"},
        {"node", "{\"v\":1,\"next\":{\"v\":2,\"next\":null}}", "01010200", NULL},
        {"withvar", "{\"v\":[\"string\",\"hi\"],\"vs\":[[\"uint8\",7],[\"account_name\",\"bob\"]]}",
         "01026869020007020000000000000e3d", NULL},
        {"matrix", "{\"rows\":[[1,-1],[],[127]]}", "0302 01ff 00 017f", NULL},
        {"names", "[\"a\",\"b\"]", "0200000000000000300000000000000038", NULL},
        {"uint8[]", "[1,2,3]", "03010203", NULL},
        {"string?", "null", "00", NULL},
        {"string?", "\"x\"", "010178", NULL},
        {"empty", "{}", "", NULL},
        {"var", "[\"transfer\",[\"alice\",\"bob\",\"1.0000 SYS\",\"\"]]",
         "030000000000855c340000000000000e3d1027000000000000045359530000000000",
         "[\"transfer\",{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 "
         "SYS\",\"memo\":\"\"}]"},
    };
    load();
    ASSERT(abi != NULL);
    char why[1024];
    /* Spaces in the hex above only group the bytes for reading. */
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        struct case_ c = cases[i];
        char hex[512];
        size_t n = 0;
        for (const char *p = c.hex; *p && n + 1 < sizeof hex; p++)
            if (*p != ' ') hex[n++] = *p;
        hex[n] = 0;
        c.hex = hex;
        ASSERT_MSG(run_case(&c, why, sizeof why), "%s", why);
    }
}

TEST(binary_extensions_may_be_absent_at_the_end)
{
    static const struct case_ cases[] = {
        {"ext", "{\"x\":1}", "01", NULL},
        {"ext", "{\"x\":1,\"y\":2}", "0102", NULL},
        {"ext", "{\"x\":1,\"y\":2,\"z\":\"a\"}", "01020161", NULL},
        /* Only the last field of the outer struct may stop early. */
        {"holder", "{\"first\":{\"x\":1,\"y\":2,\"z\":\"\"},\"last\":{\"x\":3}}", "0102000 3",
         NULL},
    };
    load();
    ASSERT(abi != NULL);
    char why[1024];
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        struct case_ c = cases[i];
        char hex[256];
        size_t n = 0;
        for (const char *p = c.hex; *p; p++)
            if (*p != ' ') hex[n++] = *p;
        hex[n] = 0;
        c.hex = hex;
        ASSERT_MSG(run_case(&c, why, sizeof why), "%s", why);
    }
    cps_buf b;
    cps_buf_init(&b);
    /* A missing extension inside a non-last field cannot be encoded. */
    const char *bad = "{\"first\":{\"x\":1},\"last\":{\"x\":3}}";
    ASSERT_EQ(cps_abi_json_to_bin(abi, "holder", bad, strlen(bad), &b), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "holder.first: missing field y");
    /* After an absent extension, later fields may not appear. */
    const char *gap = "{\"x\":1,\"z\":\"a\"}";
    ASSERT_EQ(cps_abi_json_to_bin(abi, "ext", gap, strlen(gap), &b), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "ext: unexpected field z after an absent binary extension");
    /* In arrays, extensions must be present. */
    ASSERT_EQ(cps_abi_json_to_bin(abi, "ext[]", "[{\"x\":1}]", 9, &b), CPS_ERR_FORMAT);
    ASSERT_CONTAINS(cps_last_error(), "ext[][0]: missing field y");
    cps_buf_free(&b);
}

TEST(action_table_and_result_lookups)
{
    load();
    ASSERT(abi != NULL);
    ASSERT_STR_EQ(cps_abi_action_type(abi, cps_abi_name("transfer")), "transfer");
    ASSERT(cps_abi_action_type(abi, cps_abi_name("nope")) == NULL);
    ASSERT_STR_EQ(cps_abi_table_type(abi, cps_abi_name("accounts")), "transfer");
    ASSERT_STR_EQ(cps_abi_action_result_type(abi, cps_abi_name("transfer")), "result");
    ASSERT_STR_EQ(cps_abi_error_message(abi, 7), "seven");
    ASSERT(cps_abi_error_message(abi, 8) == NULL);
    ASSERT(cps_abi_is_type(abi, "account_name[]"));
    ASSERT(cps_abi_is_type(abi, "var?"));
    ASSERT(!cps_abi_is_type(abi, "uint8[][]"));
    ASSERT(!cps_abi_is_type(abi, "nope"));

    json_t *v =
        json_loads("{\"from\":\"a\",\"to\":\"b\",\"quantity\":\"1 A\",\"memo\":\"\"}", 0, NULL);
    cps_buf b, j;
    cps_buf_init(&b);
    cps_buf_init(&j);
    ASSERT_OK(cps_abi_action_json_to_bin(abi, cps_abi_name("transfer"), v, &b));
    ASSERT_EQ(b.size, 8 + 8 + 16 + 1);
    ASSERT_OK(cps_abi_table_bin_to_json(abi, cps_abi_name("accounts"), b.data, b.size, &j));
    ASSERT_STR_EQ(cps_buf_cstr(&j),
                  "{\"from\":\"a\",\"to\":\"b\",\"quantity\":\"1 A\",\"memo\":\"\"}");
    ASSERT_EQ(cps_abi_action_json_to_bin(abi, cps_abi_name("nope"), v, &b), CPS_ERR_NOT_FOUND);
    ASSERT_CONTAINS(cps_last_error(), "no action nope");
    json_decref(v);

    v = json_loads("{\"ok\":true}", 0, NULL);
    cps_buf_reset(&b);
    cps_buf_reset(&j);
    ASSERT_OK(cps_abi_action_result_json_to_bin(abi, cps_abi_name("transfer"), v, &b));
    ASSERT_OK(cps_abi_action_result_bin_to_json(abi, cps_abi_name("transfer"), b.data, b.size, &j));
    ASSERT_STR_EQ(cps_buf_cstr(&j), "{\"ok\":1}");
    json_decref(v);

    json_t *value = NULL;
    ASSERT_OK(cps_abi_bin_to_json_value(abi, "result", b.data, b.size, &value));
    ASSERT(json_is_object(value));
    ASSERT_EQ(json_integer_value(json_object_get(value, "ok")), 1);
    json_decref(value);
    cps_buf_free(&b);
    cps_buf_free(&j);
}

/* JSON -> binary errors: code and the exact path + message. */
struct err_case {
    const char *type, *json;
    int code;
    const char *message;
};

TEST(json_errors_name_the_path_of_the_bad_value)
{
    static const struct err_case cases[] = {
        {"transfer", "{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":5,\"memo\":\"\"}",
         CPS_ERR_TYPE, "transfer.quantity: expected an asset string, got integer"},
        {"transfer", "{\"from\":\"alice\",\"to\":\"Bob\",\"quantity\":\"1 A\",\"memo\":\"\"}",
         CPS_ERR_FORMAT, "transfer.to: name \"Bob\" is not a valid name"},
        {"transfer", "{\"from\":\"alice\",\"to\":\"bob\",\"memo\":\"\"}", CPS_ERR_FORMAT,
         "transfer: missing field quantity"},
        {"transfer",
         "{\"from\":\"alice\",\"to\":\"bob\",\"quantity\":\"1.0000 sys\",\"memo\":\"\"}",
         CPS_ERR_FORMAT, "transfer.quantity: asset symbol \"sys\": only letters A-Z are allowed"},
        {"transfer", "[1]", CPS_ERR_TYPE, "transfer.from: expected a name string, got integer"},
        {"transfer", "17", CPS_ERR_TYPE,
         "transfer: expected an object for struct transfer, got integer"},
        {"derived", "[1,2,null]", CPS_ERR_FORMAT,
         "derived: an array of field values is only allowed for a struct without base"},
        {"derived", "{\"a\":300,\"b\":1}", CPS_ERR_OVERFLOW,
         "derived.a: value 300 is out of range (0..255)"},
        {"withvar", "{\"v\":[\"uint8\",1],\"vs\":[[\"uint8\",1],[\"uint16\",1]]}", CPS_ERR_FORMAT,
         "withvar.vs[1]: type \"uint16\" is not one of variant var's types"},
        {"withvar", "{\"v\":[\"transfer\",{\"from\":\"a\"}],\"vs\":[]}", CPS_ERR_FORMAT,
         "withvar.v<transfer>: missing field to"},
        {"withvar", "{\"v\":{\"x\":1},\"vs\":[]}", CPS_ERR_TYPE,
         "withvar.v: expected a variant as [\"type\", value] for var, got object"},
        {"matrix", "{\"rows\":[[1],[2,\"x\"]]}", CPS_ERR_FORMAT,
         "matrix.rows[1][1]: \"x\" is not an integer"},
        {"uint64", "\"-1\"", CPS_ERR_FORMAT, "uint64: \"-1\" is not an integer"},
        {"uint64", "\"18446744073709551616\"", CPS_ERR_OVERFLOW,
         "uint64: integer \"18446744073709551616\" is out of range"},
        {"int8", "1.5", CPS_ERR_OVERFLOW, "int8: value 1.5 is not an integer"},
        {"int8", "128.0", CPS_ERR_OVERFLOW, "int8: value 128 is out of range (-128..127)"},
        {"bool", "2", CPS_ERR_TYPE, "bool: expected a boolean"},
        {"bytes", "\"abc\"", CPS_ERR_FORMAT, "bytes: bytes: odd number of hex digits (3)"},
        {"bytes", "\"zz\"", CPS_ERR_FORMAT, "bytes: "},
        {"checksum256", "\"00\"", CPS_ERR_FORMAT,
         "checksum256: a checksum256 hex: expected 64 hex digits, got 2"},
        {"time_point_sec", "\"yesterday\"", CPS_ERR_FORMAT, "time_point_sec: expected a time"},
        {"symbol", "\"19,SYS\"", CPS_ERR_FORMAT,
         "symbol: symbol \"19,SYS\": precision 19 should be <= 18"},
        {"asset", "\"1. SYS\"", CPS_ERR_FORMAT, "missing decimal fraction after decimal point"},
        {"asset", "\"4611686018427387904 SYS\"", CPS_ERR_OVERFLOW, "must be less than 2^62"},
        {"public_key", "\"EOS1111\"", 0, "public_key: "},
        {"names", "[\"ok\",\"NOT.OK\"]", CPS_ERR_FORMAT,
         "names[1]: name \"NOT.OK\" is not a valid name"},
        {"nosuchtype", "1", CPS_ERR_ABI_TYPE, "unknown type \"nosuchtype\""},
        {"uint8[][]", "[]", CPS_ERR_ABI_TYPE, "unknown type"},
        {"node", "{\"v\":1,\"next\":{\"v\":2,\"next\":{\"v\":300}}}", CPS_ERR_OVERFLOW,
         "node.next.next.v: value 300 is out of range"},
        {"extended_asset", "{\"quantity\":\"1 A\"}", CPS_ERR_FORMAT,
         "extended_asset.contract: missing"},
    };
    load();
    ASSERT(abi != NULL);
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_write_bytes(&b, "abc", 3));
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        const struct err_case *c = &cases[i];
        b.size = 3; /* output is restored to where it was on failure */
        int rc = cps_abi_json_to_bin(abi, c->type, c->json, strlen(c->json), &b);
        ASSERT_MSG(rc != 0, "%s %s: accepted", c->type, c->json);
        ASSERT_MSG(c->code == 0 || rc == c->code, "%s %s: code %s, expected %s (%s)", c->type,
                   c->json, cps_error_name(rc), cps_error_name(c->code), cps_last_error());
        ASSERT_MSG(test_contains(cps_last_error(), c->message),
                   "%s %s: message \"%s\" lacks \"%s\"", c->type, c->json, cps_last_error(),
                   c->message);
        ASSERT_EQ(b.size, 3);
    }
    cps_buf_free(&b);
}

TEST(json_text_errors_and_big_integers)
{
    load();
    cps_buf b;
    cps_buf_init(&b);
    /* jansson cannot hold this integer literal: CPS reads the document's numbers as doubles and
     * integer fields then refuse what a double cannot hold exactly. */
    ASSERT_EQ(cps_abi_json_to_bin(abi, "uint64", "18446744073709551615", 20, &b), CPS_ERR_OVERFLOW);
    ASSERT_CONTAINS(cps_last_error(), "uint64: number 18446744073709551616 is 2^53 or more and so "
                                      "not exact in JSON: give it as a decimal string");
    /* ... while a float field takes such a literal, and small integers next to it still work. */
    cps_buf_reset(&b);
    ASSERT_OK(cps_abi_json_to_bin(abi, "float64", "100000000000000000000", 21, &b));
    ASSERT_EQ(b.size, 8);
    ASSERT_EQ(b.data[7], 0x44);
    cps_buf_reset(&b);
    const char *mixed = "{\"a\":1,\"b\":2,\"c\":\"x\",\"big\":[100000000000000000000]}";
    ASSERT_OK(cps_abi_json_to_bin(abi, "derived", mixed, strlen(mixed), &b));
    ASSERT_EQ(b.size, 6);
    cps_buf_reset(&b);
    const char *bad_int = "[1, 9007199254740993.0]";
    ASSERT_EQ(cps_abi_json_to_bin(abi, "int64[]", bad_int, strlen(bad_int), &b), CPS_ERR_OVERFLOW);
    ASSERT_CONTAINS(cps_last_error(), "int64[][1]: number 9007199254740992 is 2^53 or more");
    ASSERT_EQ(cps_abi_json_to_bin(abi, "transfer", "{\"from\":", 8, &b), CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "line 1");
    cps_buf_free(&b);
}

/* Binary -> JSON errors. */
struct bin_err {
    const char *type, *hex;
    int code;
    const char *message;
};

TEST(binary_errors_name_the_path_and_offset)
{
    static const struct bin_err cases[] = {
        {"transfer", "0000000000855c34", CPS_ERR_TRUNCATED, "transfer: data ends before field to"},
        {"transfer", "0000000000855c340000000000000e3d1027", CPS_ERR_TRUNCATED,
         "transfer.quantity: "},
        {"transfer", "0000000000855c340000000000000e3d10270000000000000453595300000000ff",
         CPS_ERR_TRUNCATED, "transfer.memo: "},
        /* overlong varuint32 (6 bytes) */
        {"varuint32", "808080808000", CPS_ERR_OVERFLOW, "varuint32: "},
        /* non-minimal varuint32 */
        {"varuint32", "8000", CPS_ERR_FORMAT, "not minimally encoded"},
        /* length beyond the buffer */
        {"string", "0561", CPS_ERR_TRUNCATED, "string: "},
        {"uint8[]", "ffffffff0f00", CPS_ERR_TRUNCATED, "uint8[]: array of 4294967295 elements"},
        {"var", "09", CPS_ERR_FORMAT,
         "var: variant index 9 at offset 0 is beyond the 4 types of var"},
        {"string?", "02", CPS_ERR_FORMAT, "optional flag 0x02"},
        {"bool", "02", CPS_ERR_FORMAT, "bool byte 0x02"},
        {"symbol", "0461626300000000", CPS_ERR_FORMAT, "symbol: invalid symbol"},
        {"symbol", "1353595300000000", CPS_ERR_FORMAT, "symbol: invalid symbol"},
        {"asset", "00000000000000400453595300000000", CPS_ERR_OVERFLOW, "asset: asset amount"},
        {"public_key", "05", 0, "public_key: "},
        {"withvar", "00", CPS_ERR_TRUNCATED, "withvar.v<uint8>: "},
        {"uint32", "0000000000", CPS_ERR_TRAILING, "uint32: 1 unexpected bytes after offset 4"},
        {"ext", "", CPS_ERR_TRUNCATED, "ext: data ends before field x"},
        {"nosuch", "00", CPS_ERR_ABI_TYPE, "unknown type"},
    };
    load();
    ASSERT(abi != NULL);
    cps_buf b;
    cps_buf_init(&b);
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        const struct bin_err *c = &cases[i];
        uint8_t bin[256];
        size_t n;
        ASSERT_OK(cps_hex_decode(bin, sizeof bin, &n, c->hex, strlen(c->hex)));
        cps_buf_reset(&b);
        int rc = cps_abi_bin_to_json(abi, c->type, bin, n, &b);
        ASSERT_MSG(rc != 0, "%s %s: accepted as %s", c->type, c->hex, cps_buf_cstr(&b));
        ASSERT_MSG(c->code == 0 || rc == c->code, "%s %s: code %s, expected %s (%s)", c->type,
                   c->hex, cps_error_name(rc), cps_error_name(c->code), cps_last_error());
        ASSERT_MSG(test_contains(cps_last_error(), c->message),
                   "%s %s: message \"%s\" lacks \"%s\"", c->type, c->hex, cps_last_error(),
                   c->message);
        ASSERT_EQ(b.size, 0);
    }
    cps_buf_free(&b);
}

TEST(depth_limit_stops_deep_nesting_both_ways)
{
    load();
    cps_buf b, j;
    cps_buf_init(&b);
    cps_buf_init(&j);
    /* node -> node? -> node -> ...: each level is a struct and an optional. */
    cps_buf_reset(&b);
    for (int i = 0; i < 40; i++)
        cps_buf_printf(&b, "{\"v\":1,\"next\":");
    cps_buf_printf(&b, "null");
    for (int i = 0; i < 40; i++)
        cps_buf_printf(&b, "}");
    cps_buf out;
    cps_buf_init(&out);
    ASSERT_EQ(cps_abi_json_to_bin(abi, "node", (const char *)b.data, b.size, &out), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "nested deeper than 32 levels");
    /* The same in binary: 40 x (v=1, present) then absent. */
    uint8_t bin[81];
    for (int i = 0; i < 40; i++) {
        bin[2 * i] = 1;
        bin[2 * i + 1] = 1;
    }
    bin[80] = 0;
    ASSERT_EQ(cps_abi_bin_to_json(abi, "node", bin, sizeof bin, &j), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "node.next.next.next");
    /* 11 levels are fine. */
    bin[21] = 0;
    cps_buf_reset(&j);
    ASSERT_OK(cps_abi_bin_to_json(abi, "node", bin, 22, &j));
    cps_buf_free(&b);
    cps_buf_free(&j);
    cps_buf_free(&out);
}

TEST(json_string_escaping_matches_fc)
{
    cps_buf b;
    cps_buf_init(&b);
    /* control characters, DEL, C1 controls escaped; invalid UTF-8 dropped; others verbatim */
    const char in[] = "a\x01\x1f\x7f\xc2\x85\xc2\xa0\xff\xe2\x82\xac\xed\xa0\x80z\"\\/";
    ASSERT_OK(cps_abi_json_string(&b, in, sizeof in - 1));
    ASSERT_STR_EQ(cps_buf_cstr(&b),
                  "\"a\\u0001\\u001f\\u007f\\u0085\xc2\xa0\xe2\x82\xacz\\\"\\\\/\"");
    cps_buf_reset(&b);
    ASSERT_OK(cps_abi_json_string(&b, "\0x", 2));
    ASSERT_STR_EQ(cps_buf_cstr(&b), "\"\\u0000x\"");
    cps_buf_free(&b);
}

int main(int argc, char **argv)
{
    int rc = test_main(argc, argv);
    cps_abi_free(abi);
    return rc;
}
