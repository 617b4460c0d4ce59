/* EOSIO host interface: every env.* intrinsic a C contract may call, by area. The names and
 * WebAssembly signatures are EOSIO's (checked against contracts/sdk/intrinsics.list). */
#ifndef EOSIO_INTRINSICS_H
#define EOSIO_INTRINSICS_H

#include "eosio/action.h"
#include "eosio/auth.h"
#include "eosio/chain.h"
#include "eosio/crypto.h"
#include "eosio/db.h"
#include "eosio/memory.h"
#include "eosio/print.h"
#include "eosio/privileged.h"
#include "eosio/system.h"
#include "eosio/transaction.h"

#endif
