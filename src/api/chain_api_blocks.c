/* api (chain endpoints): blocks, block header states, producer schedules and transaction status —
 * loop handlers that read blocks through the controller (blocks.log up to LIB, the reversible
 * store above it) and the schedules the API remembers for recent blocks. */
#include "api/chain_api_internal.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------
 * Producer schedules as nodeos prints them.
 * ------------------------------------------------------------------------------------------ */
json_t *chain_api_signing_authority_json(const cps_chain_schedule_producer *p)
{
    json_t *keys = json_array();
    for (uint32_t k = 0; k < p->key_count; k++)
        json_array_append_new(keys, json_pack("{s:o,s:i}", "key",
                                              chain_api_json_public_key(&p->keys[k].key),
                                              "weight", (int)p->keys[k].weight));
    return json_pack("[i,{s:I,s:o}]", 0, "threshold", (json_int_t)p->threshold, "keys", keys);
}

json_t *chain_api_authority_schedule_json(const cps_chain_producer_schedule *s)
{
    json_t *prods = json_array();
    for (uint32_t i = 0; i < s->producer_count; i++)
        json_array_append_new(prods, json_pack("{s:o,s:o}", "producer_name",
                                               chain_api_json_name(s->producers[i].name),
                                               "authority",
                                               chain_api_signing_authority_json(&s->producers[i])));
    return json_pack("{s:I,s:o}", "version", (json_int_t)s->version, "producers", prods);
}

/* sha256 of the schedule in its legacy header form (one key per producer: the first), which is
 * what nodeos hashes into pending_schedule.schedule_hash when a header announces a schedule. */
static int legacy_schedule_hash(const cps_chain_producer_schedule *s, cps_checksum256 *out)
{
    cps_producer_key *keys = calloc(s->producer_count ? s->producer_count : 1, sizeof *keys);
    if (!keys) return cps_fail(CPS_ERR_NOMEM, "schedule hash");
    for (uint32_t i = 0; i < s->producer_count; i++) {
        keys[i].producer_name = s->producers[i].name;
        keys[i].block_signing_key = s->producers[i].keys[0].key;
    }
    cps_producer_schedule legacy = {s->version, keys, s->producer_count};
    cps_buf b = {0};
    int rc = cps_abi_producer_schedule_pack(&b, &legacy);
    if (!rc) rc = b.failed;
    if (!rc) cps_sha256(b.data, b.size, out->b);
    cps_buf_free(&b);
    free(keys);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Notes on recent blocks. The state keeps only the head's schedules, and the controller no LIB
 * history, so the API records both as each block becomes the head; a snapshot of the schedules
 * is shared by consecutive blocks that have the same ones.
 * ------------------------------------------------------------------------------------------ */
static bool same_schedule_versions(const cps_chain_schedules *a, const cps_chain_schedules *b)
{
    return a->active.version == b->active.version && a->has_pending == b->has_pending &&
           (!a->has_pending ||
            (a->pending.version == b->pending.version &&
             a->pending_block_num == b->pending_block_num)) &&
           a->has_proposed == b->has_proposed &&
           (!a->has_proposed || (a->proposed.version == b->proposed.version &&
                                 a->proposed_block_num == b->proposed_block_num));
}

static chain_api_schedules_snapshot *snapshot_of(cps_chain_api *api, uint64_t serial)
{
    chain_api_schedules_snapshot *s = &api->snapshots[serial % CHAIN_API_SCHEDULE_SNAPSHOTS];
    return serial && s->serial == serial ? s : NULL;
}

void chain_api_blocks_note_head(cps_chain_api *api)
{
    uint32_t num = cps_chain_controller_head_num(api->ctl);
    chain_api_block_note *n = &api->notes[num % CHAIN_API_BLOCK_NOTES];
    cps_checksum256 id;
    cps_chain_controller_head_id(api->ctl, &id);
    /* A block's facts are those of when it became the head (LIB moving later, or a pop back to
     * it, does not change them). */
    if (n->num == num && !memcmp(n->id.b, id.b, 32) && snapshot_of(api, n->schedules_serial))
        return;
    cps_chain_schedules s;
    if (cps_chain_controller_get_schedules(api->ctl, &s)) {
        cps_log_error("api", "block %u: cannot read the schedules: %s", num, cps_last_error());
        n->num = 0; /* get_block_header_state falls back to the head's facts */
        return;
    }
    chain_api_schedules_snapshot *last = snapshot_of(api, api->snapshots_serial);
    if (last && same_schedule_versions(&last->s, &s)) {
        cps_chain_schedules_free(&s);
    } else {
        uint64_t serial = ++api->snapshots_serial;
        chain_api_schedules_snapshot *slot = &api->snapshots[serial % CHAIN_API_SCHEDULE_SNAPSHOTS];
        cps_chain_schedules_free(&slot->s);
        slot->serial = serial;
        slot->s = s;
    }
    n->num = num;
    n->id = id;
    n->lib_num = cps_chain_controller_lib_num(api->ctl);
    n->schedules_serial = api->snapshots_serial;
}

void chain_api_blocks_free(cps_chain_api *api)
{
    for (size_t i = 0; i < CHAIN_API_SCHEDULE_SNAPSHOTS; i++) {
        cps_chain_schedules_free(&api->snapshots[i].s);
        api->snapshots[i].serial = 0;
    }
}

/* ------------------------------------------------------------------------------------------
 * Reading blocks.
 * ------------------------------------------------------------------------------------------ */

/* block_num_or_id: a decimal number (as a JSON number or string) or a 64-digit id. */
static bool parse_block_ref(cps_api_request *req, const char *field, uint32_t *num,
                            cps_checksum256 *id, bool *by_id)
{
    json_t *v = json_object_get(cps_api_request_params(req), field);
    *by_id = false;
    if (json_is_integer(v) && json_integer_value(v) >= 0 &&
        json_integer_value(v) <= (json_int_t)UINT32_MAX) {
        *num = (uint32_t)json_integer_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    size_t len = s ? strlen(s) : 0;
    if (s && len >= 1 && len <= 10 && strspn(s, "0123456789") == len) {
        unsigned long long x = strtoull(s, NULL, 10);
        if (x <= UINT32_MAX) {
            *num = (uint32_t)x;
            return true;
        }
    }
    size_t n;
    if (s && len == 64 && cps_hex_decode(id->b, 32, &n, s, 64) == 0) {
        *by_id = true;
        *num = cps_abi_block_num_from_id(id);
        return true;
    }
    CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_BLOCK_ID_TYPE,
                              "%s: expected a block number or a 64-digit block id", field);
    return false;
}

/* Reads block `num` of this node's chain (irreversible or reversible) and decodes it into the
 * arena; with want_id, the block must be that one (an id of another fork is unknown here).
 * Answers unknown_block (with `what` naming the block) and returns false otherwise. */
static bool load_block(cps_api_request *req, cps_chain_api *api, uint32_t num,
                       const cps_checksum256 *want_id, const char *what, cps_arena *a,
                       cps_buf *raw, cps_signed_block *blk, cps_checksum256 *id)
{
    int rc = cps_chain_controller_read_block(api->ctl, num, raw);
    if (!rc) rc = cps_abi_signed_block_decode(raw->data, raw->size, a, blk);
    if (!rc) rc = cps_abi_block_id(&blk->signed_header.header, id);
    if (rc || (want_id && memcmp(want_id->b, id->b, 32))) {
        if (rc && rc != CPS_ERR_NOT_FOUND)
            cps_log_error("api", "block %u: %s", num, cps_last_error());
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_UNKNOWN_BLOCK, "Could not find %s: %u", what,
                                  num);
        return false;
    }
    return true;
}

static json_t *legacy_schedule_json(const cps_producer_schedule *s)
{
    json_t *prods = json_array();
    for (uint32_t i = 0; i < s->producer_count; i++)
        json_array_append_new(
            prods, json_pack("{s:o,s:o}", "producer_name",
                             chain_api_json_name(s->producers[i].producer_name),
                             "block_signing_key",
                             chain_api_json_public_key(&s->producers[i].block_signing_key)));
    return json_pack("{s:I,s:o}", "version", (json_int_t)s->version, "producers", prods);
}

static json_t *extensions_json(const cps_extension *e, uint32_t n)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("[i,o]", (int)e[i].type,
                                             chain_api_json_hex(e[i].data.data, e[i].data.size)));
    return arr;
}

static json_t *header_json(const cps_signed_block_header *sh)
{
    const cps_block_header *h = &sh->header;
    return json_pack("{s:o,s:o,s:i,s:o,s:o,s:o,s:I,s:o,s:o,s:o}", "timestamp",
                     chain_api_json_slot(h->timestamp), "producer",
                     chain_api_json_name(h->producer), "confirmed", (int)h->confirmed, "previous",
                     chain_api_json_checksum(&h->previous), "transaction_mroot",
                     chain_api_json_checksum(&h->transaction_mroot), "action_mroot",
                     chain_api_json_checksum(&h->action_mroot), "schedule_version",
                     (json_int_t)h->schedule_version, "new_producers",
                     h->has_new_producers ? legacy_schedule_json(&h->new_producers) : json_null(),
                     "header_extensions",
                     extensions_json(h->header_extensions, h->header_extension_count),
                     "producer_signature", chain_api_json_signature(&sh->producer_signature));
}

static const char *const TRX_STATUS[] = {"executed", "soft_fail", "hard_fail", "delayed",
                                         "expired"};

void chain_api_get_block(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    uint32_t num;
    cps_checksum256 want, id;
    bool by_id;
    if (!parse_block_ref(req, "block_num_or_id", &num, &want, &by_id)) return;
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_buf raw = {0};
    cps_signed_block blk;
    cps_chain_api__view_abis abis = {api, NULL, {{0, NULL}}, 0};
    if (!load_block(req, api, num, by_id ? &want : NULL, "block", &a, &raw, &blk, &id)) goto done;
    json_t *out = header_json(&blk.signed_header);
    json_t *trxs = json_array();
    for (uint32_t i = 0; i < blk.transaction_count; i++) {
        const cps_transaction_receipt *r = &blk.transactions[i];
        json_t *trx;
        if (!r->is_packed) {
            trx = chain_api_json_checksum(&r->trx_id);
        } else {
            cps_buf b = {0};
            if (cps_abi_packed_transaction_to_json(&r->packed, true, cps_chain_api__view_abis_get, &abis, &b))
                trx = json_null();
            else trx = chain_api_json_from_buf(&b);
            cps_buf_free(&b);
        }
        json_array_append_new(trxs, json_pack("{s:s,s:I,s:I,s:o}", "status",
                                              r->status < 5 ? TRX_STATUS[r->status] : "unknown",
                                              "cpu_usage_us", (json_int_t)r->cpu_usage_us,
                                              "net_usage_words",
                                              (json_int_t)r->net_usage_words, "trx",
                                              trx ? trx : json_null()));
    }
    uint16_t ref_num;
    uint32_t ref_prefix;
    cps_abi_tapos_from_block_id(&id, &ref_num, &ref_prefix);
    json_object_set_new(out, "transactions", trxs);
    json_object_set_new(out, "block_extensions",
                        extensions_json(blk.block_extensions, blk.block_extension_count));
    json_object_set_new(out, "id", chain_api_json_checksum(&id));
    json_object_set_new(out, "block_num", json_integer(num));
    json_object_set_new(out, "ref_block_prefix", json_integer(ref_prefix));
    cps_api_respond_json(req, 200, out);
done:
    cps_chain_api__view_abis_free(&abis);
    cps_buf_free(&raw);
    cps_abi_arena_free(&a);
}

void chain_api_get_block_info(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    uint64_t num;
    if (!chain_api_param_u64(req, "block_num", 0, &num)) return;
    if (!json_object_get(cps_api_request_params(req), "block_num") || num > UINT32_MAX) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, "block_num: expected a block number");
        return;
    }
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_buf raw = {0};
    cps_signed_block blk;
    cps_checksum256 id;
    if (load_block(req, api, (uint32_t)num, NULL, "block", &a, &raw, &blk, &id)) {
        const cps_block_header *h = &blk.signed_header.header;
        uint16_t ref_num;
        uint32_t ref_prefix;
        cps_abi_tapos_from_block_id(&id, &ref_num, &ref_prefix);
        cps_api_respond_json(
            req, 200,
            json_pack("{s:I,s:i,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:I,s:o,s:I}", "block_num",
                      (json_int_t)num, "ref_block_num", (int)ref_num, "id",
                      chain_api_json_checksum(&id), "timestamp", chain_api_json_slot(h->timestamp),
                      "producer", chain_api_json_name(h->producer), "confirmed", (int)h->confirmed,
                      "previous", chain_api_json_checksum(&h->previous), "transaction_mroot",
                      chain_api_json_checksum(&h->transaction_mroot), "action_mroot",
                      chain_api_json_checksum(&h->action_mroot), "schedule_version",
                      (json_int_t)h->schedule_version, "producer_signature",
                      chain_api_json_signature(&blk.signed_header.producer_signature),
                      "ref_block_prefix", (json_int_t)ref_prefix));
    }
    cps_buf_free(&raw);
    cps_abi_arena_free(&a);
}

/* ------------------------------------------------------------------------------------------
 * get_block_header_state: as nodeos, only for blocks of the fork database — LIB and the
 * reversible blocks above it — with what CPS knows of each (docs/api.md lists the fields).
 * ------------------------------------------------------------------------------------------ */

/* The schedules after block `num` and the LIB when it became the head: the block's note, or
 * for a block without one (committed before this process started, or too old) the head's
 * schedules when the block was produced under the same active schedule, and the current LIB.
 * *s is borrowed from the API or, when *owned, the caller's to free. */
static bool header_state_facts(cps_chain_api *api, uint32_t num, const cps_checksum256 *id,
                               const cps_block_header *h, const cps_chain_schedules **s,
                               cps_chain_schedules *owned, bool *is_owned, uint32_t *lib)
{
    *is_owned = false;
    const chain_api_block_note *n = &api->notes[num % CHAIN_API_BLOCK_NOTES];
    const chain_api_schedules_snapshot *snap = snapshot_of(api, n->schedules_serial);
    if (n->num == num && !memcmp(n->id.b, id->b, 32) && snap) {
        *s = &snap->s;
        *lib = n->lib_num;
        return true;
    }
    if (cps_chain_controller_get_schedules(api->ctl, owned)) return false;
    if (owned->active.version != h->schedule_version) {
        cps_chain_schedules_free(owned);
        cps_fail(CPS_ERR_NOT_FOUND,
                 "block %u was produced under schedule version %u, which is no longer the active "
                 "one, and this node has no note of its header state",
                 num, h->schedule_version);
        return false;
    }
    /* A schedule announced after this block was not pending yet at it. */
    if (owned->has_pending && owned->pending_block_num > num) owned->has_pending = false;
    if (owned->has_proposed && owned->proposed_block_num > num) owned->has_proposed = false;
    *is_owned = true;
    *s = owned;
    *lib = cps_chain_controller_lib_num(api->ctl);
    return true;
}

void chain_api_get_block_header_state(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    uint32_t num;
    cps_checksum256 want, id;
    bool by_id;
    if (!parse_block_ref(req, "block_num_or_id", &num, &want, &by_id)) return;
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_buf raw = {0};
    cps_signed_block blk;
    cps_chain_schedules owned;
    memset(&owned, 0, sizeof owned);
    bool is_owned = false;
    if (num < cps_chain_controller_lib_num(api->ctl)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_UNKNOWN_BLOCK,
                                  "Could not find reversible block: %u (the last irreversible "
                                  "block is %u)",
                                  num, cps_chain_controller_lib_num(api->ctl));
        goto done;
    }
    if (!load_block(req, api, num, by_id ? &want : NULL, "reversible block", &a, &raw, &blk, &id))
        goto done;
    const cps_block_header *h = &blk.signed_header.header;
    const cps_chain_schedules *s;
    uint32_t lib;
    if (!header_state_facts(api, num, &id, h, &s, &owned, &is_owned, &lib)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_UNKNOWN_BLOCK, "%s", cps_last_error());
        goto done;
    }
    json_t *signing = json_null();
    for (uint32_t i = 0; i < s->active.producer_count; i++)
        if (s->active.producers[i].name == h->producer) {
            json_decref(signing);
            signing = chain_api_signing_authority_json(&s->active.producers[i]);
        }
    /* pending_schedule as nodeos keeps it: the announced schedule while it waits, else the
     * active one's version with no producers and the hash of the last announcement (the active
     * schedule: genesis's or the one promoted). */
    const cps_chain_producer_schedule *hashed = s->has_pending ? &s->pending : &s->active;
    cps_checksum256 hash;
    json_t *pending;
    if (legacy_schedule_hash(hashed, &hash)) {
        json_decref(signing);
        CPS_API_RESPOND_ERROR(req, CPS_ERR_NOMEM, NULL);
        goto done;
    }
    if (s->has_pending)
        pending = json_pack("{s:I,s:o,s:o}", "schedule_lib_num", (json_int_t)s->pending_block_num,
                            "schedule_hash", chain_api_json_checksum(&hash), "schedule",
                            chain_api_authority_schedule_json(&s->pending));
    else
        pending = json_pack("{s:I,s:o,s:{s:I,s:[]}}", "schedule_lib_num", (json_int_t)0,
                            "schedule_hash", chain_api_json_checksum(&hash), "schedule", "version",
                            (json_int_t)s->active.version, "producers");
    json_t *out = json_pack(
        "{s:I,s:I,s:I,s:o,s:o,s:[],s:o,s:o,s:o,s:[]}", "block_num", (json_int_t)num,
        "dpos_proposed_irreversible_blocknum", (json_int_t)lib, "dpos_irreversible_blocknum",
        (json_int_t)lib, "active_schedule", chain_api_authority_schedule_json(&s->active),
        "valid_block_signing_authority", signing, "confirm_count", "id",
        chain_api_json_checksum(&id), "header", header_json(&blk.signed_header),
        "pending_schedule", pending, "additional_signatures");
    cps_api_respond_json(req, 200, out);
done:
    if (is_owned) cps_chain_schedules_free(&owned);
    cps_buf_free(&raw);
    cps_abi_arena_free(&a);
}

/* ------------------------------------------------------------------------------------------
 * Producer schedules of the head.
 * ------------------------------------------------------------------------------------------ */

/* The head's active, pending and proposed schedules (null when there is none), read from the
 * state on this thread. */
void chain_api_get_producer_schedule(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    cps_state_view *v = NULL;
    cps_chain_schedules s;
    int rc = cps_state_view_open(api->st, &v);
    if (!rc) rc = cps_chain_read_schedules(api->st, v, &s);
    if (v) cps_state_view_close(v);
    if (rc) {
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        return;
    }
    cps_api_respond_json(
        req, 200,
        json_pack("{s:o,s:o,s:o}", "active", chain_api_authority_schedule_json(&s.active),
                  "pending",
                  s.has_pending ? chain_api_authority_schedule_json(&s.pending) : json_null(),
                  "proposed",
                  s.has_proposed ? chain_api_authority_schedule_json(&s.proposed) : json_null()));
    cps_chain_schedules_free(&s);
}

/* ------------------------------------------------------------------------------------------
 * get_transaction_status (Leap's trx_finality_status): what this node saw of a transaction it
 * applied — LOCALLY_APPLIED in its pending block, IN_BLOCK in a reversible block, IRREVERSIBLE
 * at or below LIB, FORKED_OUT when the block that held it is no longer on this node's chain —
 * or UNKNOWN.
 * ------------------------------------------------------------------------------------------ */

/* The id and timestamp of block `num` of this node's chain; false when it has none. */
static bool block_id_and_time(cps_chain_api *api, uint32_t num, cps_checksum256 *id,
                              uint32_t *slot)
{
    cps_buf raw = {0};
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_block_header h;
    bool ok = cps_chain_controller_read_block(api->ctl, num, &raw) == 0;
    if (ok) {
        cps_reader r = cps_reader_make(raw.data, raw.size);
        ok = cps_abi_signed_block_header_unpack(&r, &a, &h) == 0 &&
             cps_abi_block_id(&h.header, id) == 0;
        if (ok) *slot = h.header.timestamp;
    }
    cps_abi_arena_free(&a);
    cps_buf_free(&raw);
    return ok;
}

void chain_api_get_transaction_status(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    const char *hex = json_string_value(json_object_get(cps_api_request_params(req), "id"));
    cps_checksum256 id;
    size_t n;
    if (!hex || strlen(hex) != 64 || cps_hex_decode(id.b, 32, &n, hex, 64)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_TRANSACTION_ID_TYPE,
                                  "id: expected a 64-digit hex transaction id");
        return;
    }
    cps_chain_controller *c = api->ctl;
    uint32_t head = cps_chain_controller_head_num(c), lib = cps_chain_controller_lib_num(c);
    cps_checksum256 head_id, lib_id;
    cps_chain_controller_head_id(c, &head_id);
    cps_chain_controller_lib_id(c, &lib_id);
    /* api->lib_time is the loop's own field (head_changed); LIB can have moved since only
     * through set_lib, after which the node calls head_changed. */
    uint32_t lib_slot = api->lib_num == lib ? api->lib_time : 0;
    cps_checksum256 unused;
    if (api->lib_num != lib) (void)block_id_and_time(api, lib, &unused, &lib_slot);
    const chain_api_trx_seen *seen = NULL;
    uint32_t earliest = 0;
    for (uint32_t i = 0; i < CHAIN_API_TRX_RING; i++) {
        const chain_api_trx_seen *s = &api->trx_ring[i];
        if (!s->used) continue;
        if (s->block_num && (!earliest || s->block_num < earliest)) earliest = s->block_num;
        if (!memcmp(s->id.b, id.b, 32)) seen = s;
    }
    cps_checksum256 earliest_id;
    uint32_t earliest_slot;
    memset(&earliest_id, 0, sizeof earliest_id);
    if (earliest && !block_id_and_time(api, earliest, &earliest_id, &earliest_slot)) {
        memset(&earliest_id, 0, sizeof earliest_id);
        earliest = 0;
    }
    json_t *out = json_pack("{s:s}", "state", "UNKNOWN");
    if (seen && seen->block_num == 0) {
        json_object_set_new(out, "state", json_string("LOCALLY_APPLIED"));
    } else if (seen) {
        cps_checksum256 bid;
        uint32_t bslot;
        bool on_chain = seen->block_num <= head &&
                        block_id_and_time(api, seen->block_num, &bid, &bslot) &&
                        !memcmp(bid.b, seen->block_id.b, 32);
        if (!on_chain) {
            json_object_set_new(out, "state", json_string("FORKED_OUT"));
        } else {
            json_object_set_new(
                out, "state", json_string(seen->block_num <= lib ? "IRREVERSIBLE" : "IN_BLOCK"));
            json_object_set_new(out, "block_number", json_integer(seen->block_num));
            json_object_set_new(out, "block_id", chain_api_json_checksum(&bid));
            json_object_set_new(out, "block_timestamp", chain_api_json_slot(bslot));
        }
    }
    if (seen)
        json_object_set_new(out, "expiration",
                            chain_api_json_time_us((int64_t)seen->expiration * 1000000));
    json_object_set_new(out, "head_number", json_integer(head));
    json_object_set_new(out, "head_id", chain_api_json_checksum(&head_id));
    json_object_set_new(out, "head_timestamp",
                        chain_api_json_slot(cps_chain_controller_head_timestamp(c)));
    json_object_set_new(out, "irreversible_number", json_integer(lib));
    json_object_set_new(out, "irreversible_id", chain_api_json_checksum(&lib_id));
    json_object_set_new(out, "irreversible_timestamp", chain_api_json_slot(lib_slot));
    json_object_set_new(out, "earliest_tracked_block_id", chain_api_json_checksum(&earliest_id));
    json_object_set_new(out, "earliest_tracked_block_number", json_integer(earliest));
    cps_api_respond_json(req, 200, out);
}
