/* abi_driver: a line-oriented front end to the abi module for the cross-implementation test
 * (interop.test.sh). Reads one command per line on stdin and answers one line on stdout:
 * "ok <result>" or "err <message>". Test-only; not installed.
 *
 *   abi <abi json>          set the ABI used below (and as every account's ABI for transactions)
 *   abi2b                   the current ABI as binary abi_def (hex)
 *   b2abi <hex>             set the ABI from binary; answer its JSON
 *   j2b <type> <json>       JSON -> binary (hex)
 *   b2j <type> <hex>        binary -> JSON
 *   tx2b <json>             transaction JSON -> raw transaction (hex)
 *   b2tx <hex>              raw transaction -> transaction JSON
 *   stx2b <json>            signed transaction JSON -> raw signed transaction (hex)
 *   b2stx <hex>             raw signed transaction -> JSON
 *   ptx <json>              packed transaction JSON -> "<id hex> <raw trx hex> <signing digest
 *                           hex for chain id 0...0>" (decompresses zlib) */
#include "abi/abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cps_abi *current;

static const cps_abi *resolve(void *ctx, cps_name account)
{
    (void)ctx;
    (void)account;
    return current;
}

static void reply_err(void)
{
    printf("err %s\n", cps_last_error());
}

static void reply_hex(const uint8_t *p, size_t n)
{
    char *hex = malloc(n * 2 + 1);
    cps_hex_encode(hex, p, n);
    printf("ok %s\n", hex);
    free(hex);
}

static int from_hex(const char *s, uint8_t **out, size_t *n)
{
    size_t len = strlen(s);
    *out = malloc(len / 2 + 1);
    return cps_hex_decode(*out, len / 2 + 1, n, s, len);
}

static json_t *parse_json(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!v) cps_fail(CPS_ERR_JSON, "JSON: %s", e.text);
    return v;
}

static void cmd_abi(const char *arg)
{
    cps_abi *abi = NULL;
    if (cps_abi_from_json(arg, strlen(arg), &abi)) return reply_err();
    cps_abi_free(current);
    current = abi;
    printf("ok\n");
}

static void cmd_convert(const char *arg, bool to_bin)
{
    const char *sp = strchr(arg, ' ');
    if (!sp || !current) {
        printf("err usage or no ABI\n");
        return;
    }
    char type[512];
    snprintf(type, sizeof type, "%.*s", (int)(sp - arg), arg);
    cps_buf b;
    cps_buf_init(&b);
    if (to_bin) {
        if (cps_abi_json_to_bin(current, type, sp + 1, strlen(sp + 1), &b))
            reply_err();
        else
            reply_hex(b.data, b.size);
    } else {
        uint8_t *bin;
        size_t n;
        if (from_hex(sp + 1, &bin, &n) || cps_abi_bin_to_json(current, type, bin, n, &b)) {
            reply_err();
        } else {
            printf("ok %s\n", cps_buf_cstr(&b));
        }
        free(bin);
    }
    cps_buf_free(&b);
}

static void cmd_tx2b(const char *arg, bool is_signed)
{
    json_t *v = parse_json(arg);
    if (!v) return reply_err();
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_signed_transaction st;
    cps_buf b;
    cps_buf_init(&b);
    int rc = is_signed ? cps_abi_signed_transaction_from_json(v, resolve, NULL, &a, &st)
                       : cps_abi_transaction_from_json(v, resolve, NULL, &a, &st.trx);
    if (!rc)
        rc = is_signed ? cps_abi_signed_transaction_pack(&b, &st)
                       : cps_abi_transaction_pack(&b, &st.trx);
    if (rc)
        reply_err();
    else
        reply_hex(b.data, b.size);
    json_decref(v);
    cps_buf_free(&b);
    cps_abi_arena_free(&a);
}

static void cmd_b2tx(const char *arg, bool is_signed)
{
    uint8_t *bin;
    size_t n;
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_buf b;
    cps_buf_init(&b);
    cps_signed_transaction st;
    int rc = from_hex(arg, &bin, &n);
    if (!rc) {
        cps_reader r = cps_reader_make(bin, n);
        rc = is_signed ? cps_abi_signed_transaction_unpack(&r, &a, &st)
                       : cps_abi_transaction_unpack(&r, &a, &st.trx);
        if (!rc && cps_reader_left(&r)) rc = cps_fail(CPS_ERR_TRAILING, "trailing bytes");
    }
    if (!rc)
        rc = is_signed ? cps_abi_signed_transaction_to_json(&st, resolve, NULL, &b)
                       : cps_abi_transaction_to_json(&st.trx, resolve, NULL, &b);
    if (rc)
        reply_err();
    else
        printf("ok %s\n", cps_buf_cstr(&b));
    free(bin);
    cps_buf_free(&b);
    cps_abi_arena_free(&a);
}

static void cmd_ptx(const char *arg)
{
    json_t *v = parse_json(arg);
    if (!v) return reply_err();
    cps_arena a;
    cps_abi_arena_init(&a);
    cps_packed_transaction p;
    cps_transaction t;
    cps_bytes raw, *cfd;
    uint32_t cfd_count;
    int rc = cps_abi_packed_transaction_from_json(v, resolve, NULL, &a, &p);
    if (!rc) rc = cps_abi_packed_transaction_get(&p, &a, &t, &raw);
    if (!rc) rc = cps_abi_packed_transaction_cfd(&p, &a, &cfd, &cfd_count);
    if (rc) {
        reply_err();
    } else {
        cps_checksum256 id, digest, chain = {{0}};
        cps_buf packed_cfd;
        cps_buf_init(&packed_cfd);
        if (cfd_count) (void)cps_abi_bytes_vector_pack(&packed_cfd, cfd, cfd_count);
        cps_abi_transaction_id_raw(raw.data, raw.size, &id);
        cps_abi_signing_digest_raw(&chain, raw.data, raw.size, packed_cfd.data, packed_cfd.size,
                                   &digest);
        char idh[65], dh[65];
        char *rh = malloc(raw.size * 2 + 1);
        cps_hex_encode(idh, id.b, 32);
        cps_hex_encode(dh, digest.b, 32);
        cps_hex_encode(rh, raw.data, raw.size);
        printf("ok %s %s %s\n", idh, rh, dh);
        free(rh);
        cps_buf_free(&packed_cfd);
    }
    json_decref(v);
    cps_abi_arena_free(&a);
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *arg = strchr(line, ' ');
        if (arg)
            *arg++ = 0;
        else
            arg = line + len;
        cps_clear_error();
        if (strcmp(line, "abi") == 0)
            cmd_abi(arg);
        else if (strcmp(line, "abi2b") == 0) {
            cps_buf b;
            cps_buf_init(&b);
            if (!current || cps_abi_to_bin(current, &b))
                printf("err no ABI\n");
            else
                reply_hex(b.data, b.size);
            cps_buf_free(&b);
        } else if (strcmp(line, "b2abi") == 0) {
            uint8_t *bin;
            size_t n;
            cps_abi *abi = NULL;
            if (from_hex(arg, &bin, &n) || cps_abi_from_bin(bin, n, &abi)) {
                reply_err();
            } else {
                cps_buf b;
                cps_buf_init(&b);
                (void)cps_abi_to_json(abi, &b);
                printf("ok %s\n", cps_buf_cstr(&b));
                cps_buf_free(&b);
                cps_abi_free(current);
                current = abi;
            }
            free(bin);
        } else if (strcmp(line, "j2b") == 0)
            cmd_convert(arg, true);
        else if (strcmp(line, "b2j") == 0)
            cmd_convert(arg, false);
        else if (strcmp(line, "tx2b") == 0)
            cmd_tx2b(arg, false);
        else if (strcmp(line, "stx2b") == 0)
            cmd_tx2b(arg, true);
        else if (strcmp(line, "b2tx") == 0)
            cmd_b2tx(arg, false);
        else if (strcmp(line, "b2stx") == 0)
            cmd_b2tx(arg, true);
        else if (strcmp(line, "ptx") == 0)
            cmd_ptx(arg);
        else
            printf("err unknown command %s\n", line);
    }
    free(line);
    cps_abi_free(current);
    return 0;
}
