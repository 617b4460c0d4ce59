/* features: protocol features (EOSIO's protocol_feature_manager for the builtin features) — the
 * features CPS recognizes, the activation records, pre-activation by a privileged contract
 * (preactivate_feature) and activation at the start of a block, carried in the block header's
 * protocol_feature_activation extension. Records in chain.global:
 *   "pfact"  count u32 | (digest[32] | activation block_num u32) ...
 *   "pfpre"  count u32 | digest[32] ...   (pre-activated, waiting for the next block) */
#include "chain/controller_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct builtin_feature {
    const char *codename;
    const char *digest_hex;
    bool preactivation_required;
    const char *dependency_hex; /* NULL: none */
} builtin_feature;

/* The digests nodeos computes for its builtin features (2.0 and 2.1). */
static const builtin_feature builtins[] = {
    {"PREACTIVATE_FEATURE", "0ec7e080177b2c02b278d5088611686b49d739925a92d9bfcacd7fc6b74053bd", false, NULL},
    {"ONLY_LINK_TO_EXISTING_PERMISSION", "1a99a59d87e06e09ec5b028a9cbb7749b4a5ad8819004365d02dc4379a8b7241", true, NULL},
    {"REPLACE_DEFERRED", "ef43112c6543b88db2283a2e077278c315ae2c84719a8b25f25cc88565fbea99", true, NULL},
    {"NO_DUPLICATE_DEFERRED_ID", "4a90c00d55454dc5b059055ca213579c6ea856967712a56017487886a4d4cc0f", true,
     "ef43112c6543b88db2283a2e077278c315ae2c84719a8b25f25cc88565fbea99"},
    {"FIX_LINKAUTH_RESTRICTION", "e0fb64b1085cc5538970158d05a009c24e276fb94e1a0bf6a528b48fbc4ff526", true, NULL},
    {"DISALLOW_EMPTY_PRODUCER_SCHEDULE", "68dcaa34c0517d19666e6b33add67351d8c5f69e999ca1e37931bc410a297428", true, NULL},
    {"RESTRICT_ACTION_TO_SELF", "ad9e3d8f650687709fd68f4b90b41f7d825a365b02c23a636cef88ac2ac00c43", true, NULL},
    {"ONLY_BILL_FIRST_AUTHORIZER", "8ba52fe7a3956c5cd3a656a3174b931d3bb2abb45578befc59f283ecd816a405", true, NULL},
    {"FORWARD_SETCODE", "2652f5f96006294109b3dd0bbde63693f55324af452b799ee137a81a905eed25", true, NULL},
    {"GET_SENDER", "f0af56d2c5a48d60a4a5b5c903edfb7db3a736a94ed589d0b797df33ff9d3e1d", true, NULL},
    {"RAM_RESTRICTIONS", "4e7bf348da00a945489b2a681749eb56f5de00b900014e137ddae39f48f69d67", true, NULL},
    {"WEBAUTHN_KEY", "4fca8bd82bbd181e714e283f83e1b45d95ca5af40fb89ad3977b653c448f78c2", true, NULL},
    {"WTMSIG_BLOCK_SIGNATURES", "299dcb6af692324b899b39f16d5a530a33062804e41f09dc97e9f156b4476707", true, NULL},
    {"ACTION_RETURN_VALUE", "c3a6138c5061cf291310887c0b5c71fcaffeab90d5deb50d3b9e687cead45071", true, NULL},
    {"BLOCKCHAIN_PARAMETERS", "5443fcf88330c586bc0e5f3dee10e7f63c76c00249c87fe4fbf7f38c082006b4", true, NULL},
    {"GET_CODE_HASH", "bcd2a26394b36614fd4894241d3c451ab0f6fd110958c3423073621a70826e99", true, NULL},
    {"CONFIGURABLE_WASM_LIMITS", "d528b9f6e9693f45ed277af93474fd473ce7d831dae2180cca35d907bd10cb40", true, NULL},
    {"GET_BLOCK_NUM", "35c2186cc36f7bb4aeaf4487b36e57039ccf45a9136aa856a5d569ecca55ef2b", true, NULL},
    {"CRYPTO_PRIMITIVES", "6bcb40a24e49c26d0a60513b6aeb8551d264e4717f306b81a37a5afb3b47cedc", true, NULL},
};

static void digest_of(const char *hex, cps_checksum256 *out)
{
    size_t n = 0;
    if (cps_hex_decode(out->b, 32, &n, hex, 64) || n != 32) abort(); /* the table is fixed */
}

static const builtin_feature *find_builtin(const cps_checksum256 *d)
{
    for (size_t i = 0; i < CPS_ARRAY_LEN(builtins); i++) {
        cps_checksum256 x;
        digest_of(builtins[i].digest_hex, &x);
        if (memcmp(x.b, d->b, 32) == 0) return &builtins[i];
    }
    return NULL;
}

int cps_chain__feature_digest(const char *codename, cps_checksum256 *out)
{
    for (size_t i = 0; i < CPS_ARRAY_LEN(builtins); i++)
        if (strcmp(builtins[i].codename, codename) == 0) {
            digest_of(builtins[i].digest_hex, out);
            return 0;
        }
    return cps_fail(CPS_ERR_NOT_FOUND, "unknown protocol feature %s", codename);
}

/* ---- records ------------------------------------------------------------------------------ */
static int read_list(cps_chain_controller *c, cps_state_view *v, const char *key, size_t entry,
                     cps_buf *out, size_t *count)
{
    *count = 0;
    cps_buf_reset(out);
    cps_bytes val;
    int rc = cps_state_get(v, c->t_global, key, strlen(key), &val);
    if (rc == CPS_ERR_NOT_FOUND) return 0;
    if (rc) return rc;
    if (val.size < 4) return cps_fail(CPS_ERR_DB_CORRUPT, "chain.global %s record", key);
    uint32_t n = cps_load_u32(val.data);
    if ((uint64_t)n * entry != val.size - 4)
        return cps_fail(CPS_ERR_DB_CORRUPT, "chain.global %s record", key);
    *count = n;
    return cps_write_bytes(out, val.data + 4, val.size - 4);
}

static int write_list(cps_chain_controller *c, const char *key, const uint8_t *data, size_t count,
                      size_t entry)
{
    cps_buf b = {0};
    cps_write_u32(&b, (uint32_t)count);
    cps_write_bytes(&b, data, count * entry);
    int rc = b.failed;
    if (!rc) rc = cps_state_put(c->st, c->t_global, key, strlen(key), b.data, b.size);
    cps_buf_free(&b);
    return rc;
}

static bool in_list(const cps_buf *b, size_t count, size_t entry, const cps_checksum256 *d)
{
    for (size_t i = 0; i < count; i++)
        if (memcmp(b->data + i * entry, d->b, 32) == 0) return true;
    return false;
}

static int activated_in(cps_chain_controller *c, cps_state_view *v, const cps_checksum256 *d,
                        bool *yes)
{
    cps_buf b = {0};
    size_t n;
    int rc = read_list(c, v, "pfact", 36, &b, &n);
    *yes = !rc && in_list(&b, n, 36, d);
    cps_buf_free(&b);
    return rc;
}

int cps_chain__feature_is_activated(cps_chain_controller *c, const cps_checksum256 *d, bool *yes)
{
    cps_state_view *v = cps_chain__view(c);
    if (v) return activated_in(c, v, d, yes);
    int rc = cps_state_view_open(c->st, &v);
    if (rc) return rc;
    rc = activated_in(c, v, d, yes);
    cps_state_view_close(v);
    return rc;
}

int cps_chain_controller_get_activated_features(cps_chain_controller *c,
                                                cps_chain_activated_feature **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    cps_state_view *v = cps_chain__view(c);
    bool own = false;
    int rc;
    if (!v) {
        if ((rc = cps_state_view_open(c->st, &v))) return rc;
        own = true;
    }
    cps_buf b = {0};
    size_t n;
    rc = read_list(c, v, "pfact", 36, &b, &n);
    if (own) cps_state_view_close(v);
    if (!rc && n) {
        *out = calloc(n, sizeof **out);
        if (!*out) rc = cps_fail(CPS_ERR_NOMEM, "features");
        for (size_t i = 0; !rc && i < n; i++) {
            memcpy((*out)[i].digest.b, b.data + 36 * i, 32);
            (*out)[i].activation_block_num = cps_load_u32(b.data + 36 * i + 32);
            const builtin_feature *f = find_builtin(&(*out)[i].digest);
            (*out)[i].codename = f ? f->codename : "";
        }
        if (!rc) *count = n;
    }
    cps_buf_free(&b);
    return rc;
}

/* ---- pre-activation (controller::preactivate_feature) ------------------------------------ */
int cps_chain__feature_preactivate(cps_chain_controller *c, const cps_checksum256 *d)
{
    char hex[65];
    cps_hex_encode(hex, d->b, 32);
    const builtin_feature *f = find_builtin(d);
    if (!f) return cps_fail(CPS_ERR_STATE, "protocol feature with digest '%s' is unrecognized", hex);
    cps_state_view *v = cps_chain__view(c);
    cps_buf act = {0}, pre = {0};
    size_t na, np;
    int rc = read_list(c, v, "pfact", 36, &act, &na);
    if (!rc) rc = read_list(c, v, "pfpre", 32, &pre, &np);
    if (!rc && in_list(&act, na, 36, d))
        rc = cps_fail(CPS_ERR_STATE, "protocol feature with digest '%s' is already activated", hex);
    if (!rc && in_list(&pre, np, 32, d))
        rc = cps_fail(CPS_ERR_STATE, "protocol feature with digest '%s' is already pre-activated",
                      hex);
    if (!rc && f->dependency_hex) {
        cps_checksum256 dep;
        digest_of(f->dependency_hex, &dep);
        if (!in_list(&act, na, 36, &dep) && !in_list(&pre, np, 32, &dep))
            rc = cps_fail(CPS_ERR_STATE, "not all dependencies of protocol feature with digest "
                                         "'%s' have been activated or pre-activated", hex);
    }
    if (!rc) rc = cps_write_bytes(&pre, d->b, 32);
    if (!rc) rc = write_list(c, "pfpre", pre.data, np + 1, 32);
    cps_buf_free(&act);
    cps_buf_free(&pre);
    return rc;
}

/* ---- activation at the start of a block --------------------------------------------------- */
int cps_chain__features_start_block(cps_chain_controller *c, const cps_checksum256 *list,
                                    size_t n)
{
    cps_state_view *v = cps_chain__view(c);
    cps_buf act = {0}, pre = {0};
    size_t na, np;
    int rc = read_list(c, v, "pfact", 36, &act, &na);
    if (!rc) rc = read_list(c, v, "pfpre", 32, &pre, &np);
    size_t preactivated_included = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        char hex[65];
        cps_hex_encode(hex, list[i].b, 32);
        const builtin_feature *f = find_builtin(&list[i]);
        bool dup = false;
        for (size_t k = 0; k < i; k++) dup |= memcmp(list[k].b, list[i].b, 32) == 0;
        if (!f)
            rc = cps_fail(CPS_ERR_BLOCK, "protocol feature with digest '%s' is unrecognized", hex);
        else if (dup)
            rc = cps_fail(CPS_ERR_BLOCK, "attempted duplicate activation within a single block: %s",
                          hex);
        else if (in_list(&act, na, 36, &list[i]))
            rc = cps_fail(CPS_ERR_BLOCK, "protocol feature with digest '%s' has already been "
                                         "activated", hex);
        if (rc) break;
        if (f->dependency_hex) {
            cps_checksum256 dep;
            digest_of(f->dependency_hex, &dep);
            bool ok = in_list(&act, na, 36, &dep);
            for (size_t k = 0; k < i && !ok; k++) ok = memcmp(list[k].b, dep.b, 32) == 0;
            if (!ok) {
                rc = cps_fail(CPS_ERR_BLOCK, "not all dependencies of protocol feature with digest "
                                             "'%s' have been activated", hex);
                break;
            }
        }
        if (in_list(&pre, np, 32, &list[i])) {
            preactivated_included++;
        } else if (f->preactivation_required) {
            rc = cps_fail(CPS_ERR_BLOCK, "attempted to activate protocol feature without prior "
                                         "required preactivation: %s", hex);
            break;
        }
        uint8_t rec[36];
        memcpy(rec, list[i].b, 32);
        cps_store_u32(rec + 32, c->pending.block_num);
        rc = cps_write_bytes(&act, rec, 36);
        na++;
    }
    if (!rc && preactivated_included != np)
        rc = cps_fail(CPS_ERR_BLOCK, "There are pre-activated protocol features that were not "
                                     "activated at the start of this block");
    if (!rc && n) rc = write_list(c, "pfact", act.data, na, 36);
    if (!rc && n) rc = write_list(c, "pfpre", NULL, 0, 32);
    cps_buf_free(&act);
    cps_buf_free(&pre);
    return rc;
}

/* The features a producer's next block activates: every pre-activated one, then those the
 * producer scheduled (schedule_protocol_feature_activations), without repeats. */
int cps_chain__features_for_next_block(cps_chain_controller *c, cps_checksum256 **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    cps_state_view *v = NULL;
    int rc = cps_state_view_open(c->st, &v);
    if (rc) return rc;
    cps_buf pre = {0}, act = {0};
    size_t np, na = 0;
    rc = read_list(c, v, "pfpre", 32, &pre, &np);
    if (!rc) rc = read_list(c, v, "pfact", 36, &act, &na);
    cps_state_view_close(v);
    size_t cap = np + c->scheduled_feature_count;
    if (!rc && cap) {
        *out = calloc(cap, sizeof **out);
        if (!*out) rc = cps_fail(CPS_ERR_NOMEM, "features");
        for (size_t i = 0; !rc && i < np; i++) memcpy((*out)[(*n)++].b, pre.data + 32 * i, 32);
        for (size_t i = 0; !rc && i < c->scheduled_feature_count; i++) {
            /* one scheduled while it got activated otherwise is dropped */
            bool dup = in_list(&act, na, 36, &c->scheduled_features[i]);
            for (size_t k = 0; k < *n; k++)
                dup |= memcmp((*out)[k].b, c->scheduled_features[i].b, 32) == 0;
            if (!dup) (*out)[(*n)++] = c->scheduled_features[i];
        }
    }
    cps_buf_free(&pre);
    cps_buf_free(&act);
    return rc;
}

int cps_chain_controller_schedule_protocol_features(cps_chain_controller *c,
                                                    const cps_checksum256 *digests, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!find_builtin(&digests[i])) {
            char hex[65];
            cps_hex_encode(hex, digests[i].b, 32);
            return cps_fail(CPS_ERR_INVALID_ARG, "protocol feature with digest '%s' is "
                                                 "unrecognized", hex);
        }
    }
    cps_checksum256 *copy = NULL;
    if (n) {
        copy = malloc(n * sizeof *copy);
        if (!copy) return cps_fail(CPS_ERR_NOMEM, "features");
        memcpy(copy, digests, n * sizeof *copy);
    }
    free(c->scheduled_features);
    c->scheduled_features = copy;
    c->scheduled_feature_count = n;
    return 0;
}
