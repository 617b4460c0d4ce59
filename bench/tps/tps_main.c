/* Throughput benchmark (issue 8): starts a fresh cpsd, boots eosio.token, creates accounts,
 * pre-signs eosio.token transfers and streams them through the API (push_transactions over
 * keep-alive connections) and then through P2P (as a peer, tps_p2p.c; TPS_VIA=api|p2p picks one);
 * then reads the blocks back for TPS, fill, latency to inclusion and to finality, and CPU, times
 * a replay, and compares with a one-core libsecp256k1 recovery ceiling. Writes
 * bench/results/tps.json and tps.md. */
#include "abi/abi.h"
#include "base/base.h"
#include "chain/chain.h"
#include "crypto/crypto.h"
#include "tps_http.h"
#include "tps_p2p.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEV_PRIVATE_KEY "5KQwrPbwdL6PhXujxW37FSSQZ1JiwsST4cqQzDeyXtP79zkvFD3"
#define BLOCK_SECONDS 0.5
#define MAX_BLOCK_CPU_US 200000.0 /* genesis default (src/chain/genesis.c) */
#define CPS_SYMBOL (UINT64_C(4) | ((uint64_t)'C' << 8) | ((uint64_t)'P' << 16) | ((uint64_t)'S' << 24))

typedef struct presigned {
    char *json;          /* packed transaction as push_transaction JSON (owned) */
    size_t json_n;
    uint8_t *packed;     /* the same as packed_transaction bytes, for P2P (owned) */
    size_t packed_n;
    cps_checksum256 id;
    cps_checksum256 digest;
    cps_signature sig;
    double sent_s, done_s; /* monotonic seconds */
    int64_t sent_us, block_time_us; /* wall clock of the send; timestamp of its block */
    uint32_t block_num;    /* where the read-back found it; 0 = not found */
    uint32_t cpu_us;       /* billed in its receipt */
    bool executed;
    int attempts;
} presigned;

static struct {
    char build[4096];
    char tmp[4096];
    char genesis[4200];         /* the bench chain's genesis file; empty: the development one */
    uint64_t block_net;         /* its max_block_net_usage */
    int port, p2p_port;
    pid_t node;
    int accounts, transfers, connections, batch;
    int api_transfers; /* g.trx[0, api_transfers) go through the API, the rest through P2P */
    cps_checksum256 chain_id;
    cps_private_key key;
    cps_public_key pub;
    presigned *trx;
    _Atomic size_t next;
    size_t failed;        /* rejected for good (under err_lock) */
    uint32_t *retry;      /* indices to resubmit (under err_lock) */
    size_t retry_n, resubmissions;
    _Atomic size_t outstanding; /* transfers neither included nor rejected yet */
    _Atomic int transport_errors;
    char first_error[512];
    pthread_mutex_t err_lock;
} g;

static double now_s(void) { return (double)cps_time_mono_ns() / 1e9; }

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && atoi(v) > 0 ? atoi(v) : def;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

/* Starts cpsd on the temp chain; extra (may be NULL) is one more flag. Output goes to log. */
static pid_t spawn_node(const char *extra, const char *log)
{
    char exe[4200], data[4200], conf[4200], addr[64];
    snprintf(exe, sizeof exe, "%s/cpsd", g.build);
    snprintf(data, sizeof data, "%s/data", g.tmp);
    snprintf(conf, sizeof conf, "%s/config", g.tmp);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", g.port);
    char p2p_addr[64];
    snprintf(p2p_addr, sizeof p2p_addr, "127.0.0.1:%d", g.p2p_port);
    pid_t p = fork();
    if (p == 0) {
        FILE *f = freopen(log, "a", stderr);
        (void)f;
        if (!extra || strcmp(extra, "--print-state-hash")) {
            FILE *o = freopen(log, "a", stdout);
            (void)o;
        }
        const char *argv[20] = {exe, "--data-dir", data, "--config-dir", conf,
                                "--http-server-address", addr, "--max-body-size", "16777216",
                                "--log-level", "info", "--p2p-listen-endpoint", p2p_addr};
        int argn = 13;
        if (g.genesis[0]) {
            argv[argn++] = "--genesis-json"; /* only ever for a new chain here */
            argv[argn++] = g.genesis;
            argv[argn++] = "--genesis-timestamp"; /* as the development chain: starts now */
            argv[argn++] = "now";
        }
        argv[argn++] = extra;
        argv[argn] = NULL;
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    return p;
}

static json_t *rpc(const char *path, const char *body)
{
    cps_buf r = {0};
    int status = 0;
    json_t *v = NULL;
    if (tps_http_post_once(g.port, path, body, &status, &r) == 0 && status / 100 == 2)
        v = json_loadb((const char *)r.data, r.size, 0, NULL);
    else if (status)
        fprintf(stderr, "tps: %s -> %d %.*s\n", path, status, (int)(r.size > 400 ? 400 : r.size),
                (const char *)r.data);
    cps_buf_free(&r);
    return v;
}

static int wait_for_node(double timeout_s)
{
    double t0 = now_s();
    while (now_s() - t0 < timeout_s) {
        json_t *info = rpc("/v1/chain/get_info", "{}");
        if (info) {
            json_int_t head = json_integer_value(json_object_get(info, "head_block_num"));
            json_decref(info);
            if (head > 3) return 0;
        }
        int st;
        if (waitpid(g.node, &st, WNOHANG) == g.node) return cps_fail(CPS_ERR_IO, "cpsd exited");
        usleep(100000);
    }
    return cps_fail(CPS_ERR_TIMEOUT, "cpsd did not answer get_info");
}

static void stop_node(void)
{
    if (g.node <= 0) return;
    kill(g.node, SIGTERM);
    int st;
    waitpid(g.node, &st, 0);
    g.node = 0;
}

/* CPU seconds (user + system, all threads) the process has used, from /proc/<pid>/stat. */
static double process_cpu_s(pid_t pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int hex32(const char *hex, cps_checksum256 *out)
{
    size_t n;
    if (!hex || strlen(hex) != 64) return cps_fail(CPS_ERR_FORMAT, "expected 64 hex digits");
    return cps_hex_decode(out->b, 32, &n, hex, 64);
}

/* Account i -> "tps" + 5 characters of [a-z1-5]: distinct, valid names. */
static cps_name account_name(int i)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz12345";
    char s[9] = "tps";
    for (int k = 7; k >= 3; k--) {
        s[k] = alphabet[i % 31];
        i /= 31;
    }
    s[8] = 0;
    cps_name n = 0;
    if (cps_abi_name_from_string(s, 8, &n)) abort(); /* generated, always valid */
    return n;
}

typedef struct tapos {
    uint16_t ref_block_num;
    uint32_t ref_block_prefix;
    uint32_t expiration;
} tapos;

static int read_tapos(uint32_t expire_after_s, tapos *t)
{
    json_t *info = rpc("/v1/chain/get_info", "{}");
    if (!info) return cps_fail(CPS_ERR_IO, "get_info failed");
    cps_checksum256 head;
    int64_t head_us = 0;
    const char *ts = json_string_value(json_object_get(info, "head_block_time"));
    int rc = hex32(json_string_value(json_object_get(info, "head_block_id")), &head);
    if (!rc) rc = hex32(json_string_value(json_object_get(info, "chain_id")), &g.chain_id);
    if (!rc) rc = ts ? cps_time_parse(ts, strlen(ts), &head_us) : CPS_ERR_FORMAT;
    json_decref(info);
    if (rc) return rc;
    cps_abi_tapos_from_block_id(&head, &t->ref_block_num, &t->ref_block_prefix);
    t->expiration = (uint32_t)(head_us / 1000000 + expire_after_s);
    return 0;
}

/* Raw transaction: header, no context-free actions, the actions in `acts` (already packed as
 * EOSIO actions), no extensions. */
static int pack_trx(const tapos *t, uint32_t nonce, const cps_buf *acts, uint32_t nacts, cps_buf *raw)
{
    cps_buf_reset(raw);
    cps_write_u32(raw, t->expiration + nonce);
    cps_write_u16(raw, t->ref_block_num);
    cps_write_u32(raw, t->ref_block_prefix);
    cps_write_varuint32(raw, 0); /* max_net_usage_words */
    cps_write_u8(raw, 0);        /* max_cpu_usage_ms */
    cps_write_varuint32(raw, 0); /* delay_sec */
    cps_write_varuint32(raw, 0); /* context-free actions */
    cps_write_varuint32(raw, nacts);
    cps_write_bytes(raw, acts->data, acts->size);
    cps_write_varuint32(raw, 0); /* transaction extensions */
    return raw->failed;
}

static void pack_action(cps_buf *b, const char *account, const char *name, cps_name actor,
                        const cps_buf *data)
{
    cps_write_u64(b, cps_abi_name(account));
    cps_write_u64(b, cps_abi_name(name));
    cps_write_varuint32(b, 1);
    cps_write_u64(b, actor);
    cps_write_u64(b, cps_abi_name("active"));
    cps_write_blob(b, data->data, data->size);
}

static void transfer_data(cps_buf *d, cps_name from, cps_name to, int64_t amount, const char *memo)
{
    cps_buf_reset(d);
    cps_write_u64(d, from);
    cps_write_u64(d, to);
    cps_write_u64(d, (uint64_t)amount);
    cps_write_u64(d, CPS_SYMBOL);
    cps_write_str(d, memo);
}

static void key_authority(cps_buf *d)
{
    cps_write_u32(d, 1);
    cps_write_varuint32(d, 1);
    cps_public_key_pack(d, &g.pub);
    cps_write_u16(d, 1);
    cps_write_varuint32(d, 0);
    cps_write_varuint32(d, 0);
}

/* Signs raw and fills p (json owned by p). */
static int sign_trx(const cps_buf *raw, presigned *p)
{
    cps_abi_signing_digest_raw(&g.chain_id, raw->data, raw->size, NULL, 0, &p->digest);
    cps_abi_transaction_id_raw(raw->data, raw->size, &p->id);
    int rc = cps_sign(&g.key, p->digest.b, &p->sig);
    char sig[CPS_SIGNATURE_STR_MAX];
    if (!rc) rc = cps_signature_to_string(&p->sig, sig, sizeof sig);
    if (rc) return rc;
    cps_buf j = {0};
    cps_buf_printf(&j, "{\"signatures\":[\"%s\"],\"compression\":0,\"packed_context_free_data\":\"\","
                       "\"packed_trx\":\"",
                   sig);
    cps_hex_append(&j, raw->data, raw->size);
    cps_write_bytes(&j, "\"}", 3); /* with the NUL */
    /* packed_transaction: signatures, compression, context-free data, packed_trx */
    cps_buf pk = {0};
    cps_write_varuint32(&pk, 1);
    if (cps_signature_pack(&pk, &p->sig)) pk.failed = true;
    cps_write_u8(&pk, 0);
    cps_write_varuint32(&pk, 0);
    cps_write_blob(&pk, raw->data, raw->size);
    if (j.failed || pk.failed) {
        cps_buf_free(&j);
        cps_buf_free(&pk);
        return CPS_ERR_NOMEM;
    }
    p->packed_n = pk.size;
    p->packed = cps_buf_release(&pk, NULL);
    p->json_n = j.size - 1;
    p->json = (char *)cps_buf_release(&j, NULL);
    return 0;
}

enum outcome { OUT_OK = 0, OUT_RETRY = 1, OUT_REJECTED = 2 };

static void note_error(int status, const cps_buf *resp)
{
    if (g.first_error[0]) return;
    pthread_mutex_lock(&g.err_lock);
    if (!g.first_error[0])
        snprintf(g.first_error, sizeof g.first_error, "HTTP %d: %.*s", status,
                 (int)(resp->size > 400 ? 400 : resp->size), (const char *)resp->data);
    pthread_mutex_unlock(&g.err_lock);
}

/* Pushes base[idx[0..n)] with one push_transactions and sets out[k] for each: OUT_OK, OUT_RETRY
 * (resource exhausted: the pending block is full, as a client would resubmit) or OUT_REJECTED.
 * Returns 0 or a transport error (then nothing is known about the list). */
static int push_list(int fd, presigned *base, const uint32_t *idx, size_t n, uint8_t *out)
{
    cps_buf body = {0}, resp = {0};
    cps_write_u8(&body, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) cps_write_u8(&body, ',');
        cps_write_bytes(&body, base[idx[i]].json, base[idx[i]].json_n);
    }
    cps_write_u8(&body, ']');
    int status = 0, rc = body.failed ? CPS_ERR_NOMEM : 0;
    double t0 = now_s();
    int64_t t0_us = cps_time_now_us();
    if (!rc) rc = tps_http_post(fd, "/v1/chain/push_transactions", (const char *)body.data, body.size,
                                &status, &resp);
    double t1 = now_s();
    if (!rc) {
        for (size_t i = 0; i < n; i++) {
            presigned *p = &base[idx[i]];
            if (p->sent_s == 0) { /* latency counts from the first submission */
                p->sent_s = t0;
                p->sent_us = t0_us;
            }
            p->done_s = t1;
            out[i] = OUT_OK;
        }
        /* A success carries its transaction receipt {"status":"executed",...} (action receipts
         * start with "receiver"); scanning is far cheaper than parsing 250 traces per answer, so
         * the answer is parsed only when something failed. The block read-back below is the
         * authoritative count anyway. */
        static const char ok[] = "\"receipt\":{\"status\":\"executed\"";
        const char *s = (const char *)resp.data;
        size_t good = 0;
        for (size_t k = 0; k + sizeof ok - 1 <= resp.size; k++)
            if (s[k] == '"' && !memcmp(s + k, ok, sizeof ok - 1)) good++;
        if (status / 100 != 2) {
            note_error(status, &resp);
            for (size_t i = 0; i < n; i++) out[i] = OUT_REJECTED;
        } else if (good < n) {
            json_t *list = json_loadb((const char *)resp.data, resp.size, 0, NULL);
            for (size_t i = 0; i < n; i++) {
                json_t *except = json_object_get(json_object_get(json_array_get(list, i), "processed"), "except");
                if (!list || json_is_object(except)) {
                    json_int_t code = json_integer_value(json_object_get(except, "code"));
                    /* 3080000..3080999: resource exhausted (block or account CPU/NET full). */
                    out[i] = code >= 3080000 && code < 3081000 ? OUT_RETRY : OUT_REJECTED;
                    if (out[i] == OUT_REJECTED) note_error(status, &resp);
                }
            }
            json_decref(list);
        }
    }
    cps_buf_free(&body);
    cps_buf_free(&resp);
    return rc;
}

/* Set-up: N accounts created by eosio, each funded, ACCOUNTS_PER_TRX per transaction. */
#define ACCOUNTS_PER_TRX 25

/* Signs the transactions creating and funding accounts 0..accounts-1 (ACCOUNTS_PER_TRX each)
 * into *out (owned by the caller, each json too), *ntrx of them. */
static int sign_account_trxs(int accounts, presigned **out, int *ntrx_out)
{
    tapos t;
    int rc = read_tapos(600, &t);
    if (rc) return rc;
    int ntrx = (accounts + ACCOUNTS_PER_TRX - 1) / ACCOUNTS_PER_TRX;
    presigned *list = calloc((size_t)ntrx, sizeof *list);
    if (!list) return CPS_ERR_NOMEM;
    cps_buf acts = {0}, data = {0}, raw = {0};
    for (int k = 0; k < ntrx && !rc; k++) {
        cps_buf_reset(&acts);
        uint32_t n = 0;
        for (int i = k * ACCOUNTS_PER_TRX; i < accounts && i < (k + 1) * ACCOUNTS_PER_TRX; i++) {
            cps_buf_reset(&data);
            cps_write_u64(&data, cps_abi_name("eosio"));
            cps_write_u64(&data, account_name(i));
            key_authority(&data);
            key_authority(&data);
            pack_action(&acts, "eosio", "newaccount", cps_abi_name("eosio"), &data);
            transfer_data(&data, cps_abi_name("eosio"), account_name(i), 10000000, "tps funding");
            pack_action(&acts, "eosio.token", "transfer", cps_abi_name("eosio"), &data);
            n += 2;
        }
        rc = pack_trx(&t, 0, &acts, n, &raw);
        if (!rc) rc = sign_trx(&raw, &list[k]);
    }
    cps_buf_free(&acts);
    cps_buf_free(&data);
    cps_buf_free(&raw);
    *out = list;
    *ntrx_out = ntrx;
    return rc;
}

static int create_accounts(void)
{
    presigned *list = NULL;
    int ntrx = 0;
    int rc = sign_account_trxs(g.accounts, &list, &ntrx);
    int fd = rc ? -1 : tps_http_connect(g.port);
    if (fd < 0 && !rc) rc = fd;
    size_t bad = 0;
    uint32_t idx[40];
    uint8_t out[40];
    for (int k = 0; k < ntrx && !rc; k += 40) {
        size_t n = (size_t)(ntrx - k < 40 ? ntrx - k : 40);
        for (size_t j = 0; j < n; j++) idx[j] = (uint32_t)(k + (int)j);
        rc = push_list(fd, list, idx, n, out);
        for (size_t j = 0; j < n && !rc; j++) bad += out[j] != OUT_OK;
    }
    tps_http_close(fd);
    if (!rc && bad) rc = cps_fail(CPS_ERR_IO, "%zu account transactions failed: %s", bad, g.first_error);
    for (int k = 0; list && k < ntrx; k++) {
        free(list[k].json);
        free(list[k].packed);
    }
    free(list);
    return rc;
}

/* The measured transfers: transfer i goes from account i%N to account (i+1+i/N)%N (never to
 * itself while N > 1), 0.0001 CPS with a memo naming i so every transaction is distinct. */
static int presign_transfers(void)
{
    tapos t;
    int rc = read_tapos(600, &t);
    if (rc) return rc;
    g.trx = calloc((size_t)g.transfers, sizeof *g.trx);
    if (!g.trx) return CPS_ERR_NOMEM;
    cps_buf acts = {0}, data = {0}, raw = {0};
    for (int i = 0; i < g.transfers && !rc; i++) {
        int from = i % g.accounts, to = (i + 1 + i / g.accounts) % g.accounts;
        if (to == from) to = (to + 1) % g.accounts;
        char memo[32];
        snprintf(memo, sizeof memo, "tps %d", i);
        cps_buf_reset(&acts);
        transfer_data(&data, account_name(from), account_name(to), 1, memo);
        pack_action(&acts, "eosio.token", "transfer", account_name(from), &data);
        rc = pack_trx(&t, 0, &acts, 1, &raw);
        if (!rc) rc = sign_trx(&raw, &g.trx[i]);
    }
    cps_buf_free(&acts);
    cps_buf_free(&data);
    cps_buf_free(&raw);
    return rc;
}

#define MAX_ATTEMPTS 200

/* Takes the next list to push: resubmissions first, then fresh transfers. Returns its size;
 * 0 with *finished when nothing is left at all. */
static size_t take_work(uint32_t *idx, bool *finished)
{
    size_t n = 0;
    pthread_mutex_lock(&g.err_lock);
    while (g.retry_n > 0 && n < (size_t)g.batch) idx[n++] = g.retry[--g.retry_n];
    pthread_mutex_unlock(&g.err_lock);
    if (n == 0) {
        size_t i = atomic_fetch_add(&g.next, (size_t)g.batch);
        for (; i < (size_t)g.api_transfers && n < (size_t)g.batch; i++) idx[n++] = (uint32_t)i;
    }
    *finished = n == 0 && atomic_load(&g.outstanding) == 0;
    return n;
}

/* One keep-alive connection: pushes lists until every transfer is in a block or rejected. */
static void *stream_thread(void *arg)
{
    (void)arg;
    uint32_t *idx = malloc((size_t)g.batch * sizeof *idx);
    uint8_t *out = malloc((size_t)g.batch);
    int fd = tps_http_connect(g.port);
    for (;;) {
        /* A node that keeps failing (or died) ends the stream instead of spinning. */
        if (fd < 0 || !idx || !out || atomic_load(&g.transport_errors) > 100) {
            atomic_fetch_add(&g.transport_errors, 1);
            break;
        }
        bool finished;
        size_t n = take_work(idx, &finished);
        if (finished) break;
        if (n == 0) { /* others' answers may still bring resubmissions */
            usleep(10000);
            continue;
        }
        if (push_list(fd, g.trx, idx, n, out)) {
            atomic_fetch_add(&g.transport_errors, 1);
            pthread_mutex_lock(&g.err_lock);
            if (!g.first_error[0]) snprintf(g.first_error, sizeof g.first_error, "%s", cps_last_error());
            for (size_t k = 0; k < n; k++) g.retry[g.retry_n++] = idx[k];
            pthread_mutex_unlock(&g.err_lock);
            tps_http_close(fd);
            fd = tps_http_connect(g.port);
            continue;
        }
        pthread_mutex_lock(&g.err_lock);
        for (size_t k = 0; k < n; k++) {
            presigned *p = &g.trx[idx[k]];
            p->attempts++;
            if (out[k] == OUT_RETRY && p->attempts < MAX_ATTEMPTS) {
                g.retry[g.retry_n++] = idx[k];
                g.resubmissions++;
                continue;
            }
            if (out[k] != OUT_OK) g.failed++;
            atomic_fetch_sub(&g.outstanding, 1);
        }
        pthread_mutex_unlock(&g.err_lock);
    }
    tps_http_close(fd);
    free(idx);
    free(out);
    return NULL;
}

/* Starts a fresh cpsd on the temp chain and boots eosio.token with scripts/boot.js. */
static int start_chain(const char *log)
{
    g.node = spawn_node(NULL, log);
    int rc = wait_for_node(30);
    if (rc) return rc;
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "node scripts/boot.js http://127.0.0.1:%d '%s' >> '%s' 2>&1", g.port,
             g.build, log);
    if (system(cmd) != 0) return cps_fail(CPS_ERR_IO, "scripts/boot.js failed (see %s)", log);
    return 0;
}

/* ---- TPS_MEMORY_ACCOUNTS: resident memory per account with a token balance ---------------- */

typedef struct mem_stat {
    long rss_kb, anon_kb, file_kb; /* VmRSS, RssAnon, RssFile of /proc/<pid>/status */
} mem_stat;

static int read_mem(pid_t pid, mem_stat *m)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return cps_fail(CPS_ERR_IO, "cannot read %s", path);
    memset(m, 0, sizeof *m);
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &m->rss_kb);
        sscanf(line, "RssAnon: %ld", &m->anon_kb);
        sscanf(line, "RssFile: %ld", &m->file_kb);
    }
    fclose(f);
    return m->rss_kb > 0 ? 0 : cps_fail(CPS_ERR_FORMAT, "no VmRSS in %s", path);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Creates n accounts owned by the dev key, each with a CPS balance (the same transactions as the
 * set-up of the throughput run, streamed over the connections), and reports cpsd's resident
 * memory and the LMDB state file before and after, per account. */
static int memory_run(int n)
{
    char mdb[4200];
    snprintf(mdb, sizeof mdb, "%s/data/state/data.mdb", g.tmp);
    mem_stat m0, m1;
    int rc = read_mem(g.node, &m0);
    long long f0 = file_size(mdb);
    double t0 = now_s();
    presigned *list = NULL;
    int ntrx = 0;
    if (!rc) rc = sign_account_trxs(n, &list, &ntrx);
    g.trx = list; /* freed with the transfers at the end of main */
    g.transfers = g.api_transfers = list ? ntrx : 0;
    if (rc) return rc;
    printf("tps: memory: %d account transactions (%d accounts) signed in %.1f s; cpsd before: RSS "
           "%ld kB (anon %ld, file %ld), state file %lld bytes\n",
           ntrx, n, now_s() - t0, m0.rss_kb, m0.anon_kb, m0.file_kb, f0);
    fflush(stdout);
    if (g.batch > 40) g.batch = 40; /* 40 x 50 actions per request, as the set-up */
    atomic_store(&g.next, 0);
    atomic_store(&g.transport_errors, 0);
    g.failed = g.retry_n = g.resubmissions = 0;
    g.first_error[0] = 0;
    g.retry = malloc((size_t)ntrx * sizeof *g.retry);
    if (!g.retry) return CPS_ERR_NOMEM;
    atomic_store(&g.outstanding, (size_t)ntrx);
    int conns = g.connections < 4 ? g.connections : 4;
    pthread_t th[4];
    double t1 = now_s();
    for (int i = 0; i < conns; i++) pthread_create(&th[i], NULL, stream_thread, NULL);
    for (int i = 0; i < conns; i++) pthread_join(th[i], NULL);
    double create_s = now_s() - t1;
    if (g.failed || g.transport_errors)
        return cps_fail(CPS_ERR_IO, "%zu account transactions rejected, %d transport errors: %s",
                        g.failed, (int)g.transport_errors, g.first_error);
    usleep(1200000); /* a block or two more, so nothing pending is counted */
    if ((rc = read_mem(g.node, &m1))) return rc;
    long long f1 = file_size(mdb);
    double per_rss = (double)(m1.rss_kb - m0.rss_kb) * 1024.0 / n;
    double per_anon = (double)(m1.anon_kb - m0.anon_kb) * 1024.0 / n;
    double per_file = (double)(f1 - f0) / n;
    printf("tps: memory: %d accounts created and funded in %.1f s (%zu resubmissions); cpsd after: "
           "RSS %ld kB (anon %ld, file %ld), state file %lld bytes\n",
           n, create_s, g.resubmissions, m1.rss_kb, m1.anon_kb, m1.file_kb, f1);
    printf("tps: memory: per account with a token balance: %.0f bytes of RSS (%.0f anonymous, "
           "%.0f file-backed: the LMDB map), %.0f bytes of state file\n",
           per_rss, per_anon, (double)(m1.file_kb - m0.file_kb) * 1024.0 / n, per_file);
    mkdir("bench/results", 0755);
    FILE *jf = fopen("bench/results/tps.memory.json", "w");
    if (jf) {
        fprintf(jf,
                "{\n  \"accounts\": %d,\n  \"create_seconds\": %.1f,\n"
                "  \"rss_kb_before\": %ld,\n  \"rss_kb_after\": %ld,\n"
                "  \"rss_anon_kb_before\": %ld,\n  \"rss_anon_kb_after\": %ld,\n"
                "  \"rss_file_kb_before\": %ld,\n  \"rss_file_kb_after\": %ld,\n"
                "  \"state_file_bytes_before\": %lld,\n  \"state_file_bytes_after\": %lld,\n"
                "  \"rss_bytes_per_account\": %.0f,\n  \"anon_bytes_per_account\": %.0f,\n"
                "  \"state_file_bytes_per_account\": %.0f\n}\n",
                n, create_s, m0.rss_kb, m1.rss_kb, m0.anon_kb, m1.anon_kb, m0.file_kb, m1.file_kb,
                f0, f1, per_rss, per_anon, per_file);
        fclose(jf);
        printf("tps: wrote bench/results/tps.memory.json\n");
    }
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(((const presigned *const *)a)[0]->id.b, ((const presigned *const *)b)[0]->id.b, 32);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *sorted, size_t n, double p)
{
    if (!n) return 0;
    size_t k = (size_t)(p * (double)(n - 1) + 0.5);
    return sorted[k < n ? k : n - 1];
}

typedef struct block_stat {
    uint32_t num;
    int64_t time_us; /* block timestamp */
    uint32_t bench_trx, other_trx;
    uint64_t cpu_us, net_words;
} block_stat;

/* Reads blocks [from, to] back from the node's block log (after the node stopped) and matches
 * receipts to the pre-signed set: the binary log is read in a fraction of the time thousands of
 * get_block answers would take, and without the node. */
static int read_blocks(uint32_t from, uint32_t to, presigned **by_id, block_stat *stats)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/data/blocks", g.tmp);
    cps_chain_block_log_options o = {CPS_CHAIN_BLOCK_LOG_SYNC_NONE};
    cps_chain_block_log *log = NULL;
    int rc = cps_chain_block_log_open(dir, &o, &log);
    if (rc) return rc;
    for (uint32_t num = from; num <= to && !rc; num++) {
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_signed_block b;
        rc = cps_chain_block_log_read_block(log, num, &a, &b);
        block_stat *s = &stats[num - from];
        memset(s, 0, sizeof *s);
        s->num = num;
        s->time_us = rc ? 0 : cps_block_timestamp_to_us(b.signed_header.header.timestamp);
        for (uint32_t i = 0; !rc && i < b.transaction_count; i++) {
            const cps_transaction_receipt *r = &b.transactions[i];
            s->cpu_us += r->cpu_usage_us;
            s->net_words += r->net_usage_words;
            presigned key, *kp = &key, **hit = NULL;
            cps_bytes raw;
            if (!r->is_packed) key.id = r->trx_id;
            else if ((rc = cps_abi_packed_transaction_raw(&r->packed, &a, &raw))) break;
            else cps_abi_transaction_id_raw(raw.data, raw.size, &key.id);
            hit = bsearch(&kp, by_id, (size_t)g.transfers, sizeof *by_id, cmp_id);
            if (hit) {
                s->bench_trx++;
                (*hit)->block_num = num;
                (*hit)->block_time_us = s->time_us;
                (*hit)->cpu_us = r->cpu_usage_us;
                (*hit)->executed = r->status == CPS_TRX_EXECUTED;
            } else {
                s->other_trx++;
            }
        }
        cps_abi_arena_free(&a);
    }
    cps_chain_block_log_close(log);
    return rc;
}

/* One core, nothing else: recoveries per second over the pre-signed signatures. */
static double recovery_ceiling(double seconds)
{
    double t0 = now_s(), t;
    size_t n = 0;
    cps_public_key k;
    do {
        for (int j = 0; j < 256; j++, n++) {
            presigned *p = &g.trx[n % (size_t)g.transfers];
            if (cps_recover(&p->sig, p->digest.b, &k) || cps_public_key_compare(&k, &g.pub))
                return -1;
        }
        t = now_s();
    } while (t - t0 < seconds);
    return (double)n / (t - t0);
}

/* Wall time of `cpsd --replay-blockchain --print-state-hash`; *cpu_s gets its CPU time (user +
 * system, all threads, from wait4). */
static double replay_time(const char *log, uint32_t *head, int *ok, double *cpu_s)
{
    /* --print-state-hash exits after opening the chain, which here means after the replay. */
    char path[4200];
    snprintf(path, sizeof path, "%s/replay.out", g.tmp);
    double t0 = now_s();
    pid_t p = fork();
    if (p == 0) {
        FILE *f = freopen(path, "w", stdout);
        (void)f;
        char exe[4200], data[4200], conf[4200];
        snprintf(exe, sizeof exe, "%s/cpsd", g.build);
        snprintf(data, sizeof data, "%s/data", g.tmp);
        snprintf(conf, sizeof conf, "%s/config", g.tmp);
        f = freopen(log, "a", stderr);
        const char *argv[] = {exe, "--data-dir", data, "--config-dir", conf, "--replay-blockchain",
                              "--print-state-hash", "--log-level", "info", NULL};
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    wait4(p, &st, 0, &ru);
    double dt = now_s() - t0;
    *cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
             (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    *ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    FILE *f = fopen(path, "r");
    unsigned h = 0;
    if (!f || fscanf(f, "%u", &h) != 1) *ok = 0;
    if (f) fclose(f);
    *head = h;
    return dt;
}

/* ---- one mode's stream and figures ----------------------------------------------------------- */

#define DEFAULT_P2P_TRANSFERS 16000
/* Sent and not yet seen in a block: below the node's limits on transactions in preparation
 * (net_glue.c, 16384) and queued (the ingress, 20000), above one block's worth (~7,700). */
#define DEFAULT_P2P_WINDOW 12000

typedef struct stream_result {
    int n;                         /* transfers in this mode */
    size_t from, to;               /* their indices in g.trx */
    uint32_t start_head, end_head; /* head before and after the stream */
    double stream_s, node_cpu_s;
    size_t failed, resubmissions;
    int transport_errors;
    tps_p2p_stats p2p;
} stream_result;

typedef struct mode_figures {
    uint64_t included, max_in_block;
    uint32_t not_executed, first_block, last_block, window_blocks;
    double tps, steady_tps, fill_cpu, fill_net, cpu_per_trx, node_us_per_trx, node_us_per_push;
    double p50, p99, bp50, bp99, fp50, fp99; /* to commit/arrival, to block time, to finality */
    size_t finality_samples;
} mode_figures;

static uint32_t head_num_now(void)
{
    json_t *info = rpc("/v1/chain/get_info", "{}");
    uint32_t h = info ? (uint32_t)json_integer_value(json_object_get(info, "head_block_num")) : 0;
    json_decref(info);
    return h;
}

static int stream_api(stream_result *r)
{
    r->from = 0;
    r->to = (size_t)g.api_transfers;
    r->n = g.api_transfers;
    r->start_head = head_num_now();
    pthread_t *th = calloc((size_t)g.connections, sizeof *th);
    g.retry = malloc((size_t)g.transfers * sizeof *g.retry);
    if (!th || !g.retry) {
        free(th);
        return cps_fail(CPS_ERR_NOMEM, "api stream");
    }
    atomic_store(&g.outstanding, (size_t)g.api_transfers);
    double cpu0 = process_cpu_s(g.node), t0 = now_s();
    for (int i = 0; i < g.connections; i++) pthread_create(&th[i], NULL, stream_thread, NULL);
    for (int i = 0; i < g.connections; i++) pthread_join(th[i], NULL);
    r->stream_s = now_s() - t0;
    r->node_cpu_s = process_cpu_s(g.node) - cpu0;
    free(th);
    r->end_head = head_num_now();
    r->failed = g.failed;
    r->resubmissions = g.resubmissions;
    r->transport_errors = (int)g.transport_errors;
    printf("tps: api: streamed in %.2f s (%.0f/s answered), %zu rejected, %zu resubmissions after "
           "'resource exhausted', %d transport errors\n",
           r->stream_s, r->n / r->stream_s, r->failed, r->resubmissions, r->transport_errors);
    if (g.first_error[0]) printf("tps: first error: %s\n", g.first_error);
    fflush(stdout);
    if (!r->start_head || r->end_head < r->start_head)
        return cps_fail(CPS_ERR_IO, "get_info failed around the stream");
    return 0;
}

static int stream_p2p(stream_result *r)
{
    r->from = (size_t)g.api_transfers;
    r->to = (size_t)g.transfers;
    r->n = g.transfers - g.api_transfers;
    json_t *info = rpc("/v1/chain/get_info", "{}");
    cps_checksum256 head_id, lib_id;
    int rc = info ? 0 : cps_fail(CPS_ERR_IO, "get_info failed");
    if (!rc) rc = hex32(json_string_value(json_object_get(info, "head_block_id")), &head_id);
    if (!rc) rc = hex32(json_string_value(json_object_get(info, "last_irreversible_block_id")), &lib_id);
    uint32_t lib = info ? (uint32_t)json_integer_value(json_object_get(info, "last_irreversible_block_num")) : 0;
    r->start_head = info ? (uint32_t)json_integer_value(json_object_get(info, "head_block_num")) : 0;
    json_decref(info);
    if (rc) return rc;
    size_t n = (size_t)r->n;
    tps_p2p_trx *t = calloc(n, sizeof *t);
    if (!t) return cps_fail(CPS_ERR_NOMEM, "p2p stream");
    for (size_t i = 0; i < n; i++) {
        presigned *p = &g.trx[r->from + i];
        t[i].packed = p->packed;
        t[i].n = p->packed_n;
        t[i].id = p->id;
    }
    size_t window = (size_t)env_int("TPS_P2P_WINDOW", DEFAULT_P2P_WINDOW);
    double cpu0 = process_cpu_s(g.node), t0 = now_s();
    rc = tps_p2p_stream(g.p2p_port, &g.chain_id, r->start_head, &head_id, lib, &lib_id, t, n,
                        window, 10.0, &r->p2p);
    r->stream_s = now_s() - t0;
    r->node_cpu_s = process_cpu_s(g.node) - cpu0;
    for (size_t i = 0; i < n; i++) {
        presigned *p = &g.trx[r->from + i];
        p->sent_s = t[i].sent_s;
        p->sent_us = t[i].sent_us;
        p->done_s = t[i].seen_s; /* the block's arrival, gossiped back after its commit */
    }
    free(t);
    r->end_head = head_num_now();
    r->failed = r->p2p.sent - r->p2p.seen;
    printf("tps: p2p: %zu sent, %zu seen in %" PRIu64 " gossiped blocks in %.2f s (%.0f/s); at "
           "most %zu in flight%s\n",
           r->p2p.sent, r->p2p.seen, r->p2p.blocks, r->stream_s, r->p2p.seen / r->stream_s,
           r->p2p.max_window, r->p2p.stalled ? "; STALLED (some were dropped)" : "");
    fflush(stdout);
    if (rc) return rc;
    if (!r->start_head || r->end_head < r->start_head)
        return cps_fail(CPS_ERR_IO, "get_info failed around the stream");
    return 0;
}

/* Figures of one mode from the blocks read back: bs[k] is block from_head + 1 + k. */
static void summarize(const stream_result *r, const block_stat *bs, uint32_t from_head,
                      size_t set_from, size_t set_to, mode_figures *f)
{
    memset(f, 0, sizeof *f);
    int first = -1, last = -1;
    uint64_t window_cpu = 0, window_net_words = 0, bench_cpu = 0;
    /* the window: first to last block holding one of this mode's transfers */
    for (uint32_t num = r->start_head + 1; num <= r->end_head; num++) {
        const block_stat *b = &bs[num - from_head - 1];
        if (b->bench_trx) {
            if (first < 0) first = (int)num;
            last = (int)num;
        }
    }
    if (first >= 0) {
        f->first_block = (uint32_t)first;
        f->last_block = (uint32_t)last;
        f->window_blocks = (uint32_t)(last - first + 1);
        uint64_t edge = 0;
        for (int num = first; num <= last; num++) {
            const block_stat *b = &bs[(uint32_t)num - from_head - 1];
            f->included += b->bench_trx;
            window_cpu += b->cpu_us;
            window_net_words += b->net_words;
            if (b->bench_trx > f->max_in_block) f->max_in_block = b->bench_trx;
            if (num == first || num == last) edge += b->bench_trx;
        }
        f->tps = (double)f->included / (f->window_blocks * BLOCK_SECONDS);
        f->fill_cpu = (double)window_cpu / (f->window_blocks * MAX_BLOCK_CPU_US);
        f->fill_net = (double)window_net_words * 8 / ((double)f->window_blocks * (double)g.block_net);
        f->steady_tps = f->window_blocks > 2
                            ? (double)(f->included - edge) / ((f->window_blocks - 2) * BLOCK_SECONDS)
                            : f->tps;
    }
    size_t n = set_to - set_from;
    double *lat = malloc((n ? n : 1) * sizeof *lat), *blat = malloc((n ? n : 1) * sizeof *blat),
           *flat = malloc((n ? n : 1) * sizeof *flat);
    size_t nl = 0, nb = 0, nf = 0;
    for (size_t i = set_from; lat && blat && flat && i < set_to; i++) {
        const presigned *p = &g.trx[i];
        if (!p->block_num) continue;
        bench_cpu += p->cpu_us;
        if (!p->executed) f->not_executed++;
        if (p->done_s > 0) lat[nl++] = (p->done_s - p->sent_s) * 1000.0;
        blat[nb++] = (double)(p->block_time_us - p->sent_us) / 1000.0;
        double fin = tps_lib_time(p->block_num);
        if (fin > 0) flat[nf++] = (fin - p->sent_s) * 1000.0;
    }
    qsort(lat, nl, sizeof *lat, cmp_double);
    qsort(blat, nb, sizeof *blat, cmp_double);
    qsort(flat, nf, sizeof *flat, cmp_double);
    f->p50 = percentile(lat, nl, 0.5);
    f->p99 = percentile(lat, nl, 0.99);
    f->bp50 = percentile(blat, nb, 0.5);
    f->bp99 = percentile(blat, nb, 0.99);
    f->fp50 = percentile(flat, nf, 0.5);
    f->fp99 = percentile(flat, nf, 0.99);
    f->finality_samples = nf;
    free(lat);
    free(blat);
    free(flat);
    f->cpu_per_trx = f->included ? (double)bench_cpu / (double)f->included : 0;
    f->node_us_per_trx = r->n ? r->node_cpu_s * 1e6 / r->n : 0;
    f->node_us_per_push = r->node_cpu_s * 1e6 / (double)(r->n + r->resubmissions);
}

static void print_figures(const char *mode, const stream_result *r, const mode_figures *f)
{
    printf("tps: %s: %" PRIu64 " of %d transfers in blocks %u..%u (%u blocks): %.0f tx/s "
           "sustained, %.0f tx/s without the edge blocks; up to %" PRIu64 " per block; block CPU "
           "fill %.1f%%, NET fill %.1f%% (of %.1f MiB)\n",
           mode, f->included, r->n, f->first_block, f->last_block, f->window_blocks, f->tps,
           f->steady_tps, f->max_in_block, f->fill_cpu * 100, f->fill_net * 100,
           (double)g.block_net / 1048576.0);
    printf("tps: %s: submission -> %s p50 %.0f ms, p99 %.0f ms; -> block timestamp p50 %.0f ms, "
           "p99 %.0f ms; -> final (LIB) p50 %.0f ms, p99 %.0f ms\n",
           mode, strcmp(mode, "api") ? "block back over P2P" : "committed (202 answer)", f->p50,
           f->p99, f->bp50, f->bp99, f->fp50, f->fp99);
    printf("tps: %s: cpsd used %.2f CPU s in %.2f s (%.0f%% of one core): %.0f us per transfer; "
           "cpu_usage_us billed per transfer %.1f\n",
           mode, r->node_cpu_s, r->stream_s, 100 * r->node_cpu_s / r->stream_s,
           f->node_us_per_trx, f->cpu_per_trx);
}

static void json_mode_fields(FILE *jf, const stream_result *r, const mode_figures *f,
                             const char *in)
{
    fprintf(jf,
            "%s\"node_cpu_seconds\": %.3f,\n%s\"node_cpu_us_per_transfer\": %.1f,\n"
            "%s\"node_cpu_us_per_push\": %.1f,\n%s\"stream_seconds\": %.3f,\n"
            "%s\"answered_per_s\": %.1f,\n%s\"rejected\": %zu,\n%s\"resubmissions\": %zu,\n"
            "%s\"transport_errors\": %d,\n%s\"included\": %" PRIu64 ",\n%s\"not_executed\": %u,\n"
            "%s\"first_block\": %u,\n%s\"last_block\": %u,\n%s\"window_blocks\": %u,\n"
            "%s\"tps_sustained\": %.1f,\n%s\"tps_steady\": %.1f,\n"
            "%s\"max_transfers_per_block\": %" PRIu64 ",\n%s\"block_cpu_fill\": %.4f,\n"
            "%s\"block_net_fill\": %.4f,\n%s\"max_block_net_usage\": %" PRIu64 ",\n"
            "%s\"latency_p50_ms\": %.1f,\n%s\"latency_p99_ms\": %.1f,\n"
            "%s\"block_time_latency_p50_ms\": %.1f,\n%s\"block_time_latency_p99_ms\": %.1f,\n"
            "%s\"finality_latency_p50_ms\": %.1f,\n%s\"finality_latency_p99_ms\": %.1f,\n"
            "%s\"cpu_usage_us_per_transfer\": %.2f",
            in, r->node_cpu_s, in, f->node_us_per_trx, in, f->node_us_per_push, in, r->stream_s,
            in, r->stream_s > 0 ? r->n / r->stream_s : 0, in, r->failed, in, r->resubmissions, in,
            r->transport_errors, in, f->included, in, f->not_executed, in, f->first_block, in,
            f->last_block, in, f->window_blocks, in, f->tps, in, f->steady_tps, in,
            f->max_in_block, in, f->fill_cpu, in, f->fill_net, in, g.block_net, in, f->p50, in, f->p99, in, f->bp50, in, f->bp99,
            in, f->fp50, in, f->fp99, in, f->cpu_per_trx);
}

/* Table rows with one column per mode that ran (a or p NULL: that mode did not run). */
static void md_rows(FILE *mf, const stream_result *a, const mode_figures *fa,
                    const stream_result *p, const mode_figures *fp)
{
#define ROW(label, fmt, ...)                                                                   \
    do {                                                                                       \
        fprintf(mf, "| %s |", label);                                                          \
        for (int k = 0; k < 2; k++) {                                                          \
            const stream_result *r = k ? p : a;                                                \
            const mode_figures *f = k ? fp : fa;                                               \
            (void)f;                                                                           \
            if (r) fprintf(mf, " " fmt " |", __VA_ARGS__);                                     \
        }                                                                                      \
        fprintf(mf, "\n");                                                                     \
    } while (0)
    ROW("transfers in blocks", "%" PRIu64 " of %d (%zu not in, %u not executed)", f->included,
        r->n, r->failed, f->not_executed);
    ROW("sustained TPS (window of blocks)", "%.0f (%u blocks)", f->tps, f->window_blocks);
    ROW("steady TPS (without the first and last block)", "%.0f", f->steady_tps);
    ROW("most transfers in one block", "%" PRIu64, f->max_in_block);
    ROW("block CPU fill (of 200 ms)", "%.1f %%", f->fill_cpu * 100);
    ROW("block NET fill (of max_block_net_usage)", "%.1f %% (of %.1f MiB)", f->fill_net * 100,
        (double)g.block_net / 1048576.0);
    ROW("submission -> committed (API: 202 answer; P2P: block gossiped back) p50 / p99",
        "%.0f ms / %.0f ms", f->p50, f->p99);
    ROW("submission -> block timestamp p50 / p99", "%.0f ms / %.0f ms", f->bp50, f->bp99);
    ROW("submission -> final (LIB reaches its block) p50 / p99", "%.0f ms / %.0f ms", f->fp50,
        f->fp99);
    ROW("cpu_usage_us per transfer (billed in receipts)", "%.1f", f->cpu_per_trx);
    ROW("cpsd CPU per transfer (measured, /proc, all threads)", "%.0f us", f->node_us_per_trx);
    ROW("resubmissions after 'resource exhausted'", "%zu", r->resubmissions);
#undef ROW
}

static void derive_build_dir(const char *argv0)
{
    const char *env = getenv("CPS_BUILD");
    if (env) {
        snprintf(g.build, sizeof g.build, "%s", env);
        return;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", argv0);
    snprintf(g.build, sizeof g.build, "%s/..", dirname(tmp)); /* $(BUILD)/bench/tps -> $(BUILD) */
}

int main(int argc, char **argv)
{
    (void)argc;
    derive_build_dir(argv[0]);
    g.accounts = env_int("TPS_ACCOUNTS", 1000);
    /* TPS_VIA=api or p2p runs one mode; by default both run, on the same chain one after the
     * other: TPS_TRANSFERS through the API, TPS_P2P_TRANSFERS (fewer, to keep `make bench`
     * short) through P2P. */
    const char *via = getenv("TPS_VIA");
    bool via_api = !via || !strcmp(via, "api") || !strcmp(via, "both");
    bool via_p2p = !via || !strcmp(via, "p2p") || !strcmp(via, "both");
    if (!via_api && !via_p2p) {
        fprintf(stderr, "tps: TPS_VIA must be api, p2p or both\n");
        return 2;
    }
    g.api_transfers = via_api ? env_int("TPS_TRANSFERS", 60000) : 0;
    g.transfers = g.api_transfers +
                  (via_p2p ? env_int("TPS_P2P_TRANSFERS",
                                     via_api ? DEFAULT_P2P_TRANSFERS : env_int("TPS_TRANSFERS", 60000))
                           : 0);
    g.connections = env_int("TPS_CONNECTIONS", 24);
    /* Answers come when the block holding the request commits, so connections x batch is what
     * the client offers per 500 ms block: 24 x 500 = 12,000 (16 x 250 capped the first runs at
     * 8,000/s, 16 x 500 the third pass's at 16,000/s: "up to 8,000 per block"). */
    g.batch = env_int("TPS_BATCH", 500);
    if (g.batch > 1000) g.batch = 1000; /* push_transactions' limit */
    if (g.accounts < 2) g.accounts = 2;
    if (g.accounts > 1000000) g.accounts = 1000000; /* names stay distinct below 31^5 */
    pthread_mutex_init(&g.err_lock, NULL);
    signal(SIGPIPE, SIG_IGN);
    cps_log_set_level(CPS_LOG_WARN);
    int rc = 0;
    if (cps_private_key_from_string(DEV_PRIVATE_KEY, strlen(DEV_PRIVATE_KEY), &g.key) ||
        cps_key_public(&g.key, &g.pub)) {
        fprintf(stderr, "tps: dev key: %s\n", cps_last_error());
        return 1;
    }
    char tmpl[] = "/tmp/cps-tps-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    snprintf(g.tmp, sizeof g.tmp, "%s", tmpl);
    char log[4200];
    snprintf(log, sizeof log, "%s/cpsd.log", g.tmp);
    /* The bench chain: the development genesis (its key, timestamp and 10 µs CPU floor) with
     * max_block_net_usage raised from EOSIO's 1 MiB, which holds 7,710 transfers of 136 bytes
     * (15,420/s in 500 ms blocks) — a chain parameter producers set with setparams.
     * TPS_BLOCK_NET=0 keeps the development genesis as it is. */
    g.block_net = (uint64_t)env_int("TPS_BLOCK_NET", 4 * 1024 * 1024);
    if (g.block_net) {
        snprintf(g.genesis, sizeof g.genesis, "%s/genesis.json", g.tmp);
        FILE *gf = fopen(g.genesis, "w");
        if (!gf) return 1;
        fprintf(gf,
                "{\"initial_timestamp\": \"2018-06-01T12:00:00.000\", \"initial_key\": "
                "\"EOS6MRyAjQq8ud7hVNYcfnVPJqcVpscN5So8BhtHuGYqET5GDW5CV\", "
                "\"initial_configuration\": {\"min_transaction_cpu_usage\": %u, "
                "\"max_block_net_usage\": %" PRIu64 "}}\n",
                CPS_CHAIN_DEV_MIN_TRANSACTION_CPU_US, g.block_net);
        if (fclose(gf)) return 1;
    } else {
        g.block_net = 1024 * 1024;
    }
    g.port = free_port();
    do g.p2p_port = free_port();
    while (g.p2p_port == g.port);
    printf("tps: cpsd %s/cpsd on 127.0.0.1:%d, data %s; %d accounts, %d transfers, %d connections "
           "x %d per push_transactions\n",
           g.build, g.port, g.tmp, g.accounts, g.transfers, g.connections, g.batch);
    fflush(stdout);
    /* The memory step (TPS_MEMORY_ACCOUNTS accounts, default 100,000; 0 skips it) runs after the
     * throughput run on a fresh chain, or alone with TPS_MEMORY_ONLY=1. */
    const char *mem_env = getenv("TPS_MEMORY_ACCOUNTS");
    int memory_accounts = mem_env ? atoi(mem_env) : 100000;
    if (memory_accounts < 0) memory_accounts = 0;
    if (memory_accounts > 1000000) memory_accounts = 1000000; /* distinct names below 31^5 */
    bool memory_only = memory_accounts > 0 && getenv("TPS_MEMORY_ONLY");
    char cmd[9000];
    if ((rc = start_chain(log))) goto fail;
    if (memory_only) {
        rc = memory_run(memory_accounts);
        goto fail;
    }
    double t_setup = now_s();
    if ((rc = create_accounts())) goto fail;
    printf("tps: %d accounts created and funded in %.1f s\n", g.accounts, now_s() - t_setup);
    double t_sign = now_s();
    if ((rc = presign_transfers())) goto fail;
    double sign_s = now_s() - t_sign;
    printf("tps: %d transfers signed in %.2f s (%.0f/s, one thread)\n", g.transfers, sign_s,
           g.transfers / sign_s);
    fflush(stdout);
    if ((rc = tps_lib_poller_start(g.port))) goto fail;

    /* The API stream. */
    stream_result api = {0}, p2p = {0};
    if (g.api_transfers > 0 && (rc = stream_api(&api))) goto fail;
    /* The P2P stream, on the same node once the API's transfers are all in blocks. */
    if (g.transfers > g.api_transfers && (rc = stream_p2p(&p2p))) goto fail;
    usleep(1500000); /* LIB passes the last blocks (at once on the one-producer chain) */
    tps_lib_poller_stop();

    stop_node(); /* the block log is read from disk next */
    presigned **by_id = malloc((size_t)g.transfers * sizeof *by_id);
    for (int i = 0; i < g.transfers; i++) by_id[i] = &g.trx[i];
    qsort(by_id, (size_t)g.transfers, sizeof *by_id, cmp_id);
    uint32_t from_head = g.api_transfers > 0 ? api.start_head : p2p.start_head;
    uint32_t to_head = g.transfers > g.api_transfers ? p2p.end_head : api.end_head;
    uint32_t nblocks = to_head - from_head;
    block_stat *bs = calloc(nblocks + 1, sizeof *bs);
    rc = read_blocks(from_head + 1, to_head, by_id, bs);
    free(by_id);
    if (rc) goto fail;
    mode_figures fa = {0}, fp = {0};
    if (g.api_transfers > 0) {
        summarize(&api, bs, from_head, 0, (size_t)g.api_transfers, &fa);
        print_figures("api", &api, &fa);
    }
    if (g.transfers > g.api_transfers) {
        summarize(&p2p, bs, from_head, (size_t)g.api_transfers, (size_t)g.transfers, &fp);
        print_figures("p2p", &p2p, &fp);
    }
    /* the headline figures: the API's when it ran, else P2P's */
    const stream_result *hs = g.api_transfers > 0 ? &api : &p2p;
    const mode_figures *hf = g.api_transfers > 0 ? &fa : &fp;
    fflush(stdout);

    stop_node();
    uint32_t replay_head = 0;
    int replay_ok = 0;
    double replay_cpu_s = 0;
    double replay_s = replay_time(log, &replay_head, &replay_ok, &replay_cpu_s);
    double chain_s = replay_head * BLOCK_SECONDS;
    printf("tps: replay of %u blocks (%.0f s of chain) took %.2f s: %.1fx real time%s\n", replay_head,
           chain_s, replay_s, replay_s > 0 ? chain_s / replay_s : 0, replay_ok ? "" : " (FAILED)");

    double ceiling = recovery_ceiling(2.0);
    printf("tps: ceiling: %.0f K1 recoveries/s on one core; steady TPS / ceiling = %.1f%% (API), "
           "%.1f%% (P2P) (goal >= 70%%, >= 15000 tx/s)\n",
           ceiling, ceiling > 0 ? 100.0 * fa.steady_tps / ceiling : 0,
           ceiling > 0 ? 100.0 * fp.steady_tps / ceiling : 0);
    /* The replay's CPU (all threads) per transfer, less one recovery at the ceiling's rate: what
     * applying a transfer costs without HTTP, JSON or traces read by anyone (the set-up blocks,
     * about 7 % more work at the default sizes, are counted in). */
    uint64_t all_included = fa.included + fp.included;
    double replay_us = all_included ? replay_cpu_s * 1e6 / (double)all_included : 0;
    double recover_us = ceiling > 0 ? 1e6 / ceiling : 0;
    double apply_us = replay_us > recover_us ? replay_us - recover_us : 0;
    printf("tps: replay CPU %.2f s (all threads): %.1f us per transfer = ~%.1f us recovery + "
           "~%.1f us apply\n",
           replay_cpu_s, replay_us, recover_us, apply_us);

    mkdir("bench/results", 0755);
    FILE *jf = fopen("bench/results/tps.json", "w");
    if (jf) {
        fprintf(jf,
                "{\n  \"accounts\": %d,\n  \"transfers\": %d,\n  \"connections\": %d,\n  \"batch\": %d,\n"
                "  \"via\": \"%s\",\n  \"signing_per_s\": %.0f,\n",
                g.accounts, hs->n, g.connections, g.batch, g.api_transfers > 0 ? "api" : "p2p",
                g.transfers / sign_s);
        json_mode_fields(jf, hs, hf, "  ");
        fprintf(jf,
                ",\n  \"replay_blocks\": %u,\n  \"replay_seconds\": %.3f,\n  \"chain_seconds\": %.1f,\n"
                "  \"replay_speedup\": %.2f,\n  \"replay_ok\": %s,\n  \"recovery_ceiling_per_s\": %.0f,\n"
                "  \"tps_over_ceiling\": %.4f,\n  \"replay_cpu_seconds\": %.3f,\n"
                "  \"replay_cpu_us_per_transfer\": %.1f,\n  \"replay_apply_us_per_transfer\": %.1f",
                replay_head, replay_s, chain_s, replay_s > 0 ? chain_s / replay_s : 0,
                replay_ok ? "true" : "false", ceiling, ceiling > 0 ? hf->steady_tps / ceiling : 0,
                replay_cpu_s, replay_us, apply_us);
        if (g.api_transfers > 0 && g.transfers > g.api_transfers) {
            fprintf(jf, ",\n  \"p2p\": {\n    \"transfers\": %d,\n", p2p.n);
            json_mode_fields(jf, &p2p, &fp, "    ");
            fprintf(jf, ",\n    \"tps_over_ceiling\": %.4f\n  }", ceiling > 0 ? fp.steady_tps / ceiling : 0);
        }
        fprintf(jf, "\n}\n");
        fclose(jf);
    }
    FILE *mf = fopen("bench/results/tps.md", "w");
    if (mf) {
        fprintf(mf, "# TPS benchmark result\n\n%d accounts, pre-signed eosio.token transfers, one "
                    "cpsd on this host: %d through the API (%d connections x %d transactions per "
                    "push_transactions), then %d through P2P (one peer connection, at most %d "
                    "sent and not yet in a block). Finality: the first get_info (polled every "
                    "5 ms) whose last_irreversible_block_num reaches the transfer's block; on this "
                    "one-producer development chain LIB moves with the head, so finality is the "
                    "commit plus the poll.\n\n",
                g.accounts, g.api_transfers, g.connections, g.batch, g.transfers - g.api_transfers,
                env_int("TPS_P2P_WINDOW", DEFAULT_P2P_WINDOW));
        bool both = g.api_transfers > 0 && g.transfers > g.api_transfers;
        fprintf(mf, "| figure | %s |\n|---|---|%s\n", both ? "API | P2P" : (g.api_transfers ? "API" : "P2P"),
                both ? "---|" : "");
        md_rows(mf, g.api_transfers ? &api : NULL, &fa, g.transfers > g.api_transfers ? &p2p : NULL, &fp);
        fprintf(mf, "| replay | %u blocks in %.2f s = %.1fx the chain's %.0f s |\n", replay_head,
                replay_s, replay_s > 0 ? chain_s / replay_s : 0, chain_s);
        fprintf(mf, "| replay CPU per transfer (all threads) | %.1f us = ~%.1f us recovery + ~%.1f us "
                    "apply |\n", replay_us, recover_us, apply_us);
        fprintf(mf, "| one-core K1 recovery ceiling | %.0f /s |\n", ceiling);
        fclose(mf);
    }
    free(bs);
    printf("tps: wrote bench/results/tps.json and bench/results/tps.md\n");
    fflush(stdout);
    if (memory_accounts) {
        /* a fresh chain for the memory step; the throughput run's chain is kept with TPS_KEEP */
        stop_node();
        for (int i = 0; i < g.transfers; i++) {
            free(g.trx[i].json);
            free(g.trx[i].packed);
        }
        free(g.trx);
        free(g.retry);
        g.trx = NULL;
        g.retry = NULL;
        g.transfers = 0;
        snprintf(cmd, sizeof cmd, getenv("TPS_KEEP") ? "mv '%s/data' '%s/data-throughput'"
                                                     : "rm -rf '%s/data'%.0s",
                 g.tmp, g.tmp);
        if (system(cmd) != 0) rc = cps_fail(CPS_ERR_IO, "cannot set the throughput chain aside");
        if (!rc) rc = start_chain(log);
        if (!rc) rc = memory_run(memory_accounts);
    }
fail:
    if (rc) fprintf(stderr, "tps: %s (cpsd log: %s)\n", cps_last_error(), log);
    tps_lib_poller_stop();
    stop_node();
    if (g.trx)
        for (int i = 0; i < g.transfers; i++) {
            free(g.trx[i].json);
            free(g.trx[i].packed);
        }
    free(g.trx);
    free(g.retry);
    if (!rc && !getenv("TPS_KEEP")) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g.tmp);
        if (system(cmd) != 0) fprintf(stderr, "tps: cannot remove %s\n", g.tmp);
    }
    return rc ? 1 : 0;
}
