/* api (chain endpoints): the transaction ingress pipeline (issue 8, DESIGN.md §4). The push
 * endpoints decode, check and recover signatures on the HTTP threads; the prepared transactions
 * wait in a bounded queue that is fair per first authorizer; the loop applies them to the
 * pending block (those that do not fit wait for the next one); the answers are written on
 * libuv's worker threads once their block commits. docs/architecture.md describes the flow. */
#include "api/chain_api_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* Queue bounds (cps_chain_api_options overrides them). The per-account cap keeps one account's
 * flood from filling the whole queue; round-robin keeps it from delaying the others. */
#define DEFAULT_MAX_QUEUED 20000u
#define DEFAULT_MAX_PER_ACCOUNT 2000u
#define ACCOUNT_BUCKETS 4096u
#define ID_BUCKETS 65536u
/* The loop applies queued transactions for at most this long per turn, so the block timer and
 * other loop work are never held up behind a long queue. */
#define DRAIN_SLICE_NS (20u * 1000000u)
/* A transaction refused for lack of room in the pending block is retried in that many following
 * blocks before its failure is final (a transaction too heavy for any block must not cycle). */
#define MAX_BLOCK_FULL_RETRIES 3u
#define MAX_PUSH_TRANSACTIONS 1000u /* nodeos's limit for push_transactions */

enum kind { KIND_PUSH, KIND_SEND, KIND_SEND2, KIND_PUSH_MANY };

typedef struct item {
    struct ingress_request *owner;
    cps_chain_trx_meta *meta; /* owned until the item is final */
    cps_checksum256 id;
    cps_name account;         /* first authorizer: the fairness key */
    struct item *next;        /* in its account's queue */
    struct item *id_next;     /* in the set of ids in flight */
    bool in_id_set;
    uint32_t block_full_retries;
    /* the outcome */
    int rc;
    char *detail;                       /* malloc'd; with rc != 0 */
    cps_chain_transaction_trace *trace; /* with rc == 0 */
} item;

typedef struct ingress_request {
    cps_api_request *req;
    enum kind kind;
    uint32_t count;
    uint32_t outstanding;        /* items not final: written by the loop once published */
    struct ingress_request *next; /* in a batch to answer, or the legacy queue */
    item items[];
} ingress_request;

typedef struct account_queue {
    cps_name account;
    item *head, *tail;
    uint32_t count;
    struct account_queue *hash_next;
    struct account_queue *rr_next, *rr_prev;
} account_queue;

struct chain_api_ingress {
    cps_chain_api *api;
    uv_loop_t *loop;
    uv_async_t *wake;
    /* Whether the loop had a pending block when it last looked: requests to a node that does not
     * produce go to the loop-side handlers of chain_api_trx.c (which forward to peers). */
    atomic_bool producing;
    uint32_t max_queued, max_per_account;

    pthread_mutex_t lock; /* guards the queues, the id set and the legacy list */
    account_queue *accounts[ACCOUNT_BUCKETS];
    account_queue *rr; /* the next account to serve; the accounts with queued work form a ring */
    item *ids[ID_BUCKETS];
    uint32_t queued;
    ingress_request *legacy_head, *legacy_tail;

    /* Loop thread only. */
    item **applied; /* in the pending block, answered when it commits */
    size_t applied_count, applied_cap;
    bool block_full;
    bool closing;
    ingress_request *done; /* complete requests to answer */
};

/* ------------------------------------------------------------------------------------------
 * Answers (any thread: worker threads after a commit, the HTTP thread when nothing was queued,
 * the loop at shutdown). Each frees its request.
 * ------------------------------------------------------------------------------------------ */
static void put_result(cps_buf *b, const item *it, bool nested, cps_chain_api__view_abis *abis)
{
    cps_buf_printf(b, "{\"transaction_id\":\"");
    cps_hex_append(b, it->id.b, 32);
    cps_buf_printf(b, "\",\"processed\":");
    chain_api_trace_json(b, it->trace, nested, cps_chain_api__view_abis_get, abis);
    cps_write_u8(b, '}');
}

/* push_transactions puts a failure in place of the result: {processed: {except: <error>}}. */
static void put_failure(cps_buf *b, const item *it)
{
    json_t *failure = chain_api_item_error(it->rc, it->detail ? it->detail : cps_strerror(it->rc));
    char *text = failure ? json_dumps(failure, JSON_COMPACT) : NULL;
    cps_buf_printf(b, "%s", text ? text : "{\"processed\":{\"except\":null}}");
    free(text);
    json_decref(failure);
}

static void request_free(ingress_request *r)
{
    for (uint32_t i = 0; i < r->count; i++) {
        cps_chain_trx_meta_free(r->items[i].meta);
        cps_chain_transaction_trace_free(r->items[i].trace);
        free(r->items[i].detail);
    }
    free(r);
}

static void answer_request(cps_chain_api *api, ingress_request *r)
{
    if (!r->req) { /* a peer's transaction (cps_chain_api_queue_prepared): nobody waits */
        request_free(r);
        return;
    }
    cps_chain_api__view_abis abis = {api, NULL, {{0, NULL}}, 0};
    cps_buf b = {0};
    if (r->kind != KIND_PUSH_MANY) {
        item *it = &r->items[0];
        if (it->rc) {
            chain_api_respond_trx_error(r->req, it->rc, it->detail ? it->detail
                                                                   : cps_strerror(it->rc));
        } else {
            put_result(&b, it, r->kind == KIND_PUSH, &abis);
            cps_api_respond_buf(r->req, 202, &b);
        }
    } else {
        cps_write_u8(&b, '[');
        for (uint32_t i = 0; i < r->count; i++) {
            if (i) cps_write_u8(&b, ',');
            if (r->items[i].rc) put_failure(&b, &r->items[i]);
            else put_result(&b, &r->items[i], true, &abis);
        }
        cps_write_u8(&b, ']');
        cps_api_respond_buf(r->req, 202, &b);
    }
    cps_buf_free(&b);
    cps_chain_api__view_abis_free(&abis);
    request_free(r);
}

typedef struct answer_work {
    uv_work_t work;
    cps_chain_api *api;
    ingress_request *list;
} answer_work;

static void answer_on_worker(uv_work_t *w)
{
    answer_work *aw = w->data;
    while (aw->list) {
        ingress_request *r = aw->list;
        aw->list = r->next;
        answer_request(aw->api, r);
    }
}

static void answer_work_done(uv_work_t *w, int status)
{
    answer_work *aw = w->data;
    (void)status; /* a cancelled work has not run: answer here */
    answer_on_worker(w);
    free(aw);
}

/* Hands the complete requests to a worker thread (loop). */
static void dispatch(struct chain_api_ingress *ing)
{
    if (!ing->done) return;
    answer_work *aw = ing->closing ? NULL : calloc(1, sizeof *aw);
    if (aw) {
        aw->api = ing->api;
        aw->list = ing->done;
        aw->work.data = aw;
        ing->done = NULL;
        if (uv_queue_work(ing->loop, &aw->work, answer_on_worker, answer_work_done) == 0) return;
        ing->done = aw->list;
        free(aw);
    }
    while (ing->done) { /* no worker: answer here */
        ingress_request *r = ing->done;
        ing->done = r->next;
        answer_request(ing->api, r);
    }
}

/* ------------------------------------------------------------------------------------------
 * The queue: per-account FIFOs in a ring served round-robin, and the set of ids in flight
 * (lock held).
 * ------------------------------------------------------------------------------------------ */
static uint32_t account_bucket(cps_name n)
{
    return (uint32_t)((n * UINT64_C(0x9E3779B97F4A7C15)) >> 52) % ACCOUNT_BUCKETS;
}

static uint32_t id_bucket(const cps_checksum256 *id)
{
    return (uint32_t)(cps_load_u64(id->b) % ID_BUCKETS);
}

static account_queue *account_find(struct chain_api_ingress *ing, cps_name n, bool create)
{
    account_queue **slot = &ing->accounts[account_bucket(n)];
    for (account_queue *q = *slot; q; q = q->hash_next)
        if (q->account == n) return q;
    if (!create) return NULL;
    account_queue *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->account = n;
    q->hash_next = *slot;
    *slot = q;
    /* joins the ring just before the account served next: at the end of the current round */
    if (!ing->rr) {
        q->rr_next = q->rr_prev = q;
        ing->rr = q;
    } else {
        q->rr_next = ing->rr;
        q->rr_prev = ing->rr->rr_prev;
        q->rr_prev->rr_next = q;
        ing->rr->rr_prev = q;
    }
    return q;
}

static void account_drop(struct chain_api_ingress *ing, account_queue *q)
{
    if (q->rr_next == q) {
        ing->rr = NULL;
    } else {
        q->rr_prev->rr_next = q->rr_next;
        q->rr_next->rr_prev = q->rr_prev;
        if (ing->rr == q) ing->rr = q->rr_next;
    }
    account_queue **slot = &ing->accounts[account_bucket(q->account)];
    while (*slot != q) slot = &(*slot)->hash_next;
    *slot = q->hash_next;
    free(q);
}

static bool id_in_flight(struct chain_api_ingress *ing, const cps_checksum256 *id)
{
    for (item *it = ing->ids[id_bucket(id)]; it; it = it->id_next)
        if (!memcmp(it->id.b, id->b, 32)) return true;
    return false;
}

static void id_remove(struct chain_api_ingress *ing, item *it)
{
    if (!it->in_id_set) return;
    item **slot = &ing->ids[id_bucket(&it->id)];
    while (*slot != it) slot = &(*slot)->id_next;
    *slot = it->id_next;
    it->in_id_set = false;
}

static void item_fail(item *it, int rc, const char *detail)
{
    it->rc = rc;
    free(it->detail);
    it->detail = strdup(detail && *detail ? detail : cps_strerror(rc));
    cps_chain_trx_meta_free(it->meta);
    it->meta = NULL;
}

/* Queues a prepared item or fails it (duplicate, queue full). */
static bool enqueue_locked(struct chain_api_ingress *ing, item *it)
{
    char msg[200];
    if (id_in_flight(ing, &it->id)) {
        char hex[65];
        cps_hex_encode(hex, it->id.b, 32);
        snprintf(msg, sizeof msg, "duplicate transaction %s (already queued or in the pending "
                                  "block)", hex);
        item_fail(it, CPS_ERR_TX_DUPLICATE, msg);
        return false;
    }
    account_queue *q = NULL;
    if (ing->queued >= ing->max_queued) {
        snprintf(msg, sizeof msg, "the node's transaction queue is full (%u transactions)",
                 ing->max_queued);
    } else if (!(q = account_find(ing, it->account, true))) {
        snprintf(msg, sizeof msg, "out of memory queueing the transaction");
    } else if (q->count >= ing->max_per_account) {
        char n[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(it->account, n);
        snprintf(msg, sizeof msg, "the node's transaction queue holds %u transactions of %s, its "
                                  "limit per account; retry later", q->count, n);
        q = NULL;
    }
    if (!q) {
        item_fail(it, CPS_ERR_RESOURCE, msg);
        return false;
    }
    it->next = NULL;
    if (q->tail) q->tail->next = it;
    else q->head = it;
    q->tail = it;
    q->count++;
    ing->queued++;
    item **slot = &ing->ids[id_bucket(&it->id)];
    it->id_next = *slot;
    *slot = it;
    it->in_id_set = true;
    return true;
}

static item *pop_locked(struct chain_api_ingress *ing)
{
    account_queue *q = ing->rr;
    if (!q) return NULL;
    item *it = q->head;
    q->head = it->next;
    if (!q->head) q->tail = NULL;
    it->next = NULL;
    q->count--;
    ing->queued--;
    ing->rr = q->rr_next;
    if (q->count == 0) account_drop(ing, q);
    return it;
}

/* Puts back an item that did not fit the block; its account is served first next time. False
 * when out of memory (the caller then fails the item). */
static bool push_front_locked(struct chain_api_ingress *ing, item *it)
{
    account_queue *q = account_find(ing, it->account, true);
    if (!q) return false;
    it->next = q->head;
    q->head = it;
    if (!q->tail) q->tail = it;
    q->count++;
    ing->queued++;
    ing->rr = q;
    return true;
}

/* ------------------------------------------------------------------------------------------
 * The loop side.
 * ------------------------------------------------------------------------------------------ */
static void item_final(struct chain_api_ingress *ing, item *it)
{
    pthread_mutex_lock(&ing->lock);
    id_remove(ing, it);
    pthread_mutex_unlock(&ing->lock);
    cps_chain_trx_meta_free(it->meta);
    it->meta = NULL;
    ingress_request *r = it->owner;
    if (--r->outstanding == 0) {
        r->next = ing->done;
        ing->done = r;
    }
}

static bool applied_add(struct chain_api_ingress *ing, item *it)
{
    if (ing->applied_count == ing->applied_cap) {
        size_t cap = ing->applied_cap ? ing->applied_cap * 2 : 1024;
        item **a = realloc(ing->applied, cap * sizeof *a);
        if (!a) return false;
        ing->applied = a;
        ing->applied_cap = cap;
    }
    ing->applied[ing->applied_count++] = it;
    return true;
}

/* Whether a CPS_ERR_RESOURCE failure came from the pending block's remaining room rather than
 * from the transaction's own limits: the block had less CPU (or NET) left than a transaction may
 * use, so the budget it ran under was the block's. */
static bool block_was_binding(const cps_chain_config *cfg, uint64_t cpu_used, uint64_t net_used)
{
    if (cpu_used == 0 && net_used == 0) return false; /* an empty block: its own fault */
    uint64_t cpu_left = cfg->max_block_cpu_usage > cpu_used ? cfg->max_block_cpu_usage - cpu_used
                                                            : 0;
    uint64_t net_left = cfg->max_block_net_usage > net_used ? cfg->max_block_net_usage - net_used
                                                            : 0;
    return cpu_left < cfg->max_transaction_cpu_usage || net_left < cfg->max_transaction_net_usage;
}

static void fail_all_queued(struct chain_api_ingress *ing, int rc, const char *why)
{
    for (;;) {
        pthread_mutex_lock(&ing->lock);
        item *it = pop_locked(ing);
        pthread_mutex_unlock(&ing->lock);
        if (!it) break;
        item_fail(it, rc, why);
        item_final(ing, it);
    }
}

/* The node's turn ended with transactions still queued: with a relay they go to the peers, as a
 * follower's pushes do — a single push is answered when a block holds it, a peer's transaction
 * is passed on; the items of a push_transactions batch, and everything without a relay, fail
 * as before (no pending block). */
static void forward_all_queued(struct chain_api_ingress *ing, const char *why)
{
    cps_chain_api *api = ing->api;
    for (;;) {
        pthread_mutex_lock(&ing->lock);
        item *it = pop_locked(ing);
        pthread_mutex_unlock(&ing->lock);
        if (!it) break;
        ingress_request *r = it->owner;
        if (!api->relay || r->kind == KIND_PUSH_MANY) {
            item_fail(it, CPS_ERR_STATE, why);
            item_final(ing, it);
            continue;
        }
        cps_bytes packed = cps_chain_trx_meta_packed(it->meta);
        chain_api_waiting fw;
        json_t *result = NULL;
        char *detail = NULL;
        int rc = chain_api_forward_packed(api, packed.data, packed.size, &it->id,
                                          cps_chain_trx_meta_expiration(it->meta),
                                          r->kind == KIND_PUSH, &fw, &result, &detail);
        if (rc) {
            item_fail(it, rc, detail);
        } else if (r->req) {
            chain_api_answer_after_commit(api, r->req, result, &fw);
            r->req = NULL; /* answered from the waiting list: the request only frees */
        } else {
            json_decref(result);
            json_decref(fw.processed);
        }
        free(detail);
        item_final(ing, it);
    }
}

static void apply_one(struct chain_api_ingress *ing, item *it)
{
    cps_chain_api *api = ing->api;
    const cps_chain_config *cfg = cps_chain_controller_config(api->ctl);
    uint64_t cpu_used, net_used;
    cps_chain_controller_block_usage(api->ctl, &cpu_used, &net_used);
    cps_chain_transaction_trace *trace = NULL;
    int rc = cps_chain_controller_push_prepared(api->ctl, it->meta, &trace);
    if (rc == 0) {
        it->trace = trace;
        chain_api_remember_trx(api, &it->id, cps_chain_trx_meta_expiration(it->meta));
        if (api->relay) {
            cps_bytes packed = cps_chain_trx_meta_packed(it->meta);
            (void)api->relay(api->relay_ctx, packed.data, packed.size, NULL); /* gossip */
        }
        if (applied_add(ing, it)) return;
        /* Out of memory for the list: the transaction is in the block, answer it now. */
        item_final(ing, it);
        return;
    }
    if (rc == CPS_ERR_RESOURCE && block_was_binding(cfg, cpu_used, net_used) &&
        it->block_full_retries < MAX_BLOCK_FULL_RETRIES) {
        /* nodeos's unapplied queue: it waits for the next block. */
        cps_chain_transaction_trace_free(trace);
        it->block_full_retries++;
        ing->block_full = true;
        pthread_mutex_lock(&ing->lock);
        bool requeued = push_front_locked(ing, it);
        pthread_mutex_unlock(&ing->lock);
        if (requeued) return;
        rc = cps_fail(CPS_ERR_NOMEM, "cannot requeue the transaction");
    }
    const char *msg = trace && trace->error_message ? trace->error_message : cps_last_error();
    item_fail(it, rc, msg);
    cps_chain_transaction_trace_free(trace);
    cps_api_metric_inc(api->nm.transactions_failed_total);
    item_final(ing, it);
}

/* Pushes queued transactions into the pending block until it is full, the queue is empty or the
 * turn's time is up (then the loop comes back through the wake-up). */
static void drain(struct chain_api_ingress *ing)
{
    cps_chain_api *api = ing->api;
    if (!cps_chain_controller_block_pending(api->ctl)) {
        atomic_store(&ing->producing, false);
        forward_all_queued(ing, "this node is not producing blocks: no pending block to apply "
                                "the transaction to");
        dispatch(ing);
        return;
    }
    atomic_store(&ing->producing, true);
    const cps_chain_config *cfg = cps_chain_controller_config(api->ctl);
    uint64_t end = cps_time_mono_ns() + DRAIN_SLICE_NS;
    bool more = false;
    while (!ing->block_full) {
        if (cps_time_mono_ns() > end) {
            more = true;
            break;
        }
        uint64_t cpu_used, net_used;
        cps_chain_controller_block_usage(api->ctl, &cpu_used, &net_used);
        if (cpu_used + cfg->min_transaction_cpu_usage > cfg->max_block_cpu_usage) {
            ing->block_full = true; /* nothing fits any more */
            break;
        }
        pthread_mutex_lock(&ing->lock);
        item *it = pop_locked(ing);
        pthread_mutex_unlock(&ing->lock);
        if (!it) break;
        apply_one(ing, it);
    }
    if (more) uv_async_send(ing->wake);
    dispatch(ing);
}

static void run_legacy(struct chain_api_ingress *ing)
{
    pthread_mutex_lock(&ing->lock);
    ingress_request *list = ing->legacy_head;
    ing->legacy_head = ing->legacy_tail = NULL;
    pthread_mutex_unlock(&ing->lock);
    while (list) {
        ingress_request *r = list;
        list = r->next;
        switch (r->kind) {
        case KIND_PUSH: chain_api_push_transaction(r->req, ing->api); break;
        case KIND_SEND: chain_api_send_transaction(r->req, ing->api); break;
        case KIND_SEND2: chain_api_send_transaction2(r->req, ing->api); break;
        case KIND_PUSH_MANY: chain_api_push_transactions(r->req, ing->api); break;
        }
        free(r);
    }
}

static void on_wake(uv_async_t *h)
{
    struct chain_api_ingress *ing = h->data;
    if (!ing || ing->closing) return;
    run_legacy(ing);
    drain(ing);
}

void cps_chain_api_block_started(cps_chain_api *api)
{
    struct chain_api_ingress *ing = api->ingress;
    ing->block_full = false;
    drain(ing);
}

void chain_api_ingress_committed(cps_chain_api *api)
{
    struct chain_api_ingress *ing = api->ingress;
    if (!ing) return;
    for (size_t i = 0; i < ing->applied_count; i++) item_final(ing, ing->applied[i]);
    ing->applied_count = 0;
    ing->block_full = false;
    dispatch(ing);
}

void chain_api_ingress_aborted(cps_chain_api *api, const char *why)
{
    struct chain_api_ingress *ing = api->ingress;
    if (!ing) return;
    char msg[512];
    snprintf(msg, sizeof msg, "the block holding the transaction was dropped: %s", why);
    for (size_t i = 0; i < ing->applied_count; i++) {
        item *it = ing->applied[i];
        cps_chain_transaction_trace_free(it->trace);
        it->trace = NULL;
        item_fail(it, CPS_ERR_BLOCK, msg);
        item_final(ing, it);
    }
    ing->applied_count = 0;
    ing->block_full = false;
    dispatch(ing);
}

/* ------------------------------------------------------------------------------------------
 * The HTTP side.
 * ------------------------------------------------------------------------------------------ */

/* JSON body -> packed bytes -> prepared transaction (decoded, checked, keys recovered). */
static void prepare_item(cps_chain_api *api, cps_chain_api__view_abis *abis, json_t *body, int64_t now_us,
                         item *it)
{
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_packed_transaction p;
    cps_transaction trx;
    cps_bytes raw;
    cps_buf packed = {0};
    int rc = cps_abi_packed_transaction_from_json(body, cps_chain_api__view_abis_get, abis, &a, &p);
    if (!rc) rc = cps_abi_packed_transaction_get(&p, &a, &trx, &raw);
    if (!rc) rc = cps_abi_packed_transaction_pack(&packed, &p);
    if (rc) {
        /* nodeos: a body that does not convert is a packed_transaction_type_exception */
        item_fail(it, CPS_ERR_FORMAT, cps_last_error());
    } else if ((rc = cps_chain_controller_prepare_transaction(api->ctl, packed.data, packed.size,
                                                              now_us, &it->meta))) {
        item_fail(it, rc, cps_last_error());
    } else {
        it->id = *cps_chain_trx_meta_id(it->meta);
        it->account = cps_chain_trx_meta_first_authorizer(it->meta);
    }
    cps_buf_free(&packed);
    cps_abi_arena_free(&a);
}

static void to_legacy(struct chain_api_ingress *ing, cps_api_request *req, enum kind kind)
{
    ingress_request *r = calloc(1, sizeof *r);
    if (!r) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_NOMEM, "out of memory");
        return;
    }
    r->req = req;
    r->kind = kind;
    pthread_mutex_lock(&ing->lock);
    if (ing->legacy_tail) ing->legacy_tail->next = r;
    else ing->legacy_head = r;
    ing->legacy_tail = r;
    pthread_mutex_unlock(&ing->lock);
    uv_async_send(ing->wake);
}

/* The general path: the body as a jansson tree (parsed now if it was not), each transaction
 * through cps_abi_packed_transaction_from_json. */
static ingress_request *prepare_from_json(cps_api_request *req, cps_chain_api *api,
                                          enum kind kind, int64_t now_us)
{
    json_t *params = cps_api_request_parse_params(req);
    if (!params) return NULL; /* answered: not JSON */
    json_t *single = params;
    size_t n = 1;
    if (kind == KIND_SEND2) {
        single = json_object_get(params, "transaction");
        if (!json_is_object(single)) {
            CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, "transaction: expected an object");
            return NULL;
        }
    } else if (kind == KIND_PUSH_MANY) {
        if (!json_is_array(params)) {
            CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG, "expected an array of transactions");
            return NULL;
        }
        n = json_array_size(params);
        if (n > MAX_PUSH_TRANSACTIONS) {
            CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_TOO_MANY_TX_AT_ONCE,
                                      "Attempt to push too many transactions at once");
            return NULL;
        }
    }
    ingress_request *r = calloc(1, sizeof *r + n * sizeof(item));
    if (!r) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    r->req = req;
    r->kind = kind;
    r->count = (uint32_t)n;
    cps_chain_api__view_abis abis = {api, NULL, {{0, NULL}}, 0};
    for (size_t i = 0; i < n; i++) {
        r->items[i].owner = r;
        prepare_item(api, &abis, kind == KIND_PUSH_MANY ? json_array_get(params, i) : single,
                     now_us, &r->items[i]);
    }
    cps_chain_api__view_abis_free(&abis);
    return r;
}

/* Prepares one transaction the direct reader produced. The general path would have produced the
 * same bytes and then refused a packed_trx that does not decode as a
 * packed_transaction_type_exception (CPS_ERR_FORMAT) before preparing, so when preparing fails
 * that decode decides which of the two errors is the answer. */
static void prepare_packed(cps_chain_api *api, cps_bytes packed, int64_t now_us, item *it)
{
    int rc = cps_chain_controller_prepare_transaction(api->ctl, packed.data, packed.size, now_us,
                                                      &it->meta);
    if (rc == 0) {
        it->id = *cps_chain_trx_meta_id(it->meta);
        it->account = cps_chain_trx_meta_first_authorizer(it->meta);
        return;
    }
    char *why = strdup(cps_last_error());
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_packed_transaction p;
    cps_transaction trx;
    cps_bytes raw;
    cps_reader r = cps_reader_make(packed.data, packed.size);
    if (cps_abi_packed_transaction_unpack(&r, &a, &p) == 0 &&
        cps_abi_packed_transaction_get(&p, &a, &trx, &raw) != 0)
        item_fail(it, CPS_ERR_FORMAT, cps_last_error());
    else
        item_fail(it, rc, why ? why : cps_strerror(rc));
    cps_abi_arena_free(&a);
    free(why);
}

/* The direct path: the body read by chain_api_push_body_read straight into packed bytes, with
 * the same outcome per transaction as the general path. NULL when the body is not in the direct
 * form (nothing answered; *answered false) or when out of memory (answered). */
static ingress_request *prepare_direct(cps_api_request *req, cps_chain_api *api, enum kind kind,
                                       int64_t now_us, bool *answered)
{
    *answered = false;
    cps_bytes body = cps_api_request_body(req);
    enum chain_api_push_shape shape = kind == KIND_PUSH_MANY ? CHAIN_API_PUSH_MANY
                                      : kind == KIND_SEND2   ? CHAIN_API_PUSH_SEND2
                                                             : CHAIN_API_PUSH_ONE;
    chain_api_push_body pb;
    if (chain_api_push_body_read((const char *)body.data, body.size, shape, MAX_PUSH_TRANSACTIONS,
                                 &pb))
        return NULL;
    size_t n = pb.count;
    ingress_request *r = calloc(1, sizeof *r + n * sizeof(item));
    if (!r) {
        chain_api_push_body_free(&pb);
        *answered = true;
        CPS_API_RESPOND_ERROR(req, CPS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    r->req = req;
    r->kind = kind;
    r->count = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        r->items[i].owner = r;
        prepare_packed(api, chain_api_push_body_get(&pb, i), now_us, &r->items[i]);
    }
    chain_api_push_body_free(&pb);
    return r;
}

static void handle(cps_api_request *req, cps_chain_api *api, enum kind kind)
{
    struct chain_api_ingress *ing = api->ingress;
    if (!atomic_load(&ing->producing)) {
        /* the loop-side handlers read the JSON tree: parse it here, on this thread */
        if (cps_api_request_parse_params(req)) to_legacy(ing, req, kind);
        return;
    }
    int64_t now_us = cps_time_now_us();
    bool answered;
    ingress_request *r = prepare_direct(req, api, kind, now_us, &answered);
    if (!r && !answered) r = prepare_from_json(req, api, kind, now_us);
    if (!r) return;
    uint32_t queued = 0;
    size_t n = r->count;
    pthread_mutex_lock(&ing->lock);
    for (size_t i = 0; i < n; i++)
        if (r->items[i].meta && enqueue_locked(ing, &r->items[i])) queued++;
    r->outstanding = queued;
    pthread_mutex_unlock(&ing->lock);
    /* From here the loop owns r as soon as one item was queued. */
    if (queued) uv_async_send(ing->wake);
    else answer_request(api, r);
}

void chain_api_ingress_push_transaction(cps_api_request *req, void *user)
{
    handle(req, user, KIND_PUSH);
}

void chain_api_ingress_send_transaction(cps_api_request *req, void *user)
{
    handle(req, user, KIND_SEND);
}

void chain_api_ingress_send_transaction2(cps_api_request *req, void *user)
{
    handle(req, user, KIND_SEND2);
}

void chain_api_ingress_push_transactions(cps_api_request *req, void *user)
{
    handle(req, user, KIND_PUSH_MANY);
}

/* ------------------------------------------------------------------------------------------
 * Transactions from peers (P2P ingress, src/node/net_glue.c): prepared on libuv's workers,
 * queued here on the loop as a request without an HTTP request to answer.
 * ------------------------------------------------------------------------------------------ */
int cps_chain_api_queue_prepared(cps_chain_api *api, cps_chain_trx_meta *meta)
{
    struct chain_api_ingress *ing = api->ingress;
    if (!ing || ing->closing || !cps_chain_controller_block_pending(api->ctl)) {
        cps_chain_trx_meta_free(meta);
        return cps_fail(CPS_ERR_STATE, "no pending block to apply the transaction to");
    }
    ingress_request *r = calloc(1, sizeof *r + sizeof(item));
    if (!r) {
        cps_chain_trx_meta_free(meta);
        return cps_fail(CPS_ERR_NOMEM, "out of memory queueing a peer's transaction");
    }
    r->kind = KIND_SEND;
    r->count = 1;
    item *it = &r->items[0];
    it->owner = r;
    it->meta = meta;
    it->id = *cps_chain_trx_meta_id(meta);
    it->account = cps_chain_trx_meta_first_authorizer(meta);
    pthread_mutex_lock(&ing->lock);
    bool queued = enqueue_locked(ing, it);
    r->outstanding = queued ? 1 : 0;
    pthread_mutex_unlock(&ing->lock);
    if (queued) {
        /* the loop is here already: drain on its next turn, after the P2P read returns */
        uv_async_send(ing->wake);
        return 0;
    }
    int rc = cps_fail(it->rc, "%s", it->detail ? it->detail : cps_strerror(it->rc));
    request_free(r);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Life cycle.
 * ------------------------------------------------------------------------------------------ */
int chain_api_ingress_create(cps_chain_api *api, const cps_chain_api_options *opt)
{
    if (!opt->loop) return cps_fail(CPS_ERR_INVALID_ARG, "chain api: the loop is required");
    struct chain_api_ingress *ing = calloc(1, sizeof *ing);
    uv_async_t *wake = malloc(sizeof *wake);
    if (!ing || !wake) {
        free(ing);
        free(wake);
        return cps_fail(CPS_ERR_NOMEM, "chain api ingress");
    }
    ing->api = api;
    ing->loop = opt->loop;
    ing->max_queued = opt->max_queued_transactions ? opt->max_queued_transactions
                                                   : DEFAULT_MAX_QUEUED;
    ing->max_per_account = opt->max_queued_per_account ? opt->max_queued_per_account
                                                       : DEFAULT_MAX_PER_ACCOUNT;
    atomic_init(&ing->producing, false);
    int uv_rc = uv_async_init(opt->loop, wake, on_wake);
    if (uv_rc) {
        free(ing);
        free(wake);
        return cps_fail(CPS_ERR_IO, "uv_async_init: %s", uv_strerror(uv_rc));
    }
    pthread_mutex_init(&ing->lock, NULL);
    wake->data = ing;
    /* The wake-up must not keep the loop running once everything else has stopped. */
    uv_unref((uv_handle_t *)wake);
    ing->wake = wake;
    api->ingress = ing;
    return 0;
}

static void free_handle(uv_handle_t *h)
{
    free(h);
}

void chain_api_ingress_destroy(cps_chain_api *api)
{
    struct chain_api_ingress *ing = api->ingress;
    if (!ing) return;
    ing->closing = true; /* answers are written here from now on */
    chain_api_ingress_aborted(api, "the node is shutting down");
    fail_all_queued(ing, CPS_ERR_STATE, "the node is shutting down");
    pthread_mutex_lock(&ing->lock);
    ingress_request *legacy = ing->legacy_head;
    ing->legacy_head = ing->legacy_tail = NULL;
    pthread_mutex_unlock(&ing->lock);
    while (legacy) {
        ingress_request *r = legacy;
        legacy = r->next;
        CPS_API_RESPOND_ERROR(r->req, CPS_ERR_STATE, "the node is shutting down");
        free(r);
    }
    dispatch(ing);
    ing->wake->data = NULL;
    uv_close((uv_handle_t *)ing->wake, free_handle);
    uv_run(ing->loop, UV_RUN_NOWAIT); /* lets the close complete */
    free(ing->applied);
    pthread_mutex_destroy(&ing->lock);
    free(ing);
    api->ingress = NULL;
}
