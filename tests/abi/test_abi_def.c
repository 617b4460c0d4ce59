/* ABI definitions: JSON and binary abi_def parsing and writing, round trips, the built-in eosio
 * ABI (byte-identical to nodeos's genesis blob), and every validation rule with its message. */
#include "abi/abi.h"
#include "test.h"

/* sha256 and size of nodeos's eosio_abi_bin (libraries/chain/eosio_contract_abi_bin.cpp, the
 * ABI nodeos installs on eosio at genesis; captured from nodeos 1.7/1.8). */
#define EOSIO_ABI_BIN_SIZE 2132
static const char *eosio_abi_bin_sha256 =
    "ae67fd3b82d11a374330c96910014c0873af19696df619c669748f2173098e5d";

static const char *full_abi =
    "{\"version\":\"eosio::abi/1.2\","
    "\"types\":[{\"new_type_name\":\"account_name\",\"type\":\"name\"}],"
    "\"structs\":[{\"name\":\"transfer\",\"base\":\"\",\"fields\":["
    "{\"name\":\"from\",\"type\":\"account_name\"},{\"name\":\"to\",\"type\":\"name\"},"
    "{\"name\":\"quantity\",\"type\":\"asset\"},{\"name\":\"memo\",\"type\":\"string$\"}]},"
    "{\"name\":\"row\",\"base\":\"transfer\",\"fields\":[{\"name\":\"id\",\"type\":\"uint64\"}]}],"
    "\"actions\":[{\"name\":\"transfer\",\"type\":\"transfer\",\"ricardian_contract\":\"# "
    "Transfer\\nmove tokens\"}],"
    "\"tables\":[{\"name\":\"rows\",\"index_type\":\"i64\",\"key_names\":[\"id\"],"
    "\"key_types\":[\"uint64\"],\"type\":\"row\"}],"
    "\"ricardian_clauses\":[{\"id\":\"clause\",\"body\":\"body \\\"quoted\\\"\"}],"
    "\"error_messages\":[{\"error_code\":5000000000,\"error_msg\":\"big\"},"
    "{\"error_code\":1,\"error_msg\":\"one\"}],"
    "\"abi_extensions\":[[1,\"0a0b\"]],"
    "\"variants\":[{\"name\":\"v\",\"types\":[\"uint8\",\"transfer\"]}],"
    "\"action_results\":[{\"name\":\"transfer\",\"result_type\":\"uint64\"}]}";

static cps_abi *parse(const char *json)
{
    cps_abi *abi = NULL;
    if (cps_abi_from_json(json, strlen(json), &abi)) return NULL;
    return abi;
}

TEST(json_abi_round_trips_through_binary_and_json)
{
    cps_abi *abi = parse(full_abi);
    ASSERT_MSG(abi != NULL, "%s", cps_last_error());
    const cps_abi_def *d = cps_abi_definition(abi);
    ASSERT_STR_EQ(d->version, "eosio::abi/1.2");
    ASSERT_EQ(d->struct_count, 2);
    ASSERT_STR_EQ(d->structs[1].base, "transfer");
    ASSERT_EQ(d->error_messages[0].error_code, 5000000000ull);
    ASSERT_EQ(d->abi_extension_count, 1);
    ASSERT_EQ(d->abi_extensions[0].type, 1);
    ASSERT_EQ(d->abi_extensions[0].data.size, 2);
    ASSERT_EQ(d->binary_extension_count, 2);
    ASSERT_EQ(d->tables[0].key_name_count, 1);

    cps_buf bin, json, bin2, json2;
    cps_buf_init(&bin);
    cps_buf_init(&json);
    cps_buf_init(&bin2);
    cps_buf_init(&json2);
    ASSERT_OK(cps_abi_to_bin(abi, &bin));
    ASSERT_OK(cps_abi_to_json(abi, &json));
    cps_abi *from_bin = NULL, *from_json = NULL;
    ASSERT_OK(cps_abi_from_bin(bin.data, bin.size, &from_bin));
    ASSERT_OK(cps_abi_from_json((const char *)json.data, json.size, &from_json));
    ASSERT_OK(cps_abi_to_bin(from_json, &bin2));
    ASSERT_OK(cps_abi_to_json(from_bin, &json2));
    ASSERT_EQ(bin.size, bin2.size);
    ASSERT_MEM_EQ(bin.data, bin2.data, bin.size);
    ASSERT_STR_EQ(cps_buf_cstr(&json), cps_buf_cstr(&json2));
    /* nodeos's field order and forms: big error codes as strings, extensions as pairs. */
    ASSERT_CONTAINS(cps_buf_cstr(&json),
                    "{\"version\":\"eosio::abi/1.2\",\"types\":[{\"new_type_name\"");
    ASSERT_CONTAINS(cps_buf_cstr(&json), "\"error_messages\":[{\"error_code\":\"5000000000\","
                                         "\"error_msg\":\"big\"},{\"error_code\":1,");
    ASSERT_CONTAINS(
        cps_buf_cstr(&json),
        "\"abi_extensions\":[[1,\"0a0b\"]],\"variants\":[{\"name\":\"v\",\"types\":[\"uint8\","
        "\"transfer\"]}],\"action_results\":[{\"name\":\"transfer\",\"result_type\":\"uint64\"}]}");
    ASSERT_CONTAINS(cps_buf_cstr(&json), "\"ricardian_contract\":\"# Transfer\\nmove tokens\"");

    /* Conversion works the same through either copy. */
    const char *row =
        "{\"from\":\"a\",\"to\":\"b\",\"quantity\":\"1.0 X\",\"memo\":\"m\",\"id\":9}";
    cps_buf r1, r2;
    cps_buf_init(&r1);
    cps_buf_init(&r2);
    ASSERT_OK(cps_abi_json_to_bin(abi, "row", row, strlen(row), &r1));
    ASSERT_OK(cps_abi_json_to_bin(from_bin, "row", row, strlen(row), &r2));
    ASSERT_EQ(r1.size, r2.size);
    ASSERT_MEM_EQ(r1.data, r2.data, r1.size);

    cps_buf_free(&r1);
    cps_buf_free(&r2);
    cps_buf_free(&bin);
    cps_buf_free(&json);
    cps_buf_free(&bin2);
    cps_buf_free(&json2);
    cps_abi_free(abi);
    cps_abi_free(from_bin);
    cps_abi_free(from_json);
}

TEST(binary_extension_presence_is_preserved)
{
    /* version, then 7 empty vectors and empty extensions: no variants/action_results at all. */
    uint8_t v10[] = {14,  'e', 'o', 's', 'i', 'o', ':', ':', 'a', 'b', 'i',
                     '/', '1', '.', '0', 0,   0,   0,   0,   0,   0,   0};
    for (int extra = 0; extra <= 2; extra++) {
        uint8_t buf[32];
        memcpy(buf, v10, sizeof v10);
        memset(buf + sizeof v10, 0, 2);
        cps_abi *abi = NULL;
        ASSERT_OK(cps_abi_from_bin(buf, sizeof v10 + extra, &abi));
        ASSERT_EQ(cps_abi_definition(abi)->binary_extension_count, extra);
        cps_buf b;
        cps_buf_init(&b);
        ASSERT_OK(cps_abi_to_bin(abi, &b));
        ASSERT_EQ(b.size, sizeof v10 + extra);
        ASSERT_MEM_EQ(b.data, buf, b.size);
        cps_buf_free(&b);
        cps_abi_free(abi);
    }
}

TEST(eosio_native_abi_is_byte_identical_to_nodeos_genesis_abi)
{
    const cps_abi *abi = cps_abi_eosio_native();
    ASSERT(abi != NULL);
    ASSERT(abi == cps_abi_eosio_native());
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_to_bin(abi, &b));
    ASSERT_EQ(b.size, EOSIO_ABI_BIN_SIZE);
    uint8_t h[32];
    char hex[65];
    cps_sha256(b.data, b.size, h);
    cps_hex_encode(hex, h, 32);
    ASSERT_STR_EQ(hex, eosio_abi_bin_sha256);

    /* The blob parses back to the same bytes. */
    cps_abi *again = NULL;
    ASSERT_OK(cps_abi_from_bin(b.data, b.size, &again));
    cps_buf b2;
    cps_buf_init(&b2);
    ASSERT_OK(cps_abi_to_bin(again, &b2));
    ASSERT_EQ(b2.size, b.size);
    ASSERT_MEM_EQ(b2.data, b.data, b.size);

    /* And it converts native action data: a newaccount with one key. */
    const char *na =
        "{\"creator\":\"eosio\",\"name\":\"alice\","
        "\"owner\":{\"threshold\":1,\"keys\":[{\"key\":"
        "\"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\",\"weight\":1}],\"accounts\":[],"
        "\"waits\":[]},"
        "\"active\":{\"threshold\":1,\"keys\":[],\"accounts\":[{\"permission\":{\"actor\":\"bob\","
        "\"permission\":\"active\"},\"weight\":1}],\"waits\":[{\"wait_sec\":3600,\"weight\":1}]}}";
    json_t *v = json_loads(na, 0, NULL);
    cps_buf data, back;
    cps_buf_init(&data);
    cps_buf_init(&back);
    ASSERT_OK(cps_abi_action_json_to_bin(abi, cps_abi_name("newaccount"), v, &data));
    json_decref(v);
    ASSERT_OK(
        cps_abi_action_bin_to_json(abi, cps_abi_name("newaccount"), data.data, data.size, &back));
    ASSERT_STR_EQ(cps_buf_cstr(&back), na);
    /* The same bytes decode with the protocol structures. */
    cps_reader r = cps_reader_make(data.data + 16, data.size - 16);
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_authority owner, active;
    ASSERT_OK(cps_abi_authority_unpack(&r, &a, &owner));
    ASSERT_OK(cps_abi_authority_unpack(&r, &a, &active));
    ASSERT_EQ(cps_reader_left(&r), 0);
    ASSERT_EQ(owner.key_count, 1);
    ASSERT_EQ(active.waits[0].wait_sec, 3600);
    ASSERT_OK(cps_abi_authority_validate(&owner));
    ASSERT_OK(cps_abi_authority_validate(&active));

    const cps_abi_def *d = cps_abi_definition(abi);
    ASSERT_EQ(d->action_count, 10);
    ASSERT_EQ(d->struct_count, 22);
    ASSERT_STR_EQ(cps_abi_action_type(abi, cps_abi_name("onblock")), "onblock");
    cps_abi_arena_free(&a);
    cps_abi_free(again);
    cps_buf_free(&b);
    cps_buf_free(&b2);
    cps_buf_free(&data);
    cps_buf_free(&back);
}

/* Builds an ABI from its types and structs (and optional extra members). */
static int try_abi(const char *types, const char *structs, const char *extra)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"version\":\"eosio::abi/1.1\",\"types\":[%s],\"structs\":[%s]%s%s}", types, structs,
             extra[0] ? "," : "", extra);
    cps_abi *abi = NULL;
    int rc = cps_abi_from_json(json, strlen(json), &abi);
    cps_abi_free(abi);
    return rc;
}

#define TD(a, b) "{\"new_type_name\":\"" a "\",\"type\":\"" b "\"}"
#define ST(n, base, fields) "{\"name\":\"" n "\",\"base\":\"" base "\",\"fields\":[" fields "]}"
#define FD(n, t) "{\"name\":\"" n "\",\"type\":\"" t "\"}"

struct abi_err {
    const char *types, *structs, *extra;
    int code;
    const char *message;
};

TEST(validation_rejects_bad_abis_with_clear_messages)
{
    static const struct abi_err cases[] = {
        {"", ST("s", "", FD("f", "nope")), "", CPS_ERR_ABI_TYPE,
         "struct s, field f: unknown type \"nope\""},
        {TD("a", "b") "," TD("b", "a"), "", "", CPS_ERR_ABI, "circular reference in typedef"},
        {TD("a", "a"), "", "", CPS_ERR_ABI, "circular reference in typedef a"},
        {TD("a", "a[]"), "", "", CPS_ERR_ABI, "circular reference in typedef a"},
        {"", ST("a", "b", "") "," ST("b", "a", ""), "", CPS_ERR_ABI,
         "circular reference in struct"},
        {"", ST("a", "a", ""), "", CPS_ERR_ABI, "circular reference in struct a"},
        {"", ST("a", "uint8", ""), "", CPS_ERR_ABI, "struct a: base uint8 is not a struct"},
        {"", ST("a", "missing", ""), "", CPS_ERR_ABI_TYPE,
         "struct a, base: unknown type \"missing\""},
        {"", ST("a", "", "") "," ST("a", "", ""), "", CPS_ERR_ABI, "duplicate struct definition a"},
        {TD("t", "uint8") "," TD("t", "uint16"), "", "", CPS_ERR_ABI,
         "duplicate type definition t"},
        {TD("name", "uint64"), "", "", CPS_ERR_ABI, "typedef name: type already exists"},
        {TD("s", "uint64"), ST("s", "", ""), "", CPS_ERR_ABI, "typedef s: type already exists"},
        {"", ST("s", "", ""), "\"variants\":[{\"name\":\"s\",\"types\":[\"uint8\"]}]", CPS_ERR_ABI,
         "duplicate variant definition s (also a struct)"},
        {"", "", "\"variants\":[{\"name\":\"v\",\"types\":[\"uint8\",\"bad\"]}]", CPS_ERR_ABI_TYPE,
         "variant v, alternative 1: unknown type \"bad\""},
        {"", ST("s", "", ""),
         "\"actions\":[{\"name\":\"a\",\"type\":\"s\"},{\"name\":\"a\",\"type\":\"s\"}]",
         CPS_ERR_ABI, "duplicate action definition a"},
        {"", "", "\"actions\":[{\"name\":\"a\",\"type\":\"nope\"}]", CPS_ERR_ABI_TYPE,
         "action a: unknown type \"nope\""},
        {"", "", "\"actions\":[{\"name\":\"Bad\",\"type\":\"uint8\"}]", CPS_ERR_ABI,
         "actions[0].name: name \"Bad\" is not a valid name"},
        {"", "", "\"tables\":[{\"name\":\"t\",\"type\":\"nope\"}]", CPS_ERR_ABI_TYPE,
         "table t: unknown type \"nope\""},
        {"", "",
         "\"tables\":[{\"name\":\"t\",\"type\":\"uint8\"},{\"name\":\"t\",\"type\":\"uint8\"}]",
         CPS_ERR_ABI, "duplicate table definition t"},
        {"", "",
         "\"error_messages\":[{\"error_code\":1,\"error_msg\":\"a\"},{\"error_code\":1,\"error_"
         "msg\":\"b\"}]",
         CPS_ERR_ABI, "duplicate error message definition 1"},
        {"", "", "\"action_results\":[{\"name\":\"a\",\"result_type\":\"nope\"}]", CPS_ERR_ABI_TYPE,
         "action result a: unknown type \"nope\""},
        {"", "",
         "\"action_results\":[{\"name\":\"a\",\"result_type\":\"uint8\"},{\"name\":\"a\",\"result_"
         "type\":\"uint8\"}]",
         CPS_ERR_ABI, "duplicate action results definition a"},
        {"", ST("s", "", FD("f", "uint8[][]")), "", CPS_ERR_ABI_TYPE,
         "a suffix on a suffixed type needs a typedef"},
        {"", ST("s", "", FD("f", "uint8?[]")), "", CPS_ERR_ABI_TYPE, "unknown type \"uint8?\""},
        {"", ST("s", "", FD("f", "uint8[32]")), "", CPS_ERR_ABI_TYPE,
         "fixed-size array type \"uint8[32]\" is not supported"},
        {"", ST("s", "", FD("f", "uint8$$")), "", CPS_ERR_ABI_TYPE, "unknown type \"uint8$\""},
        {"", ST("s[]", "", ""), "", CPS_ERR_ABI, "a name may not end in [], ? or $"},
        {"", ST("", "", ""), "", CPS_ERR_ABI, "struct with an empty name"},
        {"", ST("s", "", FD("f", "")), "", CPS_ERR_ABI_TYPE, "struct s, field f: empty type name"},
        {"", "", "\"structs\":{}", CPS_ERR_ABI, "expected an array, got object"},
        {"", "", "\"types\":[7]", CPS_ERR_ABI, "types[0]: expected an object, got integer"},
        {"", ST("s", "", "{\"name\":5,\"type\":\"uint8\"}"), "", CPS_ERR_ABI,
         "structs[0].fields[0].name: expected a string, got integer"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        const struct abi_err *c = &cases[i];
        int rc = try_abi(c->types, c->structs, c->extra);
        ASSERT_MSG(rc == c->code, "case %zu: code %s, expected %s (%s)", i, cps_error_name(rc),
                   cps_error_name(c->code), cps_last_error());
        ASSERT_MSG(test_contains(cps_last_error(), c->message), "case %zu: \"%s\" lacks \"%s\"", i,
                   cps_last_error(), c->message);
    }
}

TEST(valid_edge_cases_are_accepted)
{
    /* Typedef to a suffixed type, then a suffix on the typedef; self-reference through an
     * optional; typedef of a struct used as a base; a typedef used before its declaration. */
    ASSERT_OK(try_abi(TD("row", "uint8[]") "," TD("later", "row"),
                      ST("m", "", FD("rows", "row[]") "," FD("o", "row?")), ""));
    ASSERT_OK(try_abi("", ST("n", "", FD("next", "n?") "," FD("kids", "n[]")), ""));
    ASSERT_OK(try_abi(TD("base_alias", "b"), ST("b", "", "") "," ST("d", "base_alias", ""), ""));
    ASSERT_OK(try_abi(TD("z", "y") "," TD("y", "x") "," TD("x", "uint8"), "", ""));
    /* A struct named like a built-in is shadowed by it, as in nodeos (not an error). */
    ASSERT_OK(try_abi("", ST("name", "", FD("a", "uint8")), ""));
    ASSERT_OK(try_abi("", "", "\"variants\":[{\"name\":\"asset\",\"types\":[\"uint8\"]}]"));
    /* ... but still validated. */
    ASSERT_EQ(try_abi("", ST("name", "", FD("a", "nope")), ""), CPS_ERR_ABI_TYPE);
    /* and "name" still means the built-in */
    cps_abi *abi = parse("{\"version\":\"eosio::abi/"
                         "1.1\",\"structs\":[{\"name\":\"name\",\"base\":\"\",\"fields\":[]}]}");
    ASSERT(abi != NULL);
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_json_to_bin(abi, "name", "\"bob\"", 5, &b));
    ASSERT_EQ(b.size, 8);
    cps_buf_free(&b);
    cps_abi_free(abi);
}

TEST(version_must_be_eosio_abi_1_x)
{
    cps_abi *abi = NULL;
    const char *v2 = "{\"version\":\"eosio::abi/2.0\"}";
    ASSERT_EQ(cps_abi_from_json(v2, strlen(v2), &abi), CPS_ERR_ABI);
    ASSERT_CONTAINS(cps_last_error(), "unsupported ABI version \"eosio::abi/2.0\"");
    const char *none = "{}";
    ASSERT_EQ(cps_abi_from_json(none, strlen(none), &abi), CPS_ERR_ABI);
    const char *v13 = "{\"version\":\"eosio::abi/1.3\"}";
    ASSERT_OK(cps_abi_from_json(v13, strlen(v13), &abi));
    cps_abi_free(abi);
    ASSERT_EQ(cps_abi_from_json("[", 1, &abi), CPS_ERR_JSON);
    ASSERT(abi == NULL);
}

TEST(typedef_chains_deeper_than_the_limit_are_rejected)
{
    char types[8192];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(types + n, sizeof types - n,
                              "%s{\"new_type_name\":\"t%d\",\"type\":\"t%d\"}", i ? "," : "", i,
                              i + 1);
    snprintf(types + n, sizeof types - n, ",{\"new_type_name\":\"t40\",\"type\":\"uint8\"}");
    ASSERT_EQ(try_abi(types, "", ""), CPS_ERR_LIMIT);
    ASSERT_CONTAINS(cps_last_error(), "chain of typedefs deeper than 32");
    /* 20 deep is fine. */
    n = 0;
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(types + n, sizeof types - n,
                              "%s{\"new_type_name\":\"t%d\",\"type\":\"t%d\"}", i ? "," : "", i,
                              i + 1);
    snprintf(types + n, sizeof types - n, ",{\"new_type_name\":\"t20\",\"type\":\"uint8\"}");
    ASSERT_OK(try_abi(types, "", ""));
}

TEST(every_truncation_of_a_binary_abi_fails_cleanly)
{
    cps_abi *abi = parse(full_abi);
    ASSERT(abi != NULL);
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_to_bin(abi, &b));
    cps_abi_free(abi);
    int accepted = 0;
    for (size_t n = 0; n < b.size; n++) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size, so ASan sees any overread */
        memcpy(copy, b.data, n);
        cps_abi *p = NULL;
        int rc = cps_abi_from_bin(copy, n, &p);
        if (rc == 0) {
            accepted++; /* only where the optional binary extensions begin */
            cps_abi_free(p);
        } else {
            ASSERT(p == NULL);
            ASSERT(cps_last_error()[0] != 0);
        }
        free(copy);
    }
    /* Without action_results, and without variants too: but variants are referenced by nothing
     * here, so both shorter forms are valid ABIs. */
    ASSERT_EQ(accepted, 2);
    /* Trailing bytes (after the empty kv_tables map eosjs appends, which is accepted). */
    ASSERT_OK(cps_write_u8(&b, 0));
    ASSERT_OK(cps_write_u8(&b, 0));
    cps_abi *p = NULL;
    ASSERT_EQ(cps_abi_from_bin(b.data, b.size, &p), CPS_ERR_TRAILING);
    cps_buf_free(&b);
}

TEST(eosjs_empty_kv_tables_trailer_is_accepted_and_a_full_one_refused)
{
    /* eosjs 22 serializes abi_def with EOSIO 2.1's kv_tables map after action_results: an empty
     * map is one 0 byte. setabi from eosjs must work, so it is accepted; real KV tables are not. */
    uint8_t abi_bytes[] = {14,  'e', 'o', 's', 'i', 'o', ':', ':', 'a', 'b', 'i', '/', '1',
                           '.', '2', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0};
    cps_abi *abi = NULL;
    ASSERT_OK(cps_abi_from_bin(abi_bytes, sizeof abi_bytes, &abi));
    ASSERT_EQ(cps_abi_definition(abi)->binary_extension_count, 2);
    cps_abi_free(abi);
    abi = NULL;
    abi_bytes[sizeof abi_bytes - 1] = 1; /* one kv table declared */
    ASSERT_EQ(cps_abi_from_bin(abi_bytes, sizeof abi_bytes, &abi), CPS_ERR_UNSUPPORTED);
    ASSERT_CONTAINS(cps_last_error(), "kv_tables");
    ASSERT(abi == NULL);
}

TEST(binary_abi_errors_are_specific)
{
    cps_abi *abi = NULL;
    /* 0xffffffff structs declared in a few bytes. */
    uint8_t huge[] = {14,  'e', 'o', 's', 'i', 'o',  ':',  ':',  'a',  'b',  'i',
                      '/', '1', '.', '0', 0,   0xff, 0xff, 0xff, 0xff, 0x0f, 0};
    ASSERT_EQ(cps_abi_from_bin(huge, sizeof huge, &abi), CPS_ERR_TRUNCATED);
    ASSERT_CONTAINS(cps_last_error(), "structs: 4294967295 entries declared");
    /* A NUL inside a type name. */
    uint8_t nul[] = {14,  'e', 'o', 's', 'i', 'o', ':', ':', 'a', 'b', 'i', '/', '1', '.',
                     '0', 1,   2,   'a', 0,   1,   'b', 0,   0,   0,   0,   0,   0};
    ASSERT_EQ(cps_abi_from_bin(nul, sizeof nul, &abi), CPS_ERR_ABI);
    ASSERT_CONTAINS(cps_last_error(), "NUL");
    /* Overlong varuint32 count. */
    uint8_t overlong[] = {14,  'e', 'o', 's', 'i',  'o',  ':',  ':',  'a',  'b', 'i',
                          '/', '1', '.', '0', 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    ASSERT_NE(cps_abi_from_bin(overlong, sizeof overlong, &abi), 0);
    ASSERT_CONTAINS(cps_last_error(), "types");
    /* A struct name that is not UTF-8 (its JSON form could not say it). */
    uint8_t bad_utf8[] = {14,  'e', 'o', 's', 'i',  'o', ':', ':', 'a', 'b', 'i', '/', '1', '.',
                          '0', 0,   1,   1,   0xff, 0,   0,   0,   0,   0,   0,   0,   0};
    ASSERT_EQ(cps_abi_from_bin(bad_utf8, sizeof bad_utf8, &abi), CPS_ERR_ABI);
    ASSERT_CONTAINS(cps_last_error(), "struct name is not valid UTF-8");
    /* Wrong version in binary. */
    uint8_t v2[] = {14,  'e', 'o', 's', 'i', 'o', ':', ':', 'a', 'b', 'i',
                    '/', '2', '.', '0', 0,   0,   0,   0,   0,   0,   0};
    ASSERT_EQ(cps_abi_from_bin(v2, sizeof v2, &abi), CPS_ERR_ABI);
    ASSERT(abi == NULL);
}

TEST(from_def_copies_the_callers_definition)
{
    cps_abi_field fields[] = {{"a", "uint8"}, {"b", "string"}};
    cps_abi_struct structs[] = {{"s", "", fields, 2}};
    cps_abi_action actions[] = {{cps_abi_name("act"), "s", ""}};
    cps_abi_def def = {.version = "eosio::abi/1.0",
                       .structs = structs,
                       .struct_count = 1,
                       .actions = actions,
                       .action_count = 1};
    cps_abi *abi = NULL;
    ASSERT_OK(cps_abi_from_def(&def, &abi));
    /* binary_extension_count 0 with variants present: the variants are still written */
    const char *alts[] = {"uint8"};
    cps_abi_variant variants[] = {{"v", alts, 1}};
    cps_abi_def with_variant = def;
    with_variant.variants = variants;
    with_variant.variant_count = 1;
    cps_abi *va = NULL;
    ASSERT_OK(cps_abi_from_def(&with_variant, &va));
    cps_buf vb;
    cps_buf_init(&vb);
    ASSERT_OK(cps_abi_to_bin(va, &vb));
    cps_abi *vback = NULL;
    ASSERT_OK(cps_abi_from_bin(vb.data, vb.size, &vback));
    ASSERT_EQ(cps_abi_definition(vback)->variant_count, 1);
    ASSERT(cps_abi_is_type(vback, "v"));
    cps_abi_free(va);
    cps_abi_free(vback);
    cps_buf_free(&vb);
    fields[0].type = "nonsense"; /* the ABI does not look at the caller's data any more */
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_abi_json_to_bin(abi, "s", "{\"a\":1,\"b\":\"x\"}", 15, &b));
    ASSERT_EQ(b.size, 3);
    cps_buf_free(&b);
    cps_abi_free(abi);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
