/* test_transaction: inline actions, deferred transactions and reading the running transaction.
 *
 *   sendinline(expected)   sends the inline action sender(expected) to this contract with
 *                          this contract's own authority (<self>@active)
 *   sender(expected)       get_sender() == expected (the contract that sent the inline action;
 *                          0 when the transaction itself carries the action)
 *   sendcf()               sends the context-free inline action cfnote()
 *   cfnote()               prints "context free"
 *   defer(id, delay, replace)   schedules a deferred transaction with sender id `id`, delay_sec
 *                          `delay`, calling deferred(id) on this contract; payer = this contract
 *   deferred(id)           prints "deferred <id>"
 *   cancel(id, found)      cancel_deferred(id) == found
 *   txinfo()               transaction_size() / read_transaction() agree; the header read from
 *                          them matches expiration(), tapos_block_num() and tapos_block_prefix();
 *                          get_action(1, i) finds this very action; get_action past the end is -1
 *   cfdata(index, data)    context-free action: get_context_free_data(index) == data
 */
#include "cps/sdk.h"

CPS_ABI_EMPTY_STRUCT(empty)

#define SENDER_FIELDS(X) X(expected, name)
CPS_ABI_STRUCT(sender, SENDER_FIELDS)

static void on_sendinline(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const sender_t *s = args;
    uint8_t data[8];
    cps_ds w = cps_ds_writer(data, sizeof data);
    sender_pack(s, &w);
    cps_permission_level auth = {self, N("active")};
    cps_action action = {self, N("sender"), &auth, 1, data, w.pos};
    cps_action_send_inline(&action);
}

static void on_sender(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    check(get_sender() == ((const sender_t *)args)->expected,
          "get_sender() is not the expected account");
}

static void on_sendcf(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    cps_action action = {self, N("cfnote"), NULL, 0, NULL, 0};
    cps_action_send_context_free_inline(&action);
}

static void on_cfnote(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
    prints("context free");
}

#define DEFER_FIELDS(X) X(id, uint64) X(delay, uint32) X(replace, bool)
CPS_ABI_STRUCT(defer, DEFER_FIELDS)

#define CALLID_FIELDS(X) X(id, uint64)
CPS_ABI_STRUCT(callid, CALLID_FIELDS)

static void on_defer(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const defer_t *d = args;
    uint8_t data[8];
    cps_ds w = cps_ds_writer(data, sizeof data);
    callid_t call = {d->id};
    callid_pack(&call, &w);
    cps_permission_level auth = {self, N("active")};
    cps_action action = {self, N("deferred"), &auth, 1, data, w.pos};
    cps_transaction trx = cps_transaction_init();
    trx.delay_sec = d->delay;
    trx.actions = &action;
    trx.action_count = 1;
    cps_uint128 sender_id = {d->id, 0};
    cps_transaction_send_deferred(&trx, sender_id, self, d->replace);
}

static void on_deferred(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    prints("deferred ");
    printui(((const callid_t *)args)->id);
}

#define CANCEL_FIELDS(X) X(id, uint64) X(found, bool)
CPS_ABI_STRUCT(cancel, CANCEL_FIELDS)

static void on_cancel(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const cancel_t *c = args;
    cps_uint128 sender_id = {c->id, 0};
    check((cancel_deferred(&sender_id) == 1) == c->found, "cancel_deferred result differs");
}

static void on_txinfo(cps_name self, cps_name code, const void *args)
{
    (void)code, (void)args;
    uint32_t size = transaction_size();
    check(size >= 10, "transaction_size() is too small for a header");
    check(read_transaction(NULL, 0) == size, "read_transaction(NULL, 0) is not the size");
    uint8_t *trx = malloc(size);
    check(read_transaction(trx, size) == size, "read_transaction copied a different size");

    cps_ds r = cps_ds_reader(trx, size);
    uint32_t exp = cps_ds_read_uint32(&r);
    uint16_t ref_block_num = cps_ds_read_uint16(&r);
    uint32_t ref_block_prefix = cps_ds_read_uint32(&r);
    check(exp == expiration(), "expiration() differs from the packed header");
    check(ref_block_num == (uint16_t)tapos_block_num(),
          "tapos_block_num() differs from the header");
    check(ref_block_prefix == (uint32_t)tapos_block_prefix(),
          "tapos_block_prefix() differs from the header");

    /* This action is one of the transaction's actions. */
    bool found = false;
    for (uint32_t i = 0;; i++) {
        int32_t action_size = get_action(1, i, NULL, 0);
        if (action_size < 0) break;
        uint8_t *packed = malloc((uint32_t)action_size);
        check(get_action(1, i, packed, (uint32_t)action_size) == action_size,
              "get_action copied a different size");
        cps_ds a = cps_ds_reader(packed, (uint32_t)action_size);
        cps_name account = cps_ds_read_name(&a);
        cps_name name = cps_ds_read_name(&a);
        if (account == self && name == N("txinfo")) found = true;
    }
    check(found, "get_action did not find this action");
    check(get_action(1, 1000, NULL, 0) == -1, "get_action past the end is not -1");
}

#define CFDATA_FIELDS(X) X(index, uint32) X(data, bytes)
CPS_ABI_STRUCT(cfdata, CFDATA_FIELDS)

static void on_cfdata(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code;
    const cfdata_t *c = args;
    int32_t size = get_context_free_data(c->index, NULL, 0);
    check(size == (int32_t)c->data.size, "context-free data size differs");
    uint8_t *data = malloc((uint32_t)size);
    get_context_free_data(c->index, data, (uint32_t)size);
    check(memcmp(data, c->data.data, c->data.size) == 0, "context-free data differs");
}

static const cps_action_def transaction_actions[] = {
    CPS_ACTION(sendinline, sender, on_sendinline),
    CPS_ACTION(sender, sender, on_sender),
    CPS_ACTION(sendcf, empty, on_sendcf),
    CPS_ACTION(cfnote, empty, on_cfnote),
    CPS_ACTION(defer, defer, on_defer),
    CPS_ACTION(deferred, callid, on_deferred),
    CPS_ACTION(cancel, cancel, on_cancel),
    CPS_ACTION(txinfo, empty, on_txinfo),
    CPS_ACTION(cfdata, cfdata, on_cfdata),
};
CPS_CONTRACT(transaction_actions)
