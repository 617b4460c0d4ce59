/* api (chain endpoints): ABIs for JSON conversions, kept for one request — loaded from the
 * controller on the loop, or from a read view of the last committed state on any thread — and
 * the decoding of traced action data through them. */
#include "api/chain_api_internal.h"

#include <stdlib.h>
#include <string.h>

const cps_abi *cps_chain_api__abi_set_get(void *ctx, cps_name account)
{
    cps_chain_api__abi_set *s = ctx;
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].account == account) return s->e[i].abi;
    cps_abi *abi = NULL;
    cps_buf bin = {0};
    if (cps_chain_controller_get_abi(s->ctl, account, &bin) == 0 && bin.size &&
        cps_abi_from_bin(bin.data, bin.size, &abi) != 0)
        abi = NULL;
    cps_buf_free(&bin);
    if (s->n < CPS_ARRAY_LEN(s->e)) {
        s->e[s->n].account = account;
        s->e[s->n].abi = abi;
        s->n++;
    } else {
        /* A full set answers without caching rather than leaking. */
        cps_abi_free(abi);
        return NULL;
    }
    return abi;
}

void cps_chain_api__abi_set_free(cps_chain_api__abi_set *s)
{
    for (size_t i = 0; i < s->n; i++) cps_abi_free(s->e[i].abi);
    s->n = 0;
}

/* nodeos returns each traced action's data decoded through its contract's ABI, with the raw
 * bytes beside it as "hex_data"; data the ABI cannot decode stays hex, as in nodeos. */
void cps_chain_api__decode_trace_data(json_t *processed, cps_chain_api__abi_set *abis)
{
    json_t *traces = json_object_get(processed, "action_traces");
    size_t i;
    json_t *t;
    json_array_foreach(traces, i, t) {
        json_t *act = json_object_get(t, "act");
        const char *account = json_string_value(json_object_get(act, "account"));
        const char *name = json_string_value(json_object_get(act, "name"));
        const char *hex = json_string_value(json_object_get(act, "data"));
        cps_name acc, nm;
        if (!account || !name || !hex ||
            cps_abi_name_from_string(account, strlen(account), &acc) ||
            cps_abi_name_from_string(name, strlen(name), &nm))
            continue;
        const cps_abi *abi = cps_chain_api__abi_set_get(abis, acc);
        if (!abi) continue;
        size_t len = strlen(hex), n = 0;
        uint8_t *bin = malloc(len / 2 + 1);
        cps_buf out = {0};
        json_t *decoded = NULL;
        if (bin && cps_hex_decode(bin, len / 2 + 1, &n, hex, len) == 0 &&
            cps_abi_action_bin_to_json(abi, nm, bin, n, &out) == 0 &&
            cps_abi_json_parse((const char *)out.data, out.size, &decoded) == 0) {
            json_object_set_new(act, "hex_data", json_string(hex));
            json_object_set_new(act, "data", decoded);
        }
        free(bin);
        cps_buf_free(&out);
    }
}

const cps_abi *cps_chain_api__view_abis_get(void *ctx, cps_name account)
{
    cps_chain_api__view_abis *s = ctx;
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].account == account) return s->e[i].abi;
    if (s->n == CPS_ARRAY_LEN(s->e)) return NULL; /* a full set answers hex rather than grow */
    if (!s->view && cps_state_view_open(s->api->st, &s->view)) {
        s->view = NULL;
        return NULL;
    }
    cps_abi *abi = NULL;
    if (chain_api_view_load_abi(s->api, s->view, account, &abi)) abi = NULL;
    s->e[s->n].account = account;
    s->e[s->n].abi = abi;
    s->n++;
    return abi;
}

void cps_chain_api__view_abis_free(cps_chain_api__view_abis *s)
{
    for (size_t i = 0; i < s->n; i++) cps_abi_free(s->e[i].abi);
    s->n = 0;
    if (s->view) cps_state_view_close(s->view);
    s->view = NULL;
}
