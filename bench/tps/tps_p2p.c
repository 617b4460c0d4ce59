/* The throughput benchmark's P2P peer and LIB clock (tps_p2p.h): a writer that sends pre-signed
 * transactions as src/net transaction frames within a window, a reader that decodes the frames
 * cpsd sends back (answering pings, matching the blocks' receipts to what was sent). */
#include "tps_p2p.h"

#include "abi/abi.h"
#include "net/net.h"
#include "tps_http.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

static double mono_s(void) { return (double)cps_time_mono_ns() / 1e9; }

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return cps_fail(CPS_ERR_IO, "p2p send: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return cps_fail(CPS_ERR_IO, "p2p: the node closed the connection");
        if (r < 0) return cps_fail(CPS_ERR_IO, "p2p recv: %s", strerror(errno));
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One whole frame body (type + payload) into body (reset first). */
static int read_frame(int fd, cps_buf *body)
{
    uint8_t hdr[CPS_NET_FRAME_HEADER];
    uint32_t len;
    int rc = read_all(fd, hdr, sizeof hdr);
    if (!rc) rc = cps_net_frame_length(hdr, CPS_NET_MAX_MESSAGE_DEFAULT, &len);
    if (rc) return rc;
    cps_buf_reset(body);
    if (cps_buf_reserve(body, len)) return CPS_ERR_NOMEM;
    rc = read_all(fd, body->data, len);
    if (!rc) body->size = len;
    return rc;
}

/* ---- the stream --------------------------------------------------------------------------- */

typedef struct by_id_entry {
    cps_checksum256 id;
    size_t index;
} by_id_entry;

static int cmp_entry(const void *a, const void *b)
{
    return memcmp(((const by_id_entry *)a)->id.b, ((const by_id_entry *)b)->id.b, 32);
}

typedef struct stream {
    int fd;
    pthread_mutex_t write_lock; /* the writer's frames and the reader's pongs */
    tps_p2p_trx *t;
    size_t n;
    by_id_entry *by_id;
    _Atomic size_t seen;
    _Atomic double last_progress_s;
    _Atomic bool done, failed;
    uint64_t blocks, frames_in;
    char error[256];
} stream;

static int send_frame(stream *s, const cps_buf *frame)
{
    pthread_mutex_lock(&s->write_lock);
    int rc = write_all(s->fd, frame->data, frame->size);
    pthread_mutex_unlock(&s->write_lock);
    return rc;
}

static void match_block(stream *s, const cps_signed_block *b, cps_arena *a, double now)
{
    for (uint32_t i = 0; i < b->transaction_count; i++) {
        const cps_transaction_receipt *r = &b->transactions[i];
        by_id_entry key;
        cps_bytes raw;
        if (!r->is_packed) continue;
        if (cps_abi_packed_transaction_raw(&r->packed, a, &raw) != 0) continue;
        cps_abi_transaction_id_raw(raw.data, raw.size, &key.id);
        by_id_entry *hit = bsearch(&key, s->by_id, s->n, sizeof *s->by_id, cmp_entry);
        if (hit && s->t[hit->index].seen_s == 0) {
            s->t[hit->index].seen_s = now;
            atomic_fetch_add(&s->seen, 1);
            atomic_store(&s->last_progress_s, now);
        }
    }
}

static void *reader(void *arg)
{
    stream *s = arg;
    cps_buf body = {0}, out = {0};
    while (!atomic_load(&s->done)) {
        int rc = read_frame(s->fd, &body);
        if (rc) {
            if (!atomic_load(&s->done)) {
                snprintf(s->error, sizeof s->error, "%s", cps_last_error());
                atomic_store(&s->failed, true);
            }
            break;
        }
        double now = mono_s();
        s->frames_in++;
        cps_arena a;
        cps_abi_arena_init(&a);
        cps_net_message m;
        if (cps_net_message_decode(body.data, body.size, &a, &m) == 0) {
            if (m.type == CPS_NET_MSG_BLOCK) {
                s->blocks++;
                match_block(s, &m.u.block.block, &a, now);
            } else if (m.type == CPS_NET_MSG_TIME && m.u.time.kind == CPS_NET_TIME_PING) {
                cps_net_message pong = {.type = CPS_NET_MSG_TIME};
                pong.u.time.kind = CPS_NET_TIME_PONG;
                pong.u.time.origin_us = m.u.time.origin_us;
                pong.u.time.sent_us = cps_time_now_us();
                cps_buf_reset(&out);
                if (cps_net_message_encode(&out, &pong) == 0) (void)send_frame(s, &out);
            } else if (m.type == CPS_NET_MSG_GO_AWAY) {
                snprintf(s->error, sizeof s->error, "the node sent go_away: %s",
                         cps_net_go_away_reason_name(m.u.go_away_reason));
                atomic_store(&s->failed, true);
                cps_abi_arena_free(&a);
                break;
            }
        }
        cps_abi_arena_free(&a);
    }
    cps_buf_free(&body);
    cps_buf_free(&out);
    return NULL;
}

static int handshake(stream *s, const cps_checksum256 *chain_id, uint32_t head_num,
                     const cps_checksum256 *head_id, uint32_t lib_num,
                     const cps_checksum256 *lib_id)
{
    cps_net_message m = {.type = CPS_NET_MSG_HANDSHAKE};
    cps_net_handshake *h = &m.u.handshake;
    h->protocol_version = CPS_NET_PROTOCOL_VERSION;
    h->chain_id = *chain_id;
    if (getrandom(h->node_id.b, 32, 0) != 32)
        return cps_fail(CPS_ERR_IO, "getrandom: %s", strerror(errno));
    h->head_num = head_num;
    h->head_id = *head_id;
    h->lib_num = lib_num;
    h->lib_id = *lib_id;
    h->time_us = cps_time_now_us();
    h->listen_port = 0;
    snprintf(h->agent, sizeof h->agent, "cps-bench-tps");
    cps_buf b = {0}, body = {0};
    int rc = cps_net_message_encode(&b, &m);
    if (!rc) rc = send_frame(s, &b);
    /* The node's own handshake comes first (or a go_away saying why not). */
    if (!rc) rc = read_frame(s->fd, &body);
    if (!rc && (body.size == 0 || body.data[0] != CPS_NET_MSG_HANDSHAKE))
        rc = cps_fail(CPS_ERR_IO, "p2p: the node answered message type %d, not a handshake",
                      body.size ? body.data[0] : -1);
    cps_buf_free(&b);
    cps_buf_free(&body);
    return rc;
}

int tps_p2p_stream(int port, const cps_checksum256 *chain_id, uint32_t head_num,
                   const cps_checksum256 *head_id, uint32_t lib_num,
                   const cps_checksum256 *lib_id, tps_p2p_trx *t, size_t n, size_t window,
                   double stall_s, tps_p2p_stats *st)
{
    memset(st, 0, sizeof *st);
    stream s;
    memset(&s, 0, sizeof s);
    s.t = t;
    s.n = n;
    s.by_id = malloc((n ? n : 1) * sizeof *s.by_id);
    if (!s.by_id) return cps_fail(CPS_ERR_NOMEM, "p2p stream");
    for (size_t i = 0; i < n; i++) {
        s.by_id[i].id = t[i].id;
        s.by_id[i].index = i;
        t[i].seen_s = 0;
    }
    qsort(s.by_id, n, sizeof *s.by_id, cmp_entry);
    pthread_mutex_init(&s.write_lock, NULL);
    s.fd = tps_http_connect(port);
    int rc = s.fd < 0 ? s.fd : handshake(&s, chain_id, head_num, head_id, lib_num, lib_id);
    pthread_t rt;
    bool reading = false;
    if (!rc) {
        atomic_store(&s.last_progress_s, mono_s());
        reading = pthread_create(&rt, NULL, reader, &s) == 0;
        if (!reading) rc = cps_fail(CPS_ERR_IO, "p2p: cannot start the reader");
    }
    cps_buf frame = {0};
    size_t next = 0;
    while (!rc) {
        if (atomic_load(&s.failed)) {
            rc = cps_fail(CPS_ERR_IO, "%s", s.error);
            break;
        }
        size_t seen = atomic_load(&s.seen);
        if (seen == n) break;
        double now = mono_s();
        if (now - atomic_load(&s.last_progress_s) > stall_s) {
            st->stalled = true;
            break;
        }
        size_t in_flight = next - seen;
        if (in_flight > st->max_window) st->max_window = in_flight;
        if (next == n || in_flight >= window) {
            usleep(2000); /* the window is full: wait for a block */
            continue;
        }
        /* Up to 64 frames per write, within the window. */
        cps_buf_reset(&frame);
        size_t k = 0;
        while (next + k < n && k < 64 && in_flight + k < window) {
            tps_p2p_trx *x = &t[next + k];
            if ((rc = cps_net_frame_encode(&frame, CPS_NET_MSG_TRANSACTION, x->packed, x->n)))
                break;
            k++;
        }
        if (rc) break;
        double sent = mono_s();
        int64_t sent_us = cps_time_now_us();
        for (size_t j = 0; j < k; j++) {
            t[next + j].sent_s = sent;
            t[next + j].sent_us = sent_us;
        }
        rc = send_frame(&s, &frame);
        st->bytes_out += frame.size;
        next += k;
    }
    st->sent = next;
    st->seen = atomic_load(&s.seen);
    atomic_store(&s.done, true);
    if (s.fd >= 0) {
        shutdown(s.fd, SHUT_RDWR); /* wakes the reader */
        if (reading) pthread_join(rt, NULL);
        tps_http_close(s.fd);
    }
    st->blocks = s.blocks;
    st->frames_in = s.frames_in;
    cps_buf_free(&frame);
    free(s.by_id);
    pthread_mutex_destroy(&s.write_lock);
    return rc;
}

/* ---- the LIB clock ------------------------------------------------------------------------ */

#define LIB_MAX 1000000u

static struct {
    int port;
    pthread_t th;
    _Atomic bool stop, running;
    double *first_at; /* first_at[num]: first time LIB >= num was seen; 0 = not yet */
    _Atomic uint32_t lib;
} lp;

static void *lib_poller(void *arg)
{
    (void)arg;
    int fd = tps_http_connect(lp.port);
    cps_buf resp = {0};
    while (!atomic_load(&lp.stop)) {
        int status = 0;
        if (fd < 0 || tps_http_post(fd, "/v1/chain/get_info", "{}", 2, &status, &resp) != 0) {
            if (fd >= 0) tps_http_close(fd);
            usleep(20000);
            fd = tps_http_connect(lp.port);
            continue;
        }
        double now = mono_s();
        json_t *info = status == 200 ? json_loadb((const char *)resp.data, resp.size, 0, NULL)
                                     : NULL;
        json_int_t lib = json_integer_value(json_object_get(info, "last_irreversible_block_num"));
        json_decref(info);
        if (lib > 0 && (uint64_t)lib < LIB_MAX) {
            uint32_t old = atomic_load(&lp.lib);
            for (uint32_t k = old + 1; k <= (uint32_t)lib; k++) lp.first_at[k] = now;
            if ((uint32_t)lib > old) atomic_store(&lp.lib, (uint32_t)lib);
        }
        usleep(5000);
    }
    if (fd >= 0) tps_http_close(fd);
    cps_buf_free(&resp);
    return NULL;
}

int tps_lib_poller_start(int http_port)
{
    if (atomic_load(&lp.running)) return 0;
    lp.port = http_port;
    lp.first_at = calloc(LIB_MAX, sizeof *lp.first_at);
    if (!lp.first_at) return cps_fail(CPS_ERR_NOMEM, "lib poller");
    atomic_store(&lp.stop, false);
    atomic_store(&lp.lib, 0);
    if (pthread_create(&lp.th, NULL, lib_poller, NULL) != 0) {
        free(lp.first_at);
        lp.first_at = NULL;
        return cps_fail(CPS_ERR_IO, "cannot start the LIB poller");
    }
    atomic_store(&lp.running, true);
    return 0;
}

void tps_lib_poller_stop(void)
{
    if (!atomic_load(&lp.running)) return;
    atomic_store(&lp.stop, true);
    pthread_join(lp.th, NULL);
    atomic_store(&lp.running, false);
}

double tps_lib_time(uint32_t block_num)
{
    if (!lp.first_at || block_num == 0 || block_num >= LIB_MAX) return -1;
    if (block_num > atomic_load(&lp.lib)) return -1;
    return lp.first_at[block_num];
}
