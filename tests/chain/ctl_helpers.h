/* Helpers for the controller tests: a chain in a temporary directory, transactions built from
 * JSON action data and signed with given keys, and blocks produced by the genesis producer. */
#ifndef CPS_TESTS_CTL_HELPERS_H
#define CPS_TESTS_CTL_HELPERS_H

#include "chain/controller.h"
#include "test.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEV_PRIVATE_KEY "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3"

static char ctl_build_dir[4096]; /* $(BUILD), derived from argv[0] */

static inline void ctl_set_build_dir(const char *argv0)
{
    const char *env = getenv("CPS_BUILD");
    if (env) {
        snprintf(ctl_build_dir, sizeof ctl_build_dir, "%s", env);
        return;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", argv0);
    /* $(BUILD)/tests/chain/test_x -> $(BUILD) */
    char *d = dirname(tmp);
    snprintf(ctl_build_dir, sizeof ctl_build_dir, "%s/../..", d);
}

static inline int ctl_read_file(const char *path, cps_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return CPS_ERR_IO;
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (cps_write_bytes(out, chunk, n)) break;
    fclose(f);
    return out->failed;
}

/* A built contract's wasm and parsed ABI from $(BUILD)/contracts/<name>.wasm / .abi (messages
 * on stderr when missing: the contracts must be built). */
static inline int ctl_load_contract(const char *name, cps_buf *wasm, cps_abi **abi)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/contracts/%s.wasm", ctl_build_dir, name);
    if (ctl_read_file(path, wasm)) {
        fprintf(stderr, "    cannot read %s (build the contracts)\n", path);
        return CPS_ERR_IO;
    }
    cps_buf text = {0};
    snprintf(path, sizeof path, "%s/contracts/%s.abi", ctl_build_dir, name);
    int rc = ctl_read_file(path, &text);
    if (!rc) rc = cps_abi_from_json((const char *)text.data, text.size, abi);
    if (rc) fprintf(stderr, "    cannot load %s: %s\n", path, cps_last_error());
    cps_buf_free(&text);
    return rc;
}

static inline void ctl_rm_rf(const char *dir)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

static inline char *ctl_tempdir(void)
{
    char tmpl[] = "/tmp/cps-ctl-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static inline int ctl_open(const char *dir, cps_chain_controller **c)
{
    cps_chain_controller_options o = {0};
    o.data_dir = dir;
    o.state_map_size = UINT64_C(1) << 30;
    o.state_sync = CPS_STATE_SYNC_NONE;
    o.block_log_no_sync = true;
    o.signature_threads = 2;
    return cps_chain_controller_open(&o, c);
}

static inline cps_private_key ctl_dev_key(void)
{
    cps_private_key k;
    if (cps_private_key_from_string(DEV_PRIVATE_KEY, strlen(DEV_PRIVATE_KEY), &k)) abort();
    return k;
}

static inline void ctl_pub_str(const cps_private_key *k, char *out)
{
    cps_public_key p;
    if (cps_key_public(k, &p) || cps_public_key_to_string(&p, false, out, CPS_PUBLIC_KEY_STR_MAX))
        abort();
}

/* A deterministic key from a seed (tests must not depend on randomness). */
static inline cps_private_key ctl_key(uint8_t seed)
{
    cps_private_key k;
    k.type = CPS_KEY_K1;
    uint8_t s[2] = {seed, 0x5a};
    cps_sha256(s, 2, k.secret);
    return k;
}

/* One action to build: data given as JSON through an ABI, or raw. */
typedef struct ctl_action {
    const char *account, *name;
    const char *auth; /* "alice@active,bob@owner" */
    const cps_abi *abi; /* NULL: eosio's native ABI */
    const char *json;  /* action data as JSON */
} ctl_action;

typedef struct ctl_trx_opts {
    int32_t expiration_offset; /* seconds after the head block time; 0: 60 */
    bool bad_tapos;
    uint32_t nonce;            /* varies the transaction: seconds added to its expiration */
    uint32_t delay_sec;        /* a delayed transaction */
} ctl_trx_opts;

/* Builds and signs a packed transaction into out. Returns 0 or an error (printed). */
static inline int ctl_make_trx(cps_chain_controller *c, const ctl_action *acts, size_t n,
                        const cps_private_key *keys, size_t nkeys, const ctl_trx_opts *opt,
                        cps_buf *out)
{
    cps_arena a = {0};
    cps_action *actions = cps_abi_arena_alloc(&a, n * sizeof *actions);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        cps_action *x = &actions[i];
        rc = cps_abi_name_from_string(acts[i].account, strlen(acts[i].account), &x->account);
        if (!rc) rc = cps_abi_name_from_string(acts[i].name, strlen(acts[i].name), &x->name);
        char auth[256];
        snprintf(auth, sizeof auth, "%s", acts[i].auth ? acts[i].auth : "");
        x->authorization = cps_abi_arena_alloc(&a, 8 * sizeof *x->authorization);
        for (char *save = NULL, *tok = strtok_r(auth, ",", &save); tok && !rc;
             tok = strtok_r(NULL, ",", &save)) {
            char *at = strchr(tok, '@');
            if (!at) {
                rc = cps_fail(CPS_ERR_INVALID_ARG, "authorization \"%s\" is not actor@permission", tok);
                break;
            }
            cps_permission_level *l = &x->authorization[x->authorization_count++];
            rc = cps_abi_name_from_string(tok, (size_t)(at - tok), &l->actor);
            if (!rc) rc = cps_abi_name_from_string(at + 1, strlen(at + 1), &l->permission);
        }
        cps_buf data = {0};
        const cps_abi *abi = acts[i].abi ? acts[i].abi : cps_abi_eosio_native();
        json_t *v = NULL;
        if (!rc) rc = cps_abi_json_parse(acts[i].json, strlen(acts[i].json), &v);
        if (!rc) rc = cps_abi_action_json_to_bin(abi, x->name, v, &data);
        json_decref(v);
        if (!rc) {
            /* an action without data (an empty struct) leaves data.data NULL: nothing to copy */
            x->data.data = data.size ? cps_abi_arena_dup(&a, data.data, data.size)
                                     : cps_abi_arena_alloc(&a, 1);
            x->data.size = data.size;
            if (!x->data.data) rc = CPS_ERR_NOMEM;
        }
        cps_buf_free(&data);
    }
    cps_signed_transaction st;
    memset(&st, 0, sizeof st);
    cps_checksum256 head;
    cps_chain_controller_head_id(c, &head);
    cps_abi_tapos_from_block_id(&head, &st.trx.header.ref_block_num,
                                &st.trx.header.ref_block_prefix);
    if (opt && opt->bad_tapos) st.trx.header.ref_block_prefix ^= 1;
    int64_t now = cps_block_timestamp_to_us(cps_chain_controller_head_timestamp(c)) / 1000000;
    int32_t off = opt && opt->expiration_offset ? opt->expiration_offset : 60;
    st.trx.header.expiration = (uint32_t)(now + off + (opt ? (int64_t)opt->nonce : 0));
    st.trx.header.delay_sec = opt ? opt->delay_sec : 0;
    st.trx.actions = actions;
    st.trx.action_count = (uint32_t)n;
    cps_checksum256 digest;
    st.signatures = cps_abi_arena_alloc(&a, (nkeys ? nkeys : 1) * sizeof *st.signatures);
    if (!rc) rc = cps_abi_signing_digest(cps_chain_controller_chain_id(c), &st, &digest);
    for (size_t i = 0; i < nkeys && !rc; i++) rc = cps_sign(&keys[i], digest.b, &st.signatures[i]);
    st.signature_count = (uint32_t)nkeys;
    cps_packed_transaction p;
    if (!rc) rc = cps_abi_packed_transaction_make(&st, CPS_COMPRESSION_NONE, &a, &p);
    cps_buf_reset(out);
    if (!rc) rc = cps_abi_packed_transaction_pack(out, &p);
    if (rc) fprintf(stderr, "    ctl_make_trx: %s\n", cps_last_error());
    cps_abi_arena_free(&a);
    return rc;
}

/* Pushes one transaction into the pending block; prints the error of a failure. */
static inline int ctl_push(cps_chain_controller *c, const ctl_action *acts, size_t n,
                    const cps_private_key *keys, size_t nkeys, const ctl_trx_opts *opt,
                    cps_chain_transaction_trace **trace)
{
    cps_buf b = {0};
    int rc = ctl_make_trx(c, acts, n, keys, nkeys, opt, &b);
    if (!rc) rc = cps_chain_controller_push_transaction(c, b.data, b.size, trace);
    if (rc && getenv("TEST_VERBOSE")) fprintf(stderr, "    push: %s\n", cps_last_error());
    cps_buf_free(&b);
    return rc;
}

static inline int ctl_start(cps_chain_controller *c)
{
    return cps_chain_controller_start_block(c, cps_chain_controller_head_timestamp(c) + 1,
                                            cps_abi_name("eosio"));
}

static inline int ctl_finish(cps_chain_controller *c, cps_buf *raw)
{
    cps_private_key k = ctl_dev_key();
    int rc = cps_chain_controller_finalize_block(c, &k);
    if (!rc) rc = cps_chain_controller_commit_block(c, raw);
    if (rc) fprintf(stderr, "    finish block: %s\n", cps_last_error());
    return rc;
}

/* newaccount by eosio with owner = active = one key. */
static inline int ctl_newaccount(cps_chain_controller *c, const char *name, const cps_private_key *key)
{
    char pub[CPS_PUBLIC_KEY_STR_MAX], json[1024];
    ctl_pub_str(key, pub);
    snprintf(json, sizeof json,
             "{\"creator\":\"eosio\",\"name\":\"%s\","
             "\"owner\":{\"threshold\":1,\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]},"
             "\"active\":{\"threshold\":1,\"keys\":[{\"key\":\"%s\",\"weight\":1}],\"accounts\":[],\"waits\":[]}}",
             name, pub, pub);
    ctl_action a = {"eosio", "newaccount", "eosio@active", NULL, json};
    cps_private_key dev = ctl_dev_key();
    static uint32_t nonce; /* the same newaccount twice must not be a duplicate transaction */
    ctl_trx_opts o = {0, false, nonce++ % 600, 0};
    return ctl_push(c, &a, 1, &dev, 1, &o, NULL);
}

#endif
