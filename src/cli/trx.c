/* trx: reading transactions the way cleos's convert and sign commands read them — plain signed
 * JSON or the packed form — with action data given as hex or, through contract ABIs, as JSON. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* Checks the actions of one list ("actions" or "context_free_actions") whose data is JSON rather
 * than a hex string, before the conversion runs, so the error says what to do about it. */
static int check_action_list(cps_cli_ctx *ctx, const json_t *trx, const char *list, bool use_abis)
{
    const json_t *actions = json_object_get(trx, list);
    if (!json_is_array(actions)) return 0; /* the converter reports a wrong shape */
    for (size_t i = 0; i < json_array_size(actions); i++) {
        const json_t *act = json_array_get(actions, i);
        const json_t *data = json_object_get(act, "data");
        if (!data || json_is_string(data) || json_is_null(data)) continue;
        if (!use_abis)
            return cps_fail(CPS_ERR_INVALID_ARG,
                            "%s[%zu].data: action data given as JSON needs the contract's ABI: "
                            "pass --pack-action-data (with --abi-file <contract>:<abi file>)",
                            list, i);
        const char *account = json_string_value(json_object_get(act, "account"));
        cps_name contract;
        if (!account || cps_abi_name_from_string(account, strlen(account), &contract))
            continue; /* the converter names the bad account */
        const cps_abi *abi;
        bool found;
        int rc = cps_cli_abi_for(ctx, contract, &abi, &found);
        if (rc) return rc;
        if (!found)
            return cps_fail(CPS_ERR_NOT_FOUND,
                            "%s[%zu].data: no ABI for contract %s: pass --abi-file %s:<abi file> "
                            "(fetching ABIs from a node is not supported yet)",
                            list, i, account, account);
    }
    return 0;
}

int cps_cli_check_action_data(cps_cli_ctx *ctx, const json_t *trx, bool use_abis)
{
    int rc = check_action_list(ctx, trx, "context_free_actions", use_abis);
    if (!rc) rc = check_action_list(ctx, trx, "actions", use_abis);
    return rc;
}

/* Contracts without an ABI keep their action data in hex, as cleos prints data of contracts whose
 * ABI the node does not have; offline that is usually a forgotten --abi-file, so say so once per
 * contract. */
static int warn_list(cps_cli_ctx *ctx, const cps_action *acts, uint32_t n, cps_name *warned,
                     size_t *warned_count)
{
    for (uint32_t i = 0; i < n; i++) {
        const cps_abi *abi;
        bool found, already = false;
        int rc = cps_cli_abi_for(ctx, acts[i].account, &abi, &found);
        if (rc) return rc;
        for (size_t k = 0; k < *warned_count; k++)
            already |= warned[k] == acts[i].account;
        if (found || already) continue;
        warned[(*warned_count)++] = acts[i].account;
        char account[CPS_NAME_STR_MAX];
        cps_abi_name_to_string(acts[i].account, account);
        fprintf(ctx->err,
                "warning: no ABI for contract %s: its action data stays hex (pass --abi-file "
                "%s:<abi file>; fetching ABIs from a node is not supported yet)\n",
                account, account);
    }
    return 0;
}

int cps_cli_warn_missing_abis(cps_cli_ctx *ctx, const cps_transaction *t)
{
    size_t total = (size_t)t->context_free_action_count + t->action_count, warned_count = 0;
    cps_name *warned = calloc(total ? total : 1, sizeof *warned);
    if (!warned) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    int rc = warn_list(ctx, t->context_free_actions, t->context_free_action_count, warned,
                       &warned_count);
    if (!rc) rc = warn_list(ctx, t->actions, t->action_count, warned, &warned_count);
    free(warned);
    return rc;
}

int cps_cli_signed_from_packed(const cps_packed_transaction *p, cps_arena *arena,
                               cps_signed_transaction *out)
{
    cps_bytes raw;
    memset(out, 0, sizeof *out);
    /* Their errors already start with "packed_trx: " or "packed_context_free_data: ". */
    int rc = cps_abi_packed_transaction_get(p, arena, &out->trx, &raw);
    if (!rc)
        rc = cps_abi_packed_transaction_cfd(p, arena, &out->context_free_data,
                                            &out->context_free_data_count);
    if (rc) return rc;
    out->signatures = p->signatures;
    out->signature_count = p->signature_count;
    return 0;
}

int cps_cli_load_transaction(cps_cli_ctx *ctx, const json_t *value, bool use_abis, cps_arena *arena,
                             cps_signed_transaction *out, bool *was_packed)
{
    memset(out, 0, sizeof *out);
    *was_packed = false;
    if (!json_is_object(value))
        return cps_fail(CPS_ERR_TYPE, "expected a JSON object, got %s",
                        json_is_array(value) ? "an array" : "a scalar");
    if (json_object_get(value, "packed_trx")) {
        cps_packed_transaction packed;
        int rc = cps_abi_packed_transaction_from_json(value, NULL, NULL, arena, &packed);
        if (rc) return rc;
        *was_packed = true;
        return cps_cli_signed_from_packed(&packed, arena, out);
    }
    int rc = use_abis ? cps_cli_abi_files_load(ctx) : 0;
    if (!rc) rc = cps_cli_check_action_data(ctx, value, use_abis);
    if (rc) return rc;
    return cps_abi_signed_transaction_from_json(value, use_abis ? cps_cli_abi_resolver : NULL, ctx,
                                                arena, out);
}
