/* api (chain endpoints): compute_transaction — Leap's dry run of a transaction against the
 * pending state (chain_plugin read_only::compute_transaction, trx_type::dry_run): executed
 * without signature checks, answered with its trace, and undone entirely by the controller. */
#include "api/chain_api_internal.h"

#include <stdlib.h>
#include <string.h>

/* fc::exception as a trace's "except" holds it (the exception as the API's error map names
 * it, e.g. a CPU stop is tx_cpu_usage_exceeded): {code, name, message, stack[{context, format,
 * data}]}, the detail in the one stack entry's format. */
static json_t *fc_exception_json(int rc, const char *detail)
{
    const cps_api_exception_info *e = cps_api_exception_get(cps_api_exception_for_error(rc));
    json_t *context = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:o}", "level", "error", "file",
                                "chain_api_compute.c", "line", __LINE__, "method", "compute_transaction",
                                "hostname", "", "thread_name", "main", "timestamp",
                                chain_api_json_time_us(cps_time_now_us()));
    return json_pack("{s:I,s:s,s:s,s:[{s:o,s:s,s:{}}]}", "code", (json_int_t)e->code, "name",
                     e->name, "message", e->what, "stack", "context", context, "format",
                     detail && *detail ? detail : e->what, "data");
}

/* The trace of a transaction that failed before it ran (header, TaPoS, dedup, NET checks):
 * nodeos has one too, with no action traces. */
static json_t *empty_trace(const cps_checksum256 *id, cps_chain_controller *ctl)
{
    return json_pack("{s:o,s:I,s:o,s:n,s:n,s:i,s:i,s:b,s:[],s:n}", "id",
                     chain_api_json_checksum(id), "block_num",
                     (json_int_t)cps_chain_controller_head_num(ctl) + 1, "block_time",
                     chain_api_json_slot(cps_chain_controller_head_timestamp(ctl) + 1),
                     "producer_block_id", "receipt", "elapsed", 0, "net_usage", 0, "scheduled", 0,
                     "action_traces", "account_ram_delta");
}

void chain_api_compute_transaction(cps_api_request *req, void *user)
{
    cps_chain_api *api = user;
    json_t *body = json_object_get(cps_api_request_params(req), "transaction");
    if (!json_is_object(body)) {
        CPS_API_RESPOND_ERROR(req, CPS_ERR_INVALID_ARG,
                              "transaction: expected a packed transaction object");
        return;
    }
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_chain_api__abi_set abis = {api->ctl, {{0, NULL}}, 0};
    cps_buf packed = {0}, tj = {0};
    cps_chain_transaction_trace *trace = NULL;
    cps_packed_transaction p;
    cps_transaction trx;
    cps_bytes raw;
    int rc = cps_abi_packed_transaction_from_json(body, cps_chain_api__abi_set_get, &abis, &a, &p);
    if (!rc) rc = cps_abi_packed_transaction_get(&p, &a, &trx, &raw);
    if (!rc) rc = cps_abi_packed_transaction_pack(&packed, &p);
    if (rc) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_PACKED_TRANSACTION_TYPE,
                                  "Invalid packed transaction: %s", cps_last_error());
        goto done;
    }
    /* producer_plugin: every API transaction (dry runs included) must not be delayed */
    if (trx.header.delay_sec) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_TRANSACTION, "transaction cannot be delayed");
        goto done;
    }
    if (!cps_chain_controller_block_pending(api->ctl)) {
        CPS_API_RESPOND_EXCEPTION(req, CPS_API_EXC_MISSING_PENDING_BLOCK_STATE,
                                  "this node is not producing blocks: no pending state to run the "
                                  "transaction against");
        goto done;
    }
    cps_checksum256 id;
    cps_abi_transaction_id_raw(raw.data, raw.size, &id);
    rc = cps_chain_controller_dry_run_transaction(api->ctl, packed.data, packed.size, &trace);
    if (rc == CPS_ERR_STATE || rc == CPS_ERR_NOMEM || rc == CPS_ERR_DB ||
        rc == CPS_ERR_DB_CORRUPT) {
        /* the node's trouble, not the transaction's */
        CPS_API_RESPOND_ERROR(req, rc, NULL);
        goto done;
    }
    char *detail = NULL;
    if (rc) {
        const char *m = trace && trace->error_message ? trace->error_message : cps_last_error();
        detail = strdup(m && *m ? m : cps_strerror(rc));
    }
    json_t *processed = NULL;
    if (trace) {
        cps_chain_transaction_trace_to_json(trace, &tj);
        processed = chain_api_json_from_buf(&tj);
    } else {
        processed = empty_trace(&id, api->ctl);
    }
    if (!processed) {
        free(detail);
        CPS_API_RESPOND_ERROR(req, CPS_ERR_NOMEM, "cannot render the transaction trace");
        goto done;
    }
    cps_chain_api__decode_trace_data(processed, &abis);
    /* nodeos's compute_transaction asks for the failure trace (return_failure_trace): a failed
     * run is a 200 answer whose processed.except holds the exception, as eosjs expects. */
    json_object_set_new(processed, "producer_block_id", json_null());
    json_object_set_new(processed, "except", rc ? fc_exception_json(rc, detail) : json_null());
    json_object_set_new(processed, "error_code", json_null());
    free(detail);
    cps_api_respond_json(req, 200,
                         json_pack("{s:o,s:o}", "transaction_id", chain_api_json_checksum(&id),
                                   "processed", processed));
done:
    cps_chain_transaction_trace_free(trace);
    cps_buf_free(&packed);
    cps_buf_free(&tj);
    cps_chain_api__abi_set_free(&abis);
    cps_abi_arena_free(&a);
}
