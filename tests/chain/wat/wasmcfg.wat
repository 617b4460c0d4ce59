;; wasmcfg: a test contract for the wasm parameter intrinsics. Actions (data as the ABI in
;; test_controller_wasm_config.c packs it: one `bytes` field, under 128 bytes, so one length byte):
;;   setwasm {params: bytes}    set_wasm_parameters_packed(params)
;;   getwasm {expected: bytes}  get_wasm_parameters_packed(buf, 256, 0) must return the size of
;;                              `expected` and write exactly those bytes; size 0 and a buffer too
;;                              small must return the size too and write nothing
;;   noop {}                    does nothing (an action with empty data)
;; Any other action (native ones, onblock) is accepted and ignored.
(module
  (import "env" "read_action_data" (func $read (param i32 i32) (result i32)))
  (import "env" "set_wasm_parameters_packed" (func $set (param i32 i32)))
  (import "env" "get_wasm_parameters_packed" (func $get (param i32 i32 i32) (result i32)))
  (import "env" "eosio_assert" (func $assert (param i32 i32)))
  (import "env" "memcmp" (func $memcmp (param i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 2048) "get_wasm_parameters_packed returned another size\00")
  (data (i32.const 2112) "get_wasm_parameters_packed wrote other bytes\00")
  (data (i32.const 2176) "get_wasm_parameters_packed wrote into a small buffer\00")
  (func (export "apply") (param $receiver i64) (param $code i64) (param $action i64)
    (local $n i32)
    ;; setwasm
    (if (i64.eq (local.get $action) (i64.const -4416971982772371456))
      (then
        (local.set $n (call $read (i32.const 0) (i32.const 256)))
        (call $set (i32.const 1) (i32.sub (local.get $n) (i32.const 1)))))
    ;; getwasm
    (if (i64.eq (local.get $action) (i64.const 7112243063296098304))
      (then
        (local.set $n (i32.sub (call $read (i32.const 0) (i32.const 256)) (i32.const 1)))
        ;; size query
        (call $assert (i32.eq (call $get (i32.const 512) (i32.const 0) (i32.const 0))
                              (local.get $n)) (i32.const 2048))
        ;; a buffer one byte short: the size, nothing written
        (i32.store8 (i32.const 768) (i32.const 0xee))
        (call $assert (i32.eq (call $get (i32.const 768) (i32.sub (local.get $n) (i32.const 1))
                                         (i32.const 0))
                              (local.get $n)) (i32.const 2048))
        (call $assert (i32.eq (i32.load8_u (i32.const 768)) (i32.const 0xee)) (i32.const 2176))
        ;; max_version 7 still gives version 0
        (call $assert (i32.eq (call $get (i32.const 512) (i32.const 256) (i32.const 7))
                              (local.get $n)) (i32.const 2048))
        (call $assert (i32.eqz (call $memcmp (i32.const 512) (i32.const 1) (local.get $n)))
                      (i32.const 2112))))))
