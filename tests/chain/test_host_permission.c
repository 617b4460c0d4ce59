/* Tests of the permission group through the VM against a real chain (nodeos's default genesis:
 * eosio and eosio.prods with its prod.major/prod.minor tree): check_permission_authorization and
 * check_transaction_authorization answering true/false where nodeos does, and failing where
 * nodeos throws something other than an authorization_exception (missing permissions, bad input,
 * native-action rules); get_permission_last_used and get_account_creation_time. */
#include "host_harness.h"

static const cps_chain_intrinsic_group *const groups[] = {&cps_chain__host_permission, NULL};

typedef struct fixture {
    harness h;
    harness_chain c;
    cps_public_key genesis_key, other_key;
} fixture;

static int open_fixture(fixture *f)
{
    int rc = harness_open(&f->h, groups);
    if (!rc) rc = harness_chain_open(&f->h, &f->c);
    if (!rc)
        rc = cps_public_key_from_string(CPS_CHAIN_DEFAULT_INITIAL_KEY,
                                        strlen(CPS_CHAIN_DEFAULT_INITIAL_KEY), &f->genesis_key);
    cps_private_key k;
    if (!rc) rc = cps_key_generate(CPS_KEY_K1, &k);
    if (!rc) rc = cps_key_public(&k, &f->other_key);
    return rc;
}

static void close_fixture(fixture *f)
{
    harness_chain_close(&f->c);
    harness_close(&f->h);
}

#define KEYS_AT 4000u
#define PERMS_AT 6000u
#define TRX_AT 8000u

/* Writes flat_set<public_key> at KEYS_AT; returns its size (0 for none, as contracts pass). */
static uint32_t put_keys(fixture *f, const cps_public_key *keys, uint32_t n)
{
    if (!n) return 0;
    cps_buf b = {0};
    cps_write_varuint32(&b, n);
    for (uint32_t i = 0; i < n; i++)
        cps_public_key_pack(&b, &keys[i]);
    memcpy(harness_mem(&f->h) + KEYS_AT, b.data, b.size);
    uint32_t size = (uint32_t)b.size;
    cps_buf_free(&b);
    return size;
}

static uint32_t put_perms(fixture *f, const cps_permission_level *p, uint32_t n)
{
    if (!n) return 0;
    cps_buf b = {0};
    cps_write_varuint32(&b, n);
    for (uint32_t i = 0; i < n; i++)
        cps_abi_permission_level_pack(&b, &p[i]);
    memcpy(harness_mem(&f->h) + PERMS_AT, b.data, b.size);
    uint32_t size = (uint32_t)b.size;
    cps_buf_free(&b);
    return size;
}

static int check_perm(fixture *f, const char *account, const char *perm, uint32_t keys_size,
                      uint32_t perms_size, uint64_t delay, int *result)
{
    cps_vm_value a[7] = {HV_I64(cps_abi_name(account)),
                         HV_I64(cps_abi_name(perm)),
                         HV_I32(KEYS_AT),
                         HV_I32(keys_size),
                         HV_I32(PERMS_AT),
                         HV_I32(perms_size),
                         HV_I64(delay)},
                 res;
    int rc = harness_call(&f->h, "check_permission_authorization", a, 7, &res);
    *result = (int32_t)res.v.i32;
    return rc;
}

TEST(check_permission_authorization)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    int r;
    cps_public_key both[2] = {f.genesis_key, f.other_key};
    uint32_t genesis = put_keys(&f, both, 1);
    ASSERT_OK(check_perm(&f, "eosio", "active", genesis, 0, 0, &r));
    ASSERT_EQ(r, 1);
    ASSERT_OK(check_perm(&f, "eosio", "owner", genesis, 0, 0, &r));
    ASSERT_EQ(r, 1);
    ASSERT_OK(check_perm(&f, "eosio", "active", 0, 0, 0, &r)); /* no keys */
    ASSERT_EQ(r, 0);
    ASSERT_OK(check_perm(&f, "eosio", "nosuchperm", genesis, 0, 0, &r)); /* missing: false */
    ASSERT_EQ(r, 0);
    /* eosio.prods@prod.major is eosio@active, one level down */
    ASSERT_OK(check_perm(&f, "eosio.prods", "prod.major", genesis, 0, 0, &r));
    ASSERT_EQ(r, 1);
    /* a key that is not needed makes it false (nodeos: irrelevant signatures) */
    uint32_t two = put_keys(&f, both, 2);
    ASSERT_OK(check_perm(&f, "eosio", "active", two, 0, 0, &r));
    ASSERT_EQ(r, 0);
    /* a provided permission level satisfies outright */
    cps_permission_level lvl = {cps_abi_name("eosio"), cps_abi_name("active")};
    uint32_t perms = put_perms(&f, &lvl, 1);
    ASSERT_OK(check_perm(&f, "eosio.prods", "active", 0, perms, 0, &r));
    ASSERT_EQ(r, 1);
    ASSERT_OK(check_perm(&f, "eosio.prods", "owner", 0, perms, 0, &r)); /* owner is empty */
    ASSERT_EQ(r, 0);
    /* a delay beyond int64 is refused outright */
    ASSERT_EQ(check_perm(&f, "eosio", "active", genesis, 0, (uint64_t)INT64_MAX + 1, &r),
              CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "provided delay is too large");
    /* undecodable key list: an error, not false */
    ASSERT_NE(check_perm(&f, "eosio", "active", genesis - 1, 0, 0, &r), 0);
    ASSERT_CONTAINS(cps_last_error(), "provided key");
    f.h.ctx.context_free = true;
    ASSERT_EQ(check_perm(&f, "eosio", "active", genesis, 0, 0, &r), CPS_ERR_STATE);
    close_fixture(&f);
}

/* A transaction of one action with one or two declared levels, packed at TRX_AT. */
static uint32_t put_trx(fixture *f, const char *account, const char *name,
                        const cps_permission_level *auth, uint32_t nauth, const void *data,
                        size_t data_size)
{
    cps_action act;
    memset(&act, 0, sizeof act);
    act.account = cps_abi_name(account);
    act.name = cps_abi_name(name);
    act.authorization = (cps_permission_level *)auth;
    act.authorization_count = nauth;
    act.data.data = data;
    act.data.size = data_size;
    cps_transaction t;
    memset(&t, 0, sizeof t);
    t.header.expiration = 1000;
    t.actions = &act;
    t.action_count = 1;
    cps_buf b = {0};
    cps_abi_transaction_pack(&b, &t);
    memcpy(harness_mem(&f->h) + TRX_AT, b.data, b.size);
    uint32_t size = (uint32_t)b.size;
    cps_buf_free(&b);
    return size;
}

static int check_trx(fixture *f, uint32_t trx_size, uint32_t keys_size, uint32_t perms_size,
                     int *result)
{
    cps_vm_value a[6] = {HV_I32(TRX_AT),    HV_I32(trx_size), HV_I32(KEYS_AT),
                         HV_I32(keys_size), HV_I32(PERMS_AT), HV_I32(perms_size)},
                 res;
    int rc = harness_call(&f->h, "check_transaction_authorization", a, 6, &res);
    *result = (int32_t)res.v.i32;
    return rc;
}

TEST(check_transaction_authorization_for_ordinary_actions)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    int r;
    uint32_t keys = put_keys(&f, &f.genesis_key, 1);
    cps_permission_level active = {cps_abi_name("eosio"), cps_abi_name("active")};
    cps_permission_level owner = {cps_abi_name("eosio"), cps_abi_name("owner")};
    uint32_t t = put_trx(&f, "eosio.token", "transfer", &active, 1, "x", 1);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 1);
    ASSERT_OK(check_trx(&f, t, 0, 0, &r));
    ASSERT_EQ(r, 0);
    /* owner satisfies the minimum (active) */
    t = put_trx(&f, "eosio.token", "transfer", &owner, 1, "x", 1);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 1);
    /* prod.minor does not satisfy eosio.prods' minimum (active): irrelevant authority, false */
    cps_permission_level minor = {cps_abi_name("eosio.prods"), cps_abi_name("prod.minor")};
    t = put_trx(&f, "eosio.token", "transfer", &minor, 1, "x", 1);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 0);
    /* a declared permission that does not exist is an error (permission_query_exception) */
    cps_permission_level missing = {cps_abi_name("eosio"), cps_abi_name("nope")};
    t = put_trx(&f, "eosio.token", "transfer", &missing, 1, "x", 1);
    ASSERT_EQ(check_trx(&f, t, keys, 0, &r), CPS_ERR_NOT_FOUND);
    ASSERT_STR_EQ(cps_last_error(), "Failed to retrieve permission: eosio@nope");
    /* an empty permission name is invalid_permission, an authorization error: false */
    cps_permission_level empty = {cps_abi_name("eosio"), 0};
    t = put_trx(&f, "eosio.token", "transfer", &empty, 1, "x", 1);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 0);
    /* undecodable transaction */
    t = put_trx(&f, "eosio.token", "transfer", &active, 1, "x", 1);
    ASSERT_NE(check_trx(&f, t - 2, keys, 0, &r), 0);
    ASSERT_CONTAINS(cps_last_error(), "check_transaction_authorization: transaction");
    /* bad pointer */
    cps_vm_value a[6] = {HV_I32(131072 - 4), HV_I32(t), HV_I32(0), HV_I32(0), HV_I32(0), HV_I32(0)},
                 res;
    ASSERT_EQ(harness_call(&f.h, "check_transaction_authorization", a, 6, &res), CPS_ERR_TRAP);
    close_fixture(&f);
}

TEST(check_transaction_authorization_for_native_actions)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    int r;
    uint32_t keys = put_keys(&f, &f.genesis_key, 1);
    cps_permission_level prods = {cps_abi_name("eosio.prods"), cps_abi_name("active")};
    cps_permission_level eosio = {cps_abi_name("eosio"), cps_abi_name("active")};
    /* updateauth {account, permission, parent, authority} creating eosio.prods@newperm under
     * active: the parent is the minimum, eosio.prods@active satisfies it (through eosio@active). */
    cps_buf d = {0};
    cps_write_u64(&d, cps_abi_name("eosio.prods"));
    cps_write_u64(&d, cps_abi_name("newperm"));
    cps_write_u64(&d, cps_abi_name("active"));
    cps_key_weight kw = {f.genesis_key, 1};
    cps_authority auth = {1, &kw, 1, NULL, 0, NULL, 0};
    cps_abi_authority_pack(&d, &auth);
    uint32_t t = put_trx(&f, "eosio", "updateauth", &prods, 1, d.data, d.size);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 1);
    /* two declared authorizations, or an actor that is not the account: false */
    cps_permission_level two[2] = {prods, eosio};
    t = put_trx(&f, "eosio", "updateauth", two, 2, d.data, d.size);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 0);
    t = put_trx(&f, "eosio", "updateauth", &eosio, 1, d.data, d.size);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 0);
    /* malformed updateauth data is an error */
    t = put_trx(&f, "eosio", "updateauth", &prods, 1, d.data, 20);
    ASSERT_NE(check_trx(&f, t, keys, 0, &r), 0);
    cps_buf_free(&d);
    /* linkauth of one of eosio's own auth actions is refused with nodeos's message */
    cps_buf l = {0};
    cps_write_u64(&l, cps_abi_name("eosio"));
    cps_write_u64(&l, cps_abi_name("eosio"));
    cps_write_u64(&l, cps_abi_name("updateauth"));
    cps_write_u64(&l, cps_abi_name("active"));
    t = put_trx(&f, "eosio", "linkauth", &eosio, 1, l.data, l.size);
    ASSERT_EQ(check_trx(&f, t, keys, 0, &r), CPS_ERR_INVALID_ARG);
    ASSERT_STR_EQ(cps_last_error(), "Cannot link eosio::updateauth to a minimum permission");
    /* linkauth of an ordinary action: the current minimum (active) applies */
    cps_buf_reset(&l);
    cps_write_u64(&l, cps_abi_name("eosio"));
    cps_write_u64(&l, cps_abi_name("eosio.token"));
    cps_write_u64(&l, cps_abi_name("transfer"));
    cps_write_u64(&l, cps_abi_name("owner"));
    t = put_trx(&f, "eosio", "linkauth", &eosio, 1, l.data, l.size);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 1);
    /* unlinkauth of a link that does not exist is an error */
    t = put_trx(&f, "eosio", "unlinkauth", &eosio, 1, l.data, 24);
    ASSERT_EQ(check_trx(&f, t, keys, 0, &r), CPS_ERR_NOT_FOUND);
    ASSERT_CONTAINS(cps_last_error(), "cannot unlink non-existent permission link");
    cps_buf_free(&l);
    /* canceldelay of a transaction id that is not a delayed transaction: an error */
    uint8_t cd[48] = {0};
    cps_store_u64(cd, cps_abi_name("eosio"));
    cps_store_u64(cd + 8, cps_abi_name("active"));
    t = put_trx(&f, "eosio", "canceldelay", &eosio, 1, cd, sizeof cd);
    ASSERT_EQ(check_trx(&f, t, keys, 0, &r), CPS_ERR_NOT_FOUND);
    ASSERT_CONTAINS(cps_last_error(), "there is no deferred transaction with that transaction id");
    /* a canceling_auth the declared authorization does not satisfy: false */
    cps_store_u64(cd, cps_abi_name("eosio.prods"));
    t = put_trx(&f, "eosio", "canceldelay", &eosio, 1, cd, sizeof cd);
    ASSERT_OK(check_trx(&f, t, keys, 0, &r));
    ASSERT_EQ(r, 0);
    close_fixture(&f);
}

TEST(permission_last_used_and_account_creation_time)
{
    fixture f;
    ASSERT_OK(open_fixture(&f));
    cps_vm_value a[2] = {HV_I64(cps_abi_name("eosio")), HV_I64(cps_abi_name("active"))}, res;
    ASSERT_OK(harness_call(&f.h, "get_permission_last_used", a, 2, &res));
    cps_arena arena = {0};
    cps_name parent;
    cps_authority auth;
    int64_t last_used = -1;
    ASSERT_OK(cps_chain_controller_get_permission(f.c.chain, cps_abi_name("eosio"),
                                                  cps_abi_name("active"), &arena, &parent, &auth,
                                                  &last_used));
    cps_abi_arena_free(&arena);
    ASSERT_EQ((int64_t)res.v.i64, last_used);
    a[1] = HV_I64(cps_abi_name("nope"));
    ASSERT_EQ(harness_call(&f.h, "get_permission_last_used", a, 2, &res), CPS_ERR_NOT_FOUND);
    ASSERT_STR_EQ(cps_last_error(), "Failed to retrieve permission: eosio@nope");

    cps_vm_value c[1] = {HV_I64(cps_abi_name("eosio"))};
    ASSERT_OK(harness_call(&f.h, "get_account_creation_time", c, 1, &res));
    ASSERT_EQ((int64_t)res.v.i64, CPS_CHAIN_DEFAULT_INITIAL_TIMESTAMP_US);
    c[0] = HV_I64(cps_abi_name("nobody"));
    ASSERT_EQ(harness_call(&f.h, "get_account_creation_time", c, 1, &res), CPS_ERR_ACCOUNT);
    ASSERT_STR_EQ(cps_last_error(), "account 'nobody' does not exist");
    f.h.ctx.context_free = true;
    ASSERT_EQ(harness_call(&f.h, "get_account_creation_time", c, 1, &res), CPS_ERR_STATE);
    close_fixture(&f);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
