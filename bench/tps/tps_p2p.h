/* The throughput benchmark's P2P side and finality clock: a minimal peer (src/net's codec over a
 * blocking socket) that streams packed transactions into cpsd and watches the blocks it gossips
 * back, and a get_info poller that records when the last irreversible block moves. */
#ifndef CPS_BENCH_TPS_P2P_H
#define CPS_BENCH_TPS_P2P_H

#include "base/base.h"
#include "abi/abi.h"
#include "crypto/crypto.h"

#include <stddef.h>

typedef struct tps_p2p_trx {
    const uint8_t *packed; /* packed_transaction bytes (borrowed) */
    size_t n;
    cps_checksum256 id;
    double sent_s;     /* monotonic seconds of the send (filled) */
    int64_t sent_us;   /* wall clock of the send (filled) */
    double seen_s;     /* when a block carrying it arrived over P2P; 0 if none did */
} tps_p2p_trx;

typedef struct tps_p2p_stats {
    size_t sent, seen;
    size_t max_window;   /* most transactions sent and not yet seen in a block at once */
    uint64_t blocks, frames_in, bytes_out;
    bool stalled;        /* ended because no block brought any of ours for stall_s */
} tps_p2p_stats;

/* Connects to cpsd's P2P endpoint 127.0.0.1:port as a peer (handshake with the chain id and the
 * head/LIB given), sends every t[i] as a transaction message, keeping at most `window` sent and
 * not yet seen in a block gossiped back (the node's bounded queue and preparation limit are the
 * backpressure this respects), and returns once all were seen or none was for stall_s seconds.
 * Errors: CPS_ERR_IO (connection, handshake refused), the codec's. */
int tps_p2p_stream(int port, const cps_checksum256 *chain_id, uint32_t head_num,
                   const cps_checksum256 *head_id, uint32_t lib_num,
                   const cps_checksum256 *lib_id, tps_p2p_trx *t, size_t n, size_t window,
                   double stall_s, tps_p2p_stats *st);

/* Polls get_info on 127.0.0.1:http_port every few milliseconds in a thread and records the
 * monotonic time at which last_irreversible_block_num first reached each value. */
int tps_lib_poller_start(int http_port);
void tps_lib_poller_stop(void);
/* The first time (monotonic seconds) LIB was seen >= block_num, or -1 if it never was. */
double tps_lib_time(uint32_t block_num);

#endif
