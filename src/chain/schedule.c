/* schedule: producer schedules — the "sched" record of chain.global (active, pending, proposed),
 * controller::set_proposed_producers, the deterministic promotion at round starts and the
 * slot -> producer rotation (rules in controller.h, "producer schedules"). */
#include "chain/controller_internal.h"
#include "chain/host_groups.h"

#include <stdlib.h>
#include <string.h>

#define SCHED_KEY "sched"
#define SCHED_KEY_LEN 5

/* ------------------------------------------------------------------------------------------
 * The record:
 *
 *   sched = schedule active | u8 has_pending | [schedule pending | u32 pending_block_num]
 *                           | u8 has_proposed | [schedule proposed | u32 proposed_block_num]
 *   schedule = u32 version | varuint32 n | n x producer          (producer_authority_schedule)
 *   producer = u64 name | varuint32 0 | u32 threshold | varuint32 k | k x (public_key | u16 weight)
 * ------------------------------------------------------------------------------------------ */
static void schedule_clear(cps_chain_producer_schedule *s)
{
    for (uint32_t i = 0; s->producers && i < s->producer_count; i++) free(s->producers[i].keys);
    free(s->producers);
    memset(s, 0, sizeof *s);
}

void cps_chain_schedules_free(cps_chain_schedules *s)
{
    if (!s) return;
    schedule_clear(&s->active);
    schedule_clear(&s->pending);
    schedule_clear(&s->proposed);
    memset(s, 0, sizeof *s);
}

static void schedule_pack(cps_buf *b, const cps_chain_producer_schedule *s)
{
    cps_write_u32(b, s->version);
    cps_write_varuint32(b, s->producer_count);
    for (uint32_t i = 0; i < s->producer_count; i++) {
        const cps_chain_schedule_producer *p = &s->producers[i];
        cps_write_u64(b, p->name);
        cps_write_varuint32(b, 0); /* block_signing_authority_v0 */
        cps_write_u32(b, p->threshold);
        cps_write_varuint32(b, p->key_count);
        for (uint32_t k = 0; k < p->key_count; k++) {
            cps_public_key_pack(b, &p->keys[k].key);
            cps_write_u16(b, p->keys[k].weight);
        }
    }
}

static int schedule_unpack(cps_reader *r, cps_chain_producer_schedule *s)
{
    memset(s, 0, sizeof *s);
    uint32_t n = 0;
    int rc = cps_read_u32(r, &s->version);
    if (!rc) rc = cps_read_varuint32(r, &n);
    if (!rc && (n == 0 || n > CPS_CHAIN_MAX_PRODUCERS))
        rc = cps_fail(CPS_ERR_FORMAT, "schedule of %u producers", n);
    if (rc) return rc;
    s->producers = calloc(n, sizeof *s->producers);
    if (!s->producers) return cps_fail(CPS_ERR_NOMEM, "schedule");
    s->producer_count = n;
    for (uint32_t i = 0; i < n && !rc; i++) {
        cps_chain_schedule_producer *p = &s->producers[i];
        uint32_t which = 0, k = 0;
        rc = cps_read_u64(r, &p->name);
        if (!rc) rc = cps_read_varuint32(r, &which);
        if (!rc && which != 0) rc = cps_fail(CPS_ERR_FORMAT, "authority type %u", which);
        if (!rc) rc = cps_read_u32(r, &p->threshold);
        if (!rc) rc = cps_read_varuint32(r, &k);
        /* a key takes at least 34 bytes and its weight 2: bound the allocation by the bytes */
        if (!rc && (k == 0 || (uint64_t)k * 36 > cps_reader_left(r)))
            rc = cps_fail(CPS_ERR_FORMAT, "producer %u: %u keys", i, k);
        if (!rc) {
            p->keys = calloc(k, sizeof *p->keys);
            if (!p->keys) rc = cps_fail(CPS_ERR_NOMEM, "schedule keys");
            else p->key_count = k;
        }
        for (uint32_t j = 0; j < k && !rc; j++) {
            rc = cps_public_key_unpack(r, &p->keys[j].key);
            if (!rc) rc = cps_read_u16(r, &p->keys[j].weight);
        }
    }
    if (rc) schedule_clear(s);
    return rc;
}

static int schedules_unpack(cps_bytes v, cps_chain_schedules *out)
{
    cps_reader r = cps_reader_make(v.data, v.size);
    uint8_t has = 0;
    memset(out, 0, sizeof *out);
    int rc = schedule_unpack(&r, &out->active);
    if (!rc) rc = cps_read_u8(&r, &has);
    if (!rc && has > 1) rc = cps_fail(CPS_ERR_FORMAT, "flag %u", has);
    if (!rc && has) {
        out->has_pending = true;
        rc = schedule_unpack(&r, &out->pending);
        if (!rc) rc = cps_read_u32(&r, &out->pending_block_num);
    }
    if (!rc) rc = cps_read_u8(&r, &has);
    if (!rc && has > 1) rc = cps_fail(CPS_ERR_FORMAT, "flag %u", has);
    if (!rc && has) {
        out->has_proposed = true;
        rc = schedule_unpack(&r, &out->proposed);
        if (!rc) rc = cps_read_u32(&r, &out->proposed_block_num);
    }
    if (!rc) rc = cps_read_end(&r);
    if (rc) {
        cps_chain_schedules_free(out);
        return cps_fail_prefix(CPS_ERR_DB_CORRUPT, "chain.global sched record");
    }
    return 0;
}

int cps_chain_read_schedules(cps_state *st, cps_state_view *v, cps_chain_schedules *out)
{
    memset(out, 0, sizeof *out);
    cps_state_table t;
    int rc = cps_state_table_find(st, "chain.global", &t);
    cps_bytes val;
    if (!rc) rc = cps_state_get(v, t, SCHED_KEY, SCHED_KEY_LEN, &val);
    if (rc == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_DB_CORRUPT, "the state has no producer schedule record");
    if (rc) return rc;
    return schedules_unpack(val, out);
}

int cps_chain__schedules_load(cps_chain_controller *c, cps_state_view *v, cps_chain_schedules *out)
{
    memset(out, 0, sizeof *out);
    cps_bytes val;
    int rc = cps_state_get(v ? v : cps_chain__view(c), c->t_global, SCHED_KEY, SCHED_KEY_LEN, &val);
    if (rc == CPS_ERR_NOT_FOUND)
        return cps_fail(CPS_ERR_DB_CORRUPT, "the state has no producer schedule record");
    if (rc) return rc;
    return schedules_unpack(val, out);
}

int cps_chain__schedules_store(cps_chain_controller *c, const cps_chain_producer_schedule *active,
                               const cps_chain_producer_schedule *pending,
                               uint32_t pending_block_num,
                               const cps_chain_producer_schedule *proposed,
                               uint32_t proposed_block_num)
{
    cps_buf b = {0};
    schedule_pack(&b, active);
    cps_write_u8(&b, pending ? 1 : 0);
    if (pending) {
        schedule_pack(&b, pending);
        cps_write_u32(&b, pending_block_num);
    }
    cps_write_u8(&b, proposed ? 1 : 0);
    if (proposed) {
        schedule_pack(&b, proposed);
        cps_write_u32(&b, proposed_block_num);
    }
    int rc = b.failed;
    if (!rc) rc = cps_state_put(c->st, c->t_global, SCHED_KEY, SCHED_KEY_LEN, b.data, b.size);
    cps_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Rotation and promotion.
 * ------------------------------------------------------------------------------------------ */
const cps_chain_schedule_producer *cps_chain__schedule_producer_at(
    const cps_chain_producer_schedule *a, uint32_t slot)
{
    uint32_t n = a->producer_count;
    uint64_t span = (uint64_t)n * CPS_CHAIN_PRODUCER_REPETITIONS;
    return &a->producers[(slot % span) / CPS_CHAIN_PRODUCER_REPETITIONS];
}

void cps_chain__schedule_step(const cps_chain_schedules *s, uint32_t final_num,
                              uint32_t parent_slot, uint32_t slot, cps_chain_schedule_step *out)
{
    uint64_t round = (uint64_t)s->active.producer_count * CPS_CHAIN_PRODUCER_REPETITIONS;
    bool new_round = slot / round != parent_slot / round;
    /* Finality-gated, as Savanna's policies: every branch that could still be finalized agrees
     * on the schedules it counts QCs against (docs/finality.md "Schedule changes"). The pending
     * slot is free once its schedule becomes active, so both steps may happen together. */
    out->activate = new_round && s->has_pending && final_num >= s->pending_block_num;
    out->announce = new_round && s->has_proposed && final_num >= s->proposed_block_num &&
                    (!s->has_pending || out->activate);
    out->active = out->activate ? &s->pending : &s->active;
}

bool cps_chain__producer_key_signs(const cps_chain_schedule_producer *p, const cps_public_key *key)
{
    for (uint32_t i = 0; i < p->key_count; i++)
        if (p->keys[i].weight >= p->threshold && cps_public_key_compare(&p->keys[i].key, key) == 0)
            return true;
    return false;
}

int cps_chain__schedule_to_legacy(const cps_chain_producer_schedule *a, cps_producer_schedule *out)
{
    memset(out, 0, sizeof *out);
    out->producers = calloc(a->producer_count ? a->producer_count : 1, sizeof *out->producers);
    if (!out->producers) return cps_fail(CPS_ERR_NOMEM, "legacy schedule");
    out->version = a->version;
    out->producer_count = a->producer_count;
    /* The legacy header field holds one key per producer: a producer's first key (exact for
     * one-key authorities; nodeos announces others in a header extension CPS does not emit). */
    for (uint32_t i = 0; i < a->producer_count; i++) {
        out->producers[i].producer_name = a->producers[i].name;
        out->producers[i].block_signing_key = a->producers[i].keys[0].key;
    }
    return 0;
}

int cps_chain__legacy_schedule_hash(const cps_producer_schedule *s, cps_checksum256 *out)
{
    cps_buf b = {0};
    int rc = cps_abi_producer_schedule_pack(&b, s);
    if (!rc) rc = b.failed;
    if (!rc) cps_sha256(b.data, b.size, out->b);
    cps_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * controller::set_proposed_producers (legacy DPoS rules, controller.cpp
 * set_proposed_producers_legacy): one proposal per block; -1 when a proposal from an earlier
 * block still waits to become pending, or when the list equals the proposal of this block or the
 * schedule it would follow (the pending one if any, else the active one).
 * ------------------------------------------------------------------------------------------ */
static bool same_producers(const cps_chain_producer_authority *p, size_t n,
                           const cps_chain_producer_schedule *s)
{
    if (n != s->producer_count) return false;
    for (size_t i = 0; i < n; i++) {
        const cps_chain_schedule_producer *q = &s->producers[i];
        if (p[i].producer_name != q->name || p[i].threshold != q->threshold ||
            p[i].key_count != q->key_count)
            return false;
        for (uint32_t k = 0; k < q->key_count; k++)
            if (p[i].keys[k].weight != q->keys[k].weight ||
                cps_public_key_compare(&p[i].keys[k].key, &q->keys[k].key) != 0)
                return false;
    }
    return true;
}

int cps_chain__set_proposed_producers(cps_chain_apply_context *ctx,
                                      const cps_chain_producer_authority *producers, size_t count,
                                      int64_t *version)
{
    cps_chain_controller *c = ctx->trx->chain;
    *version = -1;
    if (count == 0 || count > CPS_CHAIN_MAX_PRODUCERS) return 0; /* validated before; defensive */
    const uint32_t cur = c->pending.block_num;
    cps_chain_schedules s;
    int rc = cps_chain__schedules_load(c, NULL, &s);
    if (rc) return rc;
    const cps_chain_producer_schedule *base = s.has_pending ? &s.pending : &s.active;
    bool refuse = (s.has_proposed && s.proposed_block_num != cur) ||
                  (s.has_proposed && same_producers(producers, count, &s.proposed)) ||
                  same_producers(producers, count, base);
    if (refuse) {
        cps_chain_schedules_free(&s);
        return 0;
    }
    cps_chain_producer_schedule next = {base->version + 1, NULL, (uint32_t)count};
    cps_chain_schedule_producer *ps = calloc(count, sizeof *ps);
    cps_key_weight *keys = NULL;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) total += producers[i].key_count;
    if (ps) keys = calloc(total ? total : 1, sizeof *keys);
    if (!ps || !keys) {
        free(ps);
        cps_chain_schedules_free(&s);
        return cps_fail(CPS_ERR_NOMEM, "proposed schedule");
    }
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        ps[i].name = producers[i].producer_name;
        ps[i].threshold = producers[i].threshold;
        ps[i].keys = keys + at;
        ps[i].key_count = producers[i].key_count;
        memcpy(keys + at, producers[i].keys, producers[i].key_count * sizeof *keys);
        at += producers[i].key_count;
    }
    next.producers = ps;
    rc = cps_chain__schedules_store(c, &s.active, s.has_pending ? &s.pending : NULL,
                                    s.pending_block_num, &next, cur);
    free(keys);
    free(ps);
    if (!rc) {
        *version = next.version;
        char name[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(producers[0].producer_name, name);
        cps_log_info("chain", "block %u proposes producer schedule version %u (%zu producers, "
                              "first %s)", cur, next.version, count, name);
    }
    cps_chain_schedules_free(&s);
    return rc;
}

/* apply_context::get_active_producers: the pending block's active schedule. */
int cps_chain__get_active_producers(cps_chain_apply_context *ctx, cps_name *out, size_t cap,
                                    size_t *count)
{
    cps_chain_schedules s;
    int rc = cps_chain__schedules_load(ctx->trx->chain, NULL, &s);
    if (rc) return rc;
    *count = s.active.producer_count;
    for (uint32_t i = 0; i < s.active.producer_count && i < cap; i++)
        out[i] = s.active.producers[i].name;
    cps_chain_schedules_free(&s);
    return 0;
}
