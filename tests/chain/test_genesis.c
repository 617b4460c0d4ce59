/* Tests of genesis handling: EOSIO 2.0's default configuration and genesis, chain ids that EOSIO
 * itself produced (a fresh nodeos 2.0, the EOSIO 1.x development genesis, EOSIO's unit-test
 * genesis), the raw layout, JSON parsing as nodeos reads --genesis-json, every chain_config
 * validation rule, and clean failures on bad input. */
#include "chain/chain.h"
#include "test.h"

#include <stdio.h>
#include <unistd.h>

/* get_info of a fresh EOSIO 2.0 nodeos started without a genesis file (built-in genesis). */
#define CHAIN_ID_EOSIO2_DEFAULT "8a34ec7df1b8cd06ff4a8abbaa7cc50300823350cadc59ab296cb00d104d2b8f"
/* The development chain of EOSIO 1.x (same genesis but max_inline_action_size 4096), the chain
 * id eosjs examples and the transfer_offline.json reference use. */
#define CHAIN_ID_EOSIO1_DEV "cf057bbfb72640471fd910bcb67639c22df9f92470936cddc1ade0e2f2e7dc4f"
/* EOSIO's unit-test fixture blocks.log (unittests/snapshots/blocks.log), written by its tester
 * with tester::default_genesis() — 2020-01-01T00:00:00.000 and the key of sha256("eosioactive") —
 * and the legacy max_inline_action_size of 4096 (snapshot_tests.cpp), the configuration otherwise
 * default (reference notes §5). */
#define CHAIN_ID_EOSIO_TESTER "90d8c7436017001e64891e8b6b7eb0060baeb350048eb52d2cdb594fdbc2617d"
#define TESTER_KEY "EOS5P52UyPoYL7vMiSREPvqxh6WebuMAunCMK4w53J7Gu6zmk4qyN"

/* The EOSIO 1.x development genesis as nodeos tests wrote it (tests/p2p_tests/dawn_515). */
static const char *dev_genesis_json =
    "{\n"
    "  \"initial_timestamp\": \"2018-06-01T12:00:00.000\",\n"
    "  \"initial_key\": \"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\",\n"
    "  \"initial_configuration\": {\n"
    "    \"max_block_net_usage\": 1048576,\n"
    "    \"target_block_net_usage_pct\": 1000,\n"
    "    \"max_transaction_net_usage\": 524288,\n"
    "    \"base_per_transaction_net_usage\": 12,\n"
    "    \"net_usage_leeway\": 500,\n"
    "    \"context_free_discount_net_usage_num\": 20,\n"
    "    \"context_free_discount_net_usage_den\": 100,\n"
    "    \"max_block_cpu_usage\": 200000,\n"
    "    \"target_block_cpu_usage_pct\": 1000,\n"
    "    \"max_transaction_cpu_usage\": 150000,\n"
    "    \"min_transaction_cpu_usage\": 100,\n"
    "    \"max_transaction_lifetime\": 3600,\n"
    "    \"deferred_trx_expiration_window\": 600,\n"
    "    \"max_transaction_delay\": 3888000,\n"
    "    \"max_inline_action_size\": 4096,\n"
    "    \"max_inline_action_depth\": 4,\n"
    "    \"max_authority_depth\": 6\n"
    "  }\n"
    "}\n";

static void hex_of(const cps_checksum256 *c, char out[65])
{
    cps_hex_encode(out, c->b, 32);
}

static int parse(const char *json, cps_chain_genesis *g)
{
    return cps_chain_genesis_from_json(json, strlen(json), g);
}

TEST(default_config_is_eosio_2_0)
{
    cps_chain_config c;
    cps_chain_config_default(&c);
    ASSERT_U64_EQ(c.max_block_net_usage, 1048576);
    ASSERT_EQ(c.target_block_net_usage_pct, 1000);
    ASSERT_EQ(c.max_transaction_net_usage, 524288);
    ASSERT_EQ(c.base_per_transaction_net_usage, 12);
    ASSERT_EQ(c.net_usage_leeway, 500);
    ASSERT_EQ(c.context_free_discount_net_usage_num, 20);
    ASSERT_EQ(c.context_free_discount_net_usage_den, 100);
    ASSERT_EQ(c.max_block_cpu_usage, 200000);
    ASSERT_EQ(c.target_block_cpu_usage_pct, 1000);
    ASSERT_EQ(c.max_transaction_cpu_usage, 150000);
    ASSERT_EQ(c.min_transaction_cpu_usage, 100);
    ASSERT_EQ(c.max_transaction_lifetime, 3600);
    ASSERT_EQ(c.deferred_trx_expiration_window, 600);
    ASSERT_EQ(c.max_transaction_delay, 3888000);
    ASSERT_EQ(c.max_inline_action_size, 524288);
    ASSERT_EQ(c.max_inline_action_depth, 4);
    ASSERT_EQ(c.max_authority_depth, 6);
    ASSERT_OK(cps_chain_config_validate(&c));
}

TEST(default_genesis_gives_the_chain_id_of_a_fresh_nodeos)
{
    cps_chain_genesis g;
    cps_chain_genesis_default(&g);
    char ts[64];
    cps_time_format(ts, sizeof ts, g.initial_timestamp, true);
    ASSERT_STR_EQ(ts, "2018-06-01T12:00:00.000");
    char key[CPS_PUBLIC_KEY_STR_MAX];
    ASSERT_OK(cps_public_key_to_string(&g.initial_key, false, key, sizeof key));
    ASSERT_STR_EQ(key, CPS_CHAIN_DEFAULT_INITIAL_KEY);
    cps_checksum256 id;
    char hex[65];
    ASSERT_OK(cps_chain_genesis_chain_id(&g, &id));
    hex_of(&id, hex);
    ASSERT_STR_EQ(hex, CHAIN_ID_EOSIO2_DEFAULT);
    /* An empty genesis file means the same thing: every field defaults. */
    cps_chain_genesis e;
    ASSERT_OK(parse("{}", &e));
    ASSERT_OK(cps_chain_genesis_chain_id(&e, &id));
    hex_of(&id, hex);
    ASSERT_STR_EQ(hex, CHAIN_ID_EOSIO2_DEFAULT);
}

TEST(eosio1_dev_genesis_json_gives_its_known_chain_id)
{
    cps_chain_genesis g;
    ASSERT_OK(parse(dev_genesis_json, &g));
    ASSERT_EQ(g.initial_configuration.max_inline_action_size, 4096);
    cps_checksum256 id;
    char hex[65];
    ASSERT_OK(cps_chain_genesis_chain_id(&g, &id));
    hex_of(&id, hex);
    ASSERT_STR_EQ(hex, CHAIN_ID_EOSIO1_DEV);
}

TEST(eosio_unit_test_genesis_gives_the_fixture_chain_id)
{
    cps_chain_genesis g;
    ASSERT_OK(
        parse("{\"initial_timestamp\":\"2020-01-01T00:00:00.000\",\"initial_key\":\"" TESTER_KEY
              "\",\"initial_configuration\":{\"max_inline_action_size\":4096}}",
              &g));
    cps_checksum256 id;
    char hex[65];
    ASSERT_OK(cps_chain_genesis_chain_id(&g, &id));
    hex_of(&id, hex);
    ASSERT_STR_EQ(hex, CHAIN_ID_EOSIO_TESTER);
    /* The tester key is derived from sha256("eosio" + "active"), as EOSIO's tester does. */
    cps_private_key sk = {CPS_KEY_K1, {0}};
    cps_sha256("eosioactive", 11, sk.secret);
    cps_public_key pk;
    ASSERT_OK(cps_key_public(&sk, &pk));
    ASSERT_EQ(cps_public_key_compare(&pk, &g.initial_key), 0);
}

TEST(raw_layout_follows_fc_reflect_order)
{
    cps_chain_genesis g;
    cps_chain_genesis_default(&g);
    g.initial_configuration.max_inline_action_size = 4096;
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_chain_genesis_pack(&b, &g));
    ASSERT_EQ(b.size, CPS_CHAIN_GENESIS_PACKED_SIZE);
    ASSERT_U64_EQ(cps_load_u64(b.data), 1527854400000000ull);
    ASSERT_EQ(b.data[8], 0); /* K1 */
    ASSERT_MEM_EQ(b.data + 9, g.initial_key.data, 33);
    /* This configuration as EOSIO wrote it in the header of its fixture blocks.log. */
    static const char cfg_hex[] = "0000100000000000e8030000000008000c000000f4010000140000006400000"
                                  "0400d0300e8030000f049020064000000100e00005802000080533b000010"
                                  "000004000600";
    uint8_t cfg[68];
    size_t n;
    ASSERT_OK(cps_hex_decode(cfg, sizeof cfg, &n, cfg_hex, strlen(cfg_hex)));
    ASSERT_EQ(n, CPS_CHAIN_CONFIG_PACKED_SIZE);
    ASSERT_MEM_EQ(b.data + 42, cfg, 68);
    /* chain id = sha256 of exactly these bytes. */
    uint8_t h[32];
    cps_sha256(b.data, b.size, h);
    cps_checksum256 id;
    ASSERT_OK(cps_chain_genesis_chain_id(&g, &id));
    ASSERT_MEM_EQ(h, id.b, 32);
    cps_buf_free(&b);
}

TEST(pack_unpack_round_trip_and_truncation)
{
    cps_chain_genesis g;
    ASSERT_OK(parse(dev_genesis_json, &g));
    g.initial_configuration.max_block_net_usage = 0x123456789abcull;
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_chain_genesis_pack(&b, &g));
    cps_reader r = cps_reader_make(b.data, b.size);
    cps_chain_genesis back;
    ASSERT_OK(cps_chain_genesis_unpack(&r, &back));
    ASSERT_EQ(r.pos, b.size);
    ASSERT_MEM_EQ(&back.initial_configuration, &g.initial_configuration,
                  sizeof g.initial_configuration);
    ASSERT_EQ(back.initial_timestamp, g.initial_timestamp);
    ASSERT_EQ(cps_public_key_compare(&back.initial_key, &g.initial_key), 0);
    for (size_t cut = 0; cut < b.size; cut++) {
        cps_reader t = cps_reader_make(b.data, cut);
        int rc = cps_chain_genesis_unpack(&t, &back);
        ASSERT_MSG(rc == CPS_ERR_TRUNCATED, "cut at %zu gave %d", cut, rc);
    }
    /* A key type that does not exist fails cleanly and names the field. */
    b.data[8] = 7;
    r = cps_reader_make(b.data, b.size);
    ASSERT_NE(cps_chain_genesis_unpack(&r, &back), 0);
    ASSERT_CONTAINS(cps_last_error(), "initial_key");
    cps_buf_free(&b);
}

TEST(json_absent_fields_keep_defaults_and_unknown_are_ignored)
{
    cps_chain_genesis g, d;
    cps_chain_genesis_default(&d);
    ASSERT_OK(parse("{\"initial_configuration\":{\"max_authority_depth\":\"9\","
                    "\"max_block_cpu_usage\":300000},\"initial_chain_id\":\"00\",\"x\":[1,2]}",
                    &g));
    ASSERT_EQ(g.initial_configuration.max_authority_depth, 9);
    ASSERT_EQ(g.initial_configuration.max_block_cpu_usage, 300000);
    ASSERT_EQ(g.initial_configuration.max_transaction_cpu_usage, 150000);
    ASSERT_EQ(g.initial_timestamp, d.initial_timestamp);
    ASSERT_EQ(cps_public_key_compare(&g.initial_key, &d.initial_key), 0);
    /* Timestamps without milliseconds, and keys in the PUB_K1_ form, are accepted. */
    ASSERT_OK(parse("{\"initial_timestamp\":\"2018-06-01T12:00:00\",\"initial_key\":"
                    "\"PUB_K1_6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5BoDq63\"}",
                    &g));
    cps_checksum256 id;
    char hex[65];
    ASSERT_OK(cps_chain_genesis_chain_id(&g, &id));
    hex_of(&id, hex);
    ASSERT_STR_EQ(hex, CHAIN_ID_EOSIO2_DEFAULT);
}

TEST(json_output_is_nodeos_form_and_reads_back)
{
    cps_chain_genesis g;
    cps_chain_genesis_default(&g);
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_chain_genesis_to_json(&g, &b));
    ASSERT_STR_EQ(cps_buf_cstr(&b),
                  "{\"initial_timestamp\":\"2018-06-01T12:00:00.000\",\"initial_key\":"
                  "\"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\","
                  "\"initial_configuration\":{\"max_block_net_usage\":1048576,"
                  "\"target_block_net_usage_pct\":1000,\"max_transaction_net_usage\":524288,"
                  "\"base_per_transaction_net_usage\":12,\"net_usage_leeway\":500,"
                  "\"context_free_discount_net_usage_num\":20,"
                  "\"context_free_discount_net_usage_den\":100,\"max_block_cpu_usage\":200000,"
                  "\"target_block_cpu_usage_pct\":1000,\"max_transaction_cpu_usage\":150000,"
                  "\"min_transaction_cpu_usage\":100,\"max_transaction_lifetime\":3600,"
                  "\"deferred_trx_expiration_window\":600,\"max_transaction_delay\":3888000,"
                  "\"max_inline_action_size\":524288,\"max_inline_action_depth\":4,"
                  "\"max_authority_depth\":6}}");
    /* Values beyond 32 bits print as strings (fc) and still read back. */
    g.initial_configuration.max_block_net_usage = 10000000000ull;
    g.initial_timestamp = 1577836800123000; /* 2020-01-01T00:00:00.123 */
    cps_buf_reset(&b);
    ASSERT_OK(cps_chain_genesis_to_json(&g, &b));
    ASSERT_CONTAINS(cps_buf_cstr(&b), "\"max_block_net_usage\":\"10000000000\"");
    ASSERT_CONTAINS(cps_buf_cstr(&b), "\"2020-01-01T00:00:00.123\"");
    cps_chain_genesis back;
    ASSERT_OK(cps_chain_genesis_from_json((const char *)b.data, b.size, &back));
    ASSERT_MEM_EQ(&back.initial_configuration, &g.initial_configuration,
                  sizeof g.initial_configuration);
    ASSERT_EQ(back.initial_timestamp, g.initial_timestamp);
    cps_buf_free(&b);
}

TEST(json_errors_name_the_field)
{
    cps_chain_genesis g;
    ASSERT_EQ(parse("[]", &g), CPS_ERR_JSON);
    ASSERT_EQ(parse("{\"initial_timestamp\": 5}", &g), CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "initial_timestamp");
    ASSERT_EQ(parse("{\"initial_timestamp\": \"2018-13-01T00:00:00\"}", &g), CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "initial_timestamp");
    ASSERT_EQ(parse("{\"initial_timestamp\": \"2018-06-01T12:00:00.0005\"}", &g), CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "millisecond");
    ASSERT_EQ(parse("{\"initial_timestamp\": \"1969-12-31T23:59:59.000\"}", &g), CPS_ERR_JSON);
    ASSERT_EQ(
        parse("{\"initial_key\": \"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CW\"}", &g),
        CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "initial_key");
    ASSERT_EQ(parse("{\"initial_key\": null}", &g), CPS_ERR_JSON);
    ASSERT_EQ(parse("{\"initial_configuration\": 3}", &g), CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "initial_configuration");
    ASSERT_EQ(parse("{\"initial_configuration\": {\"max_authority_depth\": 70000}}", &g),
              CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "initial_configuration.max_authority_depth");
    ASSERT_CONTAINS(cps_last_error(), "uint16");
    ASSERT_EQ(parse("{\"initial_configuration\": {\"net_usage_leeway\": -1}}", &g), CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "negative");
    ASSERT_EQ(parse("{\"initial_configuration\": {\"net_usage_leeway\": 1.5}}", &g), CPS_ERR_JSON);
    ASSERT_EQ(parse("{\"initial_configuration\": {\"net_usage_leeway\": true}}", &g), CPS_ERR_JSON);
    ASSERT_EQ(parse("{\"initial_configuration\": {\"net_usage_leeway\": \"12a\"}}", &g),
              CPS_ERR_JSON);
    ASSERT_EQ(parse("{\"initial_configuration\": {\"net_usage_leeway\": \"4294967296\"}}", &g),
              CPS_ERR_JSON);
    ASSERT_EQ(parse("{\"initial_configuration\": {\"max_block_net_usage\": "
                    "\"99999999999999999999\"}}",
                    &g),
              CPS_ERR_JSON);
    ASSERT_EQ(parse("{\"initial_key\": ", &g), CPS_ERR_JSON);
    ASSERT_CONTAINS(cps_last_error(), "line 1");
    ASSERT_EQ(parse("{\"a\":1,\"a\":2}", &g), CPS_ERR_JSON); /* duplicate keys are ambiguous */
}

/* Each rule of chain_config::validate, broken once from the defaults. */
TEST(config_validation_rules)
{
    struct {
        const char *json_field;
        const char *message;
    } cases[] = {
        {"\"target_block_net_usage_pct\": 10001",
         "target block net usage percentage cannot exceed 100%"},
        {"\"target_block_net_usage_pct\": 9",
         "target block net usage percentage must be at least 0.1%"},
        {"\"target_block_cpu_usage_pct\": 10001",
         "target block cpu usage percentage cannot exceed 100%"},
        {"\"target_block_cpu_usage_pct\": 0",
         "target block cpu usage percentage must be at least 0.1%"},
        {"\"max_transaction_net_usage\": 1048576",
         "max transaction net usage must be less than max block net usage"},
        {"\"max_transaction_cpu_usage\": 200000",
         "max transaction cpu usage must be less than max block cpu usage"},
        {"\"base_per_transaction_net_usage\": 524288",
         "base net usage per transaction must be less than the max transaction net usage"},
        {"\"base_per_transaction_net_usage\": 520000",
         "must be at least 10240 bytes larger than base net usage"},
        {"\"context_free_discount_net_usage_den\": 0", "cannot have a 0 denominator"},
        {"\"context_free_discount_net_usage_num\": 101", "cannot exceed 1"},
        {"\"min_transaction_cpu_usage\": 150001",
         "min transaction cpu usage cannot exceed max transaction cpu usage"},
        {"\"min_transaction_cpu_usage\": 50000",
         "max transaction cpu usage must be at less than the difference"},
        {"\"max_authority_depth\": 0", "max authority depth should be at least 1"},
    };
    for (size_t i = 0; i < CPS_ARRAY_LEN(cases); i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"initial_configuration\": {%s}}", cases[i].json_field);
        cps_chain_genesis g;
        int rc = parse(json, &g);
        ASSERT_MSG(rc == CPS_ERR_INVALID_ARG, "case %zu (%s) gave %d", i, cases[i].json_field, rc);
        ASSERT_CONTAINS(cps_last_error(), cases[i].message);
    }
    /* The edges that are allowed. */
    cps_chain_config c;
    cps_chain_config_default(&c);
    c.target_block_net_usage_pct = 10;
    c.target_block_cpu_usage_pct = 10000;
    c.context_free_discount_net_usage_num = c.context_free_discount_net_usage_den;
    c.base_per_transaction_net_usage = c.max_transaction_net_usage - 10240;
    c.max_authority_depth = 1;
    c.min_transaction_cpu_usage = c.max_block_cpu_usage - c.max_transaction_cpu_usage - 1;
    ASSERT_OK(cps_chain_config_validate(&c));
}

TEST(config_json_is_nodeos_form)
{
    cps_chain_config c;
    cps_chain_config_default(&c);
    json_t *v = json_loads("{\"max_inline_action_depth\": 7, \"unknown\": 1}", 0, NULL);
    ASSERT(v != NULL);
    ASSERT_OK(cps_chain_config_from_json_value(v, &c));
    json_decref(v);
    ASSERT_EQ(c.max_inline_action_depth, 7);
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_chain_config_to_json(&c, &b));
    ASSERT_CONTAINS(cps_buf_cstr(&b), "\"max_inline_action_depth\":7,\"max_authority_depth\":6}");
    cps_buf_free(&b);
}

TEST(genesis_file)
{
    char path[] = "/tmp/cps-genesis-XXXXXX";
    int fd = mkstemp(path);
    ASSERT(fd >= 0);
    ASSERT_EQ(write(fd, dev_genesis_json, strlen(dev_genesis_json)),
              (long long)strlen(dev_genesis_json));
    close(fd);
    cps_chain_genesis g;
    int rc = cps_chain_genesis_from_file(path, &g);
    unlink(path);
    ASSERT_OK(rc);
    cps_checksum256 id;
    char hex[65];
    ASSERT_OK(cps_chain_genesis_chain_id(&g, &id));
    hex_of(&id, hex);
    ASSERT_STR_EQ(hex, CHAIN_ID_EOSIO1_DEV);
    ASSERT_EQ(cps_chain_genesis_from_file("/nonexistent/genesis.json", &g), CPS_ERR_IO);
    ASSERT_CONTAINS(cps_last_error(), "/nonexistent/genesis.json");
}

TEST(r1_initial_key_is_accepted)
{
    cps_private_key sk;
    ASSERT_OK(cps_key_generate(CPS_KEY_R1, &sk));
    cps_public_key pk;
    ASSERT_OK(cps_key_public(&sk, &pk));
    cps_private_key_wipe(&sk);
    char text[CPS_PUBLIC_KEY_STR_MAX], json[256];
    ASSERT_OK(cps_public_key_to_string(&pk, false, text, sizeof text));
    snprintf(json, sizeof json, "{\"initial_key\":\"%s\"}", text);
    cps_chain_genesis g;
    ASSERT_OK(parse(json, &g));
    ASSERT_EQ(g.initial_key.type, CPS_KEY_R1);
    cps_buf b;
    cps_buf_init(&b);
    ASSERT_OK(cps_chain_genesis_pack(&b, &g));
    ASSERT_EQ(b.size, CPS_CHAIN_GENESIS_PACKED_SIZE);
    ASSERT_EQ(b.data[8], 1);
    cps_buf_free(&b);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
