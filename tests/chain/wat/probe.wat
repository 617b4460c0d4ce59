;; probe: a test contract for the dry-run, node CPU limit and onerror tests. Actions on its own
;; code (data is raw bytes, no ABI needed):
;;   put   stores a 4-byte row (scope = table "rows" of the receiver, primary key = 1)
;;   fail  stores a row in table "junk", then fails eosio_assert("probe failed on purpose")
;;   spin  loops for ever (only the CPU budget stops it)
;;   burn  loops as many times as the u64 in its data says (a transaction of a chosen CPU cost)
;;   go    send_deferred(sender_id 7, payer = receiver, the action data as the transaction)
;; and eosio::onerror (delivered to the sender of a failed deferred transaction) stores the
;; onerror data in table "errors", primary key = the low 64 bits of sender_id.
(module
  (import "env" "read_action_data" (func $read (param i32 i32) (result i32)))
  (import "env" "action_data_size" (func $size (result i32)))
  (import "env" "send_deferred" (func $send_deferred (param i32 i64 i32 i32 i32)))
  (import "env" "db_store_i64" (func $store (param i64 i64 i64 i64 i32 i32) (result i32)))
  (import "env" "eosio_assert" (func $assert (param i32 i32)))
  (memory 1)
  (data (i32.const 64) "probe failed on purpose\00")
  (func (export "apply") (param $receiver i64) (param $code i64) (param $action i64)
    (local $n i32)
    ;; eosio::onerror (code eosio = 6138663577826885632, action onerror)
    (if (i32.and (i64.eq (local.get $code) (i64.const 6138663577826885632))
                 (i64.eq (local.get $action) (i64.const -6569208335818555392)))
      (then
        (local.set $n (call $size))
        (drop (call $read (i32.const 1024) (local.get $n)))
        ;; table "errors"
        (drop (call $store (local.get $receiver) (i64.const 6192251438102478848)
                           (local.get $receiver) (i64.load (i32.const 1024))
                           (i32.const 1024) (local.get $n)))
        (return)))
    (if (i64.ne (local.get $code) (local.get $receiver)) (then (return)))
    ;; put
    (if (i64.eq (local.get $action) (i64.const -5858620165255593984))
      (then
        (i32.store (i32.const 0) (i32.const 0x2a2a2a2a))
        ;; table "rows"
        (drop (call $store (local.get $receiver) (i64.const -4811673989380308992)
                           (local.get $receiver) (i64.const 1) (i32.const 0) (i32.const 4)))
        (return)))
    ;; fail
    (if (i64.eq (local.get $action) (i64.const 6457335032905203712))
      (then
        ;; table "junk"
        (drop (call $store (local.get $receiver) (i64.const 9126263169889599488)
                           (local.get $receiver) (i64.const 1) (i32.const 64) (i32.const 4)))
        (call $assert (i32.const 0) (i32.const 64))
        (return)))
    ;; spin
    (if (i64.eq (local.get $action) (i64.const -4225168098845523968))
      (then (loop $forever (br $forever))))
    ;; burn
    (if (i64.eq (local.get $action) (i64.const 4516881727834030080))
      (then
        (drop (call $read (i32.const 0) (i32.const 8)))
        (block $done
          (loop $more
            (br_if $done (i64.eqz (i64.load (i32.const 0))))
            (i64.store (i32.const 0) (i64.sub (i64.load (i32.const 0)) (i64.const 1)))
            (br $more)))
        (return)))
    ;; go
    (if (i64.eq (local.get $action) (i64.const 7277816997830721536))
      (then
        (local.set $n (call $size))
        (drop (call $read (i32.const 1024) (local.get $n)))
        (i64.store (i32.const 0) (i64.const 7))
        (i64.store (i32.const 8) (i64.const 0))
        (call $send_deferred (i32.const 0) (local.get $receiver) (i32.const 1024) (local.get $n)
                             (i32.const 0))))))
