/* Tests of the privileged group through the VM with a real controller behind the context: the
 * privilege and context-free checks with nodeos's messages, get_blockchain_parameters_packed's
 * size protocol and bytes, set_blockchain_parameters_packed's decoding and validation, the
 * producer schedule checks of set_proposed_producers(_ex) (each of nodeos's refusals), and
 * get_active_producers' buffer rules. */
#include "chain/controller_internal.h" /* cps_chain__feature_digest */
#include "host_harness.h"

static const cps_chain_intrinsic_group *const groups[] = {&cps_chain__host_privileged, NULL};

typedef struct fixture {
    harness h;
    harness_chain c;
    cps_public_key genesis_key;
} fixture;

static int open_fixture(fixture *f)
{
    int rc = harness_open(&f->h, groups);
    if (!rc) rc = harness_chain_open(&f->h, &f->c);
    if (!rc)
        rc = cps_public_key_from_string(CPS_CHAIN_DEFAULT_INITIAL_KEY,
                                        strlen(CPS_CHAIN_DEFAULT_INITIAL_KEY), &f->genesis_key);
    f->h.ctx.receiver = cps_abi_name("eosio");
    f->h.ctx.privileged = true;
    return rc;
}

static void close_fixture(fixture *f)
{
    harness_chain_close(&f->c);
    harness_close(&f->h);
}

TEST(unprivileged_receivers_are_refused)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    f.h.ctx.privileged = false;
    f.h.ctx.receiver = cps_abi_name("alice");
    cps_vm_value two[2] = {HV_I32(0), HV_I32(0)}, res;
    ASSERT_EQ(harness_call(&f.h, "get_blockchain_parameters_packed", two, 2, &res), CPS_ERR_AUTH);
    ASSERT_STR_EQ(cps_last_error(), "alice does not have permission to call this API");
    ASSERT_EQ(harness_call(&f.h, "set_blockchain_parameters_packed", two, 2, NULL), CPS_ERR_AUTH);
    ASSERT_EQ(harness_call(&f.h, "set_proposed_producers", two, 2, &res), CPS_ERR_AUTH);
    cps_vm_value ex[3] = {HV_I64(0), HV_I32(0), HV_I32(0)};
    ASSERT_EQ(harness_call(&f.h, "set_proposed_producers_ex", ex, 3, &res), CPS_ERR_AUTH);
    cps_vm_value one[1] = {HV_I32(0)};
    ASSERT_EQ(harness_call(&f.h, "preactivate_feature", one, 1, NULL), CPS_ERR_AUTH);
    /* get_active_producers is not privileged */
    ASSERT_OK(harness_call(&f.h, "get_active_producers", two, 2, &res));
    /* in a context-free action the context check comes first */
    f.h.ctx.context_free = true;
    ASSERT_EQ(harness_call(&f.h, "set_proposed_producers", two, 2, &res), CPS_ERR_STATE);
    ASSERT_STR_EQ(cps_last_error(), "only context free api's can be used in this context");
    ASSERT_EQ(harness_call(&f.h, "get_active_producers", two, 2, &res), CPS_ERR_STATE);
    close_fixture(&f);
}

TEST(blockchain_parameters_read_and_write)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    uint8_t *m = harness_mem(&f.h);
    cps_buf want = {0};
    ASSERT_OK(cps_chain_config_pack(&want, cps_chain_controller_config(f.c.chain)));
    ASSERT_EQ(want.size, 68);
    cps_vm_value a[2] = {HV_I32(100), HV_I32(0)}, res;
    ASSERT_OK(harness_call(&f.h, "get_blockchain_parameters_packed", a, 2, &res));
    ASSERT_EQ(res.v.i32, 68);
    memset(m + 100, 0xEE, 100);
    a[1] = HV_I32(67); /* too small: 0, nothing written */
    ASSERT_OK(harness_call(&f.h, "get_blockchain_parameters_packed", a, 2, &res));
    ASSERT_EQ(res.v.i32, 0);
    ASSERT_EQ(m[100], 0xEE);
    a[1] = HV_I32(100);
    ASSERT_OK(harness_call(&f.h, "get_blockchain_parameters_packed", a, 2, &res));
    ASSERT_EQ(res.v.i32, 68);
    ASSERT_MEM_EQ(m + 100, want.data, 68);
    ASSERT_EQ(m[168], 0xEE);
    a[0] = HV_I32(131072 - 50);
    ASSERT_EQ(harness_call(&f.h, "get_blockchain_parameters_packed", a, 2, &res), CPS_ERR_TRAP);

    /* set: truncated input fails to decode; an invalid configuration gets nodeos's message */
    cps_vm_value s[2] = {HV_I32(100), HV_I32(60)};
    ASSERT_NE(harness_call(&f.h, "set_blockchain_parameters_packed", s, 2, NULL), 0);
    ASSERT_CONTAINS(cps_last_error(), "set_blockchain_parameters_packed");
    cps_chain_config bad = *cps_chain_controller_config(f.c.chain);
    bad.max_transaction_net_usage = (uint32_t)bad.max_block_net_usage;
    cps_buf b = {0};
    ASSERT_OK(cps_chain_config_pack(&b, &bad));
    memcpy(m + 300, b.data, b.size);
    s[0] = HV_I32(300);
    s[1] = HV_I32(b.size);
    ASSERT_EQ(harness_call(&f.h, "set_blockchain_parameters_packed", s, 2, NULL),
              CPS_ERR_INVALID_ARG);
    ASSERT_CONTAINS(cps_last_error(),
                    "max transaction net usage must be less than max block net usage");
    /* a valid one is in force at once: the controller's configuration and the next get */
    cps_chain_config good = *cps_chain_controller_config(f.c.chain);
    good.max_inline_action_depth = 7;
    good.max_transaction_lifetime = 1800;
    b.size = 0;
    ASSERT_OK(cps_chain_config_pack(&b, &good));
    memcpy(m + 300, b.data, b.size);
    s[0] = HV_I32(300);
    s[1] = HV_I32(b.size);
    ASSERT_OK(harness_call(&f.h, "set_blockchain_parameters_packed", s, 2, NULL));
    ASSERT_EQ(cps_chain_controller_config(f.c.chain)->max_inline_action_depth, 7);
    ASSERT_EQ(cps_chain_controller_config(f.c.chain)->max_transaction_lifetime, 1800);
    a[0] = HV_I32(600);
    a[1] = HV_I32(200);
    ASSERT_OK(harness_call(&f.h, "get_blockchain_parameters_packed", a, 2, &res));
    ASSERT_EQ(res.v.i32, (int32_t)b.size);
    ASSERT_EQ(memcmp(m + 600, b.data, b.size), 0);
    cps_buf_free(&b);
    cps_buf_free(&want);
    close_fixture(&f);
}

/* Packs vector<legacy::producer_key> at 1000; returns its size. */
static uint32_t legacy_schedule(fixture *f, const cps_name *names, const cps_public_key *keys,
                                uint32_t n)
{
    cps_buf b = {0};
    cps_write_varuint32(&b, n);
    for (uint32_t i = 0; i < n; i++) {
        cps_write_u64(&b, names[i]);
        cps_public_key_pack(&b, &keys[i]);
    }
    memcpy(harness_mem(&f->h) + 1000, b.data, b.size);
    uint32_t size = (uint32_t)b.size;
    cps_buf_free(&b);
    return size;
}

static int propose_legacy(fixture *f, uint32_t size)
{
    cps_vm_value a[2] = {HV_I32(1000), HV_I32(size)}, res;
    return harness_call(&f->h, "set_proposed_producers", a, 2, &res);
}

TEST(legacy_producer_schedules_are_validated_like_nodeos)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    cps_name eosio = cps_abi_name("eosio"), null = cps_abi_name("eosio.null");
    cps_name names[3] = {eosio, null, eosio};
    cps_public_key keys[3] = {f.genesis_key, f.genesis_key, f.genesis_key};
    ASSERT_EQ(propose_legacy(&f, legacy_schedule(&f, names, keys, 0)), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "Producer schedule cannot be empty");
    cps_name ghost = cps_abi_name("ghost");
    ASSERT_EQ(propose_legacy(&f, legacy_schedule(&f, &ghost, keys, 1)), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "producer schedule includes a nonexisting account");
    cps_public_key off_curve = f.genesis_key;
    off_curve.data[0] = 0x05; /* not a compressed point prefix */
    ASSERT_EQ(propose_legacy(&f, legacy_schedule(&f, names, &off_curve, 1)), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "producer schedule includes an invalid key");
    ASSERT_EQ(propose_legacy(&f, legacy_schedule(&f, names, keys, 3)), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "duplicate producer name in producer schedule");
    /* truncated input */
    uint32_t size = legacy_schedule(&f, names, keys, 2);
    ASSERT_NE(propose_legacy(&f, size - 1), 0);
    ASSERT_CONTAINS(cps_last_error(), "set_proposed_producers");
    /* more than 125 producers */
    cps_buf b = {0};
    cps_write_varuint32(&b, 126);
    for (int i = 0; i < 126; i++) {
        cps_write_u64(&b, eosio + (uint64_t)i);
        cps_public_key_pack(&b, &f.genesis_key);
    }
    memcpy(harness_mem(&f.h) + 1000, b.data, b.size);
    ASSERT_EQ(propose_legacy(&f, (uint32_t)b.size), CPS_ERR_INVALID_ARG);
    ASSERT_CONTAINS(cps_last_error(), "exceeds the maximum producer count");
    cps_buf_free(&b);
    /* a valid schedule reaches the controller, which records it as proposed (the version it
     * returns is checked in test_controller_schedule) */
    ASSERT_OK(propose_legacy(&f, legacy_schedule(&f, names, keys, 2)));
    close_fixture(&f);
}

/* One producer_authority {name, variant 0, threshold, [key_weight]} at 1000. */
static uint32_t authority_schedule(fixture *f, cps_name name, uint32_t threshold,
                                   const cps_public_key *keys, const uint16_t *weights, uint32_t n,
                                   uint32_t variant)
{
    cps_buf b = {0};
    cps_write_varuint32(&b, 1);
    cps_write_u64(&b, name);
    cps_write_varuint32(&b, variant);
    cps_write_u32(&b, threshold);
    cps_write_varuint32(&b, n);
    for (uint32_t i = 0; i < n; i++) {
        cps_public_key_pack(&b, &keys[i]);
        cps_write_u16(&b, weights[i]);
    }
    memcpy(harness_mem(&f->h) + 1000, b.data, b.size);
    uint32_t size = (uint32_t)b.size;
    cps_buf_free(&b);
    return size;
}

static int propose_ex(fixture *f, uint64_t format, uint32_t size)
{
    cps_vm_value a[3] = {HV_I64(format), HV_I32(1000), HV_I32(size)}, res;
    return harness_call(&f->h, "set_proposed_producers_ex", a, 3, &res);
}

TEST(producer_authority_schedules_are_validated_like_nodeos)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    cps_name eosio = cps_abi_name("eosio");
    cps_public_key keys[2] = {f.genesis_key, f.genesis_key};
    uint16_t w[2] = {1, 1};
    ASSERT_EQ(propose_ex(&f, 1, authority_schedule(&f, eosio, 0, keys, w, 1, 0)),
              CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(),
                  "producer schedule includes an authority with a threshold of 0 for eosio");
    ASSERT_EQ(propose_ex(&f, 1, authority_schedule(&f, eosio, 2, keys, w, 1, 0)),
              CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(),
                  "producer schedule includes an unsatisfiable authority for eosio");
    ASSERT_EQ(propose_ex(&f, 1, authority_schedule(&f, eosio, 1, keys, w, 2, 0)),
              CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "producer schedule includes a duplicated key for eosio");
    ASSERT_NE(propose_ex(&f, 1, authority_schedule(&f, eosio, 1, keys, w, 1, 1)), 0);
    ASSERT_CONTAINS(cps_last_error(), "unknown block signing authority type");
    ASSERT_EQ(propose_ex(&f, 2, 0), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "Producer schedule is in an unknown format!");
    /* the _ex format does not check that keys are on the curve (validate_keys = false) */
    cps_public_key off_curve = f.genesis_key;
    off_curve.data[0] = 0x05;
    ASSERT_OK(propose_ex(&f, 1, authority_schedule(&f, eosio, 1, &off_curve, w, 1, 0)));
    /* format 0 is the legacy list */
    cps_name n = eosio;
    ASSERT_EQ(propose_ex(&f, 0, legacy_schedule(&f, &n, &off_curve, 1)), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "producer schedule includes an invalid key");
    close_fixture(&f);
}

TEST(active_producers_buffer_rules)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    uint8_t *m = harness_mem(&f.h);
    cps_vm_value a[2] = {HV_I32(100), HV_I32(0)}, res;
    ASSERT_OK(harness_call(&f.h, "get_active_producers", a, 2, &res));
    ASSERT_EQ(res.v.i32, 8); /* one producer: eosio */
    a[1] = HV_I32(8);
    ASSERT_OK(harness_call(&f.h, "get_active_producers", a, 2, &res));
    ASSERT_EQ(res.v.i32, 8);
    ASSERT_U64_EQ(cps_load_u64(m + 100), cps_abi_name("eosio"));
    memset(m + 200, 0xEE, 16);
    a[0] = HV_I32(200);
    a[1] = HV_I32(3); /* nodeos copies min(len, 8 * count) bytes */
    ASSERT_OK(harness_call(&f.h, "get_active_producers", a, 2, &res));
    ASSERT_EQ(res.v.i32, 3);
    ASSERT_EQ(m[203], 0xEE);
    /* ...but validates len names (8 bytes each) of buffer */
    a[0] = HV_I32(131072 - 16);
    a[1] = HV_I32(8);
    ASSERT_EQ(harness_call(&f.h, "get_active_producers", a, 2, &res), CPS_ERR_TRAP);
    close_fixture(&f);
}

TEST(parameters_by_id)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    uint8_t *m = harness_mem(&f.h);
    const cps_chain_config *cfg = cps_chain_controller_config(f.c.chain);
    /* ids 0 (u64), 15 (u16) and 17 (max_action_return_value_size, u32) */
    uint8_t ids[4] = {3, 0, 15, 17};
    memcpy(m, ids, 4);
    cps_vm_value a[4] = {HV_I32(0), HV_I32(4), HV_I32(100), HV_I32(0)}, res;
    ASSERT_OK(harness_call(&f.h, "get_parameters_packed", a, 4, &res));
    ASSERT_EQ(res.v.i32, 1 + (1 + 8) + (1 + 2) + (1 + 4));
    a[3] = HV_I32(17); /* too small: an error, unlike get_blockchain_parameters_packed */
    ASSERT_EQ(harness_call(&f.h, "get_parameters_packed", a, 4, &res), CPS_ERR_LIMIT);
    ASSERT_STR_EQ(cps_last_error(), "get_parameters_packed: buffer size is smaller than 18");
    a[3] = HV_I32(64);
    ASSERT_OK(harness_call(&f.h, "get_parameters_packed", a, 4, &res));
    ASSERT_EQ(m[100], 3);
    ASSERT_EQ(m[101], 0);
    ASSERT_U64_EQ(cps_load_u64(m + 102), cfg->max_block_net_usage);
    ASSERT_EQ(m[110], 15);
    ASSERT_EQ(cps_load_u16(m + 111), cfg->max_inline_action_depth);
    ASSERT_EQ(m[113], 17);
    ASSERT_EQ(cps_load_u32(m + 114), CPS_CHAIN_MAX_ACTION_RETURN_VALUE);
    /* unknown and duplicate ids */
    uint8_t bad[3] = {2, 18, 0};
    memcpy(m, bad, 3);
    a[1] = HV_I32(3);
    ASSERT_EQ(harness_call(&f.h, "get_parameters_packed", a, 4, &res), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "provided id 18 should be less than 18");
    uint8_t dup[3] = {2, 4, 4};
    memcpy(m, dup, 3);
    ASSERT_EQ(harness_call(&f.h, "get_parameters_packed", a, 4, &res), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "duplicate id provided: 4");
    /* ids and output may not overlap */
    a[2] = HV_I32(2);
    ASSERT_EQ(harness_call(&f.h, "get_parameters_packed", a, 4, &res), CPS_ERR_TRAP);
    ASSERT_STR_EQ(cps_last_error(), "pointers not allowed to alias");

    /* set: values are checked as a whole configuration */
    uint8_t set[16] = {1, 9};                         /* max_transaction_cpu_usage = ... */
    cps_store_u32(set + 2, cfg->max_block_cpu_usage); /* ... the block's: invalid */
    memcpy(m + 200, set, 6);
    cps_vm_value s[2] = {HV_I32(200), HV_I32(6)};
    ASSERT_EQ(harness_call(&f.h, "set_parameters_packed", s, 2, NULL), CPS_ERR_INVALID_ARG);
    ASSERT_CONTAINS(cps_last_error(), "max transaction cpu usage");
    s[1] = HV_I32(5); /* truncated value */
    ASSERT_NE(harness_call(&f.h, "set_parameters_packed", s, 2, NULL), 0);
    ASSERT_CONTAINS(cps_last_error(), "set_parameters_packed: parameter 9");
    uint8_t too_big[6] = {1, 17};
    cps_store_u32(too_big + 2, 20u * 1024 * 1024 + 1);
    memcpy(m + 200, too_big, 6);
    s[1] = HV_I32(6);
    ASSERT_EQ(harness_call(&f.h, "set_parameters_packed", s, 2, NULL), CPS_ERR_INVALID_ARG);
    ASSERT_CONTAINS(cps_last_error(), "max action return value size");
    cps_store_u32(too_big + 2, 1024);
    memcpy(m + 200, too_big, 6);
    ASSERT_EQ(harness_call(&f.h, "set_parameters_packed", s, 2, NULL), CPS_ERR_UNSUPPORTED);
    f.h.ctx.privileged = false;
    ASSERT_EQ(harness_call(&f.h, "set_parameters_packed", s, 2, NULL), CPS_ERR_AUTH);
    close_fixture(&f);
}

TEST(preactivate_feature_goes_to_the_controller)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    cps_vm_value a[1] = {HV_I32(131072 - 31)};
    ASSERT_EQ(harness_call(&f.h, "preactivate_feature", a, 1, NULL), CPS_ERR_TRAP);
    uint8_t *m = harness_mem(&f.h);
    memset(m, 0x5A, 32);
    a[0] = HV_I32(0);
    ASSERT_EQ(harness_call(&f.h, "preactivate_feature", a, 1, NULL), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "is unrecognized");
    cps_checksum256 d;
    ASSERT_OK(cps_chain__feature_digest("GET_SENDER", &d));
    memcpy(m, d.b, 32);
    ASSERT_OK(harness_call(&f.h, "preactivate_feature", a, 1, NULL));
    ASSERT_EQ(harness_call(&f.h, "preactivate_feature", a, 1, NULL), CPS_ERR_STATE);
    ASSERT_CONTAINS(cps_last_error(), "is already pre-activated");
    close_fixture(&f);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
