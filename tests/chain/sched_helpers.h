/* Helpers for the schedule and reversible-block tests: three producer accounts with their keys,
 * the setprods contract on eosio (tests/chain/wat/setprods.wat) that proposes a schedule and
 * returns set_proposed_producers' result, and blocks produced by whoever the slot belongs to. */
#ifndef CPS_TESTS_SCHED_HELPERS_H
#define CPS_TESTS_SCHED_HELPERS_H

#include "ctl_helpers.h"

#define ASSERT_TRUE(x) ASSERT_EQ((x) ? 1 : 0, 1)

static const char setprods_abi_json[] =
    "{\"version\":\"eosio::abi/1.1\",\"structs\":["
    "{\"name\":\"producer_key\",\"base\":\"\",\"fields\":[{\"name\":\"producer_name\","
    "\"type\":\"name\"},{\"name\":\"block_signing_key\",\"type\":\"public_key\"}]},"
    "{\"name\":\"setprods\",\"base\":\"\",\"fields\":[{\"name\":\"schedule\","
    "\"type\":\"producer_key[]\"}]}],"
    "\"actions\":[{\"name\":\"setprods\",\"type\":\"setprods\",\"ricardian_contract\":\"\"}]}";

typedef struct sched_prods {
    cps_name name[3];
    cps_private_key priv[3];
    cps_public_key pub[3];
} sched_prods;

/* One block by eosio: setprods on eosio and accounts prod.a, prod.b, prod.c (keys 31..33). */
static inline int sched_setup_logged(cps_chain_controller *c, sched_prods *p, cps_buf *blocks,
                                     size_t *n)
{
    const char *names[3] = {"prod.a", "prod.b", "prod.c"};
    for (int i = 0; i < 3; i++) {
        p->name[i] = cps_abi_name(names[i]);
        p->priv[i] = ctl_key((uint8_t)(31 + i));
        if (cps_key_public(&p->priv[i], &p->pub[i])) return CPS_ERR_CRYPTO;
    }
    char path[4200];
    cps_buf wasm = {0}, json = {0};
    snprintf(path, sizeof path, "%s/tests/chain/wat/setprods.wasm", ctl_build_dir);
    int rc = ctl_read_file(path, &wasm);
    if (rc) {
        fprintf(stderr, "    cannot read %s\n", path);
        cps_buf_free(&wasm);
        return rc;
    }
    cps_buf_printf(&json, "{\"account\":\"eosio\",\"vmtype\":0,\"vmversion\":0,\"code\":\"");
    cps_hex_append(&json, wasm.data, wasm.size);
    cps_buf_printf(&json, "\"}");
    ctl_action a = {"eosio", "setcode", "eosio@active", NULL, cps_buf_cstr(&json)};
    cps_private_key dev = ctl_dev_key();
    rc = ctl_start(c);
    if (!rc) rc = ctl_push(c, &a, 1, &dev, 1, NULL, NULL);
    for (int i = 0; i < 3 && !rc; i++) rc = ctl_newaccount(c, names[i], &p->priv[i]);
    if (!rc) rc = ctl_finish(c, blocks ? &blocks[(*n)++] : NULL);
    else cps_chain_controller_abort_block(c, NULL, NULL);
    cps_buf_free(&wasm);
    cps_buf_free(&json);
    return rc;
}

static inline int sched_setup(cps_chain_controller *c, sched_prods *p)
{
    return sched_setup_logged(c, p, NULL, NULL);
}

/* Pushes setprods(names) in the pending block; *version receives the contract's result. */
static inline int sched_propose(cps_chain_controller *c, const sched_prods *p, const char **names,
                                size_t n, uint32_t nonce, int64_t *version)
{
    static cps_abi *abi;
    int rc = 0;
    if (!abi && (rc = cps_abi_from_json(setprods_abi_json, strlen(setprods_abi_json), &abi)))
        return rc;
    (void)p;
    cps_buf json = {0};
    cps_buf_printf(&json, "{\"schedule\":[");
    for (size_t i = 0; i < n; i++) {
        cps_name who = cps_abi_name(names[i]);
        cps_public_key key;
        if (who == cps_abi_name("eosio")) {
            cps_private_key dev = ctl_dev_key();
            if (cps_key_public(&dev, &key)) return CPS_ERR_CRYPTO;
        } else {
            key = p->pub[0];
            for (int k = 0; k < 3; k++)
                if (p->name[k] == who) key = p->pub[k];
        }
        char ks[CPS_PUBLIC_KEY_STR_MAX];
        if (cps_public_key_to_string(&key, false, ks, sizeof ks)) return CPS_ERR_CRYPTO;
        cps_buf_printf(&json, "%s{\"producer_name\":\"%s\",\"block_signing_key\":\"%s\"}",
                       i ? "," : "", names[i], ks);
    }
    cps_buf_printf(&json, "]}");
    ctl_action a = {"eosio", "setprods", "eosio@active", abi, cps_buf_cstr(&json)};
    cps_private_key dev = ctl_dev_key();
    ctl_trx_opts o = {0, false, nonce, 0};
    cps_chain_transaction_trace *t = NULL;
    rc = ctl_push(c, &a, 1, &dev, 1, &o, &t);
    if (!rc && (!t || t->action_count < 1 || t->actions[0].return_value_size != 8))
        rc = CPS_ERR_FORMAT;
    if (!rc) *version = (int64_t)cps_load_u64(t->actions[0].return_value);
    cps_chain_transaction_trace_free(t);
    cps_buf_free(&json);
    return rc;
}

/* The signing key of producer `who`: its own for prod.a..c, else (eosio) the dev key. */
static inline cps_private_key sched_key_of(const sched_prods *p, cps_name who)
{
    for (int k = 0; k < 3; k++)
        if (p->name[k] == who) return p->priv[k];
    return ctl_dev_key();
}

/* Produces an empty block at `slot` as its scheduled producer, signed with that producer's key
 * (eosio: the dev key). *raw (may be NULL) receives the block. */
static inline int sched_produce(cps_chain_controller *c, const sched_prods *p, uint32_t slot,
                                const cps_private_key *override_key, cps_buf *raw)
{
    cps_name who;
    int rc = cps_chain_controller_scheduled_producer(c, slot, &who, NULL);
    if (rc) return rc;
    cps_private_key key = override_key ? *override_key : sched_key_of(p, who);
    rc = cps_chain_controller_start_block(c, slot, who);
    if (!rc) rc = cps_chain_controller_finalize_block(c, &key);
    if (!rc) rc = cps_chain_controller_commit_block(c, raw);
    if (rc) {
        fprintf(stderr, "    produce slot %u: %s\n", slot, cps_last_error());
        cps_chain_controller_abort_block(c, NULL, NULL);
    }
    return rc;
}

/* Brings the chain to the three-producer schedule: proposes it, then produces until it is
 * active. Returns the slot of the head. */
static inline int sched_activate_three(cps_chain_controller *c, const sched_prods *p,
                                       uint32_t *slot)
{
    const char *abc[] = {"prod.a", "prod.b", "prod.c"};
    int64_t v = 0;
    int rc = ctl_start(c);
    if (!rc) rc = sched_propose(c, p, abc, 3, 77, &v);
    if (!rc) rc = ctl_finish(c, NULL);
    else cps_chain_controller_abort_block(c, NULL, NULL);
    *slot = cps_chain_controller_head_timestamp(c);
    uint32_t active_slot = (*slot / 12 + 2) * 12;
    while (!rc && *slot < active_slot) rc = sched_produce(c, p, ++*slot, NULL, NULL);
    return rc;
}

#endif
