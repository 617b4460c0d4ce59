/* CPS contract SDK: the one header a C contract includes. Build with contracts/contracts.mk
 * (clang --target=wasm32, wasm-ld); docs/contracts.md walks through a first contract. */
#ifndef CPS_SDK_H
#define CPS_SDK_H

#include "eosio/intrinsics.h"

#include "cps/action.h"
#include "cps/asset.h"
#include "cps/base.h"
#include "cps/datastream.h"
#include "cps/dispatch.h"
#include "cps/name.h"
#include "cps/table.h"

#endif
