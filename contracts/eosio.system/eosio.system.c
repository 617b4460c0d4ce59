/* eosio.system in C: the privileged passthroughs, the newaccount name rules, CPU/NET staking and
 * RAM, with the action names, arguments and table layouts of EOSIO's reference eosio.system
 * (eosio.contracts 1.9). CPS differences: RAM is a fully refundable deposit at a fixed price per
 * byte (no Bancor market, no fee), refunds are claimed with `refund` after the delay (no deferred
 * transaction), and closed name bids stay in eosio.names (no REX). See docs/contracts.md. */
#include "../eosio.token/eosio.token.h"
#include "cps/protocol.h"

#include <float.h>

/* ---- tables ---------------------------------------------------------------------------- */

/* Singleton "global" (scope and key: the contract). CPS keeps only what its rules use. */
#define GLOBAL_STATE_FIELDS(X)                                                                     \
    X(max_ram_size, uint64)                                                                        \
    X(total_ram_bytes_reserved, uint64) X(total_ram_stake, int64) X(core_symbol, symbol)           \
        X(ram_price_per_byte, asset) X(last_name_close, block_timestamp_type)                      \
            X(total_producer_vote_weight, float64)                                                 \
                X(last_producer_schedule_update, block_timestamp_type)                             \
                    X(last_producer_schedule_size, uint16) X(pervote_bucket, int64)                \
                        X(perblock_bucket, int64) X(total_unpaid_blocks, uint32)                   \
                            X(total_activated_stake, int64)                                        \
                                X(thresh_activated_stake_time, time_point)                         \
                                    X(last_pervote_bucket_fill, time_point)                        \
                                        X(max_annual_inflation_bp, uint16)
/* The producer-pay fields have the reference's names; max_annual_inflation_bp (CPS) caps the
 * producers' median proposal (setparams). */
CPS_ABI_STRUCT(eosio_global_state, GLOBAL_STATE_FIELDS)
static uint64_t global_key(const void *row)
{
    (void)row;
    return N("global");
}
CPS_TABLE(global, eosio_global_state, global_key);

/* "userres", scope = owner: the owner's total stake and reserved RAM. */
#define USER_RESOURCES_FIELDS(X)                                                                   \
    X(owner, name) X(net_weight, asset) X(cpu_weight, asset) X(ram_bytes, int64)
CPS_ABI_STRUCT(user_resources, USER_RESOURCES_FIELDS)
static uint64_t userres_key(const void *row)
{
    return ((const user_resources_t *)row)->owner;
}
CPS_TABLE(userres, user_resources, userres_key);

/* "delband", scope = from, key = to: what `from` staked for `to`. */
#define DELEGATED_BANDWIDTH_FIELDS(X)                                                              \
    X(from, name) X(to, name) X(net_weight, asset) X(cpu_weight, asset)
CPS_ABI_STRUCT(delegated_bandwidth, DELEGATED_BANDWIDTH_FIELDS)
static uint64_t delband_key(const void *row)
{
    return ((const delegated_bandwidth_t *)row)->to;
}
CPS_TABLE(delband, delegated_bandwidth, delband_key);

/* "refunds", scope = owner: unstaked tokens waiting out the refund delay. */
#define REFUND_REQUEST_FIELDS(X)                                                                   \
    X(owner, name) X(request_time, time_point_sec) X(net_amount, asset) X(cpu_amount, asset)
CPS_ABI_STRUCT(refund_request, REFUND_REQUEST_FIELDS)
static uint64_t refund_key(const void *row)
{
    return ((const refund_request_t *)row)->owner;
}
CPS_TABLE(refunds, refund_request, refund_key);

/* "ramdeposit", scope = the contract, key = owner: the core tokens paid for the owner's RAM,
 * returned in full (pro rata per byte sold) by sellram. CPS only. */
#define RAM_DEPOSIT_FIELDS(X) X(owner, name) X(deposit, asset)
CPS_ABI_STRUCT(ram_deposit, RAM_DEPOSIT_FIELDS)
static uint64_t ram_deposit_key(const void *row)
{
    return ((const ram_deposit_t *)row)->owner;
}
CPS_TABLE(ramdeposit, ram_deposit, ram_deposit_key);

/* "namebids", scope = the contract: open and closed name auctions. A closed auction keeps its
 * winning bid negated until the winner creates the account. Index "highbid" orders open bids
 * highest first (the key is -high_bid as unsigned, as the reference). */
#define NAME_BID_FIELDS(X)                                                                         \
    X(newname, name) X(high_bidder, name) X(high_bid, int64) X(last_bid_time, time_point)
CPS_ABI_STRUCT(name_bid, NAME_BID_FIELDS)
static uint64_t name_bid_key(const void *row)
{
    return ((const name_bid_t *)row)->newname;
}
static void by_high_bid(const void *row, cps_index_key *key)
{
    key->idx64 = (uint64_t)0 - (uint64_t)((const name_bid_t *)row)->high_bid;
}
static const cps_index_def name_bid_indexes[] = {CPS_INDEX("highbid", idx64, by_high_bid)};
CPS_TABLE_INDEXED(namebids, name_bid, name_bid_key, name_bid_indexes);

/* "bidrefunds", scope = the name: outbid amounts waiting for bidrefund. */
#define BID_REFUND_FIELDS(X) X(bidder, name) X(amount, asset)
CPS_ABI_STRUCT(bid_refund, BID_REFUND_FIELDS)
static uint64_t bid_refund_key(const void *row)
{
    return ((const bid_refund_t *)row)->bidder;
}
CPS_TABLE(bidrefunds, bid_refund, bid_refund_key);

CPS_ABI_BINEXT(uint16)

/* "producers", scope = the contract. Index "prototalvote" orders active producers by votes,
 * highest first (key -total_votes; inactive ones sort after them). CPS adds the producer's
 * proposed annual inflation, in basis points, whose median will set the issuance. */
#define PRODUCER_INFO_FIELDS(X)                                                                    \
    X(owner, name)                                                                                 \
    X(total_votes, float64) X(producer_key, public_key) X(is_active, bool) X(url, string)          \
        X(unpaid_blocks, uint32) X(last_claim_time, time_point) X(location, uint16)                \
            X(annual_inflation_bp, uint16)
CPS_ABI_STRUCT(producer_info, PRODUCER_INFO_FIELDS)
static uint64_t producer_key_of(const void *row)
{
    return ((const producer_info_t *)row)->owner;
}
static void by_votes(const void *row, cps_index_key *key)
{
    const producer_info_t *p = row;
    key->idx_double = p->is_active ? -p->total_votes : p->total_votes;
}
static const cps_index_def producer_indexes[] = {CPS_INDEX("prototalvote", idx_double, by_votes)};
CPS_TABLE_INDEXED(producers, producer_info, producer_key_of, producer_indexes);

/* "voters", scope = the contract: each staker's votes or proxy, and a proxy's received weight. */
#define VOTER_INFO_FIELDS(X)                                                                       \
    X(owner, name)                                                                                 \
    X(proxy, name) X(producers, array(name)) X(staked, int64) X(last_vote_weight, float64)         \
        X(proxied_vote_weight, float64) X(is_proxy, bool) X(flags1, uint32) X(reserved2, uint32)   \
            X(reserved3, asset)
CPS_ABI_STRUCT(voter_info, VOTER_INFO_FIELDS)
static uint64_t voter_key(const void *row)
{
    return ((const voter_info_t *)row)->owner;
}
CPS_TABLE(voters, voter_info, voter_key);

/* ---- action arguments ------------------------------------------------------------------ */

#define INIT_FIELDS(X) X(version, varuint32) X(core, symbol)
CPS_ABI_STRUCT(init, INIT_FIELDS)

/* EOSIO blockchain_parameters v0, in the chain's packed order. */
#define BLOCKCHAIN_PARAMETERS_FIELDS(X)                                                            \
    X(max_block_net_usage, uint64)                                                                 \
    X(target_block_net_usage_pct, uint32) X(max_transaction_net_usage, uint32)                     \
        X(base_per_transaction_net_usage, uint32) X(net_usage_leeway, uint32)                      \
            X(context_free_discount_net_usage_num, uint32)                                         \
                X(context_free_discount_net_usage_den, uint32) X(max_block_cpu_usage, uint32)      \
                    X(target_block_cpu_usage_pct, uint32) X(max_transaction_cpu_usage, uint32)     \
                        X(min_transaction_cpu_usage, uint32) X(max_transaction_lifetime, uint32)   \
                            X(deferred_trx_expiration_window, uint32)                              \
                                X(max_transaction_delay, uint32) X(max_inline_action_size, uint32) \
                                    X(max_inline_action_depth, uint16)                             \
                                        X(max_authority_depth, uint16)
CPS_ABI_STRUCT(blockchain_parameters, BLOCKCHAIN_PARAMETERS_FIELDS)
CPS_ABI_NESTED(blockchain_parameters)
#define CPS_CTYPE_blockchain_parameters blockchain_parameters_t

CPS_ABI_BINEXT(asset)
/* The reference argument, plus CPS binary extensions: the RAM deposit price per byte and the cap
 * on the annual inflation (basis points). */
#define SETPARAMS_FIELDS(X)                                                                        \
    X(params, blockchain_parameters)                                                               \
    X(ram_price_per_byte, binext(asset)) X(max_annual_inflation_bp, binext(uint16))
CPS_ABI_STRUCT(setparams, SETPARAMS_FIELDS)

#define SETPRIV_FIELDS(X) X(account, name) X(is_priv, uint8)
CPS_ABI_STRUCT(setpriv, SETPRIV_FIELDS)

#define SETALIMITS_FIELDS(X)                                                                       \
    X(account, name) X(ram_bytes, int64) X(net_weight, int64) X(cpu_weight, int64)
CPS_ABI_STRUCT(setalimits, SETALIMITS_FIELDS)

#define ACTIVATE_FIELDS(X) X(feature_digest, checksum256)
CPS_ABI_STRUCT(activate, ACTIVATE_FIELDS)

#define NEWACCOUNT_FIELDS(X) X(creator, name) X(name, name) X(owner, authority) X(active, authority)
CPS_ABI_STRUCT(newaccount, NEWACCOUNT_FIELDS)

/* The other native actions (EOSIO native.hpp layouts). The chain runs eosio's code after each
 * native eosio action, so the system contract must accept them (and does nothing more); their
 * ABI entries let clients pack them once the system ABI replaces the native one on eosio. */
#define UPDATEAUTH_FIELDS(X)                                                                       \
    X(account, name) X(permission, name) X(parent, name) X(auth, authority)
CPS_ABI_STRUCT(updateauth, UPDATEAUTH_FIELDS)
#define DELETEAUTH_FIELDS(X) X(account, name) X(permission, name)
CPS_ABI_STRUCT(deleteauth, DELETEAUTH_FIELDS)
#define LINKAUTH_FIELDS(X) X(account, name) X(code, name) X(type, name) X(requirement, name)
CPS_ABI_STRUCT(linkauth, LINKAUTH_FIELDS)
#define UNLINKAUTH_FIELDS(X) X(account, name) X(code, name) X(type, name)
CPS_ABI_STRUCT(unlinkauth, UNLINKAUTH_FIELDS)
#define CANCELDELAY_FIELDS(X) X(canceling_auth, permission_level) X(trx_id, checksum256)
CPS_ABI_STRUCT(canceldelay, CANCELDELAY_FIELDS)
#define SETCODE_FIELDS(X) X(account, name) X(vmtype, uint8) X(vmversion, uint8) X(code, bytes)
CPS_ABI_STRUCT(setcode, SETCODE_FIELDS)
#define SETABI_FIELDS(X) X(account, name) X(abi, bytes)
CPS_ABI_STRUCT(setabi, SETABI_FIELDS)

#define DELEGATEBW_FIELDS(X)                                                                       \
    X(from, name)                                                                                  \
    X(receiver, name) X(stake_net_quantity, asset) X(stake_cpu_quantity, asset) X(transfer, bool)
CPS_ABI_STRUCT(delegatebw, DELEGATEBW_FIELDS)

#define UNDELEGATEBW_FIELDS(X)                                                                     \
    X(from, name) X(receiver, name) X(unstake_net_quantity, asset) X(unstake_cpu_quantity, asset)
CPS_ABI_STRUCT(undelegatebw, UNDELEGATEBW_FIELDS)

#define REFUND_FIELDS(X) X(owner, name)
CPS_ABI_STRUCT(refund, REFUND_FIELDS)

#define BUYRAM_FIELDS(X) X(payer, name) X(receiver, name) X(quant, asset)
CPS_ABI_STRUCT(buyram, BUYRAM_FIELDS)

#define BUYRAMBYTES_FIELDS(X) X(payer, name) X(receiver, name) X(bytes, uint32)
CPS_ABI_STRUCT(buyrambytes, BUYRAMBYTES_FIELDS)

#define BIDNAME_FIELDS(X) X(bidder, name) X(newname, name) X(bid, asset)
CPS_ABI_STRUCT(bidname, BIDNAME_FIELDS)

#define BIDREFUND_FIELDS(X) X(bidder, name) X(newname, name)
CPS_ABI_STRUCT(bidrefund, BIDREFUND_FIELDS)

/* onblock's argument: the block header being produced (EOSIO block_header). */
#define PRODUCER_KEY_FIELDS(X) X(producer_name, name) X(block_signing_key, public_key)
CPS_ABI_STRUCT(producer_key, PRODUCER_KEY_FIELDS)
CPS_ABI_NESTED(producer_key)
#define CPS_CTYPE_producer_key producer_key_t
CPS_ABI_ARRAY(producer_key)

#define PRODUCER_SCHEDULE_FIELDS(X) X(version, uint32) X(producers, array(producer_key))
CPS_ABI_STRUCT(producer_schedule, PRODUCER_SCHEDULE_FIELDS)
CPS_ABI_NESTED(producer_schedule)
#define CPS_CTYPE_producer_schedule producer_schedule_t
CPS_ABI_OPTIONAL(producer_schedule)

#define BLOCK_HEADER_FIELDS(X)                                                                     \
    X(timestamp, block_timestamp_type)                                                             \
    X(producer, name) X(confirmed, uint16) X(previous, checksum256)                                \
        X(transaction_mroot, checksum256) X(action_mroot, checksum256) X(schedule_version, uint32) \
            X(new_producers, optional(producer_schedule))
CPS_ABI_STRUCT(block_header, BLOCK_HEADER_FIELDS)
CPS_ABI_NESTED(block_header)
#define CPS_CTYPE_block_header block_header_t

#define ONBLOCK_FIELDS(X) X(header, block_header)
CPS_ABI_STRUCT(onblock, ONBLOCK_FIELDS)

/* The reference arguments, plus the CPS proposed inflation as a binary extension. */
#define REGPRODUCER_FIELDS(X)                                                                      \
    X(producer, name)                                                                              \
    X(producer_key, public_key) X(url, string) X(location, uint16)                                 \
        X(annual_inflation_bp, binext(uint16))
CPS_ABI_STRUCT(regproducer, REGPRODUCER_FIELDS)

#define UNREGPROD_FIELDS(X) X(producer, name)
CPS_ABI_STRUCT(unregprod, UNREGPROD_FIELDS)

#define RMVPRODUCER_FIELDS(X) X(producer, name)
CPS_ABI_STRUCT(rmvproducer, RMVPRODUCER_FIELDS)

#define CLAIMREWARDS_FIELDS(X) X(owner, name)
CPS_ABI_STRUCT(claimrewards, CLAIMREWARDS_FIELDS)

#define VOTEPRODUCER_FIELDS(X) X(voter, name) X(proxy, name) X(producers, array(name))
CPS_ABI_STRUCT(voteproducer, VOTEPRODUCER_FIELDS)

#define REGPROXY_FIELDS(X) X(proxy, name) X(isproxy, bool)
CPS_ABI_STRUCT(regproxy, REGPROXY_FIELDS)

#define SELLRAM_FIELDS(X) X(account, name) X(bytes, int64)
CPS_ABI_STRUCT(sellram, SELLRAM_FIELDS)

/* ---- constants ------------------------------------------------------------------------- */

/* Unstaked tokens wait this long before `refund` pays them out (reference: 3 days). */
#define REFUND_DELAY_SEC (3u * 24u * 3600u)
/* RAM every account gets on top of what it bought (reference ram_gift_bytes); not deposited. */
#define RAM_GIFT_BYTES 1400
/* Initial RAM ceiling (reference: 64 GiB). */
#define DEFAULT_MAX_RAM_SIZE (UINT64_C(64) * 1024 * 1024 * 1024)

#define TOKEN_ACCOUNT N("eosio.token")
#define STAKE_ACCOUNT N("eosio.stake")
#define RAM_ACCOUNT N("eosio.ram")
#define NAMES_ACCOUNT N("eosio.names")
#define BPAY_ACCOUNT N("eosio.bpay")
#define VPAY_ACCOUNT N("eosio.vpay")
#define SAVING_ACCOUNT N("eosio.saving")
/* Most producers a voter may approve, and the size of the active schedule. */
#define MAX_VOTED_PRODUCERS 30
#define MAX_PRODUCERS 21
/* Largest schedule the chain may hand get_active_producers (EOSIO max_producers). */
#define MAX_SCHEDULE_SIZE 125
/* Ceiling of a producer's proposed annual inflation (5%, the EOS.IO white paper's figure). */
#define MAX_INFLATION_BP 500
/* The schedule is reconsidered at most once a minute (120 slots). */
#define SCHEDULE_UPDATE_SLOTS 120u
/* Block timestamps count half-second slots. */
#define SLOTS_PER_DAY (2u * 24u * 3600u)
#define USEC_PER_DAY (INT64_C(24) * 3600 * 1000000)
/* The reference's year for inflation: 52 weeks. */
#define USEC_PER_YEAR (INT64_C(52) * 7 * USEC_PER_DAY)
/* Producers, name auctions and rewards start once voters hold this share of the supply (15%). */
#define ACTIVATION_PERCENT 15
/* Name auctions close only this long after activation (reference: 14 days). */
#define NAME_CLOSE_AFTER_ACTIVATION_USEC (14 * USEC_PER_DAY)
/* The reference's split of new tokens: 1/5 to producers (of that 1/4 per block, the rest by
 * votes), the rest to eosio.saving. */
#define PRODUCERS_SHARE_DIVISOR 5
#define PER_BLOCK_SHARE_DIVISOR 4
/* Vote pay below this many whole core tokens is not paid (reference: 100). */
#define MIN_PERVOTE_DAILY_PAY_TOKENS 100

/* ---- helpers --------------------------------------------------------------------------- */

static bool load_global(cps_name self, eosio_global_state_t *gs)
{
    cps_table t = cps_table_open(&global_table, self, self);
    int32_t itr = cps_table_find(&t, N("global"));
    if (itr < 0) return false;
    cps_table_load(&t, itr, gs);
    return true;
}

static void store_global(cps_name self, const eosio_global_state_t *gs)
{
    cps_table t = cps_table_open(&global_table, self, self);
    int32_t itr = cps_table_find(&t, N("global"));
    if (itr < 0)
        cps_table_emplace(&t, self, gs);
    else
        cps_table_modify(&t, itr, 0, gs);
}

static eosio_global_state_t require_global(cps_name self)
{
    eosio_global_state_t gs;
    check(load_global(self, &gs), "system contract must first be initialized");
    return gs;
}

/* Inline eosio.token::transfer with the given authorizations (memo under 64 bytes). */
static void token_transfer_auth(cps_name from, cps_name to, cps_asset quantity, const char *memo,
                                const cps_permission_level *auth, uint32_t auth_count)
{
    uint8_t data[8 + 8 + 16 + 1 + 64];
    cps_ds ds = cps_ds_writer(data, sizeof data);
    cps_ds_write_name(&ds, from);
    cps_ds_write_name(&ds, to);
    cps_ds_write_asset(&ds, quantity);
    cps_str text = {memo, (uint32_t)strlen(memo)};
    cps_ds_write_string(&ds, text);
    cps_action act = {TOKEN_ACCOUNT, N("transfer"), auth, auth_count, data, ds.pos};
    cps_action_send_inline(&act);
}

/* Inline eosio.token::transfer with `from`@active. */
static void token_transfer(cps_name from, cps_name to, cps_asset quantity, const char *memo)
{
    cps_permission_level auth = {from, N("active")};
    token_transfer_auth(from, to, quantity, memo, &auth, 1);
}

/* Inline eosio.token::issue of new tokens to `self` (the issuer), with self@active. */
static void token_issue(cps_name self, cps_asset quantity, const char *memo)
{
    uint8_t data[8 + 16 + 1 + 64];
    cps_ds ds = cps_ds_writer(data, sizeof data);
    cps_ds_write_name(&ds, self);
    cps_ds_write_asset(&ds, quantity);
    cps_str text = {memo, (uint32_t)strlen(memo)};
    cps_ds_write_string(&ds, text);
    cps_permission_level auth = {self, N("active")};
    cps_action act = {TOKEN_ACCOUNT, N("issue"), &auth, 1, data, ds.pos};
    cps_action_send_inline(&act);
}

/* floor(a * b / d) for a, b, d < 2^63 without overflow (no 128-bit helpers in the host):
 * 128-bit product from 32-bit limbs, then restoring long division. Caller: d > 0, result fits. */
static int64_t mul_div(int64_t a, int64_t b, int64_t d)
{
    uint64_t x = (uint64_t)a, y = (uint64_t)b, den = (uint64_t)d;
    uint64_t x0 = x & 0xffffffffu, x1 = x >> 32, y0 = y & 0xffffffffu, y1 = y >> 32;
    uint64_t p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    uint64_t lo = (p00 & 0xffffffffu) | (mid << 32);
    uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    uint64_t quotient = 0, rem = 0;
    for (int bit = 127; bit >= 0; bit--) {
        uint64_t next = bit >= 64 ? (hi >> (bit - 64)) & 1 : (lo >> bit) & 1;
        /* rem < den < 2^63, so rem * 2 + 1 cannot overflow. */
        rem = (rem << 1) | next;
        if (rem >= den) {
            rem -= den;
            if (bit < 64) quotient |= UINT64_C(1) << bit;
        }
    }
    return (int64_t)quotient;
}

/* The account's userres row, created (zero stake, no RAM) with `payer` if missing. */
static int32_t userres_row(cps_table *t, cps_name owner, cps_name payer, cps_symbol core,
                           user_resources_t *row)
{
    int32_t itr = cps_table_find(t, owner);
    if (itr >= 0) {
        cps_table_load(t, itr, row);
        return itr;
    }
    row->owner = owner;
    row->net_weight = cps_asset_make(0, core);
    row->cpu_weight = cps_asset_make(0, core);
    row->ram_bytes = 0;
    return cps_table_emplace(t, payer, row);
}

/* The chain's limits follow the table: RAM = reserved + gift, NET/CPU weight = staked amount. */
static void apply_limits(const user_resources_t *res)
{
    set_resource_limits(res->owner, res->ram_bytes + RAM_GIFT_BYTES, res->net_weight.amount,
                        res->cpu_weight.amount);
}

static void check_core(cps_asset a, cps_symbol core)
{
    check(a.symbol == core, "comparison of assets with different symbols is not allowed");
}

/* ---- 1. privileged passthroughs -------------------------------------------------------- */

static void sys_init(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const init_t *a = args;
    require_auth(self);
    check(a->version == 0, "unsupported version for init action");
    eosio_global_state_t gs;
    check(!load_global(self, &gs), "system contract has already been initialized");
    cps_asset supply = token_get_supply(TOKEN_ACCOUNT, cps_symbol_code_of(a->core));
    check(supply.symbol == a->core, "specified core symbol does not exist (precision mismatch)");
    check(supply.amount > 0, "system token supply must be greater than 0");
    gs.max_ram_size = DEFAULT_MAX_RAM_SIZE;
    gs.total_ram_bytes_reserved = 0;
    gs.total_ram_stake = 0;
    gs.core_symbol = a->core;
    gs.ram_price_per_byte = cps_asset_make(1, a->core); /* smallest unit per byte until setparams */
    gs.last_name_close = 0;
    gs.total_producer_vote_weight = 0;
    gs.last_producer_schedule_update = 0;
    gs.last_producer_schedule_size = 0;
    gs.pervote_bucket = 0;
    gs.perblock_bucket = 0;
    gs.total_unpaid_blocks = 0;
    gs.total_activated_stake = 0;
    gs.thresh_activated_stake_time = 0;
    gs.last_pervote_bucket_fill = 0;
    gs.max_annual_inflation_bp = MAX_INFLATION_BP;
    store_global(self, &gs);
}

static void sys_setparams(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const setparams_t *a = args;
    require_auth(self);
    if (a->ram_price_per_byte.present) {
        eosio_global_state_t gs = require_global(self);
        cps_asset price = a->ram_price_per_byte.value;
        check(price.symbol == gs.core_symbol, "ram price must be in the core symbol");
        check(price.amount > 0, "ram price must be positive");
        gs.ram_price_per_byte = price;
        if (a->max_annual_inflation_bp.present) {
            check(a->max_annual_inflation_bp.value <= MAX_INFLATION_BP,
                  "annual inflation cap exceeds 5%");
            gs.max_annual_inflation_bp = a->max_annual_inflation_bp.value;
        }
        store_global(self, &gs);
    }
    uint8_t packed[96]; /* blockchain_parameters v0 packs to 68 bytes */
    cps_ds ds = cps_ds_writer(packed, sizeof packed);
    blockchain_parameters_pack(&a->params, &ds);
    set_blockchain_parameters_packed(packed, ds.pos);
}

static void sys_setpriv(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const setpriv_t *a = args;
    require_auth(self);
    set_privileged(a->account, a->is_priv != 0);
}

static void sys_setalimits(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const setalimits_t *a = args;
    require_auth(self);
    /* Accounts with a userres row get their limits from stake and RAM deposits instead. */
    cps_table res = cps_table_open(&userres_table, self, a->account);
    check(cps_table_find(&res, a->account) < 0, "only supports unlimited accounts");
    set_resource_limits(a->account, a->ram_bytes, a->net_weight, a->cpu_weight);
}

static void sys_activate(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const activate_t *a = args;
    require_auth(self);
    preactivate_feature(&a->feature_digest);
}

/* The native action already did the work (and checked its authority). */
static void sys_native(cps_name self, cps_name code, const void *args)
{
    (void)self, (void)code, (void)args;
}

/* ---- 2. newaccount (runs after the native action) -------------------------------------- */

/* The part of the name after its last '.', or the whole name without a dot. */
static cps_name name_suffix(cps_name n)
{
    char text[CPS_NAME_MAX_CHARS];
    uint32_t len = cps_name_to_str(n, text);
    uint32_t start = 0;
    for (uint32_t i = 0; i < len; i++)
        if (text[i] == '.') start = i + 1;
    if (start == 0) return n;
    cps_str tail = {text + start, len - start};
    return cps_name_from_str(tail);
}

static void sys_newaccount(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const newaccount_t *a = args;
    if (a->creator != self) {
        /* A zero 5-bit group among the first 12 characters is a dot or the end of a short name:
         * such names are reserved (suffix owner, or a won name auction). */
        uint64_t tmp = a->name >> 4;
        bool has_dot = false;
        for (int i = 0; i < 12; i++) {
            has_dot |= (tmp & 0x1f) == 0;
            tmp >>= 5;
        }
        if (has_dot) {
            cps_name suffix = name_suffix(a->name);
            if (suffix == a->name) {
                cps_table bids = cps_table_open(&namebids_table, self, self);
                name_bid_t bid;
                int32_t itr = cps_table_get(&bids, a->name, &bid, "no active bid for name");
                check(bid.high_bidder == a->creator, "only highest bidder can claim");
                check(bid.high_bid < 0, "auction for name is not closed yet");
                cps_table_erase(&bids, itr);
            } else {
                check(a->creator == suffix, "only suffix may create this account");
            }
        }
    }
    eosio_global_state_t gs = require_global(self);
    cps_table res = cps_table_open(&userres_table, self, a->name);
    user_resources_t row;
    userres_row(&res, a->name, a->name, gs.core_symbol, &row);
    set_resource_limits(a->name, 0, 0, 0);
}

/* ---- 5. producers and votes ------------------------------------------------------------ */

/* Vote weight is the staked amount (the reference's time-growing weight is not used). */
static double fabs_d(double v)
{
    return v < 0 ? -v : v;
}

/* Aborts with "producer <name><tail>". */
static void fail_producer(cps_name producer, const char *tail)
{
    char msg[9 + CPS_NAME_MAX_CHARS + 40] = "producer ";
    uint32_t len = 9 + cps_name_to_str(producer, msg + 9);
    for (uint32_t i = 0; tail[i] && len < sizeof msg - 1; i++)
        msg[len++] = tail[i];
    msg[len] = 0;
    check(false, msg);
}

static void add_producer_votes(cps_name self, eosio_global_state_t *gs, cps_name producer,
                               double delta)
{
    cps_table prods = cps_table_open(&producers_table, self, self);
    producer_info_t info;
    int32_t itr = cps_table_get(&prods, producer, &info, "producer not found");
    info.total_votes += delta;
    if (info.total_votes < 0) info.total_votes = 0;
    gs->total_producer_vote_weight += delta;
    cps_table_modify(&prods, itr, 0, &info);
}

/* A voter's weight changed: pass the difference on to its proxy or its producers. */
static void propagate_weight_change(cps_name self, eosio_global_state_t *gs, voter_info_t *voter)
{
    check(voter->proxy == 0 || !voter->is_proxy,
          "account registered as a proxy is not allowed to use a proxy");
    double new_weight = (double)voter->staked;
    if (voter->is_proxy) new_weight += voter->proxied_vote_weight;
    cps_table vt = cps_table_open(&voters_table, self, self);
    if (fabs_d(new_weight - voter->last_vote_weight) > 1) {
        double delta = new_weight - voter->last_vote_weight;
        if (voter->proxy) {
            voter_info_t proxy;
            int32_t pitr = cps_table_get(&vt, voter->proxy, &proxy, "proxy not found");
            proxy.proxied_vote_weight += delta;
            cps_table_modify(&vt, pitr, 0, &proxy);
            propagate_weight_change(self, gs, &proxy);
        } else {
            for (uint32_t i = 0; i < voter->producers.count; i++)
                add_producer_votes(self, gs, voter->producers.items[i], delta);
        }
    }
    voter->last_vote_weight = new_weight;
    int32_t itr = cps_table_find(&vt, voter->owner);
    cps_table_modify(&vt, itr, 0, voter);
}

typedef struct vote_delta {
    cps_name producer;
    double delta;
    bool in_new_votes;
} vote_delta;

static void add_delta(vote_delta *deltas, uint32_t *count, cps_name producer, double delta,
                      bool in_new_votes)
{
    for (uint32_t i = 0; i < *count; i++)
        if (deltas[i].producer == producer) {
            deltas[i].delta += delta;
            deltas[i].in_new_votes |= in_new_votes;
            return;
        }
    /* Kept sorted by name, so the first unregistered producer reported is the reference's. */
    uint32_t at = *count;
    while (at > 0 && deltas[at - 1].producer > producer) {
        deltas[at] = deltas[at - 1];
        at--;
    }
    deltas[at] = (vote_delta){producer, delta, in_new_votes};
    (*count)++;
}

/* 15% of the core token's current supply, without overflow. */
static int64_t activation_threshold(cps_symbol core)
{
    int64_t supply = token_get_supply(TOKEN_ACCOUNT, cps_symbol_code_of(core)).amount;
    return supply / 100 * ACTIVATION_PERCENT + supply % 100 * ACTIVATION_PERCENT / 100;
}

/* Until activation, total_activated_stake is the stake of every account that votes (directly or
 * through a proxy): `before`/`after` are this voter's contribution before and after the change.
 * CPS lets stake be withdrawn before activation, so the sum follows unvotes and unstakes too
 * (the reference only adds at a first vote, since it refuses undelegatebw until activation).
 * Activation is permanent: the first time the sum reaches 15% of the supply. */
static void track_activation(eosio_global_state_t *gs, int64_t before, int64_t after)
{
    if (gs->thresh_activated_stake_time != 0) return;
    gs->total_activated_stake += after - before;
    if (gs->total_activated_stake >= activation_threshold(gs->core_symbol))
        gs->thresh_activated_stake_time = (int64_t)current_time();
}

/* `old_staked`: the voter's stake before the change that led here (its current one for a vote). */
static void update_votes(cps_name self, cps_name voter_name, cps_name proxy,
                         cps_array_name producers, bool voting, int64_t old_staked)
{
    if (proxy) {
        check(producers.count == 0, "cannot vote for producers and proxy at same time");
        check(voter_name != proxy, "cannot proxy to self");
    } else {
        check(producers.count <= MAX_VOTED_PRODUCERS, "attempt to vote for too many producers");
        for (uint32_t i = 1; i < producers.count; i++)
            check(producers.items[i - 1] < producers.items[i],
                  "producer votes must be unique and sorted");
    }
    eosio_global_state_t gs = require_global(self);
    cps_table vt = cps_table_open(&voters_table, self, self);
    voter_info_t voter;
    int32_t vitr = cps_table_get(&vt, voter_name, &voter, "user must stake before they can vote");
    check(!proxy || !voter.is_proxy, "account registered as a proxy is not allowed to use a proxy");
    track_activation(&gs, voter.producers.count || voter.proxy ? old_staked : 0,
                     producers.count || proxy ? voter.staked : 0);

    double new_weight = (double)voter.staked;
    if (voter.is_proxy) new_weight += voter.proxied_vote_weight;

    vote_delta deltas[2 * MAX_VOTED_PRODUCERS];
    uint32_t count = 0;
    if (voter.last_vote_weight > 0) {
        if (voter.proxy) {
            voter_info_t old;
            int32_t oitr = cps_table_get(&vt, voter.proxy, &old, "old proxy not found");
            old.proxied_vote_weight -= voter.last_vote_weight;
            cps_table_modify(&vt, oitr, 0, &old);
            propagate_weight_change(self, &gs, &old);
        } else {
            for (uint32_t i = 0; i < voter.producers.count; i++)
                add_delta(deltas, &count, voter.producers.items[i], -voter.last_vote_weight, false);
        }
    }
    if (proxy) {
        voter_info_t np;
        int32_t nitr = cps_table_get(&vt, proxy, &np, "invalid proxy specified");
        check(!voting || np.is_proxy, "proxy not found");
        if (new_weight >= 0) {
            np.proxied_vote_weight += new_weight;
            cps_table_modify(&vt, nitr, 0, &np);
            propagate_weight_change(self, &gs, &np);
        }
    } else if (new_weight >= 0) {
        for (uint32_t i = 0; i < producers.count; i++)
            add_delta(deltas, &count, producers.items[i], new_weight, true);
    }

    cps_table prods = cps_table_open(&producers_table, self, self);
    for (uint32_t i = 0; i < count; i++) {
        producer_info_t info;
        int32_t pitr = cps_table_find(&prods, deltas[i].producer);
        if (pitr < 0) {
            if (deltas[i].in_new_votes) fail_producer(deltas[i].producer, " is not registered");
            continue;
        }
        cps_table_load(&prods, pitr, &info);
        if (voting && !info.is_active && deltas[i].in_new_votes)
            fail_producer(deltas[i].producer, " is not currently registered");
        info.total_votes += deltas[i].delta;
        if (info.total_votes < 0) info.total_votes = 0;
        gs.total_producer_vote_weight += deltas[i].delta;
        cps_table_modify(&prods, pitr, 0, &info);
    }

    /* Reload: propagation may have rewritten this row (a proxy's own weight). */
    cps_table_load(&vt, vitr, &voter);
    voter.last_vote_weight = new_weight;
    voter.producers = producers;
    voter.proxy = proxy;
    cps_table_modify(&vt, vitr, 0, &voter);
    store_global(self, &gs);
}

/* Stake changed by `delta`: the voter's staked amount and, if it votes, its votes follow. */
static void update_voting_power(cps_name self, cps_name voter_name, int64_t delta, cps_symbol core)
{
    cps_table vt = cps_table_open(&voters_table, self, self);
    voter_info_t voter;
    int32_t itr = cps_table_find(&vt, voter_name);
    if (itr < 0) {
        memset(&voter, 0, sizeof voter);
        voter.owner = voter_name;
        voter.staked = delta;
        voter.reserved3 = cps_asset_make(0, core);
        itr = cps_table_emplace(&vt, voter_name, &voter);
    } else {
        cps_table_load(&vt, itr, &voter);
        voter.staked += delta;
        cps_table_modify(&vt, itr, 0, &voter);
    }
    check(voter.staked >= 0, "stake for voting cannot be negative");
    if (voter.producers.count || voter.proxy)
        update_votes(self, voter_name, voter.proxy, voter.producers, false, voter.staked - delta);
}

static void sys_regproducer(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const regproducer_t *a = args;
    require_auth(a->producer);
    check(a->url.size < 512, "url too long");
    bool default_key = a->producer_key.type == 0;
    for (uint32_t i = 0; i < sizeof a->producer_key.data; i++)
        default_key &= a->producer_key.data[i] == 0;
    check(!default_key, "public key should not be the default value");
    uint16_t inflation = a->annual_inflation_bp.present ? a->annual_inflation_bp.value : 0;
    check(inflation <= MAX_INFLATION_BP, "proposed annual inflation exceeds the 5% cap");
    require_global(self);

    cps_table prods = cps_table_open(&producers_table, self, self);
    producer_info_t info;
    int32_t itr = cps_table_find(&prods, a->producer);
    if (itr >= 0) {
        cps_table_load(&prods, itr, &info);
        info.is_active = true;
        info.producer_key = a->producer_key;
        info.url = a->url;
        info.location = a->location;
        if (a->annual_inflation_bp.present) info.annual_inflation_bp = inflation;
        cps_table_modify(&prods, itr, 0, &info);
    } else {
        memset(&info, 0, sizeof info);
        info.owner = a->producer;
        info.total_votes = 0;
        info.producer_key = a->producer_key;
        info.is_active = true;
        info.url = a->url;
        info.last_claim_time = (int64_t)current_time();
        info.location = a->location;
        info.annual_inflation_bp = inflation;
        cps_table_emplace(&prods, a->producer, &info);
    }
}

static void sys_unregprod(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const unregprod_t *a = args;
    require_auth(a->producer);
    cps_table prods = cps_table_open(&producers_table, self, self);
    producer_info_t info;
    int32_t itr = cps_table_get(&prods, a->producer, &info, "producer not found");
    info.is_active = false;
    memset(&info.producer_key, 0, sizeof info.producer_key);
    cps_table_modify(&prods, itr, 0, &info);
}

/* The reference's rmvproducer: eosio deactivates a producer (it leaves the next schedule). */
static void sys_rmvproducer(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const rmvproducer_t *a = args;
    require_auth(self);
    cps_table prods = cps_table_open(&producers_table, self, self);
    producer_info_t info;
    int32_t itr = cps_table_get(&prods, a->producer, &info, "producer not found");
    info.is_active = false;
    memset(&info.producer_key, 0, sizeof info.producer_key);
    cps_table_modify(&prods, itr, 0, &info);
}

static void sys_voteproducer(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const voteproducer_t *a = args;
    require_auth(a->voter);
    cps_table vt = cps_table_open(&voters_table, self, self);
    voter_info_t voter;
    int32_t itr = cps_table_find(&vt, a->voter);
    int64_t staked = 0;
    if (itr >= 0) {
        cps_table_load(&vt, itr, &voter);
        staked = voter.staked;
    }
    update_votes(self, a->voter, a->proxy, a->producers, true, staked);
}

static void sys_regproxy(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const regproxy_t *a = args;
    require_auth(a->proxy);
    eosio_global_state_t gs = require_global(self);
    cps_table vt = cps_table_open(&voters_table, self, self);
    voter_info_t voter;
    int32_t itr = cps_table_find(&vt, a->proxy);
    if (itr >= 0) {
        cps_table_load(&vt, itr, &voter);
        check(a->isproxy != voter.is_proxy, "action has no effect");
        check(!a->isproxy || !voter.proxy,
              "account that uses a proxy is not allowed to become a proxy");
        voter.is_proxy = a->isproxy;
        cps_table_modify(&vt, itr, 0, &voter);
        propagate_weight_change(self, &gs, &voter);
        store_global(self, &gs);
    } else {
        memset(&voter, 0, sizeof voter);
        voter.owner = a->proxy;
        voter.is_proxy = a->isproxy;
        voter.reserved3 = cps_asset_make(0, gs.core_symbol);
        cps_table_emplace(&vt, a->proxy, &voter);
    }
}

/* Proposes the 21 active producers with the most votes (sorted by name), unless fewer producers
 * than the current schedule have votes. */
static void update_elected_producers(cps_name self, eosio_global_state_t *gs, uint32_t timestamp)
{
    gs->last_producer_schedule_update = timestamp;
    cps_table prods = cps_table_open(&producers_table, self, self);
    producer_key_t top[MAX_PRODUCERS];
    uint32_t count = 0;
    cps_index_key key;
    key.idx_double = -DBL_MAX; /* below every key */
    uint64_t pk;
    int32_t end = cps_index_end(&prods, 0);
    for (int32_t itr = cps_index_lower_bound(&prods, 0, &key, &pk);
         itr != end && count < MAX_PRODUCERS; itr = cps_index_next(&prods, 0, itr, &pk)) {
        producer_info_t info;
        cps_table_get(&prods, pk, &info, NULL);
        if (!(info.total_votes > 0) || !info.is_active) break;
        top[count].producer_name = info.owner;
        top[count].block_signing_key = info.producer_key;
        count++;
    }
    if (count == 0 || count < gs->last_producer_schedule_size) return;
    for (uint32_t i = 1; i < count; i++)
        for (uint32_t j = i; j > 0 && top[j - 1].producer_name > top[j].producer_name; j--) {
            producer_key_t t = top[j];
            top[j] = top[j - 1];
            top[j - 1] = t;
        }
    uint8_t packed[5 + MAX_PRODUCERS * (8 + 34)];
    cps_ds ds = cps_ds_writer(packed, sizeof packed);
    cps_ds_write_varuint32(&ds, count);
    for (uint32_t i = 0; i < count; i++)
        producer_key_pack(&top[i], &ds);
    if (set_proposed_producers(packed, ds.pos) >= 0)
        gs->last_producer_schedule_size = (uint16_t)count;
}

/* Name auctions for short names (the reference's rules and messages). An outbid bidder's tokens
 * wait in bidrefunds until bidrefund (no deferred transaction). */
static void sys_bidname(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const bidname_t *a = args;
    require_auth(a->bidder);
    eosio_global_state_t gs = require_global(self);
    check(name_suffix(a->newname) == a->newname, "you can only bid on top-level suffix");
    check(a->newname != 0, "the empty name is not a valid account name to bid on");
    check((a->newname & 0xFu) == 0, "13 character names are not valid account names to bid on");
    check((a->newname & 0x1F0u) == 0,
          "accounts with 12 character names and no dots can be created without bidding required");
    check(!is_account(a->newname), "account already exists");
    check(a->bid.symbol == gs.core_symbol, "asset must be system token");
    check(a->bid.amount > 0, "insufficient bid");

    char memo[9 + CPS_NAME_MAX_CHARS + 1] = "bid name ";
    uint32_t len = cps_name_to_str(a->newname, memo + 9);
    memo[9 + len] = 0;
    token_transfer(a->bidder, NAMES_ACCOUNT, a->bid, memo);

    cps_table bids = cps_table_open(&namebids_table, self, self);
    name_bid_t bid;
    int32_t itr = cps_table_find(&bids, a->newname);
    int64_t now = (int64_t)current_time();
    if (itr < 0) {
        bid.newname = a->newname;
        bid.high_bidder = a->bidder;
        bid.high_bid = a->bid.amount;
        bid.last_bid_time = now;
        cps_table_emplace(&bids, a->bidder, &bid);
        return;
    }
    cps_table_load(&bids, itr, &bid);
    check(bid.high_bid > 0, "this auction has already closed");
    check(a->bid.amount - bid.high_bid > bid.high_bid / 10, "must increase bid by 10%");
    check(bid.high_bidder != a->bidder, "account is already highest bidder");

    cps_table refunds = cps_table_open(&bidrefunds_table, self, a->newname);
    bid_refund_t r;
    int32_t ritr = cps_table_find(&refunds, bid.high_bidder);
    if (ritr >= 0) {
        cps_table_load(&refunds, ritr, &r);
        r.amount.amount += bid.high_bid;
        cps_table_modify(&refunds, ritr, 0, &r);
    } else {
        r.bidder = bid.high_bidder;
        r.amount = cps_asset_make(bid.high_bid, gs.core_symbol);
        cps_table_emplace(&refunds, a->bidder, &r);
    }
    bid.high_bidder = a->bidder;
    bid.high_bid = a->bid.amount;
    bid.last_bid_time = now;
    cps_table_modify(&bids, itr, a->bidder, &bid);
}

static void sys_bidrefund(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const bidrefund_t *a = args;
    cps_table refunds = cps_table_open(&bidrefunds_table, self, a->newname);
    bid_refund_t r;
    int32_t itr = cps_table_get(&refunds, a->bidder, &r, "refund not found");
    char memo[19 + CPS_NAME_MAX_CHARS + 1] = "refund bid on name ";
    uint32_t len = cps_name_to_str(a->newname, memo + 19);
    memo[19 + len] = 0;
    cps_table_erase(&refunds, itr);
    token_transfer(NAMES_ACCOUNT, a->bidder, r.amount, memo);
}

/* Closes the highest open name bid if nobody outbid it for a day (the reference's rule; bids
 * close only from 14 days after activation). */
static void close_name_bid(cps_name self, eosio_global_state_t *gs, uint32_t now_slot, int64_t now)
{
    if (now - gs->thresh_activated_stake_time <= NAME_CLOSE_AFTER_ACTIVATION_USEC) return;
    cps_table bids = cps_table_open(&namebids_table, self, self);
    cps_index_key key;
    key.idx64 = UINT64_MAX / 2; /* open bids have keys above this, closed ones below */
    uint64_t pk;
    int32_t itr = cps_index_lower_bound(&bids, 0, &key, &pk);
    if (itr == cps_index_end(&bids, 0)) return;
    name_bid_t bid;
    int32_t row = cps_table_get(&bids, pk, &bid, NULL);
    if (bid.high_bid <= 0 || now - bid.last_bid_time <= USEC_PER_DAY) return;
    gs->last_name_close = now_slot;
    bid.high_bid = -bid.high_bid;
    cps_table_modify(&bids, row, 0, &bid);
}

/* Called by the chain at the start of every block (the reference's onblock). Nothing happens
 * until 15% of the supply voted (activation). Then: the block's producer earns an unpaid block,
 * and at most once a minute the top-21 schedule is proposed and, at most once a day, the
 * highest name bid not outbid for a day is closed. */
static void sys_onblock(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const onblock_t *a = args;
    require_auth(self);
    eosio_global_state_t gs;
    if (!load_global(self, &gs)) return;
    if (gs.thresh_activated_stake_time == 0) return;
    int64_t now = (int64_t)current_time();
    if (gs.last_pervote_bucket_fill == 0) gs.last_pervote_bucket_fill = now; /* start the presses */

    /* The genesis producer (eosio) has no producer row and earns nothing. */
    cps_table prods = cps_table_open(&producers_table, self, self);
    int32_t pitr = cps_table_find(&prods, a->header.producer);
    if (pitr >= 0) {
        producer_info_t info;
        cps_table_load(&prods, pitr, &info);
        gs.total_unpaid_blocks++;
        info.unpaid_blocks++;
        cps_table_modify(&prods, pitr, 0, &info);
    }

    uint32_t now_slot = a->header.timestamp;
    if (now_slot - gs.last_producer_schedule_update > SCHEDULE_UPDATE_SLOTS) {
        update_elected_producers(self, &gs, now_slot);
        if (now_slot - gs.last_name_close > SLOTS_PER_DAY) close_name_bid(self, &gs, now_slot, now);
    }
    store_global(self, &gs);
}

/* The median of the active schedule's producers' proposed annual inflation (basis points);
 * scheduled accounts without an active producer row (the genesis producer) propose nothing.
 * An even count takes the mean of the two middle proposals, rounded down. */
static uint32_t median_inflation_bp(cps_name self)
{
    cps_name active[MAX_SCHEDULE_SIZE];
    uint32_t count = get_active_producers(active, sizeof active) / sizeof active[0];
    if (count > MAX_SCHEDULE_SIZE) count = MAX_SCHEDULE_SIZE;
    uint16_t rates[MAX_SCHEDULE_SIZE];
    uint32_t n = 0;
    cps_table prods = cps_table_open(&producers_table, self, self);
    for (uint32_t i = 0; i < count; i++) {
        int32_t itr = cps_table_find(&prods, active[i]);
        if (itr < 0) continue;
        producer_info_t info;
        cps_table_load(&prods, itr, &info);
        if (!info.is_active) continue;
        uint32_t at = n++;
        for (; at > 0 && rates[at - 1] > info.annual_inflation_bp; at--)
            rates[at] = rates[at - 1];
        rates[at] = info.annual_inflation_bp;
    }
    if (n == 0) return 0;
    return n % 2 ? rates[n / 2] : ((uint32_t)rates[n / 2 - 1] + rates[n / 2]) / 2;
}

/* The reference's claimrewards: once a day a producer collects its share of the per-block bucket
 * (by unpaid blocks) and of the per-vote bucket (by its share of all producer votes, if that is at
 * least 100 tokens). Before paying, the buckets are filled with the tokens issued since the last
 * fill at the rate = min(median proposal, max_annual_inflation_bp): 1/5 of them to producers
 * (1/4 of that per block, 3/4 per vote), the rest to eosio.saving. */
static void sys_claimrewards(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const claimrewards_t *a = args;
    require_auth(a->owner);
    eosio_global_state_t gs = require_global(self);
    cps_table prods = cps_table_open(&producers_table, self, self);
    producer_info_t prod;
    int32_t pitr = cps_table_get(&prods, a->owner, &prod, NULL);
    check(prod.is_active, "producer does not have an active key");
    check(gs.thresh_activated_stake_time != 0,
          "cannot claim rewards until the chain is activated (at least 15% of all tokens "
          "participate in voting)");
    int64_t now = (int64_t)current_time();
    check(now - prod.last_claim_time > USEC_PER_DAY, "already claimed rewards within past day");

    int64_t since_fill = now - gs.last_pervote_bucket_fill;
    if (since_fill > 0 && gs.last_pervote_bucket_fill > 0) {
        uint32_t rate = median_inflation_bp(self);
        if (rate > gs.max_annual_inflation_bp) rate = gs.max_annual_inflation_bp;
        cps_asset supply = token_get_supply(TOKEN_ACCOUNT, cps_symbol_code_of(gs.core_symbol));
        /* rate <= 500 and since_fill < 2^53 us (285 years): the product fits in 63 bits. */
        check(since_fill < (INT64_C(1) << 53), "time since the last bucket fill is too long");
        int64_t new_tokens = mul_div(supply.amount, (int64_t)rate * since_fill,
                                     INT64_C(10000) * USEC_PER_YEAR);
        int64_t to_producers = new_tokens / PRODUCERS_SHARE_DIVISOR;
        int64_t to_savings = new_tokens - to_producers;
        int64_t to_per_block = to_producers / PER_BLOCK_SHARE_DIVISOR;
        int64_t to_per_vote = to_producers - to_per_block;
        if (new_tokens > 0) {
            token_issue(self, cps_asset_make(new_tokens, gs.core_symbol),
                        "issue tokens for producer pay and savings");
            if (to_savings > 0)
                token_transfer(self, SAVING_ACCOUNT, cps_asset_make(to_savings, gs.core_symbol),
                               "unallocated inflation");
            if (to_per_block > 0)
                token_transfer(self, BPAY_ACCOUNT, cps_asset_make(to_per_block, gs.core_symbol),
                               "fund per-block bucket");
            if (to_per_vote > 0)
                token_transfer(self, VPAY_ACCOUNT, cps_asset_make(to_per_vote, gs.core_symbol),
                               "fund per-vote bucket");
        }
        gs.pervote_bucket += to_per_vote;
        gs.perblock_bucket += to_per_block;
        gs.last_pervote_bucket_fill = now;
    }

    int64_t block_pay = 0;
    if (gs.total_unpaid_blocks > 0)
        block_pay = mul_div(gs.perblock_bucket, prod.unpaid_blocks, gs.total_unpaid_blocks);
    int64_t vote_pay = 0;
    if (gs.total_producer_vote_weight > 0) {
        double share = (double)gs.pervote_bucket * prod.total_votes / gs.total_producer_vote_weight;
        vote_pay = share >= (double)gs.pervote_bucket ? gs.pervote_bucket : (int64_t)share;
    }
    int64_t min_vote_pay = MIN_PERVOTE_DAILY_PAY_TOKENS;
    for (uint32_t i = 0; i < cps_symbol_precision(gs.core_symbol); i++)
        min_vote_pay *= 10;
    if (vote_pay < min_vote_pay) vote_pay = 0;

    gs.pervote_bucket -= vote_pay;
    gs.perblock_bucket -= block_pay;
    gs.total_unpaid_blocks -= prod.unpaid_blocks;
    store_global(self, &gs);
    prod.last_claim_time = now;
    prod.unpaid_blocks = 0;
    cps_table_modify(&prods, pitr, 0, &prod);

    if (block_pay > 0) {
        cps_permission_level auth[2] = {{BPAY_ACCOUNT, N("active")}, {a->owner, N("active")}};
        token_transfer_auth(BPAY_ACCOUNT, a->owner, cps_asset_make(block_pay, gs.core_symbol),
                            "producer block pay", auth, 2);
    }
    if (vote_pay > 0) {
        cps_permission_level auth[2] = {{VPAY_ACCOUNT, N("active")}, {a->owner, N("active")}};
        token_transfer_auth(VPAY_ACCOUNT, a->owner, cps_asset_make(vote_pay, gs.core_symbol),
                            "producer vote pay", auth, 2);
    }
}

/* ---- 3. staking ------------------------------------------------------------------------ */

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

static void changebw(cps_name self, cps_name from, cps_name receiver, cps_asset net_delta,
                     cps_asset cpu_delta, bool transfer)
{
    require_auth(from);
    check(net_delta.amount != 0 || cpu_delta.amount != 0, "should stake non-zero amount");
    int64_t larger = abs64(net_delta.amount) > abs64(cpu_delta.amount) ? abs64(net_delta.amount)
                                                                       : abs64(cpu_delta.amount);
    check(abs64(net_delta.amount + cpu_delta.amount) >= larger,
          "net and cpu deltas cannot be opposite signs");
    check(is_account(receiver), "receiver account does not exist");
    eosio_global_state_t gs = require_global(self);
    cps_name source = from;
    if (transfer) from = receiver;

    /* What `from` delegated to `receiver`. */
    cps_table del = cps_table_open(&delband_table, self, from);
    delegated_bandwidth_t d;
    int32_t itr = cps_table_find(&del, receiver);
    if (itr < 0) {
        d.from = from;
        d.to = receiver;
        d.net_weight = net_delta;
        d.cpu_weight = cpu_delta;
        itr = cps_table_emplace(&del, from, &d);
    } else {
        cps_table_load(&del, itr, &d);
        d.net_weight = cps_asset_add(d.net_weight, net_delta);
        d.cpu_weight = cps_asset_add(d.cpu_weight, cpu_delta);
        cps_table_modify(&del, itr, 0, &d);
    }
    check(d.net_weight.amount >= 0, "insufficient staked net bandwidth");
    check(d.cpu_weight.amount >= 0, "insufficient staked cpu bandwidth");
    if (d.net_weight.amount == 0 && d.cpu_weight.amount == 0) cps_table_erase(&del, itr);

    /* The receiver's totals, and the chain limits that follow them. */
    cps_table tot = cps_table_open(&userres_table, self, receiver);
    user_resources_t res;
    itr = userres_row(&tot, receiver, from, gs.core_symbol, &res);
    res.net_weight = cps_asset_add(res.net_weight, net_delta);
    res.cpu_weight = cps_asset_add(res.cpu_weight, cpu_delta);
    check(res.net_weight.amount >= 0, "insufficient staked total net bandwidth");
    check(res.cpu_weight.amount >= 0, "insufficient staked total cpu bandwidth");
    cps_table_modify(&tot, itr, from == receiver ? from : 0, &res);
    apply_limits(&res);
    update_voting_power(self, from, net_delta.amount + cpu_delta.amount, gs.core_symbol);

    if (source == self) return; /* eosio staking from itself neither transfers nor refunds */

    /* Unstaking goes to the refund row; staking to oneself first takes back pending refunds. */
    cps_asset net_balance = net_delta, cpu_balance = cpu_delta;
    bool undelegating = net_balance.amount + cpu_balance.amount < 0;
    bool to_self = !transfer && from == receiver;
    cps_table refunds = cps_table_open(&refunds_table, self, from);
    int32_t req = cps_table_find(&refunds, from);
    if (to_self || undelegating) {
        uint32_t now = (uint32_t)(current_time() / 1000000u);
        refund_request_t r;
        if (req >= 0) {
            cps_table_load(&refunds, req, &r);
            if (net_balance.amount < 0 || cpu_balance.amount < 0) r.request_time = now;
            r.net_amount = cps_asset_sub(r.net_amount, net_balance);
            if (r.net_amount.amount < 0) {
                net_balance.amount = -r.net_amount.amount;
                r.net_amount.amount = 0;
            } else {
                net_balance.amount = 0;
            }
            r.cpu_amount = cps_asset_sub(r.cpu_amount, cpu_balance);
            if (r.cpu_amount.amount < 0) {
                cpu_balance.amount = -r.cpu_amount.amount;
                r.cpu_amount.amount = 0;
            } else {
                cpu_balance.amount = 0;
            }
            if (r.net_amount.amount == 0 && r.cpu_amount.amount == 0)
                cps_table_erase(&refunds, req);
            else
                cps_table_modify(&refunds, req, 0, &r);
        } else if (net_balance.amount < 0 || cpu_balance.amount < 0) {
            r.owner = from;
            r.request_time = now;
            r.net_amount =
                cps_asset_make(net_balance.amount < 0 ? -net_balance.amount : 0, gs.core_symbol);
            r.cpu_amount =
                cps_asset_make(cpu_balance.amount < 0 ? -cpu_balance.amount : 0, gs.core_symbol);
            if (net_balance.amount < 0) net_balance.amount = 0;
            if (cpu_balance.amount < 0) cpu_balance.amount = 0;
            cps_table_emplace(&refunds, from, &r);
        }
    }
    cps_asset transfer_amount = cps_asset_add(net_balance, cpu_balance);
    if (transfer_amount.amount > 0)
        token_transfer(source, STAKE_ACCOUNT, transfer_amount, "stake bandwidth");
}

static void sys_delegatebw(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const delegatebw_t *a = args;
    eosio_global_state_t gs = require_global(self);
    check_core(a->stake_net_quantity, gs.core_symbol);
    check_core(a->stake_cpu_quantity, gs.core_symbol);
    check(a->stake_cpu_quantity.amount >= 0, "must stake a positive amount");
    check(a->stake_net_quantity.amount >= 0, "must stake a positive amount");
    check(a->stake_net_quantity.amount + a->stake_cpu_quantity.amount > 0,
          "must stake a positive amount");
    check(!a->transfer || a->from != a->receiver, "cannot use transfer flag if delegating to self");
    changebw(self, a->from, a->receiver, a->stake_net_quantity, a->stake_cpu_quantity, a->transfer);
}

static void sys_undelegatebw(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const undelegatebw_t *a = args;
    eosio_global_state_t gs = require_global(self);
    check_core(a->unstake_net_quantity, gs.core_symbol);
    check_core(a->unstake_cpu_quantity, gs.core_symbol);
    check(a->unstake_cpu_quantity.amount >= 0, "must unstake a positive amount");
    check(a->unstake_net_quantity.amount >= 0, "must unstake a positive amount");
    check(a->unstake_cpu_quantity.amount + a->unstake_net_quantity.amount > 0,
          "must unstake a positive amount");
    cps_asset net = a->unstake_net_quantity, cpu = a->unstake_cpu_quantity;
    net.amount = -net.amount;
    cpu.amount = -cpu.amount;
    changebw(self, a->from, a->receiver, net, cpu, false);
}

static void sys_refund(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const refund_t *a = args;
    require_auth(a->owner);
    cps_table refunds = cps_table_open(&refunds_table, self, a->owner);
    refund_request_t r;
    int32_t itr = cps_table_get(&refunds, a->owner, &r, "refund request not found");
    uint64_t now = current_time() / 1000000u;
    check((uint64_t)r.request_time + REFUND_DELAY_SEC <= now, "refund is not available yet");
    cps_asset total = cps_asset_add(r.net_amount, r.cpu_amount);
    cps_table_erase(&refunds, itr);
    if (total.amount > 0) token_transfer(STAKE_ACCOUNT, a->owner, total, "unstake");
}

/* ---- 4. RAM as a refundable deposit ---------------------------------------------------- */

static void buy_bytes(cps_name self, cps_name payer, cps_name receiver, int64_t bytes,
                      eosio_global_state_t *gs)
{
    check(bytes > 0, "must reserve a positive amount");
    int64_t price = gs->ram_price_per_byte.amount;
    check(bytes <= CPS_ASSET_MAX_AMOUNT / price, "ram purchase too large");
    check(gs->total_ram_bytes_reserved + (uint64_t)bytes <= gs->max_ram_size,
          "ram reserved exceeds max ram size");
    check(is_account(receiver), "receiver account does not exist");
    cps_asset deposit = cps_asset_make(bytes * price, gs->core_symbol);
    token_transfer(payer, RAM_ACCOUNT, deposit, "buy ram");

    gs->total_ram_bytes_reserved += (uint64_t)bytes;
    gs->total_ram_stake += deposit.amount;
    store_global(self, gs);

    cps_table tot = cps_table_open(&userres_table, self, receiver);
    user_resources_t res;
    int32_t itr = userres_row(&tot, receiver, receiver, gs->core_symbol, &res);
    res.ram_bytes += bytes;
    cps_table_modify(&tot, itr, 0, &res);
    apply_limits(&res);

    cps_table deposits = cps_table_open(&ramdeposit_table, self, self);
    ram_deposit_t dep;
    itr = cps_table_find(&deposits, receiver);
    if (itr < 0) {
        dep.owner = receiver;
        dep.deposit = deposit;
        cps_table_emplace(&deposits, self, &dep);
    } else {
        cps_table_load(&deposits, itr, &dep);
        dep.deposit = cps_asset_add(dep.deposit, deposit);
        cps_table_modify(&deposits, itr, 0, &dep);
    }
}

static void sys_buyram(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const buyram_t *a = args;
    require_auth(a->payer);
    eosio_global_state_t gs = require_global(self);
    check(a->quant.symbol == gs.core_symbol, "must buy ram with core token");
    check(a->quant.amount > 0, "must purchase a positive amount");
    /* Whole bytes only: the remainder below one byte's price is not taken. */
    int64_t bytes = a->quant.amount / gs.ram_price_per_byte.amount;
    check(bytes > 0, "quantity is less than the price of one byte");
    buy_bytes(self, a->payer, a->receiver, bytes, &gs);
}

static void sys_buyrambytes(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const buyrambytes_t *a = args;
    require_auth(a->payer);
    eosio_global_state_t gs = require_global(self);
    buy_bytes(self, a->payer, a->receiver, a->bytes, &gs);
}

static void sys_sellram(cps_name self, cps_name code, const void *args)
{
    (void)code;
    const sellram_t *a = args;
    require_auth(a->account);
    check(a->bytes > 0, "cannot sell negative byte");
    eosio_global_state_t gs = require_global(self);
    cps_table tot = cps_table_open(&userres_table, self, a->account);
    user_resources_t res;
    int32_t itr = cps_table_get(&tot, a->account, &res, "no resource row");
    check(res.ram_bytes >= a->bytes, "insufficient quota");

    cps_table deposits = cps_table_open(&ramdeposit_table, self, self);
    ram_deposit_t dep;
    int32_t ditr = cps_table_get(&deposits, a->account, &dep, "no ram deposit row");
    /* Pro rata, rounded down; selling the last byte returns whatever remains, so the sum of all
     * returns is exactly the sum of all deposits. */
    int64_t back = a->bytes == res.ram_bytes ? dep.deposit.amount
                                             : mul_div(dep.deposit.amount, a->bytes, res.ram_bytes);

    res.ram_bytes -= a->bytes;
    cps_table_modify(&tot, itr, 0, &res);
    apply_limits(&res);

    dep.deposit.amount -= back;
    if (res.ram_bytes == 0)
        cps_table_erase(&deposits, ditr);
    else
        cps_table_modify(&deposits, ditr, 0, &dep);

    gs.total_ram_bytes_reserved -= (uint64_t)a->bytes;
    gs.total_ram_stake -= back;
    store_global(self, &gs);
    if (back > 0)
        token_transfer(RAM_ACCOUNT, a->account, cps_asset_make(back, gs.core_symbol), "sell ram");
}

static const cps_action_def system_actions[] = {
    CPS_ACTION(init, init, sys_init),
    CPS_ACTION(setparams, setparams, sys_setparams),
    CPS_ACTION(setpriv, setpriv, sys_setpriv),
    CPS_ACTION(setalimits, setalimits, sys_setalimits),
    CPS_ACTION(activate, activate, sys_activate),
    CPS_ACTION(newaccount, newaccount, sys_newaccount),
    CPS_ACTION(updateauth, updateauth, sys_native),
    CPS_ACTION(deleteauth, deleteauth, sys_native),
    CPS_ACTION(linkauth, linkauth, sys_native),
    CPS_ACTION(unlinkauth, unlinkauth, sys_native),
    CPS_ACTION(canceldelay, canceldelay, sys_native),
    CPS_ACTION(setcode, setcode, sys_native),
    CPS_ACTION(setabi, setabi, sys_native),
    CPS_ACTION(bidname, bidname, sys_bidname),
    CPS_ACTION(bidrefund, bidrefund, sys_bidrefund),
    CPS_ACTION(onblock, onblock, sys_onblock),
    CPS_ACTION(regproducer, regproducer, sys_regproducer),
    CPS_ACTION(unregprod, unregprod, sys_unregprod),
    CPS_ACTION(rmvproducer, rmvproducer, sys_rmvproducer),
    CPS_ACTION(claimrewards, claimrewards, sys_claimrewards),
    CPS_ACTION(voteproducer, voteproducer, sys_voteproducer),
    CPS_ACTION(regproxy, regproxy, sys_regproxy),
    CPS_ACTION(delegatebw, delegatebw, sys_delegatebw),
    CPS_ACTION(undelegatebw, undelegatebw, sys_undelegatebw),
    CPS_ACTION(refund, refund, sys_refund),
    CPS_ACTION(buyram, buyram, sys_buyram),
    CPS_ACTION(buyrambytes, buyrambytes, sys_buyrambytes),
    CPS_ACTION(sellram, sellram, sys_sellram),
};
CPS_CONTRACT(system_actions)
