/* node: cpsd's side of the consensus (src/chain/consensus.h) — which producer votes with which
 * key, where the voters' safety files live, and the HTTP view of finality
 * (GET /v1/chain/get_finality_evidence). main.c owns the consensus; net_glue.c feeds it. */
#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key each of the node's producers votes with: the signature provider whose public key the
 * active schedule gives the producer; a producer not (yet) scheduled takes the provider given in
 * the same position (--producer-name and --signature-provider in pairs), else the only one. */
static const cps_private_key *voting_key(const cps_node_options *o,
                                         const cps_chain_schedules *sch, size_t idx,
                                         cps_name name)
{
    for (uint32_t i = 0; sch && i < sch->active.producer_count; i++) {
        const cps_chain_schedule_producer *p = &sch->active.producers[i];
        if (p->name != name) continue;
        for (uint32_t k = 0; k < p->key_count; k++)
            for (size_t s = 0; s < o->signer_count; s++)
                if (cps_public_key_compare(&o->signers[s].pub, &p->keys[k].key) == 0)
                    return &o->signers[s].priv;
    }
    if (idx < o->signer_count) return &o->signers[idx].priv;
    return o->signer_count ? &o->signers[0].priv : NULL;
}

int cps_node_consensus_open(const cps_node_options *o, cps_chain_controller *ctl,
                            const cps_name *names, size_t name_count,
                            const cps_node_signer *dev_signer,
                            const cps_chain_consensus_callbacks *cb, cps_chain_consensus **out)
{
    *out = NULL;
    cps_chain_consensus_producer prods[CPS_CHAIN_CONSENSUS_MAX_PRODUCERS];
    size_t n = 0;
    cps_chain_schedules sch;
    bool have_sch = cps_chain_controller_get_schedules(ctl, &sch) == 0;
    for (size_t i = 0; i < name_count && n < CPS_CHAIN_CONSENSUS_MAX_PRODUCERS; i++) {
        const cps_private_key *k =
            dev_signer ? &dev_signer->priv : voting_key(o, have_sch ? &sch : NULL, i, names[i]);
        if (!k) continue;
        prods[n].name = names[i];
        prods[n].key = *k;
        n++;
    }
    if (have_sch) cps_chain_schedules_free(&sch);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/finality", o->data_dir);
    cps_chain_consensus_options co = {ctl, dir, prods, n, *cb};
    int rc = cps_chain_consensus_open(&co, out);
    cps_wipe(prods, sizeof prods);
    return rc;
}

/* ---- GET /v1/chain/get_finality_evidence ------------------------------------------------------ */

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = malloc(n * 2 + 1);
    if (!s) return NULL;
    cps_hex_encode(s, p, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *vote_json(const cps_chain_vote *v)
{
    char sig[CPS_SIGNATURE_STR_MAX];
    if (cps_signature_to_string(&v->signature, sig, sizeof sig)) sig[0] = 0;
    return json_pack("{s:o,s:i,s:s}", "block_id", hex_json(v->block_id.b, 32), "block_num",
                     (json_int_t)v->block_num, "signature", sig);
}

static json_t *block_side_json(const cps_chain_signed_header_proof *p)
{
    char sig[CPS_SIGNATURE_STR_MAX];
    if (cps_signature_to_string(&p->signature, sig, sizeof sig)) sig[0] = 0;
    return json_pack("{s:o,s:s,s:o,s:o}", "header", hex_json(p->header.data, p->header.size),
                     "signature", sig, "blockroot_merkle_root",
                     hex_json(p->blockroot_merkle_root.b, 32), "schedule_hash",
                     hex_json(p->schedule_hash.b, 32));
}

/* A lock breach's chain (count, then each header; checked by the decoder) as an array of hex
 * headers, b's block first. */
static json_t *chain_json(const cps_bytes *chain)
{
    json_t *arr = json_array();
    cps_reader r = cps_reader_make(chain->data, chain->size);
    uint32_t count;
    if (!arr || cps_read_varuint32(&r, &count)) return arr;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *d;
        size_t n;
        if (cps_read_blob(&r, &d, &n)) break;
        json_array_append_new(arr, hex_json(d, n));
    }
    cps_clear_error();
    return arr;
}

/* One record: its kind, producer, key, both sides decoded, and the packed record (hex) that
 * cps_chain_evidence_decode / cps_chain_evidence_verify take. */
static json_t *evidence_json(const cps_chain_evidence *e)
{
    char producer[CPS_NAME_STR_MAX], key[CPS_PUBLIC_KEY_STR_MAX];
    cps_abi_name_to_string(e->producer, producer);
    if (cps_public_key_to_string(&e->key, false, key, sizeof key)) key[0] = 0;
    cps_buf packed = {0};
    json_t *hex = NULL;
    if (cps_chain_evidence_encode(&packed, e) == 0 && !packed.failed)
        hex = hex_json(packed.data, packed.size);
    cps_buf_free(&packed);
    bool block = e->kind == CPS_CHAIN_EVIDENCE_DOUBLE_BLOCK;
    json_t *side[2];
    for (int i = 0; i < 2; i++) {
        side[i] = block ? block_side_json(&e->block[i]) : vote_json(&e->vote[i]);
        /* votes out of order: each vote with the header of the block it is for; a lock
         * breach: a's header, and b's branch from b down to a's height */
        bool with_header = e->kind == CPS_CHAIN_EVIDENCE_VOTE_ORDER ||
                           (e->kind == CPS_CHAIN_EVIDENCE_LOCK_BREACH && i == 0);
        if (side[i] && with_header)
            json_object_set_new(side[i], "header",
                                hex_json(e->block[i].header.data, e->block[i].header.size));
        if (side[i] && e->kind == CPS_CHAIN_EVIDENCE_LOCK_BREACH && i == 1)
            json_object_set_new(side[i], "chain", chain_json(&e->chain));
    }
    const char *kind = block ? "double_block"
                       : e->kind == CPS_CHAIN_EVIDENCE_VOTE_ORDER  ? "vote_order"
                       : e->kind == CPS_CHAIN_EVIDENCE_LOCK_BREACH ? "lock_breach"
                                                                   : "double_vote";
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "kind", kind, "producer", producer, "key", key,
                     "a", side[0] ? side[0] : json_null(), "b", side[1] ? side[1] : json_null(),
                     "packed", hex ? hex : json_null());
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Percentiles of the kept finality latencies of blocks >= since (nearest rank), and with `list`
 * every sample as [block_num, µs]: the figures the finality benchmark and the long tests read.
 * NULL when out of memory. */
static json_t *latency_json(const cps_chain_consensus *cs, uint32_t since, bool list)
{
    cps_chain_consensus_latency *l = malloc(CPS_CHAIN_CONSENSUS_LATENCY_WINDOW * sizeof *l);
    int64_t *us = malloc(CPS_CHAIN_CONSENSUS_LATENCY_WINDOW * sizeof *us);
    json_t *j = NULL;
    if (l && us) {
        size_t n = cps_chain_consensus_latencies(cs, since, l, CPS_CHAIN_CONSENSUS_LATENCY_WINDOW);
        for (size_t i = 0; i < n; i++) us[i] = l[i].us;
        qsort(us, n, sizeof *us, cmp_i64);
#define RANK(p) (n ? us[(n * (p) + 99) / 100 > 0 ? (n * (p) + 99) / 100 - 1 : 0] : 0)
        j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "since_block_num", (json_int_t)since,
                      "samples", (json_int_t)n, "first_block_num",
                      (json_int_t)(n ? l[0].block_num : 0), "min_us", (json_int_t)(n ? us[0] : 0),
                      "median_us", (json_int_t)RANK(50), "p99_us", (json_int_t)RANK(99),
                      "max_us", (json_int_t)(n ? us[n - 1] : 0));
#undef RANK
        json_t *arr = list && j ? json_array() : NULL;
        for (size_t i = 0; arr && i < n; i++)
            json_array_append_new(arr, json_pack("[I,I]", (json_int_t)l[i].block_num,
                                                 (json_int_t)l[i].us));
        if (arr) json_object_set_new(j, "samples_us", arr);
    }
    free(l);
    free(us);
    return j;
}

typedef struct finality_api {
    cps_chain_consensus **cs; /* main.c's pointer: NULL until open, NULL again at shutdown */
    cps_chain_controller *ctl;
} finality_api;

static void get_finality_evidence(cps_api_request *req, void *user)
{
    finality_api *fa = user;
    cps_chain_consensus *cs = *fa->cs;
    if (!cs) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_UNSPECIFIED, "the consensus is not running");
        return;
    }
    /* optional {"since_block_num": N, "latencies": true}: latency percentiles over blocks >= N
     * only, and the samples themselves */
    uint32_t since = 0;
    json_t *params = cps_api_request_params(req);
    json_t *sj = params ? json_object_get(params, "since_block_num") : NULL;
    if (sj && (!json_is_integer(sj) || json_integer_value(sj) < 0 ||
               json_integer_value(sj) > (json_int_t)UINT32_MAX)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_INVALID_ARG,
                                  "since_block_num must be a block number (unsigned 32-bit)");
        return;
    }
    if (sj) since = (uint32_t)json_integer_value(sj);
    bool with_samples = params && json_is_true(json_object_get(params, "latencies"));
    cps_chain_finality *f = cps_chain_consensus_finality(cs);
    json_t *list = json_array();
    for (size_t i = 0; list && i < cps_chain_finality_evidence_count(f); i++)
        json_array_append_new(list, evidence_json(cps_chain_finality_evidence_at(f, i)));
    cps_chain_consensus_stats st;
    cps_chain_consensus_get_stats(cs, &st);
    cps_checksum256 lib_id, qc_id;
    cps_chain_finality_lib_id(f, &lib_id);
    uint32_t qc_slot = 0;
    bool have_qc = cps_chain_finality_highest_qc(f, &qc_id, &qc_slot);
    json_t *stats = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "blocks_applied",
        (json_int_t)st.blocks_applied, "blocks_produced", (json_int_t)st.blocks_produced,
        "fork_switches", (json_int_t)st.fork_switches, "blocks_popped",
        (json_int_t)st.blocks_popped, "votes_sent", (json_int_t)st.votes_sent, "votes_counted",
        (json_int_t)st.votes_counted, "votes_ignored", (json_int_t)st.votes_ignored,
        "finality_samples", (json_int_t)st.finality_samples, "last_finality_us",
        (json_int_t)st.last_finality_us, "avg_finality_us",
        (json_int_t)(st.finality_samples ? st.sum_finality_us / (int64_t)st.finality_samples : 0));
    json_t *latency = latency_json(cs, since, with_samples);
    json_t *body = json_pack(
        "{s:i,s:o,s:i,s:o,s:o,s:o,s:o}", "last_irreversible_block_num",
        (json_int_t)cps_chain_finality_lib_num(f), "last_irreversible_block_id",
        hex_json(lib_id.b, 32), "head_block_num",
        (json_int_t)cps_chain_controller_head_num(fa->ctl), "highest_qc_block_id",
        have_qc ? hex_json(qc_id.b, 32) : json_null(), "stats", stats ? stats : json_null(),
        "latency", latency ? latency : json_null(),
        "evidence", list ? list : json_array());
    if (!body) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_NOMEM, "finality evidence");
        return;
    }
    cps_api_respond_json(req, 200, body);
}

int cps_node_finality_api_register(cps_api_server *server, cps_chain_consensus **cs,
                                   cps_chain_controller *ctl)
{
    static finality_api fa; /* one server per process; lives as long as it */
    fa.cs = cs;
    fa.ctl = ctl;
    cps_api_endpoint ep = {"/v1/chain/get_finality_evidence", get_finality_evidence, &fa,
                           CPS_API_ON_LOOP | CPS_API_PARAMS_OPTIONAL, CPS_API_TIMEOUT_DEFAULT};
    return cps_api_server_add(server, &ep);
}
